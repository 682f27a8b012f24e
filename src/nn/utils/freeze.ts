/**
 * `nn.utils.freeze` / `unfreeze`: stop and restart training part of a model
 * (fine-tuning: train the head with the base frozen, then unfreeze the base).
 */
import { ArgumentTypeError, ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { describeValue } from '../parameter.js';

/** The parameters of a module, or the given tensors, checked before anything changes. */
function paramsOf(op: string, target: Module | Tensor | Iterable<Tensor>): Tensor[] {
  if (target instanceof Module) return [...target.parameters()];
  if (target instanceof Tensor) return paramsOf(op, [target]);
  if (target === null || typeof target !== 'object' || typeof (target as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new ArgumentTypeError(`expected a Module, a parameter or an iterable of parameters, got ${describeValue(target)}`, {
      op,
      hint: `${op}(model.base) or ${op}(model.base.parameters())`,
    });
  }
  const list = [...(target as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentTypeError(`element ${i} is ${describeValue(p)}, not a parameter`, { op });
    if (!p.isLeaf) {
      throw new ValueError(`element ${i} is not a leaf tensor (it was computed by ${p.gradFn!.name})`, {
        op,
        hint: 'only parameters (leaf tensors) can be frozen; detach() gives a tensor that needs no grad',
      });
    }
  });
  return list as Tensor[];
}

/**
 * Freezes `target` (a module's parameters, or the given parameters):
 * `requiresGrad` off and any gradient cleared, so backward gives them no
 * grad and an optimizer step skips them (they get no state). Returns `target`.
 *
 * ```ts
 * nn.utils.freeze(model.base);            // train the head only
 * const opt = new optim.SGD(model.head.parameters(), { lr: 0.05 });
 * ```
 */
export function freeze<T extends Module | Tensor | Iterable<Tensor>>(target: T): T {
  const params = paramsOf('freeze', target);
  for (const p of params) {
    p.requiresGrad = false;
    // NOTE: PyTorch's requires_grad_(False) keeps a stale .grad, which an
    // optimizer would go on applying (with momentum); a frozen parameter has none.
    p.grad = null;
  }
  return target;
}

/**
 * Unfreezes `target`: `requiresGrad` on for a module's parameters (or the
 * given parameters). Add them to the optimizer if it does not hold them yet
 * (`opt.addParamGroup({ params: model.base.parameters(), lr: 1e-3 })`).
 * Returns `target`.
 *
 * ```ts
 * nn.utils.unfreeze(model.base);
 * opt.addParamGroup({ params: model.base.parameters(), lr: 0.005, name: 'base' });
 * ```
 */
export function unfreeze<T extends Module | Tensor | Iterable<Tensor>>(target: T): T {
  const params = paramsOf('unfreeze', target);
  const bad = params.findIndex((p) => p.dtype !== 'float32' && p.dtype !== 'float64');
  if (bad >= 0) throw new ValueError(`element ${bad} has dtype ${params[bad]!.dtype}; only floating point tensors can require gradients`, { op: 'unfreeze' });
  for (const p of params) p.requiresGrad = true;
  return target;
}
