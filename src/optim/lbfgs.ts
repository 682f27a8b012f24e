/**
 * L-BFGS, as PyTorch's `torch.optim.LBFGS` (itself after minFunc): one group,
 * a closure that re-evaluates the loss, optional strong-Wolfe line search.
 *
 * It is not a per-group kernel like the others: each step calls the closure
 * several times and works on one flat vector of all parameters, so its vector
 * operations are plain loops here. Vectors are kept in the parameters' dtype
 * and the scalars PyTorch holds in 0-d tensors (dot products, ρ, H_diag) are
 * rounded to that dtype too, so float32 runs follow PyTorch's closely.
 */
import { backend } from '../backend/index.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { DTypeError, ValueError } from '../errors.js';
import { view } from '../ops/core.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { nonNegative, type HyperSchema } from './hyper.js';
import { copyTensor, flat } from './kernel.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamGroupSpec, ParamsInput } from './types.js';

/** LBFGS's hyperparameters (PyTorch's `LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100, line_search_fn=None)`). */
export interface LBFGSOptions {
  /** Step length (default 1). */
  lr?: number;
  /** Iterations per `step()` (default 20). */
  maxIter?: number;
  /** Closure evaluations per `step()` (default ⌊maxIter·5/4⌋). */
  maxEval?: number;
  /** Stop when the largest |gradient| is at most this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the loss or the step changes less than this (default 1e-9). */
  toleranceChange?: number;
  /** How many past updates approximate the Hessian (default 100). */
  historySize?: number;
  /** `'strong_wolfe'` or `null` for a fixed step (default null). */
  lineSearchFn?: 'strong_wolfe' | null;
}

/** The state LBFGS keeps (on its first parameter, as PyTorch). */
export interface LBFGSState {
  funcEvals: number;
  nIter: number;
  d?: Tensor;
  t?: number;
  oldDirs?: Tensor[];
  oldStps?: Tensor[];
  ro?: number[];
  HDiag?: number;
  prevFlatGrad?: Tensor;
  prevLoss?: number;
}

const positive = (what: string) => (v: number): string | undefined => (v > 0 ? undefined : `Invalid ${what}: ${v}`);

export const LBFGS_SCHEMA: HyperSchema<Required<LBFGSOptions>> = {
  optimizer: 'LBFGS',
  keys: {
    lr: { kind: 'number', default: 1, check: nonNegative('learning rate') },
    maxIter: { kind: 'integer', default: 20, check: positive('max_iter value') },
    maxEval: { kind: 'integer', default: 25, check: positive('max_eval value') },
    toleranceGrad: { kind: 'number', default: 1e-7 },
    toleranceChange: { kind: 'number', default: 1e-9 },
    historySize: { kind: 'integer', default: 100, check: positive('history_size value') },
    lineSearchFn: { kind: { oneOf: ['strong_wolfe', null] }, default: null },
  },
};

type Vec = TypedArray;

/** Vector helpers in the parameters' dtype; `S` rounds a scalar as a 0-d tensor of that dtype would be. */
class VecOps {
  constructor(readonly f32: boolean) {}
  S = (x: number): number => (this.f32 ? Math.fround(x) : x);
  alloc(n: number): Vec {
    return this.f32 ? new Float32Array(n) : new Float64Array(n);
  }
  dot(a: Vec, b: Vec): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return this.S(s);
  }
  scaled(a: Vec, k: number): Vec {
    const out = this.alloc(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i]! * k;
    return out;
  }
  /** a += k·b */
  axpy(a: Vec, k: number, b: Vec): void {
    for (let i = 0; i < a.length; i++) a[i] = a[i]! + k * b[i]!;
  }
  absMax(a: Vec): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
    return m;
  }
  absSum(a: Vec): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
    return this.S(s);
  }
}

function lossValue(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x instanceof Tensor) return x.item();
  throw new ValueError(`the closure must return the loss (a number or a 1-element tensor), got ${String(x)}`, { op: 'LBFGS.step' });
}

/**
 * L-BFGS. Needs a closure that clears the grads, computes the loss, calls
 * backward and returns the loss; supports only one parameter group.
 *
 * ```ts
 * const opt = new optim.LBFGS(model.parameters(), { lineSearchFn: 'strong_wolfe' });
 * opt.step(() => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; });
 * ```
 */
export class LBFGS extends Optimizer<Required<LBFGSOptions>, LBFGSState> {
  /** The hyperparameters' kinds, defaults and checks (read by `optim.paramGroups`). */
  static readonly schema = LBFGS_SCHEMA;

