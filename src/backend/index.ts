import { BackendError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

export type { Backend, BinaryOp, MatrixView, ReduceOp, StridedView, UnaryOp } from './backend.js';
export { jsBackend } from './js/index.js';

const registry = new Map<string, Backend>([['js', jsBackend]]);
let current: Backend = jsBackend;

/** The backend every op uses now. */
export function backend(): Backend {
  return current;
}

/**
 * Makes a backend available by name (the Node entry registers `native` when
 * the addon loads). Registering does not select it.
 */
export function registerBackend(b: Backend): void {
  registry.set(b.name, b);
}

/** Chooses the backend for all following ops: `'js'` or `'native'`. */
export function setBackend(name: string): void {
  const b = registry.get(name);
  if (b === undefined) {
    throw new BackendError(`backend '${name}' is not available; available: ${[...registry.keys()].join(', ')}`, {
      op: 'setBackend',
      hint: name === 'native' ? 'the native addon did not load; see backendInfo().reason' : undefined,
    });
  }
  current = b;
}
