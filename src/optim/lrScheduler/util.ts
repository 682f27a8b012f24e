/**
 * Machinery the schedulers share: option checks, per-group values, which
 * groups a scheduler drives (including groups added later), warnings, and
 * saving/loading state.
 */
import { ArgumentTypeError, checkKeys, didYouMean, ParamGroupError, PROTOTYPE_KEYS, StateDictError, ValueError } from '../../errors.js';
import { fmtValue, groupLabel } from '../hyper.js';
import type { RemovableHandle } from '../types.js';
import type { GroupSelector, PerGroup, SchedulableGroup, SchedulableOptimizer, SchedulerStateDict } from './types.js';

export { fmtValue, groupLabel };

/** Emits a warning the way kindling does (on `console.warn`, prefixed with the object). */
export function warn(op: string, message: string): void {
  console.warn(`${op}: ${message}`);
}

/** Checks the optimizer is optimizer-like (has `paramGroups`). */
export function checkOptimizer(op: string, optimizer: unknown): SchedulableOptimizer {
  const groups = (optimizer as { paramGroups?: unknown } | null | undefined)?.paramGroups;
  if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray(groups)) {
    const typeName = optimizer === null ? 'null' : typeof optimizer === 'object' ? (optimizer.constructor?.name ?? 'Object') : typeof optimizer;
    throw new ArgumentTypeError(`${typeName} is not an Optimizer`, {
      op,
      hint: `pass the optimizer first: new optim.lrScheduler.${op}(optimizer, { … })`,
    });
  }
  return optimizer as SchedulableOptimizer;
}

/**
 * Each scheduler's options in PyTorch's positional order after the
 * optimizer (its signature, camelCased), for the hint when a call passes
 * them positionally as in Python.
 */
export const POSITIONAL: Readonly<Record<string, readonly string[]>> = {
  LambdaLR: ['lrLambda', 'lastEpoch'],
  MultiplicativeLR: ['lrLambda', 'lastEpoch'],
  StepLR: ['stepSize', 'gamma', 'lastEpoch'],
  MultiStepLR: ['milestones', 'gamma', 'lastEpoch'],
  ConstantLR: ['factor', 'totalIters', 'lastEpoch'],
  LinearLR: ['startFactor', 'endFactor', 'totalIters', 'lastEpoch'],
  ExponentialLR: ['gamma', 'lastEpoch'],
  PolynomialLR: ['totalIters', 'power', 'lastEpoch'],
  CosineAnnealingLR: ['tMax', 'etaMin', 'lastEpoch'],
  CosineAnnealingWarmRestarts: ['t0', 'tMult', 'etaMin', 'lastEpoch'],
  CyclicLR: [
    'baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', 'baseMomentum', 'maxMomentum',
    'lastEpoch',
  ],
  OneCycleLR: [
    'maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor',
    'finalDivFactor', 'threePhase', 'lastEpoch',
  ],
  ReduceLROnPlateau: ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
  SequentialLR: ['schedulers', 'milestones', 'lastEpoch'],
  SWALR: ['swaLr', 'annealEpochs', 'annealStrategy', 'lastEpoch'],
};

/** A value as it would be written in TypeScript source, for hints. */
function sourceText(v: unknown): string {
  if (typeof v === 'function') return '(…) => …';
  if (Array.isArray(v)) return `[${v.map(sourceText).join(', ')}]`;
  return fmtValue(v);
}

/**
 * What to write instead of a positional call (PyTorch style): the values
 * given after the optimizer, named by the scheduler's own options
 * (`{ stepSize: 30, gamma: 0.1 }`), or its first options when unknown.
 */
function positionalHint(op: string, given: readonly unknown[]): string {
  const names = POSITIONAL[op] ?? [];
  const pairs = given.length > 0 && given.length <= names.length
    ? given.map((v, i) => `${names[i]!}: ${sourceText(v)}`)
    : names.slice(0, 1).map((n) => `${n}: …`);
  return `options are named, not positional: new optim.lrScheduler.${op}(optimizer, { ${pairs.join(', ')} })`;
}

