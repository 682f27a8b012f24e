import type { BinaryOp, StridedView, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { coalesce, forEachRow } from './strided.js';

type Row = (out: TypedArray, o: number, x: TypedArray, xo: number, xs: number, len: number) => void;
type Row2 = (out: TypedArray, o: number, a: TypedArray, ao: number, as: number, b: TypedArray, bo: number, bs: number, len: number) => void;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Error function (Abramowitz–Stegun 7.1.26 is too coarse for float64 gradcheck; this is W. J. Cody's rational approximation via erfc). */
export function erf(x: number): number {
  // NOTE: series for small |x|, continued fraction (Lentz) for the tail;
  // accurate to ~1e-15, which float64 gradcheck of exact GELU needs.
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

function unaryRow(fn: (v: number) => number): Row {
  // Each call of unaryRow makes a distinct closure, so `fn` stays monomorphic
  // inside its loop and V8 can inline it.
  return (out, o, x, xo, xs, len) => {
    for (let i = 0; i < len; i++, xo += xs) out[o + i] = fn(x[xo]!);
  };
}

function paramRow(op: UnaryOp, params: readonly number[]): Row {
  switch (op) {
    case 'clamp': {
      const lo = params[0] ?? NaN;
      const hi = params[1] ?? NaN;
      const hasLo = !Number.isNaN(lo);
      const hasHi = !Number.isNaN(hi);
      return (out, o, x, xo, xs, len) => {
        for (let i = 0; i < len; i++, xo += xs) {
          let v = x[xo]!;
          // NOTE: NaN stays NaN, as in PyTorch's clamp.
          if (hasLo && v < lo) v = lo;
          if (hasHi && v > hi) v = hi;
          out[o + i] = v;
        }
      };
    }
    case 'softplus': {
      const beta = params[0] ?? 1;
      const threshold = params[1] ?? 20;
      return unaryRow((v) => (v * beta > threshold ? v : Math.log1p(Math.exp(v * beta)) / beta));
    }
    case 'leakyRelu': {
      const slope = params[0] ?? 0.01;
      return unaryRow((v) => (v > 0 ? v : v * slope));
    }
    default:
      return UNARY[op];
  }
}

const UNARY: Record<UnaryOp, Row> = {
  neg: unaryRow((v) => -v),
  exp: unaryRow(Math.exp),
  log: unaryRow(Math.log),
  log1p: unaryRow(Math.log1p),
  expm1: unaryRow(Math.expm1),
  sqrt: unaryRow(Math.sqrt),
  rsqrt: unaryRow((v) => 1 / Math.sqrt(v)),
  abs: unaryRow(Math.abs),
  sign: unaryRow((v) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN)),
  reciprocal: unaryRow((v) => 1 / v),
  square: unaryRow((v) => v * v),
  sin: unaryRow(Math.sin),
  cos: unaryRow(Math.cos),
  floor: unaryRow(Math.floor),
  ceil: unaryRow(Math.ceil),
  // NOTE: PyTorch rounds half to even, Math.round rounds half up.
  round: unaryRow((v) => {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }),
  // NOTE: relu(NaN) is NaN in PyTorch; `v > 0 ? v : 0` would give 0.
  relu: unaryRow((v) => (v <= 0 ? 0 : v)),
  sigmoid: unaryRow((v) => 1 / (1 + Math.exp(-v))),
  tanh: unaryRow(Math.tanh),
  gelu: unaryRow((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
  geluTanh: unaryRow((v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))),
  silu: unaryRow((v) => v / (1 + Math.exp(-v))),
  logicalNot: unaryRow((v) => (v === 0 ? 1 : 0)),
  isnan: unaryRow((v) => (Number.isNaN(v) ? 1 : 0)),
  isfinite: unaryRow((v) => (Number.isFinite(v) ? 1 : 0)),
  clamp: unaryRow((v) => v),
  softplus: unaryRow((v) => (v > 20 ? v : Math.log1p(Math.exp(v)))),
  leakyRelu: unaryRow((v) => (v > 0 ? v : v * 0.01)),
};

function binaryRow(fn: (a: number, b: number) => number): Row2 {
  return (out, o, a, ao, as, b, bo, bs, len) => {
    for (let i = 0; i < len; i++, ao += as, bo += bs) out[o + i] = fn(a[ao]!, b[bo]!);
  };
}

const BINARY: Record<BinaryOp, Row2> = {
  add: (out, o, a, ao, as, b, bo, bs, len) => {
    for (let i = 0; i < len; i++, ao += as, bo += bs) out[o + i] = a[ao]! + b[bo]!;
  },
  sub: (out, o, a, ao, as, b, bo, bs, len) => {
    for (let i = 0; i < len; i++, ao += as, bo += bs) out[o + i] = a[ao]! - b[bo]!;
  },
  mul: (out, o, a, ao, as, b, bo, bs, len) => {
    for (let i = 0; i < len; i++, ao += as, bo += bs) out[o + i] = a[ao]! * b[bo]!;
  },
  div: (out, o, a, ao, as, b, bo, bs, len) => {
    for (let i = 0; i < len; i++, ao += as, bo += bs) out[o + i] = a[ao]! / b[bo]!;
  },
  pow: binaryRow(Math.pow),
  // NOTE: maximum/minimum propagate NaN as PyTorch does (Math.max does too).
  maximum: binaryRow(Math.max),
  minimum: binaryRow(Math.min),
  eq: binaryRow((x, y) => (x === y ? 1 : 0)),
  ne: binaryRow((x, y) => (x !== y ? 1 : 0)),
  lt: binaryRow((x, y) => (x < y ? 1 : 0)),
  le: binaryRow((x, y) => (x <= y ? 1 : 0)),
  gt: binaryRow((x, y) => (x > y ? 1 : 0)),
  ge: binaryRow((x, y) => (x >= y ? 1 : 0)),
  logicalAnd: binaryRow((x, y) => (x !== 0 && y !== 0 ? 1 : 0)),
  logicalOr: binaryRow((x, y) => (x !== 0 || y !== 0 ? 1 : 0)),
  logicalXor: binaryRow((x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0)),
};

export function unary(op: UnaryOp, out: TypedArray, x: StridedView, shape: readonly number[], params?: readonly number[]): void {
  const row = params ? paramRow(op, params) : UNARY[op];
  const c = coalesce(shape, [x.strides]);
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, x.offset, null, 0, null, 0, (xo, _1, _2, len) => {
    row(out, o, x.data, xo, c.strides[0]![c.shape.length - 1] ?? 1, len);
    o += len;
  });
}

export function binary(op: BinaryOp, out: TypedArray, a: StridedView, b: StridedView, shape: readonly number[]): void {
  const row = BINARY[op];
  const c = coalesce(shape, [a.strides, b.strides]);
  const last = c.shape.length - 1;
  const as = c.strides[0]![last] ?? 1;
  const bs = c.strides[1]![last] ?? 1;
  let o = 0;
  forEachRow(c.shape, c.strides[0]!, a.offset, c.strides[1]!, b.offset, null, 0, (ao, bo, _2, len) => {
    row(out, o, a.data, ao, as, b.data, bo, bs, len);
    o += len;
  });
}

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

export function fill(out: TypedArray, value: number, start: number, length: number): void {
  out.fill(out instanceof Uint8Array ? (value !== 0 ? 1 : 0) : value, start, start + length);
}
