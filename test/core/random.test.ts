/**
 * Reproducibility of random ops: manualSeed, independent Generator streams,
 * saved and restored generator state, and the ranges and moments of the
 * distributions. (kindling's streams are its own, not PyTorch's, so these
 * are properties rather than fixture comparisons.)
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const values = (t: kd.Tensor): number[] => Array.from(t.dataSync(), Number);

describe('manualSeed and Generator', () => {
  it('manualSeed makes every random op reproducible', () => {
    const draw = (): number[][] => {
      kd.manualSeed(1234);
      return [values(kd.rand([5])), values(kd.randn([2, 3])), values(kd.randint(0, 10, [6])), values(kd.randnLike(kd.zeros([3])))];
    };
    expect(draw()).toEqual(draw());
  });

  it('different seeds give different streams', () => {
    kd.manualSeed(1);
    const a = values(kd.randn([8]));
    kd.manualSeed(2);
    const b = values(kd.randn([8]));
    expect(a).not.toEqual(b);
  });

  it('a Generator is an independent stream: it does not move the default one', () => {
    kd.manualSeed(7);
    const expected = values(kd.rand([4]));
    kd.manualSeed(7);
    const g = new kd.Generator(99);
    const fromG = values(kd.randn([10], { generator: g }));
    expect(values(kd.rand([4]))).toEqual(expected);
    expect(values(kd.randn([10], { generator: new kd.Generator(99) }))).toEqual(fromG);
  });

  it('getState/setState replays a stream from the saved position', () => {
    const g = new kd.Generator(5);
    kd.rand([3], { generator: g });
    const state = g.getState();
    const a = values(kd.rand([4], { generator: g }));
    g.setState(state);
    expect(values(kd.rand([4], { generator: g }))).toEqual(a);
    expect(g.initialSeed()).toBe(5);
  });

  it('getState keeps a pending normal sample, so a stream saved after an odd number of normals resumes exactly', () => {
    const g = new kd.Generator(5);
    kd.randn([3], { generator: g });
    const state = g.getState();
    expect(state).toHaveLength(6);
    const a = values(kd.randn([5], { generator: g }));
    const h = new kd.Generator(0).setState(state);
    expect(values(kd.randn([5], { generator: h }))).toEqual(a);
  });

  it('float64 and float32 draws are reproducible per dtype', () => {
    const g1 = new kd.Generator(3);
    const g2 = new kd.Generator(3);
    const a = kd.rand([4], { dtype: 'float64', generator: g1 });
    const b = kd.rand([4], { dtype: 'float64', generator: g2 });
    expect(a.dtype).toBe('float64');
    expect(values(a)).toEqual(values(b));
  });
});

describe('distributions', () => {
  const g = new kd.Generator(2024);
  const n = 20000;

  it('rand is uniform on [0, 1)', () => {
    const v = values(kd.rand([n], { generator: g }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThan(1);
    const mean = v.reduce((a, b) => a + b, 0) / n;
    // NOTE: the standard error of the mean is 1/sqrt(12n) ≈ 0.002; 5 sigma.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('randn has mean 0 and standard deviation 1', () => {
    const t = kd.randn([n], { dtype: 'float64', generator: g });
    expect(Math.abs(t.mean().item())).toBeLessThan(0.04);
    expect(Math.abs(t.std().item() - 1)).toBeLessThan(0.03);
  });

  it('randint covers [low, high) with int32 values', () => {
    const t = kd.randint(-2, 3, [n], { generator: g });
    expect(t.dtype).toBe('int32');
    const v = values(t);
    const counts = new Map<number, number>();
    for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    for (const c of counts.values()) expect(Math.abs(c / n - 0.2)).toBeLessThan(0.02);
  });

  it('requiresGrad and dtype options apply to random tensors', () => {
    const t = kd.randn([2], { requiresGrad: true, dtype: 'float64', generator: g });
    expect(t.requiresGrad).toBe(true);
    expect(t.dtype).toBe('float64');
  });
});
