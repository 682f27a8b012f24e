/**
 * Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
 */
import { optionKeys } from '../../errors.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../ops/nn.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { fmt, layerOptions, pair } from './common.js';

type Size2 = number | readonly [number, number];

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
}

/**
 * Max pooling over `[N, C, H, W]` (or `[C, H, W]`).
 *
 * ```ts
 * new nn.MaxPool2d(2).forward(kd.randn([1, 3, 8, 8])).shape;                          // [1, 3, 4, 4]
 * new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(kd.randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * ```
 *
 * NOTE: PyTorch's `return_indices` is not offered on the layer (its output
 * type would change); call `nn.functional.maxPool2d(x, k, { returnIndices: true })`.
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Size2, options: MaxPool2dOptions = {}) {
    super();
    const op = 'nn.MaxPool2d';
    layerOptions(op, options, optionKeys<MaxPool2dOptions>({ stride: true, padding: true, dilation: true, ceilMode: true }));
    this.kernelSize = pair(kernelSize, 'kernelSize', op, 1);
    this.stride = options.stride === undefined ? this.kernelSize : pair(options.stride, 'stride', op, 1);
    this.padding = pair(options.padding ?? 0, 'padding', op);
    this.dilation = pair(options.dilation ?? 1, 'dilation', op, 1);
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.padding)}, dilation=${fmt(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  padding?: Size2;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size. */
  divisorOverride?: number | null;
}

/**
 * Average pooling over `[N, C, H, W]` (or `[C, H, W]`).
 *
 * ```ts
 * new nn.AvgPool2d(2).forward(kd.ones([1, 1, 4, 4])); // [1, 1, 2, 2] of ones
 * ```
 */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Size2, options: AvgPool2dOptions = {}) {
    super();
    const op = 'nn.AvgPool2d';
    layerOptions(op, options, optionKeys<AvgPool2dOptions>({ stride: true, padding: true, ceilMode: true, countIncludePad: true, divisorOverride: true }));
    this.kernelSize = pair(kernelSize, 'kernelSize', op, 1);
    this.stride = options.stride === undefined ? this.kernelSize : pair(options.stride, 'stride', op, 1);
    this.padding = pair(options.padding ?? 0, 'padding', op);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.padding)}`;
  }
}

/**
 * Average pooling to a fixed `[outH, outW]` whatever the input size (`null` keeps that dimension).
 *
 * ```ts
 * new nn.AdaptiveAvgPool2d(1).forward(kd.randn([2, 16, 7, 5])).shape; // [2, 16, 1, 1]: global average pooling
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | [number | null, number | null];

  constructor(outputSize: number | readonly [number | null, number | null]) {
    super();
    this.outputSize = typeof outputSize === 'number' ? outputSize : [outputSize[0], outputSize[1]];
  }

  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${fmt(this.outputSize)}`;
  }
}
