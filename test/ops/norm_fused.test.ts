/**
 * The fused normalisation ops (layerNorm, groupNorm, batchNorm): one autograd
 * node each whose backward is the backend's fused kernel. gradcheck (float64
 * finite differences) checks the gradients of input, weight and bias in every
 * layout the kernels distinguish; nn_gradcheck.test.ts and the PyTorch
 * fixtures cover the common cases.
 */
import { describe, expect, it } from 'vitest';
import { kd, leaf64 } from '../helpers.js';

type Fn = (...xs: kd.Tensor[]) => kd.Tensor;

/** A float64 tensor that needs no gradient (gradcheck skips it). */
const const64 = (shape: number[], seed: number): kd.Tensor => kd.randn(shape, { dtype: 'float64', generator: new kd.Generator(seed) });
const positive64 = (shape: number[], seed: number): kd.Tensor => const64(shape, seed).abs().add(0.5);

const rows: { name: string; fn: Fn; inputs: () => kd.Tensor[] }[] = [
  {
    name: 'layerNorm over two dims with affine',
    fn: (x, w, b) => kd.layerNorm(x, [3, 4], { weight: w, bias: b }),
    inputs: () => [leaf64([2, 3, 4], 100), leaf64([3, 4], 101), leaf64([3, 4], 102)],
  },
  {
    name: 'layerNorm: weight and bias only (input constant)',
    fn: (x, w, b) => kd.layerNorm(x, 5, { weight: w, bias: b }),
    inputs: () => [const64([3, 5], 103), leaf64([5], 104), leaf64([5], 105)],
  },
  {
    name: 'layerNorm: input and bias, constant weight, large eps',
    fn: (x, w, b) => kd.layerNorm(x, 6, { weight: w, bias: b, eps: 0.5 }),
    inputs: () => [leaf64([4, 6], 106), const64([6], 107), leaf64([6], 108)],
  },
  {
    name: 'layerNorm of one element per row',
    fn: (x, w) => kd.layerNorm(x, 1, { weight: w }),
    inputs: () => [leaf64([3, 1], 109), leaf64([1], 110)],
  },
  {
    name: 'groupNorm with positions and affine',
    fn: (x, w, b) => kd.groupNorm(x, 3, { weight: w, bias: b }),
    inputs: () => [leaf64([2, 6, 2, 2], 111), leaf64([6], 112), leaf64([6], 113)],
  },
  {
    name: 'groupNorm one group per channel, weight only',
    fn: (x, w) => kd.groupNorm(x, 4, { weight: w, eps: 1e-3 }),
    inputs: () => [leaf64([3, 4, 5], 114), leaf64([4], 115)],
  },
  {
    name: 'groupNorm non-contiguous, bias only',
    fn: (x, b) => kd.groupNorm(x.permute(0, 2, 1), 2, { bias: b }),
    inputs: () => [leaf64([2, 3, 4], 116), leaf64([4], 117)],
  },
  {
    name: 'batchNorm training 4-D with affine',
    fn: (x, w, b) => kd.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
    inputs: () => [leaf64([3, 2, 2, 3], 118), leaf64([2], 119), leaf64([2], 120)],
  },
  {
    name: 'batchNorm training 2-D (BatchNorm1d) with running statistics',
    fn: (x, w, b) => kd.batchNorm(x, kd.zeros([4], { dtype: 'float64' }), kd.ones([4], { dtype: 'float64' }), { weight: w, bias: b, training: true }),
    inputs: () => [leaf64([5, 4], 121), leaf64([4], 122), leaf64([4], 123)],
  },
  {
    name: 'batchNorm training: weight and bias only',
    fn: (x, w, b) => kd.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: 0.1 }),
    inputs: () => [const64([4, 3, 2], 124), leaf64([3], 125), leaf64([3], 126)],
  },
  {
    name: 'batchNorm eval 4-D with affine',
    fn: (x, w, b) => kd.batchNorm(x, const64([3], 127), positive64([3], 128), { weight: w, bias: b }),
    inputs: () => [leaf64([2, 3, 2, 2], 129), leaf64([3], 130), leaf64([3], 131)],
  },
  {
    name: 'batchNorm eval without affine',
    fn: (x) => kd.batchNorm(x, const64([2], 132), positive64([2], 133), { eps: 0.2 }),
    inputs: () => [leaf64([3, 2], 134)],
  },
];

describe('fused normalisation: gradcheck in float64', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(kd.gradcheck(row.fn, row.inputs())).toBe(true);
    });
  }
});

describe('fused normalisation: one autograd node', () => {
  it('layerNorm, groupNorm and batchNorm each record one node whose inputs are the leaves', () => {
    const x = leaf64([4, 6, 3], 1);
    const w = leaf64([6], 2);
    const b = leaf64([6], 3);
    const cases: [kd.Tensor, string][] = [
      [kd.layerNorm(x.transpose(1, 2), 6, { weight: w, bias: b }), 'NativeLayerNormBackward0'],
      [kd.groupNorm(x, 2, { weight: w, bias: b }), 'NativeGroupNormBackward0'],
      [kd.batchNorm(x, null, null, { weight: w, bias: b, training: true }), 'NativeBatchNormBackward0'],
    ];
    for (const [y, name] of cases) {
      expect(y.gradFn?.name).toBe(name);
      const next = y.gradFn!.next;
      expect(next[1]).toBe(w);
      expect(next[2]).toBe(b);
    }
    // groupNorm and batchNorm take x itself: its leaf is the node's first input.
    expect(cases[1]![0].gradFn!.next[0]).toBe(x);
    expect(cases[2]![0].gradFn!.next[0]).toBe(x);
  });

  it('records nothing when no input requires grad, and a null slot for an affine parameter that does not', () => {
    expect(kd.layerNorm(kd.randn([2, 3]), 3, { weight: kd.ones([3]) }).gradFn).toBeNull();
    const x = kd.randn([2, 3], { requiresGrad: true });
    const y = kd.layerNorm(x, 3, { weight: kd.ones([3]), bias: kd.zeros([3], { requiresGrad: true }) });
    expect(y.gradFn!.next[0]).toBe(x);
    expect(y.gradFn!.next[1]).toBeNull();
    y.sum().backward();
    expect(x.grad).not.toBeNull();
  });

  it('fails the backward when the input was modified in place after the forward', () => {
    const x = kd.randn([3, 4], { requiresGrad: true });
    const h = x.mul(1);
    const y = kd.layerNorm(h, 4);
    kd.noGrad(() => h.add_(1));
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it('accumulates gradients of a parameter used twice', () => {
    const x = kd.randn([2, 3, 4], { requiresGrad: true, generator: new kd.Generator(9) });
    const w = kd.randn([3], { requiresGrad: true, generator: new kd.Generator(10) });
    const one = kd.groupNorm(x, 3, { weight: w });
    one.sum().backward();
    const g1 = w.grad!.clone();
    w.grad = null;
    kd.groupNorm(x, 3, { weight: w }).add(kd.groupNorm(x, 3, { weight: w })).sum().backward();
    expect(w.grad!.sub(g1.mul(2)).abs().max().item()).toBeLessThan(1e-5);
  });
});
