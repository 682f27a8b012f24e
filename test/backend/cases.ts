/**
 * Random cases for every Backend entry, used by the parity test: each case
 * builds its inputs from its own seed (so js and native see the same arrays),
 * runs one entry, and returns the arrays the entry wrote.
 */
import type { Backend, BinaryOp, MatrixView, Pool2dGeometry, ReduceOp, StridedView, UnaryOp } from '../../src/backend/backend.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { Rng, floats, zerosOf, type FloatKind } from './random.js';

export interface Case {
  readonly name: string;
  /** Absolute tolerance for float32 outputs when the default (2e-5) is too tight (long sums). */
  readonly atol32?: number;
  run(b: Backend): TypedArray[];
}

type Entry = Exclude<keyof Backend, 'name'>;

const KINDS: readonly FloatKind[] = ['float32', 'float64'];

/** A random shape: mostly small, sometimes large enough to use several threads. */
export function randomShape(rng: Rng, big = false): number[] {
  const nd = rng.int(0, 4);
  const shape = Array.from({ length: nd }, () => rng.int(rng.next() < 0.1 ? 0 : 1, 6));
  if (big && nd > 0) shape[nd - 1] = rng.int(20000, 70000);
  return shape;
}

/**
 * A strided view of `shape` over a fresh buffer: dimensions laid out in a
 * random order with gaps, a random offset, and (when `broadcast`) some
 * stride-0 dimensions.
 */
export function randomView<T extends TypedArray>(
  rng: Rng, shape: readonly number[], make: (n: number) => T, broadcast: boolean,
): StridedView & { data: T } {
  const nd = shape.length;
  const order = Array.from({ length: nd }, (_, i) => i).sort(() => rng.next() - 0.5);
  const strides = new Array<number>(nd).fill(0);
  let step = 1;
  for (let i = nd - 1; i >= 0; i--) {
    const d = order[i]!;
    if (broadcast && rng.next() < 0.2) continue;
    strides[d] = step;
    step *= shape[d]! + (rng.next() < 0.3 ? 1 : 0);
  }
  const offset = rng.int(0, 3);
  let size = offset + 1;
  shape.forEach((n, d) => (size += Math.max(0, (n - 1) * strides[d]!)));
  return { data: make(size), offset, strides };
}

const UNARY: readonly UnaryOp[] = [
  'neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'abs', 'sign', 'reciprocal', 'square', 'sin', 'cos',
  'floor', 'ceil', 'round', 'relu', 'sigmoid', 'tanh', 'gelu', 'geluTanh', 'silu', 'logicalNot', 'isnan',
  'isfinite', 'clamp', 'softplus', 'leakyRelu',
];
const BINARY: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd',
  'logicalOr', 'logicalXor',
];
const REDUCE: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];
const BOOL_UNARY = new Set(['logicalNot', 'isnan', 'isfinite']);

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Sprinkles special values (0, ±inf, NaN, ±0.5) into float data. */
function specials(rng: Rng, a: TypedArray): void {
  const vals = [0, -0, Infinity, -Infinity, NaN, 0.5, -0.5, 1, -1, 2.5];
  for (let i = 0; i < a.length; i++) if (rng.next() < 0.05) a[i] = rng.pick(vals);
}

const DTYPE_MAKERS: Record<string, (rng: Rng, n: number) => TypedArray> = {
  float32: (r, n) => r.f32(n, 3),
  float64: (r, n) => r.f64(n, 3),
  int32: (r, n) => r.i32(n, -5, 5),
  bool: (r, n) => r.bool(n),
};
const ZERO_MAKERS: Record<string, (n: number) => TypedArray> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  bool: (n) => new Uint8Array(n),
};

function seeds(n: number, base: number): number[] {
  return Array.from({ length: n }, (_, i) => base + i);
}

const copyCases: Case[] = seeds(24, 100).map((seed) => ({
  name: `seed ${seed}`,
  run(b) {
    const rng = new Rng(seed);
    const shape = randomShape(rng, seed % 8 === 0);
    const ot = rng.pick(Object.keys(ZERO_MAKERS));
    const xt = rng.pick(Object.keys(DTYPE_MAKERS));
    const x = randomView(rng, shape, (n) => DTYPE_MAKERS[xt]!(rng, n), true);
    if (!(x.data instanceof Int32Array) && !(x.data instanceof Uint8Array)) specials(rng, x.data);
    const out = randomView(rng, shape, ZERO_MAKERS[ot]!, false);
    b.copy(out, x, shape);
    return [out.data];
  },
}));

/** 2-D transposed copies large enough for the tiled path (both directions, with offsets and dtype changes). */
const transposeCases: Case[] = seeds(8, 150).map((seed) => ({
  name: `transpose seed ${seed}`,
  run(b) {
    const rng = new Rng(seed);
    const [n0, n1] = [rng.int(16, 90), rng.int(16, 90)];
    const xt = rng.pick(['float32', 'float64', 'int32']);
    const ot = rng.pick(['float32', 'float64', 'int32', 'bool']);
    const xOff = rng.int(0, 3);
    const x = { data: DTYPE_MAKERS[xt]!(rng, xOff + n0 * n1), offset: xOff, strides: seed % 2 === 0 ? [1, n0] : [n1, 1] };
    const out = { data: ZERO_MAKERS[ot]!(n0 * n1 + 2), offset: 1, strides: seed % 2 === 0 ? [n1, 1] : [1, n0] };
    b.copy(out, x, [n0, n1]);
    return [out.data];
  },
}));