/**
 * Checks `options` is an object whose keys are all in `known`; an unknown
 * key (a typo in a JSON config) names the nearest valid one. `positional`
 * (what a constructor got after the options) lets a PyTorch-style
 * positional call get a hint that names every value it passed.
 */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[], positional: readonly unknown[] = []): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    const given = options === null ? [] : [options, ...positional];
    throw new ArgumentTypeError(`options must be an object, got ${fmtValue(options)}`, { op, hint: positionalHint(op, given) });
  }
  return checkKeys(op, options, known, {
    // NOTE: PyTorch's `verbose` (deprecated there since 2.2) is left out on purpose.
    special: (key) => (key === 'verbose' ? "PyTorch's verbose printing is not supported; log sched.getLastLr() after each step" : undefined),
    otherwise: () => `${op} accepts ${known.join(', ')}`,
  });
}

/** A number option (finite unless `allowInfinite`); `undefined` takes `def`. */
export function numberOption(op: string, key: string, v: unknown, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ArgumentTypeError(`${key} must be a number, got ${fmtValue(v)}`, { op });
  }
  return v;
}

/** An integer option at least `min`; `undefined` takes `def`. */
export function intOption(op: string, key: string, v: unknown, min: number, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    const want = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new ValueError(`${key} must be ${want}, got ${fmtValue(v)}`, { op });
  }
  return v;
}

/** A boolean option; `undefined` takes `def`. */
export function boolOption(op: string, key: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new ArgumentTypeError(`${key} must be true or false, got ${fmtValue(v)}`, { op });
  return v;
}

/** One of `choices`; `undefined` takes `def`. */
export function choiceOption<C extends string>(op: string, key: string, v: unknown, choices: readonly C[], def: C): C {
  if (v === undefined) return def;
  if (!choices.includes(v as C)) {
    throw new ValueError(`${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${fmtValue(v)}`, { op });
  }
  return v as C;
}

/** The group's `lrMult`, or 1. */
export function lrMultOf(group: SchedulableGroup): number {
  return typeof group.lrMult === 'number' ? group.lrMult : 1;
}

/**
 * A numeric option given once, per group (array) or as a function of the
 * group. A single value of an absolute lr is multiplied by the group's
 * `lrMult` when `scale` is set.
 */
export class PerGroupNumber {
  constructor(
    private readonly op: string,
    private readonly key: string,
    private readonly spec: PerGroup<number> | undefined,
    private readonly scale: boolean,
  ) {
    if (typeof spec === 'function') return;
    const values = Array.isArray(spec) ? (spec as readonly unknown[]) : [spec];
    for (const v of values) {
      if (typeof v !== 'number' || Number.isNaN(v)) {
        throw new ArgumentTypeError(
          `${key} must be a number, an array with one number per group, or a function (group, index) => number, got ${fmtValue(spec)}`,
          { op },
        );
      }
    }
  }

  /** Whether the value was given per group as an array. */
  get isArray(): boolean {
    return Array.isArray(this.spec);
  }

  /** Checks an array has one value per driven group (`n` of them). */
  checkCount(n: number): void {
    const spec = this.spec;
    if (Array.isArray(spec) && spec.length !== n) {
      throw new ValueError(`expected ${n} values for ${this.key} (one per group it drives), got ${spec.length}`, { op: this.op });
    }
  }

  /** The value for `group` (at `index` in `paramGroups`, `position` among the driven groups). */
  value(group: SchedulableGroup, index: number, position: number): number {
    const spec = this.spec;
    if (typeof spec === 'function') {
      const v: unknown = (spec as (g: SchedulableGroup, i: number) => number)(group, index);
      if (typeof v !== 'number' || Number.isNaN(v)) {
        throw new ArgumentTypeError(`${this.key}(group, index) returned ${fmtValue(v)} for ${groupLabel(index, group.name)}; it must return a number`, { op: this.op });
      }
      return v;
    }
    if (Array.isArray(spec)) {
      if (position >= spec.length) {
        throw new ParamGroupError(
          `${this.key} was given as an array of ${spec.length} values (one per group), which has no value for ${groupLabel(index, group.name)}, added later`,
          {
            op: this.op,
            hint: `give ${this.key} as one number or as a function (group, index) => number so groups added later get a value, or leave the group out with the groups option`,
          },
        );
      }
      return spec[position] as number;
    }
    // NOTE: kindling extension (issue 6): one absolute lr is a value for the base
    // rate, so each group gets it times its lrMult and the groups' ratios survive.
    return this.scale ? (spec as number) * lrMultOf(group) : (spec as number);
  }
}

