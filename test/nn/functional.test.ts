/**
 * nn.functional: the functional form of every layer and loss, run on the
 * layer and loss fixtures of scripts/fixtures/nn.py (PyTorch 1.13's weights,
 * inputs, outputs and gradients) with the weights passed as arguments instead
 * of loaded into a module. The tables below must name every fixture class, so
 * a new layer needs its functional form here (or a reason it has none).
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { decodeOptions, type LayerCase, type LossCase } from './cases.js';

const F = kd.nn.functional;
type Tensor = kd.Tensor;

interface Call {
  /** The inputs, in the fixture's order. */
  x: Tensor[];
  /** PyTorch's state dict (parameters are leaves that require grad). */
  s: Record<string, Tensor>;
  args: unknown[];
  /** The layer's constructor options, tensors decoded. */
  o: Record<string, unknown>;
  /** The forward options, tensors decoded. */
  fo: Record<string, unknown>;
  train: boolean;
}

const num = (v: unknown): number => v as number;
const opt = <T>(v: unknown): T | undefined => v as T | undefined;

/** The functional form of each layer, as a PyTorch user would call F.<name>. */
const layerForms: Record<string, (c: Call) => Tensor | (Tensor | null)[]> = {
  Linear: ({ x, s }) => F.linear(x[0]!, s.weight!, s.bias ?? null),
  Bilinear: ({ x, s }) => F.bilinear(x[0]!, x[1]!, s.weight!, s.bias ?? null),
  Conv1d: ({ x, s, o }) =>
    F.conv1d(x[0]!, s.weight!, s.bias ?? null, { stride: opt(o.stride), padding: opt(o.padding), dilation: opt(o.dilation), groups: opt(o.groups) }),
  Conv2d: ({ x, s, o }) =>
    F.conv2d(x[0]!, s.weight!, s.bias ?? null, { stride: opt(o.stride), padding: opt(o.padding), dilation: opt(o.dilation), groups: opt(o.groups) }),
  MaxPool2d: ({ x, args, o }) => F.maxPool2d(x[0]!, num(args[0]), { stride: opt(o.stride), padding: opt(o.padding), ceilMode: opt(o.ceilMode) }),
  AvgPool2d: ({ x, args, o }) =>
    F.avgPool2d(x[0]!, num(args[0]), { stride: opt(o.stride), padding: opt(o.padding), countIncludePad: opt(o.countIncludePad) }),
  AdaptiveAvgPool2d: ({ x, args }) => F.adaptiveAvgPool2d(x[0]!, args[0] as [number, number]),
  BatchNorm1d: (c) => batchNormForm(c),
  BatchNorm2d: (c) => batchNormForm(c),
  LayerNorm: ({ x, s, args, o }) => F.layerNorm(x[0]!, args[0] as number | number[], { weight: s.weight, bias: s.bias, eps: opt(o.eps) }),
  GroupNorm: ({ x, s, args }) => F.groupNorm(x[0]!, num(args[0]), { weight: s.weight, bias: s.bias }),
  Embedding: ({ x, s, o }) => F.embedding(x[0]!, s.weight!, { paddingIdx: opt(o.paddingIdx) }),
  Dropout: ({ x, args, train }) => F.dropout(x[0]!, { p: num(args[0]), training: train }),
  ReLU: ({ x }) => F.relu(x[0]!),
  LeakyReLU: ({ x, args }) => F.leakyRelu(x[0]!, num(args[0])),
  GELU: ({ x, o }) => F.gelu(x[0]!, opt(o.approximate)),
  SiLU: ({ x }) => F.silu(x[0]!),
  Tanh: ({ x }) => F.tanh(x[0]!),
  Sigmoid: ({ x }) => F.sigmoid(x[0]!),
  Softmax: ({ x, args }) => F.softmax(x[0]!, num(args[0])),
  LogSoftmax: ({ x, args }) => F.logSoftmax(x[0]!, num(args[0])),
  MultiheadAttention: ({ x, s, args, o, fo }) => {
    // F.multi_head_attention_forward is sequence-first, as here; the layer transposes for batchFirst.
    const bf = o.batchFirst === true;
    const [q, k, v] = bf ? x.map((t) => t.transpose(0, 1)) : x;
    const [out, w] = F.multiHeadAttentionForward(q!, k!, v!, {
      numHeads: num(args[1]),
      inProjWeight: s.in_proj_weight ?? null,
      inProjBias: s.in_proj_bias ?? null,
      qProjWeight: s.q_proj_weight ?? null,
      kProjWeight: s.k_proj_weight ?? null,
      vProjWeight: s.v_proj_weight ?? null,
      biasK: s.bias_k ?? null,
      biasV: s.bias_v ?? null,
      addZeroAttn: opt(o.addZeroAttn),
      outProjWeight: s['out_proj.weight']!,
      outProjBias: s['out_proj.bias'] ?? null,
    }, fo);
    return [bf ? out.transpose(0, 1) : out, w];
  },
};

