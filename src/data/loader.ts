/**
 * `DataLoader`: batches of a dataset, in order or reshuffled each epoch
 * from a generator, iterable with `for…of` and `for await`.
 */
import { ArgumentTypeError, checkKeys, DataError, ValueError } from '../errors.js';
import { defaultGenerator, Generator as RandomGenerator } from '../tensor/random.js';
import { defaultCollate, type Collated } from './collate.js';
import { permutation, type DatasetLike } from './dataset.js';

/** Options of `DataLoader` (PyTorch's keyword arguments, in camelCase). */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the items at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * Where the shuffles come from (default: the global generator, seeded by
   * `kd.manualSeed`). Give the loader its own generator to make its order
   * independent of other random draws, and to resume it (`loadStateDict`).
   */
  generator?: RandomGenerator;
  /** Turns a list of items into a batch (default `defaultCollate`). */
  collate?: (items: T[]) => B;
}

/**
 * Where a loader is in its epoch, for checkpoints: the generator's state at
 * the start of the epoch (so the same order is drawn again) and the number
 * of batches already handed out.
 */
export interface DataLoaderState {
  generatorState: number[] | null;
  batchesYielded: number;
}

/**
 * Iterates over a dataset in batches (PyTorch's `DataLoader`, map-style,
 * single process).
 *
 * Each `for…of` is one epoch. With `shuffle`, every epoch draws a new order
 * from the loader's generator, so a seeded generator gives the same
 * sequence of epochs on every run.
 *
 * ```ts
 * const ds = new kd.data.TensorDataset(kd.randn([100, 3]), kd.randint(0, 2, [100]));
 * const loader = new kd.data.DataLoader(ds, { batchSize: 32, shuffle: true, generator: new kd.Generator(0) });
 * for (const [x, y] of loader) {
 *   // x: [32, 3], y: [32] (the last batch has 4)
 * }
 * loader.length; // 4 batches
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetLike<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: RandomGenerator;
  private readonly collate: ((items: T[]) => B) | null;
  private current: { start: number[] | null; yielded: number } | null = null;
  private resumeFrom: DataLoaderState | null = null;

  constructor(dataset: DatasetLike<T>, options: DataLoaderOptions<T, B> = {}) {
    const op = 'DataLoader';
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length)) {
      throw new ArgumentTypeError('the dataset must have an integer `length` and a `get(index)` method', { op });
    }
    checkKeys(op, options, ['batchSize', 'shuffle', 'dropLast', 'generator', 'collate']);
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValueError(`batchSize must be a positive integer, got ${batchSize}`, { op });
    }
    if (options.generator !== undefined && !(options.generator instanceof RandomGenerator)) {
      throw new ArgumentTypeError('generator must be a kd.Generator', { op, hint: 'new kd.Generator(seed)' });
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator ?? defaultGenerator;
    this.collate = options.collate ?? null;
  }

  /** The number of batches in one epoch (PyTorch's `len(loader)`). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches. */
  *[Symbol.iterator](): Generator<B, void, undefined> {
    const resume = this.resumeFrom;
    this.resumeFrom = null;
    let start: number[] | null = null;
    if (this.shuffle) {
      if (resume?.generatorState) this.generator.setState(resume.generatorState);
      start = this.generator.getState();
    }
    const n = this.dataset.length;
    const order = this.shuffle ? permutation(n, this.generator) : null;
    const skip = resume?.batchesYielded ?? 0;
    const state = { start, yielded: skip };
    this.current = state;
    try {
      for (let b = skip; b < this.length; b++) {
        const from = b * this.batchSize;
        const count = Math.min(this.batchSize, n - from);
        const indices = Array.from({ length: count }, (_, k) => (order === null ? from + k : order[from + k]!));
        const batch = this.fetch(indices);
        state.yielded = b + 1;
        yield batch;
      }
    } finally {
      if (this.current === state && state.yielded >= this.length) this.current = null;
    }
  }

  /** One epoch of batches, for `for await` (the batches are made synchronously). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    yield* this[Symbol.iterator]();
  }

  /**
   * Where the loader is: inside an epoch, the generator's state at its start
   * and how many batches it handed out; between epochs, the generator's
   * state now. `loadStateDict` makes the next iteration continue from there.
   */
  stateDict(): DataLoaderState {
    if (this.current !== null) return { generatorState: this.current.start, batchesYielded: this.current.yielded };
    return { generatorState: this.shuffle ? this.generator.getState() : null, batchesYielded: 0 };
  }

  /**
   * Makes the next iteration continue where `stateDict()` was taken: the
   * same order, less the batches already handed out. Restores the
   * generator's state (so give the loader its own generator).
   */
  loadStateDict(state: DataLoaderState): void {
    const op = 'DataLoader.loadStateDict';
    if (state === null || typeof state !== 'object' || !Number.isInteger(state.batchesYielded) || state.batchesYielded < 0 || state.batchesYielded > this.length) {
      throw new ValueError(`batchesYielded must be an integer in [0, ${this.length}], got ${String(state?.batchesYielded)}`, { op });
    }
    const gs = state.generatorState;
    if (this.shuffle && (!Array.isArray(gs) || gs.length !== 5 || gs.some((v) => !Number.isInteger(v)))) {
      throw new ValueError('a shuffling loader needs generatorState (5 integers from Generator.getState())', { op });
    }
    this.resumeFrom = { generatorState: gs === null ? null : [...gs], batchesYielded: state.batchesYielded };
    this.current = null;
  }

  private fetch(indices: number[]): B {
    if (this.collate !== null) return this.collate(indices.map((i) => this.dataset.get(i)));
    if (this.dataset.getBatch !== undefined) return this.dataset.getBatch(indices) as unknown as B;
    const items = indices.map((i) => this.dataset.get(i));
    if (items.length === 0) throw new DataError('empty batch', { op: 'DataLoader' });
    return defaultCollate(items) as unknown as B;
  }
}
