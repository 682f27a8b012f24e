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

describe('frozen parameters kept in the optimizer (frozen: include)', () => {
  it('the optimizer holds them from the start; steps skip them until they are unfrozen, with no change to groups or schedulers', () => {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'backbone', select: model.base, lrMult: 0.1 }], { defaults: { lr: 0.1 }, frozen: 'include' });
    expect(specs.report.frozen).toEqual({ names: ['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias'], included: true });
    const opt = new optim.SGD(specs, { lr: 0.1, momentum: 0.9 });
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    expect(opt.paramGroups.map((g) => [g.name, g.params.length])).toEqual([['backbone', 4], ['default', 4]]);
    expect(optim.describeGroups(opt).params.filter((p) => p.frozen).map((p) => p.name)).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);

    const before = snapshot(model.base.parameters());
    fakeBackward(model.parameters());
    opt.step();
    sched.step();
    expect(snapshot(model.base.parameters())).toEqual(before);
    expect([...model.base.parameters()].some((p) => opt.state.has(p))).toBe(false);

    expect(optim.unfreeze(opt, 'backbone')).toEqual(['base.0.weight', 'base.0.bias', 'base.2.weight', 'base.2.bias']);
    fakeBackward(model.parameters());
    opt.step();
    // First step with momentum: the buffer is the grad (ones), so p -= lr · 1 with lr = 0.1 × 0.1 × 0.5 (one StepLR step).
    const after = snapshot(model.base.parameters());
    after.forEach((vs, i) => vs.forEach((v, k) => expect(v).toBeCloseTo(before[i]![k]! - 0.1 * 0.1 * 0.5, 6)));
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([expect.closeTo(0.005, 15), 0.05]);
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

describe('adding a group later: checks', () => {
  function frozenBase(): { model: SeedSequential; opt: optim.SGD } {
    const model = new SeedSequential();
    for (const p of model.base.parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'head', select: model.classifier, lrMult: 2 }], { defaults: { lr: 0.05 } });
    return { model, opt: new optim.SGD(specs, { lr: 0.05, momentum: 0.9 }) };
  }
  /** `addGroup` as plain JavaScript calls it (no compile-time checks). */
  const add = optim.addGroup as (o: unknown, s: unknown) => string[];
  const table: { what: string; spec: (m: SeedSequential) => Record<string, unknown>; match: RegExp }[] = [
    { what: 'a misspelt key', spec: (m) => ({ params: m.base, likee: 'head' }), match: /optim\.addGroup: unknown key "likee" \(did you mean "like"\?\); addGroup takes params, name, like, from, model, unfreeze, the hyperparameters of SGD/ },
    { what: 'a misspelt hyperparameter', spec: (m) => ({ params: m.base, like: 'head', momentom: 0.5 }), match: /unknown key "momentom" \(did you mean "momentum"\?\)/ },
    { what: 'a multiplier of a non-numeric key', spec: (m) => ({ params: m.base, like: 'head', nesterovMult: 2 }), match: /unknown key "nesterovMult" \(nesterov is not numeric, so it has no multiplier\)/ },
    { what: 'a multiplier that is not a number', spec: (m) => ({ params: m.base, like: 'head', lrMult: '0.1' }), match: /lrMult must be a finite number ≥ 0, got "0\.1"/ },
    { what: 'unfreeze that is not a boolean', spec: (m) => ({ params: m.base, like: 'head', unfreeze: 'yes' }), match: /unfreeze must be true or false, got "yes"/ },
    { what: 'a multiplier with nothing to multiply', spec: (m) => ({ params: m.base, momentumMult: 2 }), match: /momentumMult needs a momentum to multiply, but the new group "added" has none; give momentum, like or from/ },
    { what: 'from that is not what paramGroups returned', spec: (m) => ({ params: m.base, from: [{ params: [] }] }), match: /from must be what optim\.paramGroups returned/ },
    { what: 'like and from together', spec: (m) => ({ params: m.base, like: 'head', from: [] }), match: /give like or from, not both/ },
  ];
  for (const row of table) {
    it(row.what, () => {
      const { model, opt } = frozenBase();
      expect(() => add(opt, row.spec(model))).toThrow(row.match);
      expect(opt.paramGroups.length).toBe(1);
      expect([...model.base.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    });
  }

  it('an absolute lr keeps lrMult true to it', () => {
    const { model, opt } = frozenBase();
    optim.addGroup(opt, { params: model.base, like: 'head', lr: 0.01, name: 'backbone' });
    // head: lr 0.1 at lrMult 2 (base lr 0.05); an lr of 0.01 is 0.2 × the base lr.
    expect(opt.paramGroups[1]!.lrMult).toBeCloseTo(0.2, 15);
  });

  it('from the rules under a scheduler: the new groups keep their layer-decay ratio to the head', () => {
    const model = new Net();
    for (const p of model.blocks.at(0).parameters()) p.requiresGrad_(false);
    const specs = optim.paramGroups<optim.SGDOptions>(model, [{ name: 'layers', select: '**', layerDecay: { rate: 0.5 } }], { defaults: { lr: 1 } });
    const opt = new optim.SGD(specs, { lr: 1 });
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    opt.step();
    sched.step();
    expect(optim.addGroup(opt, { params: model.blocks.at(0), from: specs })).toEqual(['layers[1]']);
    const ratio = (): number => opt.paramGroups.at(-1)!.lr / opt.paramGroups.find((g) => g.name === 'layers[4]')!.lr;
    // depth 1 of 4: 0.5^3 of the head, scheduled from the epoch it arrived at.
    expect([opt.paramGroups.at(-1)!.initialLr, opt.paramGroups.at(-1)!.lr, ratio()]).toEqual([0.125, 0.0625, 0.125]);
    opt.step();
    sched.step();
    expect(ratio()).toBe(0.125);
  });
});

describe('setGroupValues', () => {
  it('checks every spec before changing any group, naming the group, the key and the nearest name', () => {
    const { model, specs, opt } = seedSetup();
    const before = opt.paramGroups.map((g) => g.lr);
    const next = optim.paramGroups<optim.SGDOptions>(model, [
      { name: 'backbone', select: model.base, lrMult: 0.5 },
      { name: 'noDecay', select: optim.select.bias, weightDecay: 0 },
    ], { defaults: { lr: 0.1, weightDecay: 1e-4 } });
    const renamed = next.map((g) => (g.name === 'default' ? { ...g, name: 'defualt' } : g));
    expect(() => optim.setGroupValues(opt, renamed)).toThrow(/optim\.setGroupValues: spec 2 \("defualt"\) names no group of the optimizer \(did you mean "default"\?\)/);
    const moved = [{ ...next[0]!, params: next[1]!.params }];
    expect(() => optim.setGroupValues(opt, moved)).toThrow(/spec "backbone" does not hold the same parameters as the optimizer's group "backbone"/);
    expect(() => optim.setGroupValues(opt, [{ ...next[0]!, momentom: 0.5 }])).toThrow(/spec "backbone": SGD has no hyperparameter "momentom" \(did you mean "momentum"\?\)/);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(before);
    expect(optim.setGroupValues(opt, next)).toEqual(specs.map((g) => g.name));
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.05, 0.1, 0.1]);
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
