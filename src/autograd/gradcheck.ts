import { fmtShape, KindlingError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

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
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseException ?? true;
  const checked = inputs.filter((t) => t.requiresGrad);
  for (const t of checked) {
    if (t.dtype !== 'float64') {
      throw new KindlingError(`gradcheck inputs that require grad must be float64, got ${t.dtype} ${fmtShape(t.shape)}`, {
        op: 'gradcheck',
        hint: 'create them with { dtype: "float64" } or call .double()',
      });
    }
  }
  const out0 = noGrad(() => fn(...inputs));
  const nOut = out0.numel;

  for (let o = 0; o < nOut; o++) {
    // Analytical: backward of the o-th output element.
    for (const t of checked) t.grad = null;
    const out = fn(...inputs);
    const seedData = new Float64Array(nOut);
    seedData[o] = 1;
    const seed = (out as Tensor).detach().mul(0).add(seedTensorLike(out, seedData));
    out.backward(seed.to(out.dtype));
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
        const numerical = (plus - minus) / (2 * eps);
        const a = analytical[ti]![e]!;
        if (!(Math.abs(a - numerical) <= atol + rtol * Math.abs(numerical))) {
          if (!raise) return false;
          throw new KindlingError(
            `Jacobian mismatch for output ${o} with respect to input ${inputs.indexOf(t)}, element ${e}: ` +
              `numerical ${numerical}, analytical ${a}`,
            { op: 'gradcheck' },
          );
        }
      }
    }
  }
  for (const t of checked) t.grad = null;
  return true;
}

function seedTensorLike(out: Tensor, data: Float64Array): Tensor {
  // Built through the tensor's own methods so this file needs nothing from the ops layer.
  const flat = out.detach().double().reshape([-1]).mul(0);
  const d = flat.storage.data;
  for (let i = 0; i < data.length; i++) d[flat.offset + i] = data[i]!;
  return flat.reshape(out.shape);
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