/** Prepares a group for a scheduler (may throw, changes nothing) and returns what commits it. */
export type GroupAdopter = (group: SchedulableGroup, index: number, position: number, late: boolean) => () => void;

/**
 * Which of the optimizer's groups a scheduler drives, and the adoption of
 * groups added after the scheduler was made: through the optimizer's
 * `registerParamGroupHook` at the moment they are added (the scheduler may
 * refuse a group there, before anything changes), or at the scheduler's next
 * step for optimizers without that hook.
 */
export class GroupTracker {
  /** Indices in `paramGroups` of the driven groups, in order. */
  readonly indices: number[] = [];
  /** How many of the optimizer's groups have been looked at. */
  seen = 0;
  private readonly fixed: ReadonlySet<number> | undefined;
  private readonly predicate: ((group: SchedulableGroup, index: number) => boolean) | undefined;
  private handle: RemovableHandle | undefined;
  private pending: { index: number; group: SchedulableGroup; commit: () => void } | undefined;
  adopter: GroupAdopter = () => () => {};

  constructor(readonly op: string, readonly optimizer: SchedulableOptimizer, selector: GroupSelector | undefined) {
    if (typeof selector === 'function') {
      this.predicate = selector;
    } else if (selector !== undefined) {
      this.fixed = resolveSelector(op, optimizer.paramGroups, selector);
    }
  }

  /** How many of the groups not yet seen the scheduler will drive. */
  countNew(): number {
    const all = this.optimizer.paramGroups;
    let n = 0;
    for (let i = this.seen; i < all.length; i++) if (this.selects(all[i]!, i)) n++;
    return n;
  }

  /** Whether the scheduler drives the group at `index`. */
  selects(group: SchedulableGroup, index: number): boolean {
    if (this.fixed !== undefined) return this.fixed.has(index);
    if (this.predicate !== undefined) return this.predicate(group, index) === true;
    return true;
  }

  /** The driven groups, in order. */
  groups(): SchedulableGroup[] {
    const all = this.optimizer.paramGroups;
    return this.indices.map((i) => all[i]!);
  }

  /**
   * Adopts the driven groups among those not yet seen: prepares all (any
   * error leaves everything as it was), then commits them in order.
   */
  sync(late: boolean): number {
    const all = this.optimizer.paramGroups;
    if (all.length < this.seen) {
      throw new ParamGroupError(`the optimizer has ${all.length} groups but the scheduler was driving ${this.seen}; groups cannot be removed`, {
        op: this.op,
        hint: 'make a new scheduler for the new set of groups',
      });
    }
    const entries: { group: SchedulableGroup; index: number }[] = [];
    for (let i = this.seen; i < all.length; i++) if (this.selects(all[i]!, i)) entries.push({ group: all[i]!, index: i });
    const commits = entries.map((e, j) => this.adopter(e.group, e.index, this.indices.length + j, late));
    entries.forEach((e, j) => {
      this.indices.push(e.index);
      commits[j]!();
    });
    this.seen = all.length;
    return entries.length;
  }

  /** Starts following `addParamGroup` (when the optimizer offers the hook). */
  listen(): void {
    if (this.handle !== undefined || typeof this.optimizer.registerParamGroupHook !== 'function') return;
    this.handle = this.optimizer.registerParamGroupHook({
      check: (group, index) => this.check(group, index),
      added: (group, index) => this.added(group, index),
    });
  }

  /** Stops following `addParamGroup` (SequentialLR forwards to its active child instead). */
  unlisten(): void {
    this.handle?.remove();
    this.handle = undefined;
  }

  /** Before `addParamGroup` adds a group: prepares it (throwing refuses the group). */
  check(group: SchedulableGroup, index: number): void {
    this.pending = undefined;
    // Groups added without the hook since the last step come first.
    if (index !== this.seen || !this.selects(group, index)) return;
    this.pending = { index, group, commit: this.adopter(group, index, this.indices.length, true) };
  }

