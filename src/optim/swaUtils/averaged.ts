/**
 * Weight averaging (PyTorch's `torch.optim.swa_utils`, 2.x semantics):
 * `AveragedModel` keeps a running average of a model's parameters (an equal
 * average for SWA, an exponential one for EMA), and `updateBn` recomputes
 * the BatchNorm statistics of the averaged weights from data.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentTypeError, ValueError } from '../../errors.js';
import { BatchNormBase } from '../../nn/layers/normalization.js';
import { missingForward, Module } from '../../nn/module.js';
import { zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkOptionKeys, fmtValue } from '../lrScheduler/util.js';
import { deepCopyModule } from './copy.js';

/** Averages one tensor: the new average from the average so far, the model's current value and how many were averaged. */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: number) => Tensor;
/** Averages lists of tensors in place (PyTorch's `multi_avg_fn`). */
export type MultiAvgFn = (averaged: Tensor[], current: Tensor[], numAveraged: number) => void;

function checkDecay(decay: unknown, op: string): number {
  if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) {
    throw new ValueError(`Invalid decay value ${fmtValue(decay)} provided. Please provide a value in [0,1] range.`, { op });
  }
  return decay;
}

/**
 * The exponential moving average: `decay · averaged + (1 − decay) · current`.
 *
 * ```ts
 * const ema = new optim.swaUtils.AveragedModel(model, { avgFn: optim.swaUtils.getEmaAvgFn(0.99) });
 * ```
 */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  const d = checkDecay(decay, 'swaUtils.getEmaAvgFn');
  return (averaged, current) => averaged.mul(d).add(current.mul(1 - d));
}

/** The equal average (SWA): `averaged + (current − averaged) / (numAveraged + 1)`. */
export function getSwaAvgFn(): AvgFn {
  return (averaged, current, n) => averaged.add(current.sub(averaged).div(n + 1));
}

/** {@link getEmaAvgFn} over lists, in place. */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  const one = getEmaAvgFn(decay);
  return (averaged, current, n) => averaged.forEach((a, i) => void a.copy_(one(a, current[i]!, n)));
}

/** {@link getSwaAvgFn} over lists, in place. */
export function getSwaMultiAvgFn(): MultiAvgFn {
  const one = getSwaAvgFn();
  return (averaged, current, n) => averaged.forEach((a, i) => void a.copy_(one(a, current[i]!, n)));
}

/** Options of {@link AveragedModel}: at most one of `avgFn`, `multiAvgFn` and `decay`. */
export interface AveragedModelOptions<M extends Module = Module> {
  /**
   * Builds the averaged model's own instance of the model's class, for a
   * model the built-in deep copy cannot copy (a class with `#private`
   * members); the model's parameters and buffers are then copied into it.
   * By default the model is deep-copied (PyTorch's `copy.deepcopy`).
   */
  copy?: (model: M) => M;
  /** How to average each tensor (default: the equal average of SWA). */
  avgFn?: AvgFn;
  /** How to average all tensors at once, in place. */
  multiAvgFn?: MultiAvgFn;
  /** EMA with this decay, in [0, 1] (the same as `avgFn: getEmaAvgFn(decay)`). */
  decay?: number;
  /** Average the buffers too (BatchNorm statistics …); otherwise they are copied from the model at each update (default false). */
  useBuffers?: boolean;
}

type ForwardOf<M> = M extends { forward(...args: infer A): infer R } ? (...args: A) => R : (...args: never[]) => never;

/**
 * A copy of `model` whose parameters are the running average of `model`'s
 * at each `updateParameters(model)` call: Stochastic Weight Averaging by
 * default, an exponential moving average with `decay` (or any `avgFn`).
 * The first update copies the model's values; `n_averaged` (a buffer, as in
 * PyTorch's state dict; read it as `nAveraged`) counts the updates. Without
 * `useBuffers`, the buffers follow the model's (PyTorch 2.x).
 *
 * ```ts
 * const swa = new optim.swaUtils.AveragedModel(model);
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train();
 *   if (epoch >= 75) swa.updateParameters(model); // the average of the last 25 epochs' weights
 * }
 * optim.swaUtils.updateBn(loader, swa); // BatchNorm statistics for the averaged weights
 * swa.forward(x);
 * ```
 */
