/**
 * 2-D pooling: max (with indices), average and adaptive average, each one
 * backend kernel over `[planes, H, W]` with its backward beside it.
 */
import { backend } from '../backend/index.js';
import type { Pool2dGeometry } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { alloc, allocUninit } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { flatData, requireFloat } from './core.js';
import { checkInt, checkOptions, pair } from './nn-util.js';

/** Options of `maxPool2d`. `stride` defaults to the kernel size. */
export interface MaxPool2dFunctionalOptions {
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  /** Round the output size up instead of down (windows that start in the right/bottom padding are dropped). */
  ceilMode?: boolean;
  /** Also return the flat in-plane index (`h·W + w`) of each maximum. */
  returnIndices?: boolean;
}

/** Options of `avgPool2d`. `stride` defaults to the kernel size. */
export interface AvgPool2dFunctionalOptions {
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size. */
  divisorOverride?: number | null;
}

/** PyTorch's pooling output size, with the ceilMode rule that the last window must start inside the input or left padding. */
function poolOutSize(size: number, k: number, s: number, pad: number, dil: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * pad - dil * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + pad) out--;
  return out;
}

interface PoolSetup {
  geom: Pool2dGeometry;
  outShape: number[];
}

function poolSetup(
  op: string, input: Tensor, kernelSize: number | readonly number[],
  options: { stride?: number | readonly number[] | null; padding?: number | readonly number[]; dilation?: number | readonly number[]; ceilMode?: boolean },
): PoolSetup {
  requireFloat(input, op, 'input');
  if ((input.ndim !== 3 && input.ndim !== 4) || input.shape.slice(-2).some((d) => d === 0)) {
    throw new ShapeError(`expected 3D or 4D input with non-zero height and width, but got input of size ${fmtShape(input.shape)}`, { op });
  }
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1);
  const [sh, sw] = options.stride === undefined || options.stride === null ? [kh, kw] : pair(op, 'stride', options.stride, 1);
  const [ph, pw] = pair(op, 'padding', options.padding ?? 0, 0);
  const [dh, dw] = pair(op, 'dilation', options.dilation ?? 1, 1);
  const ceil = options.ceilMode ?? false;
  // NOTE: PyTorch bounds the padding by half the (undilated) kernel, so every window overlaps the input.
  if (ph > kh / 2 || pw > kw / 2) {
    throw new ValueError(`padding (${ph}, ${pw}) must be at most half the kernel size (${kh}, ${kw})`, { op });
  }
  const h = input.shape[input.ndim - 2]!;
  const w = input.shape[input.ndim - 1]!;
  const outH = poolOutSize(h, kh, sh, ph, dh, ceil);
  const outW = poolOutSize(w, kw, sw, pw, dw, ceil);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `given input size ${fmtShape(input.shape)}, the calculated output size (${outH} x ${outW}) is too small`,
      { op, hint: 'use a smaller kernel, stride or dilation, or more padding' },
    );
  }
  const planes = input.ndim === 4 ? input.shape[0]! * input.shape[1]! : input.shape[0]!;
  return {
    geom: { planes, height: h, width: w, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, outH, outW },
    outShape: [...input.shape.slice(0, -2), outH, outW],
  };
}

