/** The core's stand-ins for `kd.save`/`kd.load`, which need files (the Node entry exports the real ones). */
import { CheckpointError } from '../errors.js';

function needsNode(name: string, instead: string): never {
  throw new CheckpointError(`${name} writes or reads files, which needs Node (import kindling under Node)`, { op: name, hint: `in a browser use ${instead}` });
}

/** `torch.save` to a file (Node only). In a browser use `kd.io.serialize`. */
export function save(_value: unknown, _path: string): void {
  needsNode('save', 'kd.io.serialize(value), which returns the bytes');
}

/** `torch.load` from a file (Node only). In a browser use `kd.io.deserialize`. */
export function load<T = unknown>(_path: string): T {
  return needsNode('load', 'kd.io.deserialize(bytes)');
}
