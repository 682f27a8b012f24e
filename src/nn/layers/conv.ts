/**
 * Convolution layers: Conv1d and Conv2d over the ops' im2col convolutions,
 * with PyTorch's parameter shapes, names and default initialisation.
 */
import { ArgumentTypeError, checkKeys, optionKeys, ValueError } from '../../errors.js';
import { conv1d, conv2d } from '../../ops/nn.js';
import { pad, type PaddingMode } from '../../ops/pad.js';
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
  /** How the border is padded: `'zeros'` (default), `'reflect'`, `'replicate'` or `'circular'`, as PyTorch's `padding_mode`. */
  paddingMode?: ConvPaddingMode;
}

/** Conv layers' `paddingMode`. */
export type ConvPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

const PADDING_MODES: readonly ConvPaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];
const CONV_LAYER_KEYS = optionKeys<ConvOptions<readonly number[]>>({
  stride: true, padding: true, dilation: true, groups: true, bias: true, paddingMode: true, dtype: true,
});

function spatial(v: unknown, n: number, name: string, op: string, min: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n) {
    throw new ArgumentTypeError(`${name} must be a number or an array of ${n}, got ${describeValue(v)}`, { op });
  }
  return arr.map((x: unknown) => checkInt(x, name, op, min));
}

/** (before, after) padding of each spatial dim: the same on both sides, or for `'same'` the extra one after (PyTorch's split). */
function sidePadding(padding: number[] | 'valid' | 'same', kernelSize: number[], dilation: number[]): [number, number][] {
  if (padding === 'valid') return kernelSize.map(() => [0, 0]);
  if (padding === 'same') {
    return kernelSize.map((k, i) => {
      const total = dilation[i]! * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return padding.map((p) => [p, p]);
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
  readonly paddingMode: ConvPaddingMode;
  /** For a mode other than zeros: the (before, after) padding of each spatial dim, last dim first, as `pad` takes it. */
  private readonly modePadding: number[] | null;
  weight: Parameter;
  bias: Parameter | null;

  constructor(op: string, n: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions<readonly number[]>) {
    super();
    checkKeys(op, options, CONV_LAYER_KEYS);
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
    const mode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(mode)) {
      throw new ValueError(`paddingMode must be one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}, got ${describeValue(mode)}`, { op });
    }
    this.paddingMode = mode;
    this.modePadding = mode === 'zeros' ? null : sidePadding(this.padding, this.kernelSize, this.dilation).reverse().flat();
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

  /** The conv options for `input`, and `input` padded first when the mode is not zeros (then the conv pads nothing, as PyTorch). */
  protected convInput(input: Tensor): [Tensor, { stride: number[]; padding: number[] | 'valid' | 'same'; dilation: number[]; groups: number }] {
    const o = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    if (this.modePadding === null) return [input, o];
    const padded = pad(input, this.modePadding, { mode: this.paddingMode as PaddingMode });
    return [padded, { ...o, padding: this.kernelSize.map(() => 0) }];
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
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode=${this.paddingMode}`);
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
    const [x, o] = this.convInput(input);
    return conv1d(x, this.weight, this.bias, {
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
    const [x, o] = this.convInput(input);
    return conv2d(x, this.weight, this.bias, {
      stride: o.stride as [number, number],
      padding: typeof o.padding === 'string' ? o.padding : (o.padding as [number, number]),
      dilation: o.dilation as [number, number],
      groups: o.groups,
    });
  }
}
