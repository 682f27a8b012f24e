/**
 * `kd.io` on the Node entry: everything of the core's `kd.io`, with the
 * file functions (`saveCheckpoint`, `loadCheckpoint`,
 * `safetensors.saveFile`/`loadFile`) in place of the core's stand-ins.
 */
export * from '../index.js';
export { saveCheckpoint, loadCheckpoint } from './files.js';
export * as safetensors from './safetensors.js';
