import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, Embedding, nn, ones, optim, ParamGroupError, StateDictError, type Tensor } from './lib.js';

class LM extends nn.Module {
  embed = new Embedding(10, 4);
  body = new nn.Linear(4, 4);
  head = new nn.Linear(4, 3);
}

function twins(): [LM, LM] {
  const a = new LM();
  const b = new LM();
  b.loadStateDict(a.stateDict());
  return [a, b];
}

/** The same grads on both models, step after step (what a backward pass would give). */
function grads(model: LM, step: number): void {
  [...model.parameters()].forEach((p, i) => {
    p.grad = p.requiresGrad ? ones(p.shape).mul(0.1 * (i + 1) * (step % 2 === 0 ? 1 : -0.5)) : null;
  });
}

const values = (m: LM): number[][] => [...m.parameters()].map((p) => Array.from(p.dataSync(), Number));

/** AdamW for most parameters, SGD for the embeddings; no weight decay on biases. */
function lmSpecs(model: LM): optim.ParamGroupSpecs {
  return optim.paramGroups(model, [
    { name: 'embeddings', select: Embedding, optimizer: 'sgd', lr: 0.1 },
    { name: 'noDecay', select: optim.select.bias, weightDecay: 0 },
  ], { defaults: { lr: 1e-2, weightDecay: 0.01 } });
}

function multiFor(model: LM, specs = lmSpecs(model)): optim.MultiOptimizer {
  return optim.MultiOptimizer.fromGroups(specs, {
    adamw: (groups) => new optim.AdamW(groups, { lr: 1e-2 }),
    sgd: (groups) => new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }),
  }, { default: 'adamw' });
}

