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
 * new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 }); // base lr at epoch 0 down to 1e-5 at 100
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  /** `etaMin` of each driven group. */
  etaMins: number[] = [];
  private readonly etaMinOption: PerGroupNumber;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions, ...positional: never[]) {
    super('CosineAnnealingLR', optimizer, options, [...BASE_KEYS, 'tMax', 'etaMin', 'scaleByLrMult'], positional);
    const o: Partial<CosineAnnealingLROptions> = options ?? {};
    this.tMax = numberOption(this.op, 'tMax', o.tMax);
    if (!(this.tMax > 0) || !Number.isFinite(this.tMax)) throw new ValueError(`tMax must be a positive number of epochs, got ${fmtValue(this.tMax)}`, { op: this.op });
    this.etaMinOption = etaMinOption(this.op, o, this.tracker.countNew());
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    return adoptEtaMin(this.etaMinOption, this.etaMins, group, index, position);
  }

  /** @internal */
  chainLr(k: number, lr: number, e: number): number {
    const T = this.tMax;
    const eta = this.etaMins[k]!;
    if (e === 0 || this.initial) return lr;
    // NOTE: JS's % keeps the sign where Python's does not, but both are 0 exactly for multiples of 2T.
    if ((e - 1 - T) % (2 * T) === 0) {
      // NOTE: at the trough the ratio below would be 0/0; PyTorch steps up by the first increment instead.
      return lr + ((this.baseLrs[k]! - eta) * (1 - Math.cos(Math.PI / T))) / 2;
    }
    return ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - eta) + eta;
  }

  // NOTE: PyTorch 2.x: the constructor's step when resuming keeps the lr; 1.13
  // jumped to the closed form there (from the base lr, one epoch ahead).

  protected override closedFormLr(): number[] {
    const e = this.lastEpoch;
    return this.baseLrs.map((b, k) => this.etaMins[k]! + ((b - this.etaMins[k]!) * (1 + Math.cos((Math.PI * e) / this.tMax))) / 2);
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { tMax: 'number', etaMins: 'perGroup' };
  }
}

/** Reads `etaMin` (and `scaleByLrMult`) and checks a per-group array has one value per group. */
function etaMinOption(op: string, o: Partial<CosineAnnealingLROptions>, groups: number): PerGroupNumber {
  const scale = boolOption(op, 'scaleByLrMult', o.scaleByLrMult, true);
  const option = new PerGroupNumber(op, 'etaMin', o.etaMin ?? 0, scale);
  option.checkCount(groups);
  return option;
}

/** Resolves the group's etaMin (may throw) and returns what records it. */
function adoptEtaMin(option: PerGroupNumber, etaMins: number[], group: SchedulableGroup, index: number, position: number): () => void {
  const eta = option.value(group, index, position);
  return () => {
    etaMins[position] = eta;
  };
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
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 }); // restarts at epochs 10, 30, 70 …
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
  protected override readonly setsFromBase = true;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions, ...positional: never[]) {
    super('CosineAnnealingWarmRestarts', optimizer, options, [...BASE_KEYS, 't0', 'tMult', 'etaMin', 'scaleByLrMult'], positional);
    const o: Partial<CosineAnnealingWarmRestartsOptions> = options ?? {};
    this.t0 = intOption(this.op, 't0', o.t0, 1);
    this.tI = this.t0;
    this.tMult = intOption(this.op, 'tMult', o.tMult, 1, 1);
    this.tCur = this.lastEpoch;
    this.etaMinOption = etaMinOption(this.op, o, this.tracker.countNew());
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    return adoptEtaMin(this.etaMinOption, this.etaMins, group, index, position);
  }

  /** Where `epoch` falls: epochs since the last restart and the period's length (PyTorch's closed form). */
  private period(epoch: number): { tCur: number; tI: number } {
    if (epoch < this.t0) return { tCur: epoch, tI: this.t0 };
    if (this.tMult === 1) return { tCur: epoch % this.t0, tI: this.t0 };
    // NOTE: which period the epoch falls in: PyTorch's int(log_tMult(e/t0·(tMult−1) + 1)).
    const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
    return { tCur: epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1), tI: this.t0 * this.tMult ** n };
  }

  private lrOf(k: number, tCur: number, tI: number): number {
    const eta = this.etaMins[k]!;
    return eta + ((this.baseLrs[k]! - eta) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  }

  /** @internal */
  chainLr(k: number, _lr: number, e: number): number {
    // NOTE: the current epoch uses the live position (it may be fractional, from stepTo).
    const { tCur, tI } = e === this.lastEpoch ? this : this.period(e);
    return this.lrOf(k, tCur, tI);
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
        // NOTE: PyTorch 2.x resets by modulo (1.13 subtracted one period, which
        // left tCur past the period when resuming far into the schedule).
        this.tCur = this.tCur % this.tI;
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
      ({ tCur: this.tCur, tI: this.tI } = this.period(epoch));
      this.lastEpoch = Math.floor(epoch);
      return this.computeLr();
    });
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { t0: 'int', tI: 'number', tMult: 'int', tCur: 'number', etaMins: 'perGroup' };
  }
}
