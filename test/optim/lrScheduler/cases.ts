/**
 * The scheduler fixture cases (scripts/fixtures/sched.py) on the TypeScript
 * side: PyTorch's keyword arguments become kindling's options (one table
 * drives both), named lambdas are mirrored, and the optimizers are built as
 * the script builds them.
 */
import '../../../src/ops/install.js';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as optim from '../../../src/optim/index.js';
import * as S from '../../../src/optim/lrScheduler/index.js';
import { zeros } from '../../../src/tensor/creation.js';

export { optim, S };

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '..', '..', 'fixtures');

/** The named functions of sched.py's FUNCTIONS, written again here. */
export const FUNCTIONS: Record<string, (x: number) => number> = {
  pow97: (e) => 0.97 ** e,
  warmup10: (e) => Math.min(1.0, (e + 1) / 10),
  halve20: (e) => 0.5 ** Math.floor(e / 20),
  mul98: () => 0.98,
  mulEvery10: (e) => (e % 10 === 0 ? 0.5 : 1.0),
  mulSlow: (e) => 1.0 - 0.5 / (e + 10),
  scaleHalf: (x) => (1.0 / 2.0 ** (x - 1)) * 0.5 + 0.5,
  // test_lrscheduler's lambdas (scripts/fixtures/test_lrscheduler.py)
  pow9: (e) => 0.9 ** e,
  pow8: (e) => 0.8 ** e,
  mul9: () => 0.9,
  mul8: () => 0.8,
};

export const GROUP_LRS = [0.1, 0.05, 0.01];
export const GROUP_MOMENTUM = [0.9, 0.85, 0.95];

/** A scheduler as the fixture describes it. */
export interface SchedSpec {
  scheduler: string;
  kwargs: Record<string, unknown>;
}

/** One fixture case: the spec, PyTorch's lrs (and momentum) after construction and each step. */
export interface FixtureCase extends SchedSpec {
  name: string;
  optimizer: 'sgd' | 'adam';
  steps: number;
  lr: number[][];
  momentum?: number[][];
  metrics?: number[];
  /** Epochs for `stepTo` (PyTorch's `step(epoch)`, the closed form). */
  epochs?: number[];
  resume?: boolean;
}

/** Every case of the sched_* fixture files (the recipe fixture aside). */
export function loadCases(): FixtureCase[] {
  const files = readdirSync(FIXTURES).filter((f) => /^sched_(basic|closed|cyclic|plateau|composite)_\d+\.json$/.test(f)).sort();
  return files.flatMap((f) => (JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { cases: FixtureCase[] }).cases);
}

/** snake_case → camelCase (`T_max` → `tMax`, `step_size_up` → `stepSizeUp`). */
export function camel(key: string): string {
  const [first, ...rest] = key.split('_');
  return first!.toLowerCase() + rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function fnValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'fn' in v) return FUNCTIONS[(v as { fn: string }).fn]!;
  if (Array.isArray(v) && v.length > 0 && v[0] !== null && typeof v[0] === 'object' && 'fn' in v[0]) return v.map(fnValue);
  return v;
}

/** PyTorch's kwargs as kindling options. */
export function toOptions(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), fnValue(v)]));
}

/** The fixture's optimizer: three groups (lrs 0.1, 0.05, 0.01), one parameter each. */
export function makeOptimizer(kind: 'sgd' | 'adam', lrs: readonly number[] = GROUP_LRS): optim.SGD | optim.Adam {
  const params = lrs.map(() => zeros([2], { requiresGrad: true }));
  if (kind === 'adam') {
    return new optim.Adam(params.map((p, i) => ({ params: [p], lr: lrs[i]!, betas: [GROUP_MOMENTUM[i]!, 0.999] as [number, number] })), { lr: 0.5 });
  }
  return new optim.SGD(params.map((p, i) => ({ params: [p], lr: lrs[i]!, momentum: GROUP_MOMENTUM[i]! })), { lr: 0.5, momentum: 0.9 });
}

type AnyScheduler = S.EpochScheduler | S.ReduceLROnPlateau;

/** Builds the scheduler a spec describes, with `extra` options merged in (composites pass them to their children). */
export function build(opt: S.SchedulableOptimizer, spec: SchedSpec, extra: Record<string, unknown> = {}): AnyScheduler {
  const kwargs = { ...spec.kwargs };
  if (spec.scheduler === 'SequentialLR' || spec.scheduler === 'ChainedScheduler') {
    const children = (kwargs['schedulers'] as SchedSpec[]).map((c) => build(opt, c, extra) as S.LRScheduler);
    delete kwargs['schedulers'];
    if (spec.scheduler === 'ChainedScheduler') return new S.ChainedScheduler(children);
    return new S.SequentialLR(opt, { schedulers: children, milestones: toOptions(kwargs)['milestones'] as number[] });
  }
  const Ctor = (S as unknown as Record<string, new (o: S.SchedulableOptimizer, options: Record<string, unknown>) => AnyScheduler>)[spec.scheduler];
  if (Ctor === undefined) throw new Error(`no scheduler ${spec.scheduler}`);
  return new Ctor(opt, { ...toOptions(kwargs), ...extra });
}

/** Steps `sched` once (with the case's metric for ReduceLROnPlateau). */
export function stepOnce(sched: AnyScheduler, c: FixtureCase, t: number): void {
  if (sched instanceof S.ReduceLROnPlateau) sched.step(c.metrics![t]!);
  else if (c.epochs !== undefined) (sched as S.LRScheduler).stepTo(c.epochs[t]!);
  else sched.step();
}

/** The momentum a group is cycled through: `momentum` or `betas[0]`. */
export function momentumOf(group: { momentum?: number; betas?: readonly [number, number] }): number {
  return group.betas !== undefined ? group.betas[0] : group.momentum!;
}

/** |a − e| ≤ atol + rtol·|e| for every element of two tables, naming the row and column that differs. */
export function expectTable(actual: number[][], expected: number[][], label: string, rtol = 1e-13, atol = 1e-16): void {
  expect(actual.length, `${label}: rows`).toBe(expected.length);
  for (let t = 0; t < expected.length; t++) {
    expect(actual[t]!.length, `${label}: columns at row ${t}`).toBe(expected[t]!.length);
    for (let i = 0; i < expected[t]!.length; i++) {
      const a = actual[t]![i]!;
      const e = expected[t]![i]!;
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`${label}: step ${t}, group ${i}: got ${a}, expected ${e}`);
    }
  }
}