describe('MultiOptimizer', () => {
  it('routes groups by their rules and steps like the separate optimizers would', () => {
    const [a, b] = twins();
    const multi = multiFor(a);
    expect(Object.keys(multi.optimizers)).toEqual(['adamw', 'sgd']);
    expect(multi.paramGroups.map((g) => [g.name, multi.optimizerOf(g)])).toEqual([['default', 'adamw'], ['noDecay', 'adamw'], ['embeddings', 'sgd']]);
    // By hand: AdamW for body and head (biases without decay), SGD with momentum for the embedding.
    const adamw = new optim.AdamW([
      { params: [b.body.weight, b.head.weight], weightDecay: 0.01 },
      { params: [b.body.bias!, b.head.bias!], weightDecay: 0 },
    ], { lr: 1e-2 });
    // The paramGroups defaults (weightDecay 0.01, meant for AdamW's decoupled decay) do not reach the
    // embedding routed to SGD, where it would be an L2 term: SGD's own options fill it.
    const sgd = new optim.SGD([{ params: [b.embed.weight] }], { lr: 0.1, momentum: 0.9 });
    for (let s = 0; s < 4; s++) {
      grads(a, s);
      grads(b, s);
      multi.step();
      adamw.step();
      sgd.step();
    }
    expect(values(a)).toEqual(values(b));
    multi.zeroGrad();
    expect([...a.parameters()].every((p) => p.grad === null)).toBe(true);
  });

  it('one closure, one stateDict; a round trip continues exactly', () => {
    const [a, b] = twins();
    const ma = multiFor(a);
    const mb = multiFor(b);
    for (let s = 0; s < 2; s++) {
      grads(a, s);
      grads(b, s);
      expect(ma.step(() => 7)).toBe(7);
      mb.step();
    }
    const sd = ma.stateDict();
    expect(Object.keys(sd.optimizers)).toEqual(['adamw', 'sgd']);
    const c = new LM();
    c.loadStateDict(a.stateDict());
    const mc = multiFor(c);
    mc.loadStateDict(sd);
    for (let s = 2; s < 4; s++) {
      grads(b, s);
      grads(c, s);
      mb.step();
      mc.step();
    }
    expect(values(c)).toEqual(values(b));
  });

  it('a scheduler drives every group and keeps their lr ratios', () => {
    const model = new LM();
    const multi = multiFor(model);
    const sched = new optim.lrScheduler.CosineAnnealingLR(multi, { tMax: 4, etaMin: 1e-3 });
    const lrs: number[][] = [];
    for (let s = 0; s < 4; s++) {
      multi.step();
      sched.step();
      lrs.push(multi.paramGroups.map((g) => g.lr));
    }
    // etaMin scales with each group's lrMult (1 for AdamW's groups, 10 for the embeddings at lr 0.1 = 10 × 1e-2).
    expect(lrs[3]![0]).toBeCloseTo(1e-3, 12);
    expect(lrs[3]![2]).toBeCloseTo(1e-2, 12);
    for (const row of lrs) expect(row[2]! / row[0]!).toBeCloseTo(10, 10);
  });

  it('adds a group to the optimizer it names, at the end of paramGroups, and schedulers hear of it', () => {
    const model = new LM();
    for (const p of model.head.parameters()) p.requiresGrad_(false);
    const multi = multiFor(model);
    const sched = new optim.lrScheduler.StepLR(multi, { stepSize: 1, gamma: 0.5 });
    for (const p of model.head.parameters()) p.requiresGrad_(true);
    multi.addParamGroup({ params: model.head.namedParameters({ prefix: 'head' }), name: 'head', lr: 0.2, optimizer: 'sgd' });
    expect(multi.paramGroups.map((g) => g.name)).toEqual(['default', 'noDecay', 'embeddings', 'head']);
    expect(multi.optimizers['sgd']!.paramGroups.map((g) => g.name)).toEqual(['embeddings', 'head']);
    multi.step();
    sched.step();
    expect(multi.paramGroups[3]!.lr).toBeCloseTo(0.1, 15);
    expect(() => multi.addParamGroup({ params: [model.body.weight], optimizer: 'sgd' })).toThrow(/"body\.weight" is already in optimizer "adamw"/);
    expect(() => multi.addParamGroup({ params: [], optimizer: 'sdg' })).toThrow(/routed to "sdg", which is not one of "adamw", "sgd" \(did you mean "sgd"\?\)/);
  });

  it('checks every route before making any optimizer', () => {
    const model = new LM();
    const specs = optim.paramGroups(model, [{ name: 'embeddings', select: Embedding, optimizer: 'sdg', lr: 0.1 }], { defaults: { lr: 1e-2 } });
    let made = 0;
    const factories = {
      adamw: (g: optim.GroupSpec[]) => (made++, new optim.AdamW(g)),
      sgd: (g: optim.GroupSpec[]) => (made++, new optim.SGD(g, { lr: 0.1 })),
    };
    expect(() => optim.MultiOptimizer.fromGroups(specs, factories, { default: 'adamw' })).toThrow(ParamGroupError);
    expect(() => optim.MultiOptimizer.fromGroups(specs, factories, { default: 'adamw' })).toThrow(/group "embeddings" is routed to "sdg", which is not one of "adamw", "sgd" \(did you mean "sgd"\?\); optimizer "sgd" gets no group/);
    expect(() => optim.MultiOptimizer.fromGroups(specs, factories)).toThrow(/group "default" names no optimizer and there is no default/);
    expect(made).toBe(0);
    expect(() => optim.MultiOptimizer.fromGroups(specs, {})).toThrow(ArgumentTypeError);
  });

  it('refuses a parameter in two optimizers, and a state dict of other optimizers', () => {
    const model = new LM();
    const x = new optim.SGD(model.body.namedParameters({ prefix: 'body' }), { lr: 0.1 });
    const y = new optim.SGD(model.namedParameters(), { lr: 0.1 });
    expect(() => new optim.MultiOptimizer({ x, y })).toThrow(/"body\.weight" is in both "x" and "y"/);
    const multi = multiFor(model);
    expect(() => multi.loadStateDict({ optimizers: { adamw: multi.optimizers['adamw']!.stateDict() } })).toThrow(StateDictError);
    expect(() => multi.loadStateDict({ optimizers: { adamw: multi.optimizers['adamw']!.stateDict() } })).toThrow(/the saved optimizers do not match: missing "sgd"/);
  });

  it('loadStateDict changes nothing when one optimizer refuses its state', () => {
    const [a] = twins();
    const multi = multiFor(a);
    grads(a, 0);
    multi.step();
    const good = multi.stateDict();
    const lrBefore = multi.paramGroups.map((g) => g.lr);
    const bad = multi.stateDict();
    bad.optimizers['adamw']!.paramGroups[0]!.lr = 0.5;
    bad.optimizers['sgd']!.paramGroups[0]!.lr = -1;
    expect(() => multi.loadStateDict(bad)).toThrow(/Invalid learning rate: -1/);
    expect(multi.paramGroups.map((g) => g.lr)).toEqual(lrBefore);
    multi.loadStateDict(good);
    const w: Tensor = a.embed.weight;
    expect(multi.state.has(w)).toBe(true);
  });

  it('optim.addGroup routes a group like another to that group\'s optimizer, and one from the rules where the rules send it', () => {
    class LM2 extends LM {
      extra = new Embedding(5, 4);
      tail = new nn.Linear(3, 3);
    }
    const model = new LM2();
    for (const p of [...model.extra.parameters(), ...model.tail.parameters()]) p.requiresGrad_(false);
    const specs = lmSpecs(model);
    const multi = multiFor(model, specs);
    const sched = new optim.lrScheduler.StepLR(multi, { stepSize: 1, gamma: 0.5 });
    expect(optim.addGroup(multi, { params: model.extra, like: 'embeddings', lrMult: 0.5 })).toEqual(['embeddings+added']);
    // tail.bias is a bias (noDecay), tail.weight is not: two groups, both for AdamW (the default); the names are taken, so numbered.
    expect(optim.addGroup(multi, { params: model.tail, from: specs })).toEqual(['default#2', 'noDecay#2']);
    expect(multi.paramGroups.map((g) => [g.name, multi.optimizerOf(g), g.lr])).toEqual([
      ['default', 'adamw', 1e-2], ['noDecay', 'adamw', 1e-2], ['embeddings', 'sgd', 0.1],
      ['embeddings+added', 'sgd', 0.05], ['default#2', 'adamw', 1e-2], ['noDecay#2', 'adamw', 1e-2],
    ]);
    multi.step();
    sched.step();
    expect(multi.paramGroups.map((g) => g.lr)).toEqual([5e-3, 5e-3, 0.05, 0.025, 5e-3, 5e-3]);
    // describeGroups says which optimizer holds each group.
    expect(optim.describeGroups(multi).groups.map((g) => g.optimizer)).toEqual(['adamw', 'adamw', 'sgd', 'sgd', 'adamw', 'adamw']);
    expect(optim.describeGroups(multi).table().split('\n')[0]).toMatch(/^group +params +elements +optimizer +/);
  });

  it('optim.addGroup adds nothing when the optimizer would refuse any one of the new groups', () => {
    class LM2 extends LM {
      extra = new Embedding(5, 4);
      tail = new nn.Linear(3, 3);
    }
    const model = new LM2();
    const rules: optim.Rule[] = [{ name: 'embeddings', select: Embedding, optimizer: 'sgd', lr: 0.1 }];
    for (const p of [...model.extra.parameters(), ...model.tail.parameters()]) p.requiresGrad_(false);
    const specs = optim.paramGroups(model, rules, { defaults: { lr: 1e-2 } });
    const multi = optim.MultiOptimizer.fromGroups(specs, {
      adamw: (groups) => new optim.AdamW(groups),
      sgd: (groups) => new optim.SGD(groups, { lr: 0.1 }),
    }, { default: 'adamw' });
    const sched = new optim.lrScheduler.StepLR(multi, { stepSize: 1, gamma: 0.5 });
    // momentum is SGD's: the new SGD group (extra) would take it, the new AdamW group (tail) would not.
    expect(() => optim.addGroup(multi, { params: [...model.extra.parameters(), ...model.tail.parameters()], from: specs, momentum: 0.5 })).toThrow(/unknown key 'momentum'/);
    expect(multi.paramGroups.map((g) => g.name)).toEqual(['default', 'embeddings']);
    expect(Object.values(multi.optimizers).map((o) => o.paramGroups.length)).toEqual([1, 1]);
    expect([...model.extra.parameters(), ...model.tail.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    multi.step();
    sched.step();
    expect(multi.paramGroups.map((g) => g.lr)).toEqual([5e-3, 0.05]);
  });

  it('optim.loadStateDictByName loads each optimizer by group and parameter name, groups added since included', () => {
    class LM2 extends LM {
      extra = new Embedding(5, 4);
    }
    const model = new LM2();
    for (const p of model.extra.parameters()) p.requiresGrad_(false);
    const multi = multiFor(model);
    grads(model, 0);
    multi.step();
    const saved = multi.stateDict();
    const resumed = multiFor(model);
    optim.addGroup(resumed, { params: model.extra, like: 'embeddings', name: 'extra' });
    expect(() => resumed.loadStateDict(saved)).toThrow(/different number of parameter groups/);
    expect(optim.loadStateDictByName(resumed, saved)).toEqual({ newGroups: ['extra'], droppedGroups: [], newParams: ['extra.weight'], droppedParams: [] });
    const w = model.embed.weight;
    const buffer = (o: typeof multi, p: Tensor): number[] => Array.from((o.state.get(p) as { momentumBuffer: Tensor }).momentumBuffer.dataSync());
    expect(buffer(resumed, w)).toEqual(buffer(multi, w));
    expect(() => optim.loadStateDictByName(resumed, { optimizers: { adamw: { state: {}, paramGroups: [{ params: [0] }] } } })).toThrow(/optimizer "adamw": saved group 0 has no parameter names/);
  });
});
