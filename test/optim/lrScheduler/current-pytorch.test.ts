/**
 * Where PyTorch fixed a 1.13 scheduler behaviour later, kindling follows the
 * fix (DESIGN.md): resuming without an extra factor, warm restarts by
 * modulo (both against the emulated fixtures of scripts/fixtures/sched.py),
 * CyclicLR's momenta kept on the groups, and the state of callable objects.
 */
import { describe, expect, it } from 'vitest';
import { zeros } from '../../../src/tensor/creation.js';
import { build, expectTable, loadCases, makeOptimizer, momentumOf, optim, S, stepOnce } from './cases.js';

function sgd(lrs: number[]): optim.SGD {
  return new optim.SGD(lrs.map((lr) => ({ params: [zeros([2], { requiresGrad: true })], lr })), { lr: 0.5, momentum: 0.9 });
}

describe('a scheduler made to resume (lastEpoch >= 0) applies no factor at construction (PyTorch 2.x)', () => {
  it.each([
    ['ExponentialLR', (o: optim.SGD) => new S.ExponentialLR(o, { gamma: 0.5, lastEpoch: 3 })],
    ['MultiplicativeLR', (o: optim.SGD) => new S.MultiplicativeLR(o, { lrLambda: () => 0.5, lastEpoch: 3 })],
    ['LinearLR', (o: optim.SGD) => new S.LinearLR(o, { startFactor: 0.5, totalIters: 10, lastEpoch: 3 })],
    ['PolynomialLR', (o: optim.SGD) => new S.PolynomialLR(o, { totalIters: 10, lastEpoch: 3 })],
    ['CosineAnnealingLR', (o: optim.SGD) => new S.CosineAnnealingLR(o, { tMax: 10, lastEpoch: 3 })],
  ])('%s keeps the lrs it finds (1.13 applied one more step)', (_name, make) => {
    const opt = sgd([0.1, 0.02]);
    opt.paramGroups.forEach((g) => (g.lr *= 0.7));
    opt.paramGroups.forEach((g) => (g.initialLr = g.lr / 0.7));
    const sched = make(opt);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1 * 0.7, 0.02 * 0.7]);
    expect(sched.getLastLr()).toEqual([0.1 * 0.7, 0.02 * 0.7]);
    expect(sched.lastEpoch).toBe(4);
  });

  it('the resume fixtures cover every scheduler that shares the path', () => {
    const resumed = loadCases().filter((c) => c.resume).map((c) => c.scheduler);
    expect(resumed).toEqual(expect.arrayContaining(['ExponentialLR', 'MultiplicativeLR', 'LinearLR', 'PolynomialLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts']));
  });
});

describe('CosineAnnealingWarmRestarts resets tCur by modulo (PyTorch 2.x)', () => {
  it('resumed far past a restart, tCur lands inside the period', () => {
    const opt = sgd([0.1]);
    opt.paramGroups[0]!.initialLr = 0.1;
    const sched = new S.CosineAnnealingWarmRestarts(opt, { t0: 10, lastEpoch: 25 });
    expect(sched.tCur).toBe(6); // 1.13: 26 − 10 = 16, past the period of 10
    expect(opt.paramGroups[0]!.lr).toBeCloseTo((0.1 * (1 + Math.cos((Math.PI * 6) / 10))) / 2, 15);
  });
});

describe('CyclicLR keeps baseMomentum / maxMomentum on the groups (PyTorch 2.x)', () => {
  it('writes them on each group and starts the momentum at maxMomentum', () => {
    const opt = sgd([0.1, 0.2]);
    new S.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, baseMomentum: [0.8, 0.7], maxMomentum: 0.95 });
    expect(opt.paramGroups.map((g) => [g.baseMomentum, g.maxMomentum, g.momentum])).toEqual([[0.8, 0.95, 0.95], [0.7, 0.95, 0.95]]);
  });

  it('resuming cycles between the options, whatever momentum the groups carry (1.13 took the group\'s as the base)', () => {
    const c = loadCases().find((x) => x.name === 'CyclicLR-triangular2-per-group')!;
    const resumeAt = 20;
    const opt = makeOptimizer('sgd');
    opt.paramGroups.forEach((g, i) => {
      g.initialLr = g.lr;
      g.lr = c.lr[resumeAt]![i]!;
      (g as { momentum: number }).momentum = 0.5; // not the cycle's base momentum: 2.x ignores it
    });
    const sched = build(opt, { scheduler: c.scheduler, kwargs: { ...c.kwargs, last_epoch: resumeAt - 1 } });
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const moms = [opt.paramGroups.map(momentumOf)];
    for (let t = resumeAt; t < c.steps; t++) {
      opt.step();
      stepOnce(sched, c, t);
      lrs.push(opt.paramGroups.map((g) => g.lr));
      moms.push(opt.paramGroups.map(momentumOf));
    }
    expectTable(lrs, c.lr.slice(resumeAt), 'lr');
    expectTable(moms, c.momentum!.slice(resumeAt), 'momentum');
  });
});

