/**
 * Behaviour of the nn ops that fixtures cannot pin down: dropout's
 * randomness and scaling, the Tensor method forms, in-place running-stat
 * updates, dtype rules, and the TSDoc examples.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

describe('dropout', () => {
  it('returns the input itself in eval mode and for p = 0, and zeros for p = 1', () => {
    const x = kd.randn([4, 5]);
    expect(kd.dropout(x, { p: 0.3, training: false })).toBe(x);
    expect(kd.dropout(x, 0)).toBe(x);
    expectClose(kd.dropout(x, 1), new Array(20).fill(0));
  });

  it('zeroes about p of the elements and scales the rest by 1 / (1 - p)', () => {
    kd.manualSeed(3);
    const x = kd.ones([20000]);
    const y = kd.dropout(x, 0.25);
    const data = Array.from(y.dataSync());
    const kept = data.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    // 20000 Bernoulli(0.75) draws: the kept fraction is within 0.75 ± 0.015 (about 5 standard deviations).
    expect(Math.abs(kept.length / 20000 - 0.75)).toBeLessThan(0.015);
  });

  it('is reproducible from manualSeed and from a Generator, and its gradient is the mask', () => {
    const x = kd.randn([50], { requiresGrad: true });
    kd.manualSeed(11);
    const a = kd.dropout(x, 0.5);
    kd.manualSeed(11);
    const b = kd.dropout(x, 0.5);
    expect(a.toArray()).toEqual(b.toArray());
    const c = kd.dropout(x, { p: 0.5, generator: new kd.Generator(5) });
    const d = kd.dropout(x, 0.5, { generator: new kd.Generator(5) });
    expect(c.toArray()).toEqual(d.toArray());
    c.sum().backward();
    const mask = Array.from(c.dataSync(), (v) => (v === 0 ? 0 : 2));
    // NOTE: an element of x that is exactly 0 would read as dropped; randn never gives 0 here.
    expectClose(x.grad!, mask);
  });
});

describe('softmax family', () => {
  it('runs the TSDoc examples', () => {
    expectClose(kd.softmax(kd.tensor([[1, 2, 3]]), 1), [[0.09003057, 0.24472847, 0.66524096]]);
    expectClose(kd.logSoftmax(kd.tensor([[1, 2, 3]]), 1), [[-2.40760596, -1.40760596, -0.40760596]]);
    expectClose(kd.logsumexp(kd.tensor([[0, 0], [1, 1]]), 1), [Math.log(2), 1 + Math.log(2)]);
  });

  it('is available as Tensor methods', () => {
    const x = kd.randn([3, 4]);
    expectClose(x.softmax(-1), kd.softmax(x, 1));
    expectClose(x.logSoftmax(0), kd.logSoftmax(x, 0));
    expectClose(x.logsumexp(1, { keepdim: true }), kd.logsumexp(x, 1).unsqueeze(1), { shape: [3, 1] });
  });

  it('handles 0-d tensors, empty dims and integer logsumexp', () => {
    expectClose(kd.softmax(kd.tensor(5), 0), 1);
    const lse = kd.logsumexp(kd.tensor([[1, 2]], { dtype: 'int32' }), 1);
    expect(lse.dtype).toBe('float32');
    expectClose(lse, [Math.log(Math.E + Math.E ** 2)]);
    expectClose(kd.logsumexp(kd.zeros([2, 0]), 1), [-Infinity, -Infinity]);
    expect(kd.softmax(kd.zeros([2, 0]), 1).shape).toEqual([2, 0]);
  });

  it('keeps float64 precision (a 1e-10 difference survives; float32 would lose it)', () => {
    const x = kd.tensor([[1e-10, 0]], { dtype: 'float64' });
    const y = kd.logSoftmax(x, 1);
    expect(y.dtype).toBe('float64');
    expect(Math.abs((y.toArray() as number[][])[0]![0]! - (y.toArray() as number[][])[0]![1]! - 1e-10)).toBeLessThan(1e-15);
  });
});

describe('convolution and pooling', () => {
  it('runs the TSDoc examples', () => {
    expect(kd.conv2d(kd.randn([8, 3, 32, 32]), kd.randn([16, 3, 3, 3]), null, { padding: 1 }).shape).toEqual([8, 16, 32, 32]);
    expect(kd.conv1d(kd.randn([4, 2, 10]), kd.randn([6, 2, 3]), { stride: 2 }).shape).toEqual([4, 6, 4]);
    expect(kd.adaptiveAvgPool2d(kd.randn([2, 8, 7, 7]), 1).shape).toEqual([2, 8, 1, 1]);
    expect(kd.maxPool2d(kd.randn([1, 2, 6, 6]), 2).shape).toEqual([1, 2, 3, 3]);
    expect(kd.maxPool2d(kd.randn([1, 2, 7, 7]), 3, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 2, 4, 4]);
    expect(kd.avgPool2d(kd.randn([1, 2, 7, 7]), 3, { stride: 2, padding: 1, countIncludePad: false }).shape).toEqual([1, 2, 4, 4]);
  });

  it('a conv2d with a one-hot kernel copies a shifted input', () => {
    const x = kd.arange(16).reshape([1, 1, 4, 4]);
    const w = kd.zeros([1, 1, 3, 3]);
    kd.noGrad(() => w.slice(null, null, 2, 1).fill_(1)); // tap (2, 1): reads x[h + 1, w]
    expectClose(kd.conv2d(x, w, { padding: 1 }), [[[[4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [0, 0, 0, 0]]]]);
  });

  it('maxPool2d returns { values, indices } with flat in-plane indices', () => {
    const x = kd.tensor([[[1, 5, 2, 0], [3, 4, 8, 1]]]);
    const { values, indices } = kd.maxPool2d(x, [2, 2], { returnIndices: true });
    expectClose(values, [[[5, 8]]]);
    expect(indices.toArray()).toEqual([[[1, 6]]]);
  });

  it('maxPool2d and avgPool2d keep float64', () => {
    const x = kd.randn([1, 3, 3], { dtype: 'float64' });
    expect(kd.maxPool2d(x, 2).dtype).toBe('float64');
    expect(kd.avgPool2d(x, 2).dtype).toBe('float64');
  });
});

describe('normalisation', () => {
  it('batchNorm updates the running statistics in place in training and uses them in eval', () => {
    const x = kd.tensor([[1, 10], [3, 20], [5, 60]]);
    const rm = kd.zeros([2]);
    const rv = kd.ones([2]);
    kd.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    // batch means [3, 30], unbiased variances [4, 700]
    expectClose(rm, [1.5, 15]);
    expectClose(rv, [2.5, 350.5]);
    expect(rm.version).toBeGreaterThan(0);
    const y = kd.batchNorm(kd.tensor([[1.5, 15]]), rm, rv);
    expectClose(y, [[0, 0]], { atol: 1e-6 });
  });

  it('groupNorm and layerNorm normalise to zero mean and unit variance', () => {
    const x = kd.randn([2, 6, 5]).mul(3).add(2);
    const g = kd.groupNorm(x, 3).reshape([2, 3, 10]);
    expectClose(g.mean(2), new Array(6).fill(0), { atol: 1e-5 });
    expectClose(g.mul(g).mean(2), new Array(6).fill(1), { atol: 1e-3 });
    const l = kd.layerNorm(x, 5);
    expectClose(l.mean(2), new Array(12).fill(0), { atol: 1e-5 });
  });

  it('bilinear runs its TSDoc example', () => {
    expect(kd.bilinear(kd.randn([5, 3]), kd.randn([5, 4]), kd.randn([2, 3, 4])).shape).toEqual([5, 2]);
  });
});

describe('conv2d kernel choices', () => {
  // ops/nn.ts picks im2col + GEMM, a pointwise path (1×1) or direct depthwise
  // kernels by shape; each must give what the general path gives.
  it('depthwise, pointwise and general paths agree with an explicit per-channel computation', () => {
    kd.manualSeed(11);
    const x = kd.randn([2, 3, 6, 5]);
    const w = kd.randn([3, 1, 3, 3]);
    const b = kd.randn([3]);
    const y = kd.conv2d(x, w, b, { groups: 3, padding: 1 });
    // The same depthwise convolution as three single-channel convolutions (the general path).
    const parts = [0, 1, 2].map((c) =>
      kd.conv2d(x.narrow(1, c, 1).contiguous(), w.narrow(0, c, 1).contiguous(), b.narrow(0, c, 1).contiguous(), { padding: 1 }));
    expectClose(y, Array.from(kd.cat(parts, 1).dataSync()), { atol: 1e-5 });
    // A 1×1 convolution is a matrix product over channels.
    const w1 = kd.randn([4, 3, 1, 1]);
    const y1 = kd.conv2d(x, w1);
    const viaMatmul = w1.reshape([4, 3]).matmul(x.permute(1, 0, 2, 3).reshape([3, -1])).reshape([4, 2, 6, 5]).permute(1, 0, 2, 3);
    expectClose(y1, Array.from(viaMatmul.contiguous().dataSync()), { atol: 1e-5 });
  });

  it('gives an empty result for zero output channels with groups = channels', () => {
    const y = kd.conv2d(kd.randn([2, 3, 5, 5]), kd.randn([0, 1, 3, 3]), null, { groups: 3 });
    expect(y.shape).toEqual([2, 0, 3, 3]);
  });
});
