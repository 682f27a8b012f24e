/**
 * Schedulers that scale each group's lr by a factor of the epoch: LambdaLR,
 * MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR,
 * PolynomialLR. Each step uses PyTorch's chainable rule (relative to the
 * group's current lr, so schedulers compose); `closedFormLr` is the closed
 * form from the base lrs (what `stepTo` uses).
 */
import { ArgumentTypeError, ParamGroupError, ValueError } from '../../errors.js';
import { BASE_KEYS, LRScheduler } from './base.js';
import type { SchedulableGroup, SchedulableOptimizer, SchedulerOptions } from './types.js';
import {
  fmtValue, groupLabel, intOption, invoke, isCallableLike, numberOption, type CallableLike, type FieldKind,
} from './util.js';

/**
 * A multiplicative factor of the epoch; it also gets the group and its index
 * in `paramGroups`. A callable object (`{ call(epoch) { … }, … }`, or a
 * function with fields of its own) has its fields saved by `stateDict()`,
 * as PyTorch saves a callable object's `__dict__`.
 */
export type LrLambda = CallableLike<(epoch: number, group: SchedulableGroup, index: number) => number>;

/** Options of {@link LambdaLR} and {@link MultiplicativeLR}. */
export interface LambdaLROptions extends SchedulerOptions {
  /**
   * One function for every group (also for groups added later), or an array
   * with one function per driven group.
   */
  lrLambda: LrLambda | readonly LrLambda[];
}

/** A number in [lo, hi] (`lo` excluded when `openLo`), or `def` when undefined. */
function factorOption(op: string, key: string, v: unknown, def: number, lo: number, hi: number, openLo: boolean): number {
  const x = numberOption(op, key, v, def);
  if (x > hi || x < lo || (openLo && x === lo)) {
    throw new ValueError(`${key} must be in ${openLo ? '(' : '['}${lo}, ${hi}], got ${fmtValue(x)}`, { op });
  }
  return x;
}

/** Shared by LambdaLR and MultiplicativeLR: one function per group, checked. */
abstract class LambdaScheduler extends LRScheduler {
  /** The function of each driven group. */
  lrLambdas: LrLambda[] = [];
  private readonly lambdaSpec: LrLambda | readonly LrLambda[];

  protected constructor(op: string, optimizer: SchedulableOptimizer, options: LambdaLROptions, positional: readonly unknown[]) {
    super(op, optimizer, options, [...BASE_KEYS, 'lrLambda'], positional);
    const spec = (options as Partial<LambdaLROptions> | undefined)?.lrLambda;
    const list: readonly unknown[] = Array.isArray(spec) ? spec : [spec];
    if (list.some((f) => !isCallableLike(f))) {
      throw new ArgumentTypeError(`lrLambda must be a function (epoch) => factor, an object with such a call method, or an array of them, got ${fmtValue(spec)}`, { op });
    }
    const n = this.tracker.countNew();
    if (Array.isArray(spec) && spec.length !== n) {
      throw new ValueError(`expected ${n} lrLambdas (one per group it drives), but got ${spec.length}`, {
        op,
        hint: 'give one function per group, or one function for all',
      });
    }
    this.lambdaSpec = spec as LrLambda | readonly LrLambda[];
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    const spec = this.lambdaSpec;
    let fn: LrLambda;
    if (!Array.isArray(spec)) fn = spec as LrLambda;
    else if (position < spec.length) fn = spec[position]!;
    else {
      throw new ParamGroupError(
        `lrLambda was given as an array of ${spec.length} functions (one per group), which has none for ${groupLabel(index, group.name)}, added later`,
        {
          op: this.op,
          hint: 'give one function (epoch, group, index) => factor, which also covers groups added later, or leave the group out with the groups option',
        },
      );
    }
    return () => {
      this.lrLambdas[position] = fn;
    };
  }

  /** The factor of driven group `k` at `epoch`, checked. */
  protected factor(k: number, epoch: number): number {
    const index = this.indexAt(k);
    const group = this.groupAt(k);
    const v: unknown = invoke(this.lrLambdas[k]!, epoch, group, index);
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new ArgumentTypeError(`lrLambda returned ${fmtValue(v)} at epoch ${epoch} for ${groupLabel(index, group.name)}; it must return a number`, { op: this.op });
    }
    return v;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { lrLambdas: 'callables' };
  }
}

/**
 * Sets each group's lr to its base lr times `lrLambda(epoch)`.
 *
 * ```ts
 * new optim.lrScheduler.LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch }); // base·0.95^epoch
 * // two groups: a 10-epoch warm-up for the first (×0.1 at epoch 0), a decay for the second
 * new optim.lrScheduler.LambdaLR(opt, { lrLambda: [(e) => Math.min(1, (e + 1) / 10), (e) => 0.95 ** e] });
 * ```
 */
