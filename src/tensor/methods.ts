import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** A tensor or a plain number where an op accepts either (`x.add(1)`). */
export type TensorLike = Tensor | number;

/** A dimension or several; negative values count from the end. */
export type Dims = number | readonly number[];

export interface ReduceOptions {
  keepdim?: boolean;
}

export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: divide by `n - correction` (PyTorch's `correction`, default 1). */
  correction?: number;
}

export interface BackwardOptions {
  /** Keep the graph's saved tensors so that backward can run through it again. */
  retainGraph?: boolean;
}

/**
 * Every method a Tensor has beyond its own fields, declared here in the tensor
 * layer and installed from `ops/` once (ops/install.ts checks with `satisfies`
 * that none is missing). Grouped by the ops file that implements them.
 */
export interface TensorMethods {
  // --- autograd (autograd/engine.ts) --------------------------------------
  /** Computes gradients of this tensor with respect to graph leaves. */
  backward(gradient?: Tensor, options?: BackwardOptions): void;
  /** Keep `.grad` on this non-leaf tensor during backward. */
  retainGrad(): void;
  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor;
  /** `detach()` in place: this tensor becomes a leaf that does not require grad. */
  detach_(): Tensor;

  // --- conversion and copying (ops/shape.ts) -------------------------------
  /** The elements as nested arrays (booleans for `bool`). */
  toArray(): NestedArray;
  /** The single element's value. */
  item(): number;
  /** PyTorch-style text: `tensor([[1., 2.]], requiresGrad=true)`. */
  toString(): string;
  /** A contiguous copy (or this tensor when already contiguous). */
  contiguous(): Tensor;
  /** A copy that does not share memory (differentiable). */
  clone(): Tensor;
  /** The elements converted to `dtype` (a copy unless already of that dtype). */
  to(dtype: DType): Tensor;
  float(): Tensor;
  double(): Tensor;
  int(): Tensor;
  bool(): Tensor;
  /** A contiguous typed array of the elements (a copy when not contiguous). */
  dataSync(): import('./dtype.js').TypedArray;

  // --- shape and views (ops/shape.ts) --------------------------------------
  view(...shape: number[] | [readonly number[]]): Tensor;
  reshape(...shape: number[] | [readonly number[]]): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  unflatten(dim: number, sizes: readonly number[]): Tensor;
  transpose(dim0: number, dim1: number): Tensor;
  /** Transpose of a tensor of at most 2 dimensions. */
  t(): Tensor;
  /** The 2-D transpose (PyTorch's `.T` for 2-D), as a property. */
  readonly T: Tensor;
  permute(...dims: number[] | [readonly number[]]): Tensor;
  expand(...shape: number[] | [readonly number[]]): Tensor;
  expandAs(other: Tensor): Tensor;
  squeeze(dim?: Dims): Tensor;
  unsqueeze(dim: number): Tensor;
  narrow(dim: number, start: number, length: number): Tensor;
  /** `x.select(0, 2)` is `x[2]`. */
  select(dim: number, index: number): Tensor;
  /** Python-style slicing, one entry per dimension: a number, `[start, end, step?]`, or `null` for all. */
  slice(...ranges: SliceSpec[]): Tensor;
  split(splitSize: number | readonly number[], dim?: number): Tensor[];
  chunk(chunks: number, dim?: number): Tensor[];
  repeat(...sizes: number[] | [readonly number[]]): Tensor;

  // --- elementwise (ops/elementwise.ts) ------------------------------------
  add(other: TensorLike, options?: { alpha?: number }): Tensor;
  sub(other: TensorLike, options?: { alpha?: number }): Tensor;
  mul(other: TensorLike): Tensor;
  div(other: TensorLike): Tensor;
  pow(exponent: TensorLike): Tensor;
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  abs(): Tensor;
  sign(): Tensor;
  reciprocal(): Tensor;
  square(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  clamp(min?: number | null, max?: number | null): Tensor;
  minimum(other: Tensor): Tensor;
  maximum(other: Tensor): Tensor;
  relu(): Tensor;
  gelu(approximate?: 'none' | 'tanh'): Tensor;
  silu(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  softplus(beta?: number, threshold?: number): Tensor;
  leakyRelu(negativeSlope?: number): Tensor;
  eq(other: TensorLike): Tensor;
  ne(other: TensorLike): Tensor;
  lt(other: TensorLike): Tensor;
  le(other: TensorLike): Tensor;
  gt(other: TensorLike): Tensor;
  ge(other: TensorLike): Tensor;
  logicalAnd(other: Tensor): Tensor;
  logicalOr(other: Tensor): Tensor;
  logicalXor(other: Tensor): Tensor;
  logicalNot(): Tensor;
  isnan(): Tensor;
  isfinite(): Tensor;
  /** `cond.where(a, b)` is `kd.where(cond, a, b)`. */
  where(a: TensorLike, b: TensorLike): Tensor;
  maskedFill(mask: Tensor, value: number): Tensor;

  // --- in place (ops/elementwise.ts) ---------------------------------------
  add_(other: TensorLike, options?: { alpha?: number }): Tensor;
  sub_(other: TensorLike, options?: { alpha?: number }): Tensor;
  mul_(other: TensorLike): Tensor;
  div_(other: TensorLike): Tensor;
  clamp_(min?: number | null, max?: number | null): Tensor;
  zero_(): Tensor;
  fill_(value: number): Tensor;
  copy_(src: Tensor): Tensor;
  maskedFill_(mask: Tensor, value: number): Tensor;
  relu_(): Tensor;

  // --- reductions (ops/reduce.ts) ------------------------------------------
  sum(dim?: Dims | null, options?: ReduceOptions): Tensor;
  mean(dim?: Dims | null, options?: ReduceOptions): Tensor;
  prod(dim?: number | null, options?: ReduceOptions): Tensor;
  /** Without `dim`: the largest element. With `dim`: `{ values, indices }` as PyTorch's `max(dim)`. */
  max(): Tensor;
  max(dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
  min(): Tensor;
  min(dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
  amax(dim?: Dims | null, options?: ReduceOptions): Tensor;
  amin(dim?: Dims | null, options?: ReduceOptions): Tensor;
  argmax(dim?: number | null, options?: ReduceOptions): Tensor;
  argmin(dim?: number | null, options?: ReduceOptions): Tensor;
  var(dim?: Dims | null, options?: VarOptions): Tensor;
  std(dim?: Dims | null, options?: VarOptions): Tensor;
  norm(p?: number | 'fro', dim?: Dims | null, options?: ReduceOptions): Tensor;
  logsumexp(dim: Dims, options?: ReduceOptions): Tensor;
  softmax(dim: number): Tensor;
  logSoftmax(dim: number): Tensor;
  /** Whether every element (over `dim`, or all of them) is non-zero, as a bool tensor. */
  all(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Whether any element (over `dim`, or all of them) is non-zero, as a bool tensor. */
  any(dim?: Dims | null, options?: ReduceOptions): Tensor;

  // --- matmul (ops/matmul.ts) ----------------------------------------------
  matmul(other: Tensor): Tensor;
  mm(other: Tensor): Tensor;
  bmm(other: Tensor): Tensor;

  // --- indexing (ops/indexing.ts) ------------------------------------------
  indexSelect(dim: number, index: Tensor): Tensor;
  gather(dim: number, index: Tensor): Tensor;
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
}

/** One dimension of a `slice()` call. */
export type SliceSpec = number | null | readonly [start?: number | null, end?: number | null, step?: number];

/** What `toArray()` returns: numbers (or booleans) nested once per dimension. */
export type NestedArray = number | boolean | NestedArray[];
