/**
 * Scheduler behaviour besides the values: initialLr, the order warning,
 * group selectors, lrMult, state dicts (every scheduler), preview, and the
 * table of bad options with their messages.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ArgumentTypeError, ParamGroupError, StateDictError, ValueError } from '../../../src/errors.js';
import { zeros } from '../../../src/tensor/creation.js';
import { build, expectTable, loadCases, makeOptimizer, momentumOf, optim, S, stepOnce, type FixtureCase } from './cases.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function sgd(lrs: number[], names?: string[]): optim.SGD {
  return new optim.SGD(
    lrs.map((lr, i) => ({ params: [zeros([2], { requiresGrad: true })], lr, ...(names ? { name: names[i]! } : {}) })),
    { lr: 0.5, momentum: 0.9 },
  );
}

describe('initialLr and resuming', () => {
  it('records initialLr on every driven group and keeps one already there', () => {
    const opt = sgd([0.1, 0.2]);
    opt.paramGroups[1]!.initialLr = 0.4;
    const s = new S.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.4]);
    expect(s.baseLrs).toEqual([0.1, 0.4]);
  });

  it('resuming with lastEpoch needs initialLr on every group', () => {
    const opt = sgd([0.1, 0.2], ['head', 'base']);
    opt.paramGroups[0]!.initialLr = 0.1;
    expect(() => new S.StepLR(opt, { stepSize: 3, lastEpoch: 10 })).toThrow(
      /StepLR: param 'initialLr' is not specified in parameter group 1 \('base'\) when resuming \(lastEpoch 10\) \(make the scheduler before loading the optimizer state/,
    );
    expect(opt.paramGroups[0]!.lr).toBe(0.1); // nothing changed
    opt.paramGroups[1]!.initialLr = 0.2;
    const s = new S.StepLR(opt, { stepSize: 3, gamma: 0.5, lastEpoch: 10 });
    expect(s.lastEpoch).toBe(11);
  });

  it('constructing may change the lrs at once (epoch 0), as in PyTorch', () => {
    const opt = sgd([0.1]);
    const s = new S.LinearLR(opt, { startFactor: 0.5 });
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
    expect(s.getLastLr()).toEqual([0.05]);
  });
});

describe('the scheduler-before-optimizer warning', () => {
  it('warns when scheduler.step() comes before optimizer.step(), once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = sgd([0.1]);
    const s = new S.StepLR(opt, { stepSize: 1 });
    expect(warn).not.toHaveBeenCalled();
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^StepLR: Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/);
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('warns also when resuming, and not in the right order', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = sgd([0.1]);
    opt.paramGroups[0]!.initialLr = 0.1;
    new S.ExponentialLR(opt, { gamma: 0.9, lastEpoch: 10 }).step();
    expect(warn).toHaveBeenCalledTimes(1);
    const s = new S.ExponentialLR(opt, { gamma: 0.9 });
    opt.step();
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('momentum cycling and resuming the cyclic schedules', () => {
  it('CyclicLR cycles betas[0] of Adam exactly as it cycles SGD momentum (PyTorch 2.x; 1.13 refused Adam)', () => {
    const c = loadCases().find((x) => x.name === 'CyclicLR-triangular2-per-group')!;
    const adam = makeOptimizer('adam');
    const sched = build(adam, c) as S.CyclicLR;
    expect(sched.useBeta1).toBe(true);
    const moms = [adam.paramGroups.map(momentumOf)];
    for (let t = 0; t < c.steps; t++) {
      adam.step();
      sched.step();
      moms.push(adam.paramGroups.map(momentumOf));
    }
    expectTable(moms, c.momentum!, 'betas[0]');
    expect((adam as optim.Adam).paramGroups.every((g) => g.betas[1] === 0.999)).toBe(true);
  });

  it('OneCycleLR resumes from the keys it wrote on the groups (lastEpoch), as PyTorch', () => {
    const c = loadCases().find((x) => x.name === 'OneCycleLR-cos')!;
    const a = makeOptimizer('sgd');
    const sa = build(a, c);
    for (let t = 0; t < 30; t++) {
      a.step();
      stepOnce(sa, c, t);
    }
    const b = makeOptimizer('sgd');
    b.paramGroups.forEach((g, i) => {
      const { params: _p, ...values } = a.paramGroups[i]!;
      Object.assign(g, values);
    });
    const sb = new S.OneCycleLR(b, { maxLr: [1, 0.5, 0.1], totalSteps: 100, lastEpoch: 29 });
    expect(sb.lastEpoch).toBe(30);
    expectTable([b.paramGroups.map((g) => g.lr)], [c.lr[30]!], 'resumed');
    const fresh = makeOptimizer('sgd');
    expect(() => new S.OneCycleLR(fresh, { maxLr: 1, totalSteps: 100, lastEpoch: 29 })).toThrow(/OneCycleLR: param 'initialLr' is not specified in parameter group 0 when resuming/);
    fresh.paramGroups.forEach((g) => (g.initialLr = 0.1));
    expect(() => new S.OneCycleLR(fresh, { maxLr: 1, totalSteps: 100, lastEpoch: 29 })).toThrow(/OneCycleLR: parameter group 0 has no maxLr, minLr, maxMomentum, baseMomentum to resume from \(lastEpoch 29\)/);
  });

  it('ReduceLROnPlateau takes a one-element tensor as the metric', () => {
    const opt = sgd([0.1]);
    const s = new S.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    s.step(zeros([]).add(1));
    s.step(zeros([]).add(2));
    expect(s.best).toBe(1);
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
  });
});

describe('the groups selector', () => {
  it('drives only the named groups; per-group arrays follow the selection', () => {
    const opt = sgd([0.1, 0.01, 0.02], ['head', 'base', 'norms']);
    const warm = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 4, groups: 'head' });
    const cyc = new S.CyclicLR(opt, { baseLr: [0.001, 0.002], maxLr: 0.01, stepSizeUp: 2, groups: ['norms', 1] });
    expect(warm.groupIndices).toEqual([0]);
    expect(cyc.groupIndices).toEqual([1, 2]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1 * 0.1, 0.001, 0.002]);
    expect(warm.getLastLr()).toEqual([opt.paramGroups[0]!.lr]);
    expect(cyc.getLastLr()).toEqual([0.001, 0.002]);
    expect(opt.paramGroups[1]!.initialLr).toBe(0.001);
    expect(opt.paramGroups[0]!.initialLr).toBe(0.1);
  });

  it('a warm-up on the head alone composes with a decay on every group', () => {
    const opt = sgd([0.1, 0.01], ['head', 'base']);
    const warm = new S.LinearLR(opt, { startFactor: 0.25, totalIters: 3, groups: ['head'] });
    const decay = new S.ExponentialLR(opt, { gamma: 0.5 });
    const lrs: number[][] = [opt.paramGroups.map((g) => g.lr)];
    for (let t = 0; t < 4; t++) {
      opt.step();
      warm.step();
      decay.step();
      lrs.push(opt.paramGroups.map((g) => g.lr));
    }
    const head = [0.25, 0.5, 0.75, 1, 1].map((f, t) => 0.1 * f * 0.5 ** t);
    const base = [0, 1, 2, 3, 4].map((t) => 0.01 * 0.5 ** t);
    expectTable(lrs, head.map((h, t) => [h, base[t]!]), 'warm-up on head', 1e-12);
  });

  it('a predicate also selects groups added later', () => {
    const opt = sgd([0.1], ['head']);
    const s = new S.ExponentialLR(opt, { gamma: 0.5, groups: (g) => g.name === 'base' });
    expect(s.groupIndices).toEqual([]);
    opt.step();
    s.step();
    opt.addParamGroup({ params: [zeros([1], { requiresGrad: true })], lr: 1, name: 'base' });
    opt.addParamGroup({ params: [zeros([1], { requiresGrad: true })], lr: 1, name: 'other' });
    expect(s.groupIndices).toEqual([1]);
    opt.step();
    s.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5, 1]); // 'base' follows the schedule from its own lr, 'other' is not driven
    expect(opt.paramGroups[1]!.initialLr).toBe(2);
  });

  it.each([
    { groups: ['haed'], match: /LinearLR: groups: no parameter group is named 'haed' \(did you mean 'head'\?\)/, error: ParamGroupError },
    { groups: [3], match: /LinearLR: groups: there is no parameter group 3 \(the optimizer has 2\) \(use an index from 0 to 1 or a group name\)/, error: ParamGroupError },
    { groups: [], match: /LinearLR: groups selects no group \(an empty list\)/, error: ValueError },
    { groups: [true], match: /LinearLR: groups must hold group indices or names, got true/, error: ArgumentTypeError },
  ])('refuses groups $groups', ({ groups, match, error }) => {
    const opt = sgd([0.1, 0.2], ['head', 'base']);
    expect(() => new S.LinearLR(opt, { groups: groups as never })).toThrow(error);
    expect(() => new S.LinearLR(opt, { groups: groups as never })).toThrow(match);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
});

describe('lrMult: absolute lrs scale with each group (issue 6)', () => {
  // Plain optimizer-like groups: kindling's optimizers get lrMult from optim.paramGroups rules.
  const groups = (): S.SchedulableGroup[] => [{ lr: 1, momentum: 0.9 }, { lr: 0.1, lrMult: 0.1, momentum: 0.9 }];

  it('etaMin given once is a value for the base rate: each group gets it × lrMult', () => {
    const rows = S.preview((o) => new S.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.2 }), 5, { groups: groups() });
    expectTable([rows[4]!], [[0.2, 0.02]], 'at the trough');
    expect(rows.every((r) => Math.abs(r[1]! / r[0]! - 0.1) < 1e-12)).toBe(true);
    const plain = S.preview((o) => new S.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.2, scaleByLrMult: false }), 5, { groups: groups() });
    expectTable([plain[4]!], [[0.2, 0.2]], 'scaleByLrMult false');
    const perGroup = S.preview((o) => new S.CosineAnnealingLR(o, { tMax: 4, etaMin: [0.2, 0.05] }), 5, { groups: groups() });
    expectTable([perGroup[4]!], [[0.2, 0.05]], 'per-group values are used as given');
  });

  it('OneCycleLR maxLr, CyclicLR bounds and ReduceLROnPlateau minLr scale too', () => {
    const one = S.preview((o) => new S.OneCycleLR(o, { maxLr: 1, totalSteps: 10 }), 10, { groups: groups() });
    expect(one.every((r) => Math.abs(r[1]! / r[0]! - 0.1) < 1e-12)).toBe(true);
    const cyc = S.preview((o) => new S.CyclicLR(o, { baseLr: 0.1, maxLr: 1, stepSizeUp: 3 }), 12, { groups: groups() });
    expect(cyc.every((r) => Math.abs(r[1]! / r[0]! - 0.1) < 1e-12)).toBe(true);
    const plat = S.preview((o) => new S.ReduceLROnPlateau(o, { factor: 0.5, patience: 0, minLr: 0.25 }), 6, { groups: groups(), metrics: [1, 1, 1, 1, 1] });
    expect(plat[5]).toEqual([0.25, 0.025]);
    const sgdr = S.preview((o) => new S.CosineAnnealingWarmRestarts(o, { t0: 4, etaMin: 0.2 }), 9, { groups: groups() });
    expect(sgdr.every((r) => Math.abs(r[1]! / r[0]! - 0.1) < 1e-12)).toBe(true);
    expectTable([sgdr[2]!], [[0.6, 0.06]], 'halfway down the first period', 1e-12);
    const sgdrPlain = S.preview((o) => new S.CosineAnnealingWarmRestarts(o, { t0: 4, etaMin: 0.05, scaleByLrMult: false }), 3, { groups: groups() });
    expectTable([sgdrPlain[2]!], [[0.525, 0.075]], 'scaleByLrMult false');
  });
});

describe('stateDict / loadStateDict', () => {
  const cases = loadCases();

  /** Copies every group value (not params) from `a` to `b`: what loading the optimizer's state does. */
  function copyGroups(a: optim.SGD | optim.Adam, b: optim.SGD | optim.Adam): void {
    a.paramGroups.forEach((g, i) => {
      const { params: _p, ...values } = g as unknown as Record<string, unknown>;
      Object.assign(b.paramGroups[i]!, JSON.parse(JSON.stringify(values)));
    });
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s: resumes exactly after a JSON round trip', (_name, c: FixtureCase) => {
    const a = makeOptimizer(c.optimizer);
    const b = makeOptimizer(c.optimizer);
    for (const o of c.resume ? [a, b] : []) for (const g of o.paramGroups) g.initialLr = g.lr;
    const sa = build(a, c);
    const sb = build(b, c);
    for (let t = 0; t < 40; t++) {
      a.step();
      stepOnce(sa, c, t);
    }
    const saved = JSON.parse(JSON.stringify(sa.stateDict())) as S.SchedulerStateDict;
    const lrsBefore = b.paramGroups.map((g) => g.lr);
    sb.loadStateDict(saved);
    expect(b.paramGroups.map((g) => g.lr)).toEqual(lrsBefore); // the optimizer is not touched
    expect(sb.getLastLr()).toEqual(sa.getLastLr());
    copyGroups(a, b);
    for (let t = 40; t < c.steps; t++) {
      a.step();
      b.step();
      stepOnce(sa, c, t);
      stepOnce(sb, c, t);
      expect(b.paramGroups.map((g) => g.lr), `step ${t}`).toEqual(a.paramGroups.map((g) => g.lr));
      expect(b.paramGroups.map(momentumOf)).toEqual(a.paramGroups.map(momentumOf));
    }
    expectTable(b.paramGroups.map((g) => [g.lr]), c.lr[c.steps]!.map((x) => [x]), c.name);
  });

  it('loading into a differently configured scheduler takes the saved hyperparameters, as PyTorch', () => {
    const a = new S.StepLR(sgd([0.1]), { stepSize: 3, gamma: 0.5 });
    const b = new S.StepLR(sgd([0.1]), { stepSize: 7, gamma: 0.1 });
    b.loadStateDict(a.stateDict());
    expect([b.stepSize, b.gamma, b.lastEpoch]).toEqual([3, 0.5, 0]);
  });

  it('LambdaLR saves one null per function and keeps its functions on load', () => {
    const s = new S.LambdaLR(sgd([0.1, 0.2]), { lrLambda: [(e) => e, (e) => 2 * e] });
    expect(s.stateDict()['lrLambdas']).toEqual([null, null]);
    s.loadStateDict(s.stateDict());
    expect(s.lrLambdas.every((f) => typeof f === 'function')).toBe(true);
  });

  it.each([
    { name: 'a non-object', make: () => 3, error: StateDictError, match: /StepLR.loadStateDict: expected a state dict object from StepLR.stateDict\(\), got 3/ },
    { name: 'a misspelt key', make: ({ stepSize, ...rest }: S.SchedulerStateDict) => ({ ...rest, stepsize: stepSize }), error: StateDictError, match: /unexpected key 'stepsize' \(did you mean 'stepSize'\?\).*missing key 'stepSize'/ },
    { name: 'a wrong kind', make: (good: S.SchedulerStateDict) => ({ ...good, gamma: 'x' }), error: StateDictError, match: /'gamma' must be a number, got 'x'/ },
    { name: 'another scheduler\'s state', make: () => new S.CosineAnnealingLR(sgd([0.1]), { tMax: 3 }).stateDict(), error: StateDictError, match: /unexpected key 'tMax'.*missing key 'stepSize'/ },
    { name: 'more groups than the optimizer', make: () => new S.StepLR(sgd([0.1, 0.2, 0.3]), { stepSize: 2 }).stateDict(), error: ParamGroupError, match: /StepLR.loadStateDict: the state drives groups \[0,1,2\] of 3, but the optimizer has 1 groups/ },
  ])('refuses $name, changing nothing', ({ make, error, match }) => {
    const s = new S.StepLR(sgd([0.1]), { stepSize: 2 });
    const good = s.stateDict();
    const sd = make(good) as S.SchedulerStateDict;
    expect(() => s.loadStateDict(sd)).toThrow(error);
    expect(() => s.loadStateDict(sd)).toThrow(match);
    expect(s.stateDict()).toEqual(good);
  });

  it('SequentialLR refuses a state with another number of milestones, changing nothing', () => {
    const make = (): S.SequentialLR => {
      const o = sgd([0.1]);
      return new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o), new S.ExponentialLR(o, { gamma: 0.5 })], milestones: [3] });
    };
    const s = make();
    const good = s.stateDict();
    const bad = { ...good, milestones: [3, 5] };
    expect(() => s.loadStateDict(bad)).toThrow(StateDictError);
    expect(() => s.loadStateDict(bad)).toThrow(/SequentialLR.loadStateDict: the state has 2 milestones, but this SequentialLR runs 2 schedulers \(it needs 1\)/);
    expect(s.stateDict()).toEqual(good);
  });

  it('ReduceLROnPlateau: best = Infinity survives JSON (null loads as the worst value)', () => {
    const opt = sgd([0.1]);
    const s = new S.ReduceLROnPlateau(opt, { mode: 'max' });
    const sd = JSON.parse(JSON.stringify(s.stateDict())) as S.SchedulerStateDict;
    expect(sd['best']).toBeNull();
    s.loadStateDict(sd);
    expect(s.best).toBe(-Infinity);
  });
});

