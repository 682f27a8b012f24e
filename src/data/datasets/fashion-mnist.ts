/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence): 28×28
 * grey images of clothing in ten classes, 60,000 for training and 10,000
 * for testing, in IDX files.
 */
import { ArgumentTypeError, checkKeys, DataError, optionKeys } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Collated } from '../collate.js';
import { checkIndex, Dataset } from '../dataset.js';
import { readIdx } from '../idx.js';

/** The IDX bytes of one split: images (`[N, 28, 28]` uint8) and labels (`[N]` uint8, 0–9), gzipped or plain. */
export interface FashionMNISTFiles {
  images: Uint8Array;
  labels: Uint8Array;
}

/** Options of `FashionMNIST`. */
export interface FashionMNISTOptions {
  /** The training split (default) or the test split. */
  train?: boolean;
  /**
   * A directory holding the four files as distributed
   * (`train-images-idx3-ubyte[.gz]` …). Node only: the `node` entry's
   * `FashionMNIST` reads it.
   */
  root?: string;
  /** The split's files, already read (how browsers pass data). */
  files?: FashionMNISTFiles;
}

/** The file names of each split, as distributed (each may also end in `.gz`). */
export const FASHION_MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/**
 * Fashion-MNIST as a dataset of `[image, label]`: the image a float32
 * `[1, 28, 28]` tensor in [0, 1] (torchvision's `ToTensor()`), the label a
 * number 0–9 (`FashionMNIST.classes[label]` names it).
 *
 * `data` holds every image (`[N, 1, 28, 28]`) and `targets` every label
 * (int32 `[N]`); the loader takes whole batches from them with one
 * `indexSelect` each.
 *
 * In the core (browsers), pass the files' bytes. The `node` entry's
 * `kd.data.datasets.FashionMNIST({ root, train })` reads them from `root`,
 * from Debian's `dataset-fashion-mnist` package, or from the subset
 * embedded in kindling, in that order.
 *
 * ```ts
 * const test = new kd.data.datasets.FashionMNIST({ train: false, files: { images, labels } });
 * const [image, label] = test.get(0); // [1, 28, 28], 9 ('Ankle boot')
 * ```
 */
export class FashionMNIST extends Dataset<[Tensor, number]> {
  /** The class names, by label. */
  static readonly classes: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

  /** Every image, float32 `[N, 1, 28, 28]` in [0, 1]. */
  readonly data: Tensor;
  /** Every label, int32 `[N]`. */
  readonly targets: Tensor;
  /** Whether this is the training split. */
  readonly train: boolean;
  /** Where the files came from (a directory, or a description). */
  readonly source: string;
  private readonly labels: Int32Array;

  constructor(options: FashionMNISTOptions = {}, source = 'files given') {
    super();
    const op = 'FashionMNIST';
    checkKeys(op, options, optionKeys<FashionMNISTOptions>({ train: true, root: true, files: true }));
    if (options.files === undefined) {
      throw new ArgumentTypeError(options.root === undefined
        ? 'the core FashionMNIST needs the files\' bytes ({ files: { images, labels } })'
        : `cannot read root "${options.root}" here: reading files needs Node`, {
        op,
        hint: 'on Node, import kindling\'s node entry, whose FashionMNIST reads root, the Debian package or the embedded subset',
      });
    }
    const split = options.train === false ? 'test' : 'train';
    const images = readIdx(options.files.images, `${FASHION_MNIST_FILES[split].images}`);
    const labels = readIdx(options.files.labels, `${FASHION_MNIST_FILES[split].labels}`);
    if (images.type !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
      throw new DataError(`images must be uint8 [N, 28, 28], got ${images.type} [${images.shape.join(', ')}]`, { op, hint: 'are the images and labels files swapped?' });
    }
    if (labels.type !== 'uint8' || labels.shape.length !== 1) {
      throw new DataError(`labels must be uint8 [N], got ${labels.type} [${labels.shape.join(', ')}]`, { op, hint: 'are the images and labels files swapped?' });
    }
    const n = images.shape[0]!;
    if (labels.shape[0] !== n) {
      throw new DataError(`the images file has ${n} images but the labels file has ${labels.shape[0]} labels`, { op, hint: 'both files must be of the same split' });
    }
    const bad = labels.data.findIndex((v) => v > 9);
    if (bad >= 0) throw new DataError(`label ${bad} is ${labels.data[bad]}, outside 0–9`, { op });
    const pixels = new Float32Array(images.data.length);
    for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
    this.data = tensor(pixels, { shape: [n, 1, 28, 28] });
    this.labels = Int32Array.from(labels.data);
    this.targets = tensor(this.labels);
    this.train = split === 'train';
    this.source = source;
  }

  get length(): number {
    return this.labels.length;
  }

  get(index: number): [Tensor, number] {
    checkIndex(index, this.length, 'FashionMNIST.get');
    return [this.data.select(0, index), this.labels[index]!];
  }

  /** The items at `indices`, stacked: images `[B, 1, 28, 28]`, labels int32 `[B]`. */
  getBatch(indices: readonly number[]): Collated<[Tensor, number]> {
    for (const i of indices) checkIndex(i, this.length, 'FashionMNIST.getBatch');
    const index = tensor(Int32Array.from(indices));
    return [this.data.indexSelect(0, index), this.targets.indexSelect(0, index)];
  }
}
