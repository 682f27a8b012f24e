/**
 * im2col / col2im: the data movement that turns a 2-D convolution into a
 * batched matrix product (the op layer multiplies the columns by the weight
 * with the backend's GEMM).
 */
import type { Conv2dGeometry } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Unfolds `x` `[batch, channels, height, width]` (contiguous) into
 * `out` `[batch, channels·kernelH·kernelW, outH·outW]`: row
 * `(c·kernelH + ki)·kernelW + kj` holds, for every output position, the input
 * value under kernel tap `(ki, kj)` of channel `c` (0 in the padding).
 */
export function im2col(out: TypedArray, x: TypedArray, g: Conv2dGeometry): void {
  const { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let ki = 0; ki < kernelH; ki++) {
        for (let kj = 0; kj < kernelW; kj++) {
          const iw0 = kj * dilationW - padW;
          // The output columns whose input column lies inside the image: [owLo, owHi).
          const owLo = Math.min(outW, Math.max(0, Math.ceil(-iw0 / strideW)));
          const owHi = Math.max(owLo, Math.min(outW, Math.ceil((width - iw0) / strideW)));
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH - padH + ki * dilationH;
            if (ih < 0 || ih >= height) {
              out.fill(0, o, o + outW);
              o += outW;
              continue;
            }
            const row = plane + ih * width + iw0;
            if (owLo > 0) out.fill(0, o, o + owLo);
            for (let ow = owLo; ow < owHi; ow++) out[o + ow] = x[row + ow * strideW]!;
            if (owHi < outW) out.fill(0, o + owHi, o + outW);
            o += outW;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col`: adds every column entry back onto the input
 * position it was read from (positions read by several windows accumulate;
 * padding entries are dropped). `out` `[batch, channels, height, width]` is
 * accumulated into, so the caller zeroes it.
 */
export function col2im(out: TypedArray, cols: TypedArray, g: Conv2dGeometry): void {
  const { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let ki = 0; ki < kernelH; ki++) {
        for (let kj = 0; kj < kernelW; kj++) {
          const iw0 = kj * dilationW - padW;
          const owLo = Math.min(outW, Math.max(0, Math.ceil(-iw0 / strideW)));
          const owHi = Math.max(owLo, Math.min(outW, Math.ceil((width - iw0) / strideW)));
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH - padH + ki * dilationH;
            if (ih >= 0 && ih < height) {
              const row = plane + ih * width + iw0;
              for (let ow = owLo; ow < owHi; ow++) out[row + ow * strideW]! += cols[o + ow]!;
            }
            o += outW;
          }
        }
      }
    }
  }
}
