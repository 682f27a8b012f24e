/**
 * Resuming: loading by name never loses saved state unless asked to, a
 * plain load with another number of groups says how to fix it, and a group
 * listed twice is saved as PyTorch saves it. Every refusal leaves the
 * optimizer as it was.
 */
import { describe, expect, it } from 'vitest';
import { ones, optim, StateDictError, type Tensor } from './lib.js';
import { SeedSequential } from './models.js';

function fakeBackward(params: Iterable<Tensor>): void {
  for (const p of params) p.grad = p.requiresGrad ? ones(p.shape) : null;
}

/** An optimizer over head and backbone, stepped once, and its state dict. */
function trained(): { model: SeedSequential; saved: optim.OptimizerStateDict } {
  const model = new SeedSequential();
  const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'backbone', select: model.base, lrMult: 0.1 }], { defaults: { lr: 0.1 } });
  const opt = new optim.SGD(specs, { lr: 0.1, momentum: 0.9 });
  fakeBackward(model.parameters());
  opt.step();
  return { model, saved: opt.stateDict() };
}

/** The same model's optimizer with the classifier only (the backbone not added yet). */
function headOnly(model: SeedSequential): optim.SGD {
  return new optim.SGD([{ params: model.classifier.namedParameters({ prefix: 'classifier' }), name: 'default', lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
}

describe('loadStateDictByName never drops saved state silently', () => {
  it('a saved group the optimizer has no place for is an error naming it and its parameters, and nothing changes', () => {
    const { model, saved } = trained();
    const opt = headOnly(model);
    const call = () => optim.loadStateDictByName(opt, saved);
    expect(call).toThrow(StateDictError);
    expect(call).toThrow(
      /optim\.loadStateDictByName: loading would lose saved optimizer state: the saved state has a group this optimizer has no place for: "backbone" \(with "base\.0\.weight", "base\.0\.bias", "base\.2\.weight", "base\.2\.bias"\) \(add the group first \(e\.g\. optim\.addGroup\(opt, \{ params: …, like: …, name: "backbone" \}\)\) and load again; or pass \{ strict: false \} to drop it and load the rest\)/,
    );
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    expect(opt.state.size).toBe(0);
  });

  it('after adding the group, the same dict loads with every momentum buffer', () => {
    const { model, saved } = trained();
    const opt = headOnly(model);
    optim.addGroup(opt, { params: model.base, like: 'default', name: 'backbone', model });
    expect(optim.loadStateDictByName(opt, saved)).toEqual({ newGroups: [], droppedGroups: [], newParams: [], droppedParams: [] });
    expect(opt.state.size).toBe(8);
    expect(opt.paramGroups.map((g) => [g.name, g.lr])).toEqual([['default', 0.1], ['backbone', 0.1 * 0.1]]);
  });

  it('{ strict: false } drops them and reports what was dropped', () => {
    const { model, saved } = trained();
    const opt = headOnly(model);
    expect(optim.loadStateDictByName(opt, saved, { strict: false })).toEqual({
      newGroups: [], droppedGroups: ['backbone'], newParams: [], droppedParams: ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'],
    });
    expect(opt.state.size).toBe(4);
  });

  it('a saved parameter the optimizer no longer holds is an error too', () => {
    const { model, saved } = trained();
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'backbone', select: 'base.0.*', lrMult: 0.1 }], { defaults: { lr: 0.1 }, strict: false });
    const partial = specs.map((g) => ({ ...g, params: g.params.filter(([n]) => !n.startsWith('base.2')) }));
    const opt = new optim.SGD(partial, { lr: 0.1, momentum: 0.9 });
    expect(() => optim.loadStateDictByName(opt, saved)).toThrow(/saved parameters this optimizer does not hold: "base\.2\.weight", "base\.2\.bias"/);
    expect(opt.state.size).toBe(0);
    expect(optim.loadStateDictByName(opt, saved, { strict: false }).droppedParams).toEqual(['base.2.weight', 'base.2.bias']);
  });

  it('a MultiOptimizer refuses a saved optimizer it does not have', () => {
    const { model, saved } = trained();
    const multi = new optim.MultiOptimizer({ sgd: headOnly(model) });
    expect(() => optim.loadStateDictByName(multi, { optimizers: { sgd: saved, adamw: saved } })).toThrow(/no place for: .*"adamw\/backbone"/);
  });

  it('bad options are refused', () => {
    const { model, saved } = trained();
    expect(() => optim.loadStateDictByName(headOnly(model), saved, { strict: 'no' } as never)).toThrow(/options must be \{ strict\?: boolean \}/);
  });
});

describe('loadStateDict with another number of groups says how to fix it', () => {
  it('more saved groups: add them first, or load by name', () => {
    const { model, saved } = trained();
    const opt = headOnly(model);
    expect(() => opt.loadStateDict(saved)).toThrow(
      /SGD\.loadStateDict: loaded state dict has a different number of parameter groups \(it has 2, this optimizer has 1\) \(the saved state has groups this optimizer lacks \(parameter group 1 \('default'\): classifier\.0\.weight, classifier\.0\.bias, classifier\.2\.weight, …\): add them first \(opt\.addParamGroup, or optim\.addGroup\) and load again, or load by name with optim\.loadStateDictByName\(opt, sd\)\)/,
    );
  });

  it('fewer saved groups: load by name', () => {
    const { model } = trained();
    const opt = headOnly(model);
    const saved = opt.stateDict();
    optim.addGroup(opt, { params: model.base, like: 'default', name: 'backbone', model });
    expect(() => opt.loadStateDict(saved)).toThrow(/this optimizer has groups the saved state lacks \(parameter group 1 \('backbone'\)\): load by name with optim\.loadStateDictByName\(opt, sd\), which keeps them as they are/);
  });
});

describe('a group listed twice (PyTorch issue #36831)', () => {
  it('stateDict gives its parameters their first positions again; the dict loads back', () => {
    const model = new SeedSequential();
    const opt = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
    opt.paramGroups.push(opt.paramGroups[0]!);
    fakeBackward(model.parameters());
    opt.step();
    const sd = opt.stateDict();
    // NOTE: PyTorch 2.x's packing: a parameter seen before keeps its index; positions still advance by the group's length.
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3]]);
    expect(Object.keys(sd.state).map(Number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const again = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
    again.paramGroups.push(again.paramGroups[0]!);
    again.loadStateDict(sd);
    expect(again.state.size).toBe(8);
  });
});
