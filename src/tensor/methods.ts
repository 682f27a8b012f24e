import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** A tensor or a plain number where an op accepts either (`x.add(1)`). */
export type TensorLike = Tensor | number;

/** A dimension or several; negative values count from the end. */
export type Dims = number | readonly number[];

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep each reduced dimension as size 1 (so the result broadcasts against the input). */
  keepdim?: boolean;
}

/** Options of `var` and `std`. */
export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: divide by `n - correction` (PyTorch's `correction`, default 1). */
  correction?: number;
}

/** Options of `backward`. */
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
  /** `to('float32')`. */
  float(): Tensor;
  /** `to('float64')`. */
  double(): Tensor;
  /** `to('int32')` (truncates toward zero). */
  int(): Tensor;
  /** `to('bool')` (non-zero is true). */
  bool(): Tensor;
  /** A contiguous typed array of the elements (a copy when not contiguous). */
  dataSync(): import('./dtype.js').TypedArray;

  // --- shape and views (ops/shape.ts) --------------------------------------
  /** A view with another shape over the same memory (one `-1` is inferred); a ShapeError when the strides do not allow it (use `reshape`). */
  view(...shape: number[] | [readonly number[]]): Tensor;
  /** Like `view`, but copies when the memory layout does not allow a view. */
  reshape(...shape: number[] | [readonly number[]]): Tensor;
  /** Merges dims `startDim..endDim` (default all) into one; a view when possible. */
  flatten(startDim?: number, endDim?: number): Tensor;
  /** Splits `dim` into `sizes` (one `-1` is inferred); a view. */
  unflatten(dim: number, sizes: readonly number[]): Tensor;
  /** A view with `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor;
  /** Transpose of a tensor of at most 2 dimensions. */
  t(): Tensor;
  /** The 2-D transpose (PyTorch's `.T` for 2-D), as a property. */
  readonly T: Tensor;
  /** A view with the dims reordered: `x.permute(2, 0, 1)`. */
  permute(...dims: number[] | [readonly number[]]): Tensor;
  /** A view broadcasting size-1 dims (and new leading dims) to `shape`, without copying; `-1` keeps a size. */
  expand(...shape: number[] | [readonly number[]]): Tensor;
  /** `expand(other.shape)`. */
  expandAs(other: Tensor): Tensor;
  /** A view without size-1 dims (all of them, or those listed). */
  squeeze(dim?: Dims): Tensor;
  /** A view with a size-1 dim inserted at `dim`. */
  unsqueeze(dim: number): Tensor;
  /** A view of `length` entries of `dim` from `start` (negative counts from the end). */
  narrow(dim: number, start: number, length: number): Tensor;
  /** `x.select(0, 2)` is `x[2]`. */
  select(dim: number, index: number): Tensor;
  /** Python-style slicing, one entry per dimension: a number, `[start, end, step?]`, or `null` for all. */
  slice(...ranges: SliceSpec[]): Tensor;
  /** Views of consecutive pieces along `dim`: of `splitSize` each (the last may be smaller), or of the listed sizes. */
  split(splitSize: number | readonly number[], dim?: number): Tensor[];
  /** `chunks` views of (nearly) equal size along `dim`, as PyTorch's `chunk`. */
  chunk(chunks: number, dim?: number): Tensor[];
  /** Tiles the tensor `sizes[i]` times along each dimension (a copy). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor;

  // --- elementwise (ops/elementwise.ts) ------------------------------------
  /** `this + alpha·other`, broadcasting. */
  add(other: TensorLike, options?: { alpha?: number }): Tensor;
  /** `this - alpha·other`, broadcasting. */
  sub(other: TensorLike, options?: { alpha?: number }): Tensor;
  /** `this · other`, broadcasting. */
  mul(other: TensorLike): Tensor;
  /** True division `this / other`, broadcasting (integer operands give float32). */
  div(other: TensorLike): Tensor;
  /** `this ** exponent`, broadcasting. */
  pow(exponent: TensorLike): Tensor;
  /** `-x`. */
  neg(): Tensor;
  /** `e^x`. */
  exp(): Tensor;
  /** Natural logarithm. */
  log(): Tensor;
  /** Square root. */
  sqrt(): Tensor;
  /** `1 / sqrt(x)`. */
  rsqrt(): Tensor;
  /** `|x|`. */
  abs(): Tensor;
  /** -1, 0 or 1 by the sign of each element (0 for NaN, as PyTorch). */
  sign(): Tensor;
  /** `1 / x`. */
  reciprocal(): Tensor;
  /** `x²`. */
  square(): Tensor;
  /** Sine (radians). */
  sin(): Tensor;
  /** Cosine (radians). */
  cos(): Tensor;
  /** Limits every element to `[min, max]` (either may be null). */
  clamp(min?: number | null, max?: number | null): Tensor;
  /** Element-wise minimum, broadcasting (NaN propagates). */
  minimum(other: Tensor): Tensor;
  /** Element-wise maximum, broadcasting (NaN propagates). */
  maximum(other: Tensor): Tensor;
  /** `max(x, 0)`. */
  relu(): Tensor;
  /** GELU, exact (`'none'`) or with the tanh approximation. */
  gelu(approximate?: 'none' | 'tanh'): Tensor;
  /** `x·sigmoid(x)`. */
  silu(): Tensor;
  /** `1 / (1 + e^-x)`. */
  sigmoid(): Tensor;
  /** Hyperbolic tangent. */
  tanh(): Tensor;
  /** `log(1 + e^(beta·x)) / beta`, the identity above `threshold`. */
  softplus(beta?: number, threshold?: number): Tensor;
  /** `x` where positive, `negativeSlope·x` elsewhere. */
  leakyRelu(negativeSlope?: number): Tensor;
  /** `this == other` element-wise (bool), broadcasting. */
  eq(other: TensorLike): Tensor;
  /** `this != other` element-wise (bool). */
  ne(other: TensorLike): Tensor;
  /** `this < other` element-wise (bool). */
  lt(other: TensorLike): Tensor;
  /** `this <= other` element-wise (bool). */
  le(other: TensorLike): Tensor;
  /** `this > other` element-wise (bool). */
  gt(other: TensorLike): Tensor;
  /** `this >= other` element-wise (bool). */
  ge(other: TensorLike): Tensor;
  /** Both non-zero, element-wise (bool). */
  logicalAnd(other: Tensor): Tensor;
  /** Either non-zero, element-wise (bool). */
  logicalOr(other: Tensor): Tensor;
  /** Exactly one non-zero, element-wise (bool). */
  logicalXor(other: Tensor): Tensor;
  /** Zero, element-wise (bool). */
  logicalNot(): Tensor;
  /** NaN, element-wise (bool). */
  isnan(): Tensor;
  /** Neither NaN nor ±inf, element-wise (bool). */
  isfinite(): Tensor;
  /** `cond.where(a, b)` is `kd.where(cond, a, b)`. */
  where(a: TensorLike, b: TensorLike): Tensor;
  /** A copy with `value` where the bool `mask` (broadcastable to this shape) is true. */
  maskedFill(mask: Tensor, value: number): Tensor;

  // --- in place (ops/elementwise.ts) ---------------------------------------
  /** In-place `add` (bumps the version counter, as every in-place op). */
  add_(other: TensorLike, options?: { alpha?: number }): Tensor;
  /** In-place `sub`. */
  sub_(other: TensorLike, options?: { alpha?: number }): Tensor;
  /** In-place `mul`. */
  mul_(other: TensorLike): Tensor;
  /** In-place `div` (refused on integer tensors). */
  div_(other: TensorLike): Tensor;
  /** In-place `clamp`. */
  clamp_(min?: number | null, max?: number | null): Tensor;
  /** Fills with zeros in place. */
  zero_(): Tensor;
  /** Fills with `value` in place. */
  fill_(value: number): Tensor;
  /** Copies `src` (broadcast, converted) into this tensor. */
  copy_(src: Tensor): Tensor;
  /** In-place `maskedFill`. */
  maskedFill_(mask: Tensor, value: number): Tensor;
  /** In-place `relu`. */
  relu_(): Tensor;

  // --- reductions (ops/reduce.ts) ------------------------------------------
  /** Sum over `dim` (all elements by default). */
  sum(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Mean over `dim` (all elements by default); floating point only. */
  mean(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Product over `dim` (all elements by default). */
  prod(dim?: number | null, options?: ReduceOptions): Tensor;
  /** Without `dim`: the largest element. With `dim`: `{ values, indices }` as PyTorch's `max(dim)`. */
  max(): Tensor;
  max(dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
  /** Without `dim`: the smallest element. With `dim`: `{ values, indices }`, as `max`. */
  min(): Tensor;
  min(dim: number, options?: ReduceOptions): { values: Tensor; indices: Tensor };
  /** Largest value over `dim` (all by default); ties share the gradient. */
  amax(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Smallest value over `dim` (all by default); ties share the gradient. */
  amin(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Index (int32) of the first largest value over `dim`, or of the flattened tensor. */
  argmax(dim?: number | null, options?: ReduceOptions): Tensor;
  /** Index (int32) of the first smallest value over `dim`, or of the flattened tensor. */
  argmin(dim?: number | null, options?: ReduceOptions): Tensor;
  /** Variance over `dim` with Bessel's `correction` (default 1). */
  var(dim?: Dims | null, options?: VarOptions): Tensor;
  /** Standard deviation over `dim` with Bessel's `correction` (default 1). */
  std(dim?: Dims | null, options?: VarOptions): Tensor;
  /** The vector p-norm over `dim` (default: the 2-norm of all elements). */
  norm(p?: number | 'fro', dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** `log Σ exp(x)` over `dim`, computed stably. */
  logsumexp(dim: Dims, options?: ReduceOptions): Tensor;
  /** Softmax along `dim`. */
  softmax(dim: number): Tensor;
  /** `log(softmax(x))` along `dim`, computed directly. */
  logSoftmax(dim: number): Tensor;
  /** Whether every element (over `dim`, or all of them) is non-zero, as a bool tensor. */
  all(dim?: Dims | null, options?: ReduceOptions): Tensor;
  /** Whether any element (over `dim`, or all of them) is non-zero, as a bool tensor. */
  any(dim?: Dims | null, options?: ReduceOptions): Tensor;

  // --- matmul (ops/matmul.ts) ----------------------------------------------
  /** Matrix product with PyTorch's 1-D / 2-D / batched broadcasting rules. */
  matmul(other: Tensor): Tensor;
  /** Product of two matrices. */
  mm(other: Tensor): Tensor;
  /** Batched product of `[b, n, m]` and `[b, m, p]`. */
  bmm(other: Tensor): Tensor;

  // --- indexing (ops/indexing.ts) ------------------------------------------
  /** The slices at positions `index` (1-D int32) along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor;
  /** Values along `dim` at `index` (int32, same rank): `out[i][j] = x[i][index[i][j]]` for `dim = 1`. */
  gather(dim: number, index: Tensor): Tensor;
  /** A copy with `src` added at positions `index` along `dim` (repeated indices accumulate). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
}

/** One dimension of a `slice()` call. */
export type SliceSpec = number | null | readonly [start?: number | null, end?: number | null, step?: number];

/** What `toArray()` returns: numbers (or booleans) nested once per dimension. */
export type NestedArray = number | boolean | NestedArray[];
