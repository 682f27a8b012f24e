/**
 * A port of PyTorch's own scheduler tests (test/optim/test_lrscheduler.py),
 * case by case where they apply, on the same optimizer (SGD, two groups at
 * lr 0.05 and 0.5). The targets are PyTorch's: written out from each
 * schedule's definition as the original test writes them, not computed by
 * the code under test. Cases that cannot apply, or where kindling is
 * deliberately stricter, are listed in docs/param-groups.md ("Deliberate
 * differences from PyTorch") and pinned at the end of this file.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgumentTypeError, ParamGroupError, ValueError } from '../../../src/errors.js';
import { zeros } from '../../../src/tensor/creation.js';
import { optim, S } from './cases.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The test's optimizer: conv1's parameters at lr 0.05 (the default), conv2's at 0.5. */
function makeOpt(): optim.SGD {
  return new optim.SGD([{ params: [zeros([1, 1, 1, 1], { requiresGrad: true })] }, { params: [zeros([1, 1, 1, 1], { requiresGrad: true })], lr: 0.5 }], { lr: 0.05 });
}

type Stepper = { step(): void; optimizer: S.SchedulableOptimizer; getLastLr(): number[] };

/** PyTorch's `_test`: before each step, every group's lr equals its target for that epoch. */
function check(opt: optim.SGD, sched: Stepper, targets: number[][], epochs: number): void {
  for (let epoch = 0; epoch < epochs; epoch++) {
    targets.forEach((t, i) => expect(opt.paramGroups[i]!.lr, `group ${i}, epoch ${epoch}`).toBeCloseTo(t[epoch]!, 12));
    opt.step();
    sched.step();
  }
}

/** PyTorch's `_test_get_last_lr`: after each step, getLastLr() equals the targets of that epoch. */
function checkLastLr(opt: optim.SGD, sched: Stepper, targets: number[][], epochs: number): void {
  for (let epoch = 0; epoch < epochs; epoch++) {
    const last = sched.getLastLr();
    targets.forEach((t, i) => expect(last[i], `group ${i}, epoch ${epoch}`).toBeCloseTo(t[epoch]!, 12));
    opt.step();
    sched.step();
  }
}

