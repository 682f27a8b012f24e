/** `kd.io.safetensors` on Node: the byte functions plus `saveFile`/`loadFile`. */
import type { Tensor } from '../../tensor/tensor.js';
import { read, save, type SafetensorsSaveOptions } from '../safetensors.js';
import { readFileBytes, writeFileAtomic } from './files.js';

export * from '../safetensors-api.js';

/**
 * Writes tensors (and optional string metadata) to a safetensors file, atomically.
 *
 * ```ts
 * kd.io.safetensors.saveFile(model.stateDict(), 'model.safetensors');
 * ```
 */
export function saveFile(tensors: Record<string, Tensor> | Map<string, Tensor>, path: string, metadata?: Record<string, string>, options?: SafetensorsSaveOptions): void {
  writeFileAtomic(path, save(tensors, metadata, options), 'safetensors.saveFile');
}

/**
 * Reads a safetensors file into tensors by name (F16/BF16 as float32,
 * integers as int32 with a range check).
 *
 * ```ts
 * model.loadStateDict(kd.io.safetensors.loadFile('model.safetensors'));
 * ```
 */
export function loadFile(path: string): Record<string, Tensor> {
  const op = `safetensors.loadFile('${path}')`;
  return read(readFileBytes(path, op), op).tensors;
}
