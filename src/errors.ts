/**
 * Errors. Two kinds of failure, two mechanisms (STYLE.md §6):
 * - the user's mistake: a `KindlingError` subclass whose message names the
 *   operation, the values and, where one exists, the fix;
 * - our own bug: `InternalError`, which says so.
 */

export interface ErrorFields {
  /** The operation or object that refused the input, e.g. `'matmul'`. */
  op?: string;
  /** How to fix it, appended to the message. */
  hint?: string;
}

/** Base class of every error caused by the caller's input. */
export class KindlingError extends Error {
  readonly op: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, fields: ErrorFields = {}) {
    const prefix = fields.op === undefined ? '' : `${fields.op}: `;
    const suffix = fields.hint === undefined ? '' : ` (${fields.hint})`;
    super(prefix + message + suffix);
    this.name = new.target.name;
    this.op = fields.op;
    this.hint = fields.hint;
  }
}

/** Shapes that do not fit the operation: `matmul: shapes [32, 3] and [4, 5] cannot be multiplied (3 != 4)`. */
export class ShapeError extends KindlingError {}
/** A dtype the operation does not accept, or two that do not mix. */
export class DTypeError extends KindlingError {}
/** An index outside the valid range (gather, indexSelect, embedding, class labels …). */
export class IndexError extends KindlingError {}
/** A value outside its valid range (a negative learning rate, a probability above 1 …). */
export class ValueError extends KindlingError {}
/** A value of the wrong kind (a Set where an ordered list is needed, a non-tensor …). */
export class ArgumentTypeError extends KindlingError {}
/** Autograd misuse: backward twice, a tensor modified in place after it was saved … */
export class AutogradError extends KindlingError {}
/** Module registration and container misuse. */
export class ModuleError extends KindlingError {}
/** Optimizer parameter groups: duplicates, unknown keys, missing values. */
export class ParamGroupError extends KindlingError {}
/** `loadStateDict` on a module, optimizer or scheduler that does not fit the state. */
export class StateDictError extends KindlingError {}
/** Reading or writing a checkpoint file. */
export class CheckpointError extends KindlingError {}
/** Datasets, data loaders and dataset files (a bad IDX header, a truncated file, an index out of range). */
export class DataError extends KindlingError {}
/** Backend selection and native addon problems. */
export class BackendError extends KindlingError {}

/** A broken invariant inside kindling: never the caller's fault. */
export class InternalError extends Error {
  constructor(message: string) {
    super(`kindling bug: ${message}`);
    this.name = 'InternalError';
  }
}

/** Throws an `InternalError` when `cond` is false. */
export function internalAssert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InternalError(message);
}

/** Formats a shape the way error messages show it: `[32, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The candidate nearest to `word` by edit distance, when it is close enough
 * to be a plausible typo (used for "did you mean …?" hints).
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const lw = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lw, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  return bestDist <= limit ? best : undefined;
}

/** Levenshtein distance between two strings (for did-you-mean suggestions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** A `KindlingError` subclass, as problems record it. */
export type ErrorClass = new (message: string, fields?: ErrorFields) => KindlingError;

/**
 * The validation toolkit's collector: checks add every problem they find and
 * one error is thrown at the end, naming them all (a user fixes a config
 * once, not once per key).
 */
export class Problems {
  private readonly list: { cls: ErrorClass; message: string; hint?: string }[] = [];

  /** Records one problem: its error class, what is wrong and (optionally) the fix. */
  add(cls: ErrorClass, message: string, hint?: string): void {
    this.list.push({ cls, message, hint });
  }