const times = <T>(v: T, n: number): T[] => Array.from({ length: n }, () => v);
/** Targets for both groups: group 1's lr is ten times group 0's. */
const both = (single: number[]): number[][] => [single, single.map((x) => x * 10)];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('the step-order warning (test_old_pattern_warning*, test_new_pattern_no_warning*)', () => {
  it.each([false, true])('no warning at construction; warns when scheduler.step() comes first (resuming: %s)', (resuming) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = makeOpt();
    if (resuming) for (const g of opt.paramGroups) g.initialLr = 0.01;
    const sched = new S.StepLR(opt, { gamma: 0.1, stepSize: 3, ...(resuming ? { lastEpoch: 10 } : {}) });
    expect(warn).not.toHaveBeenCalled();
    for (let i = 0; i < 35; i++) {
      sched.step();
      opt.step();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/);
  });

  it('no warning in the right order', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = makeOpt();
    const sched = new S.StepLR(opt, { gamma: 0.1, stepSize: 3 });
    for (let i = 0; i < 35; i++) {
      opt.step();
      sched.step();
    }
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('the lr is constant for a constant epoch (test_*_is_constant_for_constant_epoch)', () => {
  it.each([
    ['StepLR', (o: optim.SGD) => new S.StepLR(o, { stepSize: 2 })],
    ['ExponentialLR', (o: optim.SGD) => new S.ExponentialLR(o, { gamma: 0.9 })],
    ['ConstantLR', (o: optim.SGD) => new S.ConstantLR(o)],
    ['LinearLR', (o: optim.SGD) => new S.LinearLR(o)],
    ['PolynomialLR', (o: optim.SGD) => new S.PolynomialLR(o, { power: 0.9 })],
  ])('%s', (_name, make) => {
    const opt = makeOpt();
    const sched = make(opt);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      opt.step();
      sched.stepTo(2);
      seen.push(opt.paramGroups[0]!.lr);
    }
    expect(Math.min(...seen)).toBe(Math.max(...seen));
  });
});

describe('schedules against their targets (test_step_lr … test_cos_anneal_lr)', () => {
  const epochs = 10;
  it.each([
    ['StepLR', (o: optim.SGD) => new S.StepLR(o, { gamma: 0.1, stepSize: 3 }), [...times(0.05, 3), ...times(0.005, 3), ...times(0.0005, 3), 0.00005]],
    ['MultiStepLR', (o: optim.SGD) => new S.MultiStepLR(o, { gamma: 0.1, milestones: [2, 5, 9] }), [...times(0.05, 2), ...times(0.005, 3), ...times(0.0005, 4), 0.00005]],
    ['ConstantLR', (o: optim.SGD) => new S.ConstantLR(o, { factor: 1 / 2, totalIters: 5 }), [...times(0.025, 5), ...times(0.05, 5)]],
    ['LinearLR', (o: optim.SGD) => new S.LinearLR(o, { startFactor: 1 / 2, totalIters: 4 }), [...range(4).map((i) => 0.05 * (0.5 + (i * 0.5) / 4)), ...times(0.05, 6)]],
    ['ExponentialLR', (o: optim.SGD) => new S.ExponentialLR(o, { gamma: 0.9 }), range(10).map((x) => 0.05 * 0.9 ** x)],
    ['PolynomialLR', (o: optim.SGD) => new S.PolynomialLR(o, { power: 0.9, totalIters: 5 }), [...range(5).map((i) => 0.05 * (1 - i / 5) ** 0.9), ...times(0, 5)]],
  ])('%s', (_name, make, single) => {
    const opt = makeOpt();
    check(opt, make(opt), both(single as number[]), epochs);
  });

  it('CosineAnnealingLR (etaMin adds, so each group from its own base)', () => {
    const opt = makeOpt();
    const sched = new S.CosineAnnealingLR(opt, { tMax: 10, etaMin: 1e-10, scaleByLrMult: false });
    const cos = (base: number): number[] => range(10).map((x) => 1e-10 + ((base - 1e-10) * (1 + Math.cos((Math.PI * x) / 10))) / 2);
    check(opt, sched, [cos(0.05), cos(0.5)], epochs);
  });

  it.each([
    ['StepLR', (o: optim.SGD) => new S.StepLR(o, { stepSize: 3, gamma: 0.1 }), [...times(0.05, 3), ...times(0.005, 3), ...times(0.0005, 3), 0.00005]],
    ['MultiStepLR', (o: optim.SGD) => new S.MultiStepLR(o, { gamma: 0.1, milestones: [2, 5, 9] }), [...times(0.05, 2), ...times(0.005, 3), ...times(0.0005, 4), 0.00005]],
    ['ConstantLR', (o: optim.SGD) => new S.ConstantLR(o, { factor: 1 / 2, totalIters: 5 }), [...times(0.025, 5), ...times(0.05, 5)]],
    ['LinearLR', (o: optim.SGD) => new S.LinearLR(o, { startFactor: 1 / 4, endFactor: 3 / 5, totalIters: 4 }), [...range(4).map((i) => 0.05 * (0.25 + (i * (0.6 - 0.25)) / 4)), ...times(0.05 * 0.6, 6)]],
  ])('getLastLr: %s', (_name, make, single) => {
    const opt = makeOpt();
    checkLastLr(opt, make(opt), both(single as number[]), 10);
  });

  it('MultiStepLR with epochs (test_multi_step_lr_with_epoch)', () => {
    const opt = makeOpt();
    const sched = new S.MultiStepLR(opt, { gamma: 0.1, milestones: [2, 5, 9] });
    const single = [...times(0.05, 2), ...times(0.005, 3), ...times(0.0005, 4), 0.00005];
    for (let epoch = 0; epoch < 10; epoch++) {
      sched.stepTo(epoch);
      both(single).forEach((t, i) => expect(opt.paramGroups[i]!.lr).toBeCloseTo(t[epoch]!, 12));
    }
  });
});

describe('closed form and chainable form agree over 20 epochs (test_*_closed_form_*)', () => {
  it.each([
    ['StepLR', (o: optim.SGD) => new S.StepLR(o, { gamma: 0.2, stepSize: 3 })],
    ['LinearLR', (o: optim.SGD) => new S.LinearLR(o, { startFactor: 1 / 3, endFactor: 0.7, totalIters: 4 })],
    ['ConstantLR', (o: optim.SGD) => new S.ConstantLR(o, { factor: 1 / 3, totalIters: 4 })],
    ['MultiStepLR', (o: optim.SGD) => new S.MultiStepLR(o, { gamma: 0.1, milestones: [2, 5, 9] })],
    ['ExponentialLR', (o: optim.SGD) => new S.ExponentialLR(o, { gamma: 0.9 })],
    ['PolynomialLR', (o: optim.SGD) => new S.PolynomialLR(o, { totalIters: 5, power: 0.9 })],
    ['CosineAnnealingLR', (o: optim.SGD) => new S.CosineAnnealingLR(o, { tMax: 10, etaMin: 1e-10 })],
  ])('%s', (_name, make) => {
    const a = makeOpt();
    const b = makeOpt();
    const chain = make(a);
    const closed = make(b);
    for (let epoch = 0; epoch < 20; epoch++) {
      expect(a.paramGroups.map((g) => g.lr)[0]).toBeCloseTo(b.paramGroups[0]!.lr, 12);
      expect(a.paramGroups[1]!.lr).toBeCloseTo(b.paramGroups[1]!.lr, 12);
      chain.step();
      closed.stepTo(epoch + 1);
    }
  });
});

describe('CosineAnnealingLR resumed with lastEpoch 0 continues the original (test_cos_anneal_lr_continue)', () => {
  it('gives the same lrs', () => {
    const a = makeOpt();
    const original = new S.CosineAnnealingLR(a, { tMax: 10 });
    a.step();
    original.step();
    const b = makeOpt();
    b.paramGroups.forEach((g, i) => {
      g.initialLr = a.paramGroups[i]!.initialLr!;
      g.lr = a.paramGroups[i]!.lr;
    });
    const resumed = new S.CosineAnnealingLR(b, { tMax: 10, lastEpoch: 0 });
    for (let i = 0; i < 5; i++) {
      a.step();
      b.step();
      original.step();
      resumed.step();
      expect(b.paramGroups.map((g) => g.lr)).toEqual(a.paramGroups.map((g) => g.lr));
    }
  });
});

describe('ReduceLROnPlateau (test_reduce_lr_on_plateau1 … 8)', () => {
  function plateau(options: S.ReduceLROnPlateauOptions, metrics: number[], targets: number[][], lrs = [0.5, 0.5]): void {
    const opt = makeOpt();
    opt.paramGroups.forEach((g, i) => (g.lr = lrs[i]!));
    const sched = new S.ReduceLROnPlateau(opt, options);
    metrics.forEach((m, epoch) => {
      opt.step();
      sched.step(m);
      targets.forEach((t, i) => expect(opt.paramGroups[i]!.lr, `group ${i}, epoch ${epoch}`).toBeCloseTo(t[epoch]!, 12));
    });
  }
  const falling = range(20).map((i) => 10 - i * 0.0167);

  it('abs threshold below each improvement: never reduces', () => {
    plateau({ thresholdMode: 'abs', mode: 'min', threshold: 0.01, patience: 5, cooldown: 5 }, falling, [times(0.5, 20), times(0.5, 20)]);
  });
  it('no improvement at all: reduces after patience, then after each cooldown + patience', () => {
    const t = [...times(0.5, 6), ...times(0.05, 10), ...times(0.005, 4)];
    plateau({ thresholdMode: 'abs', mode: 'min', threshold: 0.1, patience: 5, cooldown: 4 }, times(10, 20), [t, t]);
  });
  it('rel threshold, per-group minLr', () => {
    const t0 = [...times(0.5, 6), ...times(0.4, 14)];
    const t1 = [...times(0.5, 6), ...times(0.3, 14)];
    plateau({ thresholdMode: 'rel', mode: 'max', threshold: 0.1, patience: 5, cooldown: 5, minLr: [0.4, 0.3], scaleByLrMult: false }, times(1, 20), [t0, t1]);
  });
});

describe('SequentialLR and ChainedScheduler (test_sequentiallr*, test_chained_lr*)', () => {
  it('ConstantLR then ExponentialLR at milestone 10: the second starts from the base lr', () => {
    const opt = makeOpt();
    const sched = new S.SequentialLR(opt, { schedulers: [new S.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(opt, { gamma: 0.9 })], milestones: [10] });
    const single = [...times(0.005, 2), ...times(0.05, 8), ...range(9).map((x) => 0.05 * 0.9 ** x)];
    check(opt, sched, both(single), 19);
  });

  it('two ConstantLRs do not change the initial lr after their warm-ups', () => {
    const opt = makeOpt();
    const sched = new S.SequentialLR(opt, { schedulers: [new S.ConstantLR(opt, { factor: 0.5, totalIters: 2 }), new S.ConstantLR(opt, { factor: 0.1, totalIters: 3 })], milestones: [5] });
    const single = [...times(0.025, 2), ...times(0.05, 3), ...times(0.005, 3), ...times(0.05, 2)];
    check(opt, sched, both(single), 10);
  });

  it('ConstantLR + ExponentialLR chained: their factors multiply', () => {
    const opt = makeOpt();
    const sched = new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(opt, { gamma: 0.9 })]);
    check(opt, sched, both([0.1, 0.09, 0.81, 0.729, 0.6561].map((x) => 0.05 * x)), 5);
  });

  it('getLastLr before any step equals the last scheduler\'s', () => {
    const opt = makeOpt();
    const chained = new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new S.StepLR(opt, { stepSize: 3 })]);
    expect(chained.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
  });

  it('compound schedulers stepped side by side (test_compound_step_and_multistep_lr)', () => {
    const opt = makeOpt();
    const a = new S.StepLR(opt, { gamma: 0.1, stepSize: 3 });
    const b = new S.MultiStepLR(opt, { gamma: 0.1, milestones: [2, 5, 9] });
    const single = [...times(0.05, 2), 0.005, ...times(0.0005, 2), 0.00005, ...times(0.000005, 3), 0.00000005];
    check(opt, { step: () => { a.step(); b.step(); }, optimizer: opt, getLastLr: () => b.getLastLr() }, both(single), 10);
  });
});

