/**
 * Arguments that used to give a silently wrong tensor: fractional, negative
 * and NaN sizes and slice bounds, bytes other than 0/1 in bool tensors,
 * values and index positions that wrap around int32. Each is now refused
 * with an error naming the op and the value, or normalised as PyTorch does.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

describe('sizes and bounds are integers in range', () => {
  it('expand refuses negative, fractional and NaN sizes', () => {
    const x = kd.zeros([1]);
    expect(() => x.expand([-5])).toThrow(kd.ShapeError);
    expect(() => x.expand([-5])).toThrow(/expand: the expanded size -5 at dimension 0 is invalid/);
    expect(() => x.expand([NaN])).toThrow(/expand: expected integer sizes, got \[NaN\]/);
    expect(() => x.expand([2.5])).toThrow(/expand: expected integer sizes, got \[2\.5\]/);
    expect(x.expand(3).shape).toEqual([3]);
    expect(x.expand([-1]).shape).toEqual([1]);
  });

  it('view, reshape, permute and repeat refuse non-integer sizes', () => {
    const x = kd.arange(6);
    expect(() => x.reshape([2.5, 2])).toThrow(/reshape: expected integer sizes, got \[2\.5, 2\]/);
    expect(() => x.view([NaN])).toThrow(/view: expected integer sizes/);
    expect(() => x.reshape(2, 3).permute(0.5, 1)).toThrow(/permute: expected integer sizes/);
    expect(() => x.repeat(1.5)).toThrow(/repeat: expected integer sizes/);
  });

  it('slice refuses fractional and NaN bounds', () => {
    const x = kd.arange(5);
    expect(() => x.slice([2.5, 4])).toThrow(kd.IndexError);
    expect(() => x.slice([2.5, 4])).toThrow(/slice: slice bounds must be integers \(or null\), got 2\.5 for dimension 0/);
    expect(() => x.slice([null, NaN])).toThrow(/got NaN/);
    expect(x.slice([1, -1]).toArray()).toEqual([1, 2, 3]);
  });
});

describe('bool tensors hold 0 and 1', () => {
  it('a Uint8Array becomes bool as PyTorch converts uint8 (non-zero is true)', () => {
    const t = kd.tensor(new Uint8Array([0, 2, 255]), { dtype: 'bool' });
    expect(Array.from(t.dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(kd.tensor(new Uint8Array([7, 0])).dataSync())).toEqual([1, 0]);
    // so logic on them is right: two true values are equal
    expect(t.eq(kd.tensor([false, true, true])).toArray()).toEqual([true, true, true]);
  });

  it('full with dtype bool stores 1 for any non-zero value', () => {
    expect(Array.from(kd.full([2], 3, { dtype: 'bool' }).dataSync())).toEqual([1, 1]);
  });

  it('randint with dtype bool needs a range inside [0, 2), as PyTorch', () => {
    expect(() => kd.randint(0, 5, [4], { dtype: 'bool' })).toThrow(/randint: the range \[0, 5\) does not fit bool, which holds \[0, 2\)/);
    const b = kd.randint(0, 2, [50], { dtype: 'bool' });
    expect(Array.from(b.dataSync()).every((v) => v === 0 || v === 1)).toBe(true);
  });
});

describe('int32 never wraps', () => {
  it('full refuses int32 values that do not fit, truncates the others', () => {
    expect(() => kd.full([2], 2 ** 31, { dtype: 'int32' })).toThrow(kd.ValueError);
    expect(() => kd.full([2], 2 ** 31, { dtype: 'int32' })).toThrow(/full: value 2147483648 cannot be converted to type int32 without overflow/);
    expect(() => kd.full([2], NaN, { dtype: 'int32' })).toThrow(/cannot be converted/);
    expect(kd.full([2], -2.7, { dtype: 'int32' }).toArray()).toEqual([-2, -2]);
    expect(kd.full([1], -(2 ** 31), { dtype: 'int32' }).toArray()).toEqual([-(2 ** 31)]);
  });

  it('randint refuses a range int32 cannot hold', () => {
    expect(() => kd.randint(0, 2 ** 40, [3])).toThrow(/randint: the range \[0, 1099511627776\) does not fit int32/);
    expect(() => kd.randint(-(2 ** 31) - 1, 0, [3])).toThrow(/does not fit int32/);
    const r = kd.randint(2 ** 31 - 3, 2 ** 31, [20]);
    expect(Array.from(r.dataSync()).every((v) => v >= 2 ** 31 - 3)).toBe(true);
  });

  it('argmax, argmin and max(dim) refuse axes whose positions pass 2^31 - 1 (expanded views: nothing is allocated)', () => {
    const big = kd.zeros([1]).expand([2 ** 31 + 1]);
    expect(() => big.argmax()).toThrow(kd.ValueError);
    expect(() => big.argmax()).toThrow(/argmax: cannot index 2147483649 elements with int32 indices/);
    const rows = kd.zeros([1, 1]).expand([2, 2 ** 31 + 1]);
    expect(() => rows.argmin(1)).toThrow(/argmin: cannot index 2147483649 elements/);
    expect(() => kd.max(rows, 1)).toThrow(/max: cannot index 2147483649 elements/);
    expect(() => kd.min(rows, 1)).toThrow(/min: cannot index/);
  });
});
