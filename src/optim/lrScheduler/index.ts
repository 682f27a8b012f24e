/**
 * `optim.lrScheduler`: PyTorch's learning-rate schedulers with the same
 * values step for step, plus what parameter groups need: groups added to the
 * optimizer later are scheduled from the moment they arrive, a `groups`
 * selector lets a scheduler drive only some groups, and `preview` shows a
 * schedule without touching an optimizer.
 *
 * ```ts
 * import { optim } from 'kindling';
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
 * sched.getLastLr(); // every group's lr has come down to etaMin (0)
 * ```
 */
export { LRScheduler } from './base.js';
export {
  LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
} from './multiplicative.js';
export type {
  LrLambda, LambdaLROptions, StepLROptions, MultiStepLROptions, ConstantLROptions, LinearLROptions, ExponentialLROptions,
  PolynomialLROptions,
} from './multiplicative.js';
export { CosineAnnealingLR, CosineAnnealingWarmRestarts } from './cosine.js';
export type { CosineAnnealingLROptions, CosineAnnealingWarmRestartsOptions } from './cosine.js';
export { CyclicLR, OneCycleLR } from './cyclic.js';
export type { CyclicLROptions, OneCycleLROptions, ScaleFn } from './cyclic.js';
export { ReduceLROnPlateau } from './plateau.js';
export type { ReduceLROnPlateauOptions } from './plateau.js';
export { SequentialLR, ChainedScheduler } from './composite.js';
export type { SequentialLROptions, ChainedSchedulerOptions, EpochScheduler } from './composite.js';
export { preview } from './preview.js';
export type { PreviewOptions, PreviewGroup } from './preview.js';
export type {
  AbsoluteLrOptions, GroupSelector, ParamGroupHook, PerGroup, SchedulableGroup, SchedulableOptimizer, Scheduler, SchedulerOptions,
  SchedulerStateDict,
} from './types.js';