describe('cyclical schedules (test_cycle_lr_*, test_onecycle_lr_*)', () => {
  it('CyclicLR triangular: lr up and down between 1 and 5 over steps of 1, momentum inversely', () => {
    const opt = new optim.SGD([{ params: [zeros([1], { requiresGrad: true })] }], { lr: 1, momentum: 0.9 });
    const sched = new S.CyclicLR(opt, { baseLr: 1, maxLr: 5, stepSizeUp: 4, cycleMomentum: true, baseMomentum: 1, maxMomentum: 5 });
    const lrs = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4, 5];
    lrs.forEach((lr, i) => {
      expect(opt.paramGroups[0]!.lr).toBeCloseTo(lr, 12);
      expect(opt.paramGroups[0]!.momentum).toBeCloseTo(6 - lr, 12);
      if (i < lrs.length - 1) {
        opt.step();
        sched.step();
      }
    });
  });

  it('CyclicLR refuses an invalid mode, and momentum cycling on an optimizer without momentum', () => {
    expect(() => new S.CyclicLR(makeOpt(), { baseLr: 0, maxLr: 0, mode: 'CATS' as never })).toThrow(/CyclicLR: mode 'CATS' is invalid and scaleFn is not given/);
    const rprop = new optim.Rprop([zeros([1], { requiresGrad: true })], { lr: 0.01 });
    expect(() => new S.CyclicLR(rprop, { baseLr: 1e-4, maxLr: 5, cycleMomentum: true })).toThrow(/optimizer must support momentum with `cycleMomentum` option enabled/);
  });

  it('cosine then cyclic on the same optimizer stays within maxLr (test_cos_then_cyclic, #21965)', () => {
    const opt = new optim.SGD([zeros([10], { requiresGrad: true })], { lr: 0.5 });
    const cosine = new S.CosineAnnealingLR(opt, { tMax: 20, etaMin: 0.1 });
    const cyclic = new S.CyclicLR(opt, { baseLr: 0.1, maxLr: 0.3, stepSizeUp: 1, stepSizeDown: 3, cycleMomentum: false });
    for (let i = 0; i < 40; i++) {
      opt.step();
      if (i <= cosine.tMax) cosine.step();
      else cyclic.step();
    }
    expect(opt.paramGroups[0]!.lr).toBeLessThanOrEqual(0.3);
  });

  it('OneCycleLR refuses an invalid annealStrategy, pctStart and a missing length', () => {
    expect(() => new S.OneCycleLR(makeOpt(), { maxLr: 1e-3, totalSteps: 10, annealStrategy: 'CATS' as never })).toThrow(ValueError);
    expect(() => new S.OneCycleLR(makeOpt(), { maxLr: 1e-3, totalSteps: 10, pctStart: 1.1 })).toThrow(/pctStart/);
    expect(() => new S.OneCycleLR(makeOpt(), { maxLr: 1e-3 })).toThrow(/You must define either totalSteps OR \(epochs AND stepsPerEpoch\)/);
    expect(() => new S.OneCycleLR(makeOpt(), { maxLr: 1e-3, totalSteps: -10 })).toThrow(/totalSteps must be a positive integer/);
  });

  it('OneCycleLR linear annealing (test_onecycle_lr_linear_annealing)', () => {
    const opt = new optim.SGD([{ params: [zeros([1], { requiresGrad: true })] }], { lr: 1, momentum: 0.9 });
    const sched = new S.OneCycleLR(opt, { maxLr: 25, finalDivFactor: 2, baseMomentum: 1, maxMomentum: 22, totalSteps: 10, annealStrategy: 'linear' });
    const lrs = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5];
    const moms = [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22];
    lrs.forEach((lr, i) => {
      expect(opt.paramGroups[0]!.lr).toBeCloseTo(lr, 12);
      expect(opt.paramGroups[0]!.momentum).toBeCloseTo(moms[i]!, 12);
      if (i < lrs.length - 1) {
        opt.step();
        sched.step();
      }
    });
  });
});

