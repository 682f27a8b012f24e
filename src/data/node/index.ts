/**
 * `kd.data` on Node (the `node` entry): the core's data module, plus file
 * paths: `readIdx(path)` (gzip through Node's zlib) and
 * `datasets.FashionMNIST({ root, train })`, which finds the files.
 */
import { readIdx as readIdxBytes, type IdxData } from '../idx.js';
import { readPlainBytes } from './files.js';

export * from '../index.js';
export * as datasets from './datasets.js';

/**
 * Parses an IDX file (MNIST, Fashion-MNIST) given its path or its bytes,
 * gzipped or plain (gzip is recognised by its magic bytes; files are
 * inflated with Node's zlib).
 *
 * ```ts
 * const images = kd.data.readIdx('data/train-images-idx3-ubyte.gz'); // { type: 'uint8', shape: [60000, 28, 28], data }
 * ```
 */
export function readIdx(source: string | Uint8Array): IdxData {
  if (typeof source !== 'string') return readIdxBytes(source);
  return readIdxBytes(readPlainBytes(source, 'readIdx'), source);
}
