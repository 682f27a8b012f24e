/**
 * Valid calls of each raw addon function, for the fuzz test to mutate. Every
 * array is a window into a larger buffer filled with a sentinel, so a write
 * outside the window is detected after the call.
 */
import type { TypedArray } from '../../src/tensor/dtype.js';
import { Rng } from './random.js';

export interface Guarded {
  readonly whole: TypedArray;
  readonly view: TypedArray;
  readonly start: number;
  readonly end: number;
  readonly sentinel: number;
}

export interface Call {
  args: unknown[];
  arrays: Guarded[];
  meta: Float64Array | null;
  metaIndex: number;
}

const MARGIN = 16;
type Kind = 'f32' | 'f64' | 'i32' | 'u8';
const CTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array };

function guarded(rng: Rng, kind: Kind, n: number): Guarded {
  const whole = new CTORS[kind](n + 2 * MARGIN);
  const sentinel = kind === 'u8' ? 77 : 12345;
  whole.fill(sentinel);
  const view = whole.subarray(MARGIN, MARGIN + n);
  for (let i = 0; i < n; i++) view[i] = kind === 'u8' ? rng.int(0, 1) : kind === 'i32' ? rng.int(0, 3) : rng.normal();
  return { whole, view, start: MARGIN, end: MARGIN + n, sentinel };
}

/** A fresh guarded copy of the first `n` elements of `g`. */
export function shorten(g: Guarded, n: number): Guarded {
  const whole = new (g.whole.constructor as new (n: number) => TypedArray)(n + 2 * MARGIN);
  whole.fill(g.sentinel);
  const view = whole.subarray(MARGIN, MARGIN + n);
  view.set(g.view.subarray(0, n) as never);
  return { whole, view, start: MARGIN, end: MARGIN + n, sentinel: g.sentinel };
}

class Builder {
  arrays: Guarded[] = [];
  constructor(readonly rng: Rng) {}
  array(kind: Kind, n: number): TypedArray {
    const g = guarded(this.rng, kind, n);
    this.arrays.push(g);
    return g.view;
  }
  call(args: unknown[], metaIndex = -1): Call {
    const meta = metaIndex >= 0 ? (args[metaIndex] as Float64Array) : null;
    return { args, arrays: this.arrays, meta, metaIndex };
  }
}

function shape(rng: Rng): number[] {
  return Array.from({ length: rng.int(0, 3) }, () => rng.int(0, 5));
}

/** A strided layout of `shape`: [offset, strides, needed length]. */
function layout(rng: Rng, sh: number[], broadcast: boolean): { offset: number; strides: number[]; size: number } {
  const order = sh.map((_, i) => i).sort(() => rng.next() - 0.5);
  const strides = sh.map(() => 0);
  let step = 1;
  for (let i = sh.length - 1; i >= 0; i--) {
    const d = order[i]!;
    if (broadcast && rng.next() < 0.2) continue;
    strides[d] = step;
    step *= sh[d]! + rng.int(0, 1);
  }
  const offset = rng.int(0, 2);
  let size = offset + 1;
  sh.forEach((n, d) => (size += Math.max(0, (n - 1) * strides[d]!)));
  return { offset, strides, size };
}

function viewsMeta(sh: number[], views: { offset: number; strides: number[] }[]): Float64Array {
  return Float64Array.from([sh.length, ...sh, ...views.flatMap((v) => [v.offset, ...v.strides])]);
}

const FLOAT: Kind[] = ['f32', 'f64'];
const ALL: Kind[] = ['f32', 'f64', 'i32', 'u8'];

/**
 * A valid gather/scatterAdd set-up: the index's shape (at least 1-D), the
 * indexed dimension, the indexed view's layout (its size along dim replaced
 * by `size`) and an index array whose every value is in [0, size).
 */
