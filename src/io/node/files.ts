/**
 * File functions of the io layer (Node only): `kd.save`/`kd.load`,
 * crash-safe checkpoints, safetensors files. Every write goes to a temporary
 * file in the target's folder, is flushed to disk (fsync) and renamed over
 * the target, so a crash at any moment leaves the old file or the new one,
 * never a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CheckpointError } from '../../errors.js';
import {
  restoreCheckpoint, serializeCheckpoint, type CheckpointContents, type CheckpointTargets, type LoadCheckpointOptions, type LoadedCheckpoint,
} from '../checkpoint.js';
import { readTorchFile, serialize } from '../torch-format.js';

const TMP_SUFFIX = '.kindling-tmp';

/** The record prefix torch.save would use for `path`: its base name without the last extension. */
function prefixFor(path: string): string {
  const base = basename(path);
  const ext = extname(base);
  const stem = ext === '' ? base : base.slice(0, -ext.length);
  return stem === '' ? 'archive' : stem;
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder,
 * fsync, rename over `path`, fsync of the folder. Temporary files left by
 * writers that were killed are removed.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, op: string): void {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}${TMP_SUFFIX}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // it was never created, or already renamed
    }
    throw new CheckpointError(`could not write '${path}': ${(err as Error).message}`, { op });
  }
  try {
    // NOTE: the rename is durable only once the folder's entry is on disk (POSIX); Windows cannot open a folder, and does not need to.
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // best effort
  }
  removeStaleTemps(dir, basename(target));
}

function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.${base}.`) || !name.endsWith(TMP_SUFFIX)) continue;
    const pid = Number(name.slice(base.length + 2).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another process removed it first
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a whole file, with a CheckpointError that names it when it cannot. */
export function readFileBytes(path: string, op: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `no file '${path}'` : `could not read '${path}': ${(err as Error).message}`, { op });
  }
}

/**
 * Saves `value` to `path` in PyTorch's file format (see `kd.io.serialize`):
 * `torch.load(path)` reads it, and `torch.load(path, weights_only=True)`
 * when it holds only tensors, ints, strings and containers (a model's
 * `stateDict()`). The write is atomic.
 *
 * ```ts
 * kd.save(model.stateDict(), 'model.pt');
 * model.loadStateDict(kd.load<nn.StateDict>('model.pt'));
 * ```
 */
export function save(value: unknown, path: string): void {
  writeFileAtomic(path, serialize(value, { prefix: prefixFor(path) }), 'save');
}

/**
 * Loads a file written by `torch.save` (PyTorch >= 1.6) or `kd.save`, with
 * the restricted reader of `kd.io.deserialize`: no code from the file runs.
 * `T` only states what the caller expects (nothing is checked against it).
 */
export function load<T = unknown>(path: string): T {
  const op = `load('${path}')`;
  return readTorchFile(readFileBytes(path, op), op) as T;
}

/**
 * Saves a checkpoint to `path`, crash-safely (temporary file, fsync,
 * rename): the model's state, the optimizer's (its groups' hyperparameters
 * and parameter names, in PyTorch's layout), the scheduler's, the default
 * random stream, `step` and `extra`. PyTorch's `torch.load` reads it.
 *
 * ```ts
 * kd.io.saveCheckpoint('run/last.pt', { model, optimizer: opt, scheduler, step, extra: { bestLoss } });
 * ```
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  writeFileAtomic(path, serializeCheckpoint(contents, prefixFor(path)), 'io.saveCheckpoint');
}

/**
 * Restores a checkpoint saved by `saveCheckpoint` (or by PyTorch in the same
 * layout) into `model`, `optimizer` and `scheduler`, all or nothing, and
 * returns its `step` and `extra`. The optimizer's groups must match the
 * saved ones unless `{ match: 'names' }` is given.
 *
 * ```ts
 * const { step } = kd.io.loadCheckpoint('run/last.pt', { model, optimizer: opt, scheduler });
 * ```
 */
export function loadCheckpoint(path: string, targets: CheckpointTargets, options: LoadCheckpointOptions = {}): LoadedCheckpoint {
  const op = `io.loadCheckpoint('${path}')`;
  return restoreCheckpoint(readFileBytes(path, op), targets, options, op);
}
