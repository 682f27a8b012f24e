/**
 * nn.utils: gradient clipping against PyTorch 1.13 for several norm types,
 * and parametersToVector / vectorToParameters.
 */
import { describe, expect, it } from 'vitest';
import { decode, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';

const { nn } = kd;
const fx = loadFixture<{
  clip_norm: { normType: number | 'inf'; maxNorm: number; grads: EncodedTensor[]; total: number; clipped: EncodedTensor[] }[];
  clip_value: { grad: EncodedTensor; clipped: EncodedTensor; clipValue: number };
  to_vector: EncodedTensor;
}>('nn_module_utils');

function withGrads(grads: EncodedTensor[]): kd.nn.Parameter[] {
  return grads.map((g) => {
    const p = new nn.Parameter(kd.zeros(g.shape));
    p.grad = decode(g);
    return p;
  });
}

describe('clipGradNorm_ against PyTorch', () => {
  for (const c of fx.clip_norm) {
    it(`normType ${c.normType}, maxNorm ${c.maxNorm}`, () => {
      const ps = withGrads(c.grads);
      const total = nn.utils.clipGradNorm_(ps, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
      expect(total.ndim).toBe(0);
      expectClose(total, [c.total], { rtol: 1e-5 });
      ps.forEach((p, i) => expectClose(p.grad!, c.clipped[i]!.data, { label: `grad ${i}` }));
    });
  }
});

describe('clipping', () => {
  it('clipGradValue_ clamps each element (PyTorch)', () => {
    const [p] = withGrads([fx.clip_value.grad]);
    nn.utils.clipGradValue_(p!, fx.clip_value.clipValue);
    expectClose(p!.grad!, fx.clip_value.clipped.data);
  });

  it('skips parameters without grads, and returns 0 when there are none', () => {
    const a = new nn.Parameter(kd.zeros([2]));
    expect(nn.utils.clipGradNorm_([a], 1).item()).toBe(0);
    const b = new nn.Parameter(kd.zeros([2]));
    b.grad = kd.tensor([3, 4]);
    expectClose(nn.utils.clipGradNorm_([a, b], 10), [5]);
    expect(a.grad).toBeNull();
  });

  it('takes a model’s parameters() generator', () => {
    const m = new nn.Linear(3, 2);
    m.forward(kd.ones([4, 3]).mul(100)).sum().backward();
    const total = nn.utils.clipGradNorm_(m.parameters(), 1).item();
    expect(total).toBeGreaterThan(1);
    const after = Math.hypot(...Array.from(m.weight.grad!.dataSync()), ...Array.from(m.bias!.grad!.dataSync()));
    expect(after).toBeCloseTo(1, 5);
  });

  it('errorIfNonfinite refuses a NaN/inf total and changes nothing', () => {
    const p = new nn.Parameter(kd.zeros([2]));
    p.grad = kd.tensor([Infinity, 1]);
    expect(() => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: the total norm of order 2 for gradients from `parameters` is non-finite, so it cannot be clipped \(.*errorIfNonfinite: false\)/,
    );
    expectClose(p.grad!, [Infinity, 1]);
    // Without the flag, as PyTorch: coef = 0 and inf·0 = NaN.
    nn.utils.clipGradNorm_([p], 1);
    expect(Number.isNaN(p.grad!.dataSync()[0])).toBe(true);
  });

  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'nested generators', call: () => nn.utils.clipGradNorm_([new nn.Linear(1, 1).parameters()] as unknown as kd.Tensor[], 1), match: /clipGradNorm_: parameters must be Tensors, but one of them is a Generator \(flatten nested iterables first/ },
    { name: 'a number as parameters', call: () => nn.utils.clipGradValue_(3 as unknown as kd.Tensor, 1), match: /parameters must be a Tensor or an iterable of Tensors, got number 3/ },
    { name: 'a string normType', call: () => nn.utils.clipGradNorm_([], 1, { normType: 'inf' as unknown as number }), match: /normType must be a number \(Infinity for the max norm\)/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));
});

describe('parametersToVector / vectorToParameters', () => {
  it('flattens in order (as PyTorch) and writes back', () => {
    const a = new nn.Parameter(kd.arange(6).reshape([2, 3]));
    const b = new nn.Parameter(kd.arange(3).add(10));
    const v = nn.utils.parametersToVector([a, b]);
    expectClose(v, fx.to_vector.data, { shape: fx.to_vector.shape });
    nn.utils.vectorToParameters(v.mul(2).detach(), [a, b]);
    expectClose(b, [20, 22, 24]);
    expect(() => nn.utils.vectorToParameters(kd.zeros([4]), [a, b])).toThrow(/vectorToParameters: the vector has 4 elements, but the parameters hold 9/);
    expect(() => nn.utils.vectorToParameters(kd.zeros([3, 3]), [a, b])).toThrow(/expected a 1-D vector, got shape \[3, 3\]/);
  });

  it('is differentiable', () => {
    const m = new nn.Linear(2, 1);
    nn.utils.parametersToVector(m.parameters()).mul(3).sum().backward();
    expectClose(m.weight.grad!, [3, 3]);
  });
});
