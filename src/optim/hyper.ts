/**
 * Hyperparameter schemas: each optimizer lists its keys with their kind,
 * default and PyTorch's range check. Groups are validated against the schema
 * (kind, range, unknown keys with a did-you-mean, required keys, cross-key
 * rules) and every problem is collected before one error is thrown.
 */
import {
  ArgumentTypeError, checkPrototypeKeys, didYouMean, editDistance, ParamGroupError, PROTOTYPE_KEYS, ValueError, type Problems,
} from '../errors.js';
import { GROUP_EXTRA_KEYS } from './types.js';

/** Marks a hyperparameter without a default (SGD's `lr`). */
export const REQUIRED: unique symbol = Symbol('required');

/** What a hyperparameter's value must be. */
export type HyperKind = 'number' | 'integer' | 'boolean' | 'pair' | { readonly oneOf: readonly (string | null)[] };

/** One hyperparameter of a schema: its kind, its default and PyTorch's range check. */
export interface KeySpec<V> {
  kind: HyperKind;
  default: V | typeof REQUIRED;
  /** PyTorch's constructor check: the reason (`Invalid learning rate: -1`) when `v` is out of range. */
  check?(v: V): string | undefined;
}

/** The hyperparameters of one optimizer, in PyTorch's default-key order. */
export interface HyperSchema<H> {
  readonly optimizer: string;
  readonly keys: { readonly [K in keyof H]-?: KeySpec<H[K]> };
  /** A rule over several keys (SGD: nesterov needs momentum and no dampening). */
  cross?(h: H): string | undefined;
}