  /** After `addParamGroup` added a group: schedules it from now on. */
  added(group: SchedulableGroup, index: number): void {
    const p = this.pending;
    this.pending = undefined;
    if (index !== this.seen) {
      this.sync(true);
      return;
    }
    if (p !== undefined && p.index === index && p.group === group) {
      this.indices.push(index);
      this.seen = index + 1;
      p.commit();
    } else {
      this.sync(true);
    }
  }
}

function resolveSelector(op: string, groups: readonly SchedulableGroup[], selector: number | string | readonly (number | string)[]): Set<number> {
  const list: readonly unknown[] = Array.isArray(selector) ? selector : [selector];
  if (list.length === 0) throw new ValueError('groups selects no group (an empty list)', { op, hint: 'leave groups out to drive every group' });
  const out = new Set<number>();
  const names = groups.map((g) => g.name).filter((n): n is string => typeof n === 'string');
  for (const s of list) {
    if (typeof s === 'number') {
      if (!Number.isInteger(s) || s < 0 || s >= groups.length) {
        throw new ParamGroupError(`groups: there is no parameter group ${s} (the optimizer has ${groups.length})`, {
          op,
          hint: `use an index from 0 to ${groups.length - 1} or a group name`,
        });
      }
      out.add(s);
    } else if (typeof s === 'string') {
      let found = false;
      groups.forEach((g, i) => {
        if (g.name === s) {
          out.add(i);
          found = true;
        }
      });
      if (!found) {
        throw new ParamGroupError(`groups: no parameter group is named '${s}'`, {
          op,
          hint: didYouMean(s, names) ?? (names.length > 0 ? `the groups are named ${names.map((n) => `'${n}'`).join(', ')}` : 'no group has a name; select groups by index'),
        });
      }
    } else {
      throw new ArgumentTypeError(`groups must hold group indices or names, got ${fmtValue(s)}`, { op });
    }
  }
  return out;
}

// ---- state dicts -----------------------------------------------------------------------------

/** How a saved field is checked: `perGroup` arrays have one number per driven group. */
export type FieldKind =
  | 'number' | 'int' | 'boolean' | 'string' | 'numbers' | 'ints' | 'perGroup' | 'numberOrNull' | 'objects' | 'callables' | 'callable';

/**
 * A callable that carries state: a function, or an object whose `call`
 * method is the function (PyTorch's callable object, a class with
 * `__call__`). Its own enumerable data fields are its saved state.
 */
export type CallableLike<F extends (...args: never[]) => unknown> = F | { call: F };

/** Calls a {@link CallableLike} (an object's `call` runs as its method, so `this` is the object). */
export function invoke<A extends unknown[], R>(fn: CallableLike<(...args: A) => R>, ...args: A): R {
  return typeof fn === 'function' ? fn(...args) : fn.call(...args);
}

/** Whether `v` is a function or an object with a `call` method. */
export function isCallableLike(v: unknown): boolean {
  return typeof v === 'function' || (v !== null && typeof v === 'object' && typeof (v as { call?: unknown }).call === 'function');
}

/**
 * The state of a callable as PyTorch saves it (`__dict__` of a callable
 * object; `None` for a plain function): a copy of its own enumerable
 * non-function fields. A function without such fields (a plain closure)
 * gives null.
 */
export function callableState(fn: unknown): Record<string, unknown> | null {
  if (fn === undefined || fn === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fn as object)) {
    if (typeof v === 'function') continue;
    out[k] = Array.isArray(v) ? [...(v as unknown[])] : v !== null && typeof v === 'object' ? { ...(v as object) } : v;
  }
  return typeof fn === 'function' && Object.keys(out).length === 0 ? null : out;
}

/** Puts saved fields back on a live callable (PyTorch's `__dict__.update`). */
export function restoreCallable(fn: unknown, state: unknown): void {
  if (state === null || state === undefined || fn === null || fn === undefined) return;
  Object.assign(fn as object, state);
}

const isState = (x: unknown): boolean => x === null || (typeof x === 'object' && !Array.isArray(x));

