import type { DType, DTypeArrays, TypedArray } from '../tensor/dtype.js';

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

/** A strided view of int32 indices (gather, scatterAdd). */
export interface IndexView extends StridedView {
  readonly data: Int32Array;
}

/** Operands of a batched matrix product: strides for [batch, row, col]. */
export interface MatrixView {
  readonly data: TypedArray;
  readonly offset: number;
  readonly batchStride: number;
  readonly rowStride: number;
  readonly colStride: number;
}

export interface Backend {
  readonly name: 'js' | 'native' | 'wasm';

  /**
   * A contiguous array of `size` elements of `dtype` whose contents are
   * unspecified, for op results a kernel overwrites entirely (the op layer's
   * `allocUninit`). Optional: without it the op layer allocates a zeroed typed
   * array. The native backend hands out recycled memory that is not zero-filled.
   */
  allocUninit?<D extends DType>(dtype: D, size: number): DTypeArrays[D];

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
  /**
   * Gradient of ReLU from its output `y`: `out[i] = y[i] <= 0 ? 0 : grad[i]` for
   * `i < n`, all three contiguous and of one dtype. As PyTorch's
   * threshold_backward, a NaN in `y` passes the gradient through.
   */
  reluBackward(out: TypedArray, grad: TypedArray, y: TypedArray, n: number): void;
  /**
   * Gradient of GELU at its input `x`: `out[i] = grad[i]·gelu'(x[i])` for
   * `i < n`, all three contiguous and of one dtype. Exact GELU:
   * `Φ(x) + x·φ(x)`; with `tanh`, the derivative of PyTorch's tanh
   * approximation. Non-finite `x` give NaN, as PyTorch's gelu_backward.
   */
  geluBackward(out: TypedArray, grad: TypedArray, x: TypedArray, n: number, tanh: boolean): void;
  /** Reduces the middle axis of a contiguous `[outer, size, inner]` array into `out[outer, inner]`. arg ops write indices. */
  reduce(op: ReduceOp, out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void;
  /**
   * `out[b] = a[b] @ b[b]` for `batch` products of `[m, k] @ [k, n]`,
   * out contiguous `[batch, m, n]`; operands are arbitrary strided views,
   * so transposes need no copy. With `accumulate`, adds into `out`. A `bias`
   * (a strided `[batch, m, n]` view; zero strides broadcast it) is added too:
   * `out[b] (+)= bias[b] + a[b] @ b[b]` (PyTorch's addmm).
   */
  matmul(
    out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate?: boolean,
    bias?: MatrixView | null,
  ): void;
  /**
   * `out = Σ_b a[b] @ b[b]` over `batch` products of `[m, k] @ [k, n]`, out
   * contiguous `[m, n]` (with `accumulate`, added to it): a convolution's
   * weight gradient, summed over samples. The summation order is the
   * backend's (float32 tolerance between backends).
   */
  matmulSum(out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate?: boolean): void;

  // --- index kernels (ops/indexing.ts) ---------------------------------------
  // The op layer checks every index value against the indexed size first; a
  // native kernel must check again before it reads or writes through one.

  /** Gather along `dim`: `out[i] = x[i with i[dim] = index[i]]` for every index `i` of `shape` (the index's shape); `out` contiguous. */
  gather(out: TypedArray, x: StridedView, index: IndexView, shape: readonly number[], dim: number): void;
  /** Scatter-add along `dim`: `out[i with i[dim] = index[i]] += src[i]` for every index `i` of `shape`; repeated indices accumulate. */
  scatterAdd(out: StridedView, index: IndexView, src: StridedView, shape: readonly number[], dim: number): void;
  /** `out[o, j, i] = x[o, index[j], i]`: `x` contiguous `[outer, size, inner]`, `out` contiguous `[outer, index.length, inner]`. */
  indexSelect(out: TypedArray, x: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void;
  /** The adjoint of indexSelect: `out[o, index[j], i] += src[o, j, i]` (accumulates; repeated indices add up). */
  indexAdd(out: TypedArray, src: TypedArray, index: Int32Array, outer: number, size: number, inner: number): void;

  // --- neural-network kernels (ops/softmax.ts, ops/nn.ts, ops/loss.ts) -----
  // Inputs are contiguous arrays starting at index 0; outputs are contiguous.
  // Kernels documented "accumulates" add into `out`, which the caller zeroes.

  /** Softmax (or log-softmax when `log`) over the middle axis of `[outer, size, inner]`, max-shifted. */
  softmax(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number, log: boolean): void;
  /** Its backward from the forward output `y`: `y·(g - Σg·y)`, or `g - exp(y)·Σg` for log-softmax. */
  softmaxBackward(out: TypedArray, grad: TypedArray, y: TypedArray, outer: number, size: number, inner: number, log: boolean): void;
  /** `out[outer, inner] = log Σ exp(x)` over the middle axis, max-shifted (an infinite max is not subtracted). */
  logsumexp(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void;
  /**
   * Negative log-likelihood over log-probabilities `logp` `[batch, classes, inner]`:
   * per element `outLoss = -w[t]·logp[n, t, j]`, `outWeight = w[t]` (0 and 0 where
   * `t === ignoreIndex`; `w ≡ 1` when `weight` is null). The op layer checks that every
   * other target is in `[0, classes)`; a native kernel must check again before indexing.
   */
  nllLoss(
    outLoss: TypedArray, outWeight: TypedArray, logp: TypedArray, target: Int32Array, weight: TypedArray | null,
    batch: number, classes: number, inner: number, ignoreIndex: number,
  ): void;
  /** Backward of nllLoss: `out[n, t, j] = -w[t]·grad[n, j]` (`out` zeroed by the caller). */
  nllLossBackward(
    out: TypedArray, grad: TypedArray, target: Int32Array, weight: TypedArray | null,
    batch: number, classes: number, inner: number, ignoreIndex: number,
  ): void;
  /** Unfolds `x` `[batch, channels, height, width]` into columns `[batch, channels·kernelH·kernelW, outH·outW]` (0 in the padding). */
  im2col(out: TypedArray, x: TypedArray, g: Conv2dGeometry): void;
  /** The adjoint of im2col: accumulates columns back into `[batch, channels, height, width]`. */
  col2im(out: TypedArray, cols: TypedArray, g: Conv2dGeometry): void;
  /**
   * Depthwise convolution with channel multiplier `mult`: output plane
   * `(n, o)` of `out` `[batch, channels·mult, outH, outW]` is input plane
   * `(n, ⌊o / mult⌋)` of `x` `[batch, channels, height, width]`
   * cross-correlated with kernel `w[o]` (`w` `[channels·mult, kernelH, kernelW]`),
   * plus `bias[o]` when given. All contiguous.
   */
  depthwiseConv2d(out: TypedArray, x: TypedArray, w: TypedArray, bias: TypedArray | null, g: Conv2dGeometry, mult: number): void;
  /** The input gradient of {@link depthwiseConv2d}, added into `gx` `[batch, channels, height, width]`. */
  depthwiseConv2dBackwardInput(gx: TypedArray, grad: TypedArray, w: TypedArray, g: Conv2dGeometry, mult: number): void;
  /** The weight gradient of {@link depthwiseConv2d}, summed over the batch, written into `gw` `[channels·mult, kernelH, kernelW]`. */
  depthwiseConv2dBackwardWeight(gw: TypedArray, grad: TypedArray, x: TypedArray, g: Conv2dGeometry, mult: number): void;
  /** Max pooling of `[planes, height, width]`; `indices` gets the flat in-plane position `ih·width + iw` of each max. */
  maxPool2d(out: TypedArray, indices: Int32Array, x: TypedArray, g: Pool2dGeometry): void;
  /** Accumulates `grad` `[planes, outPlane]` at `indices` into `out` `[planes, inPlane]`. */
  maxPool2dBackward(out: TypedArray, grad: TypedArray, indices: Int32Array, planes: number, inPlane: number, outPlane: number): void;
  /** Average pooling; `divisor` 0 means the window size (with or without padding per `countIncludePad`). */
  avgPool2d(out: TypedArray, x: TypedArray, g: Pool2dGeometry, countIncludePad: boolean, divisor: number): void;
  /** Backward of avgPool2d (accumulates). */
  avgPool2dBackward(out: TypedArray, grad: TypedArray, g: Pool2dGeometry, countIncludePad: boolean, divisor: number): void;
  /** Adaptive average pooling: cell `i` of `n` averages `[floor(i·size/n), ceil((i+1)·size/n))` per axis. */
  adaptiveAvgPool2d(out: TypedArray, x: TypedArray, planes: number, height: number, width: number, outH: number, outW: number): void;
  /** Backward of adaptiveAvgPool2d (accumulates). */
  adaptiveAvgPool2dBackward(out: TypedArray, grad: TypedArray, planes: number, height: number, width: number, outH: number, outW: number): void;

  // --- fused normalisation (ops/nn.ts: layerNorm, groupNorm, batchNorm) -------
  // `x`, `y`, `dy`, `dx` are contiguous `[batch, channels, inner]`; `weight`,
  // `bias`, `dweight`, `dbias` have `channels` entries (null: weight 1, bias 0,
  // gradient not wanted). `mean` and `rstd = 1 / sqrt(var + eps)` (biased
  // variance, as PyTorch) are float64 whatever the dtype, one per statistics
  // row; statistics accumulate in double. `dweight`/`dbias` accumulate.

  /**
   * Group normalisation: the `channels` split into `groups` equal groups, and
   * each `(n, g)` (`batch·groups` rows of `channels / groups · inner`
   * contiguous elements) normalised with its own statistics, written to
   * `mean`/`rstd`: `y = (x - mean)·rstd·weight[c] + bias[c]`. Layer norm is
   * `groups = 1, inner = 1, channels =` the normalised size.
   */
  groupNorm(
    y: TypedArray, mean: Float64Array, rstd: Float64Array, x: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
    batch: number, channels: number, inner: number, groups: number, eps: number,
  ): void;
  /**
   * Backward of groupNorm from its saved `mean`/`rstd`: per row,
   * `dx = rstd·(g - mean(g) - x̂·mean(g·x̂))` with `g = dy·weight[c]` and
   * `x̂ = (x - mean)·rstd`; `dweight[c] += Σ dy·x̂`, `dbias[c] += Σ dy`.
   */
  groupNormBackward(
    dx: TypedArray | null, dweight: TypedArray | null, dbias: TypedArray | null, dy: TypedArray, x: TypedArray,
    mean: Float64Array, rstd: Float64Array, weight: TypedArray | null, batch: number, channels: number, inner: number, groups: number,
  ): void;
  /**
   * Batch normalisation: per channel over `batch·inner` elements (strided rows).
   * With `training` it computes the batch statistics into `mean`/`rstd`
   * (`channels` entries); otherwise it reads them (the op layer derives them
   * from the running statistics) and `eps` is unused.
   */
  batchNorm(
    y: TypedArray, mean: Float64Array, rstd: Float64Array, x: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
    batch: number, channels: number, inner: number, training: boolean, eps: number,
  ): void;
  /**
   * Backward of batchNorm: as groupNormBackward with one row per channel when
   * `training`; in eval the statistics are constants and `dx = dy·weight·rstd`.
   */
  batchNormBackward(
    dx: TypedArray | null, dweight: TypedArray | null, dbias: TypedArray | null, dy: TypedArray, x: TypedArray,
    mean: Float64Array, rstd: Float64Array, weight: TypedArray | null, batch: number, channels: number, inner: number, training: boolean,
  ): void;

  // --- fused per-group optimizer steps (src/optim; kernels in js/optim.ts) ---
  // Each call updates every parameter of ONE group in place. The arrays are
  // parallel (entry i belongs to parameter i), contiguous, all of the param's
  // float dtype; an empty state array means "not used by this configuration".
  // `steps[i]` is parameter i's step count t after this step's increment (t ≥ 1).
  /** SGD; `fresh[i] = 1` when momentum buffer i was just created (it becomes the gradient, undampened). */
  sgdStep(params: TypedArray[], grads: TypedArray[], momentumBuffers: TypedArray[], fresh: Uint8Array, h: SgdHyper): void;
  /** Adam, and AdamW when `h.decoupledWeightDecay`; `maxExpAvgSqs` is used when `h.amsgrad`. */
  adamStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], maxExpAvgSqs: TypedArray[], steps: Float64Array, h: AdamHyper): void;
  /** RMSprop; `gradAvgs` used when `h.centered`, `momentumBuffers` when `h.momentum > 0`. */
  rmspropStep(params: TypedArray[], grads: TypedArray[], squareAvgs: TypedArray[], gradAvgs: TypedArray[], momentumBuffers: TypedArray[], h: RmspropHyper): void;
  adagradStep(params: TypedArray[], grads: TypedArray[], sums: TypedArray[], steps: Float64Array, h: AdagradHyper): void;
  adadeltaStep(params: TypedArray[], grads: TypedArray[], squareAvgs: TypedArray[], accDeltas: TypedArray[], h: AdadeltaHyper): void;
  adamaxStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expInfs: TypedArray[], steps: Float64Array, h: AdamaxHyper): void;
  /** NAdam; `muProducts[i]` (in/out) is parameter i's running product of momentum coefficients. */
  nadamStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], muProducts: Float64Array, steps: Float64Array, h: NadamHyper): void;
  radamStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], steps: Float64Array, h: RadamHyper): void;
  /** ASGD; `etas[i]` and `mus[i]` (in/out) are parameter i's current step size and averaging coefficient. */
  asgdStep(params: TypedArray[], grads: TypedArray[], axs: TypedArray[], etas: Float64Array, mus: Float64Array, steps: Float64Array, h: AsgdHyper): void;
  rpropStep(params: TypedArray[], grads: TypedArray[], prevs: TypedArray[], stepSizes: TypedArray[], h: RpropHyper): void;
}

