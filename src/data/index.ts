/**
 * `kd.data`: datasets and loaders (PyTorch's `torch.utils.data`), the IDX
 * reader, and `datasets.FashionMNIST`. Runs in browsers; the `node` entry's
 * `kd.data` adds file paths (`readIdx(path)`, `FashionMNIST({ root })`).
 */
export { Dataset, TensorDataset, Subset, randomSplit } from './dataset.js';
export type { DatasetLike, RandomSplitOptions } from './dataset.js';
export { defaultCollate } from './collate.js';
export type { Collated } from './collate.js';
export { DataLoader } from './loader.js';
export type { DataLoaderOptions, DataLoaderState } from './loader.js';
export { readIdx } from './idx.js';
export type { IdxData, IdxType, IdxArrays } from './idx.js';
export * as datasets from './datasets/index.js';
