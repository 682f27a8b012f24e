import { backend } from '../backend/index.js';
import { ArgumentTypeError, boolOption, checkKeys, describeArg, DTypeError, fmtShape, optionKeys, ShapeError, ValueError } from '../errors.js';
import { allocate, dtypeOfArray, requireDType, type DType, type TypedArray } from './dtype.js';
import { defaultGenerator, Generator as RandomGenerator, type Generator } from './random.js';
import { reuseResult } from './recycle.js';
import { contiguousStrides, shapeSize, Storage, Tensor } from './tensor.js';

/** Options of the creation functions. */
export interface TensorOptions {
  /** The element type (default `float32`; `tensor` infers bool from booleans and keeps a typed array's own). */
  dtype?: DType;
  /** Make the result a leaf that requires grad (floating point dtypes only). */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The stream to draw from (default: the global one `manualSeed` seeds). */
  generator?: Generator;
}

const TENSOR_KEYS = optionKeys<TensorOptions>({ dtype: true, requiresGrad: true });
const RANDOM_KEYS = optionKeys<RandomOptions>({ dtype: true, requiresGrad: true, generator: true });
const INPUT_KEYS = optionKeys<TensorOptions & { shape?: readonly number[] }>({ dtype: true, requiresGrad: true, shape: true });

/** `options` checked: only `keys`, a supported dtype, a boolean requiresGrad (what the creation functions read). */
function readOptions<O extends TensorOptions>(op: string, options: unknown, keys: readonly string[]): O {
  const o = checkKeys(op, options, keys) as O;
  if (o.dtype !== undefined) requireDType(o.dtype, op);
  boolOption(op, 'requiresGrad', o.requiresGrad, false);
  return o;
}

/**
 * The arguments of a function that takes a shape, as PyTorch takes them:
 * one array (`zeros([2, 3])`) or separate sizes (`zeros(2, 3)`), then the
 * options.
 */
export type SizeArgs<O> = [shape: readonly number[], options?: O] | number[] | [...sizes: number[], options: O];

/** Splits {@link SizeArgs} into a checked shape and the options. */
function readSizeArgs<O extends TensorOptions>(op: string, args: readonly unknown[], keys: readonly string[]): { shape: number[]; options: O } {
  const first = args[0];
  let shapeArg: unknown;
  let rest: readonly unknown[];
  if (Array.isArray(first)) {
    shapeArg = first;
    rest = args.slice(1);
  } else {
    let n = 0;
    while (n < args.length && typeof args[n] === 'number') n++;
    if (n === 0) {
      throw new ArgumentTypeError(`expected a shape (an array of sizes, or sizes as separate numbers), got ${args.length === 0 ? 'nothing' : describeArg(first)}`, {
        op,
        hint: `${op}([2, 3]) or ${op}(2, 3)`,
      });
    }
    shapeArg = args.slice(0, n);
    rest = args.slice(n);
  }
  if (rest.length > 1 || (rest.length === 1 && (rest[0] === null || typeof rest[0] !== 'object' || Array.isArray(rest[0])))) {
    const extra = rest.length > 1 ? rest[1] : rest[0];
    throw new ArgumentTypeError(`after the shape, expected only an options object, got ${describeArg(extra)}`, {
      op,
      hint: `give the sizes in one array or as numbers, then the options: ${op}([2, 3], { dtype: 'float64' }) or ${op}(2, 3, { dtype: 'float64' })`,
    });
  }
  return { shape: checkShape(shapeArg as readonly number[], op), options: readOptions<O>(op, rest[0], keys) };
}

/**
 * A zeroed typed array for a tensor of `shape`, or an error naming `op` and
 * the shape when it is larger than the runtime can allocate.
 */
function allocateFor(op: string, shape: readonly number[], dtype: DType): TypedArray {
  const n = shapeSize(shape);
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ValueError(`a ${dtype} tensor of shape ${fmtShape(shape)} has ${n} elements, more than this runtime can allocate (${e.message})`, {
      op,
      hint: 'use a smaller shape',
    });
  }
}

