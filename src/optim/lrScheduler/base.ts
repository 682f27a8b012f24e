/**
 * `LRScheduler`: the book-keeping every epoch-based scheduler shares
 * (PyTorch's `_LRScheduler`): `initialLr` and base lrs, the epoch counter,
 * the chainable `step()`, `getLastLr()`, state dicts, the "scheduler stepped
 * before the optimizer" warning, and — beyond PyTorch — the groups it drives
 * (a `groups` selector) and groups added to the optimizer later.
 */
import { ParamGroupError } from '../../errors.js';
import { formatScheduler, INSPECT } from './print.js';
import type { GroupSelector, SchedulableGroup, SchedulableOptimizer, Scheduler, SchedulerOptions, SchedulerStateDict } from './types.js';
import {
  assignFields, checkFields, checkOptimizer, checkOptionKeys, fmtValue, groupLabel, GroupTracker, intOption, saveFields, warn, type FieldKind,
} from './util.js';

/** The option keys every epoch-based scheduler accepts. */
export const BASE_KEYS: readonly string[] = ['lastEpoch', 'groups'];

const BASE_FIELDS: Readonly<Record<string, FieldKind>> = {
  lastEpoch: 'int',
  baseLrs: 'perGroup',
  stepCount: 'int',
  lastLr: 'perGroup',
  groupIndices: 'ints',
  groupsSeen: 'int',
};

/**
 * Base class of the epoch-based schedulers. A subclass sets its options in
 * its constructor and then calls `this.initialStep()`, which adopts the
 * groups, records `initialLr` and applies epoch 0 (so constructing a
 * scheduler may change the lrs at once, as in PyTorch).
 *
 * A group added to the optimizer later keeps the lr it was given at that
 * moment, exactly, and follows the schedule in proportion from the next
 * step: its base lr (`initialLr`) is solved from that lr (`lr / f(t)`, or
 * the affine form with `etaMin`); an `initialLr` given on the group is its
 * base instead. Schedulers stepped side by side each solve a base by
 * themselves (none sees the others or their order), which is exact when
 * their factors only multiply (StepLR, LinearLR, ExponentialLR …); one that
 * sets the lr from its base (LambdaLR, the cyclical ones, `etaMin`) is then
 * off by the factors of those stepped after it, so compose it with others in
 * a `ChainedScheduler`, which solves one base for the whole chain.
 *
 * ```ts
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
 * // each group's lr: its base lr for epochs 0–29, ×0.1 for 30–59, ×0.01 for 60–89, ×0.001 from 90
 * ```
 */
export abstract class LRScheduler implements Scheduler {
  readonly optimizer: SchedulableOptimizer;
  /** The index of the last epoch (`-1` before the initial step). */
  lastEpoch: number;
  /** The base lr of each driven group (its `initialLr`). */
  baseLrs: number[] = [];
  /** How many times `step()` ran, the initial step included (PyTorch's `_step_count`). */
  protected stepCount = 0;
  /** The driven groups' lrs after the last step. */
  protected lastLr: number[] = [];
  /** @internal */
  readonly tracker: GroupTracker;
  /** The class name, for messages. */
  protected readonly op: string;
  private optimizerStepsAtStart: number | undefined;
  private started = false;
  /** Whether the scheduler was made with `lastEpoch` (resuming a schedule). */
  protected readonly resuming: boolean;
  /**
   * True during the step a constructor takes (PyTorch 2.x's `_is_initial`):
   * the schedulers that multiply the current lr leave it as it is then, so
   * a scheduler made to resume (`lastEpoch` >= 0) does not apply one factor
   * too many.
   */
  protected initial = false;

  /**
   * `positional` holds whatever a subclass constructor got after its options
   * (nothing, in TypeScript), so a PyTorch-style positional call gets a hint
   * naming each value it passed.
   */
  protected constructor(op: string, optimizer: SchedulableOptimizer, options: SchedulerOptions, keys: readonly string[], positional: readonly unknown[] = []) {
    this.op = op;
    this.optimizer = checkOptimizer(op, optimizer);
    const opts = checkOptionKeys(op, options, keys, positional);
    this.lastEpoch = intOption(op, 'lastEpoch', opts['lastEpoch'], -1, -1);
    this.resuming = this.lastEpoch !== -1;
    this.tracker = new GroupTracker(op, this.optimizer, opts['groups'] as GroupSelector | undefined);
    this.tracker.adopter = (group, index, position, late) => this.adoptGroup(group, index, position, late);
  }

