/**
 * Every scheduler against PyTorch 1.13, step for step: an SGD (or Adam)
 * optimizer with three groups of different base lrs, every group's lr (and
 * momentum / beta1 where cycled) after construction and after each of 100
 * steps (fixtures from scripts/fixtures/sched.py).
 */
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../helpers.js';
import { build, camel, expectTable, loadCases, makeOptimizer, momentumOf, S, stepOnce } from './cases.js';

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

describe('option names are PyTorch\'s, in camelCase', () => {
  // Each scheduler's constructor parameters as PyTorch 1.13 declares them (inspect.signature).
  const signatures = loadFixture<Record<string, string[]>>('sched_signatures');
  const ctors = S as unknown as Record<string, new (o: unknown, options: Record<string, unknown>) => unknown>;

  it.each(Object.entries(signatures))('%s accepts every PyTorch option', (name, params) => {
    // NOTE: the optimizer is the first argument (ChainedScheduler's schedulers go in
    // the options in that form); verbose is left out on purpose (deprecated in PyTorch).
    const keys = params.filter((p) => p !== 'optimizer' && p !== 'verbose').map(camel);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      // The key is checked before any value: the only acceptable failure is a value error, never 'unknown option'.
      let message = '';
      try {
        new ctors[name]!(makeOptimizer('sgd'), { [key]: undefined });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, `${name}: ${key}`).not.toMatch(/unknown option/);
    }
    let unknown = '';
    try {
      new ctors[name]!(makeOptimizer('sgd'), { notAnOption: 1 });
    } catch (e) {
      unknown = (e as Error).message;
    }
    expect(unknown).toMatch(new RegExp(`^${name}: unknown option 'notAnOption'`));
  });
});
