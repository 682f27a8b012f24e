/**
 * In-place ops: values, version counters, and autograd through them
 * (PyTorch's semantics: the old history stays reachable from ops recorded
 * before the in-place op; views write back into their base).
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

describe('in-place ops', () => {
  it('write into the tensor and bump the shared version counter of its views', () => {
    const t = kd.tensor([[1, 2], [3, 4]]);
    const v = t.select(0, 1);
    expect(t.version).toBe(0);
    v.mul_(10);
    expect(t.toArray()).toEqual([[1, 2], [30, 40]]);
    expect(t.version).toBe(1);
    expect(v.version).toBe(1);
    t.add_(kd.tensor([1, 1]), { alpha: 2 }).sub_(1).div_(2).clamp_(null, 10).zero_().fill_(3);
    expect(t.toArray()).toEqual([[3, 3], [3, 3]]);
    expect(t.version).toBe(7);
  });

  it('refuse to write into a view whose elements share memory, as PyTorch does', () => {
    const base = kd.zeros([1]);
    const msg = /add_: unsupported operation: more than one element of the written-to tensor \(shape \[3\], strides \[0\]\) refers to a single memory location \(clone\(\) the tensor/;
    expect(() => base.expand([3]).add_(kd.ones([3]))).toThrow(kd.ValueError);
    expect(() => base.expand([3]).add_(kd.ones([3]))).toThrow(msg);
    expect(() => kd.zeros([2, 1]).expand([2, 4]).copy_(kd.ones([2, 4]))).toThrow(/copy_: unsupported operation/);
    expect(() => kd.zeros([1]).expand([2]).zero_()).toThrow(/zero_: unsupported operation/);
    expect(base.toArray()).toEqual([0]);
    // One element, a transposed view, a view of size 1 along an expanded dim: no element is shared.
    kd.zeros([1]).expand([1]).add_(1);
    const t = kd.zeros([2, 3]);
    t.t().add_(kd.arange(2));
    expect(t.toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(kd.zeros([0]).expand([0]).add_(1).shape).toEqual([0]);
  });

  it('refuse to accumulate a gradient into a .grad set to an expanded view', () => {
    const w = kd.ones([3]).requiresGrad_();
    w.grad = kd.zeros([1]).expand([3]);
    expect(() => w.mul(2).sum().backward()).toThrow(/more than one element of the written-to tensor/);
    expect(w.grad.toArray()).toEqual([0, 0, 0]);
  });

  it('copy_ broadcasts and converts dtype; maskedFill_ fills', () => {
    const t = kd.zeros([2, 3], { dtype: 'int32' });
    t.copy_(kd.tensor([1.7, -2.2, 3]));
    expect(t.toArray()).toEqual([[1, -2, 3], [1, -2, 3]]);
    t.maskedFill_(t.lt(0), 9);
    expect(t.toArray()).toEqual([[1, 9, 3], [1, 9, 3]]);
    const b = kd.zeros([2], { dtype: 'bool' });
    b.copy_(kd.tensor([0, 0.5]));
    expect(b.toArray()).toEqual([false, true]);
  });

  it('are allowed on leaves inside noGrad (the optimizer update)', () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward();
    kd.noGrad(() => w.sub_(w.grad!.mul(0.5)));
    expectClose(w, [0, 0]);
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
  });

  it('keep the old history for ops recorded before them', () => {
    // a = exp(y) was recorded before y changed: its gradient must not go through mul_.
    const x = kd.tensor([0.5, 1], { requiresGrad: true });
    const y = x.mul(1);
    const a = y.exp();
    y.mul_(3);
    a.add(y).sum().backward();
    // d/dx [exp(x) + 3x] = exp(x) + 3
    expectClose(x.grad!, [Math.exp(0.5) + 3, Math.exp(1) + 3]);
  });

  it('record CopySlices when a view of a non-leaf is modified', () => {
    const x = kd.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = x.mul(2);
    y.narrow(1, 0, 1).mul_(10);
    expect(y.gradFn?.name).toBe('CopySlices');
    expect(y.toArray()).toEqual([[20, 4, 6], [80, 10, 12]]);
    y.sum().backward();
    expectClose(x.grad!, [[20, 2, 2], [20, 2, 2]]);
  });

  it('give the old history a zero gradient when the new value does not depend on it', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.zero_();
    expect(y.gradFn?.name).toBe('ZeroBackward0');
    y.add(x).sum().backward();
    expectClose(x.grad!, [1, 1]);
  });

  it('copy_ from a tensor that requires grad makes the target require grad', () => {
    const src = kd.tensor([1, 2], { requiresGrad: true });
    const t = kd.zeros([2, 2]);
    t.copy_(src);
    expect(t.gradFn?.name).toBe('CopyBackwards');
    t.mul(t).sum().backward();
    expectClose(src.grad!, [4, 8]);
  });

  it('an in-place op whose backward needs the old values keeps a copy of them', () => {
    const x = kd.tensor([-1, 0.5, 2], { requiresGrad: true });
    const y = x.mul(1);
    y.clamp_(0, 1); // clamp's backward reads its input, which the op overwrites
    y.sum().backward();
    expectClose(x.grad!, [0, 1, 0]);
  });

  it('retainGrad follows the tensor through an in-place op', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    y.mul_(3);
    y.sum().backward();
    expectClose(y.grad!, [1, 1]);
    expectClose(x.grad!, [6, 6]);
  });

  it('detach shares memory and version but not history', () => {
    const x = kd.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    d.add_(1);
    expect(y.toArray()).toEqual([3, 5]);
    expect(y.version).toBe(1);
  });
});