const unaryCases: Case[] = UNARY.flatMap((op, i) =>
  KINDS.map((kind, j) => ({
    name: `${op} ${kind}`,
    run(b: Backend) {
      const rng = new Rng(1000 + i * 7 + j);
      const shape = randomShape(rng, i % 5 === 0);
      const x = randomView(rng, shape, (n) => floats(rng, kind, n, 2), true);
      specials(rng, x.data);
      const n = numel(shape);
      const out = BOOL_UNARY.has(op) ? new Uint8Array(n) : zerosOf(kind, n);
      const params = op === 'clamp' ? [rng.pick([-0.5, NaN]), rng.pick([0.7, NaN])]
        : op === 'softplus' ? [rng.pick([1, 2]), rng.pick([20, 1])]
          : op === 'leakyRelu' && rng.next() < 0.5 ? [0.2] : undefined;
      b.unary(op, out, x, shape, params);
      return [out];
    },
  })),
);

const binaryCases: Case[] = BINARY.flatMap((op, i) =>
  KINDS.map((kind, j) => ({
    name: `${op} ${kind}`,
    run(b: Backend) {
      const rng = new Rng(2000 + i * 7 + j);
      const shape = randomShape(rng, i % 4 === 0);
      const x = randomView(rng, shape, (n) => floats(rng, kind, n, 2), true);
      const y = randomView(rng, shape, (n) => floats(rng, kind, n, 2), true);
      specials(rng, x.data);
      specials(rng, y.data);
      const n = numel(shape);
      const out = i >= 7 ? new Uint8Array(n) : zerosOf(kind, n);
      b.binary(op, out, x, y, shape);
      return [out];
    },
  })),
);

const whereCases: Case[] = seeds(12, 3000).map((seed) => ({
  name: `seed ${seed}`,
  run(b) {
    const rng = new Rng(seed);
    const shape = randomShape(rng, seed % 6 === 0);
    const t = rng.pick(Object.keys(DTYPE_MAKERS));
    const cond = randomView(rng, shape, (n) => rng.bool(n), true);
    const x = randomView(rng, shape, (n) => DTYPE_MAKERS[t]!(rng, n), true);
    const y = randomView(rng, shape, (n) => DTYPE_MAKERS[t]!(rng, n), true);
    const out = ZERO_MAKERS[t]!(numel(shape));
    b.where(out, cond, x, y, shape);
    return [out];
  },
}));

// y gets 0, -0, NaN and ±inf sprinkled in; the largest sizes cross the native thread grain.
const reluBackwardCases: Case[] = KINDS.flatMap((kind, i) =>
  [0, 1, 17, 1000, 70000, 200000].map((n, k) => ({
    name: `${kind} ${n}`,
    run(b: Backend) {
      const rng = new Rng(3500 + i * 10 + k);
      const y = floats(rng, kind, n, 2);
      specials(rng, y);
      const grad = floats(rng, kind, n);
      const out = zerosOf(kind, n);
      b.reluBackward(out, grad, y, n);
      return [out];
    },
  })),
);

// x gets 0, -0, NaN and ±inf sprinkled in, and spans both tails (|x| up to ~6); exact and tanh.
const geluBackwardCases: Case[] = KINDS.flatMap((kind, i) =>
  [0, 1, 17, 1000, 70000].flatMap((n, k) => [false, true].map((tanh) => ({
    name: `${kind} ${n}${tanh ? ' tanh' : ''}`,
    run(b: Backend) {
      const rng = new Rng(3700 + i * 10 + k);
      const x = floats(rng, kind, n, 6);
      specials(rng, x);
      const grad = floats(rng, kind, n);
      const out = zerosOf(kind, n);
      b.geluBackward(out, grad, x, n, tanh);
      return [out];
    },
  }))),
);

const reduceCases: Case[] = REDUCE.flatMap((op, i) =>
  KINDS.flatMap((kind, j) =>
    [[3, 5, 1], [1, 100000, 1], [4, 7, 300], [2, 1, 9], [1, 3, 70000], [50, 1000, 1]].map(([outer, size, inner], k) => ({
      name: `${op} ${kind} [${outer}, ${size}, ${inner}]`,
      run(b: Backend) {
        const rng = new Rng(4000 + i * 100 + j * 10 + k);
        const x = floats(rng, kind, outer! * size! * inner!, 1);
        if (op !== 'sum' && op !== 'prod') specials(rng, x);
        if (op === 'prod') for (let q = 0; q < x.length; q++) x[q] = 1 + x[q]! * 1e-3;
        const arg = op === 'argmax' || op === 'argmin';
        const out = arg && k % 2 === 0 ? new Int32Array(outer! * inner!) : zerosOf(kind, outer! * inner!);
        b.reduce(op, out, x, outer!, size!, inner!);
        return [out];
      },
    })),
  ),
);

function matView(rng: Rng, kind: FloatKind, batch: number, rows: number, cols: number, trans: boolean, broadcastBatch: boolean): MatrixView {
  const pad = rng.int(0, 2);
  const ld = (trans ? rows : cols) + pad;
  const per = (trans ? cols : rows) * ld;
  const offset = rng.int(0, 3);
  const bs = broadcastBatch ? 0 : per + rng.int(0, 2);
  const data = floats(rng, kind, offset + Math.max(1, batch) * (per + 2) + 4);
  return { data, offset, batchStride: bs, rowStride: trans ? 1 : ld, colStride: trans ? ld : 1 };
}

