import type { BinaryOp, StridedView, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { coalesce, forEachRow } from './strided.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * pow as C and PyTorch define it: JavaScript's Math.pow gives NaN for
 * pow(1, y) with y NaN or ±inf and for pow(-1, ±inf), where C gives 1.
 */
export function cPow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

/**
 * The error function, to ~4e-15: its Maclaurin series for |x| < 2.5 and the
 * continued fraction of erfc (evaluated with Lentz's method) beyond.
 */
export function erf(x: number): number {
  // NOTE: float64 gradcheck of exact GELU needs ~1e-15; Abramowitz–Stegun 7.1.26
  // (~1e-7) is too coarse. The series needs up to ~40 terms near |x| = 2.5
  // (JavaScript has no Math.erf), a cost only exact GELU pays.
  // erf(±inf) = ±1 (the continued fraction below would give inf / inf); NaN stays NaN.
  if (!Number.isFinite(x)) return x === x ? Math.sign(x) : x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = ax;
    let term = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

/**
 * One row of a unary op: `out[o + i] = op(x[xo + i·xs])` for `i < len`.
 * The switch runs once per row and every case is its own loop, so the
 * inner loops call no closures (Math builtins are inlined by the JIT).
 */
function unaryRow(op: UnaryOp, p0: number, p1: number, out: TypedArray, o: number, x: TypedArray, xo: number, xs: number, len: number): void {
  const end = o + len;
  switch (op) {
    case 'neg': for (; o < end; o++, xo += xs) out[o] = -x[xo]!; return;
    case 'exp': for (; o < end; o++, xo += xs) out[o] = Math.exp(x[xo]!); return;
    case 'log': for (; o < end; o++, xo += xs) out[o] = Math.log(x[xo]!); return;
    case 'log1p': for (; o < end; o++, xo += xs) out[o] = Math.log1p(x[xo]!); return;
    case 'expm1': for (; o < end; o++, xo += xs) out[o] = Math.expm1(x[xo]!); return;
    case 'sqrt': for (; o < end; o++, xo += xs) out[o] = Math.sqrt(x[xo]!); return;
    case 'rsqrt': for (; o < end; o++, xo += xs) out[o] = 1 / Math.sqrt(x[xo]!); return;
    case 'abs': for (; o < end; o++, xo += xs) out[o] = Math.abs(x[xo]!); return;
    case 'sign':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        // NOTE: sign(NaN) is 0, as PyTorch's (0 < v) - (v < 0); sign(-0) is +0.
        out[o] = v > 0 ? 1 : v < 0 ? -1 : 0;
      }
      return;
    case 'reciprocal': for (; o < end; o++, xo += xs) out[o] = 1 / x[xo]!; return;
    case 'square':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = v * v;
      }
      return;
    case 'sin': for (; o < end; o++, xo += xs) out[o] = Math.sin(x[xo]!); return;
    case 'cos': for (; o < end; o++, xo += xs) out[o] = Math.cos(x[xo]!); return;
    case 'floor': for (; o < end; o++, xo += xs) out[o] = Math.floor(x[xo]!); return;
    case 'ceil': for (; o < end; o++, xo += xs) out[o] = Math.ceil(x[xo]!); return;
    case 'round':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        const r = Math.round(v);
        // NOTE: PyTorch rounds half to even, Math.round rounds half up.
        out[o] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      }
      return;
    case 'relu':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        // NOTE: relu(NaN) is NaN in PyTorch; `v > 0 ? v : 0` would give 0.
        out[o] = v <= 0 ? 0 : v;
      }
      return;
    // NOTE: for x → -inf, exp(-x) overflows to inf and 1 / inf is the correct limit 0 (no NaN).
    case 'sigmoid': for (; o < end; o++, xo += xs) out[o] = 1 / (1 + Math.exp(-x[xo]!)); return;
    case 'tanh': for (; o < end; o++, xo += xs) out[o] = Math.tanh(x[xo]!); return;
    case 'gelu':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
      }
      return;
    case 'geluTanh':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
      }
      return;
    case 'silu':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = v / (1 + Math.exp(-v));
      }
      return;
    case 'logicalNot': for (; o < end; o++, xo += xs) out[o] = x[xo] === 0 ? 1 : 0; return;
    case 'isnan': for (; o < end; o++, xo += xs) out[o] = Number.isNaN(x[xo]) ? 1 : 0; return;
    case 'isfinite': for (; o < end; o++, xo += xs) out[o] = Number.isFinite(x[xo]) ? 1 : 0; return;
    case 'clamp': {
      // params [min, max]; NaN means no bound. NOTE: NaN inputs stay NaN, as in PyTorch's clamp.
      const hasLo = !Number.isNaN(p0);
      const hasHi = !Number.isNaN(p1);
      for (; o < end; o++, xo += xs) {
        let v = x[xo]!;
        if (hasLo && v < p0) v = p0;
        if (hasHi && v > p1) v = p1;
        out[o] = v;
      }
      return;
    }
    case 'softplus': {
      // params [beta, threshold]. NOTE: above the threshold softplus is the identity (PyTorch's rule).
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = v * p0 > p1 ? v : Math.log1p(Math.exp(v * p0)) / p0;
      }
      return;
    }
    case 'leakyRelu':
      for (; o < end; o++, xo += xs) {
        const v = x[xo]!;
        out[o] = v > 0 ? v : v * p0;
      }
      return;
  }
}

