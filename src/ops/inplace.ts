import { backend } from '../backend/index.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { AutogradError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { isFloating } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { castRaw, view } from './core.js';

/**
 * Runs an in-place op: `compute(self)` builds the out-of-place result (with
 * autograd recorded against the tensor's history so far), which is then
 * written into the tensor's memory; the version counter is bumped so that
 * any backward that saved the old values refuses to run.
 */
export function applyInPlace(t: Tensor, op: string, compute: (self: Tensor) => Tensor): Tensor {
  const recording = isGradEnabled();
  if (recording && t.isLeaf && t.requiresGrad) {
    throw new AutogradError('a leaf tensor that requires grad is being used in an in-place operation', {
      op,
      hint: 'wrap the update in kd.noGrad(() => …), or use the out-of-place op',
    });
  }
  // Autograd must see the history *before* this op as the op's input; the
  // tensor object itself is about to get a new gradFn, so use an alias.
  let self = t;
  if (recording && t.requiresGrad) {
    self = new Tensor(t.storage, t.shape, t.strides, t.offset, t.dtype, t.base);
    self.gradFn = t.gradFn;
  }
  let r = compute(self);
  if (r.shape.length !== t.shape.length || r.shape.some((d, i) => d !== t.shape[i])) {
    throw new ShapeError(`output with shape ${fmtShape(t.shape)} doesn't match the broadcast shape ${fmtShape(r.shape)}`, { op });
  }
  if (r.dtype !== t.dtype) {
    if (isFloating(r.dtype) && !isFloating(t.dtype)) {
      throw new DTypeError(`result type ${r.dtype} can't be cast to the desired output type ${t.dtype}`, { op });
    }
    r = castRaw(r, t.dtype);
  }
  if (r.requiresGrad && t.base !== null) {
    throw new AutogradError('an in-place operation on a view of a tensor is not differentiable in kindling', {
      op,
      hint: 'use the out-of-place op, or do the update inside kd.noGrad(() => …)',
    });
  }
  backend().copy(view(t), view(r), t.shape);
  t.storage.version++;
  if (r.requiresGrad) t.gradFn = r.gradFn;
  return t;
}
