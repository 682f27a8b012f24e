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
