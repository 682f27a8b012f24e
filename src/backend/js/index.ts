import type { Backend } from '../backend.js';
import type { DType, DTypeArrays } from '../../tensor/dtype.js';
import { zeroedArray } from '../arrays.js';
import { binary, copy, fill, geluBackward, reluBackward, unary, where } from './elementwise.js';
import { col2im, depthwiseConv2d, depthwiseConv2dBackwardInput, depthwiseConv2dBackwardWeight, im2col } from './conv.js';
import { matmul, matmulSum } from './matmul.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { reduce } from './reduce.js';
import { batchNorm, batchNormBackward, groupNorm, groupNormBackward } from './norm.js';
import * as optim from './optim.js';
import { logsumexp, nllLoss, nllLossBackward, softmax, softmaxBackward } from './softmax.js';

/** The pure-TypeScript backend: runs everywhere, and is the reference the native backend is checked against. */
export const jsBackend: Backend = {
  name: 'js',
  allocUninit,
  copy,
  fill,
  unary,
  binary,
  where,
  reluBackward,
  geluBackward,
  reduce,
  matmul,
  matmulSum,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  softmax,
  softmaxBackward,
  logsumexp,
  nllLoss,
  nllLossBackward,
  im2col,
  col2im,
  depthwiseConv2d,
  depthwiseConv2dBackwardInput,
  depthwiseConv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  groupNorm,
  groupNormBackward,
  batchNorm,
  batchNormBackward,
  ...optim,
};

/** The js backend's result arrays: plain typed arrays (zeroed, as JavaScript allocates them). */
function allocUninit<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
  return zeroedArray(dtype, size);
}
