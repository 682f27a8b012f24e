/**
 * The neural-network ops against PyTorch 1.13 (fixtures written by
 * scripts/fixtures/nn_ops.py): every case's output, gradients of every
 * input that requires grad (for a fixed random upstream gradient), and
 * tensors updated in place (batchNorm's running statistics).
 */
import { describe, expect, it } from 'vitest';
import { decode, type EncodedTensor } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';

// The fixture's positional arguments, each op reading its own (the JSON holds them as PyTorch was called).
interface Args {
  dim: number;
  kernelSize: number | readonly [number, number];
  outputSize: number | readonly [number | null, number | null];
  normalizedShape: number | readonly number[];
  numGroups: number;
}

interface Case {
  name: string;
  op: string;
  inputs: Record<string, EncodedTensor | null>;
  grad: string[];
  views: Record<string, { permute: number[] }>;
  args: Args;
  options: Record<string, unknown>;
  out: EncodedTensor;
  indices?: EncodedTensor;
  upstream: EncodedTensor;
  grads: Record<string, EncodedTensor>;
  after: Record<string, EncodedTensor>;
}

type T = Record<string, kd.Tensor | undefined>;
type Result = kd.Tensor | { values: kd.Tensor; indices: kd.Tensor };
type Opts = Record<string, never>;

// How each case calls kindling: the same arguments the fixture gave PyTorch.
const CALLS: Record<string, (t: T, a: Args, o: Opts) => Result> = {
  softmax: (t, a) => kd.softmax(t.input!, a.dim),
  logSoftmax: (t, a) => kd.logSoftmax(t.input!, a.dim),
  logsumexp: (t, a, o) => kd.logsumexp(t.input!, a.dim, o),
  conv1d: (t, _a, o) => kd.conv1d(t.input!, t.weight!, t.bias ?? null, o),
  conv2d: (t, _a, o) => kd.conv2d(t.input!, t.weight!, t.bias ?? null, o),
  maxPool2d: (t, a, o) => kd.maxPool2d(t.input!, a.kernelSize, o as kd.MaxPool2dFunctionalOptions),
  avgPool2d: (t, a, o) => kd.avgPool2d(t.input!, a.kernelSize, o),
  adaptiveAvgPool2d: (t, a) => kd.adaptiveAvgPool2d(t.input!, a.outputSize),
  layerNorm: (t, a, o) => kd.layerNorm(t.input!, a.normalizedShape, { ...o, weight: t.weight, bias: t.bias }),
  groupNorm: (t, a, o) => kd.groupNorm(t.input!, a.numGroups, { ...o, weight: t.weight, bias: t.bias }),
  batchNorm: (t, _a, o) => kd.batchNorm(t.input!, t.runningMean ?? null, t.runningVar ?? null, { ...o, weight: t.weight, bias: t.bias }),
  bilinear: (t) => kd.bilinear(t.input1!, t.input2!, t.weight!, t.bias),
  crossEntropy: (t, _a, o) => kd.crossEntropy(t.input!, t.target!, { ...o, weight: t.weight }),
  nllLoss: (t, _a, o) => kd.nllLoss(t.input!, t.target!, { ...o, weight: t.weight }),
  mseLoss: (t, _a, o) => kd.mseLoss(t.input!, t.target!, o),
  l1Loss: (t, _a, o) => kd.l1Loss(t.input!, t.target!, o),
  smoothL1Loss: (t, _a, o) => kd.smoothL1Loss(t.input!, t.target!, o),
  binaryCrossEntropy: (t, _a, o) => kd.binaryCrossEntropy(t.input!, t.target!, { ...o, weight: t.weight }),
  binaryCrossEntropyWithLogits: (t, _a, o) =>
    kd.binaryCrossEntropyWithLogits(t.input!, t.target!, { ...o, weight: t.weight, posWeight: t.posWeight }),
};

// float32 tolerances per family: sums over windows/batches lose a few ulps more than element-wise ops.
const TOL: Record<string, { atol: number; rtol: number }> = {
  nn_softmax: { atol: 1e-5, rtol: 1e-4 },
  nn_conv: { atol: 5e-5, rtol: 1e-4 },
  nn_pool: { atol: 1e-5, rtol: 1e-4 },
  nn_norm: { atol: 5e-5, rtol: 1e-4 },
  nn_loss: { atol: 2e-5, rtol: 1e-4 },
};

function runCase(c: Case, tol: { atol: number; rtol: number }): void {
  const leaves: T = {};
  for (const [k, e] of Object.entries(c.inputs)) {
    if (e !== null) leaves[k] = decode(e, { requiresGrad: c.grad.includes(k) });
  }
  const viewed: T = {};
  for (const [k, v] of Object.entries(leaves)) viewed[k] = c.views[k] ? v!.permute(c.views[k].permute) : v;
  const call = CALLS[c.op];
  expect(call, `no call for op ${c.op}`).toBeDefined();
  const res = call!(viewed, c.args, c.options as Opts);
  const out = res instanceof kd.Tensor ? res : res.values;
  expectClose(out, decode(c.out), { ...tol, shape: c.out.shape, label: `${c.name}: output` });
  if (c.indices) {
    expect(res instanceof kd.Tensor, `${c.name}: expected { values, indices }`).toBe(false);
    const idx = (res as { indices: kd.Tensor }).indices;
    expect(idx.dtype).toBe('int32');
    expectClose(idx, decode(c.indices), { atol: 0, rtol: 0, shape: c.indices.shape, label: `${c.name}: indices` });
  }
  for (const [k, e] of Object.entries(c.after)) {
    expectClose(leaves[k]!, decode(e), { ...tol, label: `${c.name}: ${k} after the call` });
  }
  if (c.grad.length === 0) return;
  out.backward(decode(c.upstream));
  for (const [k, e] of Object.entries(c.grads)) {
    expect(leaves[k]!.grad, `${c.name}: grad of ${k}`).not.toBeNull();
    expectClose(leaves[k]!.grad!, decode(e), { ...tol, shape: e.shape, label: `${c.name}: grad of ${k}` });
  }
}

for (const fixture of ['nn_softmax', 'nn_conv', 'nn_pool', 'nn_norm', 'nn_loss']) {
  describe(`${fixture} matches PyTorch`, () => {
    const cases = loadFixture<Case[]>(fixture);
    it('has cases', () => expect(cases.length).toBeGreaterThan(5));
    for (const c of cases) {
      it(c.name, () => runCase(c, TOL[fixture]!));
    }
  });
}