describe('ChainedScheduler', () => {
  it('is also made as every scheduler is, (optimizer, { schedulers }), with the same values', () => {
    const c = loadCases().find((x) => x.name === 'ChainedScheduler-warmup-exp')!;
    const opt = makeOptimizer('sgd');
    const sched = new S.ChainedScheduler(opt, {
      schedulers: [new S.LinearLR(opt, { startFactor: 0.2, totalIters: 15 }), new S.ExponentialLR(opt, { gamma: 0.98 })],
    });
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    for (let t = 0; t < c.steps; t++) {
      opt.step();
      sched.step();
      lrs.push(opt.paramGroups.map((g) => g.lr));
    }
    expectTable(lrs, c.lr, 'ChainedScheduler(optimizer, { schedulers })');
  });
});

describe('preview', () => {
  it('gives every group\'s lr at every step, as the real optimizer gets them, without touching it', () => {
    const c = loadCases().find((x) => x.name === 'OneCycleLR-cos')!;
    const opt = makeOptimizer('sgd');
    const before = JSON.stringify(opt.paramGroups.map(({ params: _p, ...g }) => g));
    const rows = S.preview((o) => build(o, c), c.steps + 1, { optimizer: opt });
    expect(JSON.stringify(opt.paramGroups.map(({ params: _p, ...g }) => g))).toBe(before);
    expectTable(rows, c.lr, 'preview OneCycleLR');
  });

  it('defaults to one group of lr 1 (the schedule\'s factor); plateau schedules need metrics', () => {
    expect(S.preview((o) => new S.StepLR(o, { stepSize: 2, gamma: 0.5 }), 5)).toEqual([[1], [1], [0.5], [0.5], [0.25]]);
    expect(() => S.preview((o) => new S.ReduceLROnPlateau(o), 3)).toThrow(/preview: ReduceLROnPlateau needs a metric at each step: give metrics/);
    const seq = S.preview(
      (o) => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o, { factor: 0.5, totalIters: 2 }), new S.ExponentialLR(o, { gamma: 0.5 })], milestones: [2] }),
      5,
      { groups: [{ lr: 2 }] },
    );
    expect(seq).toEqual([[1], [1], [2], [1], [0.5]]);
  });

  it.each([
    { call: () => S.preview(3 as never, 5), match: /preview: expected a function \(optimizer\) => scheduler, got 3/ },
    { call: () => S.preview((o) => new S.StepLR(o, { stepSize: 1 }), 0), match: /preview: steps must be a positive integer, got 0/ },
    { call: () => S.preview((_o) => new S.StepLR(sgd([0.1]), { stepSize: 1 }), 3), match: /preview: makeScheduler must build the scheduler on the optimizer it is given/ },
    { call: () => S.preview((o) => new S.StepLR(o, { stepSize: 1 }), 3, { groups: [{ lr: 'x' }] as never }), match: /preview: groups must be objects with a numeric lr/ },
    { call: () => S.preview((o) => new S.StepLR(o, { stepSize: 1 }), 3, { metric: [1] } as never), match: /preview: unknown option 'metric' \(did you mean 'metrics'\?\)/ },
  ])('refuses bad input: $match', ({ call, match }) => {
    expect(call).toThrow(match);
  });
});

