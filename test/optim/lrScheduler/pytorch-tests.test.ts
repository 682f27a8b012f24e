/**
 * A port of PyTorch's own scheduler tests (test/optim/test_lrscheduler.py)
 * that check behaviour rather than numbers: warnings, errors, state dicts,
 * checkpoints. The tests that check lrs run against PyTorch's own numbers in
 * pytorch-tests-fixtures.test.ts. Cases that cannot apply, or where kindling
 * is deliberately stricter, are listed in docs/param-groups.md ("Deliberate
 * differences from PyTorch") and pinned at the end of this file.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgumentTypeError, ParamGroupError, ValueError } from '../../../src/errors.js';
import { zeros } from '../../../src/tensor/creation.js';
import * as swaUtils from '../../../src/optim/swaUtils/index.js';
import { optim, S } from './cases.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The test's optimizer: conv1's parameters at lr 0.05 (the default), conv2's at 0.5. */
function makeOpt(): optim.SGD {
  return new optim.SGD([{ params: [zeros([1, 1, 1, 1], { requiresGrad: true })] }, { params: [zeros([1, 1, 1, 1], { requiresGrad: true })], lr: 0.5 }], { lr: 0.05 });
}

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

describe('errors (test_cycle_lr_invalid_mode, test_onecycle_lr_invalid_*, test_multiplicative_lr_with_lr_lambda, test_swalr_hypers)', () => {
  it('CyclicLR refuses an invalid mode, and momentum cycling on an optimizer without momentum; cycles Adam\'s beta1', () => {
    expect(() => new S.CyclicLR(makeOpt(), { baseLr: 0, maxLr: 0, mode: 'CATS' as never })).toThrow(/CyclicLR: mode 'CATS' is invalid and scaleFn is not given/);
    const rprop = new optim.Rprop([zeros([1], { requiresGrad: true })], { lr: 0.01 });
    expect(() => new S.CyclicLR(rprop, { baseLr: 1, maxLr: 5, cycleMomentum: true })).toThrow(/optimizer must support momentum with `cycleMomentum` option enabled/);
    // test_cycle_lr_cycle_momentum_with_beta1_optimizer: Adam's betas[0] is its momentum.
    const adam = new optim.Adam([zeros([1], { requiresGrad: true })]);
    const sched = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: true });
    expect(sched.useBeta1).toBe(true);
    expect(adam.paramGroups[0]!.betas[0]).toBe(0.9);
  });

  it('cosine then cyclic on the same optimizer stays within maxLr (test_cosine_then_cyclic, #21965)', () => {
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

  it('MultiplicativeLR refuses a number for lrLambda, alone or in a list', () => {
    expect(() => new S.MultiplicativeLR(makeOpt(), { lrLambda: 0.95 as never })).toThrow(ArgumentTypeError);
    expect(() => new S.MultiplicativeLR(makeOpt(), { lrLambda: 0.95 as never })).toThrow(/lrLambda must be a function/);
    expect(() => new S.MultiplicativeLR(makeOpt(), { lrLambda: [0.95, 0.95] as never })).toThrow(/lrLambda must be a function/);
  });

  it('SWALR refuses a bad annealStrategy, annealEpochs and a swaLr list of the wrong length', () => {
    expect(() => new swaUtils.SWALR(makeOpt(), { annealStrategy: 'exponential' as never, swaLr: 1 })).toThrow(/annealStrategy must/);
    expect(() => new swaUtils.SWALR(makeOpt(), { annealEpochs: -1, swaLr: 1 })).toThrow(/annealEpochs must/);
    expect(() => new swaUtils.SWALR(makeOpt(), { annealEpochs: 1.7, swaLr: 1 })).toThrow(/annealEpochs must/);
    expect(() => new swaUtils.SWALR(makeOpt(), { swaLr: [1, 0.1, 0.01] })).toThrow(/swaLr/);
  });

  it('CosineAnnealingWarmRestarts refuses a negative epoch', () => {
    const sched = new S.CosineAnnealingWarmRestarts(makeOpt(), { t0: 10 });
    expect(() => sched.step(-1)).toThrow(/Expected non-negative epoch, but got -1/);
  });

  it('ReduceLROnPlateau: getLastLr before any step is each group\'s lr (test_reduce_lr_on_plateau_get_last_lr_before_step)', () => {
    const opt = makeOpt();
    for (const g of opt.paramGroups) g.lr = 0.5;
    expect(new S.ReduceLROnPlateau(opt).getLastLr()).toEqual([0.5, 0.5]);
  });
});

