/**
 * The tensor ops against PyTorch 1.13: every case of the fixtures written by
 * scripts/fixtures/ops.py (values and gradients for a fixed upstream
 * gradient, broadcast and non-contiguous inputs included). One row per case;
 * OPS below is the TypeScript side of the op table in ops.py.
 */
import { describe, expect, it } from 'vitest';
import { decode, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';

type Tensor = kd.Tensor;
type Args = Record<string, unknown>;

interface InputSpec {
  data: EncodedTensor;
  grad: boolean;
  view: 'T' | 'step2' | 'tail' | null;
}

interface OpCase {
  name: string;
  op: string;
  args: Args;
  inputs: InputSpec[];
  outs: EncodedTensor[];
  upstream: (EncodedTensor | null)[];
  grads: (EncodedTensor | null)[];
}

/** The same view transforms as VIEWS in ops.py. */
const VIEWS: Record<string, (t: Tensor) => Tensor> = {
  T: (t) => t.transpose(-1, -2),
  step2: (t) => t.slice(...t.shape.slice(0, -1).map(() => null), [null, null, 2]),
  tail: (t) => t.slice([1, null]),
};

const num = (v: unknown): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const other = (xs: Tensor[], a: Args): Tensor | number => xs[1] ?? (a.other as number);
const dimArg = (a: Args): number | number[] | undefined => a.dim as number | number[] | undefined;
const keep = (a: Args): { keepdim: boolean } => ({ keepdim: (a.keepdim as boolean | undefined) ?? false });
const withDim = (a: Args, t: Tensor, op: (t: Tensor, dim: number, o: { keepdim: boolean }) => { values: Tensor; indices: Tensor }, all: () => Tensor): Tensor[] => {
  if (a.dim === undefined) return [all()];
  const r = op(t, a.dim as number, keep(a));
  return [r.values, r.indices];
};

/** kindling op name → call (xs: the inputs after their views; a: args), mirroring OPS in ops.py. */
const OPS: Record<string, (xs: Tensor[], a: Args) => Tensor | Tensor[]> = {
  add: (xs, a) => xs[0]!.add(other(xs, a), { alpha: a.alpha as number | undefined }),
  sub: (xs, a) => xs[0]!.sub(other(xs, a), { alpha: a.alpha as number | undefined }),
  mul: (xs, a) => xs[0]!.mul(other(xs, a)),
  div: (xs, a) => xs[0]!.div(other(xs, a)),
  pow: (xs, a) => xs[0]!.pow(xs[1] ?? (a.exponent as number)),
  maximum: (xs) => xs[0]!.maximum(xs[1]!),
  minimum: (xs) => xs[0]!.minimum(xs[1]!),
  neg: (xs) => xs[0]!.neg(),
  exp: (xs) => xs[0]!.exp(),
  log: (xs) => xs[0]!.log(),
  sqrt: (xs) => xs[0]!.sqrt(),
  rsqrt: (xs) => xs[0]!.rsqrt(),
  abs: (xs) => xs[0]!.abs(),
  sign: (xs) => xs[0]!.sign(),
  reciprocal: (xs) => xs[0]!.reciprocal(),
  square: (xs) => xs[0]!.square(),
  sin: (xs) => xs[0]!.sin(),
  cos: (xs) => xs[0]!.cos(),
  clamp: (xs, a) => xs[0]!.clamp(a.min as number | undefined, a.max as number | undefined),
  relu: (xs) => xs[0]!.relu(),
  leakyRelu: (xs, a) => xs[0]!.leakyRelu(a.negativeSlope as number | undefined),
  gelu: (xs, a) => xs[0]!.gelu(a.approximate as 'none' | 'tanh' | undefined),
  silu: (xs) => xs[0]!.silu(),
  sigmoid: (xs) => xs[0]!.sigmoid(),
  tanh: (xs) => xs[0]!.tanh(),
  softplus: (xs, a) => xs[0]!.softplus(a.beta as number | undefined, a.threshold as number | undefined),
  where: (xs) => kd.where(xs[0]!, xs[1]!, xs[2]!),
  maskedFill: (xs, a) => xs[0]!.maskedFill(xs[1]!, a.value as number),
  eq: (xs, a) => xs[0]!.eq(other(xs, a)),
  ne: (xs, a) => xs[0]!.ne(other(xs, a)),
  lt: (xs, a) => xs[0]!.lt(other(xs, a)),
  le: (xs, a) => xs[0]!.le(other(xs, a)),
  gt: (xs, a) => xs[0]!.gt(other(xs, a)),
  ge: (xs, a) => xs[0]!.ge(other(xs, a)),
  logicalAnd: (xs) => xs[0]!.logicalAnd(xs[1]!),
  logicalOr: (xs) => xs[0]!.logicalOr(xs[1]!),
  logicalXor: (xs) => xs[0]!.logicalXor(xs[1]!),
  logicalNot: (xs) => xs[0]!.logicalNot(),
  isnan: (xs) => xs[0]!.isnan(),
  isfinite: (xs) => xs[0]!.isfinite(),

  sum: (xs, a) => xs[0]!.sum(dimArg(a), keep(a)),
  mean: (xs, a) => xs[0]!.mean(dimArg(a), keep(a)),
  prod: (xs, a) => xs[0]!.prod(a.dim as number | undefined, keep(a)),
  max: (xs, a) => withDim(a, xs[0]!, (t, d, o) => t.max(d, o), () => xs[0]!.max()),
  min: (xs, a) => withDim(a, xs[0]!, (t, d, o) => t.min(d, o), () => xs[0]!.min()),
  amax: (xs, a) => xs[0]!.amax(dimArg(a), keep(a)),
  amin: (xs, a) => xs[0]!.amin(dimArg(a), keep(a)),
  argmax: (xs, a) => xs[0]!.argmax(a.dim as number | undefined, keep(a)),
  argmin: (xs, a) => xs[0]!.argmin(a.dim as number | undefined, keep(a)),
  var: (xs, a) => xs[0]!.var(dimArg(a), { ...keep(a), correction: a.correction as number | undefined }),
  std: (xs, a) => xs[0]!.std(dimArg(a), { ...keep(a), correction: a.correction as number | undefined }),
  norm: (xs, a) => xs[0]!.norm(a.p === 'fro' || a.p === undefined ? 'fro' : num(a.p), dimArg(a), keep(a)),
  all: (xs, a) => xs[0]!.all(dimArg(a), keep(a)),
  any: (xs, a) => xs[0]!.any(dimArg(a), keep(a)),

  view: (xs, a) => xs[0]!.view(a.shape as number[]),
  reshape: (xs, a) => xs[0]!.reshape(a.shape as number[]),
  flatten: (xs, a) => xs[0]!.flatten(a.startDim as number | undefined, a.endDim as number | undefined),
  unflatten: (xs, a) => xs[0]!.unflatten(a.dim as number, a.sizes as number[]),
  transpose: (xs, a) => xs[0]!.transpose(a.dim0 as number, a.dim1 as number),
  t: (xs) => xs[0]!.t(),
  permute: (xs, a) => xs[0]!.permute(a.dims as number[]),
  expand: (xs, a) => xs[0]!.expand(a.shape as number[]),
  squeeze: (xs, a) => xs[0]!.squeeze(a.dim as number | undefined),
  unsqueeze: (xs, a) => xs[0]!.unsqueeze(a.dim as number),
  narrow: (xs, a) => xs[0]!.narrow(a.dim as number, a.start as number, a.length as number),
  select: (xs, a) => xs[0]!.select(a.dim as number, a.index as number),
  slice: (xs, a) => xs[0]!.slice(...(a.ranges as kd.SliceSpec[])),
  split: (xs, a) => xs[0]!.split(a.splitSize as number | number[], a.dim as number | undefined),
  chunk: (xs, a) => xs[0]!.chunk(a.chunks as number, a.dim as number | undefined),
  repeat: (xs, a) => xs[0]!.repeat(a.sizes as number[]),
  cat: (xs, a) => kd.cat(xs, a.dim as number | undefined),
  stack: (xs, a) => kd.stack(xs, a.dim as number | undefined),
  contiguous: (xs) => xs[0]!.contiguous(),
  clone: (xs) => xs[0]!.clone(),
  double: (xs) => xs[0]!.double(),

  indexSelect: (xs, a) => xs[0]!.indexSelect(a.dim as number, xs[1]!),
  gather: (xs, a) => xs[0]!.gather(a.dim as number, xs[1]!),
  scatterAdd: (xs, a) => xs[0]!.scatterAdd(a.dim as number, xs[1]!, xs[2]!),
  oneHot: (xs, a) => kd.oneHot(xs[0]!, a.numClasses as number | undefined),
  embedding: (xs, a) => kd.embedding(xs[0]!, xs[1]!, { paddingIdx: a.paddingIdx as number | undefined }),

  matmul: (xs) => xs[0]!.matmul(xs[1]!),
  mm: (xs) => kd.mm(xs[0]!, xs[1]!),
  bmm: (xs) => xs[0]!.bmm(xs[1]!),
  linear: (xs) => kd.linear(xs[0]!, xs[1]!, xs[2]),
};

/** float32 tolerances per op (values, gradients); the default suits ops with a few roundings. */
const TOLERANCE: Record<string, { atol: number; rtol: number }> = {
  default: { atol: 1e-5, rtol: 1e-4 },
  pow: { atol: 1e-4, rtol: 2e-4 },
  prod: { atol: 1e-4, rtol: 2e-4 },
  norm: { atol: 1e-4, rtol: 2e-4 },
  var: { atol: 1e-4, rtol: 2e-4 },
  std: { atol: 1e-4, rtol: 2e-4 },
  gelu: { atol: 2e-5, rtol: 1e-4 },
  // NOTE: sums of up to 33 products; kindling accumulates in float64, PyTorch in float32.
  matmul: { atol: 5e-5, rtol: 1e-4 },
  mm: { atol: 5e-5, rtol: 1e-4 },
  bmm: { atol: 5e-5, rtol: 1e-4 },
  linear: { atol: 5e-5, rtol: 1e-4 },
};

function runCase(c: OpCase): void {
  const call = OPS[c.op];
  if (call === undefined) throw new Error(`no kindling call for fixture op '${c.op}' (add it to OPS)`);
  const leaves = c.inputs.map((s) => decode(s.data, { requiresGrad: s.grad }));
  const xs = c.inputs.map((s, i) => (s.view === null ? leaves[i]! : VIEWS[s.view]!(leaves[i]!)));
  const result = call(xs, c.args);
  const outs = Array.isArray(result) ? result : [result];
  const tol = TOLERANCE[c.op] ?? TOLERANCE.default!;
  expect(outs.length, 'number of outputs').toBe(c.outs.length);
  outs.forEach((o, j) => {
    const e = c.outs[j]!;
    expect(o.dtype, `output ${j} dtype`).toBe(e.dtype);
    expectClose(o, decode(e), { ...tol, shape: e.shape, label: `output ${j}` });
  });
  let loss: Tensor | null = null;
  c.upstream.forEach((u, j) => {
    if (u === null) return;
    const term = outs[j]!.mul(decode(u)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  if (loss !== null) (loss as Tensor).backward();
  c.grads.forEach((g, i) => {
    if (g === null) return;
    const grad = leaves[i]!.grad;
    expect(grad, `gradient of input ${i}`).not.toBeNull();
    expectClose(grad!, decode(g), { ...tol, shape: g.shape, label: `gradient of input ${i}` });
  });
}

for (const family of ['arith', 'unary', 'logic', 'reduce', 'shape', 'indexing', 'matmul']) {
  describe(`ops against PyTorch: ${family}`, () => {
    const cases = loadFixture<OpCase[]>(`ops_${family}`);
    for (const c of cases) it(c.name, () => runCase(c));
  });
}

describe('printing against PyTorch', () => {
  interface FormatCase {
    name: string;
    mode: 'plain' | 'leaf' | 'mul2';
    repr: string;
    data?: EncodedTensor;
    gen?: { shape: number[]; dtype: kd.DType; scale: number };
  }
  /** The large tensors ops.py describes by formula: element i is ((i·7919) mod 2001 − 1000) / scale. */
  function generated(g: NonNullable<FormatCase['gen']>): Tensor {
    const n = g.shape.reduce((a, b) => a * b, 1);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = (((i * 7919) % 2001) - 1000) / g.scale;
    const t = kd.tensor(values, { shape: g.shape });
    return g.dtype === 'bool' ? t.gt(0) : t.to(g.dtype);
  }
  for (const c of loadFixture<FormatCase[]>('ops_format')) {
    it(c.name, () => {
      const base = c.gen ? generated(c.gen) : decode(c.data!);
      const t = c.mode === 'plain' ? base : c.mode === 'leaf' ? base.requiresGrad_() : base.requiresGrad_().mul(2);
      expect(t.toString()).toBe(c.repr);
    });
  }
});

describe('creation against PyTorch', () => {
  interface CreationCase {
    name: string;
    fn: 'arange' | 'linspace' | 'eye' | 'full' | 'zeros' | 'ones';
    args: unknown[];
    out: EncodedTensor;
  }
  const FNS: Record<CreationCase['fn'], (...args: never[]) => Tensor> = {
    arange: kd.arange as (...args: never[]) => Tensor,
    linspace: kd.linspace as (...args: never[]) => Tensor,
    eye: kd.eye as (...args: never[]) => Tensor,
    full: kd.full as (...args: never[]) => Tensor,
    zeros: kd.zeros as (...args: never[]) => Tensor,
    ones: kd.ones as (...args: never[]) => Tensor,
  };
  for (const c of loadFixture<CreationCase[]>('ops_creation')) {
    it(c.name, () => {
      const t = FNS[c.fn](...(c.args as never[]));
      expect(t.dtype).toBe(c.out.dtype);
      // NOTE: exact, except linspace: PyTorch's vectorised float kernel rounds differently
      // depending on the CPU's vector width; allow 2 ulps there.
      const rtol = c.fn !== 'linspace' ? 0 : t.dtype === 'float64' ? 4.5e-16 : 2.4e-7;
      expectClose(t, decode(c.out), { atol: 0, rtol, shape: c.out.shape });
    });
  }
});