  constructor(params: ParamsInput<LBFGSOptions>, options: LBFGSOptions = {}) {
    const maxIter = options.maxIter ?? 20;
    // NOTE: PyTorch's default max_eval is max_iter·5//4, resolved from the options' max_iter.
    const opts = options.maxEval === undefined && Number.isInteger(maxIter) ? { ...options, maxEval: Math.floor((maxIter * 5) / 4) } : options;
    super(params, opts, {
      schema: LBFGS_SCHEMA,
      state: {
        funcEvals: { kind: 'number' }, nIter: { kind: 'number' }, d: { kind: 'flat', optional: true }, t: { kind: 'number', optional: true },
        oldDirs: { kind: 'flatList', optional: true }, oldStps: { kind: 'flatList', optional: true }, ro: { kind: 'numberList', optional: true },
        HDiag: { kind: 'number', optional: true }, prevFlatGrad: { kind: 'flat', optional: true }, prevLoss: { kind: 'number', optional: true },
        al: { kind: 'ignore', optional: true },
      },
    });
    if (this.paramGroups.length !== 1) throw new ValueError('LBFGS doesn\'t support per-parameter options (parameter groups)', { op: 'LBFGS', hint: 'give all parameters as one list' });
    const dtypes = new Set(this.paramGroups[0]!.params.map((p) => p.dtype));
    if (dtypes.size > 1) throw new DTypeError(`all parameters must have one dtype, got ${[...dtypes].join(' and ')}`, { op: 'LBFGS' });
  }

  override addParamGroup(_spec: ParamGroupSpec<Partial<Required<LBFGSOptions>>>): void {
    throw new ValueError('LBFGS doesn\'t support per-parameter options (parameter groups)', { op: 'LBFGS.addParamGroup' });
  }

  protected override updateGroup(): void {
    // LBFGS runs its own step (runStep).
  }

  private get params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  private gatherFlatGrad(ops: VecOps): Vec {
    const n = this.params.reduce((k, p) => k + p.numel, 0);
    const out = ops.alloc(n);
    let off = 0;
    for (const p of this.params) {
      // NOTE: a parameter without grad counts as a zero gradient (PyTorch's LBFGS does not skip it).
      if (p.grad !== null) out.set(p.grad.isContiguous() ? flat(p.grad) : copyTensor(p.grad).storage.data, off);
      off += p.numel;
    }
    return out;
  }

  /** θ += t·d over all parameters. */
  private addGrad(t: number, d: Vec): void {
    let off = 0;
    for (const p of this.params) {
      const target = p.isContiguous() ? p : copyTensor(p);
      const a = flat(target);
      for (let i = 0; i < a.length; i++) a[i] = a[i]! + t * d[off + i]!;
      if (target !== p) backend().copy(view(p), view(target), p.shape);
      p.storage.version++;
      off += p.numel;
    }
  }

  private cloneParams(): Tensor[] {
    return this.params.map((p) => copyTensor(p));
  }

  private setParams(values: Tensor[]): void {
    this.params.forEach((p, i) => {
      backend().copy(view(p), view(values[i]!), p.shape);
      p.storage.version++;
    });
  }

  protected override runStep<L>(closure?: () => L): L | undefined {
    if (closure === undefined) {
      throw new ValueError('LBFGS needs a closure that re-evaluates the model and returns the loss', {
        op: 'LBFGS.step',
        hint: 'opt.step(() => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; })',
      });
    }
    this.checkLiveGroups();
    return noGrad(() => this.lbfgs(closure));
  }

