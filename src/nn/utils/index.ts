/**
 * `nn.utils`: gradient clipping, flattening parameters into one vector, freezing.
 */
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
export { parametersToVector, vectorToParameters } from './convert-parameters.js';
export { freeze, unfreeze } from './freeze.js';