describe('callable objects: their fields are saved and restored (PyTorch saves __dict__)', () => {
  class Decay {
    constructor(public rate: number) {}
    call(epoch: number): number {
      return this.rate ** epoch;
    }
  }

  it('LambdaLR saves an object\'s fields and a function\'s own fields; a plain closure saves null', () => {
    const withField = Object.assign((e: number) => 0.9 ** e, { note: 'warm', steps: [1, 2] });
    const sched = new S.LambdaLR(sgd([0.1, 0.2, 0.3]), { lrLambda: [new Decay(0.8), withField, (e) => 0.7 ** e] });
    const sd = JSON.parse(JSON.stringify(sched.stateDict())) as S.SchedulerStateDict;
    expect(sd['lrLambdas']).toEqual([{ rate: 0.8 }, { note: 'warm', steps: [1, 2] }, null]);
  });

  it('loading puts the fields back on the live objects, which then compute with them', () => {
    const saved = new S.LambdaLR(sgd([0.1]), { lrLambda: new Decay(0.5) });
    const target = new Decay(0.9);
    const opt = sgd([0.1]);
    const sched = new S.LambdaLR(opt, { lrLambda: target });
    sched.loadStateDict(JSON.parse(JSON.stringify(saved.stateDict())) as S.SchedulerStateDict);
    expect(target.rate).toBe(0.5);
    opt.step();
    sched.step();
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.1 * 0.5, 15);
  });

  it('MultiplicativeLR does the same', () => {
    interface Factor { factor: number; call(): number }
    const mine: Factor = { factor: 0.25, call(): number { return this.factor; } };
    const saved = new S.MultiplicativeLR(sgd([0.1]), { lrLambda: mine });
    const live: Factor = { factor: 0.5, call(): number { return this.factor; } };
    const opt = sgd([0.1]);
    const sched = new S.MultiplicativeLR(opt, { lrLambda: live });
    expect(saved.stateDict()['lrLambdas']).toEqual([{ factor: 0.25 }]);
    sched.loadStateDict(saved.stateDict());
    opt.step();
    sched.step();
    expect(live.factor).toBe(0.25);
    expect(opt.paramGroups[0]!.lr).toBe(0.1 * 0.25);
  });

  it('CyclicLR saves its scaleFn object (null for a plain function) and restores it', () => {
    interface Amp { amp: number; call(x: number): number }
    const scale: Amp = { amp: 0.5, call(x: number): number { return this.amp ** (x - 1); } };
    const a = new S.CyclicLR(sgd([0.1]), { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2, scaleFn: scale });
    expect(a.stateDict()['scaleFn']).toEqual({ amp: 0.5 });
    expect(new S.CyclicLR(sgd([0.1]), { baseLr: 0.01, maxLr: 0.1, scaleFn: (x) => 1 / x }).stateDict()['scaleFn']).toBeNull();
    const live: Amp = { amp: 1, call(x: number): number { return this.amp ** (x - 1); } };
    const b = new S.CyclicLR(sgd([0.1]), { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2, scaleFn: live });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())) as S.SchedulerStateDict);
    expect(live.amp).toBe(0.5);
  });

  it('CyclicLR loads a state without scaleFn (saved by older kindling): the scale follows the saved mode and gamma', () => {
    // Saved in exp_range mode; loaded into a triangular scheduler, as PyTorch 2.x rebuilds its scale function from mode/gamma.
    const savedOpt = sgd([0.1]);
    const saved = new S.CyclicLR(savedOpt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: 'exp_range', gamma: 0.9, cycleMomentum: false });
    for (let i = 0; i < 4; i++) {
      savedOpt.step();
      saved.step();
    }
    const { scaleFn, ...older } = saved.stateDict();
    expect(scaleFn).toBeNull();
    const opt = sgd([0.1]);
    const sched = new S.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, cycleMomentum: false });
    sched.loadStateDict(older);
    expect(sched.mode).toBe('exp_range');
    expect(sched.stateDict()).toEqual(saved.stateDict());
    savedOpt.step();
    saved.step();
    opt.step();
    sched.step();
    // Epoch 5 of exp_range: 0.01 + 0.09 * (1/3) * 0.9 ** 5 (the triangular scale would give 0.01 + 0.09 / 3).
    expect(opt.paramGroups[0]!.lr).toBe(savedOpt.paramGroups[0]!.lr);
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.01 + (0.09 / 3) * 0.9 ** 5, 15);
    // Anything else missing is still refused.
    const { gamma: _g, ...broken } = older;
    expect(() => sched.loadStateDict(broken)).toThrow(/missing key 'gamma'/);
  });
});
