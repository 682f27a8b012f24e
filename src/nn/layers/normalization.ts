/**
 * Normalisation layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm.
 *
 * Registered names are PyTorch's, so state dicts are exchanged with PyTorch
 * unchanged: BatchNorm's buffers are `running_mean`, `running_var` and
 * `num_batches_tracked` (properties of those names), with camelCase
 * accessors `runningMean`, `runningVar`, `numBatchesTracked` for TypeScript.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentTypeError, fmtShape, optionKeys, ShapeError, ValueError } from '../../errors.js';
import { batchNorm, groupNorm, layerNorm } from '../../ops/nn.js';
import { ones, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { describeValue, Parameter } from '../parameter.js';
import { checkDType, checkInt, type FactoryOptions, fmt, layerOptions } from './common.js';

function checkEps(eps: unknown, op: string): number {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new ValueError(`eps must be a non-negative number, got ${describeValue(eps)}`, { op });
  return eps;
}

export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); `null` for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` and shift `bias` (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); false always normalises with batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * What every BatchNorm layer shares (PyTorch's `_BatchNorm`): running
 * statistics, momentum, the affine parameters. `optim.swaUtils.updateBn`
 * finds layers by this class.
 */
export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  // Registered as buffers under PyTorch's names (see the file comment).
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(op: string, numFeatures: number, options: BatchNormOptions) {
    super();
    layerOptions(op, options, optionKeys<BatchNormOptions>({ eps: true, momentum: true, affine: true, trackRunningStats: true, dtype: true }));
    this.numFeatures = checkInt(numFeatures, 'numFeatures', op, 1);
    this.eps = checkEps(options.eps ?? 1e-5, op);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new ValueError(`momentum must be in [0, 1] or null, got ${describeValue(momentum)}`, { op });
    }
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = checkDType(options.dtype, op);
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      // NOTE: int64 in PyTorch; int32 here (kindling's index dtype), read from PyTorch files with a range check.
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  get runningVar(): Tensor | null {
    return this.running_var;
  }

  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Running statistics back to mean 0, variance 1, no batches. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.running_mean!);
    ones_(this.running_var!);
    noGrad(() => this.num_batches_tracked!.zero_());
  }

  /** Running statistics and the affine parameters back to their initial values. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  protected abstract checkInputDim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      const nbt = this.num_batches_tracked;
      noGrad(() => nbt.add_(1));
      // NOTE: momentum null means a cumulative moving average: factor 1/n for the n-th batch.
      factor = this.momentum === null ? 1 / nbt.item() : this.momentum;
    }
    const bnTraining = this.training || (this.running_mean === null && this.running_var === null);
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: bnTraining, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` per channel C = `numFeatures`.
 * Training mode normalises with batch statistics and updates the running ones;
 * `eval()` uses the running statistics.
 *
 * ```ts
 * const bn = new nn.BatchNorm1d(3);
 * bn.forward(kd.randn([8, 3])); // normalised per column; bn.runningMean moved towards the batch mean
 * bn.eval();                    // from now on, the running statistics
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('nn.BatchNorm1d', numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new ShapeError(`expected 2D or 3D input (got ${input.ndim}D input)`, { op: 'BatchNorm1d' });
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` per channel C = `numFeatures`.
 *
 * ```ts
 * const bn = new nn.BatchNorm2d(16, { momentum: 0.01 });
 * bn.forward(kd.randn([4, 16, 8, 8])).shape; // [4, 16, 8, 8]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('nn.BatchNorm2d', numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new ShapeError(`expected 4D input (got ${input.ndim}D input)`, { op: 'BatchNorm2d' });
  }
}

/**
 * Batch normalisation of `[N, C, D, H, W]` per channel C = `numFeatures`.
 *
 * ```ts
 * const bn = new nn.BatchNorm3d(4);
 * bn.forward(kd.randn([2, 4, 3, 8, 8])).shape; // [2, 4, 3, 8, 8]
 * ```
 */
export class BatchNorm3d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('nn.BatchNorm3d', numFeatures, options);
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 5) throw new ShapeError(`expected 5D input (got ${input.ndim}D input)`, { op: 'BatchNorm3d' });
  }
}

export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn `weight` (and `bias`) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, also learn `bias` (default true; PyTorch 2.1+). */
  bias?: boolean;
}

/**
 * Normalises over the trailing `normalizedShape` dimensions of each sample,
 * then scales by `weight` and shifts by `bias` (ones and zeros at first).
 *
 * ```ts
 * const ln = new nn.LayerNorm(8);
 * ln.forward(kd.randn([2, 5, 8])).shape; // [2, 5, 8], each row of 8 with mean 0 and variance 1
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const op = 'nn.LayerNorm';
    layerOptions(op, options, optionKeys<LayerNormOptions>({ eps: true, elementwiseAffine: true, bias: true, dtype: true }));
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) {
      throw new ArgumentTypeError(`normalizedShape must be a number or a non-empty array, got ${describeValue(normalizedShape)}`, { op });
    }
    this.normalizedShape = shape.map((d: unknown) => checkInt(d, 'normalizedShape', op, 1));
    this.eps = checkEps(options.eps ?? 1e-5, op);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = checkDType(options.dtype, op);
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a per-channel `weight` and `bias` (default true). */
  affine?: boolean;
}

/**
 * Splits the `numChannels` channels of `[N, C, *]` into `numGroups` groups and normalises each.
 *
 * ```ts
 * new nn.GroupNorm(2, 6).forward(kd.randn([4, 6, 5, 5])).shape; // [4, 6, 5, 5]
 * ```
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    const op = 'nn.GroupNorm';
    layerOptions(op, options, optionKeys<GroupNormOptions>({ eps: true, affine: true, dtype: true }));
    this.numGroups = checkInt(numGroups, 'numGroups', op, 1);
    this.numChannels = checkInt(numChannels, 'numChannels', op, 1);
    if (numChannels % numGroups !== 0) throw new ValueError(`numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`, { op });
    this.eps = checkEps(options.eps ?? 1e-5, op);
    this.affine = options.affine ?? true;
    const dtype = checkDType(options.dtype, op);
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  forward(input: Tensor): Tensor {
    if (input.ndim < 2 || input.shape[1] !== this.numChannels) {
      throw new ShapeError(`expected input [N, ${this.numChannels}, *], got ${fmtShape(input.shape)}`, { op: 'GroupNorm' });
    }
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
