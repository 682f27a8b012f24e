/**
 * Checkpoints: one torch.save-compatible dict with everything a run needs to
 * continue (model, optimizer, scheduler, random stream, step, anything
 * extra), and restoring it all or nothing. This module works on bytes; the
 * Node entry's `kd.io.saveCheckpoint`/`loadCheckpoint` write and read files
 * crash-safely with it.
 *
 * The dict, in Python's naming so that PyTorch can use it as is:
 * ```
 * { kindling_checkpoint: 1, model: { 'fc.weight': Tensor, … },
 *   optimizer: { state: { 0: { momentum_buffer: Tensor } }, param_groups: [{ lr, …, params: [0, 1], param_names: ['fc.weight', 'fc.bias'] }] },
 *   optimizer_class: 'SGD', scheduler: {…}, rng: [5 or 6 numbers], step: 100, extra: … }
 * ```
 */
import { checkKeys, CheckpointError, optionKeys, StateDictError } from '../errors.js';
import { loadStateDictByName, type LoadByNameResult } from '../groups/resume.js';
import type { Module } from '../nn/module.js';
import type { SchedulerStateDict } from '../optim/lrScheduler/types.js';
import type { Optimizer } from '../optim/optimizer.js';
import { fromPyTorchStateDict, toPyTorchStateDict } from '../optim/state-dict.js';
import type { OptimizerStateDict, StateValue } from '../optim/types.js';
import { defaultGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { readTorchFile, serialize } from './torch-format.js';

/** What a scheduler must offer to be checkpointed (every kindling scheduler does). */
export interface CheckpointScheduler {
  stateDict(): SchedulerStateDict;
  loadStateDict(state: SchedulerStateDict): void;
}

/** What {@link saveCheckpoint} saves. */
export interface CheckpointContents {
  model: Module;
  optimizer?: Optimizer;
  scheduler?: CheckpointScheduler;
  /** The training step (or epoch) reached; returned by `loadCheckpoint`. */
  step?: number;
  /** Anything else to keep (plain data and tensors), returned by `loadCheckpoint`. */
  extra?: unknown;
}

/** Where {@link loadCheckpoint} restores to. */
export interface CheckpointTargets {
  model: Module;
  optimizer?: Optimizer;
  scheduler?: CheckpointScheduler;
}

export interface LoadCheckpointOptions {
  /**
   * How the optimizer's saved groups meet the current ones. `'exact'` (the
   * default): the same groups holding the same parameters (by name), or an
   * error listing every difference. `'names'`: state and hyperparameters move
   * by group and parameter name (`optim.loadStateDictByName`), and the result
   * says what had no place.
   */
  match?: 'exact' | 'names';
  /**
   * With `{ match: 'names' }`: refuse a checkpoint whose saved groups or
   * parameters have no place in the optimizer (default true, as
   * `optim.loadStateDictByName`); false loads the rest and reports them in
   * `unmatched` (`droppedGroups`, `droppedParams`).
   */
  strict?: boolean;
  /** Restore the default random generator's stream (default true). */
  restoreRng?: boolean;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  /** The step saved, or undefined. */
  step: number | undefined;
  /** The `extra` value saved, or undefined. */
  extra: unknown;
  /** With `{ match: 'names' }`: the groups and parameters that had no counterpart. */
  unmatched?: LoadByNameResult;
}

const FORMAT = 1;
// NOTE: PyTorch (>= 1.12) keeps these optimizers' scalar state (step, eta, mu, mu_product) as 0-dim tensors and
// refuses numbers; float64 keeps kindling's values exact across a round trip.
const TENSOR_SCALARS = new Set(['Adam', 'AdamW', 'Adamax', 'NAdam', 'RAdam', 'Adagrad', 'ASGD']);

/** The checkpoint as the dict that is saved (what `torch.load` returns for the file). */
export function checkpointDict(contents: CheckpointContents, op = 'io.saveCheckpoint'): Record<string, unknown> {
  const { model, optimizer, scheduler, step, extra } = contents;
  if (model === undefined || typeof (model as { stateDict?: unknown }).stateDict !== 'function') {
    throw new CheckpointError('expected { model, optimizer?, scheduler?, step?, extra? } with model an nn.Module', { op });
  }
  if (step !== undefined && (typeof step !== 'number' || !Number.isFinite(step))) throw new CheckpointError(`step must be a finite number, got ${String(step)}`, { op });
  const out: Record<string, unknown> = { kindling_checkpoint: FORMAT, model: model.stateDict() };
  if (optimizer !== undefined) {
    out['optimizer'] = optimizerForFile(optimizer, model);
    out['optimizer_class'] = optimizer.name;
  }
  if (scheduler !== undefined) out['scheduler'] = scheduler.stateDict();
  out['rng'] = defaultGenerator.getState();
  if (step !== undefined) out['step'] = step;
  if (extra !== undefined) out['extra'] = extra;
  return out;
}

/** `checkpointDict` written in PyTorch's format: the bytes of a checkpoint file. */
export function serializeCheckpoint(contents: CheckpointContents, prefix?: string): Uint8Array {
  return serialize(checkpointDict(contents), { prefix });
}

/**
 * Restores a checkpoint's bytes into a model, optimizer and scheduler: all of
 * it, or (on any error) none of it.
 */
export function restoreCheckpoint(bytes: Uint8Array, targets: CheckpointTargets, options: LoadCheckpointOptions = {}, op = 'io.loadCheckpoint'): LoadedCheckpoint {
  return restoreCheckpointDict(readTorchFile(bytes, op), targets, options, op);
}

/** {@link restoreCheckpoint} from the dict itself (as `deserialize` returns it). */
export function restoreCheckpointDict(dict: unknown, targets: CheckpointTargets, options: LoadCheckpointOptions = {}, op = 'io.loadCheckpoint'): LoadedCheckpoint {
  checkKeys(op, options, optionKeys<LoadCheckpointOptions>({ match: true, strict: true, restoreRng: true }));
  const { model, optimizer, scheduler } = targets;
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict) || !('model' in dict)) {
    throw new CheckpointError('the file is not a checkpoint: it has no \'model\' entry', { op, hint: 'was it written by kd.io.saveCheckpoint? For other torch.save files use kd.load' });
  }
  const file = dict as Record<string, unknown>;
  const match = options.match ?? 'exact';
  if (match !== 'exact' && match !== 'names') throw new CheckpointError(`match must be 'exact' or 'names', got ${String(match)}`, { op });
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new CheckpointError(`strict must be true or false, got ${String(strict)}`, { op });
  if (!strict && match !== 'names') {
    throw new CheckpointError("strict: false applies only to { match: 'names' }: the default match is exact and refuses any difference", { op, hint: "load with { match: 'names', strict: false }" });
  }
  const step = file['step'];
  if (step !== undefined && step !== null && typeof step !== 'number') throw new CheckpointError(`the saved step is ${typeof step}, not a number`, { op });
  const rng = file['rng'];
  const restoreRng = options.restoreRng ?? true;
  if (restoreRng && rng !== undefined && !(Array.isArray(rng) && (rng.length === 5 || rng.length === 6) && rng.every((v) => typeof v === 'number'))) {
    throw new CheckpointError('the saved random state is not 5 or 6 numbers', { op });
  }
  if (scheduler !== undefined && file['scheduler'] === undefined) throw new CheckpointError('a scheduler was given but the checkpoint has no scheduler state', { op, hint: 'leave the scheduler out, or load a checkpoint saved with one' });
  if (optimizer !== undefined && file['optimizer'] === undefined) throw new CheckpointError('an optimizer was given but the checkpoint has no optimizer state', { op, hint: 'leave the optimizer out, or load a checkpoint saved with one' });

  // Each part loads atomically; a later failure restores the parts already loaded.
  const undo: (() => void)[] = [];
  let unmatched: LoadByNameResult | undefined;
  try {
    if (optimizer !== undefined) {
      const before = optimizer.stateDict();
      const hadNames = optimizer.paramGroups.map((g) => g.paramNames);
      unmatched = loadOptimizer(optimizer, model, file['optimizer'], match, strict, op);
      undo.push(() => {
        optimizer.loadStateDict(before);
        optimizer.paramGroups.forEach((g, i) => {
          if (hadNames[i] === undefined) delete g.paramNames;
        });
      });
    }
    if (scheduler !== undefined) {
      const before = scheduler.stateDict();
      scheduler.loadStateDict(file['scheduler'] as SchedulerStateDict);
      undo.push(() => scheduler.loadStateDict(before));
    }
    model.loadStateDict(file['model'] as Record<string, Tensor>);
  } catch (err) {
    for (const u of undo.reverse()) u();
    throw err;
  }
  if (restoreRng && Array.isArray(rng)) defaultGenerator.setState(rng as number[]);
  const out: LoadedCheckpoint = { step: typeof step === 'number' ? step : undefined, extra: file['extra'] };
  if (unmatched !== undefined) out.unmatched = unmatched;
  return out;
}

