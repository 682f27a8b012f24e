/**
 * Cyclical schedules that own the lr (not chainable): CyclicLR (triangular,
 * triangular2, exp_range or a custom scale) and OneCycleLR (1cycle, cos or
 * linear annealing, two or three phases). Both cycle momentum inversely to
 * the lr: SGD's `momentum` or Adam's `betas[0]`.
 */
import { ParamGroupError, ValueError } from '../../errors.js';
import { BASE_KEYS, LRScheduler } from './base.js';
import type { AbsoluteLrOptions, PerGroup, SchedulableGroup, SchedulableOptimizer, SchedulerOptions, SchedulerStateDict } from './types.js';
import {
  boolOption, choiceOption, fmtValue, groupLabel, intOption, invoke, isCallableLike, numberOption, PerGroupNumber, type CallableLike,
  type FieldKind,
} from './util.js';

/**
 * Whether momentum is cycled through `betas[0]` (Adam-like) rather than
 * `momentum`; refuses an optimizer with neither.
 */
function usesBeta1(op: string, optimizer: SchedulableOptimizer): boolean {
  const defaults = optimizer.defaults;
  const keys = defaults !== undefined ? defaults : (optimizer.paramGroups[0] as object | undefined) ?? {};
  // NOTE: PyTorch 2.x: CyclicLR cycles betas[0] too (1.13 accepted only 'momentum').
  if ('momentum' in keys) return false;
  if ('betas' in keys) return true;
  throw new ValueError('optimizer must support momentum with `cycleMomentum` option enabled', {
    op,
    hint: 'use an optimizer with momentum or betas, or pass cycleMomentum: false',
  });
}

/** The momentum options of a cyclical schedule, read and checked. */
interface MomentumCycle {
  cycleMomentum: boolean;
  useBeta1: boolean;
  baseMomentum?: PerGroupNumber;
  maxMomentum?: PerGroupNumber;
}

/**
 * Reads `cycleMomentum`, `baseMomentum` and `maxMomentum` (with the
 * scheduler's defaults) and checks per-group arrays have `n` values.
 */
function momentumCycle(
  op: string,
  optimizer: SchedulableOptimizer,
  o: { cycleMomentum?: boolean; baseMomentum?: PerGroup<number>; maxMomentum?: PerGroup<number> },
  defaults: { base: number; max: number },
  n: number,
): MomentumCycle {
  const cycleMomentum = boolOption(op, 'cycleMomentum', o.cycleMomentum, true);
  if (!cycleMomentum) return { cycleMomentum, useBeta1: false };
  const useBeta1 = usesBeta1(op, optimizer);
  const baseMomentum = new PerGroupNumber(op, 'baseMomentum', o.baseMomentum ?? defaults.base, false);
  const maxMomentum = new PerGroupNumber(op, 'maxMomentum', o.maxMomentum ?? defaults.max, false);
  baseMomentum.checkCount(n);
  maxMomentum.checkCount(n);
  return { cycleMomentum, useBeta1, baseMomentum, maxMomentum };
}

function setMomentum(group: SchedulableGroup, beta1: boolean, m: number): void {
  // NOTE: betas is replaced by a new pair (PyTorch builds a new tuple), never edited in place.
  if (beta1) group.betas = [m, group.betas![1]];
  else group.momentum = m;
}

/**
 * A custom CyclicLR scale: the amplitude factor of a cycle number or an
 * iteration. A callable object (`{ call(x) { … }, … }`) has its fields saved
 * by `stateDict()`, as PyTorch saves a callable object's `__dict__`.
 */
export type ScaleFn = CallableLike<(x: number) => number>;

/** Options of {@link CyclicLR}. */
export interface CyclicLROptions extends SchedulerOptions, AbsoluteLrOptions {
  /** The lower lr of the cycle (the groups' lrs are set to it). */
  baseLr: PerGroup<number>;
  /** The upper lr of the cycle. */
  maxLr: PerGroup<number>;
  /** Iterations of the rising half (default 2000). */
  stepSizeUp?: number;
  /** Iterations of the falling half (default `stepSizeUp`). */
  stepSizeDown?: number;
  /** The amplitude policy (default `'triangular'`); ignored when `scaleFn` is given. */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** `exp_range`'s factor per iteration (default 1). */
  gamma?: number;
  /** A custom amplitude policy, 0 <= scaleFn(x) <= 1. */
  scaleFn?: ScaleFn;
  /** What `scaleFn` is a function of: the cycle number or the iteration (default `'cycle'`). */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.8). */
  baseMomentum?: PerGroup<number>;
  /** The momentum at the cycle's start (default 0.9). */
  maxMomentum?: PerGroup<number>;
}

