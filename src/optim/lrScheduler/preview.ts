/**
 * `preview`: a schedule's lrs, every group at every step, computed on a
 * stand-in optimizer (copies of the groups' values, no parameters), so the
 * real optimizer is never touched. For plots, logs and tests.
 */
import { ArgumentTypeError, ValueError } from '../../errors.js';
import type { EpochScheduler } from './composite.js';
import { ReduceLROnPlateau } from './plateau.js';
import type { RemovableHandle } from '../types.js';
import type { ParamGroupHook, SchedulableGroup, SchedulableOptimizer } from './types.js';
import { checkOptionKeys, fmtValue, intOption } from './util.js';

/** A group for `preview`: its lr and whatever else the scheduler reads. */
export interface PreviewGroup {
  lr: number;
  name?: string;
  momentum?: number;
  betas?: readonly [number, number];
  lrMult?: number;
  initialLr?: number;
  /** OneCycleLR's peak for this group (a late group's own peak). */
  maxLr?: number;
}

/** Options of {@link preview}. */
export interface PreviewOptions {
  /** Copy the groups (values only) of this optimizer; it is not changed. */
  optimizer?: SchedulableOptimizer;
  /** Or use these groups (default: one group with lr 1, so the result is the schedule's factor). */
  groups?: readonly PreviewGroup[];
  /** ReduceLROnPlateau's metric at each step (`metrics[t]` is passed to the t-th `step`). */
  metrics?: readonly number[] | ((step: number) => number);
  /**
   * Groups added while the schedule runs (`addParamGroup`), each from step
   * `at` on: row `at` is the first that has it, at exactly the lr given;
   * the rows before are shorter by it.
   */
  later?: readonly { at: number; group: PreviewGroup }[];
}

/** The stand-in optimizer: groups of plain values, a step counter, and `addParamGroup` with its hooks. */
class PreviewOptimizer implements SchedulableOptimizer {
  stepCount = 0;
  private readonly hooks: ParamGroupHook<SchedulableGroup>[] = [];
  constructor(readonly paramGroups: SchedulableGroup[], readonly defaults: Record<string, unknown>) {}

  registerParamGroupHook(hook: ParamGroupHook<SchedulableGroup>): RemovableHandle {
    this.hooks.push(hook);
    return { remove: () => void this.hooks.splice(this.hooks.indexOf(hook), 1) };
  }

  addParamGroup(group: SchedulableGroup): void {
    const index = this.paramGroups.length;
    for (const h of this.hooks) h.check?.(group, index);
    this.paramGroups.push(group);
    for (const h of this.hooks) h.added(group, index);
  }
}

function copyGroup(g: object): SchedulableGroup {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) {
    if (k === 'params' || k === 'paramNames') continue;
    out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return out as unknown as SchedulableGroup;
}

/**
 * Runs the scheduler that `makeScheduler` builds on a stand-in optimizer for
 * `steps` steps and returns `lr[t][i]`: the lr of group `i` for training
 * step `t` (row 0 is the lr after construction, then one row per
 * `scheduler.step()`). `later` adds groups while it runs, as
 * `addParamGroup` would, to show how a late group follows the schedule.
 *
 * ```ts
 * const lrs = optim.lrScheduler.preview(
 *   (opt) => new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 100 }),
 *   100,
 *   { optimizer: realOptimizer },
 * );
 * lrs[0]; // [0.004, …]: every group starts at maxLr / 25; realOptimizer is unchanged
 * lrs[29]; // [0.1, …]: the peak, at step 0.3 · 100 − 1
 * ```
 */
