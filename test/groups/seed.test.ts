/**
 * Every answer of the seed (../../../shared/seed/parameter-groups-question.txt),
 * re-expressed as rules, gives the same optimizer groups as the hand-built
 * `optim.SGD([{ params: base }, { params: classifier, lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 })`.
 */
import { describe, expect, it } from 'vitest';
import { optim, type Tensor } from './lib.js';
import {
  ChildModulesAnswer, Classifier, InterfaceAnswer, ModuleDictAnswer, ParameterListAnswer, QuestionModel, SequentialAnswer,
} from '../seed/models.js';

const OPTIONS = { lr: 1e-2, momentum: 0.9 };
const HYPER = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

/** What makes two optimizers' groups the same: the same parameters (identity, order) and hyperparameters. */
function summary(opt: optim.SGD): { params: Tensor[]; values: unknown[] }[] {
  return opt.paramGroups.map((g) => ({ params: [...g.params], values: HYPER.map((k) => g[k]) }));
}

function expectSame(ruled: optim.SGD, hand: optim.SGD): void {
  const a = summary(ruled);
  const b = summary(hand);
  expect(a.length).toBe(b.length);
  a.forEach((g, i) => {
    expect(g.params.length, `group ${i} size`).toBe(b[i]!.params.length);
    g.params.forEach((p, k) => expect(p === b[i]!.params[k], `group ${i} param ${k} is the same tensor`).toBe(true));
    expect(g.values, `group ${i} values`).toEqual(b[i]!.values);
  });
  expect(hand.paramGroups.map((g) => g.lr)).toEqual([1e-2, 1e-3]);
}

describe('the seed answers as rules', () => {
  it('answer 1 (Sequentials): select the classifier module', () => {
    const model = new SequentialAnswer();
    const hand = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: model.classifier, lr: 1e-3 }]);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
    expect(specs.map((g) => g.name)).toEqual(['default', 'classifier']);
  });

  it('answer 1 again, with globs', () => {
    const model = new SequentialAnswer();
    const hand = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'base', select: 'base.**' }, { name: 'classifier', select: 'classifier.**', lr: 1e-3 }], { strict: true });
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });

  it('answer 2 (ModuleDict of ModuleLists): select model.params.classifier; the shared layers land once', () => {
    const model = new ModuleDictAnswer();
    const hand = new optim.SGD([{ params: model.params.base.parameters() }, { params: model.params.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: model.params.classifier, lr: 1e-3 }]);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
    // fc1 is also params.base.0: one tensor, two names, reported, in one group under its first name.
    expect(specs.report.tied[0]).toEqual({ names: ['fc1.weight', 'params.base.0.weight'], group: 'default' });
    expect(specs[0]!.params.map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  });

  it('answer 3 (an interface of parameter iterators): select the layers', () => {
    const model = new InterfaceAnswer();
    const hand = new optim.SGD([{ params: model.baseParams() }, { params: model.classifierParams(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [
      { name: 'base', select: [model.fc1, model.fc2] },
      { name: 'classifier', select: [model.fc3, model.fc4], lr: 1e-3 },
    ], { strict: true });
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });

  it('answer 4 (child module classes): select by class', () => {
    const model = new ChildModulesAnswer();
    const hand = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: Classifier, lr: 1e-3 }]);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });

  it('the ParameterList alternative: select the list', () => {
    const model = new ParameterListAnswer();
    const hand = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: model.classifier, lr: 1e-3 }]);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });

  it("the question's own model needs no restructuring: rules select fc3 and fc4 by name", () => {
    const model = new QuestionModel();
    const hand = new optim.SGD([
      { params: [...model.fc1.parameters(), ...model.fc2.parameters()] },
      { params: [...model.fc3.parameters(), ...model.fc4.parameters()], lr: 1e-3 },
    ], OPTIONS);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'classifier', select: /^fc[34]\./, lr: 1e-3 }]);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });

  it('the same rules, loaded from JSON, give the same groups', () => {
    const model = new SequentialAnswer();
    const rules = JSON.parse('[{ "name": "classifier", "select": { "module": "classifier" }, "lr": 0.001 }]') as optim.Rule[];
    const specs = optim.paramGroups(model, rules);
    const hand = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], OPTIONS);
    expectSame(new optim.SGD(specs, OPTIONS), hand);
  });
});
