/**
 * readIdx (plain and gzip, through fflate and through Node's zlib, every
 * element type, big-endian) and its errors; FashionMNIST from the embedded
 * subset, from a root folder, and from Debian's package when installed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync as zlibGzip } from 'node:zlib';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import * as kd from '../../src/node.js';
import * as core from '../../src/index.js';
import { ArgumentTypeError, DataError } from '../../src/errors.js';

const { data } = kd;

/** An IDX file written by hand: magic 00 00 <code> <ndims>, big-endian sizes, then `body`. */
function idx(code: number, shape: number[], body: number[]): Uint8Array {
  return Uint8Array.from([0, 0, code, shape.length, ...shape.flatMap((s) => [s >>> 24, (s >>> 16) & 255, (s >>> 8) & 255, s & 255]), ...body]);
}

const tmp = mkdtempSync(join(tmpdir(), 'kindling-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readIdx', () => {
  const cases: { name: string; bytes: Uint8Array; type: string; shape: number[]; values: number[] }[] = [
    { name: 'uint8 [2, 3]', bytes: idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]), type: 'uint8', shape: [2, 3], values: [0, 1, 2, 253, 254, 255] },
    { name: 'int8', bytes: idx(0x09, [3], [0x7f, 0x80, 0xff]), type: 'int8', shape: [3], values: [127, -128, -1] },
    { name: 'int16 big-endian', bytes: idx(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]), type: 'int16', shape: [2], values: [258, -2] },
    { name: 'int32 big-endian', bytes: idx(0x0c, [1], [0x00, 0x01, 0x00, 0x00]), type: 'int32', shape: [1], values: [65536] },
    { name: 'float32 big-endian', bytes: idx(0x0d, [1], [0x3f, 0xc0, 0x00, 0x00]), type: 'float32', shape: [1], values: [1.5] },
    { name: 'float64 big-endian', bytes: idx(0x0e, [1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0]), type: 'float64', shape: [1], values: [-2.5] },
    { name: 'an empty dimension', bytes: idx(0x08, [0, 28], []), type: 'uint8', shape: [0, 28], values: [] },
  ];
  for (const c of cases) {
    it(`reads ${c.name}, plain and gzipped (fflate in the core, zlib for files)`, () => {
      const file = join(tmp, `${c.name.replace(/\W+/g, '-')}.gz`);
      writeFileSync(file, zlibGzip(c.bytes));
      for (const got of [data.readIdx(c.bytes), core.data.readIdx(gzipSync(c.bytes)), data.readIdx(file)]) {
        expect(got.type).toBe(c.type);
        expect(got.shape).toEqual(c.shape);
        expect(Array.from(got.data)).toEqual(c.values);
      }
    });
  }

  const good = idx(0x08, [2, 2], [1, 2, 3, 4]);
  const errors: { name: string; call: () => unknown; error: new (...args: never[]) => Error; match: RegExp }[] = [
    { name: 'bad magic', call: () => data.readIdx(Uint8Array.from([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e])), error: DataError, match: /bad magic number 0x3c68746d; an IDX file starts with 00 00/ },
    { name: 'unknown type', call: () => data.readIdx(idx(0x0a, [1], [0])), error: DataError, match: /bad magic number 0x00000a01/ },
    { name: 'zero dims', call: () => data.readIdx(Uint8Array.from([0, 0, 8, 0])), error: DataError, match: /bad magic number 0x00000800/ },
    { name: 'too short', call: () => data.readIdx(Uint8Array.from([0, 0])), error: DataError, match: /2 bytes is too short for an IDX header/ },
    { name: 'header truncated', call: () => data.readIdx(good.subarray(0, 9)), error: DataError, match: /declares 2 dimensions \(12 bytes\) but the file has 9 bytes/ },
    { name: 'data truncated', call: () => data.readIdx(good.subarray(0, 14)), error: DataError, match: /sizes \[2, 2\] of uint8 need 16 bytes but the file has 14; it is truncated/ },
    { name: 'extra bytes', call: () => data.readIdx(Uint8Array.from([...good, 0])), error: DataError, match: /need 16 bytes but the file has 17; it has extra bytes/ },
    { name: 'huge sizes', call: () => data.readIdx(idx(0x0e, [0xffffffff, 0xffffffff], [])), error: DataError, match: /sizes \[4294967295, 4294967295\] of float64 need \d{20,} bytes but the file has 12/ },
    { name: 'truncated gzip (fflate)', call: () => core.data.readIdx(gzipSync(good).subarray(0, 20)), error: DataError, match: /gzip data is corrupt or truncated/ },
    { name: 'truncated gzip file (zlib)', call: () => { const f = join(tmp, 'cut.gz'); writeFileSync(f, zlibGzip(good).subarray(0, 20)); return data.readIdx(f); }, error: DataError, match: /cut\.gz: the gzip data is corrupt or truncated/ },
    { name: 'missing file', call: () => data.readIdx(join(tmp, 'nope')), error: DataError, match: /cannot read .*nope/ },
    { name: 'not bytes', call: () => core.data.readIdx([0, 0, 8, 1] as never), error: ArgumentTypeError, match: /expected the file's bytes as a Uint8Array/ },
  ];
  for (const { name, call, error, match } of errors) {
    it(`refuses ${name}`, () => {
      expect(call).toThrow(error);
      expect(call).toThrow(match);
    });
  }
});