/** Nested arrays of numbers or booleans, as `kd.tensor` accepts them. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** A shape given as one array or one number (`full([2, 3], 1)`, `full(3, 1)`); see {@link SizeArgs} for separate sizes. */
export type ShapeArg = readonly number[] | number;

function finish(t: Tensor, options: TensorOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A copy of `shape` after checking every dimension is a non-negative integer (a ShapeError naming `op` otherwise). */
export function checkShape(shape: readonly number[], op: string): number[] {
  if (!Array.isArray(shape)) {
    throw new ArgumentTypeError(`expected a shape (an array of sizes), got ${describeArg(shape)}`, { op, hint: `${op}([2, 3])` });
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`invalid shape ${fmtShape(shape)}: every dimension must be a non-negative integer`, { op });
    }
  }
  return [...shape];
}

/**
 * A tensor from nested arrays or a typed array.
 *
 * NOTE: deliberate difference from PyTorch: JavaScript has one number type, so
 * numbers give `float32` unless `dtype` says otherwise (PyTorch gives int64
 * for `torch.tensor([1, 2])`); booleans give `bool`; a typed array keeps its
 * own dtype (Int32Array → int32, Uint8Array → bool).
 *
 * ```ts
 * kd.tensor([[1, 2], [3, 4]]);                       // float32 [2, 2]
 * kd.tensor(new Float32Array(6), { shape: [2, 3] }); // from a typed array
 * kd.tensor([0, 2, 1], { dtype: 'int32' });          // class labels
 * ```
 */
