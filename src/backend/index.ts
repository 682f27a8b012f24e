import { BackendError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend } from './wasm/index.js';

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
  const op = 'registerBackend';
  const name: unknown = (b as { name?: unknown } | null)?.name;
  if (b === null || typeof b !== 'object' || typeof name !== 'string' || name === '') {
    throw new BackendError('a backend is an object with a non-empty string name and the kernel functions of the Backend interface', { op });
  }
  // Every op calls into the backend: one that lacks a kernel would fail (or, replacing a built-in, break every op) later, far from here.
  const missing = Object.keys(jsBackend).filter((k) => typeof (jsBackend as unknown as Record<string, unknown>)[k] === 'function' && typeof (b as unknown as Record<string, unknown>)[k] !== 'function');
  if (missing.length > 0) {
    const shown = missing.length > 8 ? `${missing.slice(0, 8).join(', ')}, … (${missing.length} in all)` : missing.join(', ');
    throw new BackendError(`backend '${name}' lacks the kernels ${shown}`, {
      op,
      hint: BUILT_IN.has(name) ? `'${name}' is a built-in backend: a replacement must implement every kernel (spread the original: { ...kd.backend(), … })` : 'implement every function of the Backend interface (spread the js backend for the ones you do not replace: { ...jsBackend, … })',
    });
  }
  registry.set(name, b);
}

/** Names of kindling's own backends. */
const BUILT_IN: ReadonlySet<string> = new Set(['js', 'native', 'wasm']);

/**
 * Chooses the backend for all following ops: `'js'`, `'wasm'` (started on
 * first use) or `'native'` (Node, when the addon loaded).
 */
export function setBackend(name: string): void {
  if (name === 'wasm' && !registry.has('wasm')) registry.set('wasm', wasmBackend());
  const b = registry.get(name);
  if (b === undefined) {
    throw new BackendError(`backend '${name}' is not available; available: ${[...registry.keys()].join(', ')}`, {
      op: 'setBackend',
      hint: name === 'native' ? 'the native addon did not load; see backendInfo().reason' : undefined,
    });
  }
  current = b;
}
