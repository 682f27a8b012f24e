/**
 * Hyperparameter schemas: each optimizer lists its keys with their kind,
 * default and PyTorch's range check. Groups are validated against the schema
 * (kind, range, unknown keys with a did-you-mean, required keys, cross-key
 * rules) and every problem is collected before one error is thrown.
 */
import {
  ArgumentTypeError, KindlingError, nearest, ParamGroupError, ValueError, type ErrorFields,
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

/** A `KindlingError` subclass, as problems record it. */
export type ErrorClass = new (message: string, fields?: ErrorFields) => KindlingError;

/** Problems found while validating, thrown together as one error. */
export class Problems {
  private readonly list: { cls: ErrorClass; message: string; hint?: string }[] = [];

  add(cls: ErrorClass, message: string, hint?: string): void {
    this.list.push({ cls, message, hint });
  }

  get size(): number {
    return this.list.length;
  }

  /** Throws the first problem's error class (or `as`) with every problem in the message. */
  throwIfAny(op: string, as?: ErrorClass): void {
    if (this.list.length === 0) return;
    const first = this.list[0]!;
    const cls = as ?? first.cls;
    if (this.list.length === 1) throw new cls(first.message, { op, hint: first.hint });
    const all = this.list.map((p, i) => `(${i + 1}) ${p.message}${p.hint === undefined ? '' : ` (${p.hint})`}`);
    throw new cls(`${this.list.length} problems: ${all.join('; ')}`, { op });
  }
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

/** Options of {@link checkValues}. */
export interface CheckOptions {
  /** Keys not to look at (`params`). */
  skip?: readonly string[];
  /** Do not report unknown keys (live groups, where schedulers may add keys). */
  ignoreUnknown?: boolean;
  /** Group-only keys (`name`, `initialLr` …) are unknown here (the constructor's options). */
  noExtras?: boolean;
}

/**
 * Checks the kind and range of every key in `values` (skipping `skip`),
 * reporting unknown keys with the nearest valid one. `label` names the place
 * in messages (`parameter group 1 ('head')`, `the options`).
 */
export function checkValues<H>(schema: HyperSchema<H>, values: Record<string, unknown>, label: string, problems: Problems, options: CheckOptions = {}): void {
  const where = `in ${label}`;
  const skip = options.skip ?? [];
  const keys = schema.keys as Record<string, KeySpec<unknown>>;
  for (const [key, v] of Object.entries(values)) {
    if (skip.includes(key)) continue;
    const spec = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (spec !== undefined) {
      if (v === undefined) continue;
      if (!kindOk(spec.kind, v)) {
        problems.add(ArgumentTypeError, `${key} must be ${kindName(spec.kind)}, got ${fmtValue(v)} ${where}`);
      } else if (spec.check !== undefined) {
        const reason = spec.check(v);
        if (reason !== undefined) problems.add(ValueError, `${reason} ${where}`);
      }
    } else if (!options.noExtras && (GROUP_EXTRA_KEYS as readonly string[]).includes(key)) {
      const want = key === 'name' ? 'string' : 'number';
      if (v !== undefined && typeof v !== want) problems.add(ArgumentTypeError, `${key} must be a ${want}, got ${fmtValue(v)} ${where}`);
    } else if (!options.ignoreUnknown) {
      if (options.noExtras && (GROUP_EXTRA_KEYS as readonly string[]).includes(key)) {
        problems.add(ParamGroupError, `'${key}' is a key of a parameter group, not an option ${where}`, `put it in a group spec: { params, ${key}: … }`);
        continue;
      }
      if (key === 'optimizer') {
        problems.add(
          ParamGroupError,
          `unknown key 'optimizer' ${where}: a group cannot choose its optimizer here`,
          'route groups to different optimizers with optim.MultiOptimizer.fromGroups(specs, …)',
        );
        continue;
      }
      // NOTE: suggestions come from the hyperparameters (and name/params), not the scheduler keys:
      // 'momentum' given to Adam should not be answered with 'maxMomentum'.
      const guess = nearest(key, options.noExtras ? Object.keys(keys) : [...Object.keys(keys), 'name', 'params']);
      problems.add(
        ParamGroupError,
        `unknown key '${key}' ${where}`,
        guess !== undefined ? `did you mean '${guess}'?` : `${schema.optimizer} accepts ${Object.keys(keys).join(', ')}`,
      );
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
