/**
 * Native vs js on random inputs, for every entry of the Backend contract and
 * every kernel path this CPU has (AVX-512, AVX2+FMA, portable); wasm vs js
 * for the kernels the wasm module compiles. The js backend
 * is the specification: results must agree to float32 tolerance (summation
 * order differs), and exactly for integer and bool outputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { loadNative } from '../../src/backend/native.js';
import { WASM_KERNELS, makeWasmBackend } from '../../src/backend/wasm/index.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { allCases, type Case } from './cases.js';

const native = loadNative();
const reference = new Map<Case, TypedArray[]>();

function close(a: TypedArray, b: TypedArray, label: string, atol32 = 2e-5): void {
  expect(a.constructor.name, `${label}: array kind`).toBe(b.constructor.name);
  expect(a.length, `${label}: length`).toBe(b.length);
  const f32 = a instanceof Float32Array;
  const exact = !(a instanceof Float32Array || a instanceof Float64Array);
  const rtol = f32 ? 2e-5 : 1e-11;
  const atol = f32 ? atol32 : 1e-11;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    const ok = exact ? x === y : x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) throw new Error(`${label}: element ${i}: got ${x} vs js ${y} (of ${a.length})`);
  }
}

describe('native backend', () => {
  it('loaded', () => {
    expect(native.reason).toBeNull();
    expect(native.backend?.name).toBe('native');
  });

  it('has parity cases for every entry of the Backend contract', () => {
    const entries = Object.keys(jsBackend).filter((k) => k !== 'name');
    const missing = entries.filter((k) => !(k in allCases));
    expect(missing).toEqual([]);
  });
});

afterAll(() => {
  if (native.backend !== null) native.setKernelPath('auto');
});

for (const path of native.availablePaths) {
  describe(`parity on the ${path} kernels`, () => {
    for (const [entry, cases] of Object.entries(allCases)) {
      it(entry, () => {
        const nb = native.backend as Backend;
        native.setKernelPath(path);
        for (const c of cases) {
          // The js results do not depend on the kernel path: compute them once.
          let want = reference.get(c);
          if (want === undefined) {
            want = c.run(jsBackend);
            reference.set(c, want);
          }
          const got = c.run(nb);
          expect(got.length).toBe(want.length);
          got.forEach((g, i) => close(g, want[i]!, `${entry} ${c.name} output ${i}`, c.atol32));
        }
      });
    }
  });
}

// The wasm backend against js, for the kernels it compiles (the others run the js code itself), through
// the copy of each call's arrays into the heap and back; the whole suite runs on it too (KINDLING_BACKEND=wasm).
describe('parity of the wasm kernels', () => {
  const wasm = makeWasmBackend(new WasmHeap());
  it('compiles the kernels it lists, and nothing else changes', () => {
    const own = Object.keys(wasm).filter((k) => (wasm as unknown as Record<string, unknown>)[k] !== (jsBackend as unknown as Record<string, unknown>)[k]);
    expect(own.sort()).toEqual([...WASM_KERNELS, 'name'].sort());
  });
  for (const entry of WASM_KERNELS) {
    it(entry, () => {
      for (const c of allCases[entry] ?? []) {
        const want = c.run(jsBackend);
        const got = c.run(wasm);
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => close(g, want[i]!, `wasm ${entry} ${c.name} output ${i}`, c.atol32));
      }
    });
  }
});