/** Formats a value as error messages and `toString()` show it. */
export function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(', ')}]`;
  if (v === undefined) return 'undefined';
  if (v !== null && typeof v === 'object') return `a ${v.constructor?.name ?? 'object'}`;
  return String(v);
}

/** `value ≥ 0` (NaN fails), with PyTorch's message. */
export function nonNegative(what: string): (v: number) => string | undefined {
  return (v) => (v >= 0 ? undefined : `Invalid ${what}: ${fmtValue(v)}`);
}

/** Both betas in [0, 1), with PyTorch's message. */
export function betasCheck(v: readonly [number, number]): string | undefined {
  for (let i = 0; i < 2; i++) {
    if (!(v[i]! >= 0 && v[i]! < 1)) return `Invalid beta parameter at index ${i}: ${fmtValue(v[i])}`;
  }
  return undefined;
}

/** How groups are named in messages: `parameter group 1 ('head')`. */
export function groupLabel(index: number, name?: string): string {
  return name === undefined ? `parameter group ${index}` : `parameter group ${index} ('${name}')`;
}

function kindOk(kind: HyperKind, v: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'pair':
      return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number');
    default:
      return kind.oneOf.includes(v as string | null);
  }
}

function kindName(kind: HyperKind): string {
  switch (kind) {
    case 'number':
      return 'a number';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'pair':
      return 'a pair of numbers [a, b]';
    default:
      return `one of ${kind.oneOf.map(fmtValue).join(', ')}`;
  }
}

/** The keys a group may hold for this schema: hyperparameters, extras and `params`. */
export function validKeys<H>(schema: HyperSchema<H>): string[] {
  return [...Object.keys(schema.keys), ...GROUP_EXTRA_KEYS, 'params'];
}

/**
 * Every hyperparameter of kindling's optimizers (and PyTorch's implementation
 * flags): such a key on a group of an optimizer that lacks it is a mistake
 * (`momentum` given to Adam), never a user key. A test checks that it covers
 * every schema.
 */
export const KNOWN_HYPERPARAMETERS: ReadonlySet<string> = new Set([
  'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'betas', 'eps', 'amsgrad', 'alpha', 'centered',
  'lrDecay', 'initialAccumulatorValue', 'rho', 'momentumDecay', 'decoupledWeightDecay', 'lambd', 't0', 'etas', 'stepSizes',
  'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn',
  'foreach', 'capturable', 'differentiable', 'fused',
]);

/** Spellings of a hyperparameter that other libraries use (Keras, optax, PyTorch's own docs in prose). */
const ALIASES: Readonly<Record<string, string>> = { learningrate: 'lr', learnrate: 'lr', decay: 'weightDecay', wd: 'weightDecay' };

/** `weight_decay` → `weightDecay` (PyTorch's keys to kindling's). */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * How a key that is neither a hyperparameter nor a kindling group key is
 * read: as the user's own key (kept, saved and loaded as given), or, when it
 * looks like a mistake for a known key, as an error with the fix. A key is a
 * mistake when it is a few edits from a hyperparameter or group key of this
 * optimizer, is the snake_case or another library's spelling of one, or is a
 * hyperparameter of another optimizer.
 *
 * Returns `undefined` for a user key, else the hint.
 */
export function mistakeHint<H>(schema: HyperSchema<H>, key: string): string | undefined {
  const hypers = Object.keys(schema.keys);
  const camel = snakeToCamel(key);
  if (camel !== key && (hypers.includes(camel) || (GROUP_EXTRA_KEYS as readonly string[]).includes(camel))) return `did you mean '${camel}'?`;
  const alias = ALIASES[key.replace(/_/g, '').toLowerCase()];
  if (alias !== undefined && hypers.includes(alias)) return `did you mean '${alias}'?`;
  const guess = closeTo(key, [...hypers, ...GROUP_EXTRA_KEYS, 'params']);
  if (guess !== undefined) return `did you mean '${guess}'?`;
  if (KNOWN_HYPERPARAMETERS.has(key) || KNOWN_HYPERPARAMETERS.has(camel)) return `${schema.optimizer} accepts ${hypers.join(', ')}`;
  return undefined;
}

/**
 * The known key `key` is a misspelling of, if any. Stricter than the
 * did-you-mean of messages (which only suggests): here a match refuses the
 * key, so a short key of the user's own (`id`) must not be taken for `lr`.
 */
function closeTo(key: string, known: readonly string[]): string | undefined {
  const lk = key.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = editDistance(lk, k.toLowerCase());
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  return best !== undefined && bestDist <= Math.max(1, Math.floor(Math.max(key.length, best.length) / 4)) ? best : undefined;
}

/** Options of {@link checkValues}. */
export interface CheckOptions {
  /** Keys not to look at (`params`). */
  skip?: readonly string[];
  /** Group keys (`name`, `initialLr` …) and user keys are unknown here (the constructor's options). */
  noExtras?: boolean;
}

/**
 * Checks the kind and range of every key in `values` (skipping `skip`).
 * Keys that are neither hyperparameters nor group keys are the user's own
 * and kept, unless they look like a mistake for a known key
 * ({@link mistakeHint}): those are reported with the fix. The same rule holds
 * for the constructor's groups, `addParamGroup`, live groups before a step,
 * `stateDict()` and `loadStateDict`. `label` names the place in messages
 * (`parameter group 1 ('head')`, `the options`).
 */
export function checkValues<H>(schema: HyperSchema<H>, values: Record<string, unknown>, label: string, problems: Problems, options: CheckOptions = {}): void {
  const where = `in ${label}`;
  const skip = options.skip ?? [];
  const keys = schema.keys as Record<string, KeySpec<unknown>>;
  checkPrototypeKeys(values, where, problems, ParamGroupError);
  for (const [key, v] of Object.entries(values)) {
    if (skip.includes(key) || PROTOTYPE_KEYS.has(key)) continue;
    const spec = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (spec !== undefined) {
      if (v === undefined) continue;
      if (!kindOk(spec.kind, v)) {
        problems.add(ArgumentTypeError, `${key} must be ${kindName(spec.kind)}, got ${fmtValue(v)} ${where}`);
      } else if (spec.check !== undefined) {
        const reason = spec.check(v);
        if (reason !== undefined) problems.add(ValueError, `${reason} ${where}`);
      }
    } else if ((GROUP_EXTRA_KEYS as readonly string[]).includes(key)) {
      if (options.noExtras) {
        problems.add(ParamGroupError, `'${key}' is a key of a parameter group, not an option ${where}`, `put it in a group spec: { params, ${key}: … }`);
        continue;
      }
      const want = key === 'name' ? 'string' : 'number';
      if (v !== undefined && typeof v !== want) problems.add(ArgumentTypeError, `${key} must be a ${want}, got ${fmtValue(v)} ${where}`);
    } else if (key === 'optimizer') {
      problems.add(
        ParamGroupError,
        `unknown key 'optimizer' ${where}: a group cannot choose its optimizer here`,
        'route groups to different optimizers with optim.MultiOptimizer.fromGroups(specs, …)',
      );
    } else if (options.noExtras) {
      // NOTE: the options are the defaults of every group's hyperparameters; user keys belong on a group.
      problems.add(
        ParamGroupError,
        `unknown key '${key}' ${where}`,
        didYouMean(key, Object.keys(keys)) ?? `${schema.optimizer} accepts ${Object.keys(keys).join(', ')}; a key of your own goes on a group: { params, ${key}: … }`,
      );
    } else {
      const hint = mistakeHint(schema, key);
      if (hint !== undefined) problems.add(ParamGroupError, `unknown key '${key}' ${where}`, hint);
    }
  }
}

/**
 * The group's hyperparameters: its own values (already checked), then the
 * defaults for the rest, in the schema's key order; a `REQUIRED` key missing
 * from both is a problem. Runs the cross-key rule on the result.
 */
export function resolve<H>(schema: HyperSchema<H>, own: Record<string, unknown>, defaults: Partial<H>, label: string, problems: Problems): H {
  const out: Record<string, unknown> = {};
  const keys = schema.keys as Record<string, KeySpec<unknown>>;
  const defs = defaults as Record<string, unknown>;
  for (const key of Object.keys(keys)) {
    const v = own[key] !== undefined ? own[key] : defs[key];
    if (v === undefined || v === REQUIRED) {
      problems.add(
        ParamGroupError,
        `${label} didn't specify a value of required optimization parameter ${key}`,
        `give ${key} in the options (the default for every group) or in this group`,
      );
    } else {
      out[key] = Array.isArray(v) ? [...(v as unknown[])] : v;
    }
  }
  const h = out as H;
  if (problems.size === 0 && schema.cross !== undefined) {
    const reason = schema.cross(h);
    if (reason !== undefined) problems.add(ValueError, `${reason} in ${label}`);
  }
  return h;
}

/** The schema's defaults, with `REQUIRED` left out. */
export function schemaDefaults<H>(schema: HyperSchema<H>): Partial<H> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema.keys as Record<string, KeySpec<unknown>>)) {
    if (spec.default !== REQUIRED) out[key] = spec.default;
  }
  return out as Partial<H>;
}
