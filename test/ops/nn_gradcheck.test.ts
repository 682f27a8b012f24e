/**
 * gradcheck (float64 finite differences) for every differentiable nn op:
 * softmax family, convolution, pooling, dropout, normalisation, bilinear.
 * Losses are in loss_gradcheck.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { kd, leaf64 } from '../helpers.js';

type Fn = (...xs: kd.Tensor[]) => kd.Tensor;

const rows: { name: string; fn: Fn; inputs: () => kd.Tensor[] }[] = [
  { name: 'softmax last dim', fn: (x) => kd.softmax(x, -1), inputs: () => [leaf64([2, 4], 1)] },
  { name: 'softmax middle dim', fn: (x) => x.softmax(1), inputs: () => [leaf64([2, 3, 2], 2)] },
  { name: 'softmax non-contiguous', fn: (x) => kd.softmax(x.transpose(0, 1), 1), inputs: () => [leaf64([3, 2], 3)] },
  { name: 'logSoftmax last dim', fn: (x) => kd.logSoftmax(x, 1), inputs: () => [leaf64([2, 4], 4)] },
  { name: 'logSoftmax dim 0', fn: (x) => x.logSoftmax(0), inputs: () => [leaf64([3, 2, 2], 5)] },
  { name: 'logsumexp one dim', fn: (x) => kd.logsumexp(x, 1), inputs: () => [leaf64([3, 4], 6)] },
  { name: 'logsumexp two dims keepdim', fn: (x) => x.logsumexp([0, 2], { keepdim: true }), inputs: () => [leaf64([2, 3, 2], 7)] },
  {
    name: 'conv2d stride 2 padding 1 with bias',
    fn: (x, w, b) => kd.conv2d(x, w, b, { stride: 2, padding: 1 }),
    inputs: () => [leaf64([1, 2, 4, 4], 10), leaf64([2, 2, 3, 3], 11), leaf64([2], 12)],
  },
  {
    name: 'conv2d dilation and rectangular kernel',
    fn: (x, w) => kd.conv2d(x, w, { dilation: [2, 1], padding: [1, 0] }),
    inputs: () => [leaf64([2, 1, 5, 4], 13), leaf64([2, 1, 2, 3], 14)],
  },
  {
    name: 'conv2d groups 2',
    fn: (x, w, b) => kd.conv2d(x, w, b, { groups: 2 }),
    inputs: () => [leaf64([2, 4, 3, 3], 15), leaf64([4, 2, 2, 2], 16), leaf64([4], 17)],
  },
  {
    name: "conv2d padding 'same' even kernel",
    fn: (x, w) => kd.conv2d(x, w, null, { padding: 'same' }),
    inputs: () => [leaf64([1, 1, 3, 4], 18), leaf64([2, 1, 2, 2], 19)],
  },
  {
    name: 'conv2d non-contiguous input',
    fn: (x, w) => kd.conv2d(x.permute(0, 3, 1, 2), w),
    inputs: () => [leaf64([1, 3, 3, 2], 20), leaf64([2, 2, 2, 2], 21)],
  },
  {
    // 1×1, stride 1, no padding: the columns are the input itself (ops/nn.ts, pointwise).
    name: 'conv2d 1x1 groups 2 with bias',
    fn: (x, w, b) => kd.conv2d(x, w, b, { groups: 2 }),
    inputs: () => [leaf64([3, 4, 2, 3], 25), leaf64([6, 2, 1, 1], 26), leaf64([6], 27)],
  },
  {
    name: 'conv1d kernel 1 non-contiguous input',
    fn: (x, w) => kd.conv1d(x.permute(0, 2, 1), w),
    inputs: () => [leaf64([2, 5, 3], 28), leaf64([2, 3, 1], 29)],
  },
  {
    // groups = input channels with at most 2 outputs each: the direct depthwise kernels (ops/nn.ts).
    name: 'conv2d depthwise multiplier 2 with bias, padding and dilation',
    fn: (x, w, b) => kd.conv2d(x, w, b, { groups: 3, padding: [2, 1], dilation: [2, 1], stride: [1, 2] }),
    inputs: () => [leaf64([2, 3, 5, 6], 34), leaf64([6, 1, 3, 3], 35), leaf64([6], 36)],
  },
  {
    name: 'conv2d depthwise multiplier 1',
    fn: (x, w) => kd.conv2d(x, w, null, { groups: 2, padding: 1 }),
    inputs: () => [leaf64([2, 2, 4, 4], 37), leaf64([2, 1, 3, 3], 38)],
  },
  {
    name: 'conv1d groups stride',
    fn: (x, w, b) => kd.conv1d(x, w, b, { groups: 2, stride: 2, padding: 1 }),
    inputs: () => [leaf64([2, 2, 5], 22), leaf64([4, 1, 3], 23), leaf64([4], 24)],
  },
  { name: 'maxPool2d', fn: (x) => kd.maxPool2d(x, 2), inputs: () => [leaf64([1, 2, 4, 4], 30)] },
  {
    name: 'maxPool2d padding dilation ceilMode',
    fn: (x) => kd.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }),
    inputs: () => [leaf64([1, 1, 5, 6], 31)],
  },
  { name: 'avgPool2d', fn: (x) => kd.avgPool2d(x, 2, { stride: 1 }), inputs: () => [leaf64([1, 2, 3, 3], 32)] },
  {
    name: 'avgPool2d ceilMode exclude padding',
    fn: (x) => kd.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    inputs: () => [leaf64([1, 1, 6, 6], 33)],
  },
  { name: 'adaptiveAvgPool2d', fn: (x) => kd.adaptiveAvgPool2d(x, [2, 3]), inputs: () => [leaf64([1, 2, 5, 4], 34)] },
  { name: 'maxPool2d non-contiguous', fn: (x) => kd.maxPool2d(x.permute(0, 3, 1, 2), 2), inputs: () => [leaf64([1, 4, 4, 2], 35)] },
  { name: 'avgPool2d non-contiguous', fn: (x) => kd.avgPool2d(x.permute(0, 3, 1, 2), 2, { padding: 1 }), inputs: () => [leaf64([1, 3, 3, 2], 36)] },
  { name: 'adaptiveAvgPool2d non-contiguous', fn: (x) => kd.adaptiveAvgPool2d(x.transpose(-1, -2), 2), inputs: () => [leaf64([2, 3, 5], 37)] },
  {
    // A fresh generator per call: gradcheck re-evaluates fn and needs the same mask every time.
    name: 'dropout',
    fn: (x) => kd.dropout(x, { p: 0.4, generator: new kd.Generator(7) }),
    inputs: () => [leaf64([3, 4], 40)],
  },
  {
    name: 'layerNorm with affine',
    fn: (x, w, b) => kd.layerNorm(x, [3], { weight: w, bias: b }),
    inputs: () => [leaf64([2, 3], 41), leaf64([3], 42), leaf64([3], 43)],
  },
  { name: 'layerNorm two dims', fn: (x) => kd.layerNorm(x, [2, 2], { eps: 1e-3 }), inputs: () => [leaf64([2, 2, 2], 44)] },
  { name: 'layerNorm non-contiguous', fn: (x, w) => kd.layerNorm(x.t(), 3, { weight: w }), inputs: () => [leaf64([3, 2], 58), leaf64([3], 59)] },
  {
    name: 'groupNorm with affine',
    fn: (x, w, b) => kd.groupNorm(x, 2, { weight: w, bias: b }),
    inputs: () => [leaf64([2, 4, 2], 45), leaf64([4], 46), leaf64([4], 47)],
  },
  {
    name: 'batchNorm training',
    fn: (x, w, b) => kd.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
    inputs: () => [leaf64([3, 2, 2], 48), leaf64([2], 49), leaf64([2], 50)],
  },
  {
    name: 'batchNorm training non-contiguous',
    fn: (x, w) => kd.batchNorm(x.permute(0, 2, 1), null, null, { weight: w, training: true }),
    inputs: () => [leaf64([2, 3, 2], 60), leaf64([2], 61)],
  },
  {
    name: 'batchNorm eval',
    fn: (x, w, b) =>
      kd.batchNorm(x, kd.tensor([0.1, -0.2], { dtype: 'float64' }), kd.tensor([0.5, 2], { dtype: 'float64' }), { weight: w, bias: b }),
    inputs: () => [leaf64([2, 2, 3], 51), leaf64([2], 52), leaf64([2], 53)],
  },
  {
    name: 'bilinear',
    fn: (a, b, w, bias) => kd.bilinear(a, b, w, bias),
    inputs: () => [leaf64([3, 2], 54), leaf64([3, 3], 55), leaf64([2, 2, 3], 56), leaf64([2], 57)],
  },
];

describe('nn ops: gradcheck in float64', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(kd.gradcheck(row.fn, row.inputs())).toBe(true);
    });
  }
});
