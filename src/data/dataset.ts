/**
 * Map-style datasets, as `torch.utils.data`: a `Dataset` has a `length` and
 * `get(i)`; `TensorDataset` pairs tensors along their first dimension;
 * `Subset` and `randomSplit` pick parts of another dataset.
 */
import { ArgumentTypeError, checkKeys, DataError, IndexError, ValueError } from '../errors.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { defaultCollate, type Collated } from './collate.js';

/**
 * What a `DataLoader` reads: anything with a `length` and `get(i)` for
 * `0 <= i < length`. `getBatch(indices)`, when a dataset has it, returns the
 * already collated batch of those items (what `defaultCollate` would make of
 * them) in one step; the loader uses it when no `collate` is given.
 */
export interface DatasetLike<T> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: readonly number[]): Collated<T>;
}

/**
 * The base class of map-style datasets (PyTorch's `Dataset`, with `get(i)`
 * for `__getitem__` and `length` for `__len__`).
 *
 * ```ts
 * class Squares extends kd.data.Dataset<[number, number]> {
 *   get length() { return 10; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 * ```
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  /** The number of items. */
  abstract get length(): number;
  /** The item at `index` (`0 <= index < length`). */
  abstract get(index: number): T;
}

/** Throws an `IndexError` unless `index` is an integer in `[0, length)`. */
export function checkIndex(index: number, length: number, op: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new IndexError(`index ${index} is out of range for a dataset of ${length} items`, { op, hint: `use an integer in [0, ${length})` });
  }
}

/**
 * Tensors paired along their first dimension: item `i` is
 * `[t0[i], t1[i], …]` (PyTorch's `TensorDataset`).
 *
 * ```ts
 * const ds = new kd.data.TensorDataset(kd.randn([100, 3]), kd.randint(0, 2, [100]));
 * const [x, y] = ds.get(0); // x: [3], y: [] (views into the tensors)
 * ```
 */
export class TensorDataset<T extends readonly Tensor[]> extends Dataset<T> {
  readonly tensors: T;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new ValueError('needs at least one tensor', { op: 'TensorDataset' });
    const sizes = tensors.map((t) => (t.ndim === 0 ? 0 : t.shape[0]!));
    if (tensors.some((t) => t.ndim === 0) || sizes.some((n) => n !== sizes[0])) {
      throw new DataError(`tensors must have the same size in their first dimension, got shapes ${tensors.map((t) => `[${t.shape.join(', ')}]`).join(', ')}`, {
        op: 'TensorDataset',
      });
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  get(index: number): T {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, index)) as unknown as T;
  }

  /** The items at `indices`, stacked: one `indexSelect` per tensor. */
  getBatch(indices: readonly number[]): Collated<T> {
    for (const i of indices) checkIndex(i, this.length, 'TensorDataset.getBatch');
    const index = tensor(Int32Array.from(indices));
    return this.tensors.map((t) => t.indexSelect(0, index)) as unknown as Collated<T>;
  }
}

/**
 * The items of `dataset` at `indices`, in that order (PyTorch's `Subset`).
 *
 * ```ts
 * const firstTen = new kd.data.Subset(ds, Array.from({ length: 10 }, (_, i) => i));
 * ```
 */
export class Subset<T> extends Dataset<T> {
  readonly dataset: DatasetLike<T>;
  readonly indices: readonly number[];

  constructor(dataset: DatasetLike<T>, indices: readonly number[]) {
    super();
    if (!Array.isArray(indices) && !ArrayBuffer.isView(indices)) {
      throw new ArgumentTypeError('indices must be an array of integers', { op: 'Subset' });
    }
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
    this.dataset = dataset;
    this.indices = Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex(index, this.length, 'Subset.get');
    return this.dataset.get(this.indices[index]!);
  }

  getBatch(indices: readonly number[]): Collated<T> {
    for (const i of indices) checkIndex(i, this.length, 'Subset.getBatch');
    const inner = indices.map((i) => this.indices[i]!);
    if (this.dataset.getBatch !== undefined) return this.dataset.getBatch(inner);
    return defaultCollate(inner.map((i) => this.dataset.get(i)));
  }
}

/** A random permutation of `0 … n-1` drawn from `generator` (Fisher–Yates). */
export function permutation(n: number, generator: Generator): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(0, i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** Where the permutation comes from (default: the global generator, seeded by `kd.manualSeed`). */
  generator?: Generator;
}

/**
 * Splits `dataset` into non-overlapping random subsets of the given
 * `lengths` (counts that add up to the dataset's length, or fractions that
 * add up to 1; as PyTorch 2.x, the items left over by flooring the fractions
 * go one each to the first subsets).
 *
 * ```ts
 * const [train, val] = kd.data.randomSplit(ds, [0.9, 0.1], { generator: new kd.Generator(42) });
 * ```
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const op = 'randomSplit';
  checkKeys(op, options, ['generator']);
  const n = dataset.length;
  if (lengths.length === 0 || lengths.some((l) => !Number.isFinite(l) || l < 0)) {
    throw new ValueError(`lengths must be non-negative numbers, got [${lengths.join(', ')}]`, { op });
  }
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every((l) => l <= 1) && Math.abs(total - 1) < 1e-9 && total !== n) {
    counts = lengths.map((f) => Math.floor(f * n));
    const left = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < left; i++) counts[i % counts.length]! += 1;
  } else {
    if (lengths.some((l) => !Number.isInteger(l)) || total !== n) {
      throw new ValueError(`lengths [${lengths.join(', ')}] add up to ${total}, but the dataset has ${n} items`, {
        op,
        hint: 'give counts that add up to the dataset length, or fractions that add up to 1',
      });
    }
    counts = [...lengths];
  }
  const perm = permutation(n, options.generator ?? defaultGenerator);
  const out: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.slice(start, start + c)));
    start += c;
  }
  return out;
}
