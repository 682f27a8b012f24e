import type { MatrixView } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

const BLOCK_K = 256;
const BLOCK_N = 512;

/**
 * Batched strided matrix product in plain TypeScript. Each batch copies its
 * `b` operand into a contiguous row-major `[k, n]` panel (so the inner loop
 * walks memory with stride 1 whatever the strides of `b`), then runs an
 * i-k-j loop blocked over k and n so the panel rows stay in cache.
 */
export function matmul(out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate = false): void {
  const panel = out instanceof Float64Array ? new Float64Array(k * n) : new Float32Array(k * n);
  const ad = a.data;
  const bd = b.data;
  for (let bt = 0; bt < batch; bt++) {
    const outBase = bt * m * n;
    if (!accumulate) out.fill(0, outBase, outBase + m * n);
    // Pack b[bt] as row-major [k, n].
    const bBase = b.offset + bt * b.batchStride;
    for (let p = 0; p < k; p++) {
      let src = bBase + p * b.rowStride;
      const dst = p * n;
      if (b.colStride === 1) {
        for (let j = 0; j < n; j++) panel[dst + j] = bd[src + j]!;
      } else {
        for (let j = 0; j < n; j++, src += b.colStride) panel[dst + j] = bd[src]!;
      }
    }
    const aBase = a.offset + bt * a.batchStride;
    for (let j0 = 0; j0 < n; j0 += BLOCK_N) {
      const j1 = Math.min(n, j0 + BLOCK_N);
      for (let p0 = 0; p0 < k; p0 += BLOCK_K) {
        const p1 = Math.min(k, p0 + BLOCK_K);
        for (let i = 0; i < m; i++) {
          const oRow = outBase + i * n;
          const aRow = aBase + i * a.rowStride;
          for (let p = p0; p < p1; p++) {
            const av = ad[aRow + p * a.colStride]!;
            const pRow = p * n;
            for (let j = j0; j < j1; j++) out[oRow + j]! += av * panel[pRow + j]!;
          }
        }
      }
    }
  }
}
