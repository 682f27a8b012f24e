/**
 * Softmax family over the middle axis of a contiguous `[outer, size, inner]`
 * array (the layout reductions use): softmax / log-softmax and their
 * backward, logsumexp, and the negative log-likelihood gather that turns
 * log-probabilities into cross-entropy.
 */
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * `out = softmax(x)` (or `log_softmax` when `log`) over the middle axis.
 * The `inner === 1` case (the last dimension, as in a classifier) walks each
 * row with stride 1; otherwise `inner` columns are processed side by side so
 * memory is still read in order.
 */
export function softmax(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number, log: boolean): void {
  if (size === 0) return;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      const end = base + size;
      let max = -Infinity;
      for (let p = base; p < end; p++) {
        const v = x[p]!;
        if (v > max || Number.isNaN(v)) max = v;
      }
      // NOTE: shifting by the row max keeps exp() from overflowing; a row that
      // is all -inf has max -inf, so x - max is NaN and the result NaN, as in PyTorch.
      let sum = 0;
      if (log) {
        for (let p = base; p < end; p++) sum += Math.exp(x[p]! - max);
        // NOTE: (x - max) - log(sum) rather than x - (max + log(sum)): PyTorch's order, which keeps the large terms cancelling first.
        const lse = Math.log(sum);
        for (let p = base; p < end; p++) out[p] = x[p]! - max - lse;
      } else {
        for (let p = base; p < end; p++) {
          const e = Math.exp(x[p]! - max);
          out[p] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let p = base; p < end; p++) out[p]! *= inv;
      }
    }
    return;
  }
  const mx = new Float64Array(inner);
  const sm = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    mx.fill(-Infinity);
    sm.fill(0);
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) {
        const v = x[row + j]!;
        if (v > mx[j]! || Number.isNaN(v)) mx[j] = v;
      }
    }
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) {
        const e = Math.exp(x[row + j]! - mx[j]!);
        if (!log) out[row + j] = e;
        sm[j]! += e;
      }
    }
    if (log) {
      for (let j = 0; j < inner; j++) sm[j] = Math.log(sm[j]!);
      for (let i = 0; i < size; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) out[row + j] = x[row + j]! - mx[j]! - sm[j]!;
      }
    } else {
      for (let j = 0; j < inner; j++) sm[j] = 1 / sm[j]!;
      for (let i = 0; i < size; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) out[row + j]! *= sm[j]!;
      }
    }
  }
}

/**
 * Gradient of softmax / log-softmax given the forward output `y` and the
 * output gradient `g`:
 * softmax: `g_x = y · (g - Σ g·y)`; log-softmax: `g_x = g - exp(y) · Σ g`.
 */
export function softmaxBackward(
  out: TypedArray, grad: TypedArray, y: TypedArray, outer: number, size: number, inner: number, log: boolean,
): void {
  if (size === 0) return;
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    acc.fill(0);
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      if (log) for (let j = 0; j < inner; j++) acc[j]! += grad[row + j]!;
      else for (let j = 0; j < inner; j++) acc[j]! += grad[row + j]! * y[row + j]!;
    }
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      if (log) for (let j = 0; j < inner; j++) out[row + j] = grad[row + j]! - Math.exp(y[row + j]!) * acc[j]!;
      else for (let j = 0; j < inner; j++) out[row + j] = y[row + j]! * (grad[row + j]! - acc[j]!);
    }
  }
}

/** `out[o, j] = log Σ_i exp(x[o, i, j])`, shifted by the max for stability. */
export function logsumexp(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let j = 0; j < inner; j++) {
      let max = -Infinity;
      for (let i = 0, p = base + j; i < size; i++, p += inner) {
        const v = x[p]!;
        if (v > max || Number.isNaN(v)) max = v;
      }
      // NOTE: an infinite max is not subtracted (PyTorch masks it to 0): a
      // row of -inf gives log(0) = -inf and a +inf gives +inf, not NaN.
      // An empty row gives -inf (log of an empty sum).
      const shift = Number.isFinite(max) ? max : 0;
      let sum = 0;
      for (let i = 0, p = base + j; i < size; i++, p += inner) sum += Math.exp(x[p]! - shift);
      out[o * inner + j] = Math.log(sum) + shift;
    }
  }
}

/**
 * Negative log-likelihood gather: for each `(n, j)` with class
 * `t = target[n·inner + j]`, `loss = -w[t] · logp[n, t, j]` and
 * `weightOut = w[t]` (w ≡ 1 without `weight`); both are 0 where
 * `t === ignoreIndex`. Targets are validated by the op layer.
 */
export function nllLoss(
  outLoss: TypedArray, outWeight: TypedArray, logp: TypedArray, target: Int32Array, weight: TypedArray | null,
  batch: number, classes: number, inner: number, ignoreIndex: number,
): void {
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < inner; j++) {
      const e = n * inner + j;
      const t = target[e]!;
      if (t === ignoreIndex) {
        outLoss[e] = 0;
        outWeight[e] = 0;
        continue;
      }
      const w = weight === null ? 1 : weight[t]!;
      outLoss[e] = -w * logp[(n * classes + t) * inner + j]!;
      outWeight[e] = w;
    }
  }
}

/** Backward of `nllLoss`: `out[n, t, j] = -w[t] · grad[n·inner + j]`; `out` must be zeroed by the caller. */
export function nllLossBackward(
  out: TypedArray, grad: TypedArray, target: Int32Array, weight: TypedArray | null,
  batch: number, classes: number, inner: number, ignoreIndex: number,
): void {
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < inner; j++) {
      const e = n * inner + j;
      const t = target[e]!;
      if (t === ignoreIndex) continue;
      const w = weight === null ? 1 : weight[t]!;
      out[(n * classes + t) * inner + j] = -w * grad[e]!;
    }
  }
}