function gatherSetup(b: Builder, rng: Rng) {
  const sh = Array.from({ length: rng.int(1, 3) }, () => rng.int(0, 4));
  const dim = rng.int(0, sh.length - 1);
  const size = rng.int(1, 5);
  const target = layout(rng, sh.map((n, d) => (d === dim ? size : n)), false);
  const ix = layout(rng, sh, true);
  const index = b.array('i32', ix.size);
  for (let i = 0; i < index.length; i++) index[i] = rng.int(0, size - 1);
  return { sh, dim, target, ix, index };
}

export const entryBuilders: Record<string, (rng: Rng) => Call> = {
  gather(rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const { sh, dim, target, ix, index } = gatherSetup(b, rng);
    const out = b.array(kind, sh.reduce((a, n) => a * n, 1));
    const x = b.array(kind, target.size);
    return b.call([out, x, index, viewsMeta(sh, [target, ix]), dim], 3);
  },
  scatterAdd(rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const { sh, dim, target, ix, index } = gatherSetup(b, rng);
    const src = layout(rng, sh, true);
    const out = b.array(kind, target.size);
    return b.call([out, index, b.array(kind, src.size), viewsMeta(sh, [target, ix, src]), dim], 3);
  },
  copy(rng) {
    const b = new Builder(rng);
    const sh = shape(rng);
    const o = layout(rng, sh, false);
    const x = layout(rng, sh, true);
    const out = b.array(rng.pick(ALL), o.size);
    const xa = b.array(rng.pick(ALL), x.size);
    return b.call([out, xa, viewsMeta(sh, [o, x])], 2);
  },
  unary(rng) {
    const b = new Builder(rng);
    const op = rng.int(0, 27);
    const kind = rng.pick(FLOAT);
    const sh = shape(rng);
    const x = layout(rng, sh, true);
    const n = sh.reduce((p, q) => p * q, 1);
    const out = b.array(op >= 22 && op <= 24 ? 'u8' : kind, n);
    const xa = b.array(kind, x.size);
    return b.call([op, out, xa, viewsMeta(sh, [x]), rng.normal(), rng.normal()], 3);
  },
  binary(rng) {
    const b = new Builder(rng);
    const op = rng.int(0, 15);
    const kind = rng.pick(FLOAT);
    const sh = shape(rng);
    const x = layout(rng, sh, true);
    const y = layout(rng, sh, true);
    const n = sh.reduce((p, q) => p * q, 1);
    const out = b.array(op >= 7 ? 'u8' : kind, n);
    return b.call([op, out, b.array(kind, x.size), b.array(kind, y.size), viewsMeta(sh, [x, y])], 4);
  },
  where(rng) {
    const b = new Builder(rng);
    const kind = rng.pick(ALL);
    const sh = shape(rng);
    const c = layout(rng, sh, true);
    const x = layout(rng, sh, true);
    const y = layout(rng, sh, true);
    const n = sh.reduce((p, q) => p * q, 1);
    const out = b.array(kind, n);
    return b.call([out, b.array('u8', c.size), b.array(kind, x.size), b.array(kind, y.size), viewsMeta(sh, [c, x, y])], 4);
  },
  reduce(rng) {
    const b = new Builder(rng);
    const op = rng.int(0, 5);
    const kind = rng.pick(FLOAT);
    const [outer, size, inner] = [rng.int(0, 4), rng.int(1, 6), rng.int(0, 4)];
    const out = b.array(op >= 4 && rng.next() < 0.5 ? 'i32' : kind, outer * inner);
    return b.call([op, out, b.array(kind, outer * size * inner), outer, size, inner]);
  },
  matmul(rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [batch, m, n, k] = [rng.int(1, 3), rng.int(0, 20), rng.int(0, 20), rng.int(0, 20)];
    const ta = rng.next() < 0.5;
    const tb = rng.next() < 0.5;
    // flags: 1 accumulate, 2 sum over the batch into one [m, n] result (no bias then).
    const flags = rng.int(0, 3);
    const out = b.array(kind, (flags & 2) !== 0 ? m * n : batch * m * n);
    const a = b.array(kind, batch * m * k);
    const bb = b.array(kind, batch * k * n);
    const withBias = (flags & 2) === 0 && rng.next() < 0.5;
    const meta = Float64Array.from([
      batch, m, n, k, flags,
      0, m * k, ta ? 1 : k, ta ? m : 1,
      0, k * n, tb ? 1 : n, tb ? k : 1,
      ...(withBias ? [0, 0, 0, 1] : []),
    ]);
    if (!withBias) return b.call([out, a, bb, meta], 3);
    // A per-column bias: [batch, m, n] view with zero batch and row strides.
    return b.call([out, a, bb, meta, b.array(kind, n)], 3);
  },
};

