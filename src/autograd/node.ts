import { AutogradError, fmtShape } from '../errors.js';
import type { GradNode, Storage, Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** An op's backward: the gradients of its inputs (null where none is needed) given its output's gradient. */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/**
 * One recorded op. It keeps the closure that computes the inputs' gradients
 * and the versions of the tensors that closure saved, so that a tensor
 * modified in place after it was saved is caught instead of giving a wrong
 * gradient.
 */
export class Node implements GradNode {
  readonly next: readonly (GradNode | Tensor | null)[];
  retainedBy: Tensor | null = null;
  private fn: BackwardFn | null;
  private readonly savedVersions: number[];

  /** `inputs`: the op's inputs, `null` for those that need no gradient (`record` does that mapping). */
  constructor(
    readonly name: string,
    readonly inputs: readonly (Tensor | null)[],
    fn: BackwardFn,
    private readonly saved: readonly Tensor[],
  ) {
    this.fn = fn;
    this.savedVersions = saved.map((t) => t.version);
    this.next = inputs.map((t) => (t === null ? null : t.gradFn ?? t));
  }

  apply(gradOutput: Tensor): (Tensor | null)[] {
    if (this.fn === null) {
      throw new AutogradError(
        'trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
          'Saved intermediate values of the graph are freed when you call backward(). ' +
          'Specify { retainGraph: true } if you need to backward through the graph a second time',
        { op: this.name },
      );
    }
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i]!;
      if (t.version !== this.savedVersions[i]) {
        throw new AutogradError(
          'one of the variables needed for gradient computation has been modified by an inplace operation: ' +
            `[${t.dtype} ${fmtShape(t.shape)}], which is saved by ${this.name}, is at version ${t.version}; ` +
            `expected version ${this.savedVersions[i]} instead`,
          { op: 'backward', hint: 'use the out-of-place op (add instead of add_), or clone() the tensor before modifying it' },
        );
      }
    }
    return this.fn(gradOutput);
  }

  release(): void {
    this.fn = null;
  }

  /** Whether this node saved a tensor that lives in `storage` (in-place ops check this before overwriting it). */
  savesStorage(storage: Storage): boolean {
    return this.saved.some((t) => t.storage === storage);
  }
}

/** True when an op on `inputs` must record a node: grad mode is on and some input requires grad. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Records that `out` was computed from `inputs` by the op `name`, when any
 * input requires grad and grad mode is on. `backward` returns one gradient per
 * input (null for inputs that need none); `saved` lists the tensors whose
 * values `backward` reads, so that later in-place changes to them are caught.
 * Returns `out`.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  backward: BackwardFn,
  saved: readonly Tensor[] = [],
): Tensor {
  if (!needsGrad(...inputs)) return out;
  const gradInputs = inputs.map((t) => (t && t.requiresGrad ? t : null));
  out.gradFn = new Node(name, gradInputs, backward, saved);
  return out;
}