/** Layers PyTorch's torch.nn.functional has no form of (they are one Tensor method, or a composition). */
const noFunctionalForm: Record<string, string> = {
  Flatten: 'x.flatten(startDim, endDim) (torch.flatten)',
  Unflatten: 'x.unflatten(dim, sizes) (torch.unflatten)',
  Identity: 'x itself',
  TransformerEncoderLayer: 'a composition of multiHeadAttentionForward, linear, dropout and layerNorm',
};

function batchNormForm({ x, s, o, train }: Call): Tensor {
  // NOTE: with momentum null (a cumulative average), the first batch's factor is 1/1.
  const momentum = o.momentum === null ? 1 : ((o.momentum as number | undefined) ?? 0.1);
  return F.batchNorm(x[0]!, s.running_mean ?? null, s.running_var ?? null, {
    weight: s.weight, bias: s.bias, training: train || s.running_mean === undefined, momentum,
  });
}

const lossForms: Record<string, (input: Tensor, target: Tensor, o: Record<string, unknown>) => Tensor> = {
  CrossEntropyLoss: (i, t, o) => F.crossEntropy(i, t, o),
  NLLLoss: (i, t, o) => F.nllLoss(i, t, o),
  MSELoss: (i, t, o) => F.mseLoss(i, t, o),
  L1Loss: (i, t, o) => F.l1Loss(i, t, o),
  SmoothL1Loss: (i, t, o) => F.smoothL1Loss(i, t, o),
  BCELoss: (i, t, o) => F.binaryCrossEntropy(i, t, o),
  BCEWithLogitsLoss: (i, t, o) => F.binaryCrossEntropyWithLogits(i, t, o),
};

const layerCases = [
  ...loadFixture<{ cases: LayerCase[] }>('nn_module_layers').cases,
  ...loadFixture<{ cases: LayerCase[] }>('nn_module_attention').cases,
];
const lossCases = loadFixture<{ cases: LossCase[] }>('nn_module_losses').cases;

describe('every layer and loss has its functional form', () => {
  it('the tables name every class of the fixtures, and every nn layer and loss', () => {
    const classes = new Set([...layerCases.map((c) => c.cls), ...lossCases.map((c) => c.cls)]);
    for (const cls of classes) expect(cls in layerForms || cls in noFunctionalForm || cls in lossForms, cls).toBe(true);
    for (const cls of [...Object.keys(layerForms), ...Object.keys(noFunctionalForm), ...Object.keys(lossForms)]) {
      expect(classes.has(cls), `${cls} has a PyTorch fixture`).toBe(true);
    }
  });
});

describe('layer functional forms against PyTorch', () => {
  for (const c of layerCases.filter((x) => x.cls in layerForms)) {
    it(`${c.cls}: ${c.name}`, () => {
      const x = c.inputs.map((e, i) => decode(e, { requiresGrad: c.grad_inputs[i] !== null }));
      const s = Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, decode(e, { requiresGrad: k in c.grad_params })]));
      const result = layerForms[c.cls]!({ x, s, args: c.args, o: decodeOptions(c.options), fo: decodeOptions(c.forward_options), train: c.train });
      const outs = Array.isArray(result) ? result : [result];
      let loss: Tensor | null = null;
      outs.forEach((o, j) => {
        const expected = c.outputs[j];
        if (expected === null || expected === undefined) return expect(o, `output ${j}`).toBeNull();
        expectClose(o!, expected.data, { shape: expected.shape, label: `output ${j}`, atol: 2e-5 });
        const term = o!.mul(decode(c.upstream[j]!)).sum();
        loss = loss === null ? term : loss.add(term);
      });
      if (loss !== null && (loss as Tensor).requiresGrad) (loss as Tensor).backward();
      x.forEach((t, i) => {
        const g = c.grad_inputs[i];
        if (g) expectClose(t.grad!, g.data, { shape: g.shape, label: `grad of input ${i}`, atol: 2e-5 });
      });
      for (const [k, g] of Object.entries(c.grad_params)) expectClose(s[k]!.grad!, g.data, { shape: g.shape, label: `grad of ${k}`, atol: 2e-5 });
      // The running statistics a functional batchNorm updates in place, as the layer's buffers.
      for (const k of ['running_mean', 'running_var']) {
        if (c.state_after?.[k] && s[k]) expectClose(s[k], c.state_after[k].data, { label: `${k} after` });
      }
    });
  }
});

describe('loss functional forms against PyTorch', () => {
  for (const c of lossCases) {
    it(`${c.cls}: ${c.name}`, () => {
      const input = decode(c.input, { requiresGrad: true });
      const target = decode(c.target, { requiresGrad: c.grad_target !== null });
      const out = lossForms[c.cls]!(input, target, decodeOptions(c.options));
      expectClose(out, c.output.data, { shape: c.output.shape, label: 'loss' });
      out.mul(decode(c.upstream)).sum().backward();
      expectClose(input.grad!, c.grad_input.data, { shape: c.grad_input.shape, label: 'grad of input' });
      if (c.grad_target) expectClose(target.grad!, c.grad_target.data, { label: 'grad of target' });
    });
  }
});
