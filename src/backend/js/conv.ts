/**
 * im2col / col2im: the data movement that turns a 2-D convolution into a
 * batched matrix product (the op layer multiplies the columns by the weight
 * with the backend's GEMM).
 */
import type { Conv2dGeometry } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Calls `visit(o, tap, xIndex, outIndex)` for every output
 * plane `o` of every sample, every kernel tap and every output position whose
 * input position lies inside the image: the loop nest the three depthwise
 * kernels share (plane `(n, o)` reads input plane `(n, ⌊o / mult⌋)`).
 */
function forEachDepthwiseTap(
  g: Conv2dGeometry, mult: number, visit: (o: number, tap: number, xIndex: number, outIndex: number) => void,
): void {
  const oc = g.channels * mult;
  const inPlane = g.height * g.width;
  const outPlane = g.outH * g.outW;
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < oc; o++) {
      const xb = (n * g.channels + Math.floor(o / mult)) * inPlane;
      const ob = (n * oc + o) * outPlane;
      for (let ki = 0; ki < g.kernelH; ki++) {
        for (let kj = 0; kj < g.kernelW; kj++) {
          const [iw0, lo, hi] = columnSpan(kj, g);
          for (let oh = 0; oh < g.outH; oh++) {
            const ih = oh * g.strideH - g.padH + ki * g.dilationH;
            if (ih < 0 || ih >= g.height) continue;
            for (let ow = lo; ow < hi; ow++) visit(o, ki * g.kernelW + kj, xb + ih * g.width + iw0 + ow * g.strideW, ob + oh * g.outW + ow);
          }
        }
      }
    }
  }
}

/** Depthwise convolution (Backend.depthwiseConv2d): sums in float64, one rounding per output. */
export function depthwiseConv2d(out: TypedArray, x: TypedArray, w: TypedArray, bias: TypedArray | null, g: Conv2dGeometry, mult: number): void {
  const oc = g.channels * mult;
  const outPlane = g.outH * g.outW;
  const kk = g.kernelH * g.kernelW;
  const acc = new Float64Array(g.batch * oc * outPlane);
  if (bias !== null) for (let i = 0; i < acc.length; i++) acc[i] = bias[Math.floor(i / outPlane) % oc]!;
  // forEachDepthwiseTap yields only in-range indices (they come from the geometry the arrays were sized by).
  forEachDepthwiseTap(g, mult, (o, tap, xi, oi) => {
    acc[oi] = acc[oi]! + w[o * kk + tap]! * x[xi]!;
  });
  out.set(acc);
}

/** Input gradient of the depthwise convolution, added into `gx`. */
export function depthwiseConv2dBackwardInput(gx: TypedArray, grad: TypedArray, w: TypedArray, g: Conv2dGeometry, mult: number): void {
  const kk = g.kernelH * g.kernelW;
  const acc = Float64Array.from(gx.subarray(0, g.batch * g.channels * g.height * g.width));
  forEachDepthwiseTap(g, mult, (o, tap, xi, oi) => {
    acc[xi] = acc[xi]! + w[o * kk + tap]! * grad[oi]!;
  });
  gx.set(acc);
}

/** Weight gradient of the depthwise convolution, summed over the batch in float64. */
export function depthwiseConv2dBackwardWeight(gw: TypedArray, grad: TypedArray, x: TypedArray, g: Conv2dGeometry, mult: number): void {
  const kk = g.kernelH * g.kernelW;
  const acc = new Float64Array(g.channels * mult * kk);
  forEachDepthwiseTap(g, mult, (o, tap, xi, oi) => {
    acc[o * kk + tap] = acc[o * kk + tap]! + grad[oi]! * x[xi]!;
  });
  gw.set(acc);
}

/**
 * For kernel column `kj`: the input column that output column 0 reads
 * (`iw0`, negative in the left padding) and the output columns `[lo, hi)`
 * whose input column `iw0 + ow·strideW` lies inside the image.
 */
function columnSpan(kj: number, g: Conv2dGeometry): [iw0: number, lo: number, hi: number] {
  const iw0 = kj * g.dilationW - g.padW;
  const lo = Math.min(g.outW, Math.max(0, Math.ceil(-iw0 / g.strideW)));
  const hi = Math.max(lo, Math.min(g.outW, Math.ceil((g.width - iw0) / g.strideW)));
  return [iw0, lo, hi];
}

/**
 * Unfolds `x` `[batch, channels, height, width]` (contiguous) into
 * `out` `[batch, channels·kernelH·kernelW, outH·outW]`: row
 * `(c·kernelH + ki)·kernelW + kj` holds, for every output position, the input
 * value under kernel tap `(ki, kj)` of channel `c` (0 in the padding).
 */
export function im2col(out: TypedArray, x: TypedArray, g: Conv2dGeometry): void {
  const { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, dilationH, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let ki = 0; ki < kernelH; ki++) {
        for (let kj = 0; kj < kernelW; kj++) {
          const [iw0, owLo, owHi] = columnSpan(kj, g);
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
  const { batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, dilationH, outH, outW } = g;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let ki = 0; ki < kernelH; ki++) {
        for (let kj = 0; kj < kernelW; kj++) {
          const [iw0, owLo, owHi] = columnSpan(kj, g);
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
