/**
 * Reading what PyTorch 1.13's torch.save wrote (committed fixtures, made by
 * scripts/fixtures/io.py): every dtype, views sharing a storage, module and
 * optimizer state dicts, Parameters, plain values, protocol 4, a deflated
 * zip; and the files kindling refuses, with the message it gives.
 */
import { describe, expect, it } from 'vitest';
import { FILES, expectDescribed, fixtureBytes, fixturePath, kd } from './lib.js';
import { decode } from '../fixtures.js';
import { expectClose } from '../helpers.js';

const { nn, optim } = kd;

describe('torch.save files from PyTorch 1.13', () => {
  for (const [name, c] of Object.entries(FILES)) {
    if (!name.endsWith('.pt')) continue;
    if (c.error !== undefined) {
      it(`refuses ${name}`, () => {
        expect(() => kd.io.deserialize(fixtureBytes(name))).toThrow(kd.CheckpointError);
        expect(() => kd.io.deserialize(fixtureBytes(name))).toThrow(new RegExp(c.error!));
      });
    } else {
      it(`reads ${name}`, () => {
        expectDescribed(kd.io.deserialize(fixtureBytes(name)), c.value!);
        expectDescribed(kd.load(fixturePath(name)), c.value!);
      });
    }
  }

  it('keeps views on one storage: a write through one shows in the others', () => {
    const v = kd.io.deserialize(fixtureBytes('views.pt')) as Record<string, kd.Tensor>;
    expect(v['tail']!.storage).toBe(v['base']!.storage);
    expect(v['T']!.storage).toBe(v['base']!.storage);
    expect(v['T']!.strides).toEqual([1, 3]);
    expect(v['tail']!.offset).toBe(3);
    v['base']!.mul_(2);
    expect(v['tail']!.toArray()).toEqual([6, 8, 10, 12, 14, 16, 18]);
    expect(v['T']!.toArray()).toEqual([[0, 6], [2, 8], [4, 10]]);
  });

  it('reads int keys into an object and 2^70 as a bigint', () => {
    const v = kd.io.deserialize(fixtureBytes('values.pt')) as Record<string, unknown>;
    expect(v['intkeys']).toEqual({ 0: 'zero', 1: 'one' });
    expect(v['huge']).toBe(2n ** 70n);
    expect(v['negbig']).toBe(-(2 ** 40));
  });

  it('loads a PyTorch module state_dict into the same kindling model, which then computes what PyTorch computed', () => {
    const c = FILES['module.pt']!;
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2), new nn.BatchNorm1d(2));
    model.loadStateDict(kd.load(fixturePath('module.pt')) as Record<string, kd.Tensor>);
    model.eval();
    expectClose(model.forward(decode(c.input!)), decode(c.output!), { atol: 1e-6 });
  });

  it('loads PyTorch SGD and Adam state dicts into kindling optimizers with the same groups', () => {
    for (const [file, make] of [
      ['sgd.pt', (g: { params: Iterable<kd.Tensor>; lr?: number }[]) => new optim.SGD(g, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
      ['adam.pt', (g: { params: Iterable<kd.Tensor>; lr?: number }[]) => new optim.Adam(g, { lr: 0.01, betas: [0.8, 0.9] })],
    ] as const) {
      const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2), new nn.BatchNorm1d(2));
      const opt = make([{ params: model.at(0, nn.Linear).parameters() }, { params: model.at(2, nn.Linear).parameters(), lr: 0.05 }]);
      const saved = kd.load(fixturePath(file)) as Record<string, unknown>;
      opt.loadStateDict(saved);
      expect(opt.paramGroups[1]!.lr).toBe(0.05);
      const state = (saved['state'] as Record<string, Record<string, unknown>>);
      const first = opt.state.get(model.at(0, nn.Linear).weight) as unknown as Record<string, unknown>;
      const key = file === 'sgd.pt' ? 'momentumBuffer' : 'expAvg';
      expectClose(first[key] as kd.Tensor, state['0']![file === 'sgd.pt' ? 'momentum_buffer' : 'exp_avg'] as kd.Tensor, { atol: 0, rtol: 0 });
      if (file === 'adam.pt') expect(first['step']).toBe(3);
    }
  });
});
