/**
 * The job's checkpoints, in kindling's checkpoint format (`kd.io`):
 * `checkpoint.pt`, written when the job is interrupted, holds the running
 * model, optimizer and scheduler plus where the job stands (`extra`); each
 * finished recipe leaves `<recipe>.pt` with its model and results.
 */
import * as kd from '../../src/node.js';
import { optim } from '../../src/node.js';
import { Net } from './model.js';
import type { RunHistory, RunPosition } from './train.js';

/** The running objects of a run. */
export interface RunObjects {
  model: Net;
  opt: optim.AdamW;
  sched: optim.lrScheduler.SequentialLR;
}

/** Where the job stands when interrupted (`extra` of checkpoint.pt). */
export interface JobState<C> {
  config: C;
  runIndex: number;
  position: RunPosition;
  finished: RunHistory[];
  pretrained: Record<string, kd.Tensor> | null;
  elapsed: number;
}

/** Writes checkpoint.pt (through a temporary file, so a crash leaves the previous one whole). */
export function writeResumeState<C>(path: string, run: RunObjects, state: JobState<C>): void {
  kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched, step: state.position.step, extra: state });
}

/**
 * Reads the job state of checkpoint.pt, and checks that it was written with
 * the same options (`config`): a different budget would not give the result
 * of an uninterrupted run.
 */
export function readResumeState<C extends object>(path: string, config: C): JobState<C> {
  const { extra } = kd.io.loadCheckpoint(path, { model: new Net(5) }, { restoreRng: false });
  const state = extra as JobState<C>;
  const saved = state.config as Record<string, unknown>;
  const differ = Object.entries(config).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(saved[k])).map(([k, v]) => `${k} ${JSON.stringify(saved[k])} → ${JSON.stringify(v)}`);
  if (differ.length > 0) {
    throw new Error(`${path} was written with other options (${differ.join('; ')}); resume with the options of the interrupted run, or delete it to start over`);
  }
  return state;
}

/** Loads the running model, optimizer and scheduler of the interrupted run; returns its position. */
export function resumeRun<C>(path: string, run: RunObjects, state: JobState<C>): RunPosition {
  kd.io.loadCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched });
  return state.position;
}

/** `<recipe>.pt`: the fine-tuned model, its optimizer and scheduler, and its results. */
export function saveRecipeCheckpoint(path: string, run: RunObjects, history: RunHistory): void {
  kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched, step: history.steps.at(-1)?.step ?? 0, extra: history });
}