export function tensor(data: NestedInput | TypedArray, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  options = readOptions('tensor', options, INPUT_KEYS);
  if (ArrayBuffer.isView(data)) {
    const arrayDtype = dtypeOfArray(data);
    if (arrayDtype === undefined) {
      throw new DTypeError(`unsupported typed array ${(data as object).constructor.name}`, {
        op: 'tensor',
        hint: 'use Float32Array, Float64Array, Int32Array or Uint8Array (bool)',
      });
    }
    const shape = options.shape ? checkShape(options.shape, 'tensor') : [data.length];
    if (shapeSize(shape) !== data.length) {
      throw new ShapeError(`shape ${fmtShape(shape)} needs ${shapeSize(shape)} elements, but the array has ${data.length}`, { op: 'tensor' });
    }
    const dtype = options.dtype ?? arrayDtype;
    const out = allocate(dtype, data.length);
    backend().copy({ data: out, offset: 0, strides: [1] }, { data, offset: 0, strides: [1] }, [data.length]);
    // A Uint8Array's bytes become bool as PyTorch converts uint8: any non-zero byte is true (stored as 1).
    if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = out[i] !== 0 ? 1 : 0;
    return finish(Tensor.fromData(out, shape, dtype), options);
  }
  const shape: number[] = [];
  let probe: NestedInput = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly NestedInput[])[0] as NestedInput;
    if (probe === undefined) break;
  }
  const values = new Array<number>(shapeSize(shape));
  let pos = 0;
  let allBool = true;
  const walk = (v: NestedInput, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v === 'number') {
        values[pos++] = v;
        allBool = false;
      } else if (typeof v === 'boolean') values[pos++] = v ? 1 : 0;
      else throw new ArgumentTypeError(`expected a number or boolean at depth ${dim}, got ${describe(v)}`, { op: 'tensor' });
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${Array.isArray(v) ? v.length : describe(v)})`, {
        op: 'tensor',
        hint: 'nested arrays must be rectangular',
      });
    }
    for (const item of v as readonly NestedInput[]) walk(item, dim + 1);
  };
  walk(data, 0);
  if (options.shape) {
    // A flat array with a shape reads as the typed-array form does; a nested array carries its own shape.
    const target = checkShape(options.shape, 'tensor');
    if (shape.length > 1 && fmtShape(shape) !== fmtShape(target)) {
      throw new ShapeError(`a nested array of shape ${fmtShape(shape)} was given the shape option ${fmtShape(target)}`, {
        op: 'tensor',
        hint: 'the shape option is for a flat array (or a typed array); reshape a nested one with .reshape(shape)',
      });
    }
    if (shapeSize(target) !== values.length) {
      throw new ShapeError(`shape ${fmtShape(target)} needs ${shapeSize(target)} elements, but the array has ${values.length}`, { op: 'tensor' });
    }
    shape.splice(0, shape.length, ...target);
  }
  // Booleans alone give bool; any number makes the tensor numeric (true → 1), as in PyTorch.
  const dtype = options.dtype ?? (allBool && shape.every((d) => d > 0) ? 'bool' : 'float32');
  const out = allocate(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else out.set(values);
  return finish(Tensor.fromData(out, shape, dtype), options);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'object' ? (v as object).constructor.name : `${typeof v} ${String(v)}`;
}

/** A tensor of `shape` filled with `value` (the shape is one array, as in PyTorch). */
export function full(shape: readonly number[] | number, value: number, options: TensorOptions = {}): Tensor {
  return filled('full', checkShape(typeof shape === 'number' ? [shape] : shape, 'full'), value, readOptions('full', options, TENSOR_KEYS));
}

/**
 * `value` as `dtype` stores it: int32 truncates but refuses what does not fit
 * (the typed array would wrap 2^31 to -2^31), bool is 0 or 1 (any non-zero
 * value is true), as PyTorch converts fill values.
 */
export function storedValue(value: number, dtype: DType, op: string): number {
  if (typeof value !== 'number') {
    throw new ArgumentTypeError(`expected a number as the value, got ${describe(value)}`, { op });
  }
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  if (dtype === 'int32' && !(Math.trunc(value) >= -(2 ** 31) && Math.trunc(value) < 2 ** 31)) {
    throw new ValueError(`value ${value} cannot be converted to type int32 without overflow`, {
      op,
      hint: 'int32 holds integers in [-2^31, 2^31); use a float dtype',
    });
  }
  return value;
}

function filled(op: string, shape: number[], value: number, options: TensorOptions): Tensor {
  const dtype = options.dtype ?? 'float32';
  const v = storedValue(value, dtype, op);
  const data = allocateFor(op, shape, dtype);
  if (v !== 0) backend().fill(data, v, 0, data.length);
  return finish(Tensor.fromData(data, shape, dtype), options);
}

/**
 * A tensor of `shape` filled with zeros (float32 unless `dtype` says
 * otherwise). The shape is one array or separate sizes, as in PyTorch:
 * `zeros([2, 3])`, `zeros(2, 3)`, `zeros(2, 3, { dtype: 'int32' })`.
 */
export function zeros(...args: SizeArgs<TensorOptions>): Tensor {
  const { shape, options } = readSizeArgs('zeros', args, TENSOR_KEYS);
  return filled('zeros', shape, 0, options);
}

/** A tensor of `shape` filled with ones (float32 unless `dtype` says otherwise); the shape as for {@link zeros}. */
export function ones(...args: SizeArgs<TensorOptions>): Tensor {
  const { shape, options } = readSizeArgs('ones', args, TENSOR_KEYS);
  return filled('ones', shape, 1, options);
}

/** A tensor whose values are not meant to be read before they are written (zeros here: typed arrays start zeroed); the shape as for {@link zeros}. */
export function empty(...args: SizeArgs<TensorOptions>): Tensor {
  const { shape, options } = readSizeArgs('empty', args, TENSOR_KEYS);
  return filled('empty', shape, 0, options);
}

function likeOptions(t: Tensor, options: TensorOptions, op: string): TensorOptions {
  const o = readOptions(op, options, TENSOR_KEYS);
  return { dtype: o.dtype ?? t.dtype, requiresGrad: o.requiresGrad ?? false };
}

/**
 * Zeros of `t`'s shape and (unless `options.dtype` says otherwise) dtype; the
 * result does not require grad unless asked, whatever `t` does. Likewise the
 * other `*Like` functions.
 *
 * ```ts
 * kd.zerosLike(kd.ones([2, 3], { dtype: 'float64' })).dtype; // 'float64'
 * ```
 */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, likeOptions(t, options, 'zerosLike'));
}
/** Ones of `t`'s shape and dtype (see `zerosLike`). */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, likeOptions(t, options, 'onesLike'));
}
/** `value` in `t`'s shape and dtype (see `zerosLike`). */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, options, 'fullLike'));
}
/** An uninitialised-by-contract tensor of `t`'s shape and dtype (see `empty`). */
export function emptyLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return empty(t.shape, likeOptions(t, options, 'emptyLike'));
}

/**
 * Values from `start` to `end` (exclusive) by `step`: `arange(5)`,
 * `arange(1, 4)`, `arange(0, 1, 0.25)`. float32 by default.
 */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: TensorOptions): Tensor;
export function arange(a: number, b?: number | TensorOptions, c?: number, d?: TensorOptions): Tensor {
  let start = 0;
  let end: number;
  let step = 1;
  let options: TensorOptions = {};
  if (typeof b === 'number') {
    start = a;
    end = b;
    step = c ?? 1;
    options = d ?? {};
  } else {
    end = a;
    options = b ?? {};
  }
  options = readOptions('arange', options, TENSOR_KEYS);
  for (const [what, v] of [['start', start], ['end', end]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${what} must be a finite number, got ${describeArg(v)}`, { op: 'arange' });
  }
  if (typeof step !== 'number' || step === 0 || !Number.isFinite(step)) throw new ValueError(`step must be a finite non-zero number, got ${describeArg(step)}`, { op: 'arange' });
  if ((end - start) / step < 0) {
    throw new ValueError(`upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`, { op: 'arange' });
  }
  // NOTE: the length is ceil((end - start) / step) in double precision, as PyTorch computes it;
  // each value is start + i·step (not a running sum, which would accumulate rounding).
  const n = Math.ceil((end - start) / step);
  const dtype = options.dtype ?? 'float32';
  const data = allocateFor('arange', [n], dtype);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [n], dtype), options);
}

