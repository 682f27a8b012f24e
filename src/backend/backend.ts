import type { TypedArray } from '../tensor/dtype.js';

/**
 * The kernel contract (DESIGN.md, Backends). Kernels work over typed arrays
 * plus shape/stride metadata, in elements; `out` comes first. A kernel never
 * allocates the result: the op layer allocates `out` and owns dtype rules,
 * broadcasting and autograd. The `js` backend is the specification; `native`
 * must agree with it to float32 tolerance.
 *
 * Vocabulary: `shape` is the iteration shape; a `StridedView` reads a typed
 * array at `offset + Σ index[d] * strides[d]` (a stride of 0 broadcasts).
 * Reductions see a contiguous input as `[outer, size, inner]` and reduce the
 * middle axis.
 */
export interface StridedView {
  readonly data: TypedArray;
  readonly offset: number;
  readonly strides: readonly number[];
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'reciprocal' | 'square'
  | 'sin' | 'cos' | 'floor' | 'ceil' | 'round'
  | 'relu' | 'sigmoid' | 'tanh' | 'gelu' | 'geluTanh' | 'silu'
  | 'logicalNot' | 'isnan' | 'isfinite'
  /** params: [min, max] (either may be NaN for "no bound") */
  | 'clamp'
  /** params: [beta, threshold] */
  | 'softplus'
  /** params: [negativeSlope] */
  | 'leakyRelu';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'logicalAnd' | 'logicalOr' | 'logicalXor';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** Operands of a batched matrix product: strides for [batch, row, col]. */
export interface MatrixView {
  readonly data: TypedArray;
  readonly offset: number;
  readonly batchStride: number;
  readonly rowStride: number;
  readonly colStride: number;
}

export interface Backend {
  readonly name: 'js' | 'native';

  /** `out[view of shape] = x[view of shape]`, converting dtype as the arrays do (bool: x != 0). */
  copy(out: StridedView, x: StridedView, shape: readonly number[]): void;
  /** Fills a contiguous range `out[start, start + length)` with `value`. */
  fill(out: TypedArray, value: number, start: number, length: number): void;
  /** `out[i] = op(x[i])`, out contiguous with `shape`'s element count. */
  unary(op: UnaryOp, out: TypedArray, x: StridedView, shape: readonly number[], params?: readonly number[]): void;
  /** `out[i] = a[i] op b[i]` with broadcast strides, out contiguous. Comparisons write 0/1. */
  binary(op: BinaryOp, out: TypedArray, a: StridedView, b: StridedView, shape: readonly number[]): void;
  /** `out[i] = cond[i] ? a[i] : b[i]`, out contiguous. */
  where(out: TypedArray, cond: StridedView, a: StridedView, b: StridedView, shape: readonly number[]): void;
  /** Reduces the middle axis of a contiguous `[outer, size, inner]` array into `out[outer, inner]`. arg ops write indices. */
  reduce(op: ReduceOp, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void;
  /**
   * `out[b] = a[b] @ b[b]` for `batch` products of `[m, k] @ [k, n]`,
   * out contiguous `[batch, m, n]`; operands are arbitrary strided views,
   * so transposes need no copy. With `accumulate`, adds into `out`.
   */
  matmul(out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate?: boolean): void;
}