  /** How many problems were recorded. */
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

/** `did you mean 'x'?` for the candidate nearest to `word`, when one is close enough. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const guess = nearest(word, candidates);
  return guess === undefined ? undefined : `did you mean '${guess}'?`;
}

/**
 * Keys that reach an object's prototype when copied by assignment (a JSON
 * `"__proto__"` key becomes the prototype and its values show through) or
 * shadow what every object has. Refused in every user object kindling copies
 * key by key (parameter groups, options, state dicts).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Records a problem for each key of `values` in {@link PROTOTYPE_KEYS}; `where` ends the message (`in parameter group 0`). */
export function checkPrototypeKeys(values: object, where: string, problems: Problems, cls: ErrorClass = ArgumentTypeError): void {
  for (const key of Object.keys(values)) if (PROTOTYPE_KEYS.has(key)) prototypeKeyProblem(key, where, problems, cls);
}

function prototypeKeyProblem(key: string, where: string, problems: Problems, cls: ErrorClass): void {
  problems.add(cls, `'${key}' is not allowed as a key ${where}`, 'it would change or shadow the object\'s prototype; rename or remove the key');
}

/**
 * Sets `obj[key] = value` as an own property even for `'__proto__'` (plain
 * assignment would replace the prototype), so that a copy keeps the key
 * visible to checks instead of hiding it.
 */
export function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Options of {@link checkKeys}. */
export interface KeyCheckOptions {
  /** Error class of an unknown key; `ArgumentTypeError` unless given. */
  cls?: ErrorClass;
  /** What a key is called in the message: `option` unless given. */
  noun?: string;
  /** The fix when no known key is near (default: the list of known keys). */
  otherwise?: (key: string) => string;
  /** A fix of its own for some keys (a PyTorch option kindling does not take), tried before the nearest name. */
  special?: (key: string) => string | undefined;
}

/**
 * The one unknown-key check: records a problem for each key of `values` not
 * in `known` (with the nearest known name as "did you mean"), and for each
 * prototype key. `where`, when given, ends each message (`in the options`).
 */
export function unknownKeys(values: object, known: readonly string[], problems: Problems, options: KeyCheckOptions = {}, where = ''): void {
  const cls = options.cls ?? ArgumentTypeError;
  const noun = options.noun ?? 'option';
  const at = where === '' ? '' : ` ${where}`;
  for (const key of Object.keys(values)) {
    if (PROTOTYPE_KEYS.has(key)) prototypeKeyProblem(key, where === '' ? 'in the options' : where, problems, cls);
    if (PROTOTYPE_KEYS.has(key) || known.includes(key)) continue;
    const hint = options.special?.(key) ?? didYouMean(key, known) ?? options.otherwise?.(key) ?? `valid ${noun}s: ${known.join(', ')}`;
    problems.add(cls, `unknown ${noun} '${key}'${at}`, hint);
  }
}

/**
 * Checks an options object (absent, or a plain object whose keys are all in
 * `known`) and returns it; throws at once naming every unknown key with its
 * did-you-mean. Every options object of the public API goes through here.
 *
 * ```ts
 * checkKeys('conv2d', { strid: 2 }, ['stride', 'padding']); // ArgumentTypeError: conv2d: unknown option 'strid' (did you mean 'stride'?)
 * ```
 */
export function checkKeys(op: string, options: unknown, known: readonly string[], check: KeyCheckOptions = {}): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || options instanceof Map) {
    throw new ArgumentTypeError(`expected an options object { ${known.slice(0, 3).join(', ')}${known.length > 3 ? ', …' : ''} }, got ${describeArg(options)}`, { op });
  }
  const problems = new Problems();
  unknownKeys(options, known, problems, check);
  problems.throwIfAny(op);
  return options as Record<string, unknown>;
}

/**
 * The keys of an options interface as a runtime list that the compiler keeps
 * in step with the interface: every key must be listed, and nothing else.
 *
 * ```ts
 * const REDUCE_KEYS = optionKeys<ReduceOptions>({ keepdim: true });
 * ```
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/** A boolean option (`undefined` gives `def`); anything else is an `ArgumentTypeError` naming `op` and the key. */
export function boolOption(op: string, key: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new ArgumentTypeError(`${key} must be true or false, got ${describeArg(v)}`, { op });
  return v;
}

/** A short description of a value for messages: `a number (2)`, `an array`, `a string ('x')`. */
export function describeArg(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string ('${v}')`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `a ${typeof v} (${String(v)})`;
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    return `${/^[AEIOUaeiou]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  return typeof v;
}

/** Node's `process.emitWarning`, when the runtime has it (looked up at run time: the core runs in browsers too). */
type EmitWarning = (message: string, options: { type: string; code: string }) => void;

/**
 * Emits a warning: on Node as a process warning of type `KindlingWarning`
 * with `code` (so `process.on('warning')` and `--no-warnings` work as for any
 * Node warning), elsewhere on `console.warn`.
 */
export function warn(code: string, message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: EmitWarning } }).process;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, { type: 'KindlingWarning', code });
  else console.warn(`KindlingWarning [${code}]: ${message}`);
}