/** `steps` evenly spaced values from `start` to `end`, both included. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`number of steps must be a non-negative integer, got ${steps}`, { op: 'linspace' });
  options = readOptions('linspace', options, TENSOR_KEYS);
  const dtype = options.dtype ?? 'float32';
  const data = allocateFor('linspace', [steps], dtype);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // NOTE: PyTorch fills the second half backwards from `end` so that the last value is exactly `end`.
  // Its float32 kernel also rounds in float32 and, vectorised, differs by an ulp from this double
  // arithmetic in a few places (tests allow 2 ulps).
  const half = Math.floor(steps / 2);
  if (steps === 1) data[0] = start;
  else for (let i = 0; i < steps; i++) data[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish(Tensor.fromData(data, [steps], dtype), options);
}

/** The `n × m` identity matrix (`m` defaults to `n`). */
export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  const s = checkShape([n, m], 'eye');
  options = readOptions('eye', options, TENSOR_KEYS);
  const dtype = options.dtype ?? 'float32';
  const data = allocateFor('eye', s, dtype);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(Tensor.fromData(data, s, dtype), options);
}

function randomFloat(args: readonly unknown[], op: string, sample: (g: Generator, f32: boolean) => number): Tensor {
  const { shape: s, options } = readSizeArgs<RandomOptions>(op, args, RANDOM_KEYS);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`expects a floating point dtype, got ${dtype}`, { op });
  }
  const g = generatorOf(options, op);
  const data = allocateFor(op, s, dtype);
  const f32 = dtype === 'float32';
  for (let i = 0; i < data.length; i++) data[i] = sample(g, f32);
  return finish(Tensor.fromData(data, s, dtype), options);
}