export function preview(
  makeScheduler: (optimizer: SchedulableOptimizer) => EpochScheduler | ReduceLROnPlateau,
  steps: number,
  options: PreviewOptions = {},
): number[][] {
  const op = 'preview';
  if (typeof makeScheduler !== 'function') {
    throw new ArgumentTypeError(`expected a function (optimizer) => scheduler, got ${fmtValue(makeScheduler)}`, {
      op,
      hint: 'preview((opt) => new optim.lrScheduler.StepLR(opt, { stepSize: 10 }), 100)',
    });
  }
  intOption(op, 'steps', steps, 1);
  checkOptionKeys(op, options, ['optimizer', 'groups', 'metrics', 'later']);
  const later = options.later ?? [];
  if (!Array.isArray(later) || later.some((l) => l === null || typeof l !== 'object' || !Number.isInteger(l.at) || l.at < 1 || l.at >= steps || typeof l.group?.lr !== 'number')) {
    throw new ArgumentTypeError(`later must be an array of { at, group } with a step 1 <= at < ${steps} and a group with a numeric lr, got ${fmtValue(later)}`, { op });
  }
  if (options.optimizer !== undefined && options.groups !== undefined) {
    throw new ValueError('give optimizer or groups, not both', { op });
  }
  let groups: SchedulableGroup[];
  let defaults: Record<string, unknown>;
  if (options.optimizer !== undefined) {
    const real = options.optimizer as { paramGroups?: unknown; defaults?: unknown };
    if (!Array.isArray(real.paramGroups)) throw new ArgumentTypeError(`optimizer has no paramGroups: ${fmtValue(options.optimizer)}`, { op });
    groups = (real.paramGroups as object[]).map(copyGroup);
    defaults = { ...((real.defaults as object | undefined) ?? {}) };
  } else {
    const given = options.groups ?? [{ lr: 1 }];
    if (!Array.isArray(given) || given.some((g) => g === null || typeof g !== 'object' || typeof (g as { lr?: unknown }).lr !== 'number')) {
      throw new ArgumentTypeError(`groups must be objects with a numeric lr, got ${fmtValue(given)}`, { op });
    }
    groups = given.map(copyGroup);
    defaults = {};
    for (const key of ['momentum', 'betas'] as const) {
      const g = groups.find((x) => x[key] !== undefined);
      if (g !== undefined) defaults[key] = g[key];
    }
    if (defaults['momentum'] === undefined && defaults['betas'] === undefined) {
      // NOTE: the stand-in has a momentum to cycle, so OneCycleLR and CyclicLR
      // preview without an optimizer; only the lrs are returned.
      defaults['momentum'] = 0;
      for (const g of groups) g.momentum = 0;
    }
  }
  const shadow = new PreviewOptimizer(groups, defaults);
  const sched = makeScheduler(shadow);
  if (sched?.optimizer !== shadow) {
    throw new ValueError('makeScheduler must build the scheduler on the optimizer it is given', {
      op,
      hint: '(opt) => new optim.lrScheduler.StepLR(opt, { … }), not a scheduler of another optimizer',
    });
  }
  const metricAt = (t: number): number => {
    const m = options.metrics;
    if (m === undefined) {
      throw new ValueError('ReduceLROnPlateau needs a metric at each step: give metrics', { op, hint: 'preview(make, steps, { metrics: losses })' });
    }
    const v = typeof m === 'function' ? m(t) : m[t];
    if (typeof v !== 'number') throw new ValueError(`metrics has no number for step ${t}, got ${fmtValue(v)}`, { op });
    return v;
  };
  const rows = [shadow.paramGroups.map((g) => g.lr)];
  for (let t = 0; t < steps - 1; t++) {
    shadow.stepCount += 1;
    if (sched instanceof ReduceLROnPlateau) sched.step(metricAt(t));
    else sched.step();
    for (const l of later) {
      if (l.at !== t + 1) continue;
      const g = copyGroup(l.group);
      if (shadow.defaults['momentum'] !== undefined && g.momentum === undefined && g.betas === undefined) g.momentum = shadow.defaults['momentum'] as number;
      shadow.addParamGroup(g);
    }
    rows.push(shadow.paramGroups.map((g) => g.lr));
  }
  return rows;
}
