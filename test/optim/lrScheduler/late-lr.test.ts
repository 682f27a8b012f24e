/**
 * The rule for a group added while a scheduler runs (issue 12): the lr given
 * to addParamGroup is the group's lr at that moment, exactly; from the next
 * step the group follows the schedule in proportion. Where no base gives
 * that lr (a factor of 0) the group is refused, naming the option to pass.
 */
import { describe, expect, it } from 'vitest';
import { ParamGroupError } from '../../../src/errors.js';
import { zeros } from '../../../src/tensor/creation.js';
import { optim, S } from './cases.js';

function sgd(lrs: number[], momentum = 0.9): optim.SGD {
  return new optim.SGD(lrs.map((lr) => ({ params: [zeros([2], { requiresGrad: true })], lr })), { lr: 0.5, momentum });
}

const params = (): ReturnType<typeof zeros>[] => [zeros([2], { requiresGrad: true })];

function steps(opt: optim.SGD, sched: { step(): void }, n: number): void {
  for (let i = 0; i < n; i++) {
    opt.step();
    sched.step();
  }
}

/** The ratio lr(next) / lr(now) of each group over one step. */
function ratios(opt: optim.SGD, sched: { step(): void }): number[] {
  const before = opt.paramGroups.map((g) => g.lr);
  steps(opt, sched, 1);
  return opt.paramGroups.map((g, i) => g.lr / before[i]!);
}

describe('the lr given is the group\'s lr at that moment', () => {
  it('StepLR: the issue\'s example, 0.01 after two halvings stays 0.01, then halves with the others', () => {
    const opt = sgd([0.1]);
    const sched = new S.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    steps(opt, sched, 2);
    opt.addParamGroup({ params: params(), lr: 0.01 });
    expect(opt.paramGroups[1]!.lr).toBe(0.01);
    expect(opt.paramGroups[1]!.initialLr).toBe(0.04); // its base: 0.01 / 0.25
    steps(opt, sched, 1);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.0125, 0.005]);
  });

  it('OneCycleLR: the unfreeze recipe (lr: head lr / 10) keeps the ratio through the cycle', () => {
    const opt = sgd([0.1]);
    const sched = new S.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 40 });
    steps(opt, sched, 7);
    const head = opt.paramGroups[0]!.lr;
    opt.addParamGroup({ params: params(), lr: head / 10 });
    expect(opt.paramGroups[1]!.lr).toBe(head / 10);
    for (let t = 0; t < 30; t++) {
      const [h, b] = ratios(opt, sched);
      expect(b).toBeCloseTo(h!, 12);
      expect(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    }
    expect(opt.paramGroups[1]!.maxLr).toBeCloseTo(0.01, 15); // its cycle, scaled
  });

  it('CyclicLR scales the new group\'s baseLr and maxLr alike', () => {
    const opt = sgd([0.1]);
    const sched = new S.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5 });
    steps(opt, sched, 3);
    const head = opt.paramGroups[0]!.lr;
    opt.addParamGroup({ params: params(), lr: head / 4 });
    expect(opt.paramGroups[1]!.lr).toBe(head / 4);
    for (let t = 0; t < 12; t++) {
      steps(opt, sched, 1);
      expect(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(0.25, 12);
    }
    expect(sched.maxLrs[1]).toBeCloseTo(0.025, 15);
  });

  it('CosineAnnealingLR with etaMin solves the affine form: the late group still ends at etaMin', () => {
    const opt = sgd([0.1]);
    const sched = new S.CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 });
    steps(opt, sched, 4);
    opt.addParamGroup({ params: params(), lr: 0.02 });
    expect(opt.paramGroups[1]!.lr).toBe(0.02);
    const base = opt.paramGroups[1]!.initialLr!;
    // closed form at epoch 4 from the solved base gives the lr given
    expect(0.001 + ((base - 0.001) * (1 + Math.cos((Math.PI * 4) / 10))) / 2).toBeCloseTo(0.02, 15);
    steps(opt, sched, 6);
    expect(opt.paramGroups[1]!.lr).toBeCloseTo(0.001, 15);
  });

  it('LambdaLR (sets the lr from the base each step) follows in proportion', () => {
    const opt = sgd([0.1]);
    const sched = new S.LambdaLR(opt, { lrLambda: (e) => 0.9 ** e });
    steps(opt, sched, 5);
    opt.addParamGroup({ params: params(), lr: 0.3 });
    expect(opt.paramGroups[1]!.lr).toBe(0.3);
    const [h, b] = ratios(opt, sched);
    expect(b).toBeCloseTo(h!, 14);
  });
});

describe('an initialLr given on the group is its base, as PyTorch\'s initial_lr', () => {
  it('LambdaLR schedules from it; the lr given still holds until the next step', () => {
    const opt = sgd([0.1]);
    const sched = new S.LambdaLR(opt, { lrLambda: (e) => 0.5 ** e });
    steps(opt, sched, 2);
    opt.addParamGroup({ params: params(), lr: 0.7, initialLr: 0.8 });
    expect(opt.paramGroups[1]!.lr).toBe(0.7);
    expect(opt.paramGroups[1]!.initialLr).toBe(0.8);
    steps(opt, sched, 1);
    expect(opt.paramGroups[1]!.lr).toBe(0.8 * 0.125);
  });
});

