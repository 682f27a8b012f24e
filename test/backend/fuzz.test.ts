/**
 * Fuzzes every entry point of the native addon with random and wrong
 * arguments: wrong kinds of values, wrong typed-array kinds, too-short arrays,
 * and negative, fractional, huge, NaN and infinite sizes, strides and offsets.
 * Every call must end with a result or a JavaScript Error, never a crash; and
 * a call that succeeds must not have written outside its arrays (each array
 * is a window of a larger buffer whose margins are checked after every call).
 * Mutations also detach buffers, read list elements through getters that
 * detach other buffers of the call, and move arrays onto SharedArrayBuffers.
 */
import { describe, expect, it } from 'vitest';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';
import { Rng } from './random.js';
import { entryBuilders, shorten, type Call, type Guarded } from './fuzz-calls.js';
import type { TypedArray } from '../../src/tensor/dtype.js';

const native = loadNative();
const ITERATIONS = 2000;

const NUMBERS = [-1, -7, -(2 ** 40), 2 ** 31, 2 ** 50, 2 ** 53, 2 ** 63, 1e300, NaN, Infinity, -Infinity, 0.5, -0.5, 0, 1, 3];
const JUNK: unknown[] = [undefined, null, 3, 'x', {}, [1, 2, 3], new Float32Array(2), new Int32Array(3),
  new Float64Array(1), new Uint8Array(0), new Uint8ClampedArray(4), new Int16Array(4), new DataView(new ArrayBuffer(8))];

function mutateNumber(rng: Rng, v: number): number {
  switch (rng.int(0, 3)) {
    case 0: return rng.pick(NUMBERS);
    case 1: return v + rng.pick([-1, 1, 2, -2]);
    case 2: return v * rng.pick([2, 10, -1, 1000]);
    default: return rng.int(-3, 3 * Math.abs(v) + 5);
  }
}

/** Applies 1–3 random mutations to a valid call. */
function mutate(rng: Rng, call: Call): void {
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const what = rng.int(0, 11);
    if (what <= 4 && call.meta !== null && call.meta.length > 0) {
      const j = rng.int(0, call.meta.length - 1);
      call.meta[j] = mutateNumber(rng, call.meta[j]!);
    } else if (what === 5 && call.meta !== null) {
      const cut = rng.int(0, call.meta.length);
      call.args[call.metaIndex] = call.meta.subarray(0, cut);
      call.meta = call.meta.subarray(0, cut);
    } else if (what === 6) {
      const j = rng.int(0, call.args.length - 1);
      call.args[j] = rng.pick(JUNK);
    } else if (what === 7 && call.arrays.length > 0) {
      // A shorter window of the same array (lengths no longer match the shapes).
      const j = rng.int(0, call.arrays.length - 1);
      const a = call.arrays[j]!;
      const idx = call.args.indexOf(a.view);
      if (idx >= 0) {
        const shorter = shorten(a, rng.int(0, a.view.length - 1));
        call.arrays[j] = shorter;
        call.args[idx] = shorter.view;
      }
    } else if (what === 9) {
      // Corrupt a value inside an index array (indices, targets, pooling indices).
      const ints = call.arrays.filter((a) => a.view instanceof Int32Array && a.view.length > 0);
      if (ints.length > 0) {
        const a = rng.pick(ints).view;
        a[rng.int(0, a.length - 1)] = Math.trunc(mutateNumber(rng, 2)) | 0;
      }
    } else if (what === 8) {
      // Corrupt one entry of a list argument (optimizer groups): shorter, another kind, or missing.
      const lists = call.args.filter((a): a is unknown[] => Array.isArray(a) && a.length > 0);
      if (lists.length > 0) {
        const list = rng.pick(lists);
        const j = rng.int(0, list.length - 1);
        const choice = rng.int(0, 2);
        if (choice === 0) list.splice(j, 1);
        else if (choice === 1) list[j] = rng.pick(JUNK);
        else {
          const g = call.arrays.find((a) => a.view === list[j]);
          if (g !== undefined && g.view.length > 0) {
            const shorter = shorten(g, rng.int(0, g.view.length - 1));
            call.arrays[call.arrays.indexOf(g)] = shorter;
            list[j] = shorter.view;
          }
        }
      }
    } else {
      const numeric = call.args.map((a, j) => (typeof a === 'number' ? j : -1)).filter((j) => j >= 0);
      if (numeric.length > 0) {
        const j = rng.pick(numeric);
        call.args[j] = mutateNumber(rng, call.args[j] as number);
      }
    }
  }
}