export class LambdaLR extends LambdaScheduler {
  protected override readonly setsFromBase = true;

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions, ...positional: never[]) {
    super('LambdaLR', optimizer, options, positional);
    this.initialStep();
  }

  /** @internal */
  chainLr(k: number, _lr: number, e: number): number {
    return this.baseLrs[k]! * this.factor(k, e);
  }
}

/**
 * Multiplies each group's lr by `lrLambda(epoch)` at every step after the first.
 *
 * ```ts
 * new optim.lrScheduler.MultiplicativeLR(opt, { lrLambda: () => 0.95 }); // each step: lr × 0.95
 * ```
 */
export class MultiplicativeLR extends LambdaScheduler {
  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions, ...positional: never[]) {
    super('MultiplicativeLR', optimizer, options, positional);
    this.initialStep();
  }

  /** @internal */
  chainLr(k: number, lr: number, e: number): number {
    // NOTE: PyTorch 2.x: the constructor's step keeps the lr (1.13 multiplied it when resuming).
    return e > 0 && !this.initial ? lr * this.factor(k, e) : lr;
  }
}

/**
 * A scheduler whose closed form is the base lr times a factor of the epoch
 * (`multiplier`), and whose step multiplies the current lr (`chainLr`).
 */
abstract class FactorScheduler extends LRScheduler {
  /** The factor on the base lr at epoch `e` (the closed form). */
  protected abstract multiplier(e: number): number;

  protected override closedFormLr(): number[] {
    const m = this.multiplier(this.lastEpoch);
    return this.baseLrs.map((b) => b * m);
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions extends SchedulerOptions {
  /** Decay every `stepSize` epochs. */
  stepSize: number;
  /** The decay factor (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs.
 *
 * ```ts
 * new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 }); // ×0.1 at epochs 30, 60, 90 …
 * ```
 */
export class StepLR extends FactorScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions, ...positional: never[]) {
    super('StepLR', optimizer, options, [...BASE_KEYS, 'stepSize', 'gamma'], positional);
    const o: Partial<StepLROptions> = options ?? {};
    this.stepSize = intOption(this.op, 'stepSize', o.stepSize, 1);
    this.gamma = numberOption(this.op, 'gamma', o.gamma, 0.1);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    return e === 0 || e % this.stepSize !== 0 ? lr : lr * this.gamma;
  }

  protected multiplier(e: number): number {
    return this.gamma ** Math.floor(e / this.stepSize);
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { stepSize: 'int', gamma: 'number' };
  }
}

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay; an epoch listed twice decays twice. */
  milestones: readonly number[];
  /** The decay factor (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's lr by `gamma` at each milestone epoch.
 *
 * ```ts
 * new optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 }); // ×0.1 from epoch 30, ×0.01 from 80
 * ```
 */
export class MultiStepLR extends FactorScheduler {
  /** The milestones, sorted (with repeats). */
  milestones: number[];
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions, ...positional: never[]) {
    super('MultiStepLR', optimizer, options, [...BASE_KEYS, 'milestones', 'gamma'], positional);
    const o: Partial<MultiStepLROptions> = options ?? {};
    const m: unknown = o.milestones;
    if (!Array.isArray(m) || m.some((x) => !Number.isInteger(x) || (x as number) < 0)) {
      throw new ValueError(`milestones must be an array of non-negative integer epochs, got ${fmtValue(m)}`, { op: this.op });
    }
    this.milestones = [...(m as number[])].sort((a, b) => a - b);
    this.gamma = numberOption(this.op, 'gamma', o.gamma, 0.1);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    const count = this.milestones.filter((m) => m === e).length;
    return count === 0 ? lr : lr * this.gamma ** count;
  }

  protected multiplier(e: number): number {
    // NOTE: PyTorch's bisect_right: milestones at or before the epoch count.
    return this.gamma ** this.milestones.filter((m) => m <= e).length;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { milestones: 'ints', gamma: 'number' };
  }
}

/** Options of {@link ConstantLR}. */
export interface ConstantLROptions extends SchedulerOptions {
  /** The factor for the first `totalIters` epochs, in (0, 1] (default 1/3). */
  factor?: number;
  /** How many epochs (default 5). */
  totalIters?: number;
}

/**
 * Multiplies each group's lr by `factor` until epoch `totalIters`.
 *
 * ```ts
 * new optim.lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 4 }); // ×0.5 for epochs 0–3, then the base lr
 * ```
 */