describe('LambdaLR, MultiplicativeLR, warm restarts (test_lambda_lr, test_multiplicative_lr, test_CosineAnnealingWarmRestarts_*)', () => {
  it('LambdaLR with one function per group', () => {
    const opt = makeOpt();
    opt.paramGroups[0]!.lr = 0.05;
    opt.paramGroups[1]!.lr = 0.4;
    const sched = new S.LambdaLR(opt, { lrLambda: [(e) => 0.95 ** e, (e) => 0.8 ** e] });
    check(opt, sched, [range(10).map((x) => 0.05 * 0.95 ** x), range(10).map((x) => 0.4 * 0.8 ** x)], 10);
  });

  it('MultiplicativeLR with one factor per group', () => {
    const opt = makeOpt();
    opt.paramGroups[0]!.lr = 0.05;
    opt.paramGroups[1]!.lr = 0.4;
    const sched = new S.MultiplicativeLR(opt, { lrLambda: [() => 0.95, () => 0.8] });
    check(opt, sched, [range(20).map((x) => 0.05 * 0.95 ** x), range(20).map((x) => 0.4 * 0.8 ** x)], 20);
  });

  it.each([1, 2])('CosineAnnealingWarmRestarts with tMult %i', (tMult) => {
    const opt = makeOpt();
    const sched = new S.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult, etaMin: 1e-10, scaleByLrMult: false });
    const targets = [0.05, 0.5].map((base) => {
      let tCur = 0;
      let tI = 10;
      const out: number[] = [];
      for (let e = 0; e < 25; e++) {
        out.push(1e-10 + ((base - 1e-10) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
        tCur += 1;
        if (tCur >= tI) {
          tCur -= tI;
          tI *= tMult;
        }
      }
      return out;
    });
    check(opt, sched, targets, 25);
  });

  it('warm restarts with fractional epochs (test_CosineAnnealingWarmRestarts_lr3)', () => {
    const opt = makeOpt();
    const sched = new S.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 1, etaMin: 1e-10 });
    for (const e of [0, 0.1, 0.2, 0.3, 1.3, 2.1, 2.9, 3.7, 4.5, 5.3]) {
      sched.step(e);
      expect(opt.paramGroups[0]!.lr).toBeCloseTo(1e-10 + ((0.05 - 1e-10) * (1 + Math.cos((Math.PI * e) / 10))) / 2, 12);
    }
    expect(() => sched.step(-1)).toThrow(/Expected non-negative epoch, but got -1/);
  });
});

