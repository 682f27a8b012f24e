import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, nn, ones, optim, ParamGroupError, StateDictError, type Tensor } from './lib.js';
import { Net, SeedSequential } from './models.js';

/** Gives every trainable parameter a grad of ones, as a backward pass would (frozen ones get none). */
function fakeBackward(params: Iterable<Tensor>): void {
  for (const p of params) p.grad = p.requiresGrad ? ones(p.shape) : null;
}

const snapshot = (ps: Iterable<Tensor>): number[][] => [...ps].map((p) => Array.from(p.dataSync(), Number));

function seedSetup(): { model: SeedSequential; specs: optim.ParamGroupSpecs<optim.SGDOptions>; opt: optim.SGD } {
  const model = new SeedSequential();
  const specs = optim.paramGroups<optim.SGDOptions>(model, [
    { name: 'backbone', select: model.base, lrMult: 0.1 },
    { name: 'noDecay', select: optim.select.bias, weightDecay: 0 },
  ], { defaults: { lr: 0.1, weightDecay: 1e-4 } });
  return { model, specs, opt: new optim.SGD(specs, { lr: 0.1, momentum: 0.9 }) };
}

describe('freeze and unfreeze', () => {
  it('by rule name: frozen parameters keep their values through a step; unfreeze brings them back', () => {
    const { model, opt } = seedSetup();
    // Rule "backbone" covers all of model.base, across the groups "backbone" and "backbone+noDecay".
    expect(optim.freeze(opt, 'backbone')).toEqual(['base.0.weight', 'base.2.weight', 'base.0.bias', 'base.2.bias']);
    const before = snapshot([...model.base.parameters(), ...model.classifier.parameters()]);
    fakeBackward(model.parameters());
    opt.step();
    const after = snapshot([...model.base.parameters(), ...model.classifier.parameters()]);
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    after.slice(4).forEach((a, i) => expect(a).not.toEqual(before[4 + i]));
    expect(optim.unfreeze(opt, 'backbone')).toEqual(['base.0.weight', 'base.2.weight', 'base.0.bias', 'base.2.bias']);
    expect([...model.base.parameters()].every((p) => p.requiresGrad)).toBe(true);
  });

  it('by group name when no rule has the name', () => {
    const { opt } = seedSetup();
    expect(optim.freeze(opt, 'backbone+noDecay')).toEqual(['base.0.bias', 'base.2.bias']);
    expect(optim.freeze(opt, { group: 'noDecay' })).toEqual(['classifier.0.bias', 'classifier.2.bias']);
  });

  it('by rule name (across groups), by module, by group RegExp, or a list', () => {
    const { model, opt } = seedSetup();
    expect(optim.freeze(opt, 'noDecay')).toEqual(['base.0.bias', 'base.2.bias', 'classifier.0.bias', 'classifier.2.bias']);
    expect(optim.freeze(opt, { rule: 'backbone' })).toEqual(['base.0.weight', 'base.2.weight', 'base.0.bias', 'base.2.bias']);
    expect(optim.unfreeze(opt, model.classifier)).toEqual(['classifier.0.weight', 'classifier.2.weight', 'classifier.0.bias', 'classifier.2.bias']);
    expect(optim.unfreeze(opt, { group: /^backbone/ })).toEqual(['base.0.weight', 'base.2.weight', 'base.0.bias', 'base.2.bias']);
    expect(optim.freeze(opt, ['default', { group: 'noDecay' }])).toEqual(['classifier.0.weight', 'classifier.2.weight', 'classifier.0.bias', 'classifier.2.bias']);
  });

  it("keep leaves some parameters trainable (fastai's train_bn)", () => {
    const model = new Net();
    const opt = new optim.SGD(optim.paramGroups(model, [{ name: 'blocks', select: 'blocks.**' }], { defaults: { lr: 0.1 } }), { lr: 0.1 });
    const frozen = optim.freeze(opt, 'blocks', { keep: optim.select.norm });
    expect(frozen).toEqual(['blocks.0.fc.weight', 'blocks.0.fc.bias', 'blocks.1.fc.weight', 'blocks.1.fc.bias', 'blocks.2.fc.weight', 'blocks.2.fc.bias']);
    expect(model.blocks.at(0).norm.weight!.requiresGrad).toBe(true);
  });

  it('names the nearest group or rule when the target names nothing, and changes nothing', () => {
    const { model, opt } = seedSetup();
    expect(() => optim.freeze(opt, 'backbon')).toThrow(ParamGroupError);
    expect(() => optim.freeze(opt, 'backbon')).toThrow(/optim\.freeze: "backbon" names no group or rule of this optimizer \(did you mean "backbone"\? groups are "backbone", "backbone\+noDecay", "default", "noDecay"; rules are "backbone", "noDecay"\)/);
    expect(() => optim.freeze(opt, ['backbone', 'nope'])).toThrow(/"nope" names no group or rule/);
    expect([...model.parameters()].every((p) => p.requiresGrad)).toBe(true);
    expect(() => optim.freeze(opt, new nn.Linear(2, 2))).toThrow(/optim\.freeze: the Linear given has no parameter in this optimizer/);
    expect(() => optim.freeze(opt, 3 as unknown as string)).toThrow(ArgumentTypeError);
  });

  it('freezeTo(n) freezes the groups before n, as fastai', () => {
    class Three extends nn.Module {
      body = new nn.Linear(2, 2);
      neck = new nn.Linear(2, 2);
      head = new nn.Linear(2, 2);
    }
    const m = new Three();
    const opt = new optim.SGD(optim.paramGroups(m, [{ name: 'p', parts: [m.body, m.neck, m.head], spread: { lr: [1e-3, 1e-1] } }]), { lr: 0.1 });
    // fastai Optimizer.freeze_to(n): frozen_idx = n if n >= 0 else len(groups) + n; groups [0, frozen_idx) frozen, the rest trainable.
    const fastai = (n: number, len: number): boolean[] => Array.from({ length: len }, (_, i) => i < (n >= 0 ? n : len + n));
    const state = (): boolean[] => opt.paramGroups.map((g) => g.params.every((p) => !p.requiresGrad));
    for (const n of [-1, -2, 0, 2, 3]) {
      optim.freezeTo(opt, n);
      expect(state(), `freezeTo(${n})`).toEqual(fastai(n, 3));
    }
    expect(() => optim.freezeTo(opt, 4)).toThrow(/n must be a whole number in \[-3, 3\]/);
  });
});

