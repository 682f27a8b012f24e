/**
 * The seed's model and optimizer call, trained for real: the Sequential
 * answer (`model.base`, `model.classifier`), `new optim.SGD([{ params:
 * model.base.parameters() }, { params: model.classifier.parameters(), lr:
 * 1e-3 }], { lr: 1e-2, momentum: 0.9 })`, five steps of cross-entropy, compared
 * with PyTorch 1.13 running the same model from the same weights
 * (scripts/fixtures/optim.py, seed_model_run).
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';
import { expectClose, loadFixture } from './lib.js';

const { nn, optim } = kd;
type Tensor = kd.Tensor;

class Base extends nn.Sequential {
  constructor() {
    super(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU());
  }
}

class Classifier extends nn.Sequential {
  constructor() {
    super(new nn.Linear(264, 128), new nn.ReLU(), new nn.Linear(128, 964));
  }
}

class MyModel extends nn.Module {
  base = new Base();
  classifier = new Classifier();

  forward(y0: Tensor): Tensor {
    return this.classifier.forward(this.base.forward(y0));
  }
}

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

function expectSummary(model: MyModel, expected: Record<string, Summary>, label: string): void {
  const named = [...model.namedParameters()];
  expect(named.map(([n]) => n)).toEqual(Object.keys(expected));
  for (const [name, p] of named) {
    const e = expected[name]!;
    const data = Array.from(p.dataSync(), Number);
    expectClose([data.reduce((s, v) => s + v, 0), data.reduce((s, v) => s + Math.abs(v), 0)], [e.sum, e.absSum], `${label} ${name} sums`, 1e-4, 1e-4);
    expectClose(e.index.map((i) => data[i]!), e.values, `${label} ${name} elements`, 1e-6, 1e-5);
  }
}

describe('the seed, trained', () => {
  it('matches PyTorch\'s losses and parameters after 1 and 5 steps', () => {
    const fx = loadFixture<SeedFixture>('optim_seed');
    const model = new MyModel();
    kd.noGrad(() => {
      [...model.namedParameters()].forEach(([, p], k) => {
        const data = p.storage.data;
        // NOTE: the fixture's weights, 0.05·sin(0.1·i + k), computed in double and rounded to float32 on both sides.
        for (let i = 0; i < data.length; i++) data[i] = Math.fround(0.05 * Math.sin(0.1 * i + k));
      });
    });
    const x = kd.tensor(Float32Array.from({ length: 8 }, (_, i) => (i * 2) / 7 - 1), { shape: [8, 1] });
    const labels = kd.tensor(Int32Array.from({ length: 8 }, (_, i) => (i * 123 + 7) % 964), { shape: [8], dtype: 'int32' });

    const opt = new optim.SGD([
      { params: model.base.parameters() },
      { params: model.classifier.parameters(), lr: 1e-3 },
    ], { lr: 1e-2, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => ({ lr: g.lr, momentum: g.momentum, numParams: g.params.length }))).toEqual(fx.groups);

    const losses: number[] = [];
    for (let step = 0; step < fx.losses.length; step++) {
      opt.zeroGrad();
      const loss = kd.crossEntropy(model.forward(x), labels);
      loss.backward();
      opt.step();
      losses.push(loss.item());
      if (step === 0) expectSummary(model, fx.afterFirst, 'after step 1:');
    }
    expectClose(losses, fx.losses, 'losses', 1e-5, 1e-5);
    expectSummary(model, fx.afterLast, `after step ${fx.losses.length}:`);
    expect(losses[4]!).toBeLessThan(losses[0]!);
  });
});