export class AveragedModel<M extends Module> extends Module {
  /** The averaged copy of the model. */
  readonly module: M;
  private readonly avgFn: AvgFn | undefined;
  private readonly multiAvgFn: MultiAvgFn | undefined;
  /** Whether the buffers are averaged too. */
  readonly useBuffers: boolean;

  constructor(model: M, options: AveragedModelOptions<M> = {}) {
    super();
    const op = 'AveragedModel';
    if (!(model instanceof Module)) throw new ArgumentTypeError(`expected a Module to average, got ${fmtValue(model)}`, { op });
    const o = checkOptionKeys(op, options, ['avgFn', 'multiAvgFn', 'decay', 'useBuffers', 'copy']) as AveragedModelOptions<M>;
    const given = (['avgFn', 'multiAvgFn', 'decay'] as const).filter((k) => o[k] !== undefined);
    if (given.length > 1) {
      throw new ArgumentTypeError(`give only one of avgFn, multiAvgFn and decay, got ${given.join(' and ')}`, { op, hint: 'decay: d is avgFn: optim.swaUtils.getEmaAvgFn(d)' });
    }
    for (const k of ['avgFn', 'multiAvgFn', 'copy'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'function') throw new ArgumentTypeError(`${k} must be a function, got ${fmtValue(o[k])}`, { op });
    }
    if (o.useBuffers !== undefined && typeof o.useBuffers !== 'boolean') throw new ArgumentTypeError(`useBuffers must be true or false, got ${fmtValue(o.useBuffers)}`, { op });
    this.avgFn = o.decay !== undefined ? getEmaAvgFn(checkDecay(o.decay, op)) : o.avgFn;
    this.multiAvgFn = o.multiAvgFn;
    this.useBuffers = o.useBuffers ?? false;
    this.module = o.copy === undefined ? deepCopyModule(model, op) : ownCopy(model, o.copy, op);
    this.registerBuffer('n_averaged', zeros([], { dtype: 'int32' }));
  }

  /** How many times `updateParameters` has run (the `n_averaged` buffer). */
  get nAveraged(): number {
    return (this.getBuffer('n_averaged')).item();
  }

  /** Runs the averaged model. */
  forward(...args: Parameters<ForwardOf<M>>): ReturnType<ForwardOf<M>> {
    const f = (this.module as unknown as { forward?: (...a: unknown[]) => unknown }).forward;
    if (typeof f !== 'function' || f === missingForward) throw new ArgumentTypeError(`the averaged ${this.module.constructor.name} has no forward method`, { op: 'AveragedModel.forward' });
    return f.apply(this.module, args) as ReturnType<ForwardOf<M>>;
  }

  /** Averages `model`'s current parameters (and buffers with `useBuffers`) into this model's. */
  updateParameters(model: M): void {
    const op = 'AveragedModel.updateParameters';
    const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : [...this.module.parameters()];
    const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : [...model.parameters()];
    const problems: string[] = [];
    if (mine.length !== theirs.length) problems.push(`${theirs.length} tensors to average into ${mine.length}`);
    mine.forEach((a, i) => {
      const b = theirs[i];
      if (b !== undefined && a.shape.join(',') !== b.shape.join(',')) problems.push(`tensor ${i} has shape [${b.shape.join(', ')}], the average [${a.shape.join(', ')}]`);
    });
    if (problems.length > 0) throw new ValueError(`the model does not match the averaged one: ${problems.join('; ')}`, { op, hint: 'pass the model the AveragedModel was made from' });
    const n = this.nAveraged;
    noGrad(() => {
      const current = theirs.map((t) => t.detach());
      if (n === 0) mine.forEach((a, i) => void a.copy_(current[i]!));
      else if (this.multiAvgFn !== undefined) this.multiAvgFn(mine.map((t) => t.detach()), current, n);
      else {
        const avg = this.avgFn ?? getSwaAvgFn();
        mine.forEach((a, i) => void a.copy_(avg(a.detach(), current[i]!, n)));
      }
      // NOTE: PyTorch 2.x keeps the buffers in step with the model when they are not averaged (1.13 left them as copied).
      if (!this.useBuffers) {
        const bs = [...model.buffers()];
        [...this.module.buffers()].forEach((b, i) => void (bs[i] !== undefined && b.copy_(bs[i])));
      }
      this.getBuffer('n_averaged').add_(1);
    });
  }
}