describe('FashionMNIST', () => {
  it('the embedded subset: 4,000 training and 1,000 test images, stratified', () => {
    const counts = (ds: kd.data.datasets.FashionMNIST): number[] => {
      const c = new Array<number>(10).fill(0);
      for (const v of ds.targets.dataSync()) c[v]! += 1;
      return c;
    };
    // Read the embedded files directly, whatever else is installed.
    const dir = join(import.meta.dirname, '..', '..', 'data', 'fashion-mnist-subset');
    const train = new data.datasets.FashionMNIST({ root: dir });
    const test = new data.datasets.FashionMNIST({ root: dir, train: false });
    expect([train.length, test.length]).toEqual([4000, 1000]);
    expect(counts(train)).toEqual(new Array(10).fill(400));
    expect(counts(test)).toEqual(new Array(10).fill(100));
    const [image, label] = test.get(0);
    expect(image.shape).toEqual([1, 28, 28]);
    expect(image.dtype).toBe('float32');
    expect(Number.isInteger(label)).toBe(true);
    const pixels = Array.from(train.data.dataSync());
    expect(Math.min(...pixels.slice(0, 784 * 50))).toBe(0);
    expect(Math.max(...pixels.slice(0, 784 * 50))).toBe(1);
    const [bx, by] = train.getBatch([3, 1]);
    expect(bx.shape).toEqual([2, 1, 28, 28]);
    expect(Array.from(by.dataSync())).toEqual([train.get(3)[1], train.get(1)[1]]);
    expect(kd.data.datasets.FashionMNIST.classes[9]).toBe('Ankle boot');
  });

  it('without root: Debian\'s package when installed, else the embedded subset', () => {
    const test = new data.datasets.FashionMNIST({ train: false });
    if (existsSync(join(data.datasets.DEBIAN_FASHION_MNIST, 't10k-images-idx3-ubyte.gz'))) {
      expect(test.source).toBe(data.datasets.DEBIAN_FASHION_MNIST);
      expect(test.length).toBe(10000);
    } else {
      expect(test.source).toBe('embedded subset');
      expect(test.length).toBe(1000);
    }
  });

  it('reads plain files from root, and the core class takes bytes', () => {
    const dir = mkdtempSync(join(tmp, 'root-'));
    const images = idx(0x08, [2, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => i % 256));
    const labels = idx(0x08, [2], [7, 3]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    const ds = new data.datasets.FashionMNIST({ root: dir });
    expect(ds.source).toBe(dir);
    expect(ds.get(1)[1]).toBe(3);
    expect(ds.get(0)[0].dataSync()[255]).toBeCloseTo(1);
    const fromBytes = new core.data.datasets.FashionMNIST({ files: { images, labels } });
    expect(Array.from(fromBytes.targets.dataSync())).toEqual([7, 3]);
  });

  const images2 = idx(0x08, [2, 28, 28], new Array(2 * 784).fill(0));
  const errors: { name: string; call: () => unknown; error: new (...args: never[]) => Error; match: RegExp }[] = [
    { name: 'a root without the files', call: () => new data.datasets.FashionMNIST({ root: tmp }), error: DataError, match: /no train files in ".*": looked for train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\]/ },
    { name: 'root in the core', call: () => new core.data.datasets.FashionMNIST({ root: 'x' }), error: ArgumentTypeError, match: /cannot read root "x" here: reading files needs Node/ },
    { name: 'no files in the core', call: () => new core.data.datasets.FashionMNIST(), error: ArgumentTypeError, match: /needs the files' bytes/ },
    { name: 'swapped files', call: () => new data.datasets.FashionMNIST({ files: { images: idx(0x08, [2], [1, 2]), labels: images2 } }), error: DataError, match: /images must be uint8 \[N, 28, 28\], got uint8 \[2\].*swapped/ },
    { name: 'counts disagree', call: () => new data.datasets.FashionMNIST({ files: { images: images2, labels: idx(0x08, [3], [1, 2, 3]) } }), error: DataError, match: /the images file has 2 images but the labels file has 3 labels/ },
    { name: 'label out of range', call: () => new data.datasets.FashionMNIST({ files: { images: images2, labels: idx(0x08, [2], [1, 12]) } }), error: DataError, match: /label 1 is 12, outside 0–9/ },
  ];
  for (const { name, call, error, match } of errors) {
    it(`refuses ${name}`, () => {
      expect(call).toThrow(error);
      expect(call).toThrow(match);
    });
  }
});
