/**
 * `nn.functional`: the functional form of every layer and loss (PyTorch's
 * `torch.nn.functional`). Ops with their own kernels come from src/ops/.
 *
 * ```ts
 * const F = nn.functional;
 * const y = F.relu(F.linear(x, w, b));
 * const loss = F.crossEntropy(logits, labels);
 * ```
 */
export { linear } from '../ops/matmul.js';
export { relu, leakyRelu, gelu, silu, sigmoid, tanh, softplus } from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export { conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, dropout, layerNorm, groupNorm, batchNorm, bilinear } from '../ops/nn.js';
export type { Conv1dOptions, Conv2dOptions, MaxPool2dFunctionalOptions, AvgPool2dFunctionalOptions, DropoutOptions, NormOptions, BatchNormFunctionalOptions } from '../ops/nn.js';
export { pad } from '../ops/pad.js';
export type { PadOptions, PaddingMode } from '../ops/pad.js';
export { embedding, oneHot } from '../ops/indexing.js';
export type { EmbeddingFunctionalOptions } from '../ops/indexing.js';
export { crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from '../ops/loss.js';
export type {
  Reduction, NLLLossFunctionalOptions, CrossEntropyOptions, LossOptions, SmoothL1LossOptions, BinaryCrossEntropyOptions, BinaryCrossEntropyWithLogitsOptions,
} from '../ops/loss.js';
export { multiHeadAttentionForward } from './layers/attention.js';
export type { MultiheadAttentionWeights, AttentionOptions } from './layers/attention.js';