/** Every scheduler the state-dict and checkpoint tests make (their LRClass parametrizations). */
type Made = { step(m?: number): void; stateDict(): S.SchedulerStateDict; loadStateDict(s: S.SchedulerStateDict): void; getLastLr(): number[] };
const EVERY: [string, (o: optim.Optimizer, lastEpoch?: number) => Made][] = [
  ['LambdaLR', (o, lastEpoch) => new S.LambdaLR(o, { lrLambda: (e) => Math.floor(e / 30), lastEpoch })],
  ['MultiplicativeLR', (o, lastEpoch) => new S.MultiplicativeLR(o, { lrLambda: () => 0.95, lastEpoch })],
  ['StepLR', (o, lastEpoch) => new S.StepLR(o, { stepSize: 30, lastEpoch })],
  ['MultiStepLR', (o, lastEpoch) => new S.MultiStepLR(o, { milestones: [30, 80], lastEpoch })],
  ['ConstantLR', (o, lastEpoch) => new S.ConstantLR(o, { lastEpoch })],
  ['LinearLR', (o, lastEpoch) => new S.LinearLR(o, { lastEpoch })],
  ['ExponentialLR', (o, lastEpoch) => new S.ExponentialLR(o, { gamma: 0.9, lastEpoch })],
  ['PolynomialLR', (o, lastEpoch) => new S.PolynomialLR(o, { lastEpoch })],
  ['CosineAnnealingLR', (o, lastEpoch) => new S.CosineAnnealingLR(o, { tMax: 10, lastEpoch })],
  ['CosineAnnealingWarmRestarts', (o, lastEpoch) => new S.CosineAnnealingWarmRestarts(o, { t0: 20, lastEpoch })],
  ['CyclicLR', (o, lastEpoch) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, lastEpoch })],
  ['OneCycleLR', (o, lastEpoch) => new S.OneCycleLR(o, { maxLr: 0.01, totalSteps: 10, annealStrategy: 'linear', lastEpoch })],
  ['SWALR', (o, lastEpoch) => new swaUtils.SWALR(o, { swaLr: 0.01, lastEpoch })],
];

describe('state dicts (test_*_state_dict, test_lr_scheduler_state_dict_load)', () => {
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
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  it('a plain function saves null and loads (test_lambda_lr_state_dict_fn)', () => {
    const a = new S.LambdaLR(makeOpt(), { lrLambda: (x) => x });
    expect(a.stateDict()['lrLambdas']).toEqual([null, null]);
    const b = new S.LambdaLR(makeOpt(), { lrLambda: (x) => x });
    b.loadStateDict(a.stateDict());
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  it('ReduceLROnPlateau: a state loads into one made with other options (test_reduce_lr_on_plateau_state_dict)', () => {
    const opt = makeOpt();
    const a = new S.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.1, patience: 2 });
    for (const score of [1, 2, 3, 4, 3, 4, 5, 3, 2, 1]) {
      opt.step();
      a.step(score);
    }
    const b = new S.ReduceLROnPlateau(opt, { mode: 'max', factor: 0.5, patience: 10 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())) as S.SchedulerStateDict);
    expect(b.stateDict()).toEqual(a.stateDict());
    expect(b.mode).toBe('min');
    expect(b.factor).toBe(0.1);
  });

  it.each([
    ...EVERY,
    ['ReduceLROnPlateau', (o: optim.Optimizer) => new S.ReduceLROnPlateau(o)] as const,
    ['ChainedScheduler', (o: optim.Optimizer) => new S.ChainedScheduler([new S.ConstantLR(o), new S.ConstantLR(o)])] as const,
    ['SequentialLR', (o: optim.Optimizer) => new S.SequentialLR(o, { schedulers: [new S.ConstantLR(o), new S.ConstantLR(o)], milestones: [2] })] as const,
  ])('%s: a state saved (as JSON) loads into a new one and saves the same again', (_name, make) => {
    const sd = make(makeOpt()).stateDict();
    // NOTE: through JSON, as a file would carry it (ReduceLROnPlateau's best = Infinity becomes null and loads as the worst).
    const saved = JSON.parse(JSON.stringify(sd)) as S.SchedulerStateDict;
    const again = make(makeOpt());
    again.loadStateDict(saved);
    expect(again.stateDict()).toEqual(sd);
  });

  it('CyclicLR: the state is JSON, with scaleFn null for a mode or a plain function and the fields of a callable object (test_cycle_lr_state_dict_picklable)', () => {
    const adam = new optim.Adam([zeros([1], { requiresGrad: true })]);
    const json = (sd: S.SchedulerStateDict): unknown => JSON.parse(JSON.stringify(sd));
    const builtIn = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false }).stateDict();
    expect(builtIn['scaleFn']).toBeNull();
    expect(json(builtIn)).toEqual(builtIn);
    expect(new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false, scaleFn: () => 0.5 }).stateDict()['scaleFn']).toBeNull();
    const scaleFn = { x: 0.5, call(): number { return this.x; } };
    expect(new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false, scaleFn }).stateDict()['scaleFn']).toEqual({ x: 0.5 });
  });

  it('CyclicLR: the mode, or the live scaleFn, is kept by loading (test_cycle_lr_scale_fn_restored_from_state_dict)', () => {
    const adam = new optim.Adam([zeros([1], { requiresGrad: true })]);
    const a = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false, mode: 'triangular2' });
    const b = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false });
    b.loadStateDict(a.stateDict());
    expect(b.mode).toBe('triangular2');
    expect(b.scaleFn).toBeUndefined();
    const scaleFn = (): number => 0.5;
    const c = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false, scaleFn });
    const d = new S.CyclicLR(adam, { baseLr: 1, maxLr: 5, cycleMomentum: false, scaleFn });
    d.loadStateDict(c.stateDict());
    expect(d.scaleFn).toBe(scaleFn);
  });
});

