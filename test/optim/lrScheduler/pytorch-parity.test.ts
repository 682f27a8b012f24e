/**
 * Every scheduler against PyTorch 1.13, step for step: an SGD (or Adam)
 * optimizer with three groups of different base lrs, every group's lr (and
 * momentum / beta1 where cycled) after construction and after each of 100
 * steps (fixtures from scripts/fixtures/sched.py).
 */
import { describe, expect, it } from 'vitest';
import { build, expectTable, loadCases, makeOptimizer, momentumOf, stepOnce } from './cases.js';

const cases = loadCases();

describe('lrScheduler matches PyTorch 1.13', () => {
  it('has a fixture case for every scheduler', () => {
    const names = new Set(cases.flatMap((c) => [c.scheduler, ...((c.kwargs['schedulers'] as { scheduler: string }[] | undefined) ?? []).map((s) => s.scheduler)]));
    for (const s of ['LambdaLR', 'MultiplicativeLR', 'StepLR', 'MultiStepLR', 'ConstantLR', 'LinearLR', 'ExponentialLR', 'PolynomialLR',
      'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'CyclicLR', 'OneCycleLR', 'ReduceLROnPlateau', 'SequentialLR', 'ChainedScheduler']) {
      expect(names.has(s), s).toBe(true);
    }
    expect(cases.every((c) => c.steps >= 100 && c.lr[0]!.length === 3)).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const opt = makeOptimizer(c.optimizer);
    if (c.resume) for (const g of opt.paramGroups) g.initialLr = g.lr;
    const sched = build(opt, c);
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const moms = [opt.paramGroups.map(momentumOf)];
    for (let t = 0; t < c.steps; t++) {
      opt.step();
      stepOnce(sched, c, t);
      lrs.push(opt.paramGroups.map((g) => g.lr));
      moms.push(opt.paramGroups.map(momentumOf));
      expect(sched.getLastLr()).toEqual(lrs[lrs.length - 1]);
    }
    expectTable(lrs, c.lr, `${c.name} lr`);
    if (c.momentum !== undefined) expectTable(moms, c.momentum, `${c.name} momentum`);
  });
});
