import { AutogradError, checkKeys, DTypeError, fmtShape, optionKeys } from '../errors.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/** Options of `gradcheck` (PyTorch's defaults). */
export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance. */
  rtol?: number;
  /** Throw on failure (default) or return false. */
  raiseException?: boolean;
}

/**
 * Compares the analytical gradients autograd computes for `fn` with central
 * finite differences, PyTorch's `torch.autograd.gradcheck`. Inputs should be
 * float64 tensors; those with `requiresGrad` are checked. The output may have
 * any shape: each output element's gradient row is checked (the full Jacobian).
 *
 * ```ts
 * const x = kd.randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * kd.gradcheck((a) => a.tanh().sum(1), [x]); // true
 * ```
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  checkKeys('gradcheck', options, optionKeys<GradcheckOptions>({ eps: true, atol: true, rtol: true, raiseException: true }));
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseException ?? true;
  const checked = inputs.filter((t) => t.requiresGrad);
  for (const t of checked) {
    if (t.dtype !== 'float64') {
      throw new DTypeError(`gradcheck inputs that require grad must be float64, got ${t.dtype} ${fmtShape(t.shape)}`, {
        op: 'gradcheck',
        hint: 'create them with { dtype: "float64" } or call .double()',
      });
    }
    if (!t.isLeaf) {
      // Its .grad is never written, and perturbing its memory would not change what it was computed from.
      throw new AutogradError(`gradcheck inputs that require grad must be leaves, got one made by ${t.gradFn!.name}`, {
        op: 'gradcheck',
        hint: 'pass x.detach().requiresGrad_() and do the computation inside fn',
      });
    }
  }
  // The check writes .grad of the inputs; whatever they held before is put back afterwards.
  const before = checked.map((t) => t.grad);
  try {
    return compareJacobians(fn, inputs, checked, eps, atol, rtol, raise);
  } finally {
    checked.forEach((t, i) => (t.grad = before[i]!));
  }
}

function compareJacobians(
  fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], checked: Tensor[], eps: number, atol: number, rtol: number, raise: boolean,
): boolean {
  const nOut = noGrad(() => fn(...inputs)).numel;
  for (let o = 0; o < nOut; o++) {
    // Analytical: backward of the o-th output element.
    for (const t of checked) t.grad = null;
    const out = fn(...inputs);
    out.backward(oneHotLike(out, o));
    const analytical = checked.map((t) => (t.grad ? Array.from(t.grad.contiguous().dataSync()) : new Array<number>(t.numel).fill(0)));

    // Numerical: perturb each input element. Inputs are contiguous leaves here, or perturbed through their storage index.
    for (let ti = 0; ti < checked.length; ti++) {
      const t = checked[ti]!;
      const idx = storageIndices(t);
      for (let e = 0; e < idx.length; e++) {
        const data = t.storage.data;
        const orig = data[idx[e]!]!;
        data[idx[e]!] = orig + eps;
        const plus = noGrad(() => fn(...inputs).contiguous().dataSync()[o]!);
        data[idx[e]!] = orig - eps;
        const minus = noGrad(() => fn(...inputs).contiguous().dataSync()[o]!);
        data[idx[e]!] = orig;
        // NOTE: central differences: truncation error O(eps²) ≈ 1e-12, rounding error ≈ 1e-16 / eps ≈ 1e-10 in float64.
        const numerical = (plus - minus) / (2 * eps);
        const a = analytical[ti]![e]!;
        if (!(Math.abs(a - numerical) <= atol + rtol * Math.abs(numerical))) {
          if (!raise) return false;
          throw new AutogradError(
            `Jacobian mismatch for output ${o} with respect to input ${inputs.indexOf(t)}, element ${e}: ` +
              `numerical ${numerical}, analytical ${a}`,
            { op: 'gradcheck' },
          );
        }
      }
    }
  }
  return true;
}

/** A tensor of `out`'s shape and dtype that is 1 at flat position `o` and 0 elsewhere: the seed that picks one Jacobian row. */
function oneHotLike(out: Tensor, o: number): Tensor {
  const seed = zerosLike(out);
  seed.storage.data[o] = 1;
  return seed;
}

/** Storage positions of `t`'s elements in row-major order (works for non-contiguous views). */
function storageIndices(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (dim: number, off: number): void => {
    if (dim === t.ndim) {
      out.push(off);
      return;
    }
    for (let i = 0; i < t.shape[dim]!; i++) walk(dim + 1, off + i * t.strides[dim]!);
  };
  walk(0, t.offset);
  return out;
}
