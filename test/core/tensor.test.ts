/**
 * Tensor basics: creation options, views sharing storage, contiguity,
 * conversions, printing entry points and gradient-function names.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../helpers.js';

describe('creation', () => {
  it('nested arrays give float32 (or bool), typed arrays keep their dtype', () => {
    expect(kd.tensor([[1, 2], [3, 4]]).dtype).toBe('float32');
    expect(kd.tensor([true, false]).dtype).toBe('bool');
    expect(kd.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    const t = kd.tensor(new Float64Array(6), { shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float64');
    expect(kd.tensor(3.5).shape).toEqual([]);
    expect(kd.tensor([]).shape).toEqual([0]);
    expect(kd.tensor([]).dtype).toBe('float32');
  });

  it('nested arrays mixing booleans and numbers are numeric, whichever comes first', () => {
    const a = kd.tensor([true, 2, false]);
    expect([a.dtype, a.toArray()]).toEqual(['float32', [1, 2, 0]]);
    const b = kd.tensor([[3], [true]]);
    expect([b.dtype, b.toArray()]).toEqual(['float32', [[3], [1]]]);
    expect(kd.tensor([[true], [false]]).dtype).toBe('bool');
    expect(kd.tensor([0, 2.5, NaN], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
  });

  it('shape arguments accept arrays or a single number', () => {
    expect(kd.zeros([2, 3]).shape).toEqual([2, 3]);
    expect(kd.ones(4).shape).toEqual([4]);
    expect(kd.full([2], 7, { dtype: 'int32' }).toArray()).toEqual([7, 7]);
    expect(kd.zerosLike(kd.ones([2], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('empty and every *Like variant take the shape (and by default the dtype) of their argument', () => {
    const e = kd.empty([2, 3], { dtype: 'float64' });
    expect([e.shape, e.dtype]).toEqual([[2, 3], 'float64']);
    const like = kd.ones([3, 2], { dtype: 'float64', requiresGrad: true });
    const rows: [string, kd.Tensor, number[] | null][] = [
      ['zerosLike', kd.zerosLike(like), [0, 0, 0, 0, 0, 0]],
      ['onesLike', kd.onesLike(like), [1, 1, 1, 1, 1, 1]],
      ['fullLike', kd.fullLike(like, 2.5), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]],
      ['emptyLike', kd.emptyLike(like), null],
      ['randLike', kd.randLike(like), null],
      ['randnLike', kd.randnLike(like), null],
    ];
    for (const [name, t, values] of rows) {
      expect([t.shape, t.dtype, t.requiresGrad], name).toEqual([[3, 2], 'float64', false]);
      if (values) expect(Array.from(t.dataSync()), name).toEqual(values);
    }
    const r = kd.randLike(like);
    expect(Array.from(r.dataSync()).every((v) => v >= 0 && v < 1)).toBe(true);
    const ri = kd.randintLike(kd.zeros([4], { dtype: 'int32' }), 2, 5);
    expect(ri.dtype).toBe('int32');
    expect(Array.from(ri.dataSync()).every((v) => v >= 2 && v < 5)).toBe(true);
    expect(kd.zerosLike(like, { dtype: 'int32' }).dtype).toBe('int32');
    expect(kd.onesLike(like, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('tensor converts a typed array to the requested dtype, copying it', () => {
    const src = new Float64Array([1.5, -2.5, 0]);
    const t = kd.tensor(src, { dtype: 'int32' });
    expect([t.dtype, t.toArray()]).toEqual(['int32', [1, -2, 0]]);
    const b = kd.tensor(src, { dtype: 'bool' });
    expect(b.toArray()).toEqual([true, true, false]);
    const f = kd.tensor(src, { requiresGrad: true });
    src[0] = 99;
    expect(f.toArray()).toEqual([1.5, -2.5, 0]);
    expect(f.requiresGrad).toBe(true);
  });
});

describe('views', () => {
  it('view, transpose, permute, expand, squeeze/unsqueeze, narrow, select, slice, split and chunk share storage with their base', () => {
    const t = kd.zeros([3, 4]);
    const views = [
      t.view(4, 3), t.t(), t.narrow(1, 1, 2), t.select(0, 2), t.slice([0, 3, 2]), t.unsqueeze(0), t.expand(2, 3, 4),
      t.permute(1, 0), t.transpose(0, 1), t.unsqueeze(1).squeeze(1), t.flatten(), t.split(2, 1)[1]!, t.chunk(3)[2]!,
    ];
    for (const v of views) {
      expect(v.storage).toBe(t.storage);
      expect(v.base).toBe(t);
    }
    expect(t.t().isContiguous()).toBe(false);
    expect(t.t().contiguous().isContiguous()).toBe(true);
    expect(t.contiguous()).toBe(t);
  });

  it('reshape copies only when it must', () => {
    const t = kd.arange(6).reshape(2, 3);
    expect(t.reshape(3, 2).storage).toBe(t.storage);
    const r = t.t().reshape(6);
    expect(r.storage).not.toBe(t.storage);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('clone copies; detach shares', () => {
    const t = kd.tensor([1, 2]);
    const c = t.clone();
    c.add_(1);
    expect(t.toArray()).toEqual([1, 2]);
    const d = t.detach();
    d.add_(1);
    expect(t.toArray()).toEqual([2, 3]);
  });
});

describe('conversion', () => {
  it('to() converts and records ToCopyBackward0 between float dtypes', () => {
    const x = kd.tensor([1.5, -2.5], { requiresGrad: true });
    const y = x.double();
    expect(y.gradFn?.name).toBe('ToCopyBackward0');
    expect(x.int().toArray()).toEqual([1, -2]);
    expect(x.bool().toArray()).toEqual([true, true]);
    y.sum().backward();
    expect(x.grad!.dtype).toBe('float32');
  });

  it('item and toArray', () => {
    expect(kd.tensor([[2.5]]).item()).toBe(2.5);
    expect(kd.tensor([[1, 2], [3, 4]]).t().toArray()).toEqual([[1, 3], [2, 4]]);
    expect(kd.tensor(7).toArray()).toBe(7);
  });
});

describe('printing', () => {
  it('toString, template strings and console.log print the PyTorch-style repr', () => {
    const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const expected = 'tensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)';
    expect(x.toString()).toBe(expected);
    expect(`${x}`).toBe(expected);
    expect(inspect(x)).toBe(expected);
    expect(String(x.add(1))).toBe('tensor([[2., 3.],\n        [4., 5.]], gradFn=<AddBackward0>)');
  });
});

describe('dtype promotion follows PyTorch', () => {
  const rows: { name: string; make: () => kd.Tensor; dtype: kd.DType }[] = [
    { name: 'int32 + float32', make: () => kd.ones([2], { dtype: 'int32' }).add(kd.ones([2])), dtype: 'float32' },
    { name: 'int32 + fraction', make: () => kd.ones([2], { dtype: 'int32' }).add(0.5), dtype: 'float32' },
    { name: 'int32 + integer', make: () => kd.ones([2], { dtype: 'int32' }).add(2), dtype: 'int32' },
    { name: 'bool + integer', make: () => kd.tensor([true]).add(1), dtype: 'int32' },
    { name: 'bool * bool', make: () => kd.tensor([true]).mul(kd.tensor([false])), dtype: 'bool' },
    { name: 'float32 + 0-d float64', make: () => kd.ones([2]).add(kd.tensor(1, { dtype: 'float64' })), dtype: 'float32' },
    { name: 'int32 + 0-d float64', make: () => kd.ones([2], { dtype: 'int32' }).add(kd.tensor(1, { dtype: 'float64' })), dtype: 'float64' },
    { name: 'float32 + float64', make: () => kd.ones([2]).add(kd.ones([2], { dtype: 'float64' })), dtype: 'float64' },
    { name: 'int32 / int32', make: () => kd.ones([2], { dtype: 'int32' }).div(kd.ones([2], { dtype: 'int32' })), dtype: 'float32' },
    { name: 'sum of bool', make: () => kd.tensor([true, true]).sum(), dtype: 'int32' },
    { name: 'sigmoid of int32', make: () => kd.ones([2], { dtype: 'int32' }).sigmoid(), dtype: 'float32' },
    { name: 'comparison', make: () => kd.ones([2]).lt(kd.ones([2], { dtype: 'int32' })), dtype: 'bool' },
    { name: 'where of two integers', make: () => kd.where(kd.tensor([true, false]), 1, 0), dtype: 'int32' },
    { name: 'where of a fraction', make: () => kd.where(kd.tensor([true, false]), 0.5, 0), dtype: 'float32' },
    { name: 'cat int32 with float32', make: () => kd.cat([kd.ones([1], { dtype: 'int32' }), kd.ones([1])]), dtype: 'float32' },
    { name: 'max of bool', make: () => kd.tensor([true, false]).max(), dtype: 'bool' },
    { name: 'argmax', make: () => kd.ones([3]).argmax(), dtype: 'int32' },
    { name: 'oneHot', make: () => kd.oneHot(kd.tensor([1], { dtype: 'int32' }), 2), dtype: 'int32' },
  ];
  for (const row of rows) {
    it(row.name, () => expect(row.make().dtype).toBe(row.dtype));
  }
});

describe('gradient function names follow PyTorch', () => {
  const x = (): kd.Tensor => kd.ones([2, 3], { requiresGrad: true });
  const rows: [string, () => kd.Tensor][] = [
    ['MeanBackward0', () => x().mean()],
    ['MeanBackward1', () => x().mean(0)],
    ['SumBackward0', () => x().sum()],
    ['SumBackward1', () => x().sum(1)],
    ['ProdBackward0', () => x().prod()],
    ['VarBackward0', () => x().var(1)],
    ['StdBackward0', () => x().std()],
    ['NormBackward1', () => x().norm()],
    ['MaxBackward1', () => x().max()],
    ['MaxBackward0', () => x().max(0).values],
    ['CatBackward0', () => kd.cat([x(), x()])],
    ['StackBackward0', () => kd.stack([x(), x()])],
    ['SplitBackward0', () => x().split(1)[0]!],
    ['RepeatBackward0', () => x().repeat(2, 1)],
    ['IndexSelectBackward0', () => x().indexSelect(0, kd.tensor([1], { dtype: 'int32' }))],
    ['GatherBackward0', () => x().gather(0, kd.tensor([[1]], { dtype: 'int32' }))],
    ['EmbeddingBackward0', () => kd.embedding(kd.tensor([1], { dtype: 'int32' }), x())],
    ['TBackward0', () => x().t()],
    ['TransposeBackward0', () => x().transpose(0, 1)],
    ['SliceBackward0', () => x().narrow(0, 0, 1)],
    ['MaskedFillBackward0', () => x().maskedFill(kd.tensor([true, false, true]), 1)],
    ['ClampBackward1', () => x().clamp(0, 1)],
    ['PowBackward0', () => x().square()],
  ];
  for (const [name, make] of rows) it(name, () => expect(make().gradFn?.name).toBe(name));
});

describe('reductions on edge shapes', () => {
  it('sum and prod of empty tensors are the identities; all/any of nothing are true/false', () => {
    expectClose(kd.zeros([0]).sum(), [0]);
    expectClose(kd.zeros([2, 0]).prod(1), [1, 1]);
    expect(kd.zeros([0]).all().item()).toBe(1);
    expect(kd.zeros([0]).any().item()).toBe(0);
    expect(Number.isNaN(kd.zeros([0]).mean().item())).toBe(true);
  });

  it('0-d tensors reduce over their implicit dimension', () => {
    const s = kd.tensor(3, { requiresGrad: true });
    expect(s.sum(0).item()).toBe(3);
    expect(s.max(0).values.item()).toBe(3);
    s.mul(2).sum(0, { keepdim: true }).backward();
    expectClose(s.grad!, [2]);
  });
});
