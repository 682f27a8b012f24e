/**
 * Public types of the optimizers: what the constructor accepts (parameters,
 * named parameters, group specs), what a live group looks like, state dicts
 * and hooks.
 */
import type { Tensor } from '../tensor/tensor.js';

/** A parameter with its dotted name, as `model.namedParameters()` yields it: `['base.0.weight', p]`. */
export type NamedParameter = readonly [string, Tensor];

/**
 * Excludes a `Set` from an iterable type (a `Set` has `add`): its order is
 * not the user's, so optimizers refuse it, at compile time through this type
 * and at run time for plain JavaScript.
 */
export interface NotASet {
  readonly add?: never;
}

/**
 * The parameters of one group: an iterable of tensors or of `[name, tensor]`
 * pairs (read once, in order), or a single tensor. Not a `Set` (pass an
 * array so the order is explicit).
 */
export type ParamsSource = Tensor | (Iterable<Tensor> & NotASet) | (Iterable<NamedParameter> & NotASet);

declare global {
  /**
   * Keys of your own on parameter groups (timm's `lrScale`, a layer id, a
   * tag for your logger), declared once in your program so that group specs
   * and live groups are typed with them:
   *
   * ```ts
   * declare global {
   *   interface KindlingGroupKeys { lrScale?: number }
   * }
   * const opt = new optim.AdamW([{ params: head, lrScale: 0.5 }]);
   * opt.paramGroups[0].lrScale; // number | undefined
   * ```
   *
   * At run time (plain JavaScript, a PyTorch state dict) every key that is
   * neither a hyperparameter nor a group key is kept as the user's own,
   * unless it looks like a mistake for a known key (docs/param-groups.md,
   * "Keys on a group"). Declare keys as optional: a group need not carry them.
   */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
  interface KindlingGroupKeys {}
}

/**
 * Keys a group may carry besides the optimizer's hyperparameters. `name`
 * labels the group in errors, `toString()` and state dicts. The others are
 * written by learning-rate schedulers (PyTorch's `initial_lr`, `max_lr` …).
 */
export interface GroupExtras extends KindlingGroupKeys {
  /** The group's label, shown wherever groups are shown. */
  name?: string;
  /** Set by schedulers: the lr a schedule starts from. */
  initialLr?: number;
  /** Set by OneCycleLR. */
  maxLr?: number;
  /** Set by OneCycleLR. */
  minLr?: number;
  /** Set by OneCycleLR / CyclicLR when cycling momentum. */
  maxMomentum?: number;
  /** Set by OneCycleLR / CyclicLR when cycling momentum. */
  baseMomentum?: number;
  /**
   * The group's lr as a multiple of the base lr (written by `optim.paramGroups`):
   * schedulers scale absolute endpoints such as `etaMin` by it, so a group at
   * ×0.1 stays at ×0.1.
   */
  lrMult?: number;
}

/** The names of {@link GroupExtras}, checked at run time. */
export const GROUP_EXTRA_KEYS: readonly (keyof GroupExtras)[] = ['name', 'initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum', 'lrMult'];

/**
 * Where `optim.paramGroups` leaves its `defaults` on the specs it returns, so
 * that an optimizer made from them reports in `opt.defaults` the values its
 * groups carry (a registered symbol: specs and optimizers may come from two
 * copies of the package).
 */
export const SPEC_DEFAULTS: unique symbol = Symbol.for('kindling.paramGroups.defaults');

/**
 * One group as the caller writes it: `params` plus any hyperparameters of
 * the optimizer's options `O` (the rest are filled from the defaults). A key
 * that is not an option of `O` fails to compile.
 *
 * ```ts
 * new optim.SGD([{ params: model.base.parameters() }, { params: head, lr: 1e-3, name: 'head' }], { lr: 1e-2, momentum: 0.9 });
 * ```
 */
export type ParamGroupSpec<O> = { params: ParamsSource } & Partial<O> & GroupExtras;

/** What an optimizer constructor accepts: tensors (one group), named parameters (one group), or group specs. */
export type ParamsInput<O> = (Iterable<Tensor> | Iterable<NamedParameter> | Iterable<ParamGroupSpec<O>>) & NotASet;

/**
 * A live parameter group: the optimizer's resolved hyperparameters `H` plus
 * its parameters. `opt.paramGroups[i].lr = 0.1` takes effect on the next step.
 * `paramNames` is there when the parameters were given with names.
 */
export type ParamGroup<H> = H & GroupExtras & {
  params: Tensor[];
  paramNames?: string[];
};

/** Every optimizer's hyperparameters include a learning rate. */
export interface BaseHyper {
  lr: number;
}

/** A value in an optimizer's per-parameter state. */
export type StateValue = Tensor | number | null | readonly Tensor[] | readonly number[];

/**
 * `opt.stateDict()`: PyTorch's layout with kindling's camelCase keys.
 *
 * - `state[i]`: the state of the parameter at position `i` (positions run
 *   across groups, in group order), only for parameters that have state.
 * - `paramGroups[i]`: every hyperparameter of group `i` (and its `name`),
 *   with `params` as positions and `paramNames` when the names are known.
 *
 * PyTorch's own layout (`param_groups`, `weight_decay`, `exp_avg` …) is
 * accepted by `loadStateDict` too (see `fromPyTorchStateDict`).
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  paramGroups: StateDictGroup[];
}

/** One group of a state dict: hyperparameters, extras, positions and (optional) names. */
export interface StateDictGroup {
  params: number[];
  paramNames?: string[];
  name?: string;
  [key: string]: unknown;
}

/** A step hook: called with the optimizer before or after each `step()`. */
export type StepHook<T> = (optimizer: T) => void;

/** Returned by the `register…Hook` methods. */
export interface RemovableHandle {
  /** Unregisters the hook (idempotent). */
  remove(): void;
}

/**
 * Told about each group `addParamGroup` adds (schedulers use it to follow new
 * groups). `check` runs before the group is added and may throw to refuse it
 * (then nothing changes); `added` runs once it is in `paramGroups`.
 */
export interface ParamGroupHook<G> {
  check?(group: G, index: number): void;
  added(group: G, index: number): void;
}

// One `zeroGrad` options type for modules and optimizers (PyTorch's `set_to_none` on both).
export type { ZeroGradOptions } from '../nn/module.js';