describe('adding a group later', () => {
  it('like another group: a tenth of the head\'s rate', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier, lrMult: 2 }], { defaults: { lr: 0.05 } });
    const opt = new optim.SGD(specs, { lr: 0.05, momentum: 0.9 });
    expect(optim.addGroup(opt, { params: model.base, like: 'head', lrMult: 0.1, name: 'backbone' })).toEqual(['backbone']);
    const g = opt.paramGroups[1]!;
    expect([g.name, g.lr, g.lrMult, g.momentum]).toEqual(['backbone', 0.05 * 2 * 0.1, 2 * 0.1, 0.9]);
    expect(g.paramNames).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);
    expect([...model.base.parameters()].every((p) => p.requiresGrad)).toBe(true);
  });

  it('from the rules, as if the parameters had been there all along', () => {
    const model = new Net();
    for (const p of model.blocks.at(0).parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups(model, [
      { name: 'layers', select: '**', layerDecay: { rate: 0.5 } },
      { name: 'noDecay', select: optim.noDecay, weightDecay: 0 },
    ], { defaults: { lr: 1, weightDecay: 0.1 } });
    const opt = new optim.AdamW(specs, { lr: 1 });
    expect(optim.addGroup(opt, { params: model.blocks.at(0), from: specs })).toEqual(['layers[1]+noDecay', 'layers[1]']);
    const added = opt.paramGroups.slice(-2).map((g) => [g.name, g.lr, g.weightDecay, g.paramNames]);
    // depth 1 of 4 → 0.5^3
    expect(added).toEqual([
      ['layers[1]+noDecay', 0.125, 0, ['blocks.0.norm.weight', 'blocks.0.norm.bias', 'blocks.0.fc.bias']],
      ['layers[1]', 0.125, 0.1, ['blocks.0.fc.weight']],
    ]);
  });

  it('refuses parameters already in the optimizer, naming their group, and changes nothing on error', () => {
    const { model, opt } = seedSetup();
    expect(() => optim.addGroup(opt, { params: model.classifier, like: 'default' })).toThrow(/optim\.addGroup: "classifier\.0\.weight" is already in group "default"/);
    const other = new SeedSequential();
    for (const p of other.base.parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(other, [{ name: 'head', select: other.classifier }], { defaults: { lr: 0.1 } });
    const opt2 = new optim.SGD(specs, { lr: 0.1 });
    // The optimizer refuses a negative lr: no group added, the parameters stay frozen.
    expect(() => optim.addGroup(opt2, { params: other.base, like: 'head', lr: -1 })).toThrow(/Invalid learning rate: -1/);
    expect(opt2.paramGroups.length).toBe(1);
    expect([...other.base.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    expect(() => optim.addGroup(opt2, { params: other.base, like: 'haed' })).toThrow(/like: the optimizer has no group "haed" \(did you mean "head"\?/);
  });
});

describe('state dicts by group and parameter name', () => {
  it('a state saved before a group was added loads into an optimizer that has it (and in any group order)', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier.at(0) }, { name: 'out', select: model.classifier.at(2), lrMult: 0.5 }], { defaults: { lr: 0.1 } });
    const opt = new optim.SGD(specs, { lr: 0.1, momentum: 0.9 });
    fakeBackward(model.parameters());
    opt.step();
    opt.paramGroups[0]!.lr = 0.07; // as a scheduler would
    const saved = opt.stateDict();

    // Resume: the rebuilt optimizer has the backbone group too, and lists groups in another order.
    for (const p of model.base.parameters()) p.requiresGrad_(true);
    const resumed = new optim.SGD([specs[1]!, specs[0]!], { lr: 0.1, momentum: 0.9 });
    optim.addGroup(resumed, { params: model.base, like: 'head', name: 'backbone' });
    expect(() => resumed.loadStateDict(saved)).toThrow(/different number of parameter groups/);
    const result = optim.loadStateDictByName(resumed, saved);
    expect(result).toEqual({ newGroups: ['backbone'], droppedGroups: [], newParams: ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'], droppedParams: [] });
    expect(resumed.paramGroups.map((g) => [g.name, g.lr])).toEqual([['out', 0.05], ['head', 0.07], ['backbone', 0.1]]);
    const w = model.classifier.at(2).parameters().next().value!;
    expect(Array.from(resumed.state.get(w)!.momentumBuffer.dataSync())).toEqual(Array.from(opt.state.get(w)!.momentumBuffer.dataSync()));
  });

  it('needs names on both sides', () => {
    const model = new SeedSequential();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    expect(() => optim.loadStateDictByName(opt, opt.stateDict())).toThrow(StateDictError);
    expect(() => optim.loadStateDictByName(opt, opt.stateDict())).toThrow(/saved group 0 has no parameter names; it can only be loaded by position/);
  });
});