/** Default parameters of the parameterised unary ops. */
function unaryParams(op: UnaryOp, params: readonly number[] | undefined): [number, number] {
  switch (op) {
    case 'clamp': return [params?.[0] ?? NaN, params?.[1] ?? NaN];
    case 'softplus': return [params?.[0] ?? 1, params?.[1] ?? 20];
    case 'leakyRelu': return [params?.[0] ?? 0.01, 0];
    default: return [0, 0];
  }
}

/** One row of a binary op: `out[o + i] = a[ao + i·as] op b[bo + i·bs]`; the switch runs once per row. */
function binaryRow(op: BinaryOp, out: TypedArray, o: number, a: TypedArray, ao: number, as: number, b: TypedArray, bo: number, bs: number, len: number): void {
  const end = o + len;
  switch (op) {
    case 'add': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! + b[bo]!; return;
    case 'sub': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! - b[bo]!; return;
    case 'mul': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! * b[bo]!; return;
    case 'div': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! / b[bo]!; return;
    case 'pow': for (; o < end; o++, ao += as, bo += bs) out[o] = cPow(a[ao]!, b[bo]!); return;
    // NOTE: maximum/minimum propagate NaN as PyTorch does (Math.max does too).
    case 'maximum': for (; o < end; o++, ao += as, bo += bs) out[o] = Math.max(a[ao]!, b[bo]!); return;
    case 'minimum': for (; o < end; o++, ao += as, bo += bs) out[o] = Math.min(a[ao]!, b[bo]!); return;
    case 'eq': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao] === b[bo] ? 1 : 0; return;
    case 'ne': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao] !== b[bo] ? 1 : 0; return;
    case 'lt': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! < b[bo]! ? 1 : 0; return;
    case 'le': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! <= b[bo]! ? 1 : 0; return;
    case 'gt': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! > b[bo]! ? 1 : 0; return;
    case 'ge': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao]! >= b[bo]! ? 1 : 0; return;
    case 'logicalAnd': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao] !== 0 && b[bo] !== 0 ? 1 : 0; return;
    case 'logicalOr': for (; o < end; o++, ao += as, bo += bs) out[o] = a[ao] !== 0 || b[bo] !== 0 ? 1 : 0; return;
    case 'logicalXor': for (; o < end; o++, ao += as, bo += bs) out[o] = (a[ao] !== 0) !== (b[bo] !== 0) ? 1 : 0; return;
  }
}

/** `out = op(x)` element-wise over `shape`, `out` contiguous (the Backend contract's `unary`). */
export function unary(op: UnaryOp, out: TypedArray, x: StridedView, shape: readonly number[], params?: readonly number[]): void {
  const [p0, p1] = unaryParams(op, params);
  const c = coalesce(shape, [x.strides]);
  const xs = c.strides[0]![c.shape.length - 1] ?? 1;
  const xd = x.data;
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, x.offset, null, 0, null, 0, (xo, _1, _2, len) => {
    unaryRow(op, p0, p1, out, o, xd, xo, xs, len);
    o += len;
  });
}