/** No bias (0), a bias per column (1, a linear layer's), per row (2, a convolution's), or a strided [batch, m, n] view (3). */
function biasView(rng: Rng, kind: FloatKind, how: number, batch: number, m: number, n: number): MatrixView | null {
  if (how === 0) return null;
  const offset = rng.int(0, 3);
  if (how === 1) return { data: floats(rng, kind, offset + n + 1), offset, batchStride: 0, rowStride: 0, colStride: 1 };
  if (how === 2) return { data: floats(rng, kind, offset + 2 * m + 1), offset, batchStride: 0, rowStride: 2, colStride: 0 };
  return { data: floats(rng, kind, offset + batch * m * n * 2 + 1), offset, batchStride: m * n * 2, rowStride: 1, colStride: m };
}

const matmulCases: Case[] = KINDS.flatMap((kind, j) =>
  [
    [1, 1, 1, 1], [1, 3, 5, 7], [1, 1, 300, 200], [1, 200, 1, 300], [1, 64, 64, 64], [3, 17, 33, 9],
    [1, 130, 257, 300], [2, 100, 90, 600], [8, 20, 30, 40], [1, 0, 5, 3], [1, 4, 5, 0], [1, 256, 256, 256],
    // The direct loops (one output column, outer products, matrix-vector) and
    // a k split into equal blocks (2100 = 2 x 1050 on avx512).
    [1, 64, 1, 40], [1, 37, 45, 1], [1, 1, 100, 70], [1, 30, 40, 2100], [1, 1, 100, 70],
  ].flatMap(([batch, m, n, k], i) =>
    [0, 1, 2, 3].map((t) => ({
      name: `${kind} batch ${batch} [${m}, ${k}] @ [${k}, ${n}] transpose ${t}`,
      // NOTE: float32 dot products of length k differ by summation order up to ~k·eps·Σ|ab|.
      atol32: 2e-5 + 2e-6 * k!,
      run(b: Backend) {
        const rng = new Rng(5000 + i * 10 + t + j * 1000);
        const A = matView(rng, kind, batch!, m!, k!, (t & 1) !== 0, i === 5 && t === 3);
        const B = matView(rng, kind, batch!, k!, n!, (t & 2) !== 0, false);
        const accumulate = i % 3 === 1;
        const out = floats(rng, kind, batch! * m! * n!);
        b.matmul(out, A, B, batch!, m!, n!, k!, accumulate, biasView(rng, kind, (i + t) % 4, batch!, m!, n!));
        return [out];
      },
    })),
  ),
);

/**
 * Sums over the batch: many small products (the native backend's grouped
 * path, up to 64 like a convolution's samples), products big enough to run
 * one after another, an empty batch, transposes and accumulation.
 */
const matmulSumCases: Case[] = KINDS.flatMap((kind, j) =>
  [[0, 3, 4, 5], [2, 3, 4, 0], [1, 7, 5, 3], [3, 17, 33, 9], [7, 12, 32, 50], [64, 9, 16, 49], [64, 144, 32, 19], [3, 128, 128, 70]].flatMap(
    ([batch, m, n, k], i) =>
      [0, 1, 2, 3].map((t) => ({
        name: `${kind} sum of ${batch} [${m}, ${k}] @ [${k}, ${n}] transpose ${t}`,
        atol32: 2e-5 + 2e-6 * k! * Math.max(1, batch!),
        run(b: Backend) {
          const rng = new Rng(5500 + i * 10 + t + j * 1000);
          const A = matView(rng, kind, batch!, m!, k!, (t & 1) !== 0, false);
          const B = matView(rng, kind, batch!, k!, n!, (t & 2) !== 0, i === 3 && t === 1);
          const out = floats(rng, kind, m! * n!);
          b.matmulSum(out, A, B, batch!, m!, n!, k!, (i + t) % 2 === 1);
          return [out];
        },
      })),
  ),
);

/** Cases per Backend entry; the parity test checks that every entry has some. */
export const allCases: Partial<Record<Entry, Case[]>> = {
  // The contents are unspecified: the case checks kind and length, then that the
  // array is writable over its whole length (fill) and is not shared (a second one).
  allocUninit: (['float32', 'float64', 'int32', 'bool'] as const).flatMap((dtype) =>
    [0, 1, 1000, 70000].map((n) => ({
      name: `${dtype} ${n}`,
      run(b: Backend) {
        const x = b.allocUninit!(dtype, n);
        const y = b.allocUninit!(dtype, n);
        b.fill(x, 1, 0, n);
        b.fill(y, 0, 0, n);
        return [x, y];
      },
    })),
  ),
  copy: [...copyCases, ...transposeCases],
  fill: KINDS.map((kind, i) => ({
    name: kind,
    run(b: Backend) {
      const out = floats(new Rng(60 + i), kind, 100);
      b.fill(out, 1.5, 10, 50);
      return [out];
    },
  })),
  unary: unaryCases,
  binary: binaryCases,
  where: whereCases,
  reluBackward: reluBackwardCases,
  geluBackward: geluBackwardCases,
  reduce: reduceCases,
  matmul: matmulCases,
  matmulSum: matmulSumCases,
};

// ---- index kernels ----

