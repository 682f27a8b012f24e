/**
 * Convolution layers: Conv1d and Conv2d over the ops' im2col convolutions,
 * with PyTorch's parameter shapes, names and default initialisation.
 */
import { ArgumentTypeError, ValueError } from '../../errors.js';
import { conv1d, conv2d } from '../../ops/nn.js';
import { empty } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { describeValue, Parameter } from '../parameter.js';
import { checkDType, checkInt, fmt, type FactoryOptions } from './common.js';

/** Options of `Conv1d`/`Conv2d` (PyTorch's keyword arguments; a number applies to every spatial dimension). */
export interface ConvOptions<S extends readonly number[]> extends FactoryOptions {
  stride?: number | S;
  /** Zero padding on each side, or `'valid'` (none) / `'same'` (output size = input size; stride 1 only). */
  padding?: number | S | 'valid' | 'same';
  dilation?: number | S;
  /** Split the channels into independent groups (both channel counts must divide by it). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

function spatial(v: unknown, n: number, name: string, op: string, min: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n) {
    throw new ArgumentTypeError(`${name} must be a number or an array of ${n}, got ${describeValue(v)}`, { op });
  }
  return arr.map((x: unknown) => checkInt(x, name, op, min));
}

/** The shared part of Conv1d and Conv2d. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'valid' | 'same';
  readonly dilation: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(op: string, n: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions<readonly number[]>) {
    super();
    this.inChannels = checkInt(inChannels, 'inChannels', op, 1);
    this.outChannels = checkInt(outChannels, 'outChannels', op, 1);
    this.kernelSize = spatial(kernelSize, n, 'kernelSize', op, 1);
    this.stride = spatial(options.stride ?? 1, n, 'stride', op, 1);
    this.dilation = spatial(options.dilation ?? 1, n, 'dilation', op, 1);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new ValueError("padding='same' is not supported for strided convolutions", { op, hint: 'use stride 1 or a numeric padding' });
      }
      this.padding = padding;
    } else if (typeof padding === 'string') {
      throw new ValueError(`invalid padding string '${padding}'`, { op, hint: "use 'valid', 'same' or a number" });
    } else {
      this.padding = spatial(padding, n, 'padding', op, 0);
    }
    this.groups = checkInt(options.groups ?? 1, 'groups', op, 1);
    if (inChannels % this.groups !== 0) throw new ValueError(`inChannels (${inChannels}) must be divisible by groups (${this.groups})`, { op });
    if (outChannels % this.groups !== 0) throw new ValueError(`outChannels (${outChannels}) must be divisible by groups (${this.groups})`, { op });
    const dtype = checkDType(options.dtype, op);
    this.weight = new Parameter(empty([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(empty([outChannels], { dtype })) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation (as Linear's, with fanIn = inChannels/groups · kernel size). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  protected convOptions(): { stride: number[]; padding: number[] | 'valid' | 'same'; dilation: number[]; groups: number } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    const n = this.kernelSize.length;
    const parts = [`${this.inChannels}`, `${this.outChannels}`, `kernelSize=${fmt(this.kernelSize)}`, `stride=${fmt(this.stride)}`];
    const zero = new Array<number>(n).fill(0);
    const one = new Array<number>(n).fill(1);
    if (fmt(this.padding) !== fmt(zero)) parts.push(`padding=${fmt(this.padding)}`);
    if (fmt(this.dilation) !== fmt(one)) parts.push(`dilation=${fmt(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}

/**
 * 1-D convolution over `[N, inChannels, L]` (or unbatched `[inChannels, L]`);
 * `weight` `[outChannels, inChannels / groups, kernelSize]`.
 *
 * ```ts
 * const conv = new nn.Conv1d(2, 6, 3, { stride: 2 });
 * conv.forward(kd.randn([4, 2, 10])).shape; // [4, 6, 4]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: ConvOptions<readonly [number]> = {}) {
    super('nn.Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    const o = this.convOptions();
    return conv1d(input, this.weight, this.bias, {
      stride: o.stride as [number],
      padding: typeof o.padding === 'string' ? o.padding : (o.padding as [number]),
      dilation: o.dilation as [number],
      groups: o.groups,
    });
  }
}

/**
 * 2-D convolution over `[N, inChannels, H, W]` (or unbatched `[inChannels, H, W]`);
 * `weight` `[outChannels, inChannels / groups, kH, kW]`.
 *
 * ```ts
 * const conv = new nn.Conv2d(3, 16, 3, { padding: 1 });
 * conv.forward(kd.randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvOptions<readonly [number, number]> = {}) {
    super('nn.Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }

  forward(input: Tensor): Tensor {
    const o = this.convOptions();
    return conv2d(input, this.weight, this.bias, {
      stride: o.stride as [number, number],
      padding: typeof o.padding === 'string' ? o.padding : (o.padding as [number, number]),
      dilation: o.dilation as [number, number],
      groups: o.groups,
    });
  }
}
