/**
 * `SWALR`: anneals each group's lr to its SWA lr over `annealEpochs`
 * epochs, then holds it (PyTorch's `torch.optim.swa_utils.SWALR`), for the
 * averaging phase of Stochastic Weight Averaging.
 */
import { ParamGroupError } from '../../errors.js';
import { BASE_KEYS, LRScheduler } from '../lrScheduler/base.js';
import type { AbsoluteLrOptions, PerGroup, SchedulableGroup, SchedulableOptimizer, SchedulerOptions } from '../lrScheduler/types.js';
import { boolOption, choiceOption, intOption, PerGroupNumber, type FieldKind } from '../lrScheduler/util.js';

/** Options of {@link SWALR}. */
export interface SWALROptions extends SchedulerOptions, AbsoluteLrOptions {
  /** The lr to anneal to and hold: one for all groups (times each group's `lrMult`), one per group, or a function of the group. */
  swaLr: PerGroup<number>;
  /** Epochs of the annealing (default 10; 0 jumps to `swaLr` at the first step). */
  annealEpochs?: number;
  /** `'cos'` (default) or `'linear'`. */
  annealStrategy?: 'cos' | 'linear';
}

/**
 * Moves each group's lr from where it is to its `swaLr` over `annealEpochs`
 * steps (a cosine or a straight line), then keeps it there. Switch to it
 * from another scheduler when averaging starts.
 *
 * ```ts
 * const cosine = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100 });
 * const swaSched = new optim.swaUtils.SWALR(opt, { swaLr: 0.05, annealEpochs: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train();
 *   if (epoch >= 75) { swaModel.updateParameters(model); swaSched.step(); } else cosine.step();
 * }
 * ```
 */
export class SWALR extends LRScheduler {
  /** The SWA lr of each driven group. */
  swaLrs: number[] = [];
  annealEpochs: number;
  annealStrategy: 'cos' | 'linear';
  private readonly swaLrOption: PerGroupNumber;

  constructor(optimizer: SchedulableOptimizer, options: SWALROptions, ...positional: never[]) {
    super('SWALR', optimizer, options, [...BASE_KEYS, 'swaLr', 'annealEpochs', 'annealStrategy', 'scaleByLrMult'], positional);
    const o: Partial<SWALROptions> = options ?? {};
    const scale = boolOption(this.op, 'scaleByLrMult', o.scaleByLrMult, true);
    this.swaLrOption = new PerGroupNumber(this.op, 'swaLr', o.swaLr, scale);
    this.swaLrOption.checkCount(this.tracker.countNew());
    this.annealStrategy = choiceOption(this.op, 'annealStrategy', o.annealStrategy, ['cos', 'linear'], 'cos');
    this.annealEpochs = intOption(this.op, 'annealEpochs', o.annealEpochs, 0, 10);
    this.initialStep();
  }

  protected override prepareGroup(group: SchedulableGroup, index: number, position: number): () => void {
    const v = this.swaLrOption.value(group, index, position);
    return () => {
      this.swaLrs[position] = v;
    };
  }

  /** A group added later keeps its lr and anneals from it to its swaLr (no base lr is involved). */
  protected override prepareLate(group: SchedulableGroup, _index: number, position: number, commit: () => void): () => void {
    return () => {
      commit();
      if (typeof group.initialLr !== 'number') group.initialLr = group.lr;
      this.baseLrs[position] = group.initialLr;
      this.lastLr[position] = group.lr;
    };
  }

  private anneal(t: number): number {
    return this.annealStrategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  }

  /**
   * @internal PyTorch's rule: undo the previous step's interpolation to find
   * the lr it started from, then interpolate once more towards `swaLr`.
   */
  chainLr(k: number, lr: number, e: number): number {
    // NOTE: PyTorch counts steps (its _step_count), not epochs: they differ when resuming.
    let step = e === this.lastEpoch ? this.stepCount - 1 : e;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const swa = this.swaLrs[k]!;
    const prevAlpha = this.anneal(Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs))));
    const prevLr = prevAlpha === 1 ? swa : (lr - prevAlpha * swa) / (1 - prevAlpha);
    const alpha = this.anneal(Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs))));
    return swa * alpha + prevLr * (1 - alpha);
  }

  protected override checkLoadedState(sd: Record<string, unknown>): void {
    if (sd['annealStrategy'] !== 'cos' && sd['annealStrategy'] !== 'linear') {
      throw new ParamGroupError(`annealStrategy must be 'cos' or 'linear', got ${String(sd['annealStrategy'])}`, { op: `${this.op}.loadStateDict` });
    }
  }

  protected override stateFields(): Readonly<Record<string, FieldKind>> {
    return { swaLrs: 'perGroup', annealEpochs: 'int', annealStrategy: 'string' };
  }
}