/** Each group's parameter names: its own `paramNames`, else the model's names for its tensors (undefined when one is not in the model). */
function groupNames(optimizer: Optimizer, model: Module): (string[] | undefined)[] {
  const names = new Map<Tensor, string>();
  for (const [n, p] of model.namedParameters()) names.set(p, n);
  return optimizer.paramGroups.map((g) => {
    if (g.paramNames !== undefined) return [...g.paramNames];
    const ns = g.params.map((p) => names.get(p));
    return ns.every((n) => n !== undefined) ? (ns as string[]) : undefined;
  });
}

/** The optimizer's state dict in PyTorch's layout, with each group's parameter names. */
function optimizerForFile(optimizer: Optimizer, model: Module): Record<string, unknown> {
  const sd = toPyTorchStateDict(optimizer.stateDict());
  const names = groupNames(optimizer, model);
  sd.param_groups.forEach((g, i) => {
    const params = g['params'];
    delete g['params'];
    if (names[i] !== undefined) g['param_names'] = names[i];
    else delete g['param_names'];
    // As PyTorch: `params` last.
    g['params'] = params;
  });
  if (TENSOR_SCALARS.has(optimizer.name)) {
    for (const entry of Object.values(sd.state)) {
      for (const [k, v] of Object.entries(entry)) if (typeof v === 'number') entry[k] = Tensor.fromData(new Float64Array([v]), [], 'float64') as StateValue;
    }
  }
  return sd;
}