describe('bad options', () => {
  const opt = (): optim.SGD => sgd([0.1, 0.2]);
  const adamless = (): S.SchedulableOptimizer => ({ paramGroups: [{ lr: 0.1 }], defaults: { lr: 0.1 } });
  it.each([
    { call: () => new S.StepLR({} as never, { stepSize: 1 }), error: ArgumentTypeError, match: /StepLR: Object is not an Optimizer \(pass the optimizer first: new optim.lrScheduler.StepLR\(optimizer, \{ … \}\)\)/ },
    { call: () => new S.StepLR(opt(), { stepSize: 0 }), error: ValueError, match: /StepLR: stepSize must be a positive integer, got 0/ },
    { call: () => new S.StepLR(opt(), { stepsize: 3 } as never), error: ArgumentTypeError, match: /StepLR: unknown option 'stepsize' \(did you mean 'stepSize'\?\)/ },
    { call: () => new S.StepLR(opt(), { stepSize: 2, gamma: 'x' } as never), error: ArgumentTypeError, match: /StepLR: gamma must be a number, got 'x'/ },
    { call: () => new S.StepLR(opt(), { stepSize: 2, lastEpoch: -2 }), error: ValueError, match: /StepLR: lastEpoch must be an integer >= -1, got -2/ },
    { call: () => new S.LambdaLR(opt(), { lrLambda: [(e: number) => e] }), error: ValueError, match: /LambdaLR: expected 2 lrLambdas \(one per group it drives\), but got 1/ },
    { call: () => new S.LambdaLR(opt(), { lrLambda: 3 } as never), error: ArgumentTypeError, match: /LambdaLR: lrLambda must be a function \(epoch\) => factor, an object with such a call method, or an array of them, got 3/ },
    { call: () => new S.LambdaLR(opt(), { lrLambda: () => 'x' as never }), error: ArgumentTypeError, match: /LambdaLR: lrLambda returned 'x' at epoch 0 for parameter group 0; it must return a number/ },
    { call: () => new S.MultiStepLR(opt(), { milestones: [3, -1] }), error: ValueError, match: /MultiStepLR: milestones must be an array of non-negative integer epochs, got \[3, -1\]/ },
    { call: () => new S.ConstantLR(opt(), { factor: 1.5 }), error: ValueError, match: /ConstantLR: factor must be in \(0, 1\], got 1.5/ },
    { call: () => new S.ConstantLR(opt(), { factor: 0 }), error: ValueError, match: /ConstantLR: factor must be in \(0, 1\], got 0/ },
    { call: () => new S.LinearLR(opt(), { startFactor: 0 }), error: ValueError, match: /LinearLR: startFactor must be in \(0, 1\], got 0/ },
    { call: () => new S.LinearLR(opt(), { endFactor: 1.1 }), error: ValueError, match: /LinearLR: endFactor must be in \[0, 1\], got 1.1/ },
    { call: () => new S.ExponentialLR(opt(), {} as never), error: ArgumentTypeError, match: /ExponentialLR: gamma must be a number, got undefined/ },
    { call: () => new S.PolynomialLR(opt(), { totalIters: 2.5 }), error: ValueError, match: /PolynomialLR: totalIters must be a positive integer, got 2.5/ },
    { call: () => new S.CosineAnnealingLR(opt(), { tMax: 0 }), error: ValueError, match: /CosineAnnealingLR: tMax must be a positive number of epochs, got 0/ },
    { call: () => new S.CosineAnnealingLR(opt(), { tMax: 5, etaMin: [0.1] }), error: ValueError, match: /CosineAnnealingLR: expected 2 values for etaMin \(one per group it drives\), got 1/ },
    { call: () => new S.CosineAnnealingLR(opt(), { tMax: 5, etaMin: 'x' } as never), error: ArgumentTypeError, match: /CosineAnnealingLR: etaMin must be a number, an array with one number per group, or a function/ },
    { call: () => new S.CosineAnnealingWarmRestarts(opt(), { t0: 0 }), error: ValueError, match: /CosineAnnealingWarmRestarts: t0 must be a positive integer, got 0/ },
    { call: () => new S.CosineAnnealingWarmRestarts(opt(), { t0: 3, tMult: 1.5 }), error: ValueError, match: /CosineAnnealingWarmRestarts: tMult must be a positive integer, got 1.5/ },
    { call: () => new S.CosineAnnealingWarmRestarts(opt(), { t0: 3 }).step(-1), error: ValueError, match: /CosineAnnealingWarmRestarts: Expected non-negative epoch, but got -1/ },
    { call: () => new S.CyclicLR(opt(), { baseLr: [0.1], maxLr: 1 }), error: ValueError, match: /CyclicLR: expected 2 values for baseLr \(one per group it drives\), got 1/ },
    { call: () => new S.CyclicLR(opt(), { baseLr: 0.1, maxLr: 1, mode: 'sine' as never }), error: ValueError, match: /CyclicLR: mode 'sine' is invalid and scaleFn is not given/ },
    { call: () => new S.CyclicLR(adamless(), { baseLr: 0.1, maxLr: 1 }), error: ValueError, match: /CyclicLR: optimizer must support momentum with `cycleMomentum` option enabled \(use an optimizer with momentum or betas, or pass cycleMomentum: false\)/ },
    { call: () => new S.CyclicLR(opt(), { baseLr: 0.1, maxLr: 1, stepSizeUp: 0 }), error: ValueError, match: /CyclicLR: stepSizeUp and stepSizeDown must be positive, got 0 and 0/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: 1 }), error: ValueError, match: /OneCycleLR: You must define either totalSteps OR \(epochs AND stepsPerEpoch\)/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: 1, totalSteps: -1 }), error: ValueError, match: /OneCycleLR: totalSteps must be a positive integer, got -1/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: 1, epochs: 3 }), error: ValueError, match: /OneCycleLR: stepsPerEpoch must be a positive integer, got undefined/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, pctStart: 1.5 }), error: ValueError, match: /OneCycleLR: Expected a number between 0 and 1 for pctStart, but got 1.5/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, annealStrategy: 'cosine' as never }), error: ValueError, match: /OneCycleLR: annealStrategy must be one of 'cos', 'linear', got 'cosine'/ },
    { call: () => new S.OneCycleLR(opt(), { maxLr: [1, 2, 3], totalSteps: 10 }), error: ValueError, match: /OneCycleLR: expected 2 values for maxLr \(one per group it drives\), got 3/ },
    { call: () => new S.OneCycleLR(adamless(), { maxLr: 1, totalSteps: 10 }), error: ValueError, match: /OneCycleLR: optimizer must support momentum/ },
    { call: () => new S.ReduceLROnPlateau(opt(), { factor: 1 }), error: ValueError, match: /ReduceLROnPlateau: factor must be in \[0, 1\), got 1/ },
    { call: () => new S.ReduceLROnPlateau(opt(), { mode: 'maximum' as never }), error: ValueError, match: /ReduceLROnPlateau: mode must be one of 'min', 'max', got 'maximum'/ },
    { call: () => new S.ReduceLROnPlateau(opt(), { thresholdMode: 'relative' as never }), error: ValueError, match: /ReduceLROnPlateau: thresholdMode must be one of 'rel', 'abs', got 'relative'/ },
    { call: () => new S.ReduceLROnPlateau(opt(), { minLr: [0.1] }), error: ValueError, match: /ReduceLROnPlateau: expected 2 values for minLr \(one per group it drives\), got 1/ },
    { call: () => new S.ReduceLROnPlateau(opt()).step('x' as never), error: ArgumentTypeError, match: /ReduceLROnPlateau: step needs the metric as a number or a one-element tensor, got 'x'/ },
    { call: () => new S.SequentialLR(opt(), { schedulers: [], milestones: [] }), error: ValueError, match: /SequentialLR: expects at least one scheduler/ },
    { call: () => { const o = opt(); return new S.SequentialLR(o, { schedulers: [new S.StepLR(o, { stepSize: 1 }), new S.StepLR(opt(), { stepSize: 1 })], milestones: [2] }); }, error: ValueError, match: /SequentialLR: expects all schedulers to belong to the same optimizer, but the scheduler at index 1 has a different one/ },
    { call: () => { const o = opt(); return new S.SequentialLR(o, { schedulers: [new S.StepLR(o, { stepSize: 1 }), new S.StepLR(o, { stepSize: 1 })], milestones: [2, 3] }); }, error: ValueError, match: /SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 2 and the number of milestones to be equal to 2/ },
    { call: () => { const o = opt(); return new S.SequentialLR(o, { schedulers: [new S.StepLR(o, { stepSize: 1 }), new S.StepLR(o, { stepSize: 1 })], milestones: [0] }); }, error: ValueError, match: /SequentialLR: milestones must be increasing positive integer epochs, got \[0\]/ },
    { call: () => { const o = opt(); return new S.SequentialLR(o, { schedulers: [new S.ReduceLROnPlateau(o) as never], milestones: [] }); }, error: ValueError, match: /SequentialLR: does not support ReduceLROnPlateau \(at index 0\): its step needs a metric/ },
    { call: () => new S.ChainedScheduler([new S.StepLR(opt(), { stepSize: 1 }), new S.StepLR(opt(), { stepSize: 1 })]), error: ValueError, match: /ChainedScheduler: expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and 1 to be different/ },
    { call: () => new S.ChainedScheduler([{} as never]), error: ArgumentTypeError, match: /ChainedScheduler: schedulers\[0\] is not a learning-rate scheduler/ },
    { call: () => new S.ChainedScheduler(opt(), { schedulers: [new S.StepLR(opt(), { stepSize: 1 })] }), error: ValueError, match: /ChainedScheduler: expects all schedulers to belong to the same optimizer, but the scheduler at index 0 has a different one than the optimizer passed in/ },
    { call: () => new S.ChainedScheduler(opt(), { scheduler: [] } as never), error: ArgumentTypeError, match: /ChainedScheduler: unknown option 'scheduler' \(did you mean 'schedulers'\?\)/ },
    { call: () => new S.ChainedScheduler(3 as never, { schedulers: [] }), error: ArgumentTypeError, match: /ChainedScheduler: number is not an Optimizer/ },
    { call: () => new S.StepLR(opt(), { stepSize: 1, verbose: true } as never), error: ArgumentTypeError, match: /StepLR: unknown option 'verbose' \(PyTorch's verbose printing is not supported; log sched.getLastLr\(\) after each step\)/ },
    // Options left out altogether (plain JavaScript): the missing option is named, not a TypeError.
    { call: () => new (S.StepLR as new (o: unknown) => unknown)(opt()), error: ValueError, match: /StepLR: stepSize must be a positive integer, got undefined/ },
    { call: () => new (S.MultiStepLR as new (o: unknown) => unknown)(opt()), error: ValueError, match: /MultiStepLR: milestones must be an array of non-negative integer epochs, got undefined/ },
    { call: () => new (S.ExponentialLR as new (o: unknown) => unknown)(opt()), error: ArgumentTypeError, match: /ExponentialLR: gamma must be a number, got undefined/ },
    { call: () => new (S.LambdaLR as new (o: unknown) => unknown)(opt()), error: ArgumentTypeError, match: /LambdaLR: lrLambda must be a function/ },
    { call: () => new (S.CosineAnnealingLR as new (o: unknown) => unknown)(opt()), error: ArgumentTypeError, match: /CosineAnnealingLR: tMax must be a number, got undefined/ },
    { call: () => new (S.CosineAnnealingWarmRestarts as new (o: unknown) => unknown)(opt()), error: ValueError, match: /CosineAnnealingWarmRestarts: t0 must be a positive integer, got undefined/ },
    { call: () => new (S.CyclicLR as new (o: unknown) => unknown)(opt()), error: ArgumentTypeError, match: /CyclicLR: baseLr must be a number, an array with one number per group, or a function \(group, index\) => number, got undefined/ },
    { call: () => new (S.OneCycleLR as new (o: unknown) => unknown)(opt()), error: ValueError, match: /OneCycleLR: You must define either totalSteps OR \(epochs AND stepsPerEpoch\)/ },
    { call: () => new (S.SequentialLR as new (o: unknown) => unknown)(opt()), error: ValueError, match: /SequentialLR: expects at least one scheduler, got undefined/ },
    { call: () => new S.CyclicLR(opt(), null as never), error: ArgumentTypeError, match: /CyclicLR: options must be an object, got null \(options are named, not positional: new optim.lrScheduler.CyclicLR\(optimizer, \{ baseLr: … \}\)\)/ },
  ])('$match', ({ call, error, match }) => {
    expect(call).toThrow(error);
    expect(call).toThrow(match);
  });

  it('a failed construction leaves the optimizer unchanged', () => {
    const o = opt();
    expect(() => new S.OneCycleLR(o, { maxLr: [1, 2], totalSteps: 10, baseMomentum: [0.8] })).toThrow(/expected 2 values for baseMomentum/);
    expect(o.paramGroups.map((g) => [g.lr, g.momentum, g.initialLr, g.maxLr])).toEqual([[0.1, 0.9, undefined, undefined], [0.2, 0.9, undefined, undefined]]);
  });

  it('a constructor that fails at its first step leaves the groups as they were and does not follow new groups', () => {
    const o = opt();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => new S.LambdaLR(o, { lrLambda: () => NaN })).toThrow(/LambdaLR: lrLambda returned NaN at epoch 0 for parameter group 0; it must return a number/);
    expect(o.paramGroups.map((g) => [g.lr, 'initialLr' in g])).toEqual([[0.1, false], [0.2, false]]);
    o.addParamGroup({ params: [zeros([1], { requiresGrad: true })], lr: 0.3 });
    expect(o.paramGroups[2]!.lr).toBe(0.3);
    expect(warn).not.toHaveBeenCalled();
  });

  it('OneCycleLR refuses to step past totalSteps and stays where it was', () => {
    const o = opt();
    const s = new S.OneCycleLR(o, { maxLr: 1, totalSteps: 3 });
    for (let t = 0; t < 3; t++) {
      o.step();
      s.step();
    }
    const lrs = o.paramGroups.map((g) => g.lr);
    expect(() => s.step()).toThrow(/OneCycleLR: Tried to step 4 times. The specified number of total steps is 3/);
    expect(s.lastEpoch).toBe(3);
    expect(o.paramGroups.map((g) => g.lr)).toEqual(lrs);
  });

  it('types: options are typed, a misspelt key fails to compile', () => {
    const o = opt();
    // @ts-expect-error stepsize is not an option (stepSize is)
    expect(() => new S.StepLR(o, { stepsize: 3 })).toThrow();
    // @ts-expect-error tMax is required
    expect(() => new S.CosineAnnealingLR(o, {})).toThrow();
    expectTypeOf(new S.StepLR(o, { stepSize: 3 }).getLastLr()).toEqualTypeOf<number[]>();
    expectTypeOf<S.OneCycleLROptions['annealStrategy']>().toEqualTypeOf<'cos' | 'linear' | undefined>();
  });
});

