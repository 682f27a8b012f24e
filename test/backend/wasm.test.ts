/**
 * The wasm backend's own behaviour (its kernels' parity with js is in
 * parity.test.ts, and the whole suite runs on it with KINDLING_BACKEND=wasm):
 * arguments copied into its heap per call and freed, heap growth and its
 * limit, the argument checks of the shim, and the coverage backendInfo reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MatrixView } from '../../src/backend/backend.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import { WASM_KERNELS, makeWasmBackend } from '../../src/backend/wasm/index.js';
import { backend, setBackend } from '../../src/backend/index.js';
import { kd } from '../helpers.js';

const previous = backend().name;
afterEach(() => {
  setBackend(previous);
});

const mv = (data: Float32Array, offset: number, rowStride: number, colStride: number): MatrixView =>
  ({ data, offset, batchStride: 0, rowStride, colStride });

describe('the wasm backend', () => {
  it('copies a call\'s arguments into its heap and frees them: training steps leave the heap as it was', () => {
    setBackend('wasm');
    kd.manualSeed(0);
    const model = new kd.nn.Sequential(new kd.nn.Linear(8, 64), new kd.nn.ReLU(), new kd.nn.Linear(64, 4));
    const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = kd.randn([32, 8]);
    const y = kd.randint(0, 4, [32]);
    const step = (): number => {
      opt.zeroGrad();
      const loss = kd.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    };
    step();
    const before = kd.backendInfo().wasm!.heap;
    for (let i = 0; i < 20; i++) step();
    const after = kd.backendInfo().wasm!.heap;
    // Only the backend's own argument block stays allocated between calls.
    expect(after.usedBytes).toBe(before.usedBytes);
    expect(after.usedBytes).toBeLessThan(1024);
    expect(after.peakBytes).toBeGreaterThan(32 * 64 * 4);
    // Tensors are ordinary arrays, not views of the heap.
    expect(model.parameters().next().value!.storage.data.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('grows its heap for a call that needs more than it has, with the right result', () => {
    const heap = new WasmHeap();
    const wasm = makeWasmBackend(heap);
    const start = heap.stats().heapBytes;
    const n = 2 ** 23; // three arrays of 32 MiB: more than the 16 MiB the heap starts with
    const a = Float32Array.from({ length: n }, (_, i) => i % 1000);
    const b = Float32Array.from({ length: n }, (_, i) => (i % 7) - 3);
    const out = new Float32Array(n);
    wasm.binary('add', out, { data: a, offset: 0, strides: [1] }, { data: b, offset: 0, strides: [1] }, [n]);
    expect(heap.stats().heapBytes).toBeGreaterThan(start + 3 * 4 * n - 2 ** 24);
    for (const i of [0, 1, 999, 1000, n - 1]) expect(out[i]).toBe(a[i]! + b[i]!);
    expect(heap.stats().usedBytes).toBeLessThan(1024);
    // Views taken before the growth would be empty now; calls after it still work.
    const small = new Float32Array(4);
    wasm.unary('neg', small, { data: Float32Array.of(1, 2, 3, 4), offset: 0, strides: [1] }, [4]);
    expect(Array.from(small)).toEqual([-1, -2, -3, -4]);
  });

  it('says clearly when a call needs more heap than it can grow to, and keeps working', () => {
    const heap = new WasmHeap();
    const wasm = makeWasmBackend(heap);
    expect(() => heap.malloc(2 ** 31 - 4096, 'an argument of 536869888 elements')).toThrow(
      /wasm: an argument of 536869888 elements needs 2147479552 bytes of heap, and the heap cannot grow that far \(\d+ bytes in use of \d+; it grows to at most 2147483648\)/);
    expect(() => heap.malloc(2 ** 32)).toThrow(/needs 4294967296 bytes of heap/);
    const out = new Float32Array(2);
    wasm.unary('neg', out, { data: Float32Array.of(1, 2), offset: 0, strides: [1] }, [2]);
    expect(Array.from(out)).toEqual([-1, -2]);
  });

  it('runs the js code for a few elements of a large array instead of copying the array', () => {
    const heap = new WasmHeap();
    const wasm = makeWasmBackend(heap);
    const big = Float32Array.from({ length: 2 ** 20 }, (_, i) => i);
    const out = new Float32Array(3);
    wasm.unary('neg', out, { data: big, offset: 5000, strides: [1] }, [3]);
    expect(Array.from(out)).toEqual([-5000, -5001, -5002]);
    expect(heap.stats().peakBytes).toBeLessThan(2 ** 20);
  });

  it('reports which kernels are compiled and which run the js code, covering the whole contract', () => {
    setBackend('wasm');
    const info = kd.backendInfo().wasm!;
    expect(info.kernels).toEqual([...WASM_KERNELS]);
    expect(info.threads).toBe(1);
    const all = Object.keys(jsBackend).filter((k) => k !== 'name' && k !== 'allocUninit').sort();
    expect([...info.kernels, ...info.onJs].sort()).toEqual(all);
  });
});

describe('the wasm module checks its arguments as the addon does', () => {
  const wasm = makeWasmBackend(new WasmHeap());

  it('rejects a view that reaches outside its array, and writes nothing', () => {
    const out = new Float32Array(4).fill(7);
    const a = new Float32Array(4);
    const b = new Float32Array(4);
    // [2, 2] @ [2, 2] with b's offset pushing its last element out of the array.
    expect(() => wasm.matmul(out, mv(a, 0, 2, 1), mv(b, 1, 2, 1), 1, 2, 2, 2)).toThrow(
      new RangeError('kindling wasm matmul: b view (offset 1) reaches elements [1, 4] of an array of length 4'));
    expect(Array.from(out)).toEqual([7, 7, 7, 7]);
    expect(() => wasm.binary('add', new Float32Array(3), { data: a, offset: 0, strides: [1] }, { data: b, offset: 2, strides: [1] }, [3]))
      .toThrow(/binary: b view \(offset 2\) reaches elements \[2, 4\] of an array of length 4/);
    expect(() => wasm.unary('exp', new Float32Array(2), { data: a, offset: 0, strides: [1] }, [3]))
      .toThrow(/unary: out has 2 elements but 3 are needed/);
    expect(() => wasm.binary('add', new Float32Array(3), { data: a, offset: 0.5, strides: [1] }, { data: b, offset: 0, strides: [1] }, [3]))
      .toThrow(/offset must be an integer in \[0, 1125899906842624\], got 0\.5/);
  });
});