function loadOptimizer(optimizer: Optimizer, model: Module, saved: unknown, match: 'exact' | 'names', strict: boolean, op: string): LoadByNameResult | undefined {
  if (saved === null || typeof saved !== 'object') throw new CheckpointError(`the saved optimizer state is ${saved === null ? 'null' : typeof saved}`, { op });
  const sd = fromPyTorchStateDict(saved as Record<string, unknown>);
  if (!Array.isArray(sd.paramGroups)) throw new StateDictError('the saved optimizer state has no param_groups list', { op });
  const current = groupNames(optimizer, model);
  if (match === 'names') {
    const missing = optimizer.paramGroups.map((g, i) => (g.paramNames === undefined ? i : -1)).filter((i) => i >= 0);
    const unnamed = missing.filter((i) => current[i] === undefined && optimizer.paramGroups[i]!.params.length > 0);
    if (unnamed.length > 0) {
      throw new CheckpointError(`group(s) ${unnamed.join(', ')} hold tensors that are not parameters of the model, so they have no names to match`, {
        op,
        hint: 'build the optimizer from model parameters, or load with { match: \'exact\' }',
      });
    }
    // loadStateDictByName matches on the groups' paramNames; lend them the model's names for the call.
    for (const i of missing) optimizer.paramGroups[i]!.paramNames = current[i] ?? [];
    try {
      return loadStateDictByName(optimizer, sd as never, { strict });
    } finally {
      for (const i of missing) delete optimizer.paramGroups[i]!.paramNames;
    }
  }
  const problems = groupDifferences(sd, current, optimizer);
  if (problems.length > 0) {
    throw new CheckpointError(`the optimizer's parameter groups differ from the checkpoint's:\n\t${problems.join('\n\t')}`, {
      op,
      hint: "to move the state by parameter name and keep what has no counterpart as it is, load with { match: 'names' }",
    });
  }
  // The names agree as sets; the saved positions are put in the current order (a parameter moved within its
  // group keeps its state), and the optimizer does not adopt names it was built without.
  const plain: OptimizerStateDict = {
    state: sd.state,
    paramGroups: sd.paramGroups.map((g, i) => {
      const copy = { ...g };
      const here = current[i];
      const there = g.paramNames;
      if (here !== undefined && Array.isArray(there)) copy.params = here.map((n) => g.params[there.indexOf(n)]!);
      if (optimizer.paramGroups[i]!.paramNames === undefined) delete copy.paramNames;
      else if (here !== undefined) copy.paramNames = [...here];
      return copy;
    }),
  };
  optimizer.loadStateDict(plain);
  return undefined;
}

/** Every difference between the saved groups and the current ones, as lines. */
function groupDifferences(sd: OptimizerStateDict, current: (string[] | undefined)[], optimizer: Optimizer): string[] {
  const saved = sd.paramGroups;
  const label = (g: { name?: unknown }, i: number): string => (typeof g.name === 'string' ? `group ${i} ('${g.name}')` : `group ${i}`);
  const out: string[] = [];
  if (saved.length !== current.length) out.push(`the checkpoint has ${saved.length} group(s), the optimizer ${current.length}`);
  for (let i = 0; i < Math.max(saved.length, current.length); i++) {
    const s = saved[i];
    const g = optimizer.paramGroups[i];
    if (s === undefined) {
      out.push(`${label(g!, i)} is not in the checkpoint (${current[i]?.join(', ') ?? `${g!.params.length} parameters`})`);
      continue;
    }
    if (g === undefined) {
      out.push(`${label(s, i)} of the checkpoint has no counterpart (${Array.isArray(s.paramNames) ? s.paramNames.join(', ') : `${s.params?.length} parameters`})`);
      continue;
    }
    const here = current[i];
    const there = Array.isArray(s.paramNames) ? (s.paramNames as string[]) : undefined;
    if (here !== undefined && there !== undefined) {
      const gone = there.filter((n) => !here.includes(n));
      const added = here.filter((n) => !there.includes(n));
      if (gone.length > 0 || added.length > 0) {
        const parts = [];
        if (added.length > 0) parts.push(`now also holds ${added.join(', ')}`);
        if (gone.length > 0) parts.push(`no longer holds ${gone.join(', ')}`);
        out.push(`${label(g, i)} ${parts.join(' and ')}`);
      }
    } else if (!Array.isArray(s.params) || s.params.length !== g.params.length) {
      out.push(`${label(g, i)} has ${g.params.length} parameters, the checkpoint's ${Array.isArray(s.params) ? s.params.length : 'none'}`);
    }
  }
  return out;
}
