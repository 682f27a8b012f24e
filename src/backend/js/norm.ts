/**
 * Fused normalisation over contiguous `[batch, channels, inner]` arrays:
 * group normalisation (layer norm is its one-group, inner-1 case) and batch
 * normalisation, each with its backward. Statistics are float64 (JS numbers)
 * whatever the dtype: `mean` and `rstd = 1 / sqrt(var + eps)` with the biased
 * variance, computed in two passes (mean, then the squared deviations).
 */
import type { TypedArray } from '../../tensor/dtype.js';

/** Writes `y = (x - mean)·rstd·weight[c] + bias[c]` for the `cpg` channels of `inner` elements starting at channel `c0`, row base `base`. */
function applyRow(
  y: TypedArray, x: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
  base: number, c0: number, cpg: number, inner: number, mu: number, rs: number,
): void {
  for (let j = 0; j < cpg; j++) {
    const w = weight === null ? 1 : weight[c0 + j]!;
    const b = bias === null ? 0 : bias[c0 + j]!;
    const o = base + j * inner;
    for (let l = 0; l < inner; l++) y[o + l] = (x[o + l]! - mu) * rs * w + b;
  }
}

export function groupNorm(
  y: TypedArray, mean: Float64Array, rstd: Float64Array, x: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
  batch: number, channels: number, inner: number, groups: number, eps: number,
): void {
  const cpg = channels / groups;
  const m = cpg * inner;
  for (let r = 0; r < batch * groups; r++) {
    const base = r * m;
    let s = 0;
    for (let i = 0; i < m; i++) s += x[base + i]!;
    const mu = s / m;
    let q = 0;
    for (let i = 0; i < m; i++) {
      const d = x[base + i]! - mu;
      q += d * d;
    }
    const rs = 1 / Math.sqrt(q / m + eps);
    mean[r] = mu;
    rstd[r] = rs;
    applyRow(y, x, weight, bias, base, (r % groups) * cpg, cpg, inner, mu, rs);
  }
}

export function groupNormBackward(
  dx: TypedArray | null, dweight: TypedArray | null, dbias: TypedArray | null, dy: TypedArray, x: TypedArray,
  mean: Float64Array, rstd: Float64Array, weight: TypedArray | null, batch: number, channels: number, inner: number, groups: number,
): void {
  const cpg = channels / groups;
  const m = cpg * inner;
  // NOTE: the weight and bias gradients sum over all rows in float64 and are added once, so float32 loses nothing per row.
  const accW = dweight === null ? null : new Float64Array(channels);
  const accB = dbias === null ? null : new Float64Array(channels);
  for (let r = 0; r < batch * groups; r++) {
    const base = r * m;
    const c0 = (r % groups) * cpg;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < cpg; j++) {
      const w = weight === null ? 1 : weight[c0 + j]!;
      const o = base + j * inner;
      let sd = 0;
      let sdx = 0;
      for (let l = 0; l < inner; l++) {
        const d = dy[o + l]!;
        const xh = (x[o + l]! - mu) * rs;
        sd += d;
        sdx += d * xh;
      }
      sg += sd * w;
      sgx += sdx * w;
      if (accW !== null) accW[c0 + j]! += sdx;
      if (accB !== null) accB[c0 + j]! += sd;
    }
    if (dx === null) continue;
    const a = sg / m;
    const b = sgx / m;
    for (let j = 0; j < cpg; j++) {
      const w = weight === null ? 1 : weight[c0 + j]!;
      const o = base + j * inner;
      for (let l = 0; l < inner; l++) {
        const xh = (x[o + l]! - mu) * rs;
        dx[o + l] = rs * (dy[o + l]! * w - a - xh * b);
      }
    }
  }
  if (accW !== null) for (let c = 0; c < channels; c++) dweight![c]! += accW[c]!;
  if (accB !== null) for (let c = 0; c < channels; c++) dbias![c]! += accB[c]!;
}

export function batchNorm(
  y: TypedArray, mean: Float64Array, rstd: Float64Array, x: TypedArray, weight: TypedArray | null, bias: TypedArray | null,
  batch: number, channels: number, inner: number, training: boolean, eps: number,
): void {
  if (training) {
    const m = batch * inner;
    // Memory order (n, c, l); each channel's sum still runs over n, then l.
    const s = new Float64Array(channels);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const o = (n * channels + c) * inner;
        let t = s[c]!;
        for (let l = 0; l < inner; l++) t += x[o + l]!;
        s[c] = t;
      }
    }
    for (let c = 0; c < channels; c++) mean[c] = s[c]! / m;
    s.fill(0);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const o = (n * channels + c) * inner;
        const mu = mean[c]!;
        let t = s[c]!;
        for (let l = 0; l < inner; l++) {
          const d = x[o + l]! - mu;
          t += d * d;
        }
        s[c] = t;
      }
    }
    for (let c = 0; c < channels; c++) rstd[c] = 1 / Math.sqrt(s[c]! / m + eps);
  }
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) applyRow(y, x, weight, bias, (n * channels + c) * inner, c, 1, inner, mean[c]!, rstd[c]!);
  }
}

export function batchNormBackward(
  dx: TypedArray | null, dweight: TypedArray | null, dbias: TypedArray | null, dy: TypedArray, x: TypedArray,
  mean: Float64Array, rstd: Float64Array, weight: TypedArray | null, batch: number, channels: number, inner: number, training: boolean,
): void {
  const m = batch * inner;
  const sd = new Float64Array(channels);
  const sdx = new Float64Array(channels);
  if (training || dweight !== null || dbias !== null) {
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        const o = (n * channels + c) * inner;
        const mu = mean[c]!;
        const rs = rstd[c]!;
        let a = sd[c]!;
        let b = sdx[c]!;
        for (let l = 0; l < inner; l++) {
          const d = dy[o + l]!;
          a += d;
          b += d * ((x[o + l]! - mu) * rs);
        }
        sd[c] = a;
        sdx[c] = b;
      }
    }
    if (dweight !== null) for (let c = 0; c < channels; c++) dweight[c]! += sdx[c]!;
    if (dbias !== null) for (let c = 0; c < channels; c++) dbias[c]! += sd[c]!;
  }
  if (dx === null) return;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const o = (n * channels + c) * inner;
      const mu = mean[c]!;
      const rs = rstd[c]!;
      const k = (weight === null ? 1 : weight[c]!) * rs;
      if (training) {
        const a = sd[c]! / m;
        const b = sdx[c]! / m;
        for (let l = 0; l < inner; l++) dx[o + l] = k * (dy[o + l]! - a - (x[o + l]! - mu) * rs * b);
      } else {
        for (let l = 0; l < inner; l++) dx[o + l] = k * dy[o + l]!;
      }
    }
  }
}
