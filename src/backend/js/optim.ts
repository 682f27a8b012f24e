/**
 * Fused per-group optimizer steps (the `*Step` entries of the Backend
 * contract). Each call walks every parameter of one group once and updates
 * the parameter and its state in place, element by element, in the order of
 * operations of PyTorch 1.13's single-tensor ("for-loop") implementations.
 *
 * Arithmetic: the scalar coefficients (bias corrections, step sizes) are
 * computed in double, as PyTorch computes them in Python floats. Per-element
 * intermediates are kept in double and rounded once, when stored into the
 * param's or state's array; PyTorch rounds to float32 after every tensor op,
 * so results agree to a few float32 ulps per step, not bit for bit.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type {
  AdadeltaHyper, AdagradHyper, AdamaxHyper, AdamHyper, AsgdHyper, NadamHyper, RadamHyper, RmspropHyper, RpropHyper, SgdHyper,
} from '../backend.js';

export function sgdStep(params: TypedArray[], grads: TypedArray[], momentumBuffers: TypedArray[], fresh: Uint8Array, h: SgdHyper): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const buf = momentum !== 0 ? momentumBuffers[i]! : undefined;
    const first = fresh[i] === 1;
    for (let j = 0; j < p.length; j++) {
      // NOTE: maximize negates before weight decay, so decay still shrinks θ (PyTorch's order).
      let d = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) d += weightDecay * p[j]!;
      if (buf !== undefined) {
        // NOTE: a new buffer is the gradient itself, without dampening (PyTorch's rule, not zero-initialised).
        buf[j] = first ? d : momentum * buf[j]! + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[j]! : buf[j]!;
      }
      p[j] = p[j]! - lr * d;
    }
  }
}

export function adamStep(
  params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], maxExpAvgSqs: TypedArray[],
  steps: Float64Array, h: AdamHyper,
): void {
  const { lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay } = h;
  // NOTE: AdamW scales its decay by the current lr: θ ← θ·(1 − γλ), before the moments (PyTorch's AdamW).
  const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const m = expAvgs[i]!;
    const v = expAvgSqs[i]!;
    const vmax = amsgrad ? maxExpAvgSqs[i]! : undefined;
    const t = steps[i]!;
    // NOTE: bias corrections in double from the step count, as PyTorch's Python floats.
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (decoupledWeightDecay) p[j] = p[j]! * decay;
      else if (weightDecay !== 0) gj += weightDecay * p[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * gj;
      v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj;
      let vj = v[j]!;
      if (vmax !== undefined) {
        // NOTE: amsgrad keeps the max of the *uncorrected* second moment.
        vmax[j] = Math.max(vmax[j]!, vj);
        vj = vmax[j]!;
      }
      // NOTE: ε is added after the bias correction of √v (PyTorch: √v / √bc2 + ε).
      const denom = Math.sqrt(vj) / bc2Sqrt + eps;
      p[j] = p[j]! - (stepSize * m[j]!) / denom;
    }
  }
}

export function rmspropStep(
  params: TypedArray[], grads: TypedArray[], squareAvgs: TypedArray[], gradAvgs: TypedArray[], momentumBuffers: TypedArray[], h: RmspropHyper,
): void {
  const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const s = squareAvgs[i]!;
    const a = centered ? gradAvgs[i]! : undefined;
    const b = momentum > 0 ? momentumBuffers[i]! : undefined;
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      s[j] = alpha * s[j]! + (1 - alpha) * gj * gj;
      let avg: number;
      if (a !== undefined) {
        a[j] = alpha * a[j]! + (1 - alpha) * gj;
        avg = Math.sqrt(s[j]! - a[j]! * a[j]!);
      } else {
        avg = Math.sqrt(s[j]!);
      }
      // NOTE: ε outside the square root.
      avg += eps;
      if (b !== undefined) {
        b[j] = momentum * b[j]! + gj / avg;
        p[j] = p[j]! - lr * b[j]!;
      } else {
        p[j] = p[j]! - (lr * gj) / avg;
      }
    }
  }
}

export function adagradStep(params: TypedArray[], grads: TypedArray[], sums: TypedArray[], steps: Float64Array, h: AdagradHyper): void {
  const { lr, lrDecay, weightDecay, eps, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const sum = sums[i]!;
    // NOTE: the decayed lr uses the step count before this step (t − 1).
    const clr = lr / (1 + (steps[i]! - 1) * lrDecay);
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      sum[j] = sum[j]! + gj * gj;
      const std = Math.sqrt(sum[j]!) + eps;
      p[j] = p[j]! - (clr * gj) / std;
    }
  }
}

export function adadeltaStep(params: TypedArray[], grads: TypedArray[], squareAvgs: TypedArray[], accDeltas: TypedArray[], h: AdadeltaHyper): void {
  const { lr, rho, eps, weightDecay, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const v = squareAvgs[i]!;
    const u = accDeltas[i]!;
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      v[j] = rho * v[j]! + (1 - rho) * gj * gj;
      // NOTE: ε inside both square roots; the delta uses the accumulator *before* its update.
      const delta = (Math.sqrt(u[j]! + eps) / Math.sqrt(v[j]! + eps)) * gj;
      u[j] = rho * u[j]! + (1 - rho) * delta * delta;
      p[j] = p[j]! - lr * delta;
    }
  }
}

export function adamaxStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expInfs: TypedArray[], steps: Float64Array, h: AdamaxHyper): void {
  const { lr, beta1, beta2, eps, weightDecay, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const m = expAvgs[i]!;
    const u = expInfs[i]!;
    const clr = lr / (1 - beta1 ** steps[i]!);
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * gj;
      // NOTE: ε is added to |g| inside the max (PyTorch), not to the denominator; NaN propagates like amax.
      u[j] = Math.max(beta2 * u[j]!, Math.abs(gj) + eps);
      p[j] = p[j]! - (clr * m[j]!) / u[j]!;
    }
  }
}

export function nadamStep(
  params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], muProducts: Float64Array,
  steps: Float64Array, h: NadamHyper,
): void {
  const { lr, beta1, beta2, eps, weightDecay, momentumDecay, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const m = expAvgs[i]!;
    const v = expAvgSqs[i]!;
    const t = steps[i]!;
    const bc2 = 1 - beta2 ** t;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentumDecay));
    // NOTE: PyTorch keeps the product of the μ's in a float32 tensor, so it is rounded to float32 at each step.
    const muProduct = Math.fround(muProducts[i]! * Math.fround(mu));
    muProducts[i] = muProduct;
    // NOTE: Π_t·μ_{t+1} as in PyTorch 2.x. PyTorch 1.13 multiplied μ_t in a second time
    // (mu_product * mu * mu_next); 2.x fixed it. The difference fades after a few steps as Π → 0.
    const muProductNext = Math.fround(muProduct * Math.fround(muNext));
    const gradCoef = (lr * (1 - mu)) / (1 - muProduct);
    const avgCoef = (lr * muNext) / (1 - muProductNext);
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * gj;
      v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj;
      // NOTE: here ε is added after the bias-corrected root: √(v / bc2) + ε.
      const denom = Math.sqrt(v[j]! / bc2) + eps;
      p[j] = p[j]! - (gradCoef * gj) / denom - (avgCoef * m[j]!) / denom;
    }
  }
}

export function radamStep(params: TypedArray[], grads: TypedArray[], expAvgs: TypedArray[], expAvgSqs: TypedArray[], steps: Float64Array, h: RadamHyper): void {
  const { lr, beta1, beta2, eps, weightDecay, maximize } = h;
  const rhoInf = 2 / (1 - beta2) - 1;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const m = expAvgs[i]!;
    const v = expAvgSqs[i]!;
    const t = steps[i]!;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
    // NOTE: the variance is tractable only when ρ_t > 5; before that RAdam is SGD with momentum (PyTorch's threshold).
    const rectified = rhoT > 5;
    const rect = rectified ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1;
    const bc2Sqrt = Math.sqrt(bc2);
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * gj;
      v[j] = beta2 * v[j]! + (1 - beta2) * gj * gj;
      const mHat = m[j]! / bc1;
      if (rectified) {
        const adaptive = bc2Sqrt / (Math.sqrt(v[j]!) + eps);
        p[j] = p[j]! - mHat * lr * adaptive * rect;
      } else {
        p[j] = p[j]! - mHat * lr;
      }
    }
  }
}

export function asgdStep(
  params: TypedArray[], grads: TypedArray[], axs: TypedArray[], etas: Float64Array, mus: Float64Array, steps: Float64Array, h: AsgdHyper,
): void {
  const { lr, lambd, alpha, t0, weightDecay, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const ax = axs[i]!;
    const eta = etas[i]!;
    const mu = mus[i]!;
    const t = steps[i]!;
    const shrink = 1 - lambd * eta;
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      if (weightDecay !== 0) gj += weightDecay * p[j]!;
      // NOTE: the step uses η and μ from the previous step; they are updated after the loop.
      p[j] = p[j]! * shrink;
      p[j] = p[j]! - eta * gj;
      ax[j] = mu !== 1 ? ax[j]! + (p[j]! - ax[j]!) * mu : p[j]!;
    }
    // NOTE: PyTorch keeps η and μ in float32 tensors, so they are rounded to float32.
    etas[i] = Math.fround(lr / (1 + lambd * lr * t) ** alpha);
    mus[i] = Math.fround(1 / Math.max(1, t - t0));
  }
}

export function rpropStep(params: TypedArray[], grads: TypedArray[], prevs: TypedArray[], stepSizes: TypedArray[], h: RpropHyper): void {
  const { etaMinus, etaPlus, stepSizeMin, stepSizeMax, maximize } = h;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const prev = prevs[i]!;
    const size = stepSizes[i]!;
    // NOTE: the sign of g·prev is taken from the product in the param's precision: in float32 a
    // product of two tiny gradients underflows to 0 ("no sign change"), as in PyTorch.
    const round = p instanceof Float32Array ? Math.fround : (x: number): number => x;
    for (let j = 0; j < p.length; j++) {
      let gj = maximize ? -g[j]! : g[j]!;
      const prod = round(gj * prev[j]!);
      const factor = prod > 0 ? etaPlus : prod < 0 ? etaMinus : prod === 0 ? 1 : NaN;
      size[j] = Math.min(Math.max(size[j]! * factor, stepSizeMin), stepSizeMax);
      // NOTE: after a sign change the gradient is treated as 0: no step now, and no sign test next time.
      if (prod < 0) gj = 0;
      p[j] = p[j]! - Math.sign(gj) * size[j]!;
      prev[j] = gj;
    }
  }
}
