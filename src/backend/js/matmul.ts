import type { MatrixView } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/** Rows and columns of the register block each micro-kernel call computes. */
const MR = 4;
const NR = 4;
/** Scratch for kernel4x4's edge blocks (kernels run synchronously, so one is enough). */
const EDGE_BLOCK = new Float64Array(MR * NR);

/**
 * Batched strided matrix product in plain TypeScript (GotoBLAS-style, one
 * level): per batch, `a` is packed into panels of MR rows and `b` into
 * panels of NR columns, both k-major in float64 scratch arrays, so the
 * micro-kernel reads both with unit stride whatever the operands' strides.
 * The micro-kernel keeps a 4×4 block of `out` in 16 local accumulators
 * (8 loads per 16 multiply-adds) and writes it once.
 *
 * NOTE: products accumulate in float64 and are rounded once into `out`
 * (PyTorch's float32 GEMM rounds at every step: results agree to float32 tolerance).
 */
export function matmul(
  out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate = false,
  bias: MatrixView | null = null,
): void {
  const mPanels = Math.ceil(m / MR);
  const nPanels = Math.ceil(n / NR);
  const ap = new Float64Array(mPanels * k * MR);
  const bp = new Float64Array(nPanels * k * NR);
  for (let bt = 0; bt < batch; bt++) {
    const outBase = bt * m * n;
    if (m === 0 || n === 0) continue;
    if (bias !== null) addBias(out, outBase, bias, bias.offset + bt * bias.batchStride, m, n, accumulate);
    if (k === 0) {
      if (!accumulate && bias === null) out.fill(0, outBase, outBase + m * n);
      continue;
    }
    packA(ap, a, a.offset + bt * a.batchStride, m, k);
    packB(bp, b, b.offset + bt * b.batchStride, k, n);
    for (let ib = 0; ib < mPanels; ib++) {
      const i0 = ib * MR;
      const rows = Math.min(MR, m - i0);
      for (let jb = 0; jb < nPanels; jb++) {
        const j0 = jb * NR;
        kernel4x4(out, outBase + i0 * n + j0, n, rows, Math.min(NR, n - j0), ap, ib * k * MR, bp, jb * k * NR, k, accumulate || bias !== null);
      }
    }
  }
}

/** `out (+)= Σ_b a[b] @ b[b]`, out `[m, n]`: the products added in batch order. */
export function matmulSum(out: TypedArray, a: MatrixView, b: MatrixView, batch: number, m: number, n: number, k: number, accumulate = false): void {
  if (batch === 0 && !accumulate) out.fill(0, 0, m * n);
  for (let bt = 0; bt < batch; bt++) {
    const ab = { ...a, offset: a.offset + bt * a.batchStride };
    const bb = { ...b, offset: b.offset + bt * b.batchStride };
    matmul(out, ab, bb, 1, m, n, k, accumulate || bt > 0);
  }
}

/** Writes (or with `accumulate` adds) the `[m, n]` bias view at `base` into `out` at `o`. */
function addBias(out: TypedArray, o: number, bias: MatrixView, base: number, m: number, n: number, accumulate: boolean): void {
  const d = bias.data;
  for (let i = 0; i < m; i++) {
    const src = base + i * bias.rowStride;
    const dst = o + i * n;
    for (let j = 0; j < n; j++) {
      const v = d[src + j * bias.colStride]!;
      out[dst + j] = accumulate ? out[dst + j]! + v : v;
    }
  }
}

/** Packs `a` `[m, k]` into row panels: `ap[(ib·k + p)·MR + r] = a[ib·MR + r, p]`, zero past row m. */
function packA(ap: Float64Array, a: MatrixView, base: number, m: number, k: number): void {
  const d = a.data;
  const rs = a.rowStride;
  const cs = a.colStride;
  for (let i = 0; i < m; i++) {
    const dst = Math.floor(i / MR) * k * MR + (i % MR);
    let src = base + i * rs;
    for (let p = 0; p < k; p++, src += cs) ap[dst + p * MR] = d[src]!;
  }
  // Zero the padding rows of the last panel (the scratch is reused across batches).
  for (let i = m; i < Math.ceil(m / MR) * MR; i++) {
    const dst = Math.floor(i / MR) * k * MR + (i % MR);
    for (let p = 0; p < k; p++) ap[dst + p * MR] = 0;
  }
}

/** Packs `b` `[k, n]` into column panels: `bp[(jb·k + p)·NR + c] = b[p, jb·NR + c]`, zero past column n. */
function packB(bp: Float64Array, b: MatrixView, base: number, k: number, n: number): void {
  const d = b.data;
  const rs = b.rowStride;
  const cs = b.colStride;
  const nPanels = Math.ceil(n / NR);
  for (let p = 0; p < k; p++) {
    const src = base + p * rs;
    for (let jb = 0; jb < nPanels; jb++) {
      const dst = (jb * k + p) * NR;
      const j0 = jb * NR;
      for (let c = 0; c < NR; c++) bp[dst + c] = j0 + c < n ? d[src + (j0 + c) * cs]! : 0;
    }
  }
}

/** `out[rows × cols block at o, row stride n] (+)= Apanel · Bpanel` over `k`. */
function kernel4x4(
  out: TypedArray, o: number, n: number, rows: number, cols: number,
  ap: Float64Array, ao: number, bp: Float64Array, bo: number, k: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < k; p++, ao += MR, bo += NR) {
    const a0 = ap[ao]!, a1 = ap[ao + 1]!, a2 = ap[ao + 2]!, a3 = ap[ao + 3]!;
    const b0 = bp[bo]!, b1 = bp[bo + 1]!, b2 = bp[bo + 2]!, b3 = bp[bo + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    if (accumulate) {
      out[o]! += c00; out[o + 1]! += c01; out[o + 2]! += c02; out[o + 3]! += c03; o += n;
      out[o]! += c10; out[o + 1]! += c11; out[o + 2]! += c12; out[o + 3]! += c13; o += n;
      out[o]! += c20; out[o + 1]! += c21; out[o + 2]! += c22; out[o + 3]! += c23; o += n;
      out[o]! += c30; out[o + 1]! += c31; out[o + 2]! += c32; out[o + 3]! += c33;
    } else {
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03; o += n;
      out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13; o += n;
      out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23; o += n;
      out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33;
    }
    return;
  }
  // Edge block: write only the rows × cols that exist (through a reused scratch block, not a fresh array per call).
  const block = EDGE_BLOCK;
  block[0] = c00; block[1] = c01; block[2] = c02; block[3] = c03;
  block[4] = c10; block[5] = c11; block[6] = c12; block[7] = c13;
  block[8] = c20; block[9] = c21; block[10] = c22; block[11] = c23;
  block[12] = c30; block[13] = c31; block[14] = c32; block[15] = c33;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (accumulate) out[o + r * n + c]! += block[r * NR + c]!;
      else out[o + r * n + c] = block[r * NR + c]!;
    }
  }
}
