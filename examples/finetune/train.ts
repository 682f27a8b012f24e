/**
 * One training run of the job (pretraining, a sweep point or a recipe):
 * the loop over epochs and batches, what it records (loss, accuracy and
 * every group's lr by step), evaluation, and the progress shown while it
 * runs. Runs can stop after any step and continue from a saved state.
 */
import * as kd from '../../src/node.js';
import { data, nn, optim, type Tensor } from '../../src/node.js';
import type { Net } from './model.js';
import type { Progress } from './progress.js';

/** A point of the training curves, every `logEvery` steps: the mean loss over them and the lrs they used. */
export interface StepRecord {
  step: number;
  loss: number;
  lrs: Record<string, number>;
}

/** An evaluation during a run. */
export interface EvalRecord {
  step: number;
  epoch: number;
  accuracy: number;
}

/** Everything a run records; plain data, kept in checkpoints and results.json. */
export interface RunHistory {
  id: string;
  kind: 'pretrain' | 'sweep' | 'final';
  recipe: string;
  lr: number;
  steps: StepRecord[];
  evals: EvalRecord[];
  /** Accuracy on the run's evaluation set at the end (validation for sweeps, test otherwise). */
  accuracy: number;
  /** Accuracy on the held-out validation split at the end (fine-tuning runs). */
  valAccuracy: number | null;
  seconds: number;
  imagesPerSecond: number;
  /** Steps per StepRecord. */
  logEvery: number;
  /** The group table, as `describeGroups(...).table()` printed it at the start. */
  groupTable: string;
  /** The groups (name, parameter count, elements, values) at the start. */
  groups: { name: string; params: number; numel: number; lr: number; weightDecay: number }[];
}

/** About this many points per training curve. */
const CURVE_POINTS = 400;

/** Steps per point of a curve of `totalSteps` steps. */
export function logEvery(totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / CURVE_POINTS));
}

/** Where a run stands inside its loop, saved with a checkpoint. */
export interface RunPosition {
  epoch: number;
  step: number;
  loader: kd.data.DataLoaderState;
  history: RunHistory;
  /** Loss and accuracy sums since the last StepRecord / over the epoch so far. */
  pending: { lossSum: number; count: number; epochLoss: number; epochCorrect: number; epochSeen: number; epochSeconds: number };
  /** Seconds spent training (not evaluating) so far, for images/s. */
  seconds: number;
}

export type Batch = [Tensor, Tensor];

/** What `train` needs: the run's objects, built by the caller so a checkpoint can be loaded into them first. */
export interface RunContext {
  label: string;
  model: Net;
  opt: optim.AdamW;
  sched: optim.lrScheduler.SequentialLR;
  loader: kd.data.DataLoader<[Tensor, Tensor], Batch>;
  epochs: number;
  /** Evaluated `evalsPerEpoch` times per epoch (the last at the epoch's end). */
  evalSet: kd.data.DatasetLike<[Tensor, Tensor]>;
  /** What the evaluation set is, for the progress lines ('test', 'val'). */
  evalName: string;
  evalsPerEpoch: number;
  /** Probe runs keep the backbone in eval mode (frozen batch-norm statistics). */
  frozenBackbone: boolean;
  progress: Progress;
  /** Asked after every step; when it says stop, `train` returns the position instead of finishing. */
  shouldStop: () => boolean;
}

/** Accuracy of `model` on `dataset` (eval mode, no gradients). */
export function evaluate(model: Net, dataset: kd.data.DatasetLike<[Tensor, Tensor]>, batchSize = 500): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  kd.noGrad(() => {
    for (const [x, y] of new data.DataLoader(dataset, { batchSize })) {
      correct += model.forward(x).argmax(1).eq(y).sum().item();
    }
  });
  model.train(wasTraining);
  return correct / dataset.length;
}

function setTrainMode(ctx: RunContext): void {
  ctx.model.train();
  if (ctx.frozenBackbone) ctx.model.backbone.eval();
}

/** Each group's lr, by group name. */
export function groupLrs(opt: optim.AdamW): Record<string, number> {
  return Object.fromEntries(opt.paramGroups.map((g, i) => [g.name ?? `group ${i}`, g.lr]));
}

/** A new position for a run that has not started. */
export function startPosition(history: RunHistory, loader: kd.data.DataLoader<[Tensor, Tensor], Batch>): RunPosition {
  return {
    epoch: 0,
    step: 0,
    loader: loader.stateDict(),
    history,
    pending: { lossSum: 0, count: 0, epochLoss: 0, epochCorrect: 0, epochSeen: 0, epochSeconds: 0 },
    seconds: 0,
  };
}

