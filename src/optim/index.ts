/**
 * Optimizers with PyTorch's parameter-group semantics, typed and strict.
 *
 * ```ts
 * import { optim } from 'kindling';
 * const opt = new optim.SGD([{ params: model.base.parameters() }, { params: model.classifier.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
 * ```
 */
export { Optimizer } from './optimizer.js';
export type { OptimizerSpec } from './optimizer.js';
export type {
  BaseHyper, GroupExtras, NamedParameter, NotASet, OptimizerStateDict, ParamGroup, ParamGroupSpec, ParamsInput, ParamsSource,
  ParamGroupHook, RemovableHandle, StateDictGroup, StateValue, StepHook, ZeroGradOptions,
} from './types.js';
export { fromPyTorchStateDict, toPyTorchStateDict } from './state-dict.js';
export { SGD, sgd } from './sgd.js';
export * as lrScheduler from './lrScheduler/index.js';
export * as swaUtils from './swaUtils/index.js';
export type { SGDOptions, SGDState } from './sgd.js';
export { Adam, AdamW, adam } from './adam.js';
export type { AdamOptions, AdamWOptions, AdamState } from './adam.js';
export { RMSprop, rmsprop } from './rmsprop.js';
export type { RMSpropOptions, RMSpropState } from './rmsprop.js';
export { Adagrad, adagrad } from './adagrad.js';
export type { AdagradOptions, AdagradState } from './adagrad.js';
export { Adadelta, adadelta } from './adadelta.js';
export type { AdadeltaOptions, AdadeltaState } from './adadelta.js';
export { Adamax, adamax } from './adamax.js';
export type { AdamaxOptions, AdamaxState } from './adamax.js';
export { NAdam, nadam } from './nadam.js';
export type { NAdamOptions, NAdamState } from './nadam.js';
export { RAdam, radam } from './radam.js';
export type { RAdamOptions, RAdamState } from './radam.js';
export { ASGD, asgd } from './asgd.js';
export type { ASGDOptions, ASGDState } from './asgd.js';
export { Rprop, rprop } from './rprop.js';
export type { RpropOptions, RpropState } from './rprop.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions, LBFGSState } from './lbfgs.js';
