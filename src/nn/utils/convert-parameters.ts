/**
 * Flattening parameters into one vector and back (PyTorch's
 * `parameters_to_vector` / `vector_to_parameters`).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentTypeError, ShapeError, fmtShape } from '../../errors.js';
import { cat } from '../../ops/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { describeValue } from '../parameter.js';

function listOf(parameters: Iterable<Tensor>, op: string): Tensor[] {
  if (typeof parameters !== 'object' || parameters === null || !(Symbol.iterator in parameters) || parameters instanceof Tensor) {
    throw new ArgumentTypeError(`expected an iterable of Tensors, got ${describeValue(parameters)}`, { op, hint: 'pass model.parameters()' });
  }
  const list = [...parameters];
  for (const p of list) if (!(p instanceof Tensor)) throw new ArgumentTypeError(`expected Tensors, but one of them is ${describeValue(p)}`, { op });
  return list;
}

/**
 * All parameters flattened and concatenated into one 1-D tensor, in
 * iteration order (differentiable, as PyTorch's).
 *
 * ```ts
 * const v = nn.utils.parametersToVector(model.parameters()); // [numParameters]
 * ```
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = listOf(parameters, 'parametersToVector');
  return cat(list.map((p) => p.reshape([-1])));
}

/**
 * Copies consecutive slices of the 1-D `vec` into the parameters, in place
 * (the inverse of `parametersToVector`).
 *
 * ```ts
 * const v = nn.utils.parametersToVector(model.parameters());
 * nn.utils.vectorToParameters(v.mul(0.5).detach(), model.parameters()); // every parameter halved
 * ```
 *
 * NOTE: stricter than PyTorch, which ignores extra elements: the lengths must match.
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const op = 'vectorToParameters';
  if (!(vec instanceof Tensor)) throw new ArgumentTypeError(`expected vec to be a Tensor, got ${describeValue(vec)}`, { op });
  if (vec.ndim !== 1) throw new ShapeError(`expected a 1-D vector, got shape ${fmtShape(vec.shape)}`, { op });
  const list = listOf(parameters, op);
  const total = list.reduce((n, p) => n + p.numel, 0);
  if (total !== vec.shape[0]) {
    throw new ShapeError(`the vector has ${vec.shape[0]} elements, but the parameters hold ${total}`, { op });
  }
  noGrad(() => {
    let offset = 0;
    for (const p of list) {
      p.copy_(vec.narrow(0, offset, p.numel).reshape(p.shape));
      offset += p.numel;
    }
  });
}
