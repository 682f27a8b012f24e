/**
 * `nn.Parameter`: a tensor that a Module registers as one of its parameters.
 */
import { ArgumentTypeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A Tensor that is a module parameter: assigning one to a property of a
 * `Module` registers it, so it shows up in `parameters()`, `stateDict()` and
 * optimizers. It is always a leaf and requires grad unless told otherwise.
 * The new Parameter shares `data`'s memory (no copy), as in PyTorch.
 *
 * ```ts
 * class Scale extends nn.Module {
 *   gain = new nn.Parameter(kd.ones([3]));
 *   forward(x: Tensor) { return x.mul(this.gain); }
 * }
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new ArgumentTypeError(`expected a Tensor, got ${describeValue(data)}`, {
        op: 'nn.Parameter',
        hint: 'wrap a tensor: new nn.Parameter(kd.zeros([3]))',
      });
    }
    // NOTE: like PyTorch's Parameter(t), the result shares t's storage but is a
    // fresh leaf: t's autograd history (if any) is not carried over.
    super(data.storage, [...data.shape], [...data.strides], data.offset, data.dtype, data.base);
    this.requiresGrad_(requiresGrad);
  }

  /** `Parameter containing:` followed by the tensor, as PyTorch prints it. */
  override toString(): string {
    return `Parameter containing:\n${Tensor.prototype.toString.call(this)}`;
  }
}

/** A short description of any value for error messages: `Tensor`, `number 3`, `an Array`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an Array';
  if (Object.prototype.toString.call(v) === '[object Generator]') return 'a Generator';
  if (typeof v === 'object' || typeof v === 'function') {
    const ctor = (v as { constructor?: { name?: string } }).constructor;
    return ctor?.name ? ctor.name : 'an object';
  }
  return `${typeof v} ${String(v)}`;
}
