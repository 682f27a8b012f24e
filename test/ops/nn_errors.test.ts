/**
 * Bad input to the nn ops (softmax family, convolution, pooling, dropout,
 * normalisation, bilinear): each row names the call, the error class and
 * the message it must carry.
 */
import { describe, expect, it } from 'vitest';
import { kd } from '../helpers.js';

const x4 = (...shape: number[]): kd.Tensor => kd.randn(shape);

const rows: { name: string; call: () => unknown; error: new (...args: never[]) => Error; match: RegExp }[] = [
  // softmax family
  { name: 'softmax on int', call: () => kd.softmax(kd.tensor([1, 2], { dtype: 'int32' }), 0), error: kd.DTypeError, match: /softmax: expected a floating point tensor, got int32/ },
  { name: 'logSoftmax dim out of range', call: () => kd.logSoftmax(x4(2, 3), 2), error: kd.IndexError, match: /logSoftmax: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/ },
  { name: 'logsumexp repeated dim', call: () => kd.logsumexp(x4(2, 3), [1, -1]), error: kd.IndexError, match: /logsumexp: dim 1.*appears multiple times/ },

  // convolution
  { name: 'conv2d on a 2-D input', call: () => kd.conv2d(x4(3, 4), x4(2, 3, 1, 1)), error: kd.ShapeError, match: /conv2d: expected 3D \(unbatched\) or 4D \(batched\) input, but got input of size \[3, 4\]/ },
  { name: 'conv2d with the wrong number of channels', call: () => kd.conv2d(x4(2, 4, 5, 5), x4(8, 3, 3, 3)), error: kd.ShapeError, match: /conv2d: given groups=1, weight of size \[8, 3, 3, 3\], expected input \[2, 4, 5, 5\] to have 3 channels, but got 4 channels instead/ },
  { name: 'conv2d channels-last input', call: () => kd.conv2d(x4(1, 5, 5, 3), x4(2, 3, 3, 3)), error: kd.ShapeError, match: /to have 3 channels, but got 5 channels instead \(the input channel dimension is dim 1/ },
  { name: 'conv2d with a 3-D weight', call: () => kd.conv2d(x4(1, 3, 5, 5), x4(2, 3, 3)), error: kd.ShapeError, match: /conv2d: weight must be 4-D \[outChannels, inChannels \/ groups, kH, kW\], got \[2, 3, 3\]/ },
  { name: 'conv2d kernel larger than input', call: () => kd.conv2d(x4(1, 1, 3, 3), x4(1, 1, 5, 5)), error: kd.ShapeError, match: /conv2d: calculated padded input size per channel: \(3 x 3\)\. Kernel size: \(5 x 5\)\. Kernel size can't be greater than actual input size/ },
  { name: 'conv2d dilated kernel larger than input', call: () => kd.conv2d(x4(1, 1, 4, 4), x4(1, 1, 3, 3), { dilation: 2 }), error: kd.ShapeError, match: /Kernel size: \(5 x 5\)/ },
  { name: 'conv2d out channels not divisible by groups', call: () => kd.conv2d(x4(1, 4, 5, 5), x4(3, 2, 3, 3), { groups: 2 }), error: kd.ValueError, match: /conv2d: out channels \(weight\.shape\[0\] = 3\) must be divisible by groups \(2\)/ },
  { name: 'conv2d bias of the wrong size', call: () => kd.conv2d(x4(1, 3, 5, 5), x4(4, 3, 3, 3), x4(3)), error: kd.ShapeError, match: /conv2d: expected bias to be 1-D with 4 elements, but got bias of size \[3\]/ },
  { name: 'conv2d stride 0', call: () => kd.conv2d(x4(1, 1, 5, 5), x4(1, 1, 3, 3), { stride: 0 }), error: kd.ValueError, match: /conv2d: stride must be a positive integer, got 0/ },
  { name: 'conv2d negative padding', call: () => kd.conv2d(x4(1, 1, 5, 5), x4(1, 1, 3, 3), { padding: [1, -1] }), error: kd.ValueError, match: /conv2d: padding must be a non-negative integer, got -1/ },
  { name: 'conv2d padding list of the wrong length', call: () => kd.conv2d(x4(1, 1, 5, 5), x4(1, 1, 3, 3), { padding: [1, 1, 1] as unknown as [number, number] }), error: kd.ValueError, match: /conv2d: padding must be a number or a list of 2, got \[1, 1, 1\]/ },
  { name: "conv2d padding 'same' with stride 2", call: () => kd.conv2d(x4(1, 1, 5, 5), x4(1, 1, 3, 3), { padding: 'same', stride: 2 }), error: kd.ValueError, match: /padding='same' is not supported for strided convolutions/ },
  { name: 'conv2d unknown padding string', call: () => kd.conv2d(x4(1, 1, 5, 5), x4(1, 1, 3, 3), { padding: 'full' as 'same' }), error: kd.ValueError, match: /conv2d: invalid padding string 'full'/ },
  { name: 'conv2d on int input', call: () => kd.conv2d(kd.zeros([1, 1, 3, 3], { dtype: 'int32' }), x4(1, 1, 2, 2)), error: kd.DTypeError, match: /conv2d: expected input to be a floating point tensor, got int32/ },
  { name: 'conv2d mixed dtypes', call: () => kd.conv2d(x4(1, 1, 3, 3), kd.randn([1, 1, 2, 2], { dtype: 'float64' })), error: kd.DTypeError, match: /conv2d: input \(float32\) and weight \(float64\) should have the same dtype/ },
  { name: 'conv2d misspelt option', call: () => kd.conv2d(x4(1, 1, 3, 3), x4(1, 1, 2, 2), { strides: 2 } as kd.Conv2dOptions), error: kd.ArgumentTypeError, match: /conv2d: unknown option 'strides' \(did you mean 'stride'\?\)/ },
  { name: 'conv1d on a 4-D input', call: () => kd.conv1d(x4(1, 2, 3, 4), x4(1, 2, 3)), error: kd.ShapeError, match: /conv1d: expected 2D \(unbatched\) or 3D \(batched\) input, but got input of size \[1, 2, 3, 4\]/ },

  // pooling
  { name: 'maxPool2d on a 2-D input', call: () => kd.maxPool2d(x4(4, 4), 2), error: kd.ShapeError, match: /maxPool2d: expected 3D or 4D input with non-zero height and width, but got input of size \[4, 4\]/ },
  { name: 'maxPool2d padding over half the kernel', call: () => kd.maxPool2d(x4(1, 1, 6, 6), 3, { padding: 2 }), error: kd.ValueError, match: /maxPool2d: padding \(2, 2\) must be at most half the kernel size \(3, 3\)/ },
  { name: 'maxPool2d kernel larger than input', call: () => kd.maxPool2d(x4(1, 1, 2, 2), 3), error: kd.ShapeError, match: /maxPool2d: given input size \[1, 1, 2, 2\], the calculated output size \(0 x 0\) is too small/ },
  { name: 'maxPool2d on int input', call: () => kd.maxPool2d(kd.zeros([1, 4, 4], { dtype: 'int32' }), 2), error: kd.DTypeError, match: /maxPool2d: expected input to be a floating point tensor, got int32/ },
  { name: 'maxPool2d PyTorch option spelling', call: () => kd.maxPool2d(x4(1, 4, 4), 2, { ceil_mode: true } as kd.MaxPool2dFunctionalOptions), error: kd.ArgumentTypeError, match: /maxPool2d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)/ },
  { name: 'avgPool2d kernel 0', call: () => kd.avgPool2d(x4(1, 4, 4), 0), error: kd.ValueError, match: /avgPool2d: kernelSize must be a positive integer, got 0/ },
  { name: 'avgPool2d divisorOverride 0', call: () => kd.avgPool2d(x4(1, 4, 4), 2, { divisorOverride: 0 }), error: kd.ValueError, match: /avgPool2d: divisorOverride must be a positive integer, got 0/ },
  { name: 'adaptiveAvgPool2d output size 0', call: () => kd.adaptiveAvgPool2d(x4(1, 4, 4), 0), error: kd.ValueError, match: /adaptiveAvgPool2d: outputSize must be a positive integer, got 0/ },
  { name: 'adaptiveAvgPool2d on a 5-D input', call: () => kd.adaptiveAvgPool2d(x4(1, 1, 1, 4, 4), 2), error: kd.ShapeError, match: /adaptiveAvgPool2d: expected 3D or 4D input/ },

  // dropout
  { name: 'dropout p above 1', call: () => kd.dropout(x4(3), 1.5), error: kd.ValueError, match: /dropout: dropout probability has to be between 0 and 1, but got 1\.5/ },
  { name: 'dropout p negative (options)', call: () => kd.dropout(x4(3), { p: -0.1 }), error: kd.ValueError, match: /but got -0\.1/ },
  { name: 'dropout on int', call: () => kd.dropout(kd.zeros([3], { dtype: 'int32' })), error: kd.DTypeError, match: /dropout: expected input to be a floating point tensor, got int32/ },

  // normalisation
  { name: 'layerNorm shape mismatch', call: () => kd.layerNorm(x4(2, 3), [4]), error: kd.ShapeError, match: /layerNorm: given normalizedShape=\[4\], expected input with shape \[\*, 4\], but got input of size \[2, 3\]/ },
  { name: 'layerNorm weight shape', call: () => kd.layerNorm(x4(2, 3), 3, { weight: x4(4) }), error: kd.ShapeError, match: /layerNorm: expected weight of shape \[3\], got \[4\]/ },
  { name: 'layerNorm negative eps', call: () => kd.layerNorm(x4(2, 3), 3, { eps: -1 }), error: kd.ValueError, match: /layerNorm: eps must be a non-negative number, got -1/ },
  { name: 'groupNorm channels not divisible', call: () => kd.groupNorm(x4(2, 6, 4), 4), error: kd.ValueError, match: /groupNorm: expected the number of channels in input to be divisible by numGroups, but got input of shape \[2, 6, 4\] and numGroups=4/ },
  { name: 'batchNorm training on one value per channel', call: () => kd.batchNorm(x4(1, 3), null, null, { training: true }), error: kd.ValueError, match: /batchNorm: expected more than 1 value per channel when training, got input size \[1, 3\]/ },
  { name: 'batchNorm eval without running stats', call: () => kd.batchNorm(x4(4, 3), null, null), error: kd.ValueError, match: /batchNorm: runningMean and runningVar must be defined in evaluation mode/ },
  { name: 'batchNorm running mean of the wrong size', call: () => kd.batchNorm(x4(4, 3), kd.zeros([4]), kd.ones([4])), error: kd.ShapeError, match: /batchNorm: expected runningMean of shape \[3\] \(one per channel of input \[4, 3\]\), got \[4\]/ },
  { name: 'batchNorm momentum above 1', call: () => kd.batchNorm(x4(4, 3), kd.zeros([3]), kd.ones([3]), { training: true, momentum: 2 }), error: kd.ValueError, match: /batchNorm: momentum must be in \[0, 1\], got 2/ },

  // bilinear
  { name: 'bilinear feature sizes', call: () => kd.bilinear(x4(5, 3), x4(5, 5), x4(2, 3, 4)), error: kd.ShapeError, match: /bilinear: inputs of size \[5, 3\] and \[5, 5\] do not fit weight \[2, 3, 4\]: the last dimensions must be 3 and 4/ },
  { name: 'bilinear batch sizes', call: () => kd.bilinear(x4(5, 3), x4(6, 4), x4(2, 3, 4)), error: kd.ShapeError, match: /bilinear: input batch dimensions do not match: got \[5\] and \[6\]/ },
];

describe('nn ops: bad input', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(row.call).toThrow(row.error);
      expect(row.call).toThrow(row.match);
    });
  }

  it('a failed batchNorm leaves the running statistics unchanged', () => {
    const rm = kd.tensor([1, 2, 3]);
    const rv = kd.tensor([4, 5, 6]);
    expect(() => kd.batchNorm(x4(4, 3), rm, rv, { training: true, weight: x4(2) })).toThrow(/expected weight of shape \[3\]/);
    expect(rm.toArray()).toEqual([1, 2, 3]);
    expect(rv.toArray()).toEqual([4, 5, 6]);
    expect(rm.version).toBe(0);
  });
});