describe('no base gives the lr: the group is refused, naming the option to pass', () => {
  it('PolynomialLR at its end (factor 0) asks for initialLr, and takes the group with it', () => {
    const opt = sgd([0.1]);
    const sched = new S.PolynomialLR(opt, { totalIters: 4 });
    steps(opt, sched, 4);
    const add = (): void => opt.addParamGroup({ params: params(), lr: 0.01, name: 'backbone' });
    expect(add).toThrow(ParamGroupError);
    expect(add).toThrow(/PolynomialLR: parameter group 1 \('backbone'\) arrives at epoch 4, where the schedule's factor is 0: no base lr puts it at lr 0\.01 \(set initialLr on the group/);
    expect(opt.paramGroups.length).toBe(1);
    expect(sched.groupIndices).toEqual([0]);
    opt.addParamGroup({ params: params(), lr: 0.01, initialLr: 0.02, name: 'backbone' });
    expect(opt.paramGroups[1]!.lr).toBe(0.01);
    expect(sched.baseLrs).toEqual([0.1, 0.02]);
  });

  it('CyclicLR at a zero lr asks for maxLr; a maxLr on the group is its peak', () => {
    const opt = sgd([0.1]);
    const sched = new S.CyclicLR(opt, { baseLr: 0, maxLr: 1, stepSizeUp: 2 });
    steps(opt, sched, 4); // back at the cycle's start: lr 0
    expect(() => opt.addParamGroup({ params: params(), lr: 0.01 })).toThrow(/CyclicLR: parameter group 1 arrives at epoch 4, where the schedule's factor is 0: no base lr puts it at lr 0\.01 \(set maxLr on the group/);
    expect(opt.paramGroups.length).toBe(1);
    opt.addParamGroup({ params: params(), lr: 0.01, maxLr: 0.5 });
    expect(opt.paramGroups[1]!.lr).toBe(0.01);
    steps(opt, sched, 2);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1, 0.5]);
  });
});

describe('ChainedScheduler solves one base for the whole chain', () => {
  it('LambdaLR + ExponentialLR: the late group keeps the head\'s ratio', () => {
    const opt = sgd([0.1]);
    const sched = new S.ChainedScheduler([new S.LambdaLR(opt, { lrLambda: (e) => 1 / (e + 1) }), new S.ExponentialLR(opt, { gamma: 0.9 })]);
    steps(opt, sched, 3);
    opt.addParamGroup({ params: params(), lr: opt.paramGroups[0]!.lr / 2 });
    for (let t = 0; t < 5; t++) {
      steps(opt, sched, 1);
      expect(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(0.5, 13);
    }
  });
});

describe('preview shows a group added later', () => {
  it('from step `at`, at exactly the lr given, then in proportion', () => {
    const rows = S.preview((o) => new S.StepLR(o, { stepSize: 2, gamma: 0.5 }), 6, { later: [{ at: 3, group: { lr: 0.03 } }] });
    expect(rows).toEqual([[1], [1], [0.5], [0.5, 0.03], [0.25, 0.015], [0.25, 0.015]]);
    const one = S.preview((o) => new S.OneCycleLR(o, { maxLr: 1, totalSteps: 10 }), 10, { later: [{ at: 4, group: { lr: 0.1 } }] });
    expect(one[4]![1]).toBe(0.1);
    expect(one[9]![1]! / one[9]![0]!).toBeCloseTo(one[4]![1]! / one[4]![0]!, 12);
  });

  it('refuses a bad later', () => {
    expect(() => S.preview((o) => new S.StepLR(o, { stepSize: 2 }), 5, { later: [{ at: 5, group: { lr: 1 } }] })).toThrow(/preview: later must be an array of \{ at, group \} with a step 1 <= at < 5/);
  });
});

describe('schedulers stepped side by side (no ChainedScheduler): each solves the base of its own factor', () => {
  it('multiplying schedules (StepLR and ExponentialLR): the late group follows the others exactly in proportion', () => {
    const opt = sgd([0.1, 0.02]);
    const a = new S.StepLR(opt, { stepSize: 3, gamma: 0.5 });
    const b = new S.ExponentialLR(opt, { gamma: 0.9 });
    const both = { step: (): void => { a.step(); b.step(); } };
    steps(opt, both, 4);
    opt.addParamGroup({ params: params(), lr: opt.paramGroups[0]!.lr / 10 });
    for (let t = 0; t < 12; t++) {
      steps(opt, both, 1);
      expect(opt.paramGroups[2]!.lr / opt.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    }
  });

  it('one that sets the lr from its base (LambdaLR) beside a multiplying one: off by the factor the other applied last; ChainedScheduler is exact', () => {
    const warmup = (e: number): number => Math.min(1, (e + 1) / 10);
    const run = (chained: boolean): number[] => {
      const opt = sgd([0.1]);
      const a = new S.LambdaLR(opt, { lrLambda: warmup });
      const b = new S.ExponentialLR(opt, { gamma: 0.9 });
      const sched = chained ? new S.ChainedScheduler([a, b]) : { step: (): void => { a.step(); b.step(); } };
      steps(opt, sched, 4);
      opt.addParamGroup({ params: params(), lr: opt.paramGroups[0]!.lr / 10 });
      expect(opt.paramGroups[1]!.lr).toBe(opt.paramGroups[0]!.lr / 10);
      const out: number[] = [];
      for (let t = 0; t < 8; t++) {
        steps(opt, sched, 1);
        out.push(opt.paramGroups[1]!.lr / opt.paramGroups[0]!.lr);
      }
      return out;
    };
    // The head's lr at epoch 4 is base·f(4)·0.9: LambdaLR set base·f(4), ExponentialLR then applied its one factor.
    // LambdaLR alone solves the late group's base as lr / f(4), which already holds that 0.9; each later step
    // applies 0.9 again, so the late group runs at 0.1 × 0.9 of the head's lr instead of 0.1.
    for (const r of run(false)) expect(r).toBeCloseTo(0.1 * 0.9, 12);
    for (const r of run(true)) expect(r).toBeCloseTo(0.1, 12);
  });
});
