/**
 * kd.data's datasets and DataLoader: batching, dropLast, reshuffles drawn
 * from the generator (reproducible, different each epoch), for await, the
 * collate rules, resuming mid-epoch, and the error table.
 */
import { describe, expect, it } from 'vitest';
import * as kd from '../../src/node.js';
import { ArgumentTypeError, DataError, IndexError, ValueError } from '../../src/errors.js';

const { data } = kd;
const values = (t: kd.Tensor): number[] => Array.from(t.dataSync(), Number);

/** 10 items: x = [i, 10 i] (float32), y = i % 3 (int32). */
function numbers(n = 10): kd.data.TensorDataset<[kd.Tensor, kd.Tensor]> {
  const x = kd.tensor(Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : 10 * ((k - 1) / 2))), { shape: [n, 2] });
  const y = kd.tensor(Int32Array.from({ length: n }, (_, i) => i % 3));
  return new data.TensorDataset(x, y);
}

/** A dataset without getBatch, so the loader collates items one by one. */
class Plain extends data.Dataset<{ x: kd.Tensor; label: number; even: boolean }> {
  get length(): number { return 7; }
  get(i: number) { return { x: kd.tensor([i, -i]), label: i, even: i % 2 === 0 }; }
}

const firsts = (batches: Iterable<[kd.Tensor, kd.Tensor]>): number[][] => [...batches].map(([x]) => values(x.select(1, 0)));

