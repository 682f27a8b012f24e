/**
 * Loss modules against PyTorch 1.13: outputs and gradients for each option
 * (fixtures from scripts/fixtures/nn.py), and their argument errors.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../fixtures.js';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { construct, type LossCase } from './cases.js';

const { nn } = kd;

describe('losses against PyTorch', () => {
  for (const c of loadFixture<{ cases: LossCase[] }>('nn_module_losses').cases) {
    it(c.name, () => {
      const loss = construct(c.cls, [], c.options) as kd.nn.Loss;
      const input = decode(c.input, { requiresGrad: true });
      const target = decode(c.target, { requiresGrad: c.grad_target !== null });
      const out = loss.forward(input, target);
      expectClose(out, c.output.data, { shape: c.output.shape, label: 'loss' });
      out.mul(decode(c.upstream)).sum().backward();
      expectClose(input.grad!, c.grad_input.data, { shape: c.grad_input.shape, label: 'grad of input' });
      if (c.grad_target) expectClose(target.grad!, c.grad_target.data, { label: 'grad of target' });
    });
  }
});

describe('loss modules', () => {
  it('keep a class weight as a buffer, as PyTorch (so it is in stateDict)', () => {
    const w = kd.tensor([1, 2, 3]);
    expect(Object.keys(new nn.CrossEntropyLoss({ weight: w }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.CrossEntropyLoss().stateDict())).toEqual([]);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: w });
    expect(Object.keys(bce.stateDict())).toEqual(['pos_weight']);
    expect(bce.posWeight).toBe(w);
    expect([...bce.parameters()]).toEqual([]);
  });

  it('print like PyTorch', () => {
    expect(String(new nn.MSELoss())).toBe('MSELoss()');
    expect(String(new nn.L1Loss({ reduction: 'sum' }))).toBe("L1Loss(reduction='sum')");
  });

  const rows: { name: string; call: () => unknown; match: RegExp }[] = [
    { name: 'unknown reduction', call: () => new nn.MSELoss({ reduction: 'avg' as 'mean' }), match: /nn\.MSELoss: string avg is not a valid value for reduction.*'mean', 'sum' or 'none'/ },
    { name: 'labelSmoothing above 1', call: () => new nn.CrossEntropyLoss({ labelSmoothing: 1.5 }), match: /labelSmoothing must be between 0\.0 and 1\.0, got number 1\.5/ },
    { name: 'non-integer ignoreIndex', call: () => new nn.NLLLoss({ ignoreIndex: 0.5 }), match: /ignoreIndex must be an integer/ },
    { name: 'weight that is not a tensor', call: () => new nn.BCELoss({ weight: [1, 2] as unknown as kd.Tensor }), match: /nn\.BCELoss: weight must be a Tensor or null, got an Array/ },
    { name: 'negative beta', call: () => new nn.SmoothL1Loss({ beta: -1 }), match: /beta must be a non-negative number/ },
  ];
  for (const row of rows) it(`refuses ${row.name}`, () => expect(row.call).toThrow(row.match));
});
