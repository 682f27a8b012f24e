/**
 * `ReduceLROnPlateau`: cuts the lr when a metric stops improving. It has no
 * schedule, only events, so a group added later starts at its own lr and
 * takes part in every reduction after it arrives.
 */
import { ArgumentTypeError, StateDictError, ValueError } from '../../errors.js';
import { formatScheduler, INSPECT } from './print.js';
import type { AbsoluteLrOptions, GroupSelector, PerGroup, SchedulableOptimizer, Scheduler, SchedulerStateDict } from './types.js';
import {
  assignFields, boolOption, checkFields, checkOptimizer, checkOptionKeys, choiceOption, fmtValue, GroupTracker, intOption, numberOption,
  PerGroupNumber, saveFields, type FieldKind,
} from './util.js';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions extends AbsoluteLrOptions {
  /** `'min'`: reduce when the metric stops falling; `'max'`: when it stops rising (default `'min'`). */
  mode?: 'min' | 'max';
  /** `newLr = lr · factor`, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement to wait before reducing (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  /** `'rel'`: better than best·(1 ∓ threshold); `'abs'`: best ∓ threshold (default `'rel'`). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The lowest lr (default 0); per group or scaled by each group's `lrMult`. */
  minLr?: PerGroup<number>;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
  /** Drive only these groups. */
  groups?: GroupSelector;
}

const KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'groups', 'scaleByLrMult'];

const FIELDS: Readonly<Record<string, FieldKind>> = {
  mode: 'string',
  factor: 'number',
  patience: 'int',
  threshold: 'number',
  thresholdMode: 'string',
  cooldown: 'int',
  cooldownCounter: 'int',
  minLrs: 'perGroup',
  eps: 'number',
  best: 'numberOrNull',
  numBadEpochs: 'int',
  lastEpoch: 'int',
  lastLr: 'perGroup',
  groupIndices: 'ints',
  groupsSeen: 'int',
};

/**
 * Reduces each group's lr by `factor` once the metric passed to `step` has
 * not improved for `patience` epochs.
 *
 * ```ts
 * // halves the lrs once the validation loss has failed to improve for 4 epochs running
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { factor: 0.5, patience: 3 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(validate()); }
 * ```
 */
export class ReduceLROnPlateau implements Scheduler {
  readonly optimizer: SchedulableOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  /** The lowest lr of each driven group. */
  minLrs: number[] = [];
  eps: number;
  /** The best metric so far. */
  best: number;
  numBadEpochs = 0;
  lastEpoch = 0;
  private lastLr: number[] = [];
  /** @internal */
  readonly tracker: GroupTracker;
  private readonly op = 'ReduceLROnPlateau';
  private readonly minLrOption: PerGroupNumber;

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}, ...positional: never[]) {
    const op = this.op;
    this.optimizer = checkOptimizer(op, optimizer);
    checkOptionKeys(op, options, KEYS, positional);
    this.factor = numberOption(op, 'factor', options.factor, 0.1);
    if (!(this.factor < 1.0) || this.factor < 0) {
      throw new ValueError(`factor must be in [0, 1), got ${fmtValue(this.factor)}`, { op, hint: 'newLr = lr · factor, so factor < 1.0 reduces it' });
    }
    this.mode = choiceOption(op, 'mode', options.mode, ['min', 'max'], 'min');
    this.thresholdMode = choiceOption(op, 'thresholdMode', options.thresholdMode, ['rel', 'abs'], 'rel');
    this.patience = intOption(op, 'patience', options.patience, 0, 10);
    this.threshold = numberOption(op, 'threshold', options.threshold, 1e-4);
    this.cooldown = intOption(op, 'cooldown', options.cooldown, 0, 0);
    this.eps = numberOption(op, 'eps', options.eps, 1e-8);
    const scale = boolOption(op, 'scaleByLrMult', options.scaleByLrMult, true);
    this.tracker = new GroupTracker(op, this.optimizer, options.groups);
    this.minLrOption = new PerGroupNumber(op, 'minLr', options.minLr ?? 0, scale);
    this.minLrOption.checkCount(this.tracker.countNew());
    this.best = this.worst;
    this.tracker.adopter = (group, index, position) => {
      const min = this.minLrOption.value(group, index, position);
      return () => {
        this.minLrs[position] = min;
        this.lastLr[position] = group.lr;
      };
    };
    this.tracker.sync(false);
    this.tracker.listen();
  }

  /** The worst value of the metric for the mode: where `best` starts. */
  private get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether the scheduler is waiting out its cooldown. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` beats `best` by the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records this epoch's metric (a number or a one-element tensor) and reduces the lrs if it has plateaued. */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : typeof (metric as { item?: unknown } | null)?.item === 'function' ? metric.item() : undefined;
    if (typeof current !== 'number') {
      throw new ArgumentTypeError(`step needs the metric as a number or a one-element tensor, got ${fmtValue(metric)}`, {
        op: this.op,
        hint: 'pass the validation loss: sched.step(valLoss)',
      });
    }
    this.tracker.sync(true);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // NOTE: bad epochs during the cooldown are ignored, as in PyTorch.
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.tracker.groups().map((g) => g.lr);
  }

  private reduceLr(): void {
    this.tracker.groups().forEach((g, k) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[k]!);
      // NOTE: a cut smaller than eps is skipped (the lr sits at its floor).
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The lr of each driven group after the last step (or at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The text form: the class, its options and counters, and each driven group's last lr. */
  toString(): string {
    const all = this.optimizer.paramGroups;
    const keys = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLrs', 'eps', 'best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch'] as const;
    return formatScheduler({
      name: this.op,
      options: keys.map((k) => [k, this[k]] as const),
      groups: this.tracker.indices.map((i, k) => ({ index: i, name: all[i]?.name, lr: this.lastLr[k]! })),
    });
  }

  /** Node's inspector prints the text form, not the internals. */
  [INSPECT](): string {
    return this.toString();
  }

  /** The counters and hyperparameters as plain data (`best` may be ±Infinity; JSON's `null` loads as the worst). */
  stateDict(): SchedulerStateDict {
    const sd = saveFields(this, FIELDS);
    sd['groupIndices'] = [...this.tracker.indices];
    sd['groupsSeen'] = this.tracker.seen;
    return sd;
  }

  /** Restores a state saved by `stateDict()`; the optimizer's lrs are not touched. */
  loadStateDict(state: SchedulerStateDict): void {
    const sd = checkFields(this.op, state, FIELDS);
    const problems: string[] = [];
    if (sd['mode'] !== 'min' && sd['mode'] !== 'max') problems.push(`mode ${fmtValue(sd['mode'])} is unknown`);
    if (sd['thresholdMode'] !== 'rel' && sd['thresholdMode'] !== 'abs') problems.push(`thresholdMode ${fmtValue(sd['thresholdMode'])} is unknown`);
    const seen = sd['groupsSeen'] as number;
    if (seen > this.optimizer.paramGroups.length) problems.push(`it drives groups of ${seen} but the optimizer has ${this.optimizer.paramGroups.length}`);
    if (problems.length > 0) throw new StateDictError(`the state dict does not fit: ${problems.join('; ')}`, { op: `${this.op}.loadStateDict` });
    const { groupIndices: _i, groupsSeen: _s, ...own } = FIELDS;
    assignFields(this, sd, own);
    if (this.best === null) this.best = this.worst;
    this.tracker.indices.splice(0, this.tracker.indices.length, ...(sd['groupIndices'] as number[]));
    this.tracker.seen = seen;
  }
}
