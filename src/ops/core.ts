/**
 * Helpers every ops family uses: broadcasting, turning numbers into tensors,
 * running backend kernels into fresh outputs, and summing a gradient back to
 * an input's shape.
 */
import { backend, type StridedView } from '../backend/index.js';
import type { BinaryOp, UnaryOp } from '../backend/index.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { alloc, scalarTensor } from '../tensor/creation.js';
import { isFloating, promoteTypes, type DType } from '../tensor/dtype.js';
import type { TensorLike } from '../tensor/methods.js';
import { Tensor } from '../tensor/tensor.js';

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
 * The tensor form of an operand: a number becomes a 0-d tensor of `like`'s
 * dtype (or float32 when `like` is an integer tensor and the number is not an
 * integer — PyTorch's rule for Python scalars).
 */
export function asTensor(x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  let dtype: DType = like.dtype;
  if (!isFloating(dtype) && !Number.isInteger(x)) dtype = 'float32';
  if (dtype === 'bool' && x !== 0 && x !== 1) dtype = 'int32';
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
  const out = alloc(t.shape, dtype);
  backend().copy(view(out), view(t), t.shape);
  return out;
}

/** Runs a unary kernel into a fresh contiguous tensor of `dtype`. */
export function runUnary(op: UnaryOp, x: Tensor, dtype: DType = x.dtype, params?: readonly number[]): Tensor {
  const out = alloc(x.shape, dtype);
  backend().unary(op, out.storage.data, view(x), x.shape, params);
  return out;
}

/** Runs a binary kernel with broadcasting into a fresh contiguous tensor. Operands must already share a dtype. */
export function runBinary(op: BinaryOp, a: Tensor, b: Tensor, opName: string, outDtype: DType = a.dtype): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, opName);
  const out = alloc(shape, outDtype);
  backend().binary(
    op,
    out.storage.data,
    { data: a.storage.data, offset: a.offset, strides: broadcastStrides(a, shape) },
    { data: b.storage.data, offset: b.offset, strides: broadcastStrides(b, shape) },
    shape,
  );
  return out;
}

/** Refuses integer and bool tensors for ops that only make sense on floats. */
export function requireFloat(t: Tensor, op: string): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(`expected a floating point tensor, got ${t.dtype}`, { op, hint: 'convert it first with .float()' });
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
