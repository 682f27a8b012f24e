/**
 * Files: PyTorch's own format (`serialize`/`deserialize`), safetensors and
 * checkpoints, on bytes so that they run in browsers. The Node entry adds the
 * functions that read and write files (`kd.save`, `kd.load`,
 * `kd.io.saveCheckpoint`, `kd.io.safetensors.saveFile` …).
 */
import { CheckpointError } from '../errors.js';
import type { CheckpointContents, CheckpointTargets, LoadCheckpointOptions, LoadedCheckpoint } from './checkpoint.js';

export { serialize, deserialize } from './torch-format.js';
export type { SerializeOptions } from './torch-format.js';
export { checkpointDict, serializeCheckpoint, restoreCheckpoint, restoreCheckpointDict } from './checkpoint.js';
export type { CheckpointContents, CheckpointTargets, CheckpointScheduler, LoadCheckpointOptions, LoadedCheckpoint } from './checkpoint.js';
export * as safetensors from './safetensors-api.js';

function needsNode(name: string, instead: string): never {
  throw new CheckpointError(`${name} reads or writes files, which needs Node (import kindling under Node)`, { op: name, hint: `in a browser use ${instead}` });
}

/** Saves a checkpoint file (Node only; see the Node entry). In a browser use `serializeCheckpoint`. */
export function saveCheckpoint(_path: string, _contents: CheckpointContents): void {
  needsNode('io.saveCheckpoint', 'kd.io.serializeCheckpoint(contents), which returns the bytes');
}

/** Loads a checkpoint file (Node only; see the Node entry). In a browser use `restoreCheckpoint`. */
export function loadCheckpoint(_path: string, _targets: CheckpointTargets, _options?: LoadCheckpointOptions): LoadedCheckpoint {
  return needsNode('io.loadCheckpoint', 'kd.io.restoreCheckpoint(bytes, targets)');
}
