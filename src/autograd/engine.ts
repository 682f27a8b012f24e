import { AutogradError, fmtShape, InternalError, ShapeError } from '../errors.js';
import type { BackwardOptions } from '../tensor/methods.js';
import type { Tensor } from '../tensor/tensor.js';
import { onesLike } from '../tensor/creation.js';
import { noGrad } from './grad-mode.js';

/**
 * Runs backpropagation from `root`: walks the recorded graph in reverse
 * topological order, sums the gradients reaching each tensor, and
 * accumulates them into `.grad` of leaves that require grad (and of non-leaf
 * tensors that asked with `retainGrad()`).
 */
export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new AutogradError('element 0 of tensors does not require grad and does not have a gradFn', {
      op: 'backward',
      hint: 'call requiresGrad_() on the leaf tensors, and do not compute the loss inside noGrad()',
    });
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.numel !== 1) {
      throw new AutogradError(`grad can be implicitly created only for scalar outputs, but the output has shape ${fmtShape(root.shape)}`, {
        op: 'backward',
        hint: 'reduce it first (loss.sum() or loss.mean()), or pass the gradient: out.backward(kd.onesLike(out))',
      });
    }
    seed = onesLike(root);
  } else {
    if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
      throw new ShapeError(`gradient has shape ${fmtShape(gradient.shape)}, but the output has shape ${fmtShape(root.shape)}`, {
        op: 'backward',
      });
    }
    seed = gradient.dtype === root.dtype ? gradient.detach() : noGrad(() => gradient.to(root.dtype));
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const retain = options.retainGraph ?? false;

  noGrad(() => {
    for (const t of order) {
      const g = grads.get(t);
      grads.delete(t);
      const fn = t.gradFn;
      if (fn === null) {
        if (g !== undefined) accumulate(t, g);
        continue;
      }
      if (g === undefined) {
        if (!retain) fn.release();
        continue;
      }
      if (t.retainsGrad) accumulate(t, g);
      const inputGrads = fn.apply(g);
      if (!retain) fn.release();
      fn.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (input === null || gi === null || gi === undefined) return;
        if (gi.shape.length !== input.shape.length || gi.shape.some((d, k) => d !== input.shape[k])) {
          throw new InternalError(`${fn.name} returned a gradient of shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? gi : prev.add(gi));
      });
    }
  });
}

/** Adds `g` into `t.grad`, copying on first write so a grad never aliases another tensor. */
function accumulate(t: Tensor, g: Tensor): void {
  const gt = g.dtype === t.dtype ? g : g.to(t.dtype);
  if (t.grad === null) {
    t.grad = gt.clone();
  } else {
    t.grad.add_(gt);
  }
}

/** Tensors reachable from `root` through grad functions, each before the tensors it was computed from. */
function topologicalOrder(root: Tensor): Tensor[] {
  const post: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN-style chains) must not overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i];
      if (child && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      post.push(t);
      stack.pop();
    }
  }
  return post.reverse();
}
