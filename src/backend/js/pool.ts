/**
 * 2-D pooling over contiguous `[planes, height, width]` inputs (a plane is
 * one channel of one sample): max pooling with indices, average pooling and
 * adaptive average pooling, each with its backward.
 */
import type { Pool2dGeometry } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * `out[p, oh, ow]` = the max of the (dilated) window; `indices` gets its
 * flat position `ih·width + iw` within the plane (PyTorch's convention).
 */
export function maxPool2d(out: TypedArray, indices: Int32Array, x: TypedArray, g: Pool2dGeometry): void {
  const { planes, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  const inPlane = height * width;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * inPlane;
    for (let oh = 0; oh < outH; oh++) {
      let ih0 = oh * strideH - padH;
      const ih1 = Math.min(ih0 + (kernelH - 1) * dilationH + 1, height);
      while (ih0 < 0) ih0 += dilationH;
      for (let ow = 0; ow < outW; ow++, o++) {
        let iw0 = ow * strideW - padW;
        const iw1 = Math.min(iw0 + (kernelW - 1) * dilationW + 1, width);
        while (iw0 < 0) iw0 += dilationW;
        // NOTE: starts from -inf at the first in-bounds tap, and NaN wins
        // (PyTorch's rule), so a window of -inf still reports a valid index.
        let best = -Infinity;
        let bestI = ih0 * width + iw0;
        for (let ih = ih0; ih < ih1; ih += dilationH) {
          for (let iw = iw0; iw < iw1; iw += dilationW) {
            const idx = ih * width + iw;
            const v = x[base + idx]!;
            if (v > best || Number.isNaN(v)) {
              best = v;
              bestI = idx;
            }
          }
        }
        out[o] = best;
        indices[o] = bestI;
      }
    }
  }
}

/** Backward of `maxPool2d`: adds `grad[p, o]` at `indices[p, o]` of plane `p`. `out` is accumulated into. */
export function maxPool2dBackward(out: TypedArray, grad: TypedArray, indices: Int32Array, planes: number, inPlane: number, outPlane: number): void {
  for (let p = 0; p < planes; p++) {
    const ib = p * inPlane;
    const ob = p * outPlane;
    for (let o = 0; o < outPlane; o++) {
      const i = indices[ob + o]!;
      // NOTE: a window whose taps all fall in the padding (possible with dilation) has no valid index; skip it.
      if (i >= 0 && i < inPlane) out[ib + i]! += grad[ob + o]!;
    }
  }
}

/**
 * The window of output `(oh, ow)` clipped to the image, and its divisor:
 * `divisor` when non-zero (PyTorch's divisor_override), else the window
 * size counted with padding (`countIncludePad`) or without.
 */
function avgWindow(g: Pool2dGeometry, oh: number, ow: number, countIncludePad: boolean, divisor: number, w: Int32Array): number {
  let ih0 = oh * g.strideH - g.padH;
  let iw0 = ow * g.strideW - g.padW;
  // NOTE: with padding the window may reach past the image into the padding
  // (counted by countIncludePad) but, with ceilMode, not past the padding.
  let ih1 = Math.min(ih0 + g.kernelH, g.height + g.padH);
  let iw1 = Math.min(iw0 + g.kernelW, g.width + g.padW);
  const poolSize = (ih1 - ih0) * (iw1 - iw0);
  ih0 = Math.max(ih0, 0);
  iw0 = Math.max(iw0, 0);
  ih1 = Math.min(ih1, g.height);
  iw1 = Math.min(iw1, g.width);
  w[0] = ih0;
  w[1] = ih1;
  w[2] = iw0;
  w[3] = iw1;
  if (divisor !== 0) return divisor;
  return countIncludePad ? poolSize : (ih1 - ih0) * (iw1 - iw0);
}

/** Average pooling (no dilation, as PyTorch's avg_pool2d). A window entirely in the padding gives 0. */
export function avgPool2d(out: TypedArray, x: TypedArray, g: Pool2dGeometry, countIncludePad: boolean, divisor: number): void {
  const { planes, height, width, outH, outW } = g;
  const w = new Int32Array(4);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        const div = avgWindow(g, oh, ow, countIncludePad, divisor, w);
        if (w[0]! >= w[1]! || w[2]! >= w[3]!) {
          out[o] = 0;
          continue;
        }
        let sum = 0;
        for (let ih = w[0]!; ih < w[1]!; ih++) {
          const row = base + ih * width;
          for (let iw = w[2]!; iw < w[3]!; iw++) sum += x[row + iw]!;
        }
        out[o] = sum / div;
      }
    }
  }
}

/** Backward of `avgPool2d`: spreads `grad / divisor` over each window. `out` is accumulated into. */
export function avgPool2dBackward(out: TypedArray, grad: TypedArray, g: Pool2dGeometry, countIncludePad: boolean, divisor: number): void {
  const { planes, height, width, outH, outW } = g;
  const w = new Int32Array(4);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, o++) {
        const div = avgWindow(g, oh, ow, countIncludePad, divisor, w);
        const v = grad[o]! / div;
        for (let ih = w[0]!; ih < w[1]!; ih++) {
          const row = base + ih * width;
          for (let iw = w[2]!; iw < w[3]!; iw++) out[row + iw]! += v;
        }
      }
    }
  }
}

/**
 * Adaptive average pooling: output cell `i` of `n` averages input rows
 * `[floor(i·H/n), ceil((i+1)·H/n))` (likewise for columns), so windows may
 * overlap and differ in size.
 */
export function adaptiveAvgPool2d(out: TypedArray, x: TypedArray, planes: number, height: number, width: number, outH: number, outW: number): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = Math.floor((oh * height) / outH);
      const ih1 = Math.ceil(((oh + 1) * height) / outH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw0 = Math.floor((ow * width) / outW);
        const iw1 = Math.ceil(((ow + 1) * width) / outW);
        let sum = 0;
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * width;
          for (let iw = iw0; iw < iw1; iw++) sum += x[row + iw]!;
        }
        out[o] = sum / ((ih1 - ih0) * (iw1 - iw0));
      }
    }
  }
}

/** Backward of `adaptiveAvgPool2d`. `out` is accumulated into. */
export function adaptiveAvgPool2dBackward(
  out: TypedArray, grad: TypedArray, planes: number, height: number, width: number, outH: number, outW: number,
): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * height * width;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = Math.floor((oh * height) / outH);
      const ih1 = Math.ceil(((oh + 1) * height) / outH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const iw0 = Math.floor((ow * width) / outW);
        const iw1 = Math.ceil(((ow + 1) * width) / outW);
        const v = grad[o]! / ((ih1 - ih0) * (iw1 - iw0));
        for (let ih = ih0; ih < ih1; ih++) {
          const row = base + ih * width;
          for (let iw = iw0; iw < iw1; iw++) out[row + iw]! += v;
        }
      }
    }
  }
}
