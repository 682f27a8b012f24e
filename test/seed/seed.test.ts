/**
 * Every answer of the seed works in kindling: the parameter names, order and
 * counts equal PyTorch 1.13's for the same model (fixture from
 * scripts/fixtures/nn.py), the groups hold the right parameters, and
 * `optim.SGD` builds the seed's groups with lr 1e-2 / 1e-3 and momentum 0.9.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd, loadFixture } from '../helpers.js';
import { expectLayout, type Layout } from '../nn/layout.js';
import { ChildModulesAnswer, InterfaceAnswer, ModuleDictAnswer, ParameterListAnswer, QuestionModel, SequentialAnswer } from './models.js';

const { optim } = kd;

interface SeedLayout extends Layout {
  base_params?: string[];
  classifier_params?: string[];
  sgd_groups?: { lr: number; momentum: number; num_params: number }[];
}
const fx = loadFixture<Record<string, SeedLayout>>('nn_module_state_dicts');

/** The dotted names of `params` within `model`. */
function namesIn(model: kd.nn.Module, params: Iterable<kd.Tensor>): string[] {
  const byTensor = new Map<kd.Tensor, string>([...model.namedParameters()].map(([n, p]) => [p, n]));
  return [...params].map((p) => byTensor.get(p) ?? '<not a parameter of the model>');
}