describe('state dicts (test_*_state_dict)', () => {
  it('LambdaLR with a callable object: its fields are saved and loaded (test_lambda_lr_state_dict_obj)', () => {
    class LambdaObj {
      constructor(public value: number) {}
      call(epoch: number): number {
        return this.value * epoch;
      }
    }
    const a = new S.LambdaLR(makeOpt(), { lrLambda: [new LambdaObj(10), new LambdaObj(10)] });
    const bFns = [new LambdaObj(1), new LambdaObj(1)];
    const b = new S.LambdaLR(makeOpt(), { lrLambda: bFns });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())) as S.SchedulerStateDict);
    expect(bFns.map((f) => f.value)).toEqual([10, 10]);
    expect(b.lastEpoch).toBe(a.lastEpoch);
  });

  it('a plain function saves null (test_lambda_lr_state_dict_fn)', () => {
    expect(new S.LambdaLR(makeOpt(), { lrLambda: (x) => x }).stateDict()['lrLambdas']).toEqual([null, null]);
  });
});

describe('deliberately stricter than PyTorch (listed in docs/param-groups.md)', () => {
  it('resuming without initialLr is a ParamGroupError naming the group (PyTorch: KeyError)', () => {
    const opt = new optim.SGD([zeros([2, 2], { requiresGrad: true })], { lr: 0.1 });
    expect(() => new S.StepLR(opt, { stepSize: 3, gamma: 0.1, lastEpoch: 1 })).toThrow(ParamGroupError);
    expect(() => new S.StepLR(opt, { stepSize: 3, gamma: 0.1, lastEpoch: 1 })).toThrow(/param 'initialLr' is not specified in parameter group 0 when resuming/);
  });

  it('LinearLR refuses startFactor 0 and factors above 1 (PyTorch 2.x refuses them too); ConstantLR refuses factor 0 (PyTorch divides by it)', () => {
    expect(() => new S.LinearLR(makeOpt(), { startFactor: 0 })).toThrow(/startFactor must be in \(0, 1\]/);
    expect(() => new S.LinearLR(makeOpt(), { startFactor: 1.1 })).toThrow(/startFactor must be in \(0, 1\]/);
    expect(() => new S.LinearLR(makeOpt(), { endFactor: 1.1 })).toThrow(/endFactor must be in \[0, 1\]/);
    expect(() => new S.ConstantLR(makeOpt(), { factor: 0 })).toThrow(/factor must be in \(0, 1\]/);
  });

  it('SequentialLR refuses unsorted milestones and a milestone 0 (PyTorch picks the wrong scheduler, #185872)', () => {
    const opt = makeOpt();
    const schedulers = [new S.ConstantLR(opt), new S.ExponentialLR(opt, { gamma: 0.9 }), new S.StepLR(opt, { stepSize: 2 })];
    const make = (milestones: number[]): unknown => new S.SequentialLR(opt, { schedulers, milestones });
    expect(() => make([5, 3])).toThrow(/milestones must be increasing positive integer epochs/);
    expect(() => make([0, 3])).toThrow(/milestones must be increasing positive integer epochs/);
  });

  it('options are named: a positional call gets a hint (PyTorch: StepLR(opt, 30, 0.1))', () => {
    expect(() => new (S.StepLR as unknown as new (...a: unknown[]) => unknown)(makeOpt(), 30, 0.1)).toThrow(ArgumentTypeError);
  });
});