const CYCLIC_KEYS = [
  ...BASE_KEYS, 'baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', 'baseMomentum',
  'maxMomentum', 'scaleByLrMult',
];

/**
 * Cycles each group's lr between `baseLr` and `maxLr` (Smith's cyclical
 * learning rates), stepped after every batch.
 *
 * ```ts
 * // 1e-3 up to 1e-2 over 500 steps and back over 500; each cycle after reaches half as high
 * new optim.lrScheduler.CyclicLR(opt, { baseLr: 1e-3, maxLr: 1e-2, stepSizeUp: 500, mode: 'triangular2' });
 * ```
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[] = [];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  useBeta1 = false;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  /** The custom scale, when given. */
  readonly scaleFn: ScaleFn | undefined;
  protected override readonly setsFromBase = true;
  /** The baseLr of each driven group, as resolved when it was adopted. */
  private readonly pendingBase: number[] = [];
  private readonly opts: { baseLr: PerGroupNumber; maxLr: PerGroupNumber; baseMomentum?: PerGroupNumber; maxMomentum?: PerGroupNumber };

  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions, ...positional: never[]) {
    super('CyclicLR', optimizer, options, CYCLIC_KEYS, positional);
    const o: Partial<CyclicLROptions> = options ?? {};
    const op = this.op;
    const scale = boolOption(op, 'scaleByLrMult', o.scaleByLrMult, true);
    const n = this.tracker.countNew();
    const baseLr = new PerGroupNumber(op, 'baseLr', o.baseLr, scale);
    const maxLr = new PerGroupNumber(op, 'maxLr', o.maxLr, scale);
    baseLr.checkCount(n);
    maxLr.checkCount(n);
    const up = numberOption(op, 'stepSizeUp', o.stepSizeUp, 2000);
    const down = o.stepSizeDown === undefined ? up : numberOption(op, 'stepSizeDown', o.stepSizeDown);
    if (!(up > 0) || !(down > 0)) throw new ValueError(`stepSizeUp and stepSizeDown must be positive, got ${up} and ${down}`, { op });
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    const scaleFn = o.scaleFn;
    if (scaleFn !== undefined && !isCallableLike(scaleFn)) {
      throw new ValueError(`scaleFn must be a function (x) => scale or an object with such a call method, got ${fmtValue(scaleFn)}`, { op });
    }
    if (scaleFn === undefined && o.mode !== undefined && !['triangular', 'triangular2', 'exp_range'].includes(o.mode)) {
      throw new ValueError(`mode ${fmtValue(o.mode)} is invalid and scaleFn is not given`, {
        op,
        hint: "use 'triangular', 'triangular2' or 'exp_range', or give scaleFn",
      });
    }
    this.mode = o.mode ?? 'triangular';
    this.gamma = numberOption(op, 'gamma', o.gamma, 1);
    this.scaleFn = scaleFn;
    if (scaleFn !== undefined) this.scaleMode = choiceOption(op, 'scaleMode', o.scaleMode, ['cycle', 'iterations'], 'cycle');
    else this.scaleMode = this.mode === 'exp_range' ? 'iterations' : 'cycle';
    const momentum = momentumCycle(op, this.optimizer, o, { base: 0.8, max: 0.9 }, n);
    this.cycleMomentum = momentum.cycleMomentum;
    this.useBeta1 = momentum.useBeta1;
    this.opts = { baseLr, maxLr, ...momentum };
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number, late: boolean): () => void {
    const baseLr = this.opts.baseLr.value(group, index, position);
    const maxLr = this.opts.maxLr.value(group, index, position);
    const bm = this.opts.baseMomentum?.value(group, index, position);
    const mm = this.opts.maxMomentum?.value(group, index, position);
    if (bm !== undefined) checkHasMomentum(this.op, group, index, this.useBeta1);
    const fresh = late || !this.resuming;
    return () => {
      // NOTE: a group added later keeps its lr (prepareLate scales its cycle to it).
      if (!late && !this.resuming) group.lr = baseLr;
      this.maxLrs[position] = maxLr;
      this.pendingBase[position] = baseLr;
      if (bm !== undefined && mm !== undefined) {
        // NOTE: PyTorch 2.x: the cycle's momenta are the options, kept on the
        // group as baseMomentum / maxMomentum (as OneCycleLR keeps them); 1.13
        // read the base momentum back from the group, so resuming changed it.
        if (fresh) {
          setMomentum(group, this.useBeta1, mm);
          group.baseMomentum = bm;
          group.maxMomentum = mm;
        }
        this.baseMomentums[position] = bm;
        this.maxMomentums[position] = mm;
      }
    };
  }

  protected override baseLrOf(_group: SchedulableGroup, position: number): number {
    // NOTE: as PyTorch, CyclicLR's base lrs are its baseLr values, not initialLr.
    return this.pendingBase[position]!;
  }

  /**
   * A group added while the cycle runs keeps its lr; its baseLr and maxLr
   * (from the options) are both scaled so that the cycle passes through that
   * lr now. A `maxLr` on the group is its peak instead, unscaled.
   */
  protected override prepareLate(group: SchedulableGroup, index: number, position: number, commit: () => void): () => void {
    const b0 = this.opts.baseLr.value(group, index, position);
    const m0 = this.opts.maxLr.value(group, index, position);
    const peak = typeof group.maxLr === 'number' ? group.maxLr : undefined;
    const place = (x: number): number => {
      this.pendingBase[position] = x * b0;
      this.baseLrs[position] = x * b0;
      this.maxLrs[position] = peak ?? x * m0;
      return this.chainLr(position, 0, this.lastEpoch);
    };
    const scale = peak !== undefined ? 1 : this.trial(group, index, position, commit, () => this.solveBase(group, index, place, 'maxLr'));
    return () => {
      const lr = group.lr;
      commit();
      if (typeof group.initialLr !== 'number') group.initialLr = lr;
      place(scale); // also puts the momentum where the cycle is
      group.lr = lr;
      this.lastLr[position] = lr;
    };
  }

  private scale(x: number): number {
    if (this.scaleFn !== undefined) return invoke(this.scaleFn, x);
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1.0;
  }

  /** @internal The lr of driven group `k` at epoch `e`; writes its momentum. */
  chainLr(k: number, _lr: number, e: number): number {
    const group = this.groupAt(k);
    const cycle = Math.floor(1 + e / this.totalSize);
    const x = 1 + e / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(this.scaleMode === 'cycle' ? cycle : e);
    const base = this.baseLrs[k]!;
    const lr = base + (this.maxLrs[k]! - base) * scaleFactor * s;
    if (this.cycleMomentum) {
      const bm = this.baseMomentums[k]!;
      const mm = this.maxMomentums[k]!;
      setMomentum(group, this.useBeta1, mm - (mm - bm) * scaleFactor * s);
    }
    return lr;
  }

  /** Iterations of the rising half of the cycle. */
  get stepSizeUp(): number {
    return this.totalSize * this.stepRatio;
  }

  /** Iterations of the falling half of the cycle. */
  get stepSizeDown(): number {
    return this.totalSize - this.stepSizeUp;
  }

  protected override printedOptions(): string[] {
    const momentum = this.cycleMomentum ? ['baseMomentums', 'maxMomentums'] : [];
    return ['baseLrs', 'maxLrs', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', ...momentum];
  }

  /**
   * Restores a state saved by `stateDict()`. A state without `scaleFn` (saved
   * by kindling before it kept callable state) loads as one with `scaleFn:
   * null`: the scale follows the saved `mode` and `gamma`, as PyTorch 2.x
   * rebuilds its scale function from them when `_scale_fn_custom` is None.
   */
  override loadStateDict(state: SchedulerStateDict): void {
    const older = state !== null && typeof state === 'object' && !Array.isArray(state) && !('scaleFn' in state);
    super.loadStateDict(older ? { ...state, scaleFn: null } : state);
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return {
      maxLrs: 'perGroup', totalSize: 'number', stepRatio: 'number', mode: 'string', gamma: 'number', scaleMode: 'string',
      cycleMomentum: 'boolean', useBeta1: 'boolean', baseMomentums: 'numbers', maxMomentums: 'numbers', scaleFn: 'callable',
    };
  }
}