function osi(rng: Rng): [number, number, number] {
  return [rng.int(0, 4), rng.int(0, 6), rng.int(0, 3)];
}

function convGeo(rng: Rng): number[] {
  const [batch, channels, height, width] = [rng.int(0, 2), rng.int(0, 2), rng.int(0, 6), rng.int(0, 6)];
  const [kh, kw, sh, sw, ph, pw, dh, dw] = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 2), rng.int(1, 2), rng.int(0, 1), rng.int(0, 1), rng.int(1, 2), rng.int(1, 2)];
  const oh = Math.max(0, Math.floor((height + 2 * ph - dh * (kh - 1) - 1) / sh) + 1);
  const ow = Math.max(0, Math.floor((width + 2 * pw - dw * (kw - 1) - 1) / sw) + 1);
  return [batch, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow];
}

/** A group of `n` parameters with gradients and `states` state lists (arrays of typed arrays). */
function optimGroup(b: Builder, rng: Rng, states: number): { lists: TypedArray[][]; n: number } {
  const kind = rng.pick(FLOAT);
  const n = rng.int(0, 3);
  const sizes = Array.from({ length: n }, () => rng.int(0, 40));
  const lists = Array.from({ length: 2 + states }, () => sizes.map((s) => b.array(kind, s)));
  return { lists, n };
}

