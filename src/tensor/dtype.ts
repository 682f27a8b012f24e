import { zeroedArray } from '../backend/arrays.js';
import { DTypeError } from '../errors.js';

/** The element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed array that stores each dtype. `bool` is stored as 0/1 bytes. */
export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any of the typed arrays a tensor's storage can be. */
export type TypedArray = DTypeArrays[DType];
/** The storage of a floating point tensor. */
export type FloatArray = Float32Array | Float64Array;

/** Every dtype kindling has (float32, the default, first). */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** Other names for kindling's dtypes (PyTorch's `torch.float`, `torch.double`, `torch.int`; NumPy's `bool_`). */
const DTYPE_ALIASES: Readonly<Record<string, DType>> = { float: 'float32', double: 'float64', int: 'int32', boolean: 'bool' };
/** PyTorch dtypes kindling reads from files into one of its own. */
const READ_AS: Readonly<Record<string, DType>> = {
  float16: 'float32', half: 'float32', bfloat16: 'float32', int64: 'int32', long: 'int32', int16: 'int32', short: 'int32', int8: 'int32', uint8: 'int32',
};

/**
 * `dtype` when it is one of kindling's dtypes; otherwise a `DTypeError`
 * naming `op`, the value and the supported dtypes (and, for PyTorch's other
 * dtypes, what kindling uses instead).
 */
export function requireDType(dtype: unknown, op: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  const shown = typeof dtype === 'string' ? `'${dtype}'` : String(dtype);
  const name = typeof dtype === 'string' ? dtype.replace(/^torch\./, '') : '';
  const alias = Object.hasOwn(DTYPE_ALIASES, name) ? DTYPE_ALIASES[name] : undefined;
  const readAs = Object.hasOwn(READ_AS, name) ? READ_AS[name] : undefined;
  const hint = alias !== undefined
    ? `did you mean '${alias}'?`
    : readAs !== undefined
      ? `kindling computes in ${DTYPES.join(', ')}; ${name} tensors in checkpoint and safetensors files are read as ${readAs}: use '${readAs}'`
      : `kindling's dtypes are ${DTYPES.join(', ')}`;
  throw new DTypeError(`unsupported dtype ${shown}`, { op, hint });
}

/** Whether `dtype` is float32 or float64 (narrowing the type). */
export function isFloating(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** A zeroed typed array of `size` elements for `dtype`. */
export function allocate<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
  return zeroedArray(dtype, size);
}

/** The dtype a typed array stores, or undefined for an array kind kindling does not use. */
export function dtypeOfArray(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return undefined;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype of an op's result from its operands' dtypes (PyTorch's type
 * promotion restricted to kindling's dtypes): bool < int32 < float32 < float64.
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}
