/**
 * The seed's models and optimizer call, trained for real: every answer of
 * the seed (test/seed/models.ts) builds `new optim.SGD([{ params: <base> },
 * { params: <classifier>, lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 })` its own
 * way, trains five steps of cross-entropy, and is compared with PyTorch 1.13
 * running the Sequential answer from the same weights
 * (scripts/fixtures/optim.py, seed_model_run): the answers differ in how the
 * groups are obtained, not in the maths.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';
import { ChildModulesAnswer, InterfaceAnswer, ModuleDictAnswer, ParameterListAnswer, SequentialAnswer } from '../seed/models.js';
import { expectClose, loadFixture } from './lib.js';

const { optim } = kd;
type Tensor = kd.Tensor;

interface Summary {
  sum: number;
  absSum: number;
  index: number[];
  values: number[];
}
interface SeedFixture {
  losses: number[];
  afterFirst: Record<string, Summary>;
  afterLast: Record<string, Summary>;
  groups: { lr: number; momentum: number; numParams: number }[];
}

interface Answer {
  model: kd.nn.Module & { forward(x: Tensor): Tensor };
  base: Iterable<Tensor>;
  classifier: Iterable<Tensor>;
}

const answers: [string, () => Answer][] = [
  ['Sequential submodules', () => {
    const model = new SequentialAnswer();
    return { model, base: model.base.parameters(), classifier: model.classifier.parameters() };
  }],
  ['ModuleDict of ModuleLists', () => {
    const model = new ModuleDictAnswer();
    return { model, base: model.params.base.parameters(), classifier: model.params.classifier.parameters() };
  }],
  ['an interface yielding each group', () => {
    const model = new InterfaceAnswer();
    return { model, base: model.baseParams(), classifier: model.classifierParams() };
  }],
  ['child module classes', () => {
    const model = new ChildModulesAnswer();
    return { model, base: model.base.parameters(), classifier: model.classifier.parameters() };
  }],
  ['ParameterLists', () => {
    const model = new ParameterListAnswer();
    return { model, base: model.base, classifier: model.classifier };
  }],
];

/** Compares the k-th parameter with the k-th entry of the fixture (PyTorch's names are the Sequential answer's). */
function expectSummary(params: Tensor[], expected: Record<string, Summary>, label: string): void {
  const entries = Object.entries(expected);
  expect(params.length).toBe(entries.length);
  entries.forEach(([name, e], k) => {
    const data = Array.from(params[k]!.dataSync(), Number);
    expectClose([data.reduce((s, v) => s + v, 0), data.reduce((s, v) => s + Math.abs(v), 0)], [e.sum, e.absSum], `${label} ${name} sums`, 1e-4, 1e-4);
    expectClose(e.index.map((i) => data[i]!), e.values, `${label} ${name} elements`, 1e-6, 1e-5);
  });
}

describe('the seed, trained', () => {
  const fx = loadFixture<SeedFixture>('optim_seed');
  for (const [name, make] of answers) {
    it(`${name}: matches PyTorch's losses and parameters after 1 and 5 steps`, () => {
      const { model, base, classifier } = make();
      const params = [...model.parameters()];
      kd.noGrad(() => {
        params.forEach((p, k) => {
          const data = p.storage.data;
          // NOTE: the fixture's weights, 0.05·sin(0.1·i + k), computed in double and rounded to float32 on both sides.
          for (let i = 0; i < data.length; i++) data[i] = Math.fround(0.05 * Math.sin(0.1 * i + k));
        });
      });
      const x = kd.tensor(Float32Array.from({ length: 8 }, (_, i) => (i * 2) / 7 - 1), { shape: [8, 1] });
      const labels = kd.tensor(Int32Array.from({ length: 8 }, (_, i) => (i * 123 + 7) % 964), { shape: [8], dtype: 'int32' });

      const opt = new optim.SGD([{ params: base }, { params: classifier, lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
      expect(opt.paramGroups.map((g) => ({ lr: g.lr, momentum: g.momentum, numParams: g.params.length }))).toEqual(fx.groups);
      expect(opt.paramGroups.flatMap((g) => g.params)).toEqual(params);

      const losses: number[] = [];
      for (let step = 0; step < fx.losses.length; step++) {
        opt.zeroGrad();
        const loss = kd.crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
        losses.push(loss.item());
        if (step === 0) expectSummary(params, fx.afterFirst, 'after step 1:');
      }
      expectClose(losses, fx.losses, 'losses', 1e-5, 1e-5);
      expectSummary(params, fx.afterLast, `after step ${fx.losses.length}:`);
      expect(losses[4]!).toBeLessThan(losses[0]!);
    });
  }
});