/** The user's copy of `model`: a module of its own (no tensor shared with `model`) with `model`'s values loaded in. */
function ownCopy<M extends Module>(model: M, copy: (model: M) => M, op: string): M {
  const made: unknown = copy(model);
  if (!(made instanceof Module)) throw new ArgumentTypeError(`copy must return a new Module, got ${fmtValue(made)}`, { op });
  const theirs = new Set<Tensor>([...model.parameters(), ...model.buffers()]);
  const shared = [...made.namedParameters(), ...made.namedBuffers()].filter(([, t]) => theirs.has(t)).map(([n]) => n);
  if (made === model || shared.length > 0) {
    throw new ValueError(`copy returned ${made === model ? 'the model itself' : `a module that shares ${shared.join(', ')} with the model`}; the average needs tensors of its own`, {
      op,
      hint: 'build a new instance in copy (for example (m) => new MyNet(…))',
    });
  }
  made.loadStateDict(model.stateDict());
  return made as M;
}

/** A batch from a loader: a tensor, or an array whose first element is the input tensor. */
export type BnBatch = Tensor | readonly [Tensor, ...unknown[]];

/**
 * Recomputes the running statistics of every BatchNorm layer of `model`
 * (BatchNorm1d/2d/3d and any subclass of them)
 * with one pass over `loader` (any iterable of input tensors or of
 * `[input, …]` batches, a `kd.data.DataLoader` for one): the statistics are
 * reset and averaged over all batches (momentum null for the pass), then
 * each layer's momentum and the model's training mode are put back.
 *
 * ```ts
 * optim.swaUtils.updateBn(loader, swaModel);
 * ```
 */
export function updateBn(loader: Iterable<BnBatch>, model: Module): void {
  const op = 'swaUtils.updateBn';
  if (!(model instanceof Module)) throw new ArgumentTypeError(`expected a Module, got ${fmtValue(model)}`, { op });
  if (loader === null || typeof (loader as { [Symbol.iterator]?: unknown } | undefined)?.[Symbol.iterator] !== 'function') {
    throw new ArgumentTypeError(`the loader must be an iterable of tensors or [input, …] batches, got ${fmtValue(loader)}`, { op, hint: 'pass a kd.data.DataLoader or an array of tensors' });
  }
  const momenta = new Map<BatchNormBase, number | null>();
  for (const m of model.modules()) {
    if (m instanceof BatchNormBase) {
      m.resetRunningStats();
      momenta.set(m, m.momentum);
    }
  }
  if (momenta.size === 0) return;
  const wasTraining = model.training;
  const setMomentum = (m: BatchNormBase, v: number | null): void => {
    (m as { momentum: number | null }).momentum = v;
  };
  model.train();
  for (const m of momenta.keys()) setMomentum(m, null);
  const forward = (model as unknown as { forward?: (x: Tensor) => unknown }).forward;
  try {
    if (typeof forward !== 'function' || forward === missingForward) throw new ArgumentTypeError(`${model.constructor.name} has no forward method`, { op });
    let i = 0;
    noGrad(() => {
      for (const batch of loader) {
        const input: unknown = Array.isArray(batch) ? (batch as readonly unknown[])[0] : batch;
        if (!(input instanceof Tensor)) {
          throw new ArgumentTypeError(`batch ${i} is ${fmtValue(batch)}; a batch must be a tensor or an array whose first element is the input tensor`, { op });
        }
        forward.call(model, input);
        i++;
      }
    });
  } finally {
    for (const [m, v] of momenta) setMomentum(m, v);
    model.train(wasTraining);
  }
}