  /** Indices in `optimizer.paramGroups` of the groups this scheduler drives. */
  get groupIndices(): number[] {
    return [...this.tracker.indices];
  }

  /** The driven groups, in order. */
  protected groups(): SchedulableGroup[] {
    return this.tracker.groups();
  }

  /**
   * Adopts the groups and takes the first step (epoch 0, or `lastEpoch + 1`
   * when resuming). Subclasses call it at the end of their constructor.
   * @internal
   */
  initialStep(): void {
    if (this.started) {
      this.optimizerStepsAtStart = this.optimizer.stepCount;
      this.stepCount = 0;
      this.initialModeStep();
      return;
    }
    // A constructor that fails (a bad lrLambda value at epoch 0 …) leaves the groups as they were.
    const snapshot = this.optimizer.paramGroups.map((g) => ({ ...g }));
    try {
      this.tracker.sync(false);
      this.tracker.listen();
      this.optimizerStepsAtStart = this.optimizer.stepCount;
      this.stepCount = 0;
      this.initialModeStep();
      this.started = true;
    } catch (e) {
      this.tracker.unlisten();
      this.optimizer.paramGroups.forEach((g, i) => {
        const before = snapshot[i]! as Record<string, unknown>;
        const live = g as unknown as Record<string, unknown>;
        for (const k of Object.keys(live)) if (!(k in before)) delete live[k];
        Object.assign(live, before);
      });
      throw e;
    }
  }

  private initialModeStep(): void {
    this.initial = true;
    try {
      this.step();
    } finally {
      this.initial = false;
    }
  }

  /**
   * Checks and prepares one group (throwing here changes nothing) and
   * returns what commits it: subclass values, `initialLr` and the base lr.
   * A group that arrives while the schedule runs keeps the lr it was given
   * and gets the base that puts it there now (see {@link prepareLate}).
   */
  private adoptGroup(group: SchedulableGroup, index: number, position: number, late: boolean): () => void {
    if (!late && this.resuming && typeof group.initialLr !== 'number') {
      throw new ParamGroupError(`param 'initialLr' is not specified in ${groupLabel(index, group.name)} when resuming (lastEpoch ${this.lastEpoch})`, {
        op: this.op,
        hint: 'make the scheduler before loading the optimizer state, or set initialLr on each group',
      });
    }
    const commit = this.prepareGroup(group, index, position, late);
    if (late) return this.prepareLate(group, index, position, commit);
    return () => {
      commit();
      // NOTE: as PyTorch's setdefault: an initialLr already there (from another
      // scheduler or a loaded optimizer state) is kept.
      if (typeof group.initialLr !== 'number') group.initialLr = group.lr;
      this.baseLrs[position] = this.baseLrOf(group, position);
    };
  }

  /**
   * A group added while the schedule runs (kindling's rule, beyond PyTorch):
   * its lr stays exactly what it was given, and its base lr is solved so
   * that the schedule's curve passes through that lr now (`base = lr / f(t)`
   * where the schedule multiplies; the affine form where `etaMin` adds), so
   * from the next step on it follows the schedule in proportion. An explicit
   * `initialLr` on the group is its base instead, as PyTorch's `initial_lr`.
   * Throws (changing nothing) where no base gives the lr (a factor of 0).
   */
  protected prepareLate(group: SchedulableGroup, index: number, position: number, commit: () => void): () => void {
    const explicit = typeof group.initialLr === 'number' ? group.initialLr : undefined;
    const base = explicit ?? this.trial(group, index, position, commit, () => this.solveBase(group, index, (b) => this.lrFromStart(position, b), 'initialLr'));
    return () => {
      commit();
      if (typeof group.initialLr !== 'number') group.initialLr = base;
      this.baseLrs[position] = base;
      this.lastLr[position] = group.lr;
    };
  }

  /**
   * Runs `fn` with the group's values committed for a moment, then puts
   * everything back: the scheduler's per-group arrays (a new group's entries
   * are appended, so they are cut off again) and the group's own keys.
   */
  protected trial<T>(group: SchedulableGroup, index: number, position: number, commit: () => void, fn: () => T): T {
    const arrays = Object.values(this).filter((v): v is unknown[] => Array.isArray(v));
    const lengths = arrays.map((a) => a.length);
    const keys = { ...group } as Record<string, unknown>;
    this.trialGroup = { group, index, position };
    try {
      commit();
      return fn();
    } finally {
      this.trialGroup = undefined;
      arrays.forEach((a, i) => {
        a.length = lengths[i]!;
      });
      const live = group as unknown as Record<string, unknown>;
      for (const k of Object.keys(live)) if (!(k in keys)) delete live[k];
      Object.assign(live, keys);
    }
  }

