/**
 * Every layer against PyTorch 1.13 (fixtures from scripts/fixtures/nn.py):
 * PyTorch's initial weights loaded through loadStateDict, then the outputs,
 * the gradients of inputs and parameters, and the buffers after the call.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { construct, decodeOptions, stateDictOf, type LayerCase } from './cases.js';

function runCase(c: LayerCase): void {
  const layer = construct(c.cls, c.args, c.options);
  layer.loadStateDict(stateDictOf(c.state));
  layer.train(c.train);
  const inputs = c.inputs.map((e, i) => decode(e, { requiresGrad: c.grad_inputs[i] !== null }));
  const fo = decodeOptions(c.forward_options);
  const forward = (layer as unknown as { forward(...a: unknown[]): kd.Tensor | (kd.Tensor | null)[] }).forward.bind(layer);
  const result = Object.keys(fo).length > 0 ? forward(...inputs, fo) : forward(...inputs);
  const outs = Array.isArray(result) ? result : [result];
  expect(outs.length).toBe(c.outputs.length);
  let loss: kd.Tensor | null = null;
  outs.forEach((o, j) => {
    const expected = c.outputs[j];
    if (expected === null || expected === undefined) {
      expect(o, `output ${j}`).toBeNull();
      return;
    }
    expectClose(o!, expected.data, { shape: expected.shape, label: `output ${j}`, atol: 2e-5 });
    const term = o!.mul(decode(c.upstream[j]!)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  if (loss !== null && (loss as kd.Tensor).requiresGrad) (loss as kd.Tensor).backward();
  inputs.forEach((x, i) => {
    const g = c.grad_inputs[i];
    if (g) expectClose(x.grad!, g.data, { shape: g.shape, label: `grad of input ${i}`, atol: 2e-5 });
  });
  const params = Object.fromEntries(layer.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(c.state).filter((k) => k in params).sort());
  for (const [name, g] of Object.entries(c.grad_params)) {
    expect(params[name], `parameter ${name}`).toBeDefined();
    expectClose(params[name]!.grad!, g.data, { shape: g.shape, label: `grad of ${name}`, atol: 2e-5 });
  }
  if (c.state_after) {
    const after = layer.stateDict();
    expect(Object.keys(after)).toEqual(Object.keys(c.state_after));
    for (const [k, v] of Object.entries(c.state_after)) expectClose(after[k]!, v.data, { shape: v.shape, label: `${k} after forward` });
  }
}

describe('layers against PyTorch', () => {
  for (const c of loadFixture<{ cases: LayerCase[] }>('nn_module_layers').cases) it(c.name, () => runCase(c));
});

describe('attention against PyTorch', () => {
  for (const c of loadFixture<{ cases: LayerCase[] }>('nn_module_attention').cases) it(c.name, () => runCase(c));
});