/** Detaches `buf` (its memory moves to a new ArrayBuffer that is then dropped); a shared buffer cannot be. */
function detach(buf: ArrayBufferLike): void {
  if (buf instanceof ArrayBuffer && buf.byteLength > 0) structuredClone(buf, { transfer: [buf] });
}

/** A copy of `g` whose whole buffer is a SharedArrayBuffer. */
function onShared(g: Guarded): Guarded {
  const Ctor = g.whole.constructor as new (b: SharedArrayBuffer) => TypedArray;
  const whole = new Ctor(new SharedArrayBuffer(g.whole.byteLength));
  whole.set(g.whole as never);
  return { ...g, whole, view: whole.subarray(g.start, g.end) };
}

/**
 * Memory that changes under the call, applied after the other mutations:
 * a detached buffer (its memory moved elsewhere and dropped), a list element
 * read through a getter that detaches another array of the call, or an array
 * moved onto a SharedArrayBuffer (as a worker would share it).
 */
function hazard(rng: Rng, call: Call): void {
  if (call.arrays.length === 0) return;
  const what = rng.int(0, 2);
  if (what === 0) {
    detach(rng.pick(call.arrays).whole.buffer);
  } else if (what === 1) {
    const at = call.args.map((a, i) => (Array.isArray(a) && a.length > 0 ? i : -1)).filter((i) => i >= 0);
    if (at.length === 0) return;
    // A copy: the getter must not outlive this call (JUNK's arrays are shared).
    const k = rng.pick(at);
    const list = [...(call.args[k] as unknown[])];
    call.args[k] = list;
    const j = rng.int(0, list.length - 1);
    const value = list[j];
    const victim = rng.pick(call.arrays).whole.buffer;
    Object.defineProperty(list, j, { enumerable: true, get: () => (detach(victim), value) });
  } else {
    const j = rng.int(0, call.arrays.length - 1);
    const g = call.arrays[j]!;
    const at = call.args.indexOf(g.view);
    const list = call.args.find((a): a is unknown[] => Array.isArray(a) && a.includes(g.view));
    const moved = onShared(g);
    call.arrays[j] = moved;
    if (at >= 0) call.args[at] = moved.view;
    if (list !== undefined) list[list.indexOf(g.view)] = moved.view;
  }
}

function checkMargins(call: Call, label: string): void {
  for (const a of call.arrays) {
    const { whole, start, end, sentinel } = a;
    if (whole.length === 0) continue; // detached: nothing to check
    for (let i = 0; i < start; i++) if (whole[i] !== sentinel) throw new Error(`${label}: wrote before its array at ${i - start}`);
    for (let i = end; i < whole.length; i++) if (whole[i] !== sentinel) throw new Error(`${label}: wrote past its array at +${i - end}`);
  }
}

describe('native fuzz', () => {
  it('loaded', () => {
    expect(native.reason).toBeNull();
  });

  it('has a fuzz builder for every addon function', () => {
    const fns = Object.keys(native.addon ?? {}).filter((k) => k !== 'init');
    expect(fns.filter((f) => !(f in entryBuilders))).toEqual([]);
  });

  for (const [name, build] of Object.entries(entryBuilders)) {
    it(name, () => {
      const addon = native.addon as NativeAddon;
      const fn = (addon as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const rng = new Rng(name.length * 7919 + 17);
      let ok = 0;
      let errors = 0;
      for (let it = 0; it < ITERATIONS; it++) {
        const call = build(rng);
        // The unmutated call must succeed (so mutations start from a working call).
        if (it % 4 !== 0) mutate(rng, call);
        if (it % 4 !== 0 && rng.int(0, 3) === 0) hazard(rng, call);
        try {
          fn(...call.args);
          ok++;
        } catch (e) {
          if (!(e instanceof Error)) throw new Error(`${name}: threw a non-Error: ${String(e)}`);
          if (it % 4 === 0) throw new Error(`${name}: a valid call failed: ${e.message}`);
          expect(e.message).toMatch(/kindling native|must be|expected/);
          errors++;
        }
        checkMargins(call, name);
      }
      expect(ok).toBeGreaterThan(0);
      expect(errors).toBeGreaterThan(0);
    });
  }
});