  private trialGroup: { group: SchedulableGroup; index: number; position: number } | undefined;

  /** Driven group `k` (also the group being adopted, while it is tried). */
  protected groupAt(k: number): SchedulableGroup {
    const t = this.trialGroup;
    return t !== undefined && t.position === k ? t.group : this.groups()[k]!;
  }

  /** The index in `paramGroups` of driven group `k` (also of the group being adopted). */
  protected indexAt(k: number): number {
    const t = this.trialGroup;
    return t !== undefined && t.position === k ? t.index : this.tracker.indices[k]!;
  }

  /**
   * The base `b` with `lrAt(b)` equal to the group's lr. `lrAt` is affine in
   * `b` (every schedule is: factors multiply, `etaMin` adds), so two points
   * give it. Throws naming `option` where the slope is 0.
   */
  protected solveBase(group: SchedulableGroup, index: number, lrAt: (b: number) => number, option: 'initialLr' | 'maxLr'): number {
    const at0 = lrAt(0);
    const slope = lrAt(1) - at0;
    const base = (group.lr - at0) / slope;
    if (slope === 0 || !Number.isFinite(base)) {
      throw new ParamGroupError(
        `${groupLabel(index, group.name)} arrives at epoch ${this.lastEpoch}, where the schedule's factor is ${slope === 0 ? 0 : fmtValue(slope)}: no base lr puts it at lr ${fmtValue(group.lr)}`,
        {
          op: this.op,
          hint: option === 'initialLr'
            ? 'set initialLr on the group: its base lr, which the schedule then follows from the next step'
            : 'set maxLr on the group: its peak lr, which the schedule then follows from the next step',
        },
      );
    }
    return base;
  }

  /** The lr driven group `k` would have now, had it been there from the start with base lr `b`. */
  protected lrFromStart(k: number, b: number): number {
    this.baseLrs[k] = b;
    if (this.setsFromBase) return this.chainLr(k, b, this.lastEpoch);
    // NOTE: a replay rather than a closed form: it follows the chain's own floating-point path.
    let lr = b;
    for (let e = 0; e <= this.lastEpoch; e++) lr = this.chainLr(k, lr, e);
    return lr;
  }

  /** Subclass hook: validate and prepare the group's own values (may throw, must not change anything). */
  protected prepareGroup(_group: SchedulableGroup, _index: number, _position: number, _late: boolean): () => void {
    return () => {};
  }

  /** The group's base lr (its `initialLr`; CyclicLR uses its `baseLr`). */
  protected baseLrOf(group: SchedulableGroup, _position: number): number {
    return group.initialLr!;
  }

  /**
   * The rule of one step for one group: the lr that stepping to epoch `e`
   * writes into driven group `k` whose lr is `lr` (PyTorch's chainable
   * `get_lr`, one group at a time; schedulers that set the lr from the base
   * lr ignore `lr`). Cyclical schedulers also write the group's momentum.
   * @internal
   */
  abstract chainLr(k: number, lr: number, e: number): number;

  /**
   * Whether each step sets the lr from the base lr alone, ignoring the
   * current lr (LambdaLR, the cyclical and warm-restart schedules): a group
   * that arrives then needs only the current epoch, not a replay.
   */
  protected readonly setsFromBase: boolean = false;

  /** The chainable rule: the driven groups' lrs at `lastEpoch` from their current lrs. */
  protected computeLr(): number[] {
    return this.groups().map((g, k) => this.chainLr(k, g.lr, this.lastEpoch));
  }

  /** The closed form at `lastEpoch` (from the base lrs); the chainable rule where there is none. */
  protected closedFormLr(): number[] {
    return this.computeLr();
  }

  /**
   * Advances one epoch and writes the new lrs into the driven groups. Call it
   * after `optimizer.step()`.
   */
  step(): void {
    this.advance(() => {
      this.lastEpoch += 1;
      return this.computeLr();
    });
  }

  /**
   * Jumps to `epoch` with the closed form where the scheduler has one (what
   * PyTorch's deprecated `step(epoch)` does; SequentialLR uses it at its
   * milestones).
   */
  stepTo(epoch: number): void {
    intOption(this.op, 'epoch', epoch, 0);
    this.advance(() => {
      this.lastEpoch = epoch;
      return this.closedFormLr();
    });
  }

