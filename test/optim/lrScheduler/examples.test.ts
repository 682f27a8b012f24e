/**
 * The examples in the TSDoc of src/optim/lrScheduler and src/nn/utils/freeze.ts,
 * run as written (STYLE.md §14), with the values their comments state. The
 * expected values are worked out by hand from each schedule's definition.
 */
import { describe, expect, it } from 'vitest';
import { expectClose, kd } from '../../helpers.js';

const { nn, optim } = kd;

/** The `opt` of the examples: two groups, lrs 0.1 and 0.01, SGD with momentum. */
function makeOpt(): kd.optim.SGD {
  return new optim.SGD(
    [{ params: [kd.zeros([2], { requiresGrad: true })], lr: 0.1 }, { params: [kd.zeros([2], { requiresGrad: true })], lr: 0.01 }],
    { lr: 0.1, momentum: 0.9 },
  );
}

const train = (): void => {};
const lrs = (opt: kd.optim.SGD): number[] => opt.paramGroups.map((g) => g.lr);
/** Steps the optimizer and `sched` `n` times. */
function run(opt: kd.optim.SGD, sched: { step(): void }, n: number): void {
  for (let t = 0; t < n; t++) {
    opt.step();
    sched.step();
  }
}

describe('lrScheduler examples', () => {
  it('the module: CosineAnnealingLR over 100 epochs', () => {
    const opt = makeOpt();
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100 });
    for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
    expect(sched.getLastLr()).toEqual([0, 0]);
  });

  it('LRScheduler / StepLR: ×0.1 every 30 epochs', () => {
    const opt = makeOpt();
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
    const seen: number[][] = [];
    for (let epoch = 0; epoch < 100; epoch++) { seen.push(lrs(opt)); train(); opt.step(); sched.step(); }
    expectClose(kd.tensor([seen[29]!, seen[30]!, seen[59]!, seen[60]!, seen[90]!], { dtype: 'float64' }),
      [[0.1, 0.01], [0.01, 0.001], [0.01, 0.001], [0.001, 0.0001], [0.0001, 0.00001]], { rtol: 1e-12 });
  });

  it('LambdaLR: one function, and one per group', () => {
    const opt = makeOpt();
    new optim.lrScheduler.LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
    expect(lrs(opt)).toEqual([0.1, 0.01]);
    const opt2 = makeOpt();
    const s2 = new optim.lrScheduler.LambdaLR(opt2, { lrLambda: [(e) => Math.min(1, (e + 1) / 10), (e) => 0.95 ** e] });
    expectClose(kd.tensor(lrs(opt2), { dtype: 'float64' }), [0.01, 0.01], { rtol: 1e-15 });
    run(opt2, s2, 9);
    expectClose(kd.tensor(lrs(opt2), { dtype: 'float64' }), [0.1, 0.01 * 0.95 ** 9], { rtol: 1e-14 });
  });

  it('MultiplicativeLR: each step multiplies by 0.95', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.MultiplicativeLR(opt, { lrLambda: () => 0.95 });
    run(opt, s, 2);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.1 * 0.95 * 0.95, 0.01 * 0.95 * 0.95], { rtol: 1e-15 });
  });

  it('MultiStepLR: ×0.1 from epoch 30, ×0.01 from 80', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
    run(opt, s, 29);
    expect(lrs(opt)).toEqual([0.1, 0.01]);
    run(opt, s, 1);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.01, 0.001], { rtol: 1e-15 });
    run(opt, s, 50);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.001, 0.0001], { rtol: 1e-14 });
  });

  it('ConstantLR: ×0.5 for epochs 0–3, then the base lr', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
    expect(lrs(opt)).toEqual([0.05, 0.005]);
    run(opt, s, 3);
    expect(lrs(opt)).toEqual([0.05, 0.005]);
    run(opt, s, 1);
    expect(lrs(opt)).toEqual([0.1, 0.01]);
  });

  it('LinearLR: a warm-up ×0.1, ×0.19 … ×1 from epoch 10', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.01, 0.001], { rtol: 1e-15 });
    run(opt, s, 1);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.019, 0.0019], { rtol: 1e-14 });
    run(opt, s, 9);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.1, 0.01], { rtol: 1e-14 });
  });

  it('ExponentialLR and PolynomialLR', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 });
    run(opt, s, 3);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.1 * 0.95 ** 3, 0.01 * 0.95 ** 3], { rtol: 1e-14 });
    const opt2 = makeOpt();
    const p = new optim.lrScheduler.PolynomialLR(opt2, { totalIters: 100, power: 0.9 });
    run(opt2, p, 50);
    expectClose(kd.tensor(lrs(opt2), { dtype: 'float64' }), [0.1 * 0.5 ** 0.9, 0.01 * 0.5 ** 0.9], { rtol: 1e-12 });
    run(opt2, p, 50);
    expect(lrs(opt2)).toEqual([0, 0]);
  });

  it('CosineAnnealingLR down to etaMin, and warm restarts at 10, 30, 70', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
    run(opt, s, 100);
    // NOTE: etaMin is scaled by lrMult, which these groups do not have: both reach 1e-5.
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-5, 1e-5], { rtol: 1e-9 });
    const opt2 = makeOpt();
    const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt2, { t0: 10, tMult: 2 });
    const restarts: number[] = [];
    for (let epoch = 1; epoch <= 75; epoch++) {
      opt2.step();
      sched.step();
      if (opt2.paramGroups[0]!.lr === 0.1) restarts.push(epoch);
    }
    expect(restarts).toEqual([10, 30, 70]);
  });

  it('CyclicLR triangular2: up over 500 steps, down over 500, the next cycle half as high', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.CyclicLR(opt, { baseLr: 1e-3, maxLr: 1e-2, stepSizeUp: 500, mode: 'triangular2' });
    expect(lrs(opt)).toEqual([1e-3, 1e-3]);
    run(opt, s, 500);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-2, 1e-2], { rtol: 1e-14 });
    run(opt, s, 500);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-3, 1e-3], { rtol: 1e-12 });
    run(opt, s, 500);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [5.5e-3, 5.5e-3], { rtol: 1e-12 });
  });

  it('OneCycleLR with one maxLr per group', () => {
    const opt = makeOpt();
    const s = new optim.lrScheduler.OneCycleLR(opt, { maxLr: [1e-3, 1e-2], totalSteps: 1000 });
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-3 / 25, 1e-2 / 25], { rtol: 1e-14 });
    run(opt, s, 300);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-3, 1e-2], { rtol: 1e-12 });
    run(opt, s, 699);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [1e-3 / 25 / 1e4, 1e-2 / 25 / 1e4], { rtol: 1e-9 });
  });

  it('ReduceLROnPlateau halves the lrs after 4 epochs without improvement', () => {
    const opt = makeOpt();
    const validate = (): number => 1; // a loss that never improves after the first epoch
    const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { factor: 0.5, patience: 3 });
    const seen: number[] = [];
    for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(validate()); seen.push(opt.paramGroups[0]!.lr); }
    expect(seen.slice(0, 6)).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05]);
    expect(seen[49]).toBeCloseTo(0.1 * 0.5 ** 12, 15);
  });

  it('SequentialLR: a warm-up, then a cosine', () => {
    const opt = makeOpt();
    const warm = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
    const cos = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 95 });
    const sched = new optim.lrScheduler.SequentialLR(opt, { schedulers: [warm, cos], milestones: [5] });
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.01, 0.001], { rtol: 1e-15 });
    run(opt, sched, 5);
    expect(lrs(opt)).toEqual([0.1, 0.01]);
    run(opt, sched, 95);
    expect(lrs(opt)).toEqual([0, 0]);
  });

  it('ChainedScheduler: warm-up factor times 0.95^epoch', () => {
    const opt = makeOpt();
    const sched = new optim.lrScheduler.ChainedScheduler([
      new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 }),
      new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 }),
    ]);
    run(opt, sched, 2);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.1 * 0.46 * 0.95 ** 2, 0.01 * 0.46 * 0.95 ** 2], { rtol: 1e-14 });
    run(opt, sched, 8);
    expectClose(kd.tensor(lrs(opt), { dtype: 'float64' }), [0.1 * 0.95 ** 10, 0.01 * 0.95 ** 10], { rtol: 1e-14 });
  });

  it('preview: OneCycleLR on a copy of a real optimizer', () => {
    const realOptimizer = makeOpt();
    const lrs = optim.lrScheduler.preview(
      (opt) => new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 100 }),
      100,
      { optimizer: realOptimizer },
    );
    expect(lrs.length).toBe(100);
    expectClose(kd.tensor(lrs[0]!, { dtype: 'float64' }), [0.004, 0.004], { rtol: 1e-15 });
    expectClose(kd.tensor(lrs[29]!, { dtype: 'float64' }), [0.1, 0.1], { rtol: 1e-14 });
    expect(realOptimizer.paramGroups.map((g) => [g.lr, g.momentum, 'initialLr' in g])).toEqual([[0.1, 0.9, false], [0.01, 0.9, false]]);
  });
});

describe('freeze / unfreeze examples', () => {
  class Net extends nn.Module {
    base = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh());
    head = new nn.Linear(4, 2);
  }

  it('freeze the base and train the head, then unfreeze the base as a new group', () => {
    const model = new Net();
    nn.utils.freeze(model.base); // train the head only
    const opt = new optim.SGD(model.head.parameters(), { lr: 0.05 });
    expect([...model.base.parameters()].every((p) => !p.requiresGrad)).toBe(true);
    nn.utils.unfreeze(model.base);
    opt.addParamGroup({ params: model.base.parameters(), lr: 0.005, name: 'base' });
    expect([...model.base.parameters()].every((p) => p.requiresGrad)).toBe(true);
    expect(opt.paramGroups.map((g) => [g.name, g.lr])).toEqual([[undefined, 0.05], ['base', 0.005]]);
  });
});
