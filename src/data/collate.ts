/**
 * Turning a list of dataset items into one batch (PyTorch's
 * `default_collate`): tensors are stacked, numbers become a tensor, and
 * tuples and objects are collated field by field.
 */
import { ArgumentTypeError, DataError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { stack } from '../ops/shape.js';

/**
 * The type `defaultCollate` makes of a list of `T`: a tensor for every
 * tensor, number or boolean leaf, with tuples and objects kept as they are.
 */
export type Collated<T> =
  T extends Tensor | number | boolean ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends object ? { [K in keyof T]: Collated<T[K]> }
  : never;

/**
 * Collates `items` into one batch: tensors are stacked along a new first
 * dimension; numbers become an `int32` tensor when every one is an integer
 * and `float32` otherwise; booleans a `bool` tensor; tuples (arrays) and
 * plain objects are collated position by position and key by key.
 *
 * ```ts
 * const batch = kd.data.defaultCollate([[kd.ones([2]), 0], [kd.zeros([2]), 1]]);
 * batch[0].shape; // [2, 2]
 * batch[1].dtype; // 'int32'
 * ```
 */
// NOTE: PyTorch keeps Python's int/float distinction (int64 vs float64
// tensors); JavaScript has one number type, so a batch of integral numbers
// becomes int32 (labels) and anything else float32 (kindling's default).
// Return float targets as tensors when integral values must stay float.
export function defaultCollate<const T>(items: readonly T[]): Collated<T> {
  return collateAt(items, 'batch') as Collated<T>;
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const op = 'defaultCollate';
  if (items.length === 0) throw new DataError('cannot collate an empty batch', { op });
  const first = items[0];
  const mismatch = (kind: string): never => {
    const bad = items.findIndex((x) => !sameKind(x, first));
    throw new DataError(`${where}: item 0 is ${kind} but item ${bad} is ${describe(items[bad])}`, {
      op,
      hint: 'every item of a batch must have the same structure',
    });
  };
  if (first instanceof Tensor) {
    if (!items.every((x) => x instanceof Tensor)) mismatch('a tensor');
    return stack(items as Tensor[], 0);
  }
  if (typeof first === 'number') {
    if (!items.every((x) => typeof x === 'number')) mismatch('a number');
    const nums = items as number[];
    return nums.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)
      ? tensor(Int32Array.from(nums))
      : tensor(Float32Array.from(nums));
  }
  if (typeof first === 'boolean') {
    if (!items.every((x) => typeof x === 'boolean')) mismatch('a boolean');
    return tensor(Uint8Array.from(items as boolean[], (b) => (b ? 1 : 0)));
  }
  if (Array.isArray(first)) {
    if (!items.every((x) => Array.isArray(x) && x.length === first.length)) mismatch(`an array of ${first.length}`);
    return first.map((_, k) => collateAt(items.map((x) => (x as unknown[])[k]), `${where}[${k}]`));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    if (!items.every((x) => isPlainObject(x) && sameKeys(Object.keys(x), keys))) mismatch(`an object with keys ${keys.join(', ')}`);
    return Object.fromEntries(keys.map((k) => [k, collateAt(items.map((x) => (x as Record<string, unknown>)[k]), `${where}.${k}`)]));
  }
  throw new ArgumentTypeError(`${where}: cannot collate ${describe(first)}`, {
    op,
    hint: 'items may hold tensors, numbers, booleans, arrays and plain objects; pass your own collate for anything else',
  });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function sameKeys(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((k) => b.includes(k));
}

function sameKind(x: unknown, y: unknown): boolean {
  if (y instanceof Tensor) return x instanceof Tensor;
  if (Array.isArray(y)) return Array.isArray(x) && x.length === y.length;
  if (isPlainObject(y)) return isPlainObject(x) && sameKeys(Object.keys(x), Object.keys(y));
  return typeof x === typeof y;
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x === null) return 'null';
  if (typeof x === 'object') return isPlainObject(x) ? `an object with keys ${Object.keys(x).join(', ')}` : `a ${x.constructor.name}`;
  return `a ${typeof x}`;
}
