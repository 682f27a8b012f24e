/** `kd.io.safetensors`: what the core offers (bytes in, bytes out); the Node entry adds saveFile/loadFile. */
export { save, load, loadWithMetadata } from './safetensors.js';
export type { SafetensorsDType, SafetensorsSaveOptions, SafetensorsContents } from './safetensors.js';