export class ConstantLR extends FactorScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: ConstantLROptions = {}, ...positional: never[]) {
    super('ConstantLR', optimizer, options, [...BASE_KEYS, 'factor', 'totalIters'], positional);
    const o: ConstantLROptions = options ?? {};
    // NOTE: stricter than PyTorch, which accepts 0 and then divides by it at totalIters (lr NaN).
    this.factor = factorOption(this.op, 'factor', o.factor, 1 / 3, 0, 1, true);
    this.totalIters = intOption(this.op, 'totalIters', o.totalIters, 1, 5);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    if (e === 0) return lr * this.factor;
    if (e !== this.totalIters) return lr;
    // NOTE: PyTorch multiplies by 1/factor (not divides): the same rounding here.
    return lr * (1.0 / this.factor);
  }

  protected multiplier(e: number): number {
    return this.factor + (e >= this.totalIters ? 1 : 0) * (1 - this.factor);
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { factor: 'number', totalIters: 'int' };
  }
}

/** Options of {@link LinearLR}. */
export interface LinearLROptions extends SchedulerOptions {
  /** The factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** How many epochs the factor moves over (default 5). */
  totalIters?: number;
}

/**
 * Moves each group's lr factor linearly from `startFactor` to `endFactor`
 * over `totalIters` epochs: a warm-up, or a linear decay.
 *
 * ```ts
 * new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 }); // warm-up: ×0.1, ×0.19 … ×1 from epoch 10
 * ```
 */
export class LinearLR extends FactorScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}, ...positional: never[]) {
    super('LinearLR', optimizer, options, [...BASE_KEYS, 'startFactor', 'endFactor', 'totalIters'], positional);
    const o: LinearLROptions = options ?? {};
    // NOTE: startFactor 0 is refused as in PyTorch 2.x (1.13 accepted it and divided by zero).
    this.startFactor = factorOption(this.op, 'startFactor', o.startFactor, 1 / 3, 0, 1, true);
    this.endFactor = factorOption(this.op, 'endFactor', o.endFactor, 1, 0, 1, false);
    this.totalIters = intOption(this.op, 'totalIters', o.totalIters, 1, 5);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    const { startFactor: s, endFactor: f, totalIters: t } = this;
    if (e === 0) return lr * s;
    // NOTE: PyTorch 2.x: the constructor's step when resuming keeps the lr (1.13 applied one more ratio).
    if (this.initial || e > t) return lr;
    // NOTE: PyTorch's chain ratio factor(e)/factor(e-1), written in its order of operations.
    return lr * (1 + (f - s) / (t * s + (e - 1) * (f - s)));
  }

  protected multiplier(e: number): number {
    const { startFactor: s, endFactor: f, totalIters: t } = this;
    return s + ((f - s) * Math.min(t, e)) / t;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { startFactor: 'number', endFactor: 'number', totalIters: 'int' };
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions extends SchedulerOptions {
  /** The factor applied every epoch. */
  gamma: number;
}

/**
 * Multiplies each group's lr by `gamma` every epoch.
 *
 * ```ts
 * new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 }); // base·0.95^epoch
 * ```
 */
export class ExponentialLR extends FactorScheduler {
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions, ...positional: never[]) {
    super('ExponentialLR', optimizer, options, [...BASE_KEYS, 'gamma'], positional);
    this.gamma = numberOption(this.op, 'gamma', options?.gamma);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    // NOTE: PyTorch 2.x: the constructor's step keeps the lr (1.13 multiplied it when resuming).
    return e === 0 || this.initial ? lr : lr * this.gamma;
  }

  protected multiplier(e: number): number {
    return this.gamma ** e;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { gamma: 'number' };
  }
}

/** Options of {@link PolynomialLR}. */
export interface PolynomialLROptions extends SchedulerOptions {
  /** Epochs until the lr reaches 0 (default 5). */
  totalIters?: number;
  /** The polynomial's power (default 1). */
  power?: number;
}

/**
 * Decays each group's lr to 0 over `totalIters` epochs as `(1 - e/T)^power`.
 *
 * ```ts
 * new optim.lrScheduler.PolynomialLR(opt, { totalIters: 100, power: 0.9 }); // base·(1 − epoch/100)^0.9, 0 from epoch 100
 * ```
 */
export class PolynomialLR extends FactorScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: SchedulableOptimizer, options: PolynomialLROptions = {}, ...positional: never[]) {
    super('PolynomialLR', optimizer, options, [...BASE_KEYS, 'totalIters', 'power'], positional);
    const o: PolynomialLROptions = options ?? {};
    this.totalIters = intOption(this.op, 'totalIters', o.totalIters, 1, 5);
    this.power = numberOption(this.op, 'power', o.power, 1);
    this.initialStep();
  }

  /** @internal */
  chainLr(_k: number, lr: number, e: number): number {
    const t = this.totalIters;
    // NOTE: PyTorch 2.x: the constructor's step keeps the lr (1.13 applied one more ratio when resuming).
    if (e === 0 || this.initial || e > t) return lr;
    return lr * ((1.0 - e / t) / (1.0 - (e - 1) / t)) ** this.power;
  }

  protected multiplier(e: number): number {
    return (1.0 - Math.min(this.totalIters, e) / this.totalIters) ** this.power;
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { totalIters: 'int', power: 'number' };
  }
}
