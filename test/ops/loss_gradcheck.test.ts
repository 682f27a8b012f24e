/**
 * gradcheck (float64 finite differences) for every loss, over its options.
 */
import { describe, expect, it } from 'vitest';
import { kd, leaf64 } from '../helpers.js';

type Fn = (...xs: kd.Tensor[]) => kd.Tensor;

const labels = (values: number[]): kd.Tensor => kd.tensor(values, { dtype: 'int32' });
const f64 = (values: number[]): kd.Tensor => kd.tensor(values, { dtype: 'float64' });
/** Probabilities (rows sum to 1) that require grad. */
const probs = (shape: number[], seed: number): kd.Tensor =>
  kd.noGrad(() => kd.softmax(leaf64(shape, seed), 1)).detach().requiresGrad_();
/** Values in (0.05, 0.95), away from BCE's clamps. */
const unit = (shape: number[], seed: number): kd.Tensor =>
  kd.noGrad(() => leaf64(shape, seed).sigmoid().mul(0.9).add(0.05)).detach().requiresGrad_();

const rows: { name: string; fn: Fn; inputs: () => kd.Tensor[] }[] = [
  { name: 'crossEntropy mean', fn: (x) => kd.crossEntropy(x, labels([0, 2, 1])), inputs: () => [leaf64([3, 4], 1)] },
  {
    name: 'crossEntropy weight ignoreIndex labelSmoothing',
    fn: (x) => kd.crossEntropy(x, labels([0, 2, 1, 2]), { weight: f64([0.5, 2, 1]), ignoreIndex: 1, labelSmoothing: 0.2 }),
    inputs: () => [leaf64([4, 3], 2)],
  },
  {
    name: 'crossEntropy K-dim none',
    fn: (x) => kd.crossEntropy(x, kd.tensor([[0, 2], [1, 1]], { dtype: 'int32' }), { reduction: 'none', labelSmoothing: 0.1 }),
    inputs: () => [leaf64([2, 3, 2], 3)],
  },
  {
    name: 'crossEntropy probabilities (input and target)',
    fn: (x, t) => kd.crossEntropy(x, t, { labelSmoothing: 0.1 }),
    inputs: () => [leaf64([3, 4], 4), probs([3, 4], 5)],
  },
  {
    name: 'crossEntropy probabilities with weight (differentiable)',
    fn: (x, t, w) => kd.crossEntropy(x, t, { weight: w, reduction: 'sum' }),
    inputs: () => [leaf64([2, 3], 6), probs([2, 3], 7), leaf64([3], 8)],
  },
  {
    name: 'nllLoss weight sum',
    fn: (x) => kd.nllLoss(x, labels([1, 0, 1]), { weight: f64([2, 0.5]), reduction: 'sum' }),
    inputs: () => [leaf64([3, 2], 9)],
  },
  {
    name: 'crossEntropy non-contiguous logits',
    fn: (x) => kd.crossEntropy(x.t(), labels([2, 0, 1]), { labelSmoothing: 0.1 }),
    inputs: () => [leaf64([3, 3], 23)],
  },
  { name: 'mseLoss', fn: (x, t) => kd.mseLoss(x, t), inputs: () => [leaf64([2, 3], 10), leaf64([2, 3], 11)] },
  { name: 'mseLoss non-contiguous', fn: (x, t) => kd.mseLoss(x.t(), t), inputs: () => [leaf64([3, 2], 24), leaf64([2, 3], 25)] },
  { name: 'l1Loss none', fn: (x, t) => kd.l1Loss(x, t, { reduction: 'none' }), inputs: () => [leaf64([2, 3], 12), leaf64([2, 3], 13)] },
  {
    name: 'smoothL1Loss beta 0.7',
    fn: (x, t) => kd.smoothL1Loss(x, t, { beta: 0.7, reduction: 'sum' }),
    inputs: () => [leaf64([3, 3], 14), leaf64([3, 3], 15)],
  },
  {
    name: 'binaryCrossEntropy (input and target) with weight',
    fn: (x, t, w) => kd.binaryCrossEntropy(x, t, { weight: w }),
    inputs: () => [unit([2, 3], 16), unit([2, 3], 17), leaf64([3], 18)],
  },
  {
    name: 'binaryCrossEntropyWithLogits weight posWeight',
    fn: (x, t, w, pw) => kd.binaryCrossEntropyWithLogits(x, t, { weight: w, posWeight: pw, reduction: 'none' }),
    inputs: () => [leaf64([2, 3], 19), unit([2, 3], 20), leaf64([2, 3], 21), unit([3], 22)],
  },
  {
    name: 'binaryCrossEntropyWithLogits non-contiguous, broadcast weight',
    fn: (x, t, w) => kd.binaryCrossEntropyWithLogits(x.t(), t, { weight: w }),
    inputs: () => [leaf64([3, 2], 26), unit([2, 3], 27), leaf64([2, 1], 28)],
  },
];

describe('losses: gradcheck in float64', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(kd.gradcheck(row.fn, row.inputs())).toBe(true);
    });
  }
});