function checkHasMomentum(op: string, group: SchedulableGroup, index: number, beta1: boolean): void {
  const ok = beta1 ? Array.isArray(group.betas) : typeof group.momentum === 'number';
  if (!ok) {
    throw new ParamGroupError(`${groupLabel(index, group.name)} has no ${beta1 ? 'betas' : 'momentum'} to cycle`, {
      op,
      hint: 'pass cycleMomentum: false',
    });
  }
}

/** Options of {@link OneCycleLR}. */
export interface OneCycleLROptions extends SchedulerOptions, AbsoluteLrOptions {
  /** The peak lr. */
  maxLr: PerGroup<number>;
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the lr (default 0.3). */
  pctStart?: number;
  /** How the lr moves within a phase (default `'cos'`). */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or `betas[0]`) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.85). */
  baseMomentum?: PerGroup<number>;
  /** The momentum at the start and end (default 0.95). */
  maxMomentum?: PerGroup<number>;
  /** `initialLr = maxLr / divFactor` (default 25). */
  divFactor?: number;
  /** `minLr = initialLr / finalDivFactor` (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, then down to minLr) as in the paper (default false). */
  threePhase?: boolean;
}

type LrKey = 'initialLr' | 'maxLr' | 'minLr';
type MomentumKey = 'maxMomentum' | 'baseMomentum';
interface Phase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomentumKey;
  endMomentum: MomentumKey;
}

