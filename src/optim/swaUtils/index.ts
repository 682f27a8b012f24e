/**
 * `optim.swaUtils`: Stochastic Weight Averaging and EMA, as PyTorch's
 * `torch.optim.swa_utils` (2.x semantics): `AveragedModel`, `SWALR`,
 * `updateBn`, and the averaging functions.
 *
 * ```ts
 * const swaModel = new optim.swaUtils.AveragedModel(model);        // or { decay: 0.999 } for an EMA
 * const swaSched = new optim.swaUtils.SWALR(opt, { swaLr: 0.05 });
 * // … train, and from the SWA epoch on: swaModel.updateParameters(model); swaSched.step();
 * optim.swaUtils.updateBn(loader, swaModel);
 * ```
 */
export { AveragedModel, getEmaAvgFn, getEmaMultiAvgFn, getSwaAvgFn, getSwaMultiAvgFn, updateBn } from './averaged.js';
export type { AveragedModelOptions, AvgFn, BnBatch, MultiAvgFn } from './averaged.js';
export { SWALR } from './swalr.js';
export type { SWALROptions } from './swalr.js';
export { deepCopyModule } from './copy.js';
