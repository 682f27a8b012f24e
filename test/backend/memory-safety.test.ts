/**
 * Memory safety of the addon against JavaScript that runs, or memory that
 * changes, in the middle of a call: list elements read through getters that
 * detach buffers, index arrays that share memory with the output (so the
 * kernel's own writes change them) and index arrays on a SharedArrayBuffer.
 * Without the binding's two-phase list reading and private index copies,
 * these calls write into freed memory or outside their arrays.
 */
import { describe, expect, it } from 'vitest';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';

const native = loadNative();
const addon = native.addon as NativeAddon;

/** Detaches `buf` (its memory moves to a new ArrayBuffer that is then dropped). */
function detach(buf: ArrayBufferLike): void {
  structuredClone(buf, { transfer: [buf as ArrayBuffer] });
}

/** `[first, getter]`: element 1 is an accessor that runs `effect` when the addon reads it. */
function listWithGetter<T>(first: T, second: T, effect: () => void): T[] {
  const list = [first];
  Object.defineProperty(list, 1, {
    enumerable: true,
    get() {
      effect();
      return second;
    },
  });
  return list;
}

/** The float whose bits are the int32 `i` (a subnormal for small i). */
const floatWithBits = (i: number): number => new Float32Array(Int32Array.of(i).buffer)[0]!;

const N = 64;
const f32 = (n = N) => new Float32Array(n).fill(1);

describe('lists of typed arrays read through getters', () => {
  // The getter sits on grads[1] and detaches params[0], whose pointer a
  // binding reading element by element would already have taken.
  const steps: { name: string; call: (params: Float32Array[], grads: Float32Array[]) => void }[] = [
    { name: 'sgdStep', call: (p, g) => addon.sgdStep(p, g, [], new Uint8Array(2), Float64Array.of(0.1, 0, 0, 0, 0, 0)) },
    {
      name: 'adamStep',
      call: (p, g) => addon.adamStep(p, g, [f32(), f32()], [f32(), f32()], [], Float64Array.of(1, 1),
        Float64Array.of(0.1, 0.9, 0.999, 1e-8, 0, 0, 0, 0)),
    },
    {
      name: 'rmspropStep',
      call: (p, g) => addon.rmspropStep(p, g, [f32(), f32()], [], [], Float64Array.of(0.1, 0.99, 1e-8, 0, 0, 0, 0)),
    },
    {
      name: 'adagradStep',
      call: (p, g) => addon.adagradStep(p, g, [f32(), f32()], Float64Array.of(1, 1), Float64Array.of(0.1, 0, 0, 1e-10, 0)),
    },
  ];
  for (const { name, call } of steps) {
    it(`${name}: a getter that detaches an earlier parameter's buffer makes the call fail, not write freed memory`, () => {
      const p0 = f32();
      const grads = listWithGetter(f32(), f32(), () => detach(p0.buffer));
      expect(() => call([p0, f32()], grads)).toThrow(new RegExp(`${name}: grads\\[0\\] has ${N} elements, params\\[0\\] 0`));
      expect(p0.byteLength).toBe(0);
    });

    it(`${name}: a getter on a state list that detaches a gradient is seen before the kernel runs`, () => {
      const g1 = f32();
      const params = listWithGetter(f32(), f32(), () => detach(g1.buffer));
      expect(() => call(params, [f32(), g1])).toThrow(/grads\[1\] has 0 elements, params\[1\] 64/);
    });
  }

  it('an element read through a getter is used when nothing is detached', () => {
    const p1 = f32();
    const params = listWithGetter(f32(), p1, () => undefined);
    addon.sgdStep(params, [f32(), f32()], [], new Uint8Array(2), Float64Array.of(0.5, 0, 0, 0, 0, 0));
    expect(p1[0]).toBe(0.5);
  });
});

describe('index arrays that change while the kernel runs', () => {
  // The index array is the first two elements of `out`: the kernel's first
  // write turns index[1] from 0 into 10 (the bits of the subnormal added),
  // past `out`'s 8 elements. Checked indices must be the indices used.
  function aliased() {
    const whole = new Float32Array(16);
    const out = whole.subarray(0, 8);
    const index = new Int32Array(whole.buffer, 0, 2);
    index.set([1, 0]);
    return { whole, out, index };
  }

  it('indexAdd reads the indices it checked', () => {
    const { whole, out, index } = aliased();
    addon.indexAdd(out, Float32Array.of(floatWithBits(10), 1), index, 1, 8, 1);
    expect(whole[10]).toBe(0);
    expect(out[1]).toBe(floatWithBits(10));
    expect(out[0]).toBe(1 + floatWithBits(1));
  });

  it('scatterAdd reads the indices it checked', () => {
    const { whole, out, index } = aliased();
    addon.scatterAdd(out, index, Float32Array.of(floatWithBits(10), 1), Float64Array.of(1, 2, 0, 1, 0, 1, 0, 1), 0);
    expect(whole[10]).toBe(0);
    expect(out[1]).toBe(floatWithBits(10));
  });

  it('nllLossBackward reads the targets it checked', () => {
    // batch 2, classes 2, inner 1: element 0 (target 1) writes out[1] = -grad[0], which is target[1]:
    // it becomes 5, and element 1 would write out[2 + 5], past out's 4 elements.
    const whole = new Float32Array(16);
    const out = whole.subarray(0, 4);
    const target = new Int32Array(whole.buffer, 0, 2);
    target.set([1, 0]);
    addon.nllLossBackward(out, Float32Array.of(-floatWithBits(5), 1), target, null, 2, 2, 1, -100);
    expect(whole.subarray(4)).toEqual(new Float32Array(12));
    expect(out[1]).toBe(floatWithBits(5));
    expect(out[2]).toBe(-1);
  });

  it('indices on a SharedArrayBuffer are accepted and used', () => {
    const index = new Int32Array(new SharedArrayBuffer(8));
    index.set([2, 0]);
    const out = new Float32Array(3);
    addon.indexSelect(out.subarray(0, 2), Float32Array.of(5, 6, 7), index, 1, 3, 1);
    expect(Array.from(out)).toEqual([7, 5, 0]);
  });
});
