/**
 * Helpers every ops family uses: broadcasting, turning numbers into tensors,
 * running backend kernels into fresh outputs, and summing a gradient back to
 * an input's shape.
 */
import { backend, type StridedView } from '../backend/index.js';
import type { BinaryOp, UnaryOp } from '../backend/index.js';
import { ArgumentTypeError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { allocUninit, scalarTensor } from '../tensor/creation.js';
import { isFloating, promoteTypes, type DType, type TypedArray } from '../tensor/dtype.js';
import type { TensorLike } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';

/** The kernel's view of `t`: its storage array with `t`'s offset and strides. */
export function view(t: Tensor): StridedView {
  return { data: t.storage.data, offset: t.offset, strides: t.strides };
}

/** The broadcast shape of `a` and `b` (NumPy rules), or a ShapeError naming `op`. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together ` +
          `(dimension ${i}: ${da} vs ${db}; sizes must match or one of them must be 1)`,
        { op },
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `t` as if it had the (broadcast) `shape`: 0 on broadcast dimensions. */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const n = shape.length;
  const out = new Array<number>(n).fill(0);
  const off = n - t.shape.length;
  for (let i = 0; i < t.shape.length; i++) out[off + i] = t.shape[i] === 1 && shape[off + i] !== 1 ? 0 : t.strides[i]!;
  return out;
}

/**
 * The tensor form of an operand: a number becomes a 0-d tensor. Against a
 * float tensor it takes that tensor's dtype; against an int32 or bool tensor
 * it is int32 when integer-valued and float32 otherwise (PyTorch's rule for
 * Python scalars: `int32 + 2.5` is float32, `bool + 1` is an integer).
 *
 * NOTE: deliberate difference from PyTorch: JavaScript has one number type,
 * so `2.0` counts as an integer (`intTensor.add(2.0)` stays int32, where
 * PyTorch's `t + 2.0` gives float32).
 */
export function asTensor(x: TensorLike, like: Tensor, op?: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') {
    throw new ArgumentTypeError(`expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`, { op, hint: 'wrap values with kd.tensor(...)' });
  }
  const dtype: DType = isFloating(like.dtype) ? like.dtype : Number.isInteger(x) ? 'int32' : 'float32';
  return scalarTensor(x, dtype);
}

/** Result dtype of a binary op between tensors; a 0-d operand made from a number does not raise a float tensor's precision. */
export function resultType(a: Tensor, b: Tensor): DType {
  if (a.ndim === 0 && b.ndim > 0 && isFloating(b.dtype) && isFloating(a.dtype)) return b.dtype;
  if (b.ndim === 0 && a.ndim > 0 && isFloating(a.dtype) && isFloating(b.dtype)) return a.dtype;
  return promoteTypes(a.dtype, b.dtype);
}

/** `t` converted to `dtype` without autograd (a no-op when it already is). */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = allocUninit(t.shape, dtype);
  backend().copy(view(out), view(t), t.shape);
  return out;
}

/** Runs a unary kernel into a fresh contiguous tensor of `dtype`. */
export function runUnary(op: UnaryOp, x: Tensor, dtype: DType = x.dtype, params?: readonly number[]): Tensor {
  const out = allocUninit(x.shape, dtype);
  backend().unary(op, out.storage.data, view(x), x.shape, params);
  return out;
}

/** Runs a binary kernel with broadcasting into a fresh contiguous tensor. Operands must already share a dtype. */
export function runBinary(op: BinaryOp, a: Tensor, b: Tensor, opName: string, outDtype: DType = a.dtype): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, opName);
  const out = allocUninit(shape, outDtype);
  backend().binary(
    op,
    out.storage.data,
    { data: a.storage.data, offset: a.offset, strides: broadcastStrides(a, shape) },
    { data: b.storage.data, offset: b.offset, strides: broadcastStrides(b, shape) },
    shape,
  );
  return out;
}

/** Refuses integer and bool tensors for ops that only make sense on floats; `what` names the argument (`'input'`, `'weight'` …). */
export function requireFloat(t: Tensor, op: string, what?: string): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`expected ${what === undefined ? 'a' : `${what} to be a`} floating point tensor, got ${t.dtype}`, {
      op,
      hint: `convert ${what ?? 'it'} with .float() first`,
    });
  }
}

/**
 * Sums a gradient of a broadcast result back to `shape`, the shape of the
 * input that was broadcast (summing the broadcast dimensions).
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let r = dims.length > 0 ? g.sum(dims, { keepdim: true }) : g;
  if (lead > 0) r = r.reshape([...shape]);
  return r;
}

/** `t` itself when contiguous, otherwise a contiguous copy (no autograd: for feeding kernels). */
export function contiguousRaw(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  const out = allocUninit(t.shape, t.dtype);
  backend().copy(view(out), view(t), t.shape);
  return out;
}

/**
 * The elements of `t` as a contiguous typed array starting at index 0, the
 * form kernels take: a subarray (no copy) when `t` is contiguous, a fresh
 * copy otherwise. Treat it as read-only either way.
 */
export function flatData(t: Tensor): TypedArray {
  const c = contiguousRaw(t);
  return c.storage.data.subarray(c.offset, c.offset + c.numel);
}

/** Product of `shape[from, to)`. */
export function prodOf(shape: readonly number[], from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/** A fresh contiguous copy of `t` (no autograd). */
export function copyRaw(t: Tensor): Tensor {
  const out = allocUninit(t.shape, t.dtype);
  backend().copy(view(out), view(t), t.shape);
  return out;
}
