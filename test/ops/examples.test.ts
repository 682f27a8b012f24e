/**
 * The examples in the TSDoc of the tensor ops, run as written (STYLE.md §14:
 * every public example is executed by a test).
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

const i32 = (v: number[] | number[][]): kd.Tensor => kd.tensor(v, { dtype: 'int32' });

describe('documentation examples', () => {
  it('Tensor', () => {
    const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.mul(x).sum().backward();
    expectClose(x.grad!, [[2, 4], [6, 8]]);
  });

  it('tensor', () => {
    expect(kd.tensor([[1, 2], [3, 4]]).dtype).toBe('float32');
    expect(kd.tensor(new Float32Array(6), { shape: [2, 3] }).shape).toEqual([2, 3]);
    expect(kd.tensor([0, 2, 1], { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('indexSelect', () => {
    expect(kd.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, i32([2, 0])).toArray()).toEqual([[5, 6], [1, 2]]);
  });

  it('gather', () => {
    expect(kd.tensor([[1, 2], [3, 4]]).gather(1, i32([[0, 0], [1, 0]])).toArray()).toEqual([[1, 1], [4, 3]]);
  });

  it('oneHot', () => {
    expect(kd.oneHot(i32([0, 2]), 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
  });

  it('embedding', () => {
    const w = kd.randn([10, 3], { requiresGrad: true });
    expect(kd.embedding(i32([[1, 2], [4, 1]]), w).shape).toEqual([2, 2, 3]);
  });

  it('cat and stack', () => {
    expect(kd.cat([kd.ones([2, 3]), kd.zeros([1, 3])]).shape).toEqual([3, 3]);
    expect(kd.stack([kd.ones([3]), kd.zeros([3])], 1).shape).toEqual([3, 2]);
  });

  it('where', () => {
    const x = kd.tensor([-1, 2, -3, 4]);
    expect(kd.where(x.gt(0), x, 0).toArray()).toEqual([0, 2, 0, 4]);
  });

  it('noGrad', () => {
    const w = kd.tensor([1, 2], { requiresGrad: true });
    w.sum().backward();
    kd.noGrad(() => w.sub_(w.grad!.mul(0.1)));
    expectClose(w, [0.9, 1.9]);
  });

  it('mm, bmm and linear', () => {
    expect(kd.mm(kd.ones([2, 3]), kd.ones([3, 4])).shape).toEqual([2, 4]);
    expect(kd.bmm(kd.ones([5, 2, 3]), kd.ones([5, 3, 4])).shape).toEqual([5, 2, 4]);
    expect(kd.linear(kd.ones([8, 3]), kd.ones([4, 3]), kd.zeros([4])).shape).toEqual([8, 4]);
  });

  it('max and min', () => {
    const x = kd.tensor([[1, 5], [7, 2]]);
    expect(String(kd.max(x))).toBe('tensor(7.)');
    expect(String(kd.max(x, 1).indices)).toBe('tensor([1, 0], dtype=int32)');
    expect(kd.min(x, 0).values.toArray()).toEqual([1, 2]);
    expect(kd.var(kd.tensor([1, 2, 3, 4])).item()).toBeCloseTo(5 / 3, 6);
  });

  it('zerosLike', () => {
    expect(kd.zerosLike(kd.ones([2, 3], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('gradcheck', () => {
    const x = kd.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    expect(kd.gradcheck((a) => a.tanh().sum(1), [x])).toBe(true);
  });
});