// Hyperparameters of the optimizer kernels: plain numbers and booleans, the
// group's values at this step (camelCase names of PyTorch's group keys).
export interface SgdHyper { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }
export interface AdamHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean; decoupledWeightDecay: boolean }
export interface RmspropHyper { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean }
export interface AdagradHyper { lr: number; lrDecay: number; weightDecay: number; eps: number; maximize: boolean }
export interface AdadeltaHyper { lr: number; rho: number; eps: number; weightDecay: number; maximize: boolean }
export interface AdamaxHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maximize: boolean }
export interface NadamHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; momentumDecay: number; maximize: boolean }
export interface RadamHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maximize: boolean }
export interface AsgdHyper { lr: number; lambd: number; alpha: number; t0: number; weightDecay: number; maximize: boolean }
export interface RpropHyper { etaMinus: number; etaPlus: number; stepSizeMin: number; stepSizeMax: number; maximize: boolean }

/**
 * A 2-D sliding window, in elements. `padH`/`padW` are the top/left padding;
 * the bottom/right padding is implied by the output size (so asymmetric
 * padding such as `padding: 'same'` with an even kernel needs nothing more).
 */
export interface Window2d {
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

/** im2col geometry: input `[batch, channels, height, width]`, output positions `[outH, outW]`. */
export interface Conv2dGeometry extends Window2d {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly outH: number;
  readonly outW: number;
}

/** Pooling geometry: input `[planes, height, width]`, output `[planes, outH, outW]`. */
export interface Pool2dGeometry extends Window2d {
  readonly planes: number;
  readonly height: number;
  readonly width: number;
  readonly outH: number;
  readonly outW: number;
}
