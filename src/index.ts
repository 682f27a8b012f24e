/**
 * kindling: PyTorch-style deep learning for TypeScript.
 *
 * ```ts
 * import * as kd from 'kindling';
 * const x = kd.randn([32, 1]);
 * ```
 */
import './ops/install.js';

export * from './errors.js';
export { Tensor, Storage } from './tensor/tensor.js';
export type { GradNode } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { TensorLike, Dims, ReduceOptions, VarOptions, BackwardOptions, SliceSpec, NestedArray } from './tensor/methods.js';
export {
  tensor, zeros, ones, full, empty, arange, linspace, eye, rand, randn, randint,
  zerosLike, onesLike, fullLike, emptyLike, randLike, randnLike, randintLike,
} from './tensor/creation.js';
export type { TensorOptions, RandomOptions, NestedInput, ShapeArg } from './tensor/creation.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { backend, setBackend, registerBackend } from './backend/index.js';
export type { Backend } from './backend/index.js';
export { backendInfo } from './backend/info.js';
export { nextFrame } from './next-frame.js';
export type { BackendInfo, KernelPath } from './backend/info.js';
export {
  where, add, sub, mul, div, pow, neg, exp, log, sqrt, rsqrt, abs, sign, clamp, minimum, maximum,
  relu, leakyRelu, gelu, silu, sigmoid, tanh, softplus, maskedFill,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, logicalNot, isnan, isfinite,
} from './ops/elementwise.js';
export { sum, mean, prod, max, min, amax, amin, argmax, argmin, variance as var, std, norm, all, any } from './ops/reduce.js';
export { cat, stack, split, chunk, reshape, flatten, permute, transpose, squeeze, unsqueeze } from './ops/shape.js';
export { indexSelect, gather, scatterAdd, oneHot, embedding } from './ops/indexing.js';
export type { EmbeddingFunctionalOptions } from './ops/indexing.js';
export { matmul, mm, bmm, linear } from './ops/matmul.js';
export { softmax, logSoftmax, logsumexp } from './ops/softmax.js';
export { pad } from './ops/pad.js';
export type { PadOptions, PaddingMode } from './ops/pad.js';
export { conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, dropout, layerNorm, groupNorm, batchNorm, bilinear } from './ops/nn.js';
export type { Conv1dOptions, Conv2dOptions, MaxPool2dFunctionalOptions, AvgPool2dFunctionalOptions, DropoutOptions, NormOptions, BatchNormFunctionalOptions } from './ops/nn.js';
export { crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from './ops/loss.js';
export type {
  Reduction, NLLLossFunctionalOptions, CrossEntropyOptions, LossOptions, SmoothL1LossOptions, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions,
} from './ops/loss.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions } from './autograd/gradcheck.js';
export * as nn from './nn/index.js';
// The optim namespace includes the groups toolkit (optim.paramGroups …); see src/groups/optim-namespace.ts.
export * as optim from './groups/optim-namespace.js';
export * as data from './data/index.js';
export * as io from './io/index.js';
export { save, load } from './io/stubs.js';
