/**
 * `nn`: modules, parameters, containers, layers, losses, `functional`,
 * `init` and `utils`.
 *
 * ```ts
 * import { nn } from 'kindling';
 * const model = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 10));
 * ```
 */
export { Module } from './module.js';
export type { NamedParametersOptions, NamedModulesOptions, ZeroGradOptions, RegisterBufferOptions } from './module.js';
export { Parameter } from './parameter.js';
export { IncompatibleStateDictError } from './state-dict.js';
export type { StateDict, StateDictOptions, LoadStateDictOptions, LoadStateDictResult, SizeMismatch } from './state-dict.js';
export {
  Sequential, ModuleList, ModuleDict, ModuleDictBase, ParameterList, ParameterDict, ParameterDictBase,
} from './containers.js';
export type { ModuleDictConstructor, ParameterDictConstructor } from './containers.js';
export { Identity, Linear, Bilinear, Flatten, Unflatten } from './layers/linear.js';
export type { LinearOptions } from './layers/linear.js';
export { ReLU, LeakyReLU, GELU, SiLU, Tanh, Sigmoid, Softmax, LogSoftmax } from './layers/activation.js';
export type { GELUOptions } from './layers/activation.js';
export type { FactoryOptions } from './layers/common.js';
export { Conv1d, Conv2d } from './layers/conv.js';
export type { ConvOptions, ConvPaddingMode } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pooling.js';
export type { MaxPool2dOptions, AvgPool2dOptions } from './layers/pooling.js';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm } from './layers/normalization.js';
export type { BatchNormOptions, LayerNormOptions, GroupNormOptions } from './layers/normalization.js';
export { Dropout, Embedding } from './layers/sparse.js';
export type { EmbeddingOptions } from './layers/sparse.js';
export { MultiheadAttention, TransformerEncoderLayer } from './layers/attention.js';
export { Loss, CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss } from './layers/loss.js';
export type { LossOptions, NLLLossOptions, CrossEntropyLossOptions, SmoothL1LossOptions, BCELossOptions, BCEWithLogitsLossOptions } from './layers/loss.js';
export type { MultiheadAttentionOptions, TransformerEncoderLayerOptions, AttentionOptions, Activation } from './layers/attention.js';
export * as init from './init.js';
export * as functional from './functional.js';
export * as utils from './utils/index.js';