Object.assign(entryBuilders, {
  reluBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const n = rng.int(0, 40);
    return b.call([b.array(kind, n), b.array(kind, n), b.array(kind, n), n]);
  },
  geluBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const n = rng.int(0, 40);
    return b.call([b.array(kind, n), b.array(kind, n), b.array(kind, n), n, rng.next() < 0.5]);
  },
  softmax(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [o, s, i] = osi(rng);
    return b.call([b.array(kind, o * s * i), b.array(kind, o * s * i), o, s, i, rng.next() < 0.5]);
  },
  softmaxBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [o, s, i] = osi(rng);
    return b.call([b.array(kind, o * s * i), b.array(kind, o * s * i), b.array(kind, o * s * i), o, s, i, rng.next() < 0.5]);
  },
  im2col(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng);
    const cols = g[0]! * g[1]! * g[4]! * g[5]! * g[12]! * g[13]!;
    return b.call([b.array(kind, cols), b.array(kind, g[0]! * g[1]! * g[2]! * g[3]!), Float64Array.from(g)], 2);
  },
  col2im(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng);
    const cols = g[0]! * g[1]! * g[4]! * g[5]! * g[12]! * g[13]!;
    return b.call([b.array(kind, g[0]! * g[1]! * g[2]! * g[3]!), b.array(kind, cols), Float64Array.from(g)], 2);
  },
  depthwiseConv2d(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng);
    const mult = rng.int(1, 2);
    const oc = g[1]! * mult;
    const bias = rng.next() < 0.5 ? b.array(kind, oc) : null;
    return b.call([b.array(kind, g[0]! * oc * g[12]! * g[13]!), b.array(kind, g[0]! * g[1]! * g[2]! * g[3]!), b.array(kind, oc * g[4]! * g[5]!), bias, Float64Array.from(g), mult], 4);
  },
  depthwiseConv2dBackwardInput(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng);
    const mult = rng.int(1, 2);
    const oc = g[1]! * mult;
    return b.call([b.array(kind, g[0]! * g[1]! * g[2]! * g[3]!), b.array(kind, g[0]! * oc * g[12]! * g[13]!), b.array(kind, oc * g[4]! * g[5]!), Float64Array.from(g), mult], 3);
  },
  depthwiseConv2dBackwardWeight(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng);
    const mult = rng.int(1, 2);
    const oc = g[1]! * mult;
    return b.call([b.array(kind, oc * g[4]! * g[5]!), b.array(kind, g[0]! * oc * g[12]! * g[13]!), b.array(kind, g[0]! * g[1]! * g[2]! * g[3]!), Float64Array.from(g), mult], 3);
  },
  maxPool2d(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng).slice(1); // [channels→planes, height, width, window…, outH, outW]
    const n = g[0]! * g[11]! * g[12]!;
    return b.call([b.array(kind, n), b.array('i32', n), b.array(kind, g[0]! * g[1]! * g[2]!), Float64Array.from(g)], 3);
  },
  maxPool2dBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [planes, inPlane, outPlane] = [rng.int(0, 3), rng.int(0, 9), rng.int(0, 5)];
    const idx = b.array('i32', planes * outPlane);
    for (let i = 0; i < idx.length; i++) idx[i] = rng.int(-3, inPlane + 3);
    return b.call([b.array(kind, planes * inPlane), b.array(kind, planes * outPlane), idx, planes, inPlane, outPlane]);
  },
  avgPool2d(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng).slice(1); // [channels→planes, height, width, window…, outH, outW]
    const args = [b.array(kind, g[0]! * g[11]! * g[12]!), b.array(kind, g[0]! * g[1]! * g[2]!), Float64Array.from(g)];
    return b.call([...args, rng.next() < 0.5, rng.pick([0, 0, 3, -2])], 2);
  },
  avgPool2dBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const g = convGeo(rng).slice(1);
    const args = [b.array(kind, g[0]! * g[1]! * g[2]!), b.array(kind, g[0]! * g[11]! * g[12]!), Float64Array.from(g)];
    return b.call([...args, rng.next() < 0.5, rng.pick([0, 0, 3, -2])], 2);
  },
  sgdStep(rng: Rng) {
    const b = new Builder(rng);
    const { lists, n } = optimGroup(b, rng, 1);
    const hyper = Float64Array.of(0.1, rng.pick([0, 0.9]), 0, 0.01, rng.int(0, 1), rng.int(0, 1));
    return b.call([lists[0], lists[1], lists[2], b.array('u8', n), hyper], 4);
  },
  adamStep(rng: Rng) {
    const b = new Builder(rng);
    const { lists, n } = optimGroup(b, rng, 3);
    const steps = b.array('f64', n);
    for (let i = 0; i < n; i++) steps[i] = rng.int(1, 5);
    const hyper = Float64Array.of(1e-3, 0.9, 0.999, 1e-8, 0.01, rng.int(0, 1), rng.int(0, 1), rng.int(0, 1));
    return b.call([lists[0], lists[1], lists[2], lists[3], lists[4], steps, hyper], 6);
  },
  rmspropStep(rng: Rng) {
    const b = new Builder(rng);
    const { lists } = optimGroup(b, rng, 3);
    const hyper = Float64Array.of(1e-2, 0.99, 1e-8, 0, rng.pick([0, 0.9]), rng.int(0, 1), rng.int(0, 1));
    return b.call([lists[0], lists[1], lists[2], lists[3], lists[4], hyper], 5);
  },
  adagradStep(rng: Rng) {
    const b = new Builder(rng);
    const { lists, n } = optimGroup(b, rng, 1);
    const steps = b.array('f64', n);
    for (let i = 0; i < n; i++) steps[i] = rng.int(1, 5);
    return b.call([lists[0], lists[1], lists[2], steps, Float64Array.of(1e-2, 0, 0, 1e-10, 0)], 4);
  },
});

function indices(b: Builder, rng: Rng, n: number, lo: number, hi: number): TypedArray {
  const a = b.array('i32', n);
  for (let i = 0; i < n; i++) a[i] = rng.int(lo, hi);
  return a;
}