describe('TensorDataset, Subset, randomSplit', () => {
  it('TensorDataset pairs rows; Subset picks them in its order', () => {
    const ds = numbers();
    expect(ds.length).toBe(10);
    const [x, y] = ds.get(4);
    expect(values(x)).toEqual([4, 40]);
    expect(y.item()).toBe(1);
    const sub = new data.Subset(ds, [9, 2, 5]);
    expect(sub.length).toBe(3);
    expect(values(sub.get(0)[0])).toEqual([9, 90]);
    const [bx, by] = sub.getBatch([2, 0]);
    expect(values(bx)).toEqual([5, 50, 9, 90]);
    expect(values(by)).toEqual([2, 0]);
  });

  it('randomSplit partitions the items, by counts or fractions (leftovers to the first subsets, as PyTorch 2.x)', () => {
    const ds = numbers();
    const [a, b] = data.randomSplit(ds, [7, 3], { generator: new kd.Generator(1) });
    expect(a!.length).toBe(7);
    expect(b!.length).toBe(3);
    expect([...a!.indices, ...b!.indices].sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
    expect(data.randomSplit(ds, [7, 3], { generator: new kd.Generator(1) })[0]!.indices).toEqual(a!.indices);
    expect(data.randomSplit(ds, [7, 3], { generator: new kd.Generator(2) })[0]!.indices).not.toEqual(a!.indices);
    // 10 × [0.25, 0.25, 0.5] floors to [2, 2, 5]; the one left over goes to the first.
    expect(data.randomSplit(ds, [0.25, 0.25, 0.5], { generator: new kd.Generator(0) }).map((s) => s.length)).toEqual([3, 2, 5]);
  });

  const errors: { name: string; call: () => unknown; error: new (...args: never[]) => Error; match: RegExp }[] = [
    { name: 'TensorDataset sizes', call: () => new data.TensorDataset(kd.zeros([3, 2]), kd.zeros([4])), error: DataError, match: /same size in their first dimension, got shapes \[3, 2\], \[4\]/ },
    { name: 'TensorDataset index', call: () => numbers().get(10), error: IndexError, match: /TensorDataset\.get: index 10 is out of range for a dataset of 10 items/ },
    { name: 'TensorDataset fraction index', call: () => numbers().get(1.5), error: IndexError, match: /index 1\.5 is out of range/ },
    { name: 'Subset indices', call: () => new data.Subset(numbers(), [0, 12]), error: IndexError, match: /Subset: index 12 is out of range for a dataset of 10 items/ },
    { name: 'randomSplit sum', call: () => data.randomSplit(numbers(), [5, 4]), error: ValueError, match: /lengths \[5, 4\] add up to 9, but the dataset has 10 items/ },
    { name: 'randomSplit negative', call: () => data.randomSplit(numbers(), [-1, 11]), error: ValueError, match: /non-negative/ },
    { name: 'batchSize', call: () => new data.DataLoader(numbers(), { batchSize: 0 }), error: ValueError, match: /batchSize must be a positive integer, got 0/ },
    { name: 'unknown option', call: () => new data.DataLoader(numbers(), { batch_size: 4 } as never), error: ArgumentTypeError, match: /DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/ },
    { name: 'generator', call: () => new data.DataLoader(numbers(), { shuffle: true, generator: 42 as never }), error: ArgumentTypeError, match: /generator must be a kd\.Generator/ },
    { name: 'not a dataset', call: () => new data.DataLoader([1, 2, 3] as never), error: ArgumentTypeError, match: /`length` and a `get\(index\)`/ },
    { name: 'loadStateDict', call: () => new data.DataLoader(numbers(), { shuffle: true }).loadStateDict({ generatorState: null, batchesYielded: 0 }), error: ValueError, match: /needs generatorState/ },
    { name: 'loadStateDict range', call: () => new data.DataLoader(numbers(), { batchSize: 5 }).loadStateDict({ generatorState: null, batchesYielded: 3 }), error: ValueError, match: /batchesYielded must be an integer in \[0, 2\], got 3/ },
    { name: 'collate mismatch', call: () => data.defaultCollate<unknown>([[kd.zeros([1]), 1], [kd.zeros([1]), 'a']]), error: DataError, match: /batch\[1\]: item 0 is a number but item 1 is a string/ },
    { name: 'collate unknown', call: () => data.defaultCollate([new Map()]), error: ArgumentTypeError, match: /batch: cannot collate a Map/ },
  ];
  for (const { name, call, error, match } of errors) {
    it(`refuses bad input: ${name}`, () => {
      expect(call).toThrow(error);
      expect(call).toThrow(match);
    });
  }
});

describe('DataLoader', () => {
  it('batches in order; the last batch is short unless dropLast', () => {
    const loader = new data.DataLoader(numbers(), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches.map(([, y]) => values(y))).toEqual([[0, 1, 2, 0], [1, 2, 0, 1], [2, 0]]);
    expect(batches[0]![1].dtype).toBe('int32');
    const dropped = new data.DataLoader(numbers(), { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
  });

  it('reshuffles every epoch from its generator: reproducible, a permutation, different each epoch', () => {
    const epochs = (seed: number): number[][][] => {
      const loader = new data.DataLoader(numbers(), { batchSize: 3, shuffle: true, generator: new kd.Generator(seed) });
      return [firsts(loader), firsts(loader), firsts(loader)];
    };
    const run = epochs(3);
    expect(epochs(3)).toEqual(run);
    for (const epoch of run) expect(epoch.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(run[0]).not.toEqual(run[1]);
    expect(run[1]).not.toEqual(run[2]);
    expect(epochs(4)[0]).not.toEqual(run[0]);
  });

  it('without a generator, shuffles come from the global one (kd.manualSeed)', () => {
    const draw = (): number[][] => {
      kd.manualSeed(11);
      return firsts(new data.DataLoader(numbers(), { batchSize: 10, shuffle: true }));
    };
    expect(draw()).toEqual(draw());
  });

  it('for await gives the same batches as for…of', async () => {
    const loader = new data.DataLoader(numbers(), { batchSize: 4, shuffle: true, generator: new kd.Generator(8) });
    const sync = firsts(new data.DataLoader(numbers(), { batchSize: 4, shuffle: true, generator: new kd.Generator(8) }));
    const seen: number[][] = [];
    for await (const [x] of loader) seen.push(values(x.select(1, 0)));
    expect(seen).toEqual(sync);
  });

  it('collates items field by field when the dataset has no getBatch; a custom collate replaces it', () => {
    const loader = new data.DataLoader(new Plain(), { batchSize: 3 });
    const [first] = loader;
    expect(first!.x.shape).toEqual([3, 2]);
    expect(values(first!.x)).toEqual([0, -0, 1, -1, 2, -2]);
    expect(first!.label.dtype).toBe('int32');
    expect(first!.even.dtype).toBe('bool');
    expect(values(first!.even)).toEqual([1, 0, 1]);
    expect(data.defaultCollate([0.5, 1]).dtype).toBe('float32');
    const sums = [...new data.DataLoader(new Plain(), { batchSize: 3, collate: (items) => items.reduce((s, it) => s + it.label, 0) })];
    expect(sums).toEqual([3, 12, 6]);
  });

  it('getBatch gives the same batches as collating items one by one', () => {
    const ds = numbers();
    const viaItems = new data.Subset({ length: ds.length, get: (i: number) => ds.get(i) }, [...Array(10).keys()]);
    const a = [...new data.DataLoader(ds, { batchSize: 4, shuffle: true, generator: new kd.Generator(5) })];
    const b = [...new data.DataLoader(viaItems, { batchSize: 4, shuffle: true, generator: new kd.Generator(5) })];
    expect(a.map(([x, y]) => [values(x), values(y)])).toEqual(b.map(([x, y]) => [values(x), values(y)]));
  });

  it('stateDict mid-epoch and loadStateDict resume with the same remaining batches and later epochs', () => {
    const make = (): kd.data.DataLoader<[kd.Tensor, kd.Tensor]> => new data.DataLoader(numbers(), { batchSize: 3, shuffle: true, generator: new kd.Generator(21) });
    const straight = make();
    const expected = [firsts(straight), firsts(straight)];

    const first = make();
    const seen: number[][] = [];
    let saved: kd.data.DataLoaderState | null = null;
    for (const [x] of first) {
      seen.push(values(x.select(1, 0)));
      if (seen.length === 2) {
        saved = JSON.parse(JSON.stringify(first.stateDict())) as kd.data.DataLoaderState;
        break;
      }
    }
    expect(saved!.batchesYielded).toBe(2);
    const resumed = make();
    resumed.generator.manualSeed(999); // a fresh process: the generator is elsewhere
    resumed.loadStateDict(saved!);
    const rest = firsts(resumed);
    expect([...seen, ...rest]).toEqual(expected[0]);
    expect(firsts(resumed)).toEqual(expected[1]);
  });

  it('stateDict between epochs continues with the next epoch', () => {
    const a = new data.DataLoader(numbers(), { batchSize: 5, shuffle: true, generator: new kd.Generator(2) });
    firsts(a);
    const state = a.stateDict();
    expect(state.batchesYielded).toBe(0);
    const next = firsts(a);
    const b = new data.DataLoader(numbers(), { batchSize: 5, shuffle: true, generator: new kd.Generator(0) });
    b.loadStateDict(state);
    expect(firsts(b)).toEqual(next);
  });
});