/**
 * 2-D max pooling over `[N, C, H, W]` (or `[C, H, W]`); padding counts as
 * -inf. With `returnIndices` it returns `{ values, indices }`, the indices
 * being flat positions `h·W + w` within each plane (as PyTorch).
 *
 * ```ts
 * kd.maxPool2d(x, 2);                                      // halves H and W
 * kd.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: number | readonly [number, number], options?: MaxPool2dFunctionalOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(
  input: Tensor, kernelSize: number | readonly [number, number], options: MaxPool2dFunctionalOptions & { returnIndices: true },
): { values: Tensor; indices: Tensor };
export function maxPool2d(
  input: Tensor, kernelSize: number | readonly [number, number], options?: MaxPool2dFunctionalOptions,
): Tensor | { values: Tensor; indices: Tensor };
export function maxPool2d(
  input: Tensor, kernelSize: number | readonly [number, number], options: MaxPool2dFunctionalOptions = {},
): Tensor | { values: Tensor; indices: Tensor } {
  checkOptions('maxPool2d', options, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
  const { geom, outShape } = poolSetup('maxPool2d', input, kernelSize, options);
  // Every output element is written (each window has an in-bounds tap).
  const values = allocUninit(outShape, input.dtype);
  const indices = allocUninit(outShape, 'int32');
  const idx = indices.storage.data as Int32Array;
  backend().maxPool2d(values.storage.data, idx, flatData(input), geom);
  record(values, 'MaxPool2DWithIndicesBackward0', [input], (g) => {
    const gx = alloc(input.shape, input.dtype);
    backend().maxPool2dBackward(gx.storage.data, flatData(g), idx, geom.planes, geom.height * geom.width, geom.outH * geom.outW);
    return [gx];
  });
  return options.returnIndices ? { values, indices } : values;
}

/**
 * 2-D average pooling over `[N, C, H, W]` (or `[C, H, W]`). Padding is zeros,
 * counted in the divisor unless `countIncludePad: false`.
 *
 * ```ts
 * kd.avgPool2d(x, 2);
 * kd.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false });
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: number | readonly [number, number], options: AvgPool2dFunctionalOptions = {}): Tensor {
  checkOptions('avgPool2d', options, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  const { geom, outShape } = poolSetup('avgPool2d', input, kernelSize, options);
  const include = options.countIncludePad ?? true;
  const divisor = options.divisorOverride ?? 0;
  if (options.divisorOverride !== undefined && options.divisorOverride !== null) checkInt('avgPool2d', 'divisorOverride', divisor, 1);
  const out = alloc(outShape, input.dtype);
  backend().avgPool2d(out.storage.data, flatData(input), geom, include, divisor);
  return record(out, 'AvgPool2DBackward0', [input], (g) => {
    const gx = alloc(input.shape, input.dtype);
    backend().avgPool2dBackward(gx.storage.data, flatData(g), geom, include, divisor);
    return [gx];
  });
}

/**
 * Average pooling to a fixed output size `[outH, outW]` whatever the input
 * size (`null` keeps that dimension). Cell `i` of `n` averages input
 * positions `[floor(i·H/n), ceil((i+1)·H/n))`.
 *
 * ```ts
 * kd.adaptiveAvgPool2d(kd.randn([2, 8, 7, 7]), 1); // global average pool: [2, 8, 1, 1]
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  requireFloat(input, op, 'input');
  if ((input.ndim !== 3 && input.ndim !== 4) || input.shape.slice(-2).some((d) => d === 0)) {
    throw new ShapeError(`expected 3D or 4D input with non-zero height and width, but got input of size ${fmtShape(input.shape)}`, { op });
  }
  const h = input.shape[input.ndim - 2]!;
  const w = input.shape[input.ndim - 1]!;
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
  if (sizes.length !== 2) throw new ValueError(`outputSize must be a number or a pair, got [${sizes.join(', ')}]`, { op });
  const outH = checkInt(op, 'outputSize', sizes[0] ?? h, 1);
  const outW = checkInt(op, 'outputSize', sizes[1] ?? w, 1);
  const planes = input.numel / (h * w);
  const out = alloc([...input.shape.slice(0, -2), outH, outW], input.dtype);
  backend().adaptiveAvgPool2d(out.storage.data, flatData(input), planes, h, w, outH, outW);
  return record(out, 'AdaptiveAvgPool2DBackward0', [input], (g) => {
    const gx = alloc(input.shape, input.dtype);
    backend().adaptiveAvgPool2dBackward(gx.storage.data, flatData(g), planes, h, w, outH, outW);
    return [gx];
  });
}
