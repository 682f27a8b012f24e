import { describe, expect, it, vi } from 'vitest';
import { expectClose, kd } from '../helpers.js';
import type { Tensor } from '../../src/index.js';

/** No two of `ts` share memory, and none shares memory with `others`. */
function expectDisjoint(ts: readonly Tensor[], others: readonly Tensor[] = []): void {
  const all = [...ts, ...others];
  for (let i = 0; i < ts.length; i++) {
    for (let j = 0; j < all.length; j++) {
      if (i !== j) expect(ts[i]!.storage.data.buffer === all[j]!.storage.data.buffer && ts[i]!.storage === all[j]!.storage).toBe(false);
    }
  }
}

// The engine takes an incoming gradient as `.grad` instead of copying it when
// nothing else can see that memory (engine.ts, accumulate). These cases are the
// ways a gradient can be shared; each checks that writing one `.grad` leaves
// every other tensor unchanged.
describe('autograd engine: taking gradients without aliasing', () => {
  it('gives two leaves fed by one add their own grads', () => {
    const a = kd.tensor([1, 2], { requiresGrad: true });
    const b = kd.tensor([3, 4], { requiresGrad: true });
    a.add(b).mul(kd.tensor([5, 6])).sum().backward();
    expectDisjoint([a.grad!, b.grad!]);
    a.grad!.add_(100);
    expectClose(b.grad!, [5, 6]);
    expectClose(a.grad!, [105, 106]);
  });

  it('gives a leaf fed by x.add(y) and y (also a leaf) their own grads', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = kd.tensor([3, 4], { requiresGrad: true });
    const s = x.add(y);
    s.mul(s).sum().backward();
    // d/dx (x+y)² = 2(x+y); the same for y
    expectDisjoint([x.grad!, y.grad!]);
    x.grad!.mul_(0);
    expectClose(y.grad!, [8, 12]);
  });

  it('never takes the gradient passed to backward, nor the implicit seed', () => {
    const a = kd.tensor([1, 2], { requiresGrad: true });
    const b = kd.tensor([3, 4], { requiresGrad: true });
    const g = kd.tensor([7, 8]);
    a.add(b).backward(g);
    expectDisjoint([a.grad!, b.grad!], [g]);
    a.grad!.add_(1);
    b.grad!.add_(2);
    expectClose(g, [7, 8]);
    expectClose(a.grad!, [8, 9]);
    expectClose(b.grad!, [9, 10]);

    // The root itself a leaf: its grad is the seed, copied.
    const s = kd.tensor(3, { requiresGrad: true });
    s.backward();
    s.grad!.add_(1);
    expectClose(s.grad!, [2]);
    const h = kd.tensor(5);
    s.backward(h);
    expectClose(h, [5]);
  });

  it('keeps a retained intermediate grad apart from the leaves it flows to', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = kd.tensor([3, 4], { requiresGrad: true });
    const s = x.add(y);
    s.retainGrad();
    const t = s.mul(kd.tensor([2, 3]));
    t.retainGrad();
    t.sum().backward();
    expectDisjoint([s.grad!, x.grad!, y.grad!, t.grad!]);
    s.grad!.add_(10);
    x.grad!.add_(20);
    expectClose(y.grad!, [2, 3]);
    expectClose(s.grad!, [12, 13]);
    expectClose(x.grad!, [22, 23]);
    expectClose(t.grad!, [1, 1]);
  });

  it('accumulates across repeated backward calls without touching earlier results', () => {
    const w = kd.tensor([1, 2, 3], { requiresGrad: true });
    const out = w.mul(w);
    const loss = out.sum();
    loss.backward(undefined, { retainGraph: true });
    const first = w.grad!;
    const snapshot = first.clone();
    loss.backward(undefined, { retainGraph: true });
    expect(w.grad).toBe(first); // accumulated in place, as in PyTorch
    expectClose(w.grad!, [4, 8, 12]);
    expectClose(snapshot, [2, 4, 6]);
    expectClose(out, [1, 4, 9]); // the saved forward values are untouched
    loss.backward();
    expectClose(w.grad!, [6, 12, 18]);
  });

  it('does not take a forward tensor that a closure hands back as a gradient', () => {
    // x.mul(1) keeps values; its gradient is g·1, fresh. But a reshape passes
    // its gradient through as a view, and an identity-like graph passes the
    // seed straight to the leaf: both must be copied, not taken.
    const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = kd.tensor([1, 2, 3, 4]);
    x.reshape([4]).backward(g);
    x.grad!.add_(1);
    expectClose(g, [1, 2, 3, 4]);
    expectClose(x.grad!, [[2, 3], [4, 5]]);
  });

  it('gives leaves their own grads when a gradient reaches them through views of one storage', () => {
    const a = kd.tensor([1, 2, 3, 4], { requiresGrad: true });
    const b = kd.tensor([5, 6, 7, 8], { requiresGrad: true });
    const c = kd.tensor([[1, 1], [1, 1]], { requiresGrad: true });
    // a and b receive the same gradient through add; c receives a reshape of it.
    const s = a.add(b);
    s.reshape([2, 2]).add(c).mul(kd.tensor([[1, 2], [3, 4]])).sum().backward();
    expectDisjoint([a.grad!, b.grad!, c.grad!]);
    a.grad!.zero_();
    expectClose(b.grad!, [1, 2, 3, 4]);
    expectClose(c.grad!, [[1, 2], [3, 4]]);
    expect(a.grad!.isContiguous()).toBe(true);
    expect(a.grad!.base).toBeNull();
  });

  it('converts a gradient of another dtype into a grad of the leaf dtype', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true, dtype: 'float64' });
    const y = x.float().mul(kd.tensor([3, 4]));
    y.sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expectClose(x.grad!, [3, 4]);
  });

  it("takes a linear layer's gradients without copying them, in the weight's own layout", () => {
    const x = kd.tensor([[1, 2], [3, 4]]);
    const w = kd.zeros([3, 2], { requiresGrad: true });
    const b = kd.zeros([3], { requiresGrad: true });
    const out = kd.linear(x, w, b);
    const spy = vi.spyOn(kd.backend(), 'copy');
    try {
      out.backward(kd.tensor([[1, 0, 2], [0, 1, 1]]));
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    // dW[o, i] = Σ_n c[n, o]·x[n, i]; db[o] = Σ_n c[n, o]
    expectClose(w.grad!, [[1, 2], [3, 4], [5, 8]]);
    expectClose(b.grad!, [1, 1, 3]);
    expect(w.grad!.strides).toEqual([2, 1]);
    expectDisjoint([w.grad!, b.grad!], [x, w, b]);
  });

  it('computes the gradient of a transposed matmul operand in that operand\'s layout, and takes it', () => {
    const x = kd.tensor([[1, 2], [3, 4]]);
    const w = kd.zeros([3, 2], { requiresGrad: true });
    const out = x.matmul(w.t());
    const spy = vi.spyOn(kd.backend(), 'copy');
    try {
      out.backward(kd.tensor([[1, 0, 2], [0, 1, 1]]));
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expectClose(w.grad!, [[1, 2], [3, 4], [5, 8]]);
    expect(w.grad!.strides).toEqual([2, 1]);
    expect(w.grad!.base).toBeNull();
  });
});
