/**
 * Linear layers and shape helpers: Identity, Linear, Bilinear, Flatten, Unflatten.
 */
import { ArgumentTypeError, optionKeys, ShapeError } from '../../errors.js';
import { empty } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../../ops/matmul.js';
import { bilinear } from '../../ops/nn.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkDType, checkInt, type FactoryOptions, fmt, layerOptions } from './common.js';

/**
 * Returns its input unchanged (a placeholder where a layer is optional).
 *
 * ```ts
 * const head = useDropout ? new nn.Dropout(0.1) : new nn.Identity();
 * ```
 */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

const LINEAR_KEYS = optionKeys<LinearOptions>({ bias: true, dtype: true });

/**
 * `y = x·Wᵀ + b`, with `weight` `[outFeatures, inFeatures]` and `bias`
 * `[outFeatures]`, initialised as PyTorch's (U(−1/√inFeatures, 1/√inFeatures)
 * for both: Kaiming-uniform with a = √5).
 *
 * ```ts
 * const fc = new nn.Linear(1, 512);
 * fc.forward(kd.randn([32, 1])).shape; // [32, 512]
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    layerOptions('nn.Linear', options, LINEAR_KEYS);
    this.inFeatures = checkInt(inFeatures, 'inFeatures', 'nn.Linear');
    this.outFeatures = checkInt(outFeatures, 'outFeatures', 'nn.Linear');
    const dtype = checkDType(options.dtype, 'nn.Linear');
    this.weight = new Parameter(empty([outFeatures, inFeatures], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(empty([outFeatures], { dtype })) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    // NOTE: a = √5 gives bound = gain·√(3/fanIn) = √(1/3)·√(3/fanIn) = 1/√fanIn (PyTorch's choice).
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const fanIn = this.inFeatures;
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * `y = x1ᵀ·A·x2 + b` with `weight` `[outFeatures, in1Features, in2Features]`,
 * both parameters U(−1/√in1Features, 1/√in1Features) as PyTorch's.
 *
 * ```ts
 * const bil = new nn.Bilinear(3, 4, 2);
 * bil.forward(kd.randn([5, 3]), kd.randn([5, 4])).shape; // [5, 2]
 * ```
 */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    layerOptions('nn.Bilinear', options, LINEAR_KEYS);
    this.in1Features = checkInt(in1Features, 'in1Features', 'nn.Bilinear');
    this.in2Features = checkInt(in2Features, 'in2Features', 'nn.Bilinear');
    this.outFeatures = checkInt(outFeatures, 'outFeatures', 'nn.Bilinear');
    const dtype = checkDType(options.dtype, 'nn.Bilinear');
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(empty([outFeatures], { dtype })) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform_(this.weight, -bound, bound);
    if (this.bias !== null) uniform_(this.bias, -bound, bound);
  }

  forward(input1: Tensor, input2: Tensor): Tensor {
    return bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Flattens dimensions `startDim…endDim` (default 1…−1: everything but the batch).
 *
 * ```ts
 * new nn.Flatten().forward(kd.zeros([8, 16, 4, 4])).shape; // [8, 256]
 * ```
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Splits dimension `dim` into `unflattenedSize` (one entry may be −1).
 *
 * ```ts
 * new nn.Unflatten(1, [16, 4, 4]).forward(kd.zeros([8, 256])).shape; // [8, 16, 4, 4]
 * ```
 */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || unflattenedSize.some((d) => !Number.isInteger(d))) {
      throw new ArgumentTypeError(`unflattenedSize must be an array of integers, got ${fmt(unflattenedSize)}`, { op: 'nn.Unflatten' });
    }
    if (unflattenedSize.filter((d) => d === -1).length > 1) {
      throw new ShapeError(`only one dimension of unflattenedSize can be -1, got ${fmt(unflattenedSize)}`, { op: 'nn.Unflatten' });
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${fmt(this.unflattenedSize)}`;
  }
}