Object.assign(entryBuilders, {
  indexSelect(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [o, s, i] = [rng.int(0, 3), rng.int(1, 5), rng.int(0, 3)];
    const n = rng.int(0, 6);
    return b.call([b.array(kind, o * n * i), b.array(kind, o * s * i), indices(b, rng, n, 0, s - 1), o, s, i]);
  },
  indexAdd(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [o, s, i] = [rng.int(0, 3), rng.int(1, 5), rng.int(0, 3)];
    const n = rng.int(0, 6);
    return b.call([b.array(kind, o * s * i), b.array(kind, o * n * i), indices(b, rng, n, 0, s - 1), o, s, i]);
  },
  nllLoss(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, i] = [rng.int(0, 4), rng.int(1, 6), rng.int(1, 3)];
    const weight = rng.next() < 0.5 ? null : b.array(kind, c);
    return b.call([b.array(kind, n * i), b.array(kind, n * i), b.array(kind, n * c * i), indices(b, rng, n * i, -1, c - 1), weight, n, c, i, -1]);
  },
  nllLossBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, i] = [rng.int(0, 4), rng.int(1, 6), rng.int(1, 3)];
    const weight = rng.next() < 0.5 ? null : b.array(kind, c);
    return b.call([b.array(kind, n * c * i), b.array(kind, n * i), indices(b, rng, n * i, -1, c - 1), weight, n, c, i, -1]);
  },
  logsumexp(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [o, s, i] = osi(rng);
    return b.call([b.array(kind, o * i), b.array(kind, o * s * i), o, s, i]);
  },
});

/** Norm sizes `[batch, channels, inner, groups]` with groups dividing channels. */
function normDims(rng: Rng): [number, number, number, number] {
  const groups = rng.int(1, 3);
  return [rng.int(0, 4), groups * rng.int(0, 3), rng.int(0, 4), groups];
}

Object.assign(entryBuilders, {
  adaptiveAvgPool2d(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [planes, h, w, oh, ow] = [rng.int(0, 3), rng.int(0, 6), rng.int(0, 6), rng.int(0, 5), rng.int(0, 5)];
    return b.call([b.array(kind, planes * oh * ow), b.array(kind, planes * h * w), planes, h, w, oh, ow]);
  },
  adaptiveAvgPool2dBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [planes, h, w, oh, ow] = [rng.int(0, 3), rng.int(0, 6), rng.int(0, 6), rng.int(0, 5), rng.int(0, 5)];
    return b.call([b.array(kind, planes * h * w), b.array(kind, planes * oh * ow), planes, h, w, oh, ow]);
  },
  groupNorm(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, l, g] = normDims(rng);
    const opt = () => (rng.next() < 0.5 ? null : b.array(kind, c));
    return b.call([b.array(kind, n * c * l), b.array('f64', n * g), b.array('f64', n * g), b.array(kind, n * c * l), opt(), opt(), n, c, l, g, 1e-5]);
  },
  groupNormBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, l, g] = normDims(rng);
    const opt = (len: number) => (rng.next() < 0.3 ? null : b.array(kind, len));
    return b.call([opt(n * c * l), opt(c), opt(c), b.array(kind, n * c * l), b.array(kind, n * c * l), b.array('f64', n * g), b.array('f64', n * g), opt(c), n, c, l, g]);
  },
  batchNorm(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, l] = normDims(rng);
    const opt = () => (rng.next() < 0.5 ? null : b.array(kind, c));
    return b.call([b.array(kind, n * c * l), b.array('f64', c), b.array('f64', c), b.array(kind, n * c * l), opt(), opt(), n, c, l, rng.next() < 0.5, 1e-5]);
  },
  batchNormBackward(rng: Rng) {
    const b = new Builder(rng);
    const kind = rng.pick(FLOAT);
    const [n, c, l] = normDims(rng);
    const opt = (len: number) => (rng.next() < 0.3 ? null : b.array(kind, len));
    return b.call([opt(n * c * l), opt(c), opt(c), b.array(kind, n * c * l), b.array(kind, n * c * l), b.array('f64', c), b.array('f64', c), opt(c), n, c, l, rng.next() < 0.5]);
  },
});
