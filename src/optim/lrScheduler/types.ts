/**
 * What a learning-rate scheduler needs from an optimizer, and the option
 * types the schedulers share. Schedulers are written against this structural
 * interface, not the `Optimizer` class, so `preview()` can drive a stand-in
 * and any optimizer-like object with `paramGroups` can be scheduled.
 */
import type { GroupExtras, ParamGroupHook, RemovableHandle } from '../types.js';

export type { ParamGroupHook };

/**
 * One parameter group as a scheduler sees it: its lr, the momentum the
 * cyclical schedulers cycle, and the keys schedulers read and write
 * ({@link GroupExtras}: `initialLr`, OneCycleLR's `maxLr` … and `lrMult`, by
 * which a single absolute lr given to a scheduler — `etaMin`, `maxLr`,
 * `minLr` … — is multiplied for this group, so ratios between groups survive).
 */
export interface SchedulableGroup extends GroupExtras {
  lr: number;
  /** SGD-style momentum, cycled by CyclicLR and OneCycleLR. */
  momentum?: number;
  /** Adam-style betas; CyclicLR and OneCycleLR cycle `betas[0]`. */
  betas?: readonly [number, number];
}

/** The optimizer side of a scheduler: kindling's `Optimizer` satisfies it. */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly SchedulableGroup[];
  /** The constructor's options; `momentum` / `betas` here say the optimizer can cycle momentum. */
  readonly defaults?: object;
  /** How many times the optimizer has stepped (for the "scheduler stepped first" warning). */
  readonly stepCount?: number;
  /** Lets schedulers schedule groups added later from the moment they arrive. */
  registerParamGroupHook?(hook: ParamGroupHook<SchedulableGroup>): RemovableHandle;
}

/**
 * Which groups a scheduler drives: group indices and/or names (fixed when the
 * scheduler is made), or a predicate (also asked about groups added later).
 * Without it a scheduler drives every group, including groups added later.
 */
export type GroupSelector =
  | number
  | string
  | readonly (number | string)[]
  | ((group: SchedulableGroup, index: number) => boolean);

/**
 * A value for each group: one value for all, an array with one value per
 * driven group (in optimizer order), or a function of the group and its
 * index in `paramGroups` (also called for groups added later).
 */
export type PerGroup<T> = T | readonly T[] | ((group: SchedulableGroup, index: number) => T);

/** Options every epoch-based scheduler accepts. */
export interface SchedulerOptions {
  /**
   * The index of the last epoch, to resume a schedule: with `-1` (the
   * default) it starts, otherwise every driven group must already carry
   * `initialLr` (as PyTorch's `last_epoch`).
   */
  lastEpoch?: number;
  /** Drive only these groups (see {@link GroupSelector}). */
  groups?: GroupSelector;
}

/** Options of schedulers that take absolute learning rates (`etaMin`, `maxLr` …). */
export interface AbsoluteLrOptions {
  /**
   * Multiply a single absolute lr by each group's `lrMult` (default true).
   * Values given per group (an array or a function) are used as given.
   */
  scaleByLrMult?: boolean;
}

/** A saved scheduler state: plain JSON-able data. */
export type SchedulerStateDict = Record<string, unknown>;

/** What every scheduler offers, whatever its `step` takes. */
export interface Scheduler {
  readonly optimizer: SchedulableOptimizer;
  /** The lr of each group the scheduler drives, as the last step left it. */
  getLastLr(): number[];
  stateDict(): SchedulerStateDict;
  loadStateDict(state: SchedulerStateDict): void;
}