/** Uniform samples in [0, 1); the shape as for {@link zeros} (`rand(2, 3)` or `rand([2, 3], { generator })`). */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  return randomFloat(args, 'rand', (g, f32) => (f32 ? g.nextFloat() : g.nextDouble()));
}

/** Standard normal samples; the shape as for {@link zeros}. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  return randomFloat(args, 'randn', (g) => g.nextNormal());
}

function generatorOf(options: RandomOptions, op: string): Generator {
  const g = options.generator;
  if (g === undefined) return defaultGenerator;
  if (!(g instanceof RandomGenerator)) throw new ArgumentTypeError(`generator must be a kd.Generator, got ${describeArg(g)}`, { op, hint: 'new kd.Generator(seed)' });
  return g;
}

/** Uniform integers in [low, high); int32 by default. */
export function randint(low: number, high: number, shape: readonly number[] | number, options: RandomOptions = {}): Tensor {
  options = readOptions('randint', options, RANDOM_KEYS);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`, { op: 'randint' });
  }
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'randint');
  const dtype = options.dtype ?? 'int32';
  // NOTE: as PyTorch's random_: the range must fit the dtype (bool: [0, 2)), else values would wrap.
  const [lo, hi] = dtype === 'bool' ? [0, 2] : dtype === 'int32' ? [-(2 ** 31), 2 ** 31] : [-(2 ** 53), 2 ** 53];
  if (low < lo || high > hi) {
    throw new ValueError(`the range [${low}, ${high}) does not fit ${dtype}, which holds [${lo}, ${hi})`, { op: 'randint', hint: 'use a smaller range or another dtype' });
  }
  const g = generatorOf(options, 'randint');
  const data = allocateFor('randint', s, dtype);
  for (let i = 0; i < data.length; i++) data[i] = g.nextInt(low, high);
  return finish(Tensor.fromData(data, s, dtype), options);
}

/** `rand` in `t`'s shape and dtype (see `zerosLike`). */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return rand(t.shape, { ...likeOptions(t, without(options, 'generator'), 'randLike'), generator: options.generator });
}
/** `randn` in `t`'s shape and dtype (see `zerosLike`). */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randn(t.shape, { ...likeOptions(t, without(options, 'generator'), 'randnLike'), generator: options.generator });
}
/** `randint(low, high)` in `t`'s shape and dtype (see `zerosLike`). */
export function randintLike(t: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor {
  const o = readOptions<RandomOptions>('randintLike', options, RANDOM_KEYS);
  return randint(low, high, t.shape, { dtype: o.dtype ?? t.dtype, generator: o.generator });
}

/** `options` without `key` (checked by the function it is passed on to). */
function without(options: RandomOptions, key: keyof RandomOptions): TensorOptions {
  if (options === null || typeof options !== 'object') return options;
  const { [key]: _, ...rest } = options;
  return rest;
}

/** A tensor holding one number (0-d). */
export function scalarTensor(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  return new Tensor(new Storage(data), [], [], 0, dtype);
}

/** A zeroed contiguous tensor of `shape` (internal, for ops that rely on the zeros; see {@link allocUninit}). */
export function alloc(shape: readonly number[], dtype: DType): Tensor {
  const n = shapeSize(shape);
  const data = reuseResult(dtype, n)?.fill(0) ?? allocate(dtype, n);
  return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
}

/**
 * A contiguous tensor of `shape` whose contents are unspecified (internal):
 * for op results that a kernel overwrites entirely. During a backward pass
 * it may be a recycled array of the same length (tensor/recycle.ts); else
 * the backend provides it (the native backend skips the zero-fill); use
 * {@link alloc} wherever the code relies on zeros (scatters, padding,
 * accumulating kernels).
 */
export function allocUninit(shape: readonly number[], dtype: DType): Tensor {
  const n = shapeSize(shape);
  const b = backend();
  const data = reuseResult(dtype, n) ?? (b.allocUninit === undefined ? allocate(dtype, n) : b.allocUninit(dtype, n));
  return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
}