function indexCases(): Partial<Record<Entry, Case[]>> {
  const gatherCase = (seed: number): Case => ({
    name: `seed ${seed}`,
    run(b) {
      const rng = new Rng(seed);
      const nd = rng.int(1, 3);
      const shape = Array.from({ length: nd }, () => rng.int(1, 5));
      const dim = rng.int(0, nd - 1);
      const xShape = shape.map((n, d) => (d === dim ? rng.int(1, 6) : n));
      const xStrides = contiguousStrides(xShape);
      const x = { data: rng.f32(numel(xShape)), offset: 0, strides: xStrides };
      const index = { data: rng.i32(numel(shape), 0, xShape[dim]! - 1), offset: 0, strides: contiguousStrides(shape) };
      const out = new Float32Array(numel(shape));
      b.gather(out, x, index, shape, dim);
      const acc = { data: new Float32Array(numel(xShape)), offset: 0, strides: xStrides };
      b.scatterAdd(acc, index, { data: rng.f32(numel(shape)), offset: 0, strides: contiguousStrides(shape) }, shape, dim);
      return [out, acc.data];
    },
  });
  const selectCase = (seed: number): Case => ({
    name: `seed ${seed}`,
    run(b) {
      const rng = new Rng(seed);
      const [outer, size, inner, count] = [rng.int(1, 4), rng.int(1, 6), rng.int(1, 5), rng.int(1, 7)];
      const x = rng.f64(outer * size * inner);
      const index = rng.i32(count, 0, size - 1);
      const out = new Float64Array(outer * count * inner);
      b.indexSelect(out, x, index, outer, size, inner);
      const acc = new Float64Array(outer * size * inner);
      b.indexAdd(acc, rng.f64(outer * count * inner), index, outer, size, inner);
      return [out, acc];
    },
  });
  // Strided views: permuted and padded strides, offsets, a broadcast (stride 0)
  // index or src, an index smaller than x along the other dims, float64, and
  // size-0 / size-1 dimensions.
  const stridedCase = (seed: number): Case => ({
    name: `strided seed ${seed}`,
    run(b) {
      const rng = new Rng(seed);
      const nd = rng.int(1, 4);
      const shape = Array.from({ length: nd }, () => rng.pick([0, 1, 1, 2, 3, 5]));
      const dim = rng.int(0, nd - 1);
      const xShape = shape.map((n, d) => (d === dim ? rng.int(1, 6) : n + rng.int(0, 2)));
      const view = (sh: readonly number[], broadcast: boolean) => {
        const order = sh.map((_, d) => d).sort(() => rng.next() - 0.5);
        const strides = sh.map(() => 0);
        let step = 1;
        for (const d of order) {
          if (broadcast && rng.next() < 0.25) continue;
          strides[d] = step;
          step *= sh[d]! + rng.int(0, 1);
        }
        const offset = rng.int(0, 3);
        return { offset, strides, length: offset + step };
      };
      const f64 = rng.next() < 0.5;
      const fl = (n: number) => (f64 ? rng.f64(n) : rng.f32(n));
      const xv = view(xShape, false);
      const iv = view(shape, true);
      const x = { data: fl(xv.length), offset: xv.offset, strides: xv.strides };
      const index = { data: rng.i32(iv.length, 0, xShape[dim]! - 1), offset: iv.offset, strides: iv.strides };
      const out = f64 ? new Float64Array(numel(shape)) : new Float32Array(numel(shape));
      b.gather(out, x, index, shape, dim);
      const ov = view(xShape, false);
      const acc = { data: fl(ov.length), offset: ov.offset, strides: ov.strides };
      const sv = view(shape, true);
      b.scatterAdd(acc, index, { data: fl(sv.length), offset: sv.offset, strides: sv.strides }, shape, dim);
      return [out, acc.data];
    },
  });
  return {
    gather: seeds(6, 7000).map(gatherCase).concat(seeds(24, 7050).map(stridedCase)),
    scatterAdd: seeds(6, 7100).map(gatherCase).concat(seeds(24, 7150).map(stridedCase)),
    indexSelect: seeds(6, 7200).map(selectCase),
    indexAdd: seeds(6, 7300).map(selectCase),
  };
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = step;
    step *= shape[d]!;
  }
  return s;
}

// ---- softmax family ------------------------------------------------------------

const OSI: readonly (readonly [number, number, number])[] = [[3, 5, 1], [64, 964, 1], [2, 7, 9], [1, 3, 300], [5, 1, 1], [300, 40, 1]];

function softmaxCases(): Partial<Record<Entry, Case[]>> {
  const mk = (run: (b: Backend, rng: Rng, kind: FloatKind, o: number, s: number, i: number, log: boolean) => TypedArray[]): Case[] =>
    KINDS.flatMap((kind, ki) => OSI.flatMap(([o, s, i], k) => [false, true].map((log) => ({
      name: `${kind} [${o}, ${s}, ${i}] log ${log}`,
      run: (b: Backend) => run(b, new Rng(8000 + ki * 100 + k * 2 + (log ? 1 : 0)), kind, o, s, i, log),
    }))));
  return {
    softmax: mk((b, rng, kind, o, s, i, log) => {
      const x = floats(rng, kind, o * s * i, 4);
      if (rng.next() < 0.5) specials(rng, x);
      const out = zerosOf(kind, o * s * i);
      b.softmax(out, x, o, s, i, log);
      return [out];
    }),
    softmaxBackward: mk((b, rng, kind, o, s, i, log) => {
      const y = zerosOf(kind, o * s * i);
      b.softmax(y, floats(rng, kind, o * s * i, 2), o, s, i, log);
      const out = zerosOf(kind, o * s * i);
      b.softmaxBackward(out, floats(rng, kind, o * s * i), y, o, s, i, log);
      return [out];
    }),
    logsumexp: mk((b, rng, kind, o, s, i) => {
      const x = floats(rng, kind, o * s * i, 4);
      specials(rng, x);
      const out = zerosOf(kind, o * i);
      b.logsumexp(out, x, o, s, i);
      return [out];
    }),
    nllLoss: mk((b, rng, kind, o, s, i, weighted) => {
      const logp = floats(rng, kind, o * s * i);
      const target = rng.i32(o * i, -1, s - 1);
      const loss = zerosOf(kind, o * i);
      const w = zerosOf(kind, o * i);
      b.nllLoss(loss, w, logp, target, weighted ? floats(rng, kind, s) : null, o, s, i, -1);
      return [loss, w];
    }),
    nllLossBackward: mk((b, rng, kind, o, s, i, weighted) => {
      const out = zerosOf(kind, o * s * i);
      const target = rng.i32(o * i, -1, s - 1);
      b.nllLossBackward(out, floats(rng, kind, o * i), target, weighted ? floats(rng, kind, s) : null, o, s, i, -1);
      return [out];
    }),
  };
}

