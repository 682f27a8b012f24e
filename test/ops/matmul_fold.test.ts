/**
 * A batch of rows times one matrix (linear on `[..., in]`, matmul of
 * `[..., m, k]` by `[k, n]`) runs as one GEMM over the folded rows, as in
 * PyTorch: the graph is PyTorch's (a view of an addmm/mm), and values and
 * gradients equal the row-by-row 2-D computation, for inputs that fold as a
 * view and for those that need a copy first.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd, leaf64 } from '../helpers.js';

/** `[..., in]` rows multiplied one 2-D slab at a time (the unfolded reference). */
function rowwiseLinear(x: kd.Tensor, w: kd.Tensor, b: kd.Tensor): kd.Tensor {
  const outs = [];
  for (let i = 0; i < x.shape[0]!; i++) outs.push(kd.linear(x.select(0, i), w, b));
  return kd.stack(outs);
}

describe('linear and matmul fold a batch of rows into one GEMM', () => {
  it('linear on a 3-D input records a view of one addmm, as PyTorch', () => {
    const y = kd.linear(kd.randn([2, 5, 4]), kd.randn([3, 4], { requiresGrad: true }), kd.randn([3], { requiresGrad: true }));
    expect(y.shape).toEqual([2, 5, 3]);
    expect(y.gradFn?.name).toBe('ViewBackward0');
    expect((y.gradFn!.next[0] as { name: string }).name).toBe('AddmmBackward0');
  });

  it('matmul of [..., m, k] by [k, n] records a view of one mm, as PyTorch', () => {
    const y = kd.matmul(kd.randn([2, 3, 5, 4]), kd.randn([4, 6], { requiresGrad: true }));
    expect(y.shape).toEqual([2, 3, 5, 6]);
    expect(y.gradFn?.name).toBe('ViewBackward0');
    expect((y.gradFn!.next[0] as { name: string }).name).toBe('MmBackward0');
    expect(kd.matmul(kd.randn([2, 5, 4]), kd.randn([4])).shape).toEqual([2, 5]);
  });

  for (const [name, make] of [
    ['contiguous', (x: kd.Tensor) => x],
    ['transposed (folds only through a copy)', (x: kd.Tensor) => x.transpose(0, 1)],
  ] as const) {
    it(`linear on a ${name} 3-D input: values and gradients as row by row`, () => {
      const x = leaf64([4, 3, 5], 1);
      const w = leaf64([2, 5], 2);
      const b = leaf64([2], 3);
      const g = kd.randn([...make(x).shape.slice(0, 2), 2], { dtype: 'float64', generator: new kd.Generator(4) });
      const y = kd.linear(make(x), w, b);
      y.backward(g);
      const [gx, gw, gb] = [x.grad!, w.grad!, b.grad!];
      for (const t of [x, w, b]) t.grad = null;
      const ref = rowwiseLinear(make(x), w, b);
      ref.backward(g);
      expectClose(y, ref.toArray(), { atol: 1e-12, rtol: 1e-12 });
      expectClose(gx, x.grad!.toArray(), { atol: 1e-12, rtol: 1e-12 });
      expectClose(gw, w.grad!.toArray(), { atol: 1e-12, rtol: 1e-12 });
      expectClose(gb, b.grad!.toArray(), { atol: 1e-12, rtol: 1e-12 });
    });
  }

  it('gradcheck of linear and matmul over folded rows (float64)', () => {
    expect(kd.gradcheck((x, w, b) => kd.linear(x, w, b), [leaf64([2, 3, 4], 5), leaf64([3, 4], 6), leaf64([3], 7)])).toBe(true);
    expect(kd.gradcheck((x, w) => kd.linear(x.transpose(0, 1), w), [leaf64([3, 2, 4], 8), leaf64([3, 4], 9)])).toBe(true);
    expect(kd.gradcheck((a, b) => kd.matmul(a, b), [leaf64([2, 2, 3, 4], 10), leaf64([4, 2], 11)])).toBe(true);
    expect(kd.gradcheck((a, b) => kd.matmul(a, b), [leaf64([2, 3, 4], 12), leaf64([4], 13)])).toBe(true);
  });
});
