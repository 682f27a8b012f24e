/**
 * Schedulers made of schedulers: SequentialLR (one after another, switching
 * at milestones) and ChainedScheduler (all at once, their factors multiply).
 */
import { ArgumentTypeError, StateDictError, ValueError } from '../../errors.js';
import { LRScheduler } from './base.js';
import { CyclicLR, OneCycleLR } from './cyclic.js';
import { ReduceLROnPlateau } from './plateau.js';
import { formatScheduler, INSPECT } from './print.js';
import type { SchedulableOptimizer, Scheduler, SchedulerStateDict } from './types.js';
import { checkFields, checkOptimizer, checkOptionKeys, fmtValue, intOption } from './util.js';

/** A scheduler stepped without arguments once per epoch (or batch). */
export interface EpochScheduler extends Scheduler {
  step(): void;
  /** Indices in `paramGroups` of the groups it drives. */
  readonly groupIndices: number[];
}

function checkChildren(op: string, schedulers: unknown, optimizer: SchedulableOptimizer | undefined, allowComposite: boolean): EpochScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    throw new ValueError(`expects at least one scheduler, got ${fmtValue(schedulers)}`, { op, hint: 'pass an array of schedulers' });
  }
  const opt = optimizer ?? (schedulers[0] as { optimizer?: SchedulableOptimizer }).optimizer;
  schedulers.forEach((s: unknown, i) => {
    if (s instanceof ReduceLROnPlateau) {
      throw new ValueError(`does not support ReduceLROnPlateau (at index ${i}): its step needs a metric`, { op, hint: 'step ReduceLROnPlateau on its own' });
    }
    const ok = s instanceof LRScheduler || s instanceof ChainedScheduler || (allowComposite && s instanceof SequentialLR);
    if (!ok) throw new ArgumentTypeError(`schedulers[${i}] is not a learning-rate scheduler: ${fmtValue(s)}`, { op });
    if ((s as EpochScheduler).optimizer !== opt) {
      throw new ValueError(
        optimizer !== undefined
          ? `expects all schedulers to belong to the same optimizer, but the scheduler at index ${i} has a different one than the optimizer passed in`
          : `expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        { op },
      );
    }
  });
  return schedulers as EpochScheduler[];
}

/** The text form of a composite: its own options, each child, and the last lr of each group. */
function compositeText(name: string, optimizer: SchedulableOptimizer, options: [string, unknown][], children: readonly Scheduler[], lastLr: readonly number[]): string {
  const all = optimizer.paramGroups;
  const indices = unionIndices(children as EpochScheduler[]);
  return formatScheduler({
    name,
    options,
    children: children.map((c) => String(c)),
    groups: indices.map((i, k) => ({ index: i, name: all[i]?.name, lr: lastLr[k] ?? all[i]!.lr })),
  });
}

function unionIndices(children: readonly EpochScheduler[]): number[] {
  const set = new Set<number>();
  for (const c of children) for (const i of c.groupIndices) set.add(i);
  return [...set].sort((a, b) => a - b);
}

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** The schedulers, in the order they run (all on this optimizer); a ChainedScheduler of schedulers runs as one. */
  schedulers: readonly (LRScheduler | ChainedScheduler)[];
  /** The epochs at which the next scheduler takes over (one fewer than schedulers). */
  milestones: readonly number[];
  /** The index of the last epoch, to resume (default -1). */
  lastEpoch?: number;
}

/**
 * Runs schedulers one after another: `schedulers[i]` from `milestones[i-1]`
 * on, each starting from the base lrs (a warm-up, then a decay). A
 * `ChainedScheduler` of plain schedulers runs as one of them (PyTorch 2.x).
 *
 * ```ts
 * const warm = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cos = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new optim.lrScheduler.SequentialLR(opt, { schedulers: [warm, cos], milestones: [5] });
 * // ×0.1 rising to the base lr over epochs 0–5, then a cosine from the base lr down to 0 at epoch 100
 * ```
 */
export class SequentialLR implements EpochScheduler {
  readonly optimizer: SchedulableOptimizer;
  readonly schedulers: (LRScheduler | ChainedScheduler)[];
  milestones: number[];
  lastEpoch: number;
  private lastLr: number[];
  private readonly op = 'SequentialLR';

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions, ...positional: never[]) {
    const op = this.op;
    this.optimizer = checkOptimizer(op, optimizer);
    checkOptionKeys(op, options, ['schedulers', 'milestones', 'lastEpoch'], positional);
    this.schedulers = checkChildren(op, options?.schedulers, this.optimizer, false) as (LRScheduler | ChainedScheduler)[];
    this.schedulers.forEach((s, i) => {
      if (s instanceof ChainedScheduler && !s.schedulers.every((c) => c instanceof LRScheduler)) {
        throw new ArgumentTypeError(`schedulers[${i}] is a ChainedScheduler of composite schedulers; a ChainedScheduler in a SequentialLR may hold plain schedulers only`, { op });
      }
    });
    const m: unknown = options.milestones;
    const n = this.schedulers.length;
    if (!Array.isArray(m) || m.length !== n - 1) {
      throw new ValueError(
        `expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${n} and the number of milestones to be equal to ${Array.isArray(m) ? m.length : fmtValue(m)}`,
        { op },
      );
    }
    // NOTE: stricter than PyTorch, which accepts unsorted milestones (bisect then
    // picks the wrong scheduler) and a milestone 0 (pytorch#185872).
    if (m.some((x, i) => !Number.isInteger(x) || (x as number) < 1 || (i > 0 && (x as number) <= (m[i - 1] as number)))) {
      throw new ValueError(`milestones must be increasing positive integer epochs, got ${fmtValue(m)}`, { op });
    }
    this.milestones = [...(m as number[])];
    this.lastEpoch = intOption(op, 'lastEpoch', options.lastEpoch, -1, -1) + 1;
    // Back to the base lrs, undo the children's initial steps, and start the first one again.
    const groups = this.optimizer.paramGroups;
    for (const i of unionIndices(this.schedulers)) {
      const g = groups[i]!;
      if (typeof g.initialLr === 'number') g.lr = g.initialLr;
    }
    for (const s of this.schedulers.flatMap(plainOf)) {
      s.lastEpoch -= 1;
      // NOTE: only the running child schedules groups added later; the next
      // one adopts them when it takes over (from the base lrs).
      s.tracker.unlisten();
    }
    startChild(this.schedulers[0]!);
    this.lastLr = this.schedulers[0]!.getLastLr();
    this.optimizer.registerParamGroupHook?.({
      check: (group, index) => {
        for (const s of plainOf(this.active())) s.tracker.check(group, index);
      },
      added: (group, index) => {
        for (const s of plainOf(this.active())) s.tracker.added(group, index);
      },
    });
  }

  /** The text form: milestones, epoch, each scheduler, and each group's last lr. */
  toString(): string {
    return compositeText(this.op, this.optimizer, [['milestones', this.milestones], ['lastEpoch', this.lastEpoch]], this.schedulers, this.lastLr);
  }

  /** Node's inspector prints the text form, not the internals. */
  [INSPECT](): string {
    return this.toString();
  }

  /** The running child's position. */
  private activeIndex(): number {
    let i = 0;
    while (i < this.milestones.length && this.milestones[i]! <= this.lastEpoch) i++;
    return i; // NOTE: PyTorch's bisect_right(milestones, lastEpoch)
  }

  /** The scheduler running now. */
  active(): LRScheduler | ChainedScheduler {
    return this.schedulers[this.activeIndex()]!;
  }

  get groupIndices(): number[] {
    return unionIndices(this.schedulers);
  }

  /** Advances one epoch: steps the running scheduler, or starts the next one at its milestone. */
  step(): void {
    this.lastEpoch += 1;
    const idx = this.activeIndex();
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) {
      if (s instanceof ChainedScheduler) {
        // A chain starts from the base lrs: each of its schedulers makes its first step again, in order.
        const groups = this.optimizer.paramGroups;
        for (const i of s.groupIndices) {
          const g = groups[i]!;
          if (typeof g.initialLr === 'number') g.lr = g.initialLr;
        }
        for (const c of plainOf(s)) c.lastEpoch = -1;
        startChild(s);
      } else s.stepTo(0);
    } else s.step();
    this.lastLr = s.getLastLr();
  }

  /** The running scheduler's last lrs. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Its own counters and each child's state. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      milestones: [...this.milestones],
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores a state from `stateDict()`: its counters and each child's (checked first). */
  loadStateDict(state: SchedulerStateDict): void {
    const sd = checkFields(this.op, state, { lastEpoch: 'int', milestones: 'ints', lastLr: 'numbers', schedulers: 'objects' });
    const m = sd['milestones'] as number[];
    if (m.length !== this.schedulers.length - 1) {
      throw new StateDictError(`the state has ${m.length} milestones, but this SequentialLR runs ${this.schedulers.length} schedulers (it needs ${this.schedulers.length - 1})`, {
        op: `${this.op}.loadStateDict`,
        hint: 'load a state saved by a SequentialLR with as many schedulers',
      });
    }
    loadChildren(this.op, this.schedulers, sd['schedulers']);
    this.lastEpoch = sd['lastEpoch'] as number;
    this.milestones = [...(sd['milestones'] as number[])];
    this.lastLr = [...(sd['lastLr'] as number[])];
  }
}

/** The plain schedulers a SequentialLR child stands for: itself, or a chain's schedulers. */
function plainOf(s: LRScheduler | ChainedScheduler): LRScheduler[] {
  return s instanceof ChainedScheduler ? (s.schedulers as LRScheduler[]) : [s];
}

/** A SequentialLR child's first step: its own, or (PyTorch 2.x) each of a chain's schedulers' in order. */
function startChild(s: LRScheduler | ChainedScheduler): void {
  if (s instanceof ChainedScheduler) s.restart();
  else s.initialStep();
}

/** Loads each child's state, all or none: the children's states are checked by loading into the children in order. */
function loadChildren(op: string, children: readonly Scheduler[], states: unknown): void {
  if (!Array.isArray(states) || states.length !== children.length) {
    throw new StateDictError(`expected ${children.length} scheduler states, got ${fmtValue(states)}`, { op: `${op}.loadStateDict` });
  }
  const before = children.map((c) => c.stateDict());
  try {
    children.forEach((c, i) => c.loadStateDict(states[i] as SchedulerStateDict));
  } catch (e) {
    children.forEach((c, i) => c.loadStateDict(before[i]!));
    throw e;
  }
}

/** Options of {@link ChainedScheduler} made as `new ChainedScheduler(optimizer, { schedulers })`. */
export interface ChainedSchedulerOptions {
  /** The schedulers, stepped in this order (all on the optimizer). */
  schedulers: readonly EpochScheduler[];
}

/**
 * Steps several schedulers together: their factors multiply (a warm-up on
 * top of a decay). Made as PyTorch's `ChainedScheduler(schedulers)`, or as
 * every other scheduler, `(optimizer, { schedulers })`.
 *
 * A group added to the optimizer later is replayed through every step of
 * every scheduler in the chain, in order, from its own lr, so it sits
 * exactly where it would be had it been there from the start, even where
 * the schedulers do not simply multiply (a cosine with `etaMin`, or a
 * `LambdaLR` that sets the lr from the base lr).
 *
 * ```ts
 * const sched = new optim.lrScheduler.ChainedScheduler([
 *   new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 }),
 *   new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 }),
 * ]); // lr = base · linear warm-up factor · 0.95^epoch
 * ```
 */
export class ChainedScheduler implements EpochScheduler {
  readonly optimizer: SchedulableOptimizer;
  readonly schedulers: EpochScheduler[];
  private lastLr: number[];
  private readonly op = 'ChainedScheduler';
  /** Whether the group being added came with its own initialLr (then it is every scheduler's base). */
  private arriving: { explicit: boolean } | undefined;

  constructor(schedulers: readonly EpochScheduler[]);
  constructor(optimizer: SchedulableOptimizer, options: ChainedSchedulerOptions);
  constructor(first: readonly EpochScheduler[] | SchedulableOptimizer, options?: ChainedSchedulerOptions) {
    const op = this.op;
    if (Array.isArray(first)) {
      this.schedulers = [...checkChildren(op, first, undefined, true)];
      this.optimizer = this.schedulers[0]!.optimizer;
    } else {
      this.optimizer = checkOptimizer(op, first);
      checkOptionKeys(op, options, ['schedulers']);
      this.schedulers = [...checkChildren(op, options?.schedulers, this.optimizer, true)];
    }
    this.lastLr = this.currentLrs();
    // NOTE: registered after the children's hooks, so it runs once they have placed the group.
    this.optimizer.registerParamGroupHook?.({
      check: (group) => {
        this.arriving = { explicit: typeof group.initialLr === 'number' };
      },
      added: (_group, index) => this.replay(index),
    });
  }

  get groupIndices(): number[] {
    return unionIndices(this.schedulers);
  }

  private currentLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    return this.groupIndices.map((i) => groups[i]!.lr);
  }

  /**
   * Gives the group just added at `index` one base lr for the whole chain:
   * the base that puts it, through every epoch of every scheduler that
   * drives it (in chain order), at the lr it was given. Each scheduler
   * solved a base of its own already, which is exact when they only
   * multiply; the joint base also covers a cosine with `etaMin` or a
   * `LambdaLR` (which sets the lr from its base) in the chain. Nested
   * composites, cyclical schedules and schedulers at different epochs keep
   * their own bases.
   */
  private replay(index: number): void {
    const arriving = this.arriving;
    this.arriving = undefined;
    if (arriving === undefined || arriving.explicit || !this.schedulers.every((s) => s instanceof LRScheduler)) return;
    const drivers = (this.schedulers as LRScheduler[])
      .map((s) => ({ s, k: s.tracker.indices.indexOf(index) }))
      .filter((d) => d.k >= 0);
    if (drivers.length < 2 || drivers.some((d) => d.s instanceof CyclicLR || d.s instanceof OneCycleLR)) return;
    const epoch = drivers[0]!.s.lastEpoch;
    if (drivers.some((d) => d.s.lastEpoch !== epoch)) return;
    const group = this.optimizer.paramGroups[index]!;
    const own = drivers.map((d) => d.s.baseLrs[d.k]!);
    const lrAt = (b: number): number => {
      for (const d of drivers) d.s.baseLrs[d.k] = b;
      let lr = b;
      for (let e = 0; e <= epoch; e++) for (const d of drivers) lr = d.s.chainLr(d.k, lr, e);
      return lr;
    };
    const at0 = lrAt(0);
    const base = (group.lr - at0) / (lrAt(1) - at0);
    if (!Number.isFinite(base)) {
      drivers.forEach((d, i) => (d.s.baseLrs[d.k] = own[i]!));
      return;
    }
    for (const d of drivers) d.s.baseLrs[d.k] = base;
    group.initialLr = base;
  }

  /** The text form: each scheduler, and each group's last lr. */
  toString(): string {
    return compositeText(this.op, this.optimizer, [], this.schedulers, this.lastLr);
  }

  /** Node's inspector prints the text form, not the internals. */
  [INSPECT](): string {
    return this.toString();
  }

  /** @internal SequentialLR starting this chain: each scheduler's first step again, in order. */
  restart(): void {
    for (const s of this.schedulers as LRScheduler[]) s.initialStep();
    this.lastLr = this.currentLrs();
  }

  /** Steps every scheduler, in order. */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.currentLrs();
  }

  /** The lrs of the groups any of its schedulers drives, after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Its last lrs and each scheduler's state. */
  stateDict(): SchedulerStateDict {
    return { lastLr: [...this.lastLr], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Restores a state from `stateDict()`: each scheduler's (all or none). */
  loadStateDict(state: SchedulerStateDict): void {
    const sd = checkFields(this.op, state, { lastLr: 'numbers', schedulers: 'objects' });
    loadChildren(this.op, this.schedulers, sd['schedulers']);
    this.lastLr = [...(sd['lastLr'] as number[])];
  }
}