// ---- convolution and pooling ----------------------------------------------------

interface Win { kernelH: number; kernelW: number; strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number }

function randomWindow(rng: Rng, height: number, width: number, dilate: boolean): Win & { outH: number; outW: number } {
  const kernelH = rng.int(1, 3);
  const kernelW = rng.int(1, 3);
  const strideH = rng.int(1, 2);
  const strideW = rng.int(1, 2);
  const dilationH = dilate ? rng.int(1, 2) : 1;
  const dilationW = dilate ? rng.int(1, 2) : 1;
  const padH = rng.int(0, Math.floor(kernelH / 2));
  const padW = rng.int(0, Math.floor(kernelW / 2));
  const outH = Math.max(0, Math.floor((height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH) + 1);
  const outW = Math.max(0, Math.floor((width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW) + 1);
  return { kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW };
}

/**
 * Average-pooling edge geometry: ceil mode (the last window may hang into or
 * past the padding), kernels as large as the image, 1×1 images, many planes
 * (the native kernel's parallel split) and zero planes.
 */
function edgeAvgGeo(rng: Rng): Pool2dGeometry {
  const planes = rng.pick([0, 1, 3, 37]);
  const [height, width] = [rng.pick([1, 2, 5, 16]), rng.pick([1, 3, 7, 16])];
  const kernelH = rng.int(1, Math.max(1, Math.min(height + 1, 5)));
  const kernelW = rng.int(1, Math.max(1, Math.min(width + 1, 5)));
  const [strideH, strideW] = [rng.int(1, 3), rng.int(1, 3)];
  const padH = rng.int(0, Math.floor(kernelH / 2));
  const padW = rng.int(0, Math.floor(kernelW / 2));
  // PyTorch's ceil-mode output size: round up, but drop a last window that starts in the bottom/right padding.
  const size = (n: number, k: number, st: number, p: number): number => {
    let o = Math.ceil((n + 2 * p - k) / st) + 1;
    if ((o - 1) * st >= n + p) o--;
    return Math.max(0, o);
  };
  return {
    planes, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH: 1, dilationW: 1,
    outH: size(height, kernelH, strideH, padH), outW: size(width, kernelW, strideW, padW),
  };
}

/** Adaptive pooling `[planes, h, w, outH, outW]`: many planes (the native kernel's parallel split), outputs larger than the input, 1×1, zero planes. */
function adaptiveEdge(rng: Rng): [number, number, number, number, number] {
  return [rng.pick([0, 1, 5, 160]), rng.pick([1, 7, 28]), rng.pick([1, 5, 28]), rng.pick([1, 3, 4, 7, 30]), rng.pick([1, 2, 7, 9])];
}

function convCases(): Partial<Record<Entry, Case[]>> {
  const geo = (rng: Rng) => {
    const [batch, channels, height, width] = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 9), rng.int(1, 9)];
    return { batch, channels, height, width, ...randomWindow(rng, height, width, true) };
  };
  // Stride 1 and an output as wide as the input (the native im2col copies whole tap blocks there), any padH.
  const sameGeo = (rng: Rng) => {
    const [batch, channels, height, width] = [rng.int(1, 3), rng.int(1, 4), rng.int(1, 9), rng.int(1, 9)];
    const [kernelW, dilationW] = [rng.pick([1, 3, 5]), rng.int(1, 3)];
    const [kernelH, dilationH, padH] = [rng.int(1, 5), rng.int(1, 3), rng.int(0, 5)];
    const outH = Math.max(0, height + 2 * padH - dilationH * (kernelH - 1));
    const padW = (dilationW * (kernelW - 1)) / 2;
    return { batch, channels, height, width, kernelH, kernelW, strideH: 1, strideW: 1, padH, padW, dilationH, dilationW, outH, outW: width };
  };
  const pgeo = (rng: Rng, dilate: boolean) => {
    const [planes, height, width] = [rng.int(1, 4), rng.int(1, 9), rng.int(1, 9)];
    return { planes, height, width, ...randomWindow(rng, height, width, dilate) };
  };
  const kinds = (base: number, run: (b: Backend, rng: Rng, kind: FloatKind) => TypedArray[], count = 8): Case[] =>
    KINDS.flatMap((kind, k) => seeds(count, base + k * 50).map((seed) => ({ name: `${kind} seed ${seed}`, run: (b: Backend) => run(b, new Rng(seed), kind) })));
  return {
    im2col: [false, true].flatMap((same) =>
      kinds(same ? 9050 : 9000, (b, rng, kind) => {
        const g = same ? sameGeo(rng) : geo(rng);
        // NaN first: every element must be written.
        const out = zerosOf(kind, g.batch * g.channels * g.kernelH * g.kernelW * g.outH * g.outW).fill(NaN);
        b.im2col(out, floats(rng, kind, g.batch * g.channels * g.height * g.width), g);
        return [out];
      }, same ? 16 : 8)),
    // Depthwise: random windows and stride-1 'same' ones (the native kernels' contiguous rows), multipliers 1–3.
    depthwiseConv2d: [false, true].flatMap((same) =>
      kinds(same ? 9350 : 9300, (b, rng, kind) => {
        const g = same ? sameGeo(rng) : geo(rng);
        const mult = rng.int(1, 3);
        const oc = g.channels * mult;
        const out = zerosOf(kind, g.batch * oc * g.outH * g.outW).fill(NaN);
        const bias = rng.next() < 0.5 ? floats(rng, kind, oc) : null;
        b.depthwiseConv2d(out, floats(rng, kind, g.batch * g.channels * g.height * g.width), floats(rng, kind, oc * g.kernelH * g.kernelW), bias, g, mult);
        return [out];
      })),
    depthwiseConv2dBackwardInput: [false, true].flatMap((same) =>
      kinds(same ? 9450 : 9400, (b, rng, kind) => {
        const g = same ? sameGeo(rng) : geo(rng);
        const mult = rng.int(1, 3);
        const oc = g.channels * mult;
        const gx = floats(rng, kind, g.batch * g.channels * g.height * g.width); // added into
        b.depthwiseConv2dBackwardInput(gx, floats(rng, kind, g.batch * oc * g.outH * g.outW), floats(rng, kind, oc * g.kernelH * g.kernelW), g, mult);
        return [gx];
      })),
    depthwiseConv2dBackwardWeight: [false, true].flatMap((same) =>
      kinds(same ? 9550 : 9500, (b, rng, kind) => {
        const g = same ? sameGeo(rng) : geo(rng);
        const mult = rng.int(1, 3);
        const oc = g.channels * mult;
        const gw = zerosOf(kind, oc * g.kernelH * g.kernelW).fill(NaN);
        b.depthwiseConv2dBackwardWeight(gw, floats(rng, kind, g.batch * oc * g.outH * g.outW), floats(rng, kind, g.batch * g.channels * g.height * g.width), g, mult);
        return [gw];
      })),
    col2im: kinds(9100, (b, rng, kind) => {
      const g = geo(rng);
      const out = zerosOf(kind, g.batch * g.channels * g.height * g.width);
      b.col2im(out, floats(rng, kind, g.batch * g.channels * g.kernelH * g.kernelW * g.outH * g.outW), g);
      return [out];
    }),
    maxPool2d: kinds(9200, (b, rng, kind) => {
      const g = pgeo(rng, true);
      const x = floats(rng, kind, g.planes * g.height * g.width);
      specials(rng, x);
      const n = g.planes * g.outH * g.outW;
      const out = zerosOf(kind, n);
      const idx = new Int32Array(n);
      b.maxPool2d(out, idx, x, g);
      return [out, idx];
    }, 30).concat(kinds(9250, (b, rng, kind) => {
      // The 2x2 / stride 2 / no padding window (native's fast path), odd sizes and NaN/±inf included.
      const [planes, height, width] = [rng.int(1, 5), rng.int(2, 11), rng.int(2, 11)];
      const g = {
        planes, height, width, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
        dilationH: 1, dilationW: 1, outH: Math.floor(height / 2), outW: Math.floor(width / 2),
      };
      const x = floats(rng, kind, planes * height * width);
      // Rounded values make ties: the first tap in window order must win.
      if (rng.next() < 0.5) for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i]!);
      specials(rng, x);
      const n = planes * g.outH * g.outW;
      const out = zerosOf(kind, n);
      const idx = new Int32Array(n);
      b.maxPool2d(out, idx, x, g);
      return [out, idx];
    }, 12)),
    maxPool2dBackward: kinds(9300, (b, rng, kind) => {
      const [planes, inPlane, outPlane] = [rng.int(1, 4), rng.int(1, 30), rng.int(1, 20)];
      const out = zerosOf(kind, planes * inPlane);
      b.maxPool2dBackward(out, floats(rng, kind, planes * outPlane), rng.i32(planes * outPlane, -2, inPlane + 2), planes, inPlane, outPlane);
      return [out];
    }),
    avgPool2d: kinds(9400, (b, rng, kind) => {
      const g = pgeo(rng, false);
      const out = zerosOf(kind, g.planes * g.outH * g.outW);
      b.avgPool2d(out, floats(rng, kind, g.planes * g.height * g.width), g, rng.next() < 0.5, rng.pick([0, 0, 3]));
      return [out];
    }).concat(kinds(9450, (b, rng, kind) => {
      const g = edgeAvgGeo(rng);
      const out = zerosOf(kind, g.planes * g.outH * g.outW);
      b.avgPool2d(out, floats(rng, kind, g.planes * g.height * g.width), g, rng.next() < 0.5, rng.pick([0, 0, 5]));
      return [out];
    }, 12)),
    avgPool2dBackward: kinds(9500, (b, rng, kind) => {
      const g = pgeo(rng, false);
      const out = zerosOf(kind, g.planes * g.height * g.width);
      b.avgPool2dBackward(out, floats(rng, kind, g.planes * g.outH * g.outW), g, rng.next() < 0.5, rng.pick([0, 0, 3]));
      return [out];
    }).concat(kinds(9550, (b, rng, kind) => {
      const g = edgeAvgGeo(rng);
      const out = floats(rng, kind, g.planes * g.height * g.width); // accumulates into existing values
      b.avgPool2dBackward(out, floats(rng, kind, g.planes * g.outH * g.outW), g, rng.next() < 0.5, rng.pick([0, 0, 5]));
      return [out];
    }, 12)),
    adaptiveAvgPool2d: kinds(9600, (b, rng, kind) => {
      const [planes, h, w, oh, ow] = [rng.int(1, 3), rng.int(1, 9), rng.int(1, 9), rng.int(1, 5), rng.int(1, 5)];
      const out = zerosOf(kind, planes * oh * ow);
      b.adaptiveAvgPool2d(out, floats(rng, kind, planes * h * w), planes, h, w, oh, ow);
      return [out];
    }).concat(kinds(9650, (b, rng, kind) => {
      const [planes, h, w, oh, ow] = adaptiveEdge(rng);
      const x = floats(rng, kind, planes * h * w);
      specials(rng, x);
      const out = zerosOf(kind, planes * oh * ow);
      b.adaptiveAvgPool2d(out, x, planes, h, w, oh, ow);
      return [out];
    }, 10)),
    adaptiveAvgPool2dBackward: kinds(9700, (b, rng, kind) => {
      const [planes, h, w, oh, ow] = [rng.int(1, 3), rng.int(1, 9), rng.int(1, 9), rng.int(1, 5), rng.int(1, 5)];
      const out = zerosOf(kind, planes * h * w);
      b.adaptiveAvgPool2dBackward(out, floats(rng, kind, planes * oh * ow), planes, h, w, oh, ow);
      return [out];
    }).concat(kinds(9750, (b, rng, kind) => {
      const [planes, h, w, oh, ow] = adaptiveEdge(rng);
      const out = floats(rng, kind, planes * h * w); // accumulates into existing values
      b.adaptiveAvgPool2dBackward(out, floats(rng, kind, planes * oh * ow), planes, h, w, oh, ow);
      return [out];
    }, 10)),
  };
}