describe('a checkpoint resumes (test_lr_scheduler_checkpoint, test_lr_scheduler_checkpoint_on_plateau)', () => {
  /** AdamW on one Linear's parameters, as the test's model. */
  const adamw = (params: ReturnType<typeof zeros>[]): optim.AdamW => new optim.AdamW(params);

  it.each(EVERY)('%s made with lastEpoch 0 on the loaded optimizer: its last lr is the saved lr', (_name, make) => {
    const params = [zeros([3, 3], { requiresGrad: true }), zeros([3], { requiresGrad: true })];
    const a = adamw(params);
    const sched = make(a);
    a.step();
    sched.step();
    const b = adamw(params);
    b.loadStateDict(a.stateDict());
    const resumed = make(b, 0);
    expect(resumed.getLastLr()[0]).toBe(a.paramGroups[0]!.lr);
    expect(b.paramGroups[0]!.lr).toBe(a.paramGroups[0]!.lr);
  });

  it('ReduceLROnPlateau', () => {
    const params = [zeros([3, 3], { requiresGrad: true })];
    const a = adamw(params);
    const sched = new S.ReduceLROnPlateau(a, { mode: 'min' });
    a.step();
    sched.step(1);
    const b = adamw(params);
    b.loadStateDict(a.stateDict());
    expect(new S.ReduceLROnPlateau(b, { mode: 'min' }).getLastLr()[0]).toBe(a.paramGroups[0]!.lr);
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

  it('a per-group minLr list and a group added later: refused at addParamGroup, naming the fix (PyTorch: RuntimeError at the next step unless min_lrs is extended; test_add_param_group_errors_reduce_lr_on_plateau)', () => {
    const opt = makeOpt();
    const sched = new S.ReduceLROnPlateau(opt, { mode: 'min', thresholdMode: 'rel', threshold: 1e-5, patience: 0, cooldown: 0, minLr: [1e-5, 1e-4] });
    const add = (): void => opt.addParamGroup({ params: [zeros([2, 3], { requiresGrad: true })], lr: 0.05 });
    expect(add).toThrow(/ReduceLROnPlateau: minLr was given as an array of 2 values \(one per group\), which has no value for parameter group 2/);
    expect(add).toThrow(/give minLr as one number or as a function \(group, index\) => number/);
    expect(opt.paramGroups).toHaveLength(2);
    opt.step();
    sched.step(1);
    expect(sched.getLastLr()).toHaveLength(2);
  });

  it('Adam.step refuses beta1 outside [0, 1), which OneCycleLR with maxMomentum 22 writes (test_cycle_lr_with_adam; PyTorch checks betas only in the constructor)', () => {
    const opt = new optim.Adam([{ params: [zeros([1], { requiresGrad: true })] }], { lr: 0.05 });
    new S.OneCycleLR(opt, { maxLr: 25, finalDivFactor: 2, baseMomentum: 1, maxMomentum: 22, totalSteps: 10, annealStrategy: 'linear' });
    expect(opt.paramGroups[0]!.betas[0]).toBe(22);
    expect(() => opt.step()).toThrow(/Invalid beta parameter at index 0: 22 in parameter group 0/);
  });

  it('options are named: a positional call gets a hint (PyTorch: StepLR(opt, 30, 0.1))', () => {
    expect(() => new (S.StepLR as unknown as new (...a: unknown[]) => unknown)(makeOpt(), 30, 0.1)).toThrow(ArgumentTypeError);
  });
});