describe('a ChainedScheduler inside a SequentialLR (PyTorch 2.x allows it; test_sequentiallr5 runs it against PyTorch)', () => {
  it('a chain after a milestone starts from the base lrs with each of its schedulers\' first step, then steps them together', () => {
    const opt = sgd([0.1, 0.2]);
    const chain = new S.ChainedScheduler([new S.LinearLR(opt, { startFactor: 0.5, totalIters: 2 }), new S.ExponentialLR(opt, { gamma: 0.9 })]);
    const seq = new S.SequentialLR(opt, { schedulers: [new S.ConstantLR(opt, { factor: 0.1, totalIters: 10 }), chain], milestones: [3] });
    const seen: number[] = [];
    for (let e = 0; e < 7; e++) {
      seen.push(opt.paramGroups[0]!.lr);
      opt.step();
      seq.step();
    }
    // Epochs 0–2: ConstantLR's 0.1; from epoch 3 the chain: LinearLR 0.5, 0.75, 1 times 0.9^(epoch - 3).
    const expected = [0.01, 0.01, 0.01, 0.1 * 0.5, 0.1 * 0.75 * 0.9, 0.1 * 0.9 ** 2, 0.1 * 0.9 ** 3];
    seen.forEach((lr, e) => expect(lr, `epoch ${e}`).toBeCloseTo(expected[e]!, 15));
    expect(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(2, 12);
    expect(seq.getLastLr()).toEqual(chain.getLastLr());
  });

  it('a group added while the chain runs is placed by the chain\'s schedulers', () => {
    const opt = sgd([0.1]);
    const chain = new S.ChainedScheduler([new S.LinearLR(opt, { startFactor: 0.5, totalIters: 4 }), new S.ExponentialLR(opt, { gamma: 0.9 })]);
    const seq = new S.SequentialLR(opt, { schedulers: [chain, new S.ConstantLR(opt, { factor: 0.5 })], milestones: [10] });
    for (let e = 0; e < 2; e++) {
      opt.step();
      seq.step();
    }
    opt.addParamGroup({ params: [zeros([2], { requiresGrad: true })], lr: opt.paramGroups[0]!.lr / 10 });
    for (let e = 0; e < 5; e++) {
      opt.step();
      seq.step();
      expect(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    }
  });

  it('its state (the chain\'s inside) round-trips through JSON and resumes exactly', () => {
    const make = (opt: optim.SGD): S.SequentialLR => new S.SequentialLR(opt, {
      schedulers: [new S.ChainedScheduler([new S.LinearLR(opt, { startFactor: 0.5, totalIters: 3 }), new S.ExponentialLR(opt, { gamma: 0.9 })]), new S.StepLR(opt, { stepSize: 2 })],
      milestones: [4],
    });
    const a = sgd([0.1, 0.2]);
    const sa = make(a);
    for (let e = 0; e < 3; e++) {
      a.step();
      sa.step();
    }
    const b = sgd([0.1, 0.2]);
    const sb = make(b);
    b.loadStateDict(a.stateDict());
    sb.loadStateDict(JSON.parse(JSON.stringify(sa.stateDict())) as S.SchedulerStateDict);
    expect(sb.stateDict()).toEqual(sa.stateDict());
    for (let e = 0; e < 5; e++) {
      a.step();
      sa.step();
      b.step();
      sb.step();
      expect(b.paramGroups.map((g) => g.lr)).toEqual(a.paramGroups.map((g) => g.lr));
    }
  });

  it('refuses a chain that holds composites', () => {
    const opt = sgd([0.1]);
    const inner = new S.ChainedScheduler([new S.ConstantLR(opt), new S.ExponentialLR(opt, { gamma: 0.9 })]);
    const outer = new S.ChainedScheduler([inner, new S.StepLR(opt, { stepSize: 2 })]);
    expect(() => new S.SequentialLR(opt, { schedulers: [outer, new S.ConstantLR(opt)], milestones: [2] })).toThrow(/schedulers\[0\] is a ChainedScheduler of composite schedulers/);
  });
});
