/**
 * The text form of schedulers (`String(sched)` and Node's inspector), the
 * hint for PyTorch-style positional arguments, and `preview` without an
 * optimizer.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError } from '../../../src/errors.js';
import { POSITIONAL } from '../../../src/optim/lrScheduler/util.js';
import { loadFixture } from '../../helpers.js';
import { camel, makeOptimizer, optim, S } from './cases.js';

function twoGroups(): optim.SGD {
  const opt = makeOptimizer('sgd', [0.1, 0.01]) as optim.SGD;
  opt.paramGroups[1]!.name = 'head';
  return opt;
}

describe('printing a scheduler', () => {
  it('String(sched) shows the class, its options and the last lr of each group', () => {
    const opt = twoGroups();
    const sched = new S.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 2; i++) {
      opt.step();
      sched.step();
    }
    expect(String(sched)).toBe([
      'StepLR (',
      '    stepSize: 2',
      '    gamma: 0.5',
      '    lastEpoch: 2',
      'Last lr',
      '    group 0: 0.05',
      "    group 1 ('head'): 0.005",
      ')',
    ].join('\n'));
  });

  it('console.log (Node\'s inspector) prints the same text, not the internals', () => {
    const sched = new S.CosineAnnealingLR(twoGroups(), { tMax: 10, etaMin: 0.001 });
    expect(inspect(sched)).toBe(String(sched));
    expect(inspect({ sched })).toContain('CosineAnnealingLR (');
    expect(inspect(sched)).not.toMatch(/tracker|optimizerStepsAtStart|GroupTracker/);
    expect(String(sched)).toMatch(/tMax: 10\n {4}etaMins: \[0\.001, 0\.001\]/);
  });

  it.each([
    ['LambdaLR', (o: optim.SGD) => new S.LambdaLR(o, { lrLambda: (e) => 0.9 ** e }), /lrLambdas: \[function, function\]/],
    ['CyclicLR', (o: optim.SGD) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, stepSizeDown: 6 }), /baseLrs: \[0\.01, 0\.01\]\n {4}maxLrs: \[0\.1, 0\.1\]\n {4}stepSizeUp: 4\n {4}stepSizeDown: 6/],
    ['OneCycleLR', (o: optim.SGD) => new S.OneCycleLR(o, { maxLr: 0.1, totalSteps: 10 }), /totalSteps: 10\n {4}pctStart: 0\.3/],
    ['ReduceLROnPlateau', (o: optim.SGD) => new S.ReduceLROnPlateau(o, { patience: 2 }), /mode: 'min'\n {4}factor: 0\.1\n {4}patience: 2/],
  ])('%s prints its options', (name, make, options) => {
    const text = inspect(make(twoGroups()));
    expect(text.startsWith(`${name} (\n`)).toBe(true);
    expect(text).toMatch(options);
    expect(text).toMatch(/Last lr\n {4}group 0: .*\n {4}group 1 \('head'\): .*\n\)$/);
  });

  it('composites print their schedulers nested', () => {
    const opt = twoGroups();
    const seq = new S.SequentialLR(opt, { schedulers: [new S.LinearLR(opt, { totalIters: 2 }), new S.ExponentialLR(opt, { gamma: 0.9 })], milestones: [2] });
    const text = String(seq);
    expect(text).toMatch(/^SequentialLR \(\n {4}milestones: \[2\]\n {4}lastEpoch: 0\n {4}schedulers\[0\]: LinearLR \(\n {8}startFactor/);
    expect(text).toMatch(/ {4}schedulers\[1\]: ExponentialLR \(\n {8}gamma: 0\.9/);
    expect(inspect(new S.ChainedScheduler([new S.StepLR(opt, { stepSize: 3 })]))).toMatch(/^ChainedScheduler \(\n {4}schedulers\[0\]: StepLR \(/);
  });
});

describe('PyTorch-style positional arguments', () => {
  it.each([
    ['StepLR', () => new (S.StepLR as unknown as new (...a: unknown[]) => unknown)(twoGroups(), 30, 0.1), '{ stepSize: 30, gamma: 0.1 }'],
    ['ExponentialLR', () => new (S.ExponentialLR as unknown as new (...a: unknown[]) => unknown)(twoGroups(), 0.9), '{ gamma: 0.9 }'],
    ['MultiStepLR', () => new (S.MultiStepLR as unknown as new (...a: unknown[]) => unknown)(twoGroups(), [30, 80], 0.1), '{ milestones: [30, 80], gamma: 0.1 }'],
    ['CosineAnnealingLR', () => new (S.CosineAnnealingLR as unknown as new (...a: unknown[]) => unknown)(twoGroups(), 100, 1e-5), `{ tMax: 100, etaMin: ${String(1e-5)} }`],
    ['LambdaLR', () => new (S.LambdaLR as unknown as new (...a: unknown[]) => unknown)(twoGroups(), (e: number) => e), '{ lrLambda: (…) => … }'],
    ['ReduceLROnPlateau', () => new (S.ReduceLROnPlateau as unknown as new (...a: unknown[]) => unknown)(twoGroups(), 'max', 0.5), "{ mode: 'max', factor: 0.5 }"],
  ])('%s: the hint names the scheduler\'s own options with the values given', (name, call, named) => {
    expect(call).toThrow(ArgumentTypeError);
    const message = (() => {
      try {
        call();
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(message).toContain(`${name}: options must be an object`);
    expect(message).toContain(`options are named, not positional: new optim.lrScheduler.${name}(optimizer, ${named})`);
  });

  it('knows every scheduler\'s positional order, as PyTorch declares it', () => {
    const signatures = loadFixture<Record<string, string[]>>('sched_signatures');
    for (const [name, params] of Object.entries(signatures)) {
      if (name === 'ChainedScheduler') continue;
      expect(POSITIONAL[name], name).toEqual(params.filter((p) => p !== 'optimizer' && p !== 'verbose').map(camel));
    }
  });
});

describe('preview without an optimizer', () => {
  it('runs OneCycleLR and CyclicLR on the default stand-in (lr 1, a momentum to cycle)', () => {
    const one = S.preview((o) => new S.OneCycleLR(o, { maxLr: 0.1, totalSteps: 10 }), 10);
    expect(one[0]![0]).toBeCloseTo(0.1 / 25, 15);
    expect(Math.max(...one.map((r) => r[0]!))).toBeCloseTo(0.1, 12);
    const cyc = S.preview((o) => new S.CyclicLR(o, { baseLr: 0.1, maxLr: 1, stepSizeUp: 2 }), 5);
    expect(cyc.map((r) => r[0])).toEqual([0.1, 0.55, 1, 0.55, 0.1]);
  });
});
