/**
 * The examples in the TSDoc of kd.data, run as written (STYLE.md §14).
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as kd from '../../src/node.js';

describe('kd.data documentation examples', () => {
  it('Dataset', () => {
    class Squares extends kd.data.Dataset<[number, number]> {
      get length() { return 10; }
      get(i: number): [number, number] { return [i, i * i]; }
    }
    const batch = [...new kd.data.DataLoader(new Squares(), { batchSize: 4 })][0]!;
    expect(batch[1].toArray()).toEqual([0, 1, 4, 9]);
  });

  it('TensorDataset, Subset, randomSplit', () => {
    const ds = new kd.data.TensorDataset(kd.randn([100, 3]), kd.randint(0, 2, [100]));
    const [x, y] = ds.get(0);
    expect([x.shape, y.shape]).toEqual([[3], []]);
    const firstTen = new kd.data.Subset(ds, Array.from({ length: 10 }, (_, i) => i));
    expect(firstTen.length).toBe(10);
    const [train, val] = kd.data.randomSplit(ds, [0.9, 0.1], { generator: new kd.Generator(42) });
    expect([train!.length, val!.length]).toEqual([90, 10]);
  });

  it('DataLoader', () => {
    const ds = new kd.data.TensorDataset(kd.randn([100, 3]), kd.randint(0, 2, [100]));
    const loader = new kd.data.DataLoader(ds, { batchSize: 32, shuffle: true, generator: new kd.Generator(0) });
    const shapes: number[][] = [];
    for (const [x, y] of loader) shapes.push([...x.shape, ...y.shape]);
    expect(shapes).toEqual([[32, 3, 32], [32, 3, 32], [32, 3, 32], [4, 3, 4]]);
    expect(loader.length).toBe(4);
  });

  it('defaultCollate', () => {
    const batch = kd.data.defaultCollate([[kd.ones([2]), 0], [kd.zeros([2]), 1]]);
    expect(batch[0].shape).toEqual([2, 2]);
    expect(batch[1].dtype).toBe('int32');
  });

  it('readIdx and FashionMNIST', () => {
    const dir = join(import.meta.dirname, '..', '..', 'data', 'fashion-mnist-subset');
    const labels = kd.data.readIdx(join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect([labels.type, labels.shape]).toEqual(['uint8', [1000]]);
    const bytes = gzipSync(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]));
    expect(Array.from(kd.data.readIdx(bytes).data)).toEqual([7, 9]);
    const test = new kd.data.datasets.FashionMNIST({ train: false, root: dir });
    const [image, label] = test.get(0);
    expect(image.shape).toEqual([1, 28, 28]);
    expect(kd.data.datasets.FashionMNIST.classes[label]).toBeTypeOf('string');
  });
});