function fieldOk(kind: FieldKind, v: unknown, groups: number): boolean {
  const isNum = (x: unknown): boolean => typeof x === 'number';
  switch (kind) {
    case 'number':
      return isNum(v);
    case 'numberOrNull':
      return v === null || isNum(v);
    case 'int':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'numbers':
      return Array.isArray(v) && v.every(isNum);
    case 'ints':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x));
    case 'perGroup':
      return Array.isArray(v) && v.length === groups && v.every(isNum);
    case 'callables':
      return Array.isArray(v) && v.length === groups && v.every(isState);
    case 'callable':
      return isState(v);
    case 'objects':
      return Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object');
  }
}

const KIND_TEXT: Record<FieldKind, string> = {
  number: 'a number',
  numberOrNull: 'a number or null',
  int: 'an integer',
  boolean: 'a boolean',
  string: 'a string',
  numbers: 'an array of numbers',
  ints: 'an array of integers',
  perGroup: 'an array with one number per group',
  callables: 'an array with one null or object per group',
  callable: 'null or an object',
  objects: 'an array of state dicts',
};

/** Copies the fields of `obj` named in `fields` into a plain object (arrays copied). */
export function saveFields(obj: object, fields: Readonly<Record<string, FieldKind>>): SchedulerStateDict {
  const src = obj as Record<string, unknown>;
  const out: SchedulerStateDict = {};
  for (const [key, kind] of Object.entries(fields)) {
    const v = src[key];
    // NOTE: functions (lrLambda …) are not saved, only the fields of callable objects (null for a plain closure), as in PyTorch.
    if (kind === 'callables') out[key] = (v as unknown[]).map(callableState);
    else if (kind === 'callable') out[key] = callableState(v);
    else out[key] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return out;
}

/**
 * Checks `state` has exactly the fields in `fields`, each of its kind
 * (`perGroup` arrays as long as `state.groupIndices`), and returns it. Throws
 * `StateDictError` naming every problem; nothing is assigned here.
 */
export function checkFields(op: string, state: unknown, fields: Readonly<Record<string, FieldKind>>): Record<string, unknown> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new StateDictError(`expected a state dict object from ${op}.stateDict(), got ${fmtValue(state)}`, { op: `${op}.loadStateDict` });
  }
  const sd = state as Record<string, unknown>;
  const problems: string[] = [];
  const known = Object.keys(fields);
  for (const key of Object.keys(sd)) {
    if (!known.includes(key)) {
      const hint = didYouMean(key, known);
      problems.push(`unexpected key '${key}'${hint !== undefined ? ` (${hint})` : ''}`);
    }
  }
  const groups = Array.isArray(sd['groupIndices']) ? sd['groupIndices'].length : -1;
  for (const [key, kind] of Object.entries(fields)) {
    if (!Object.hasOwn(sd, key)) problems.push(`missing key '${key}'`);
    else if (!fieldOk(kind, sd[key], groups)) problems.push(`'${key}' must be ${KIND_TEXT[kind]}${kind === 'perGroup' || kind === 'callables' ? ` (${groups})` : ''}, got ${fmtValue(sd[key])}`);
    else if (kind === 'callable' || kind === 'callables') {
      // The saved fields are assigned onto the live callables: a '__proto__' key would replace their prototype.
      for (const c of kind === 'callable' ? [sd[key]] : (sd[key] as unknown[])) {
        for (const k of c === null ? [] : Object.keys(c as object)) if (PROTOTYPE_KEYS.has(k)) problems.push(`'${key}' holds the key '${k}', which is not allowed (it would replace the callable's prototype)`);
      }
    }
  }
  if (problems.length > 0) {
    throw new StateDictError(`the state dict does not fit: ${problems.join('; ')}`, {
      op: `${op}.loadStateDict`,
      hint: 'load a state saved by the same kind of scheduler',
    });
  }
  return sd;
}

/** Assigns checked fields onto `obj` (arrays copied; callables keep the live functions and get their saved fields back). */
export function assignFields(obj: object, sd: Record<string, unknown>, fields: Readonly<Record<string, FieldKind>>): void {
  const dst = obj as Record<string, unknown>;
  for (const [key, kind] of Object.entries(fields)) {
    const v = sd[key];
    if (kind === 'callables') {
      (v as unknown[]).forEach((state, i) => restoreCallable((dst[key] as unknown[])[i], state));
      continue;
    }
    if (kind === 'callable') {
      restoreCallable(dst[key], v);
      continue;
    }
    dst[key] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
}