/** `out = a op b` element-wise over the broadcast `shape` (broadcast dims have stride 0), `out` contiguous. */
export function binary(op: BinaryOp, out: TypedArray, a: StridedView, b: StridedView, shape: readonly number[]): void {
  const c = coalesce(shape, [a.strides, b.strides]);
  const last = c.shape.length - 1;
  const as = c.strides[0]![last] ?? 1;
  const bs = c.strides[1]![last] ?? 1;
  const ad = a.data;
  const bd = b.data;
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, a.offset, c.strides[1]!, b.offset, null, 0, (ao, bo, _2, len) => {
    binaryRow(op, out, o, ad, ao, as, bd, bo, bs, len);
    o += len;
  });
}

/** `out = cond ? a : b` element-wise over the broadcast `shape`, `out` contiguous. */
export function where(out: TypedArray, cond: StridedView, a: StridedView, b: StridedView, shape: readonly number[]): void {
  const c = coalesce(shape, [cond.strides, a.strides, b.strides]);
  const last = c.shape.length - 1;
  const cs = c.strides[0]![last] ?? 1;
  const as = c.strides[1]![last] ?? 1;
  const bs = c.strides[2]![last] ?? 1;
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, cond.offset, c.strides[1]!, a.offset, c.strides[2]!, b.offset, (co, ao, bo, len) => {
    for (let i = 0; i < len; i++, co += cs, ao += as, bo += bs) out[o + i] = cd[co] !== 0 ? ad[ao]! : bd[bo]!;
    o += len;
  });
}

/** Strided copy of `x` into `out` over `shape`, converting the element type (non-zero → 1 for bool). */
export function copy(out: StridedView, x: StridedView, shape: readonly number[]): void {
  const c = coalesce(shape, [out.strides, x.strides]);
  const last = c.shape.length - 1;
  const os = c.strides[0]![last] ?? 1;
  const xs = c.strides[1]![last] ?? 1;
  const od = out.data;
  const xd = x.data;
  const toBool = od instanceof Uint8Array && !(xd instanceof Uint8Array);
  forEachRow(c.shape, c.strides[0]!, out.offset, c.strides[1]!, x.offset, null, 0, (oo, xo, _2, len) => {
    if (toBool) {
      for (let i = 0; i < len; i++, oo += os, xo += xs) od[oo] = xd[xo] !== 0 ? 1 : 0;
    } else if (os === 1 && xs === 1 && od.constructor === xd.constructor) {
      od.set(xd.subarray(xo, xo + len) as never, oo);
    } else {
      for (let i = 0; i < len; i++, oo += os, xo += xs) od[oo] = xd[xo]!;
    }
  });
}

/** `out[start, start + length) = value` (non-zero → 1 for bool). */
export function fill(out: TypedArray, value: number, start: number, length: number): void {
  out.fill(out instanceof Uint8Array ? (value !== 0 ? 1 : 0) : value, start, start + length);
}

/**
 * Gradient of GELU at its input (Backend.geluBackward), in double: PyTorch's
 * gelu_backward formulas, `Φ(x) + x·φ(x)` or the tanh approximation's derivative.
 */
export function geluBackward(out: TypedArray, grad: TypedArray, x: TypedArray, n: number, tanh: boolean): void {
  if (tanh) {
    const k = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const v2 = v * v;
      const t = Math.tanh(k * (v + 0.044715 * v2 * v));
      out[i] = grad[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v2));
    }
    return;
  }
  const invSqrt2Pi = 1 / Math.sqrt(2 * Math.PI);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = grad[i]! * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * invSqrt2Pi);
  }
}

/**
 * Gradient of ReLU from its output: `out[i] = y[i] > 0 ? grad[i] : 0` for
 * `i < n`, all three arrays contiguous.
 */
export function reluBackward(out: TypedArray, grad: TypedArray, y: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) {
    // NOTE: written as PyTorch's threshold_backward, `y <= 0 ? 0 : grad`, so a NaN
    // output passes the gradient through (`NaN <= 0` is false) exactly as PyTorch does.
    out[i] = y[i]! <= 0 ? 0 : grad[i]!;
  }
}