const ONE_CYCLE_KEYS = [
  ...BASE_KEYS, 'maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum',
  'divFactor', 'finalDivFactor', 'threePhase', 'scaleByLrMult',
];

/**
 * The 1cycle policy: each group's lr rises from `maxLr / divFactor` to
 * `maxLr`, then anneals far below; momentum moves the other way. Stepped
 * after every batch, `totalSteps` times at most.
 *
 * ```ts
 * // two groups: from maxLr/25 up to maxLr at step 300 (pctStart 0.3), then down to maxLr/25/1e4 at step 999
 * new optim.lrScheduler.OneCycleLR(opt, { maxLr: [1e-3, 1e-2], totalSteps: 1000 });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  threePhase: boolean;
  cycleMomentum: boolean;
  useBeta1 = false;
  protected override readonly setsFromBase = true;
  private readonly opts: { maxLr: PerGroupNumber; divFactor: number; finalDivFactor: number; baseMomentum?: PerGroupNumber; maxMomentum?: PerGroupNumber };

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions, ...positional: never[]) {
    super('OneCycleLR', optimizer, options, ONE_CYCLE_KEYS, positional);
    const o: Partial<OneCycleLROptions> = options ?? {};
    const op = this.op;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw new ValueError('You must define either totalSteps OR (epochs AND stepsPerEpoch)', { op });
    } else if (o.totalSteps !== undefined) {
      this.totalSteps = intOption(op, 'totalSteps', o.totalSteps, 1);
    } else {
      this.totalSteps = intOption(op, 'epochs', o.epochs, 1) * intOption(op, 'stepsPerEpoch', o.stepsPerEpoch, 1);
    }
    this.pctStart = numberOption(op, 'pctStart', o.pctStart, 0.3);
    if (!(this.pctStart >= 0 && this.pctStart <= 1)) throw new ValueError(`Expected a number between 0 and 1 for pctStart, but got ${fmtValue(this.pctStart)}`, { op });
    this.annealStrategy = choiceOption(op, 'annealStrategy', o.annealStrategy, ['cos', 'linear'], 'cos');
    this.threePhase = boolOption(op, 'threePhase', o.threePhase, false);
    const scale = boolOption(op, 'scaleByLrMult', o.scaleByLrMult, true);
    const n = this.tracker.countNew();
    const maxLr = new PerGroupNumber(op, 'maxLr', o.maxLr, scale);
    maxLr.checkCount(n);
    const divFactor = numberOption(op, 'divFactor', o.divFactor, 25);
    const finalDivFactor = numberOption(op, 'finalDivFactor', o.finalDivFactor, 1e4);
    const momentum = momentumCycle(op, this.optimizer, o, { base: 0.85, max: 0.95 }, n);
    this.cycleMomentum = momentum.cycleMomentum;
    this.useBeta1 = momentum.useBeta1;
    this.opts = { maxLr, divFactor, finalDivFactor, ...momentum };
    this.initialStep();
  }

  /** The phases of the cycle: where each ends and which group keys it moves between. */
  get phases(): Phase[] {
    const t = this.totalSteps;
    const p = this.pctStart;
    if (this.threePhase) {
      return [
        { endStep: p * t - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * p * t - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: t - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ];
    }
    return [
      { endStep: p * t - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
      { endStep: t - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
    ];
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number, late: boolean): () => void {
    const fresh = late || !this.resuming;
    const maxLr = this.opts.maxLr.value(group, index, position);
    const mm = this.opts.maxMomentum?.value(group, index, position);
    const bm = this.opts.baseMomentum?.value(group, index, position);
    if (mm !== undefined) checkHasMomentum(this.op, group, index, this.useBeta1);
    if (!fresh) {
      const need: (keyof SchedulableGroup)[] = ['initialLr', 'maxLr', 'minLr', ...(mm !== undefined ? (['maxMomentum', 'baseMomentum'] as const) : [])];
      const missing = need.filter((k) => typeof group[k] !== 'number');
      if (missing.length > 0) {
        throw new ParamGroupError(`${groupLabel(index, group.name)} has no ${missing.join(', ')} to resume from (lastEpoch ${this.lastEpoch})`, {
          op: this.op,
          hint: 'load the optimizer state saved with the schedule before making the scheduler with lastEpoch',
        });
      }
    }
    return () => {
      if (fresh) {
        // NOTE: OneCycleLR overwrites initialLr (PyTorch does too): the cycle starts at maxLr / divFactor.
        // A group added later gets its lr keys from prepareLate.
        if (!late) this.setLrKeys(group, maxLr);
        if (mm !== undefined && bm !== undefined) {
          setMomentum(group, this.useBeta1, mm);
          group.maxMomentum = mm;
          group.baseMomentum = bm;
        }
      }
    };
  }

  /** Writes the group's cycle: `maxLr`, `initialLr = maxLr / divFactor`, `minLr = initialLr / finalDivFactor`. */
  private setLrKeys(group: SchedulableGroup, maxLr: number, initialLr = maxLr / this.opts.divFactor, minLr = initialLr / this.opts.finalDivFactor): void {
    group.initialLr = initialLr;
    group.maxLr = maxLr;
    group.minLr = minLr;
  }

  /**
   * A group added while the cycle runs keeps its lr; its cycle (maxLr from
   * the options and the keys derived from it) is scaled so that it passes
   * through that lr now. A `maxLr` on the group is its peak instead, with
   * its own `initialLr` / `minLr` where given.
   */
  protected override prepareLate(group: SchedulableGroup, index: number, position: number, commit: () => void): () => void {
    const lr = group.lr;
    const peak = typeof group.maxLr === 'number' ? group.maxLr : undefined;
    const own = peak !== undefined ? { initial: group.initialLr, min: group.minLr } : undefined;
    const m0 = peak ?? this.opts.maxLr.value(group, index, position);
    const place = (x: number): number => {
      if (own !== undefined) this.setLrKeys(group, m0, own.initial, own.min);
      else this.setLrKeys(group, x * m0);
      return this.chainLr(position, 0, this.lastEpoch);
    };
    const scale = peak !== undefined ? 1 : this.trial(group, index, position, commit, () => this.solveBase(group, index, place, 'maxLr'));
    return () => {
      commit();
      place(scale); // also puts the momentum where the cycle is
      group.lr = lr;
      this.baseLrs[position] = group.initialLr!;
      this.lastLr[position] = lr;
    };
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2.0) * cosOut;
  }

  /** @internal The lr of driven group `k` at step `step`; writes its momentum. */
  chainLr(k: number, _lr: number, step: number): number {
    const group = this.groupAt(k);
    const phases = this.phases;
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!;
      if (step <= phase.endStep || i === phases.length - 1) {
        const pct = (step - start) / (phase.endStep - start);
        const lr = this.anneal(group[phase.startLr]!, group[phase.endLr]!, pct);
        if (this.cycleMomentum) setMomentum(group, this.useBeta1, this.anneal(group[phase.startMomentum]!, group[phase.endMomentum]!, pct));
        return lr;
      }
      start = phase.endStep;
    }
    return group.lr;
  }

  protected override computeLr(): number[] {
    if (this.lastEpoch > this.totalSteps) {
      // NOTE: counts the scheduler's step() calls; PyTorch's message counts its initial step too (one more).
      throw new ValueError(`Tried to step ${this.lastEpoch} times. The specified number of total steps is ${this.totalSteps}`, {
        op: this.op,
        hint: 'make totalSteps (or epochs × stepsPerEpoch) at least the number of scheduler steps',
      });
    }
    return super.computeLr();
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { totalSteps: 'int', pctStart: 'number', annealStrategy: 'string', threePhase: 'boolean', cycleMomentum: 'boolean', useBeta1: 'boolean' };
  }
}