/**
 * Trains from `pos` to the end of the run, or until `shouldStop()` (asked
 * after every step); returns the position reached and whether the run finished.
 */
export async function train(ctx: RunContext, pos: RunPosition): Promise<{ pos: RunPosition; finished: boolean }> {
  const lossFn = new nn.CrossEntropyLoss();
  const perEpoch = ctx.loader.length;
  const evalAt = new Set(Array.from({ length: ctx.evalsPerEpoch }, (_, k) => Math.round(((k + 1) * perEpoch) / ctx.evalsPerEpoch)));
  const { history, pending } = pos;
  let { epoch, step, seconds } = pos;
  setTrainMode(ctx);
  ctx.loader.loadStateDict(pos.loader);
  for (; epoch < ctx.epochs; epoch++) {
    let inEpoch = step - epoch * perEpoch;
    ctx.progress.startEpoch(ctx.label, epoch + 1, ctx.epochs, perEpoch, inEpoch);
    let lrs = groupLrs(ctx.opt);
    let stepStart = performance.now();
    for (const [x, y] of ctx.loader) {
      lrs = groupLrs(ctx.opt);
      const logits = ctx.model.forward(x);
      const loss = lossFn.forward(logits, y);
      ctx.opt.zeroGrad();
      loss.backward();
      ctx.opt.step();
      ctx.sched.step();
      step++;
      inEpoch++;
      const lossValue = loss.item();
      const correct = logits.argmax(1).eq(y).sum().item();
      pending.lossSum += lossValue;
      pending.count++;
      pending.epochLoss += lossValue * y.shape[0]!;
      pending.epochCorrect += correct;
      pending.epochSeen += y.shape[0]!;
      if (step % history.logEvery === 0) {
        history.steps.push({ step, loss: pending.lossSum / pending.count, lrs });
        pending.lossSum = 0;
        pending.count = 0;
      }
      // Training time only: evaluations are not part of images/s.
      const stepSeconds = (performance.now() - stepStart) / 1000;
      seconds += stepSeconds;
      pending.epochSeconds += stepSeconds;
      if (evalAt.has(inEpoch)) {
        history.evals.push({ step, epoch: epoch + inEpoch / perEpoch, accuracy: evaluate(ctx.model, ctx.evalSet) });
        setTrainMode(ctx);
      }
      ctx.progress.update(inEpoch, {
        loss: pending.epochLoss / pending.epochSeen,
        accuracy: pending.epochCorrect / pending.epochSeen,
        imagesPerSecond: pending.epochSeen / Math.max(1e-9, pending.epochSeconds),
        lrs,
      });
      if (ctx.shouldStop() && !(epoch === ctx.epochs - 1 && inEpoch === perEpoch)) {
        ctx.progress.stop();
        return { pos: { epoch, step, loader: ctx.loader.stateDict(), history, pending, seconds }, finished: false };
      }
      // NOTE: a macrotask turn after every step, so that signal handlers (Ctrl-C) run:
      // the loop is otherwise synchronous and would never let them.
      await new Promise((resolve) => setImmediate(resolve));
      stepStart = performance.now();
    }
    const lastEval = history.evals.at(-1);
    ctx.progress.endEpoch({
      loss: pending.epochLoss / Math.max(1, pending.epochSeen),
      accuracy: pending.epochCorrect / Math.max(1, pending.epochSeen),
      imagesPerSecond: pending.epochSeen / Math.max(1e-9, pending.epochSeconds),
      lrs,
      evalAccuracy: lastEval?.accuracy,
      evalName: ctx.evalName,
    });
    pending.epochLoss = 0;
    pending.epochCorrect = 0;
    pending.epochSeen = 0;
    pending.epochSeconds = 0;
  }
  const images = ctx.epochs * (ctx.loader.dropLast ? perEpoch * ctx.loader.batchSize : ctx.loader.dataset.length);
  history.seconds = seconds;
  history.imagesPerSecond = images / Math.max(1e-9, seconds);
  history.accuracy = history.evals.at(-1)?.accuracy ?? evaluate(ctx.model, ctx.evalSet);
  return { pos: { epoch, step, loader: ctx.loader.stateDict(), history, pending, seconds }, finished: true };
}
