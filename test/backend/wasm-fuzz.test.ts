/**
 * Fuzzes the wasm module's entry points (native/wasm/shim.cc) as fuzz.test.ts
 * fuzzes the addon's: valid calls from the same builders (fuzz-calls.ts),
 * then wrong sizes, strides, offsets and meta lengths, and arrays shorter
 * than their shapes. Each array is placed in the wasm heap together with its
 * sentinel margins, so a kernel the checks let out of its array would write
 * into a margin (in the shared heap it would overwrite other tensors), which
 * is checked after every call. Every call must end with a result or the
 * module's error message.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { WasmHeap, typeCode } from '../../src/backend/wasm/heap.js';
import { Rng } from './random.js';
import { entryBuilders, shorten, type Call, type Guarded } from './fuzz-calls.js';

const heap = new WasmHeap();
const ex = heap.exports;
const ITERATIONS = 1500;
const NUMBERS = [-1, -7, -(2 ** 40), 2 ** 31, 2 ** 50, 2 ** 53, 1e300, NaN, Infinity, -Infinity, 0.5, 0, 1, 3];

/** Copies each guarded array (margins included) into the heap for one call, and back after it. */
class Placed {
  private readonly blocks: { g: Guarded; ptr: number }[] = [];

  constructor(private readonly call: Call) {}

  /** The heap address and length of an argument (0 and 0 for null); arrays that are not the call's go in plainly. */
  arg(a: unknown): [number, number, number] {
    if (a === null || a === undefined) return [0, 0, 0];
    const g = this.call.arrays.find((x) => x.view === a);
    const t = (g?.whole ?? a) as TypedArray;
    const ptr = heap.malloc(t.byteLength);
    new Uint8Array(heap.buffer, ptr, t.byteLength).set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    if (g !== undefined) this.blocks.push({ g, ptr });
    else this.blocks.push({ g: { whole: t, view: t, start: 0, end: t.length, sentinel: 0 }, ptr });
    const view = (g?.view ?? t);
    return [ptr + (view.byteOffset - t.byteOffset), view.length, typeCode(view)];
  }

  meta(m: Float64Array): [number, number] {
    const [ptr, len] = this.arg(m);
    return [ptr, len];
  }

  /** Copies every array back and frees the heap blocks. */
  done(): void {
    for (const { g, ptr } of this.blocks) {
      new Uint8Array(g.whole.buffer, g.whole.byteOffset, g.whole.byteLength).set(new Uint8Array(heap.buffer, ptr, g.whole.byteLength));
      heap.release(ptr);
    }
  }
}

/** Each fuzzed entry as the module takes it (the backend's wrapper, src/backend/wasm/index.ts, passes the same). */
const ENTRIES: Record<string, (p: Placed, args: unknown[]) => number> = {
  unary: (p, [op, out, x, meta, p0, p1]) => ex.kd_unary(op as number, ...p.arg(out), ...p.arg(x), ...p.meta(meta as Float64Array), p0 as number, p1 as number),
  binary: (p, [op, out, a, b, meta]) => ex.kd_binary(op as number, ...p.arg(out), ...p.arg(a), ...p.arg(b), ...p.meta(meta as Float64Array)),
  reluBackward: (p, [out, g, y, n]) => ex.kd_relu_backward(...p.arg(out), ...p.arg(g), ...p.arg(y), n as number),
  matmul: (p, [out, a, b, meta, bias]) => ex.kd_matmul(...p.arg(out), ...p.arg(a), ...p.arg(b), ...p.arg(bias), ...p.meta(meta as Float64Array)),
  softmax: (p, [out, x, o, s, i, log]) => ex.kd_softmax(...p.arg(out), ...p.arg(x), o as number, s as number, i as number, log === true ? 1 : 0),
  softmaxBackward: (p, [out, g, y, o, s, i, log]) =>
    ex.kd_softmax_backward(...p.arg(out), ...p.arg(g), ...p.arg(y), o as number, s as number, i as number, log === true ? 1 : 0),
};

function mutate(rng: Rng, call: Call): void {
  for (let i = rng.int(1, 3); i > 0; i--) {
    const what = rng.int(0, 5);
    if (what <= 2 && call.meta !== null && call.meta.length > 0) {
      call.meta[rng.int(0, call.meta.length - 1)] = rng.pick(NUMBERS) + (rng.next() < 0.5 ? rng.int(-2, 2) : 0);
    } else if (what === 3 && call.meta !== null) {
      call.meta = call.meta.subarray(0, rng.int(0, call.meta.length));
      call.args[call.metaIndex] = call.meta;
    } else if (what === 4 && call.arrays.length > 0) {
      const j = rng.int(0, call.arrays.length - 1);
      const g = call.arrays[j]!;
      const idx = call.args.indexOf(g.view);
      if (idx >= 0 && g.view.length > 0) {
        const s = shorten(g, rng.int(0, g.view.length - 1));
        call.arrays[j] = s;
        call.args[idx] = s.view;
      }
    } else {
      const numeric = call.args.map((a, j) => (typeof a === 'number' && j > 0 ? j : -1)).filter((j) => j >= 0);
      if (numeric.length > 0) {
        const j = rng.pick(numeric);
        call.args[j] = rng.pick(NUMBERS);
      }
    }
  }
}

describe('wasm fuzz', () => {
  for (const [name, run] of Object.entries(ENTRIES)) {
    it(name, () => {
      const rng = new Rng(name.length * 104729 + 3);
      let ok = 0;
      let errors = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const call = entryBuilders[name]!(rng);
        if (i % 4 !== 0) mutate(rng, call);
        const placed = new Placed(call);
        let status: number;
        try {
          status = run(placed, call.args);
        } finally {
          placed.done();
        }
        if (status === 0) ok++;
        else {
          if (i % 4 === 0) throw new Error(`${name}: a valid call failed: ${heap.lastError()}`);
          expect(heap.lastError()).toMatch(/^kindling wasm \w+: .*(must be|needed|reaches|more than|meta|bias)/);
          errors++;
        }
        for (const a of call.arrays) {
          for (let k = 0; k < a.start; k++) if (a.whole[k] !== a.sentinel) throw new Error(`${name}: wrote before its array at ${k - a.start}`);
          for (let k = a.end; k < a.whole.length; k++) if (a.whole[k] !== a.sentinel) throw new Error(`${name}: wrote past its array at +${k - a.end}`);
        }
      }
      expect(ok).toBeGreaterThan(ITERATIONS / 4);
      expect(errors).toBeGreaterThan(ITERATIONS / 10);
      expect(heap.stats().usedBytes).toBe(0);
    });
  }
});
