/**
 * Cosine schedules: CosineAnnealingLR (chainable, PyTorch's recurrence) and
 * CosineAnnealingWarmRestarts (SGDR, from the base lrs, fractional epochs).
 */
import { ValueError } from '../../errors.js';
import { BASE_KEYS, LRScheduler } from './base.js';
import type { AbsoluteLrOptions, PerGroup, SchedulableGroup, SchedulableOptimizer, SchedulerOptions } from './types.js';
import { boolOption, fmtValue, intOption, numberOption, PerGroupNumber, type FieldKind } from './util.js';

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions extends SchedulerOptions, AbsoluteLrOptions {
  /** Epochs of one half cosine (the lr goes back up after it, as in PyTorch). */
  tMax: number;
  /** The lowest lr (default 0); per group or scaled by each group's `lrMult`. */
  etaMin?: PerGroup<number>;
}

/**
 * Anneals each group's lr from its base lr to `etaMin` along a half cosine
 * over `tMax` epochs.
 *
 * ```ts
 * new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  /** `etaMin` of each driven group. */
  etaMins: number[] = [];
  private readonly etaMinOption: PerGroupNumber;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, options, [...BASE_KEYS, 'tMax', 'etaMin', 'scaleByLrMult']);
    this.tMax = numberOption(this.op, 'tMax', options.tMax);
    if (!(this.tMax > 0) || !Number.isFinite(this.tMax)) throw new ValueError(`tMax must be a positive number of epochs, got ${fmtValue(this.tMax)}`, { op: this.op });
    const scale = boolOption(this.op, 'scaleByLrMult', options.scaleByLrMult, true);
    this.etaMinOption = new PerGroupNumber(this.op, 'etaMin', options.etaMin ?? 0, scale);
    this.etaMinOption.checkCount(this.tracker.countNew());
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    const eta = this.etaMinOption.value(group, index, position);
    return () => {
      this.etaMins[position] = eta;
    };
  }

  protected computeLr(): number[] {
    const e = this.lastEpoch;
    const T = this.tMax;
    const groups = this.groups();
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      // NOTE: PyTorch's first step after resuming uses the closed form (e·π/T, its order).
      return this.baseLrs.map((b, k) => this.etaMins[k]! + ((b - this.etaMins[k]!) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    // NOTE: JS's % keeps the sign where Python's does not, but both are 0 exactly for multiples of 2T.
    if ((e - 1 - T) % (2 * T) === 0) {
      // NOTE: at the trough the ratio below would be 0/0; PyTorch steps up by the first increment instead.
      return groups.map((g, k) => g.lr + ((this.baseLrs[k]! - this.etaMins[k]!) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T));
    return groups.map((g, k) => ratio * (g.lr - this.etaMins[k]!) + this.etaMins[k]!);
  }

  protected override closedFormLr(): number[] {
    const e = this.lastEpoch;
    return this.baseLrs.map((b, k) => this.etaMins[k]! + ((b - this.etaMins[k]!) * (1 + Math.cos((Math.PI * e) / this.tMax))) / 2);
  }

  protected joinLr(k: number): number {
    // NOTE: the closed form with the group's current lr in place of its base
    // lr (equal unless another scheduler already scaled it, whose factor stays).
    const eta = this.etaMins[k]!;
    return eta + ((this.groups()[k]!.lr - eta) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { tMax: 'number', etaMins: 'perGroup' };
  }
}

/** Options of {@link CosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions, AbsoluteLrOptions {
  /** Epochs until the first restart (a positive integer). */
  t0: number;
  /** Each period is `tMult` times the one before (an integer >= 1, default 1). */
  tMult?: number;
  /** The lowest lr (default 0); per group or scaled by each group's `lrMult`. */
  etaMin?: PerGroup<number>;
}

/**
 * SGDR: a cosine from each group's base lr to `etaMin`, restarted after
 * `t0`, then `t0·tMult`, … epochs. `step(epoch)` accepts fractional epochs
 * (`step(epoch + i / itersPerEpoch)` inside an epoch).
 *
 * ```ts
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  /** The current period's length. */
  tI: number;
  tMult: number;
  /** Epochs since the last restart (may be fractional). */
  tCur: number;
  etaMins: number[] = [];
  private readonly etaMinOption: PerGroupNumber;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    super('CosineAnnealingWarmRestarts', optimizer, options, [...BASE_KEYS, 't0', 'tMult', 'etaMin', 'scaleByLrMult']);
    this.t0 = intOption(this.op, 't0', options.t0, 1);
    this.tI = this.t0;
    this.tMult = intOption(this.op, 'tMult', options.tMult, 1, 1);
    this.tCur = this.lastEpoch;
    const scale = boolOption(this.op, 'scaleByLrMult', options.scaleByLrMult, true);
    this.etaMinOption = new PerGroupNumber(this.op, 'etaMin', options.etaMin ?? 0, scale);
    this.etaMinOption.checkCount(this.tracker.countNew());
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    const eta = this.etaMinOption.value(group, index, position);
    return () => {
      this.etaMins[position] = eta;
    };
  }

  private lrOf(k: number): number {
    const eta = this.etaMins[k]!;
    return eta + ((this.baseLrs[k]! - eta) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2;
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((_, k) => this.lrOf(k));
  }

  protected joinLr(k: number): number {
    return this.lrOf(k);
  }

  /**
   * Advances one epoch, or with `epoch` jumps to it (fractional epochs
   * allowed), restarting the cosine at the end of each period.
   */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch !== undefined) {
      this.stepTo(epoch);
      return;
    }
    this.advance(() => {
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
      this.lastEpoch += 1;
      return this.computeLr();
    });
  }

  /** Jumps to `epoch` (fractional epochs allowed). */
  override stepTo(epoch: number): void {
    if (typeof epoch !== 'number' || !(epoch >= 0) || !Number.isFinite(epoch)) {
      throw new ValueError(`Expected non-negative epoch, but got ${fmtValue(epoch)}`, { op: this.op });
    }
    this.advance(() => {
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = epoch % this.t0;
        } else {
          // NOTE: which period the epoch falls in: PyTorch's int(log_tMult(e/t0·(tMult−1) + 1)).
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
      this.lastEpoch = Math.floor(epoch);
      return this.computeLr();
    });
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { t0: 'int', tI: 'number', tMult: 'int', tCur: 'number', etaMins: 'perGroup' };
  }
}