/** The seed's optimizer call, for any way of getting the two groups. */
function seedOptimizer(base: Iterable<kd.Tensor>, classifier: Iterable<kd.Tensor>): InstanceType<typeof optim.SGD> {
  return new optim.SGD([{ params: base }, { params: classifier, lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
}

function expectSeedGroups(opt: InstanceType<typeof optim.SGD>, base: string[], classifier: string[], model: kd.nn.Module): void {
  const [g0, g1] = opt.paramGroups;
  expect(opt.paramGroups.length).toBe(2);
  expect(g0!.lr).toBe(1e-2);
  expect(g1!.lr).toBe(1e-3);
  expect(g0!.momentum).toBe(0.9);
  expect(g1!.momentum).toBe(0.9);
  expect(namesIn(model, g0!.params)).toEqual(base);
  expect(namesIn(model, g1!.params)).toEqual(classifier);
}

const fcBase = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
const fcClassifier = ['fc3.weight', 'fc3.bias', 'fc4.weight', 'fc4.bias'];

describe('the question’s own model', () => {
  it('registers fc1…fc4 and relu as PyTorch does', () => expectLayout(new QuestionModel(), fx.question!));
});

describe('answer 1: Sequential submodules', () => {
  it('names and counts parameters as PyTorch', () => expectLayout(new SequentialAnswer(), fx.sequential!));

  it('model.base.parameters() and model.classifier.parameters() make the seed’s SGD groups', () => {
    const model = new SequentialAnswer();
    const opt = new optim.SGD([
      { params: model.base.parameters() },
      { params: model.classifier.parameters(), lr: 1e-3 },
    ], { lr: 1e-2, momentum: 0.9 });
    expectSeedGroups(opt, ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'], ['classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias'], model);
    // PyTorch's groups for the same call.
    expect(fx.sequential!.sgd_groups).toEqual(opt.paramGroups.map((g) => ({ lr: g.lr, momentum: g.momentum, num_params: g.params.length })));
  });

  it('trains: one SGD step changes both groups, at their own learning rates', () => {
    kd.manualSeed(0);
    const model = new SequentialAnswer();
    const opt = seedOptimizer(model.base.parameters(), model.classifier.parameters());
    const w0 = model.base.getParameter('0.weight').clone();
    const c0 = model.classifier.getParameter('2.bias').clone();
    const x = kd.randn([8, 1]);
    const labels = kd.randint(0, 964, [8]);
    const loss = new kd.nn.CrossEntropyLoss().forward(model.forward(x), labels);
    opt.zeroGrad();
    loss.backward();
    const gw = model.base.getParameter('0.weight').grad!.clone();
    const gc = model.classifier.getParameter('2.bias').grad!.clone();
    opt.step();
    // First step with momentum: the buffer is the gradient, so p ← p − lr·grad, per group.
    expectClose(model.base.getParameter('0.weight'), w0.sub(gw.mul(1e-2)).dataSync(), { atol: 1e-6 });
    expectClose(model.classifier.getParameter('2.bias'), c0.sub(gc.mul(1e-3)).dataSync(), { atol: 1e-6 });
  });
});

describe('answer 2: a ModuleDict of ModuleLists reusing fc1…fc4', () => {
  it('names and counts parameters as PyTorch, with no duplicates', () => {
    const model = new ModuleDictAnswer();
    expectLayout(model, fx.moduleDict!);
    const ps = [...model.parameters()];
    expect(new Set(ps).size).toBe(ps.length);
    expect(ps.length).toBe(8);
  });

  it('model.params.base.parameters() is typed and holds fc1 and fc2', () => {
    const model = new ModuleDictAnswer();
    expect(model.params.base.at(0)).toBe(model.fc1);
    expect(namesIn(model, model.params.base.parameters())).toEqual(fx.moduleDict!.base_params);
    expect(namesIn(model, model.params.classifier.parameters())).toEqual(fx.moduleDict!.classifier_params);
    const opt = new optim.SGD([
      { params: model.params.base.parameters() },
      { params: model.params.classifier.parameters(), lr: 1e-3 },
    ], { lr: 1e-2, momentum: 0.9 });
    expectSeedGroups(opt, fcBase, fcClassifier, model);
  });
});

describe('answer 3: an interface yielding each group', () => {
  it('names and counts parameters as PyTorch', () => expectLayout(new InterfaceAnswer(), fx.interface!));

  it('baseParams() and classifierParams() yield PyTorch’s groups', () => {
    const model = new InterfaceAnswer();
    expect(namesIn(model, model.baseParams())).toEqual(fx.interface!.base_params);
    expect(namesIn(model, model.classifierParams())).toEqual(fx.interface!.classifier_params);
    const opt = new optim.SGD([
      { params: model.baseParams() },
      { params: model.classifierParams(), lr: 1e-3 },
    ], { lr: 1e-2, momentum: 0.9 });
    expectSeedGroups(opt, fcBase, fcClassifier, model);
  });
});

describe('answer 4: child module classes Base and Classifier', () => {
  it('names and counts parameters as PyTorch', () => expectLayout(new ChildModulesAnswer(), fx.childModules!));

  it('the seed’s optimizer call', () => {
    const model = new ChildModulesAnswer();
    const opt = seedOptimizer(model.base.parameters(), model.classifier.parameters());
    expectSeedGroups(opt, ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'], ['classifier.0.weight', 'classifier.0.bias', 'classifier.2.weight', 'classifier.2.bias'], model);
    expect(model.forward(kd.ones([3, 1])).shape).toEqual([3, 964]);
  });
});

describe('the ParameterList alternative', () => {
  it('names and counts parameters as PyTorch (the lists add no duplicates)', () => expectLayout(new ParameterListAnswer(), fx.parameterList!));

  it('model.base and model.classifier are the groups', () => {
    const model = new ParameterListAnswer();
    const opt = seedOptimizer(model.base, model.classifier);
    expectSeedGroups(opt, fcBase, fcClassifier, model);
  });
});

describe('the same group specs, before any optimizer', () => {
  it('each answer’s specs hold 4 parameters per group with the seed’s sizes', () => {
    const seq = new SequentialAnswer();
    const md = new ModuleDictAnswer();
    const itf = new InterfaceAnswer();
    const child = new ChildModulesAnswer();
    const pl = new ParameterListAnswer();
    const specs = [
      [seq.base.parameters(), seq.classifier.parameters()],
      [md.params.base.parameters(), md.params.classifier.parameters()],
      [itf.baseParams(), itf.classifierParams()],
      [child.base.parameters(), child.classifier.parameters()],
      [pl.base, pl.classifier],
    ].map(([b, c]) => [{ params: [...b!] }, { params: [...c!], lr: 1e-3 }] as const);
    for (const [base, classifier] of specs) {
      expect(base.params.map((p) => p.shape)).toEqual([[512, 1], [512], [264, 512], [264]]);
      expect(classifier.params.map((p) => p.shape)).toEqual([[128, 264], [128], [964, 128], [964]]);
      expect(classifier.lr).toBe(1e-3);
    }
  });
});
