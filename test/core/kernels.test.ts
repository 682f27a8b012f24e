/**
 * The js backend's blocked matmul kernel against a plain triple loop, on
 * sizes that leave partial register blocks, strided (transposed) operands,
 * batches and accumulation.
 */
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/backend/index.js';

function naive(a: Float64Array, b: Float64Array, m: number, n: number, k: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    out[i * n + j] = s;
  }
  return out;
}

let state = 1;
const rnd = (): number => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;

describe('js matmul kernel', () => {
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [4, 4, 4], [7, 9, 6], [13, 1, 17], [5, 0, 3], [0, 4, 2]];
  for (const [m, k, n] of sizes) {
    it(`[${m}, ${k}] @ [${k}, ${n}], plain, transposed, batched and accumulating`, () => {
      const batch = 2;
      const a = Float64Array.from({ length: batch * m * k }, rnd);
      const b = Float64Array.from({ length: batch * k * n }, rnd);
      const expected = new Float64Array(batch * m * n);
      for (let t = 0; t < batch; t++) expected.set(naive(a.subarray(t * m * k), b.subarray(t * k * n), m, n, k), t * m * n);

      const out = new Float64Array(batch * m * n).fill(NaN);
      jsBackend.matmul(out, { data: a, offset: 0, batchStride: m * k, rowStride: k, colStride: 1 }, { data: b, offset: 0, batchStride: k * n, rowStride: n, colStride: 1 }, batch, m, n, k);
      out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));

      // The same products with both operands stored transposed: a as [k, m], b as [n, k].
      const aT = new Float64Array(batch * m * k);
      const bT = new Float64Array(batch * k * n);
      for (let t = 0; t < batch; t++) {
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT[t * m * k + p * m + i] = a[t * m * k + i * k + p]!;
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bT[t * k * n + j * k + p] = b[t * k * n + p * n + j]!;
      }
      const out2 = new Float64Array(batch * m * n).fill(1);
      jsBackend.matmul(out2, { data: aT, offset: 0, batchStride: m * k, rowStride: 1, colStride: m }, { data: bT, offset: 0, batchStride: k * n, rowStride: 1, colStride: k }, batch, m, n, k, true);
      out2.forEach((v, i) => expect(v).toBeCloseTo(expected[i]! + 1, 12));
    });
  }
});