  /** The step shell: order warning, late groups, then `next()`'s values; a throw leaves everything as it was. */
  protected advance(next: () => number[]): void {
    this.warnIfOptimizerIdle();
    // NOTE: a scheduler that has not started (a SequentialLR child before its
    // milestone) adopts new groups without placing them on its schedule yet.
    this.tracker.sync(this.lastEpoch >= 0);
    const saved = { lastEpoch: this.lastEpoch, stepCount: this.stepCount };
    this.stepCount += 1;
    let values: number[];
    try {
      values = next();
    } catch (e) {
      this.lastEpoch = saved.lastEpoch;
      this.stepCount = saved.stepCount;
      throw e;
    }
    this.write(values);
  }

  /** Writes one lr per driven group and records them for `getLastLr()`. */
  protected write(values: number[]): void {
    const groups = this.groups();
    groups.forEach((g, k) => {
      g.lr = values[k]!;
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /**
   * PyTorch's check on the first `step()` after construction: the optimizer
   * should have stepped in between (else the first lr of the schedule is skipped).
   */
  protected warnIfOptimizerIdle(): void {
    if (this.stepCount !== 1) return;
    const now = this.optimizer.stepCount;
    if (now === undefined || this.optimizerStepsAtStart === undefined || now > this.optimizerStepsAtStart) return;
    warn(
      this.op,
      'Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the opposite order: ' +
        '`optimizer.step()` before `scheduler.step()`. Failure to do this will skip the first value of the learning rate schedule.',
    );
  }

  /** The lr of each driven group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The text form, PyTorch-style: the class, its options, and the last lr
   * of each group it drives (also what `console.log(sched)` shows).
   */
  toString(): string {
    const all = this.optimizer.paramGroups;
    const own = this as unknown as Record<string, unknown>;
    return formatScheduler({
      name: this.op,
      options: [...this.printedOptions().map((k) => [k, own[k]] as const), ['lastEpoch', this.lastEpoch] as const],
      groups: this.tracker.indices.map((i, k) => ({ index: i, name: all[i]?.name, lr: this.lastLr[k]! })),
    });
  }

  /** The fields the text form shows (default: the saved hyperparameters). */
  protected printedOptions(): string[] {
    return Object.keys(this.stateFields());
  }

  /** Node's inspector prints the text form, not the internals. */
  [INSPECT](): string {
    return this.toString();
  }

  /** The fields saved by `stateDict()` besides the base ones (hyperparameters and counters). */
  protected stateFields(): Readonly<Record<string, FieldKind>> {
    return {};
  }

  private allFields(): Record<string, FieldKind> {
    return { ...BASE_FIELDS, ...this.stateFields() };
  }

  /**
   * The scheduler's state as plain JSON-able data: its hyperparameters,
   * epoch, base lrs and the groups it drives (functions such as `lrLambda`
   * are not saved). Save the optimizer's state with it.
   */
  stateDict(): SchedulerStateDict {
    const sd = saveFields(this, this.allFields());
    sd['groupIndices'] = [...this.tracker.indices];
    sd['groupsSeen'] = this.tracker.seen;
    return sd;
  }

  /**
   * Restores a state saved by `stateDict()` of the same kind of scheduler.
   * As in PyTorch it does not touch the optimizer's lrs (load the optimizer's
   * state for those). Everything is checked before anything changes.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fields = this.allFields();
    const sd = checkFields(this.op, state, fields);
    const indices = sd['groupIndices'] as number[];
    const seen = sd['groupsSeen'] as number;
    const n = this.optimizer.paramGroups.length;
    if (seen > n || indices.some((i) => i < 0 || i >= seen)) {
      throw new ParamGroupError(`the state drives groups ${JSON.stringify(indices)} of ${seen}, but the optimizer has ${n} groups`, {
        op: `${this.op}.loadStateDict`,
        hint: 'add the same groups to the optimizer (in the same order) before loading',
      });
    }
    this.checkLoadedState(sd);
    const { groupIndices: _i, groupsSeen: _s, ...own } = fields;
    assignFields(this, sd, own);
    this.tracker.indices.splice(0, this.tracker.indices.length, ...indices);
    this.tracker.seen = seen;
  }

  /** Subclass hook: extra checks on a loaded state (throw to refuse it). */
  protected checkLoadedState(_sd: Record<string, unknown>): void {}
}