  private lbfgs<L>(closure: () => L): L {
    const group = this.paramGroups[0]! as ParamGroup<Required<LBFGSOptions>>;
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const first = this.params[0]!;
    const ops = new VecOps(first.dtype === 'float32');
    const evaluate = (): number => lossValue(enableGrad(closure));
    const state = this.stateOf(first, () => ({ funcEvals: 0, nIter: 0 }));

    const origLoss = enableGrad(closure);
    let loss = lossValue(origLoss);
    let currentEvals = 1;
    state.funcEvals += 1;
    let flatGrad = this.gatherFlatGrad(ops);
    if (ops.absMax(flatGrad) <= toleranceGrad) return origLoss;

    const toVec = (t: Tensor | undefined): Vec | undefined => (t === undefined ? undefined : flat(t));
    let d = toVec(state.d);
    let t = state.t ?? 0;
    let oldDirs = (state.oldDirs ?? []).map((x) => flat(x));
    let oldStps = (state.oldStps ?? []).map((x) => flat(x));
    let ro = [...(state.ro ?? [])];
    let HDiag = state.HDiag ?? 1;
    let prevFlatGrad = toVec(state.prevFlatGrad);
    let prevLoss = state.prevLoss ?? 0;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter++;
      if (state.nIter === 1) {
        d = ops.scaled(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        HDiag = 1;
      } else {
        const y = ops.alloc(flatGrad.length);
        for (let i = 0; i < y.length; i++) y[i] = flatGrad[i]! - prevFlatGrad![i]!;
        const s = ops.scaled(d!, t);
        const ys = ops.dot(y, s);
        // NOTE: the pair is kept only under the curvature condition yᵀs > 1e-10 (PyTorch's threshold).
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(ops.S(1 / ys));
          HDiag = ops.S(ys / ops.dot(y, y));
        }
        // Two-loop recursion: d = −H·g.
        const al = new Array<number>(oldDirs.length);
        const q = ops.scaled(flatGrad, -1);
        for (let i = oldDirs.length - 1; i >= 0; i--) {
          al[i] = ops.S(ops.dot(oldStps[i]!, q) * ro[i]!);
          ops.axpy(q, -al[i]!, oldDirs[i]!);
        }
        const r = ops.scaled(q, HDiag);
        for (let i = 0; i < oldDirs.length; i++) {
          const be = ops.S(ops.dot(oldDirs[i]!, r) * ro[i]!);
          ops.axpy(r, ops.S(al[i]! - be), oldStps[i]!);
        }
        d = r;
      }
      prevFlatGrad = flatGrad.slice();
      prevLoss = loss;
      if (state.nIter === 1) {
        // NOTE: the very first iteration scales the step by min(1, 1/|g|₁); PyTorch computes 1/|g|₁
        // as a 0-d tensor, so the product is rounded to the param dtype when that branch is taken.
        const r = ops.S(1 / ops.absSum(flatGrad));
        t = r < 1 ? ops.S(r * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = ops.dot(flatGrad, d!);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      let optCond = false;
      if (lineSearchFn === 'strong_wolfe') {
        const xInit = this.cloneParams();
        const obj = (x: Tensor[], step: number, dir: Vec): [number, Vec] => {
          this.addGrad(step, dir);
          const f = evaluate();
          const g = this.gatherFlatGrad(ops);
          this.setParams(x);
          return [f, g];
        };
        const res = strongWolfe(ops, obj, xInit, t, d!, loss, flatGrad, gtd, toleranceChange);
        [loss, flatGrad, t, lsFuncEvals] = res;
        this.addGrad(t, d!);
        optCond = ops.absMax(flatGrad) <= toleranceGrad;
      } else {
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = evaluate();
          flatGrad = this.gatherFlatGrad(ops);
          optCond = ops.absMax(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals += lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (ops.absMax(d!) * Math.abs(t) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }

    const dtype = first.dtype;
    const asTensor = (v: Vec): Tensor => Tensor.fromData(v, [v.length], dtype);
    state.d = asTensor(d!);
    state.t = t;
    state.oldDirs = oldDirs.map(asTensor);
    state.oldStps = oldStps.map(asTensor);
    state.ro = ro;
    state.HDiag = HDiag;
    state.prevFlatGrad = asTensor(prevFlatGrad!);
    state.prevLoss = prevLoss;
    return origLoss;
  }
}

/** Minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to the bounds. */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/** Strong-Wolfe line search (bracketing, then zoom), as PyTorch's `_strong_wolfe`. Returns [f, g, t, evaluations]. */
function strongWolfe(
  ops: VecOps,
  obj: (x: Tensor[], t: number, d: Vec) => [number, Vec],
  x: Tensor[], t0: number, d: Vec, f: number, g: Vec, gtd: number, toleranceChange: number,
  c1 = 1e-4, c2 = 0.9, maxLs = 25,
): [number, Vec, number, number] {
  let t = t0;
  const dNorm = ops.absMax(d);
  let [fNew, gNew] = obj(x, t, d);
  let evals = 1;
  let gtdNew = ops.dot(gNew, d);
  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Vec[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = ops.dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];
  }
  let insufProgress = false;
  let [low, high] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    const bMax = Math.max(...bracket);
    const bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      // NOTE: too close to an end of the bracket: move the trial point away by eps (PyTorch's insufficient-progress rule).
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    [fNew, gNew] = obj(x, t, d);
    evals++;
    gtdNew = ops.dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]!) {
      bracket[high] = t;
      bracketF[high] = fNew;
      bracketG[high] = gNew;
      bracketGtd[high] = gtdNew;
      [low, high] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high]! - bracket[low]!) >= 0) {
        bracket[high] = bracket[low]!;
        bracketF[high] = bracketF[low]!;
        bracketG[high] = bracketG[low]!;
        bracketGtd[high] = bracketGtd[low]!;
      }
      bracket[low] = t;
      bracketF[low] = fNew;
      bracketG[low] = gNew;
      bracketGtd[low] = gtdNew;
    }
  }
  return [bracketF[low]!, bracketG[low]!, bracket[low]!, evals];
}
