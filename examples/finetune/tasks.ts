/**
 * The two tasks of the job, made from Fashion-MNIST: pretraining on five
 * classes (T-shirt/top, Trouser, Pullover, Dress, Coat) and fine-tuning on
 * the other five (Sandal, Shirt, Sneaker, Bag, Ankle boot), each relabelled
 * 0–4, with a validation split held out of the fine-tuning training images.
 */
import * as kd from '../../src/node.js';
import { data, type Tensor } from '../../src/node.js';

export const PRETRAIN_CLASSES = [0, 1, 2, 3, 4];
export const FINETUNE_CLASSES = [5, 6, 7, 8, 9];
/** The share of the fine-tuning training images held out for validation (the sweep's data). */
export const VAL_FRACTION = 0.1;

// Fashion-MNIST's pixel mean and standard deviation over the training set.
const MEAN = 0.286;
const STD = 0.353;

type Pairs = kd.data.TensorDataset<[Tensor, Tensor]>;

export interface Tasks {
  source: string;
  embedded: boolean;
  pretrain: { train: Pairs; test: Pairs };
  finetune: { train: kd.data.Subset<[Tensor, Tensor]>; val: kd.data.Subset<[Tensor, Tensor]>; test: Pairs };
}

/** The images of `classes` (at most `limit`), normalised, labels relabelled 0…k-1. */
function task(ds: kd.data.datasets.FashionMNIST, classes: number[], limit: number | undefined): Pairs {
  const labels = ds.targets.dataSync();
  const picked: number[] = [];
  for (let i = 0; i < labels.length && (limit === undefined || picked.length < limit); i++) {
    if (classes.includes(labels[i]!)) picked.push(i);
  }
  const index = kd.tensor(Int32Array.from(picked));
  const images = ds.data.indexSelect(0, index).sub(MEAN).div(STD);
  const relabelled = kd.tensor(Int32Array.from(picked, (i) => classes.indexOf(labels[i]!)));
  return new data.TensorDataset(images, relabelled);
}

/**
 * Loads both splits (from `root`, Debian's package or the embedded subset)
 * and makes the tasks; `limit` caps the images of each task's splits (for
 * quick runs). The validation split is drawn with its own seeded generator.
 */
export function loadTasks(options: { root?: string | undefined; limit?: number | undefined; seed: number }): Tasks {
  const trainSet = new data.datasets.FashionMNIST({ root: options.root, train: true });
  const testSet = new data.datasets.FashionMNIST({ root: options.root, train: false });
  const fineTrain = task(trainSet, FINETUNE_CLASSES, options.limit);
  const [train, val] = data.randomSplit(fineTrain, [1 - VAL_FRACTION, VAL_FRACTION], { generator: new kd.Generator(options.seed) });
  return {
    source: trainSet.source,
    embedded: trainSet.source === 'embedded subset',
    pretrain: { train: task(trainSet, PRETRAIN_CLASSES, options.limit), test: task(testSet, PRETRAIN_CLASSES, options.limit) },
    finetune: { train: train!, val: val!, test: task(testSet, FINETUNE_CLASSES, options.limit) },
  };
}
