/**
 * `kd.data.datasets` on Node: the core's datasets, with a `FashionMNIST`
 * that finds its files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { FASHION_MNIST_FILES, FashionMNIST as CoreFashionMNIST, type FashionMNISTOptions } from '../datasets/fashion-mnist.js';
import { packageRoot, readPlainBytes } from './files.js';

export * from '../datasets/index.js';

/** Where Debian's `dataset-fashion-mnist` package installs the four gzipped files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The folder, inside kindling's package, of the embedded stratified subset (see its README). */
export const EMBEDDED_FASHION_MNIST = 'data/fashion-mnist-subset';

/**
 * Fashion-MNIST read from files. Without `files`, it reads the split from
 * the first of:
 * 1. `root` (the files as distributed, gzipped or not; also
 *    `root/FashionMNIST/raw`, torchvision's layout) — an error if they are
 *    not there;
 * 2. Debian's `dataset-fashion-mnist` package, when installed;
 * 3. the subset embedded in kindling: 4,000 training and 1,000 test
 *    images, 400 and 100 per class, so examples run with no download.
 *
 * `source` says which was used.
 *
 * ```ts
 * const train = new kd.data.datasets.FashionMNIST({ train: true });
 * train.source; // '/usr/share/datasets/fashion-mnist' (Debian's package), or the embedded subset
 * ```
 */
export class FashionMNIST extends CoreFashionMNIST {
  constructor(options: FashionMNISTOptions = {}) {
    if (options.files !== undefined) {
      super(options);
      return;
    }
    const split = options.train === false ? 'test' : 'train';
    const { files, source } = locate(split, options.root);
    super({ ...options, files }, source);
  }
}

function locate(split: 'train' | 'test', root: string | undefined): { files: { images: Uint8Array; labels: Uint8Array }; source: string } {
  const names = FASHION_MNIST_FILES[split];
  const find = (dir: string): { images: string; labels: string } | null => {
    const pick = (base: string): string | undefined => [join(dir, base), join(dir, `${base}.gz`)].find((p) => existsSync(p));
    const images = pick(names.images);
    const labels = pick(names.labels);
    return images !== undefined && labels !== undefined ? { images, labels } : null;
  };
  const read = (paths: { images: string; labels: string }): { images: Uint8Array; labels: Uint8Array } => ({
    images: readPlainBytes(paths.images, 'FashionMNIST'),
    labels: readPlainBytes(paths.labels, 'FashionMNIST'),
  });
  if (root !== undefined) {
    for (const dir of [root, join(root, 'FashionMNIST', 'raw')]) {
      const paths = find(dir);
      if (paths !== null) return { files: read(paths), source: dir };
    }
    throw new DataError(`no ${split} files in "${root}": looked for ${names.images}[.gz] and ${names.labels}[.gz] there and in its FashionMNIST/raw folder`, {
      op: 'FashionMNIST',
      hint: 'download the four files of Fashion-MNIST into that folder, or leave root out to use the Debian package or the embedded subset',
    });
  }
  const debian = find(DEBIAN_FASHION_MNIST);
  if (debian !== null) return { files: read(debian), source: DEBIAN_FASHION_MNIST };
  const embeddedDir = join(packageRoot(), EMBEDDED_FASHION_MNIST);
  const embedded = find(embeddedDir);
  if (embedded === null) {
    throw new DataError(`the embedded subset is missing from ${embeddedDir}`, { op: 'FashionMNIST', hint: 'reinstall kindling, or pass root' });
  }
  return { files: read(embedded), source: 'embedded subset' };
}
