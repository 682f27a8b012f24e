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
export { where } from './ops/elementwise.js';
export { matmul, linear } from './ops/matmul.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions } from './autograd/gradcheck.js';