// ---- optimizer steps --------------------------------------------------------------

/** A group of parameters (some large enough to be split among threads) with gradients and `states` state lists. */
function group(rng: Rng, kind: FloatKind, states: number) {
  const sizes = [rng.int(1, 40), rng.int(1, 300), 70000];
  const params = sizes.map((n) => floats(rng, kind, n));
  const grads = sizes.map((n) => floats(rng, kind, n));
  const lists = Array.from({ length: states }, () => sizes.map((n) => {
    const s = floats(rng, kind, n, 0.1);
    for (let i = 0; i < n; i++) s[i] = Math.abs(s[i]!);
    return s;
  }));
  return { params, grads, lists, steps: Float64Array.from(sizes, () => rng.int(1, 5)) };
}

function optimCases(): Partial<Record<Entry, Case[]>> {
  const opt = (base: number, variants: number, run: (b: Backend, rng: Rng, kind: FloatKind, v: number) => TypedArray[]): Case[] =>
    KINDS.flatMap((kind, k) => Array.from({ length: variants }, (_, v) => ({
      name: `${kind} variant ${v}`,
      run: (b: Backend) => run(b, new Rng(base + k * 100 + v), kind, v),
    })));
  const flat = (g: { params: TypedArray[]; lists: TypedArray[][] }): TypedArray[] => [...g.params, ...g.lists.flat()];
  return {
    sgdStep: opt(10000, 6, (b, rng, kind, v) => {
      const g = group(rng, kind, 1);
      const momentum = v === 0 ? 0 : 0.9;
      b.sgdStep(g.params, g.grads, momentum === 0 ? [] : g.lists[0]!, Uint8Array.from([1, 0, v % 2]),
        { lr: 0.1, momentum, dampening: v === 3 ? 0.2 : 0, weightDecay: v >= 2 ? 0.01 : 0, nesterov: v === 4, maximize: v === 5 });
      return flat(g);
    }),
    adamStep: opt(10100, 6, (b, rng, kind, v) => {
      const g = group(rng, kind, 3);
      b.adamStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, v === 2 ? g.lists[2]! : [], g.steps,
        { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: v >= 3 ? 0.01 : 0, amsgrad: v === 2, maximize: v === 4, decoupledWeightDecay: v === 3 || v === 5 });
      return flat(g);
    }),
    rmspropStep: opt(10200, 5, (b, rng, kind, v) => {
      const g = group(rng, kind, 3);
      const centered = v === 1 || v === 3;
      const momentum = v >= 2 ? 0.9 : 0;
      b.rmspropStep(g.params, g.grads, g.lists[0]!, centered ? g.lists[1]! : [], momentum > 0 ? g.lists[2]! : [],
        { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: v === 4 ? 0.1 : 0, momentum, centered, maximize: v === 4 });
      return flat(g);
    }),
    adagradStep: opt(10300, 3, (b, rng, kind, v) => {
      const g = group(rng, kind, 1);
      b.adagradStep(g.params, g.grads, g.lists[0]!, g.steps, { lr: 1e-2, lrDecay: v === 1 ? 0.1 : 0, weightDecay: v === 2 ? 0.1 : 0, eps: 1e-10, maximize: v === 2 });
      return flat(g);
    }),
    adadeltaStep: opt(10400, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 2);
      b.adadeltaStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: v * 0.1, maximize: v === 1 });
      return flat(g);
    }),
    adamaxStep: opt(10500, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 2);
      b.adamaxStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, g.steps, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: v * 0.1, maximize: v === 1 });
      return flat(g);
    }),
    nadamStep: opt(10600, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 2);
      const mu = Float64Array.from(g.params, () => 1);
      b.nadamStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, mu, g.steps, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: v * 0.1, momentumDecay: 4e-3, maximize: v === 1 });
      return [...flat(g), mu];
    }),
    radamStep: opt(10700, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 2);
      g.steps[2] = 10;
      b.radamStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, g.steps, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: v * 0.1, maximize: v === 1 });
      return flat(g);
    }),
    asgdStep: opt(10800, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 1);
      const etas = Float64Array.from(g.params, () => 0.01);
      const mus = Float64Array.from(g.params, () => 1);
      b.asgdStep(g.params, g.grads, g.lists[0]!, etas, mus, g.steps, { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: v * 0.1, maximize: v === 1 });
      return [...flat(g), etas, mus];
    }),
    rpropStep: opt(10900, 2, (b, rng, kind, v) => {
      const g = group(rng, kind, 2);
      b.rpropStep(g.params, g.grads, g.lists[0]!, g.lists[1]!, { etaMinus: 0.5, etaPlus: 1.2, stepSizeMin: 1e-6, stepSizeMax: 50, maximize: v === 1 });
      return flat(g);
    }),
  };
}

