/**
 * `Module.stateDict()` / `loadStateDict()`: PyTorch's keys, PyTorch's order,
 * and every problem reported at once before anything is copied.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { ArgumentTypeError, fmtShape, nearest, StateDictError } from '../errors.js';
import { layoutProblem, Tensor } from '../tensor/tensor.js';
import type { Module } from './module.js';
import { describeValue } from './parameter.js';
import { className, stateOf } from './registry.js';

/**
 * Parameters and persistent buffers by dotted name (`'base.0.weight'`), in
 * PyTorch's key order: per module its own parameters, then its buffers, then
 * each child's entries.
 *
 * NOTE: a JavaScript object lists integer-like keys (`'0'`, `'1'`) before
 * the others whatever the insertion order. Keys made by a module tree always
 * contain a dot, except the own entries of a root `ParameterList`/`ParameterDict`,
 * where the order can then differ from PyTorch's; loading matches by key, so
 * this only shows when the keys are listed.
 */
export type StateDict = Record<string, Tensor>;

export interface StateDictOptions {
  /** Prepended to every key (`'model.'` gives `model.fc1.weight`); include the dot. */
  prefix?: string;
  /** Return the parameters themselves instead of detached tensors sharing their memory. */
  keepVars?: boolean;
}

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true); with false they are returned. */
  strict?: boolean;
}

/** What `loadStateDict` did not match (both empty after a strict load). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export interface SizeMismatch {
  key: string;
  /** The shape in the state dict. */
  got: number[];
  /** The shape in the model. */
  expected: number[];
}

/**
 * Thrown by `Module.loadStateDict` with every problem found, as fields and in
 * the message (PyTorch's wording, with "did you mean" for misspelt keys).
 *
 * ```ts
 * try {
 *   model.loadStateDict(sd);
 * } catch (e) {
 *   if (e instanceof nn.IncompatibleStateDictError) console.log(e.missingKeys, e.unexpectedKeys, e.sizeMismatches);
 * }
 * ```
 */
export class IncompatibleStateDictError extends StateDictError {
  constructor(
    message: string,
    op: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly sizeMismatches: SizeMismatch[],
    readonly invalidKeys: string[],
  ) {
    super(message, { op });
  }
}

/** Collects the state of `m` and its submodules (not deduplicated, as in PyTorch). */
export function stateDictOf(m: Module, options: StateDictOptions): StateDict {
  const out: StateDict = {};
  const keepVars = options.keepVars ?? false;
  const visit = (mod: Module, prefix: string): void => {
    const st = stateOf(mod);
    for (const [name, p] of st.params) if (p !== null) out[prefix + name] = keepVars ? p : p.detach();
    for (const [name, b] of st.buffers) {
      if (b !== null && !st.nonPersistent.has(name)) out[prefix + name] = keepVars ? b : b.detach();
    }
    for (const [name, child] of st.modules) if (child !== null) visit(child, `${prefix}${name}.`);
  };
  visit(m, options.prefix ?? '');
  return out;
}

function entriesOf(sd: unknown, op: string): [string, unknown][] {
  if (sd instanceof Map) return [...(sd as Map<unknown, unknown>)].map(([k, v]) => [String(k), v]);
  if (typeof sd === 'object' && sd !== null && !Array.isArray(sd) && !(sd instanceof Tensor)) return Object.entries(sd);
  throw new ArgumentTypeError(`expected stateDict to be a Record<string, Tensor> or a Map, got ${describeValue(sd)}`, {
    op,
    hint: 'pass what model.stateDict() returns',
  });
}

/** Validates everything first, then copies; see `Module.loadStateDict`. */
export function loadStateDictInto(m: Module, sd: unknown, options: LoadStateDictOptions): LoadStateDictResult {
  const op = `${className(m)}.loadStateDict`;
  const strict = options.strict ?? true;
  const given = new Map(entriesOf(sd, op));
  const own = stateDictOf(m, { keepVars: true });
  const missingKeys: string[] = [];
  const sizeMismatches: SizeMismatch[] = [];
  const invalidKeys: string[] = [];
  const unreadableKeys: [string, string][] = [];
  const copies: [Tensor, Tensor][] = [];
  for (const [key, target] of Object.entries(own)) {
    if (!given.has(key)) {
      missingKeys.push(key);
      continue;
    }
    const value = given.get(key);
    if (!(value instanceof Tensor)) {
      invalidKeys.push(key);
      continue;
    }
    if (value.shape.length !== target.shape.length || value.shape.some((d, i) => d !== target.shape[i])) {
      sizeMismatches.push({ key, got: [...value.shape], expected: [...target.shape] });
      continue;
    }
    // A value that cannot be read (a detached buffer, a storage shorter than its shape) is refused here,
    // before anything is written: a failure half-way would leave the module partly loaded.
    const unreadable = layoutProblem(value.storage.data, value.shape, value.strides, value.offset, value.dtype);
    if (unreadable !== undefined) {
      unreadableKeys.push([key, unreadable]);
      continue;
    }
    copies.push([target, value]);
  }
  const unexpectedKeys = [...given.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(own, k));
  const problems: string[] = [];
  if (strict && unexpectedKeys.length > 0) {
    const shown = unexpectedKeys.map((k) => {
      const guess = nearest(k, missingKeys);
      return guess === undefined ? `"${k}"` : `"${k}" (did you mean "${guess}"?)`;
    });
    problems.push(`Unexpected key(s) in stateDict: ${shown.join(', ')}.`);
  }
  if (strict && missingKeys.length > 0) problems.unshift(`Missing key(s) in stateDict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
  for (const s of sizeMismatches) {
    problems.push(`size mismatch for ${s.key}: copying a param with shape ${fmtShape(s.got)} from checkpoint, the shape in current model is ${fmtShape(s.expected)}.`);
  }
  for (const k of invalidKeys) problems.push(`value for ${k} is ${describeValue(given.get(k))}, expected a Tensor.`);
  for (const [k, why] of unreadableKeys) problems.push(`value for ${k} cannot be read: ${why}.`);
  if (problems.length > 0) {
    throw new IncompatibleStateDictError(
      `Error(s) in loading stateDict for ${className(m)}:\n\t${problems.join('\n\t')}`,
      op,
      missingKeys,
      unexpectedKeys,
      sizeMismatches,
      [...invalidKeys, ...unreadableKeys.map(([k]) => k)],
    );
  }
  noGrad(() => {
    for (const [target, value] of copies) target.copy_(value);
  });
  return { missingKeys, unexpectedKeys };
}
