/**
 * Bad input to the losses: each row names the call, the error class and the
 * message it must carry (the op, the offending values, the fix).
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const logits = (): kd.Tensor => kd.randn([3, 4]);
const labels = (values: number[]): kd.Tensor => kd.tensor(values, { dtype: 'int32' });

const rows: { name: string; call: () => unknown; error: new (...args: never[]) => Error; match: RegExp }[] = [
  { name: 'class index too large', call: () => kd.crossEntropy(logits(), labels([0, 5, 1])), error: kd.IndexError, match: /crossEntropy: target 5 is out of bounds for 4 classes \(at flat position 1 of target \[3\]\) \(class indices must be in \[0, 4\) or equal ignoreIndex \(-100\)\)/ },
  { name: 'negative class index', call: () => kd.nllLoss(logits(), labels([0, 1, -1])), error: kd.IndexError, match: /nllLoss: target -1 is out of bounds for 4 classes \(at flat position 2/ },
  { name: 'class index with a different ignoreIndex', call: () => kd.crossEntropy(logits(), labels([0, 4, 1]), { ignoreIndex: 3 }), error: kd.IndexError, match: /target 4 is out of bounds for 4 classes.*\(class indices must be in \[0, 4\)\)/ },
  { name: 'target batch size mismatch', call: () => kd.crossEntropy(logits(), labels([0, 1, 2, 3])), error: kd.ShapeError, match: /crossEntropy: expected target of shape \[3\] for input of shape \[3, 4\], got \[4\] \(input batch size 3 does not match target batch size 4\)/ },
  { name: 'one-hot target of the wrong shape', call: () => kd.crossEntropy(logits(), kd.zeros([3, 5])), error: kd.ShapeError, match: /crossEntropy: class-probability target must have the input's shape \[3, 4\], got \[3, 5\]/ },
  { name: 'K-dim target shape', call: () => kd.crossEntropy(kd.randn([2, 4, 3]), kd.zeros([2, 4], { dtype: 'int32' })), error: kd.ShapeError, match: /expected target of shape \[2, 3\] for input of shape \[2, 4, 3\], got \[2, 4\]/ },
  { name: 'bool target', call: () => kd.crossEntropy(logits(), kd.tensor([true, false, true])), error: kd.DTypeError, match: /crossEntropy: expected target to be an int32 tensor of class indices, got bool/ },
  { name: 'float labels to nllLoss', call: () => kd.nllLoss(logits(), kd.tensor([0, 1, 2])), error: kd.DTypeError, match: /nllLoss: expected target to be an int32 tensor of class indices, got float32 \(convert class labels with \.int\(\)/ },
  { name: 'class weight of the wrong size', call: () => kd.crossEntropy(logits(), labels([0, 1, 2]), { weight: kd.ones([3]) }), error: kd.ShapeError, match: /crossEntropy: weight should have one entry per class \(4\), but got weight of shape \[3\]/ },
  { name: 'class weight that requires grad', call: () => kd.crossEntropy(logits(), labels([0, 1, 2]), { weight: kd.ones([4], { requiresGrad: true }) }), error: kd.AutogradError, match: /crossEntropy: the loss is not differentiable with respect to weight, which requires grad \(pass weight\.detach\(\)\)/ },
  { name: 'labelSmoothing above 1', call: () => kd.crossEntropy(logits(), labels([0, 1, 2]), { labelSmoothing: 1.5 }), error: kd.ValueError, match: /crossEntropy: labelSmoothing must be between 0\.0 and 1\.0, got 1\.5/ },
  { name: 'unknown reduction', call: () => kd.crossEntropy(logits(), labels([0, 1, 2]), { reduction: 'avg' as 'mean' }), error: kd.ValueError, match: /crossEntropy: avg is not a valid value for reduction \(use 'mean', 'sum' or 'none'\)/ },
  { name: 'PyTorch option spelling', call: () => kd.crossEntropy(logits(), labels([0, 1, 2]), { ignore_index: 0 } as kd.CrossEntropyOptions), error: kd.ArgumentTypeError, match: /crossEntropy: unknown option 'ignore_index' \(did you mean 'ignoreIndex'\?\)/ },
  { name: 'ignoreIndex with probabilities', call: () => kd.crossEntropy(logits(), kd.softmax(logits(), 1), { ignoreIndex: 0 }), error: kd.ValueError, match: /crossEntropy: ignoreIndex is not supported for class-probability targets/ },
  { name: 'int logits', call: () => kd.crossEntropy(kd.zeros([3, 4], { dtype: 'int32' }), labels([0, 1, 2])), error: kd.DTypeError, match: /crossEntropy: expected input to be a floating point tensor, got int32/ },
  { name: '0-d logits', call: () => kd.crossEntropy(kd.tensor(1), labels([0])), error: kd.ShapeError, match: /crossEntropy: input must have at least 1 dimension/ },
  { name: 'mseLoss [N] against [N, 1]', call: () => kd.mseLoss(kd.randn([3]), kd.randn([3, 1])), error: kd.ShapeError, match: /mseLoss: target size \[3, 1\] must be the same as input size \[3\] \(reshape the target/ },
  { name: 'mseLoss int target', call: () => kd.mseLoss(kd.randn([3]), kd.zeros([3], { dtype: 'int32' })), error: kd.DTypeError, match: /mseLoss: input \(float32\) and target \(int32\) should have the same dtype/ },
  { name: 'l1Loss int input', call: () => kd.l1Loss(kd.zeros([3], { dtype: 'int32' }), kd.zeros([3], { dtype: 'int32' })), error: kd.DTypeError, match: /l1Loss: expected input to be a floating point tensor, got int32/ },
  { name: 'smoothL1Loss negative beta', call: () => kd.smoothL1Loss(kd.randn([3]), kd.randn([3]), { beta: -1 }), error: kd.ValueError, match: /smoothL1Loss: beta must be a non-negative number, got -1/ },
  { name: 'binaryCrossEntropy input above 1', call: () => kd.binaryCrossEntropy(kd.tensor([0.5, 1.5]), kd.tensor([0, 1])), error: kd.ValueError, match: /binaryCrossEntropy: all elements of input should be between 0 and 1, but element 1 is 1\.5 \(apply sigmoid\(\) first/ },
  { name: 'binaryCrossEntropy shape mismatch', call: () => kd.binaryCrossEntropy(kd.rand([3]), kd.rand([3, 1])), error: kd.ShapeError, match: /binaryCrossEntropy: target size \[3, 1\] must be the same as input size \[3\]/ },
  { name: 'binaryCrossEntropy weight does not broadcast', call: () => kd.binaryCrossEntropy(kd.rand([2, 3]), kd.rand([2, 3]), { weight: kd.ones([2]) }), error: kd.ShapeError, match: /binaryCrossEntropy: weight of shape \[2\] does not broadcast to the input's shape \[2, 3\]/ },
  { name: 'binaryCrossEntropyWithLogits posWeight does not broadcast', call: () => kd.binaryCrossEntropyWithLogits(kd.randn([2, 3]), kd.rand([2, 3]), { posWeight: kd.ones([4]) }), error: kd.ShapeError, match: /binaryCrossEntropyWithLogits: posWeight of shape \[4\] does not broadcast to the input's shape \[2, 3\]/ },
  { name: 'binaryCrossEntropyWithLogits int target', call: () => kd.binaryCrossEntropyWithLogits(kd.randn([2]), kd.tensor([0, 1], { dtype: 'int32' })), error: kd.DTypeError, match: /input \(float32\) and target \(int32\) should have the same dtype/ },
];

describe('losses: bad input', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }
});