// ---- fused normalisation ----------------------------------------------------------

/**
 * Norm layouts `[batch, channels, inner, groups]`: layer norm (inner 1, one
 * group), group norm, instance-like (groups = channels), BatchNorm1d `[N, C]`,
 * empty batches and channels, and sizes large enough to use several threads.
 */
const NORM_DIMS: readonly (readonly [number, number, number, number])[] = [
  [3, 5, 1, 1], [4, 7, 1, 1], [2, 6, 4, 3], [2, 4, 9, 4], [5, 3, 1, 3], [1, 1, 1, 1], [0, 4, 3, 2], [3, 0, 2, 1],
  [300, 1024, 1, 1], [8, 32, 200, 4], [64, 96, 1, 1], [6, 5, 70, 1],
];

function normCases(): Partial<Record<Entry, Case[]>> {
  const mk = (base: number, run: (b: Backend, rng: Rng, kind: FloatKind, d: readonly [number, number, number, number], v: number) => TypedArray[]): Case[] =>
    KINDS.flatMap((kind, ki) => NORM_DIMS.flatMap((d, k) => [0, 1, 2].map((v) => ({
      name: `${kind} [${d.join(', ')}] variant ${v}`,
      run: (b: Backend) => run(b, new Rng(base + ki * 1000 + k * 10 + v), kind, d, v),
    }))));
  /** Input data: variant 0 plain, 1 shifted far from 0 (catastrophic cancellation in one-pass variance), 2 with NaN/±inf. */
  const input = (rng: Rng, kind: FloatKind, n: number, v: number) => {
    const x = floats(rng, kind, n, 2);
    if (v === 1) for (let i = 0; i < n; i++) x[i] = x[i]! + 100;
    if (v === 2 && rng.next() < 0.5) specials(rng, x);
    return x;
  };
  const maybe = (rng: Rng, kind: FloatKind, n: number) => (rng.next() < 0.7 ? floats(rng, kind, n) : null);
  return {
    groupNorm: mk(12000, (b, rng, kind, [n, c, l, g], v) => {
      const y = zerosOf(kind, n * c * l);
      const mean = new Float64Array(n * g);
      const rstd = new Float64Array(n * g);
      b.groupNorm(y, mean, rstd, input(rng, kind, n * c * l, v), maybe(rng, kind, c), maybe(rng, kind, c), n, c, l, g, rng.pick([1e-5, 1e-3, 0]));
      return [y, mean, rstd];
    }),
    groupNormBackward: mk(13000, (b, rng, kind, [n, c, l, g], v) => {
      const x = input(rng, kind, n * c * l, v);
      const mean = new Float64Array(n * g);
      const rstd = new Float64Array(n * g);
      const w = maybe(rng, kind, c);
      b.groupNorm(zerosOf(kind, n * c * l), mean, rstd, x, w, null, n, c, l, g, 1e-5);
      // Every combination of wanted gradients; dweight/dbias start non-zero (they accumulate).
      const dx = v !== 1 ? zerosOf(kind, n * c * l) : null;
      const dw = v !== 2 ? floats(rng, kind, c) : null;
      const db = v !== 0 ? floats(rng, kind, c) : null;
      b.groupNormBackward(dx, dw, db, floats(rng, kind, n * c * l), x, mean, rstd, w, n, c, l, g);
      return [dx, dw, db].filter((a): a is Float32Array | Float64Array => a !== null);
    }),
    batchNorm: mk(14000, (b, rng, kind, [n, c, l], v) => {
      const training = v !== 2 || rng.next() < 0.3;
      const y = zerosOf(kind, n * c * l);
      const mean = training ? new Float64Array(c) : rng.f64(c);
      const rstd = training ? new Float64Array(c) : Float64Array.from(rng.positive32(c));
      b.batchNorm(y, mean, rstd, input(rng, kind, n * c * l, v), maybe(rng, kind, c), maybe(rng, kind, c), n, c, l, training, 1e-5);
      return [y, mean, rstd];
    }),
    batchNormBackward: mk(15000, (b, rng, kind, [n, c, l], v) => {
      const training = v !== 2;
      const x = input(rng, kind, n * c * l, v === 2 ? 0 : v);
      let mean = rng.f64(c);
      let rstd = Float64Array.from(rng.positive32(c));
      const w = maybe(rng, kind, c);
      if (training) {
        mean = new Float64Array(c);
        rstd = new Float64Array(c);
        b.batchNorm(zerosOf(kind, n * c * l), mean, rstd, x, w, null, n, c, l, true, 1e-5);
      }
      const dx = rng.next() < 0.85 ? zerosOf(kind, n * c * l) : null;
      const dw = rng.next() < 0.7 ? floats(rng, kind, c) : null;
      const db = rng.next() < 0.7 ? floats(rng, kind, c) : null;
      b.batchNormBackward(dx, dw, db, floats(rng, kind, n * c * l), x, mean, rstd, w, n, c, l, training);
      return [dx, dw, db].filter((a): a is Float32Array | Float64Array => a !== null);
    }),
  };
}

Object.assign(allCases, indexCases(), softmaxCases(), convCases(), optimCases(), normCases());
