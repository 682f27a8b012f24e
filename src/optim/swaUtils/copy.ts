/**
 * A deep copy of a module (PyTorch's `copy.deepcopy(model)`, which
 * `AveragedModel` starts from): the same class, every property copied, each
 * parameter and buffer a new tensor with the same values, shared (tied)
 * tensors and modules still shared once in the copy.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import type { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { isModule, makeModule, stateOf } from '../../nn/registry.js';
import { Tensor } from '../../tensor/tensor.js';

/**
 * Copies `model` deeply. Values that are neither tensors, modules, arrays
 * nor plain objects (functions, class instances) are shared, and `#private`
 * fields cannot be copied (JavaScript gives no access to them).
 */
export function deepCopyModule<M extends Module>(model: M): M {
  return noGrad(() => copyValue(model, new Map()) as M);
}

function copyValue(v: unknown, memo: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Parameter) {
    const p = new Parameter(v.detach().clone(), v.requiresGrad);
    memo.set(v, p);
    return p;
  }
  if (v instanceof Tensor) {
    const t = v.detach().clone();
    memo.set(v, t);
    return t;
  }
  if (isModule(v)) return copyModuleInto(v, memo);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const x of v) out.push(copyValue(x, memo));
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = Object.create(proto as object | null) as Record<string, unknown>;
    memo.set(v, out);
    for (const [k, x] of Object.entries(v)) out[k] = copyValue(x, memo);
    return out;
  }
  return v;
}

function copyModuleInto(src: Module, memo: Map<object, unknown>): Module {
  const st = stateOf(src);
  const copy = makeModule(Object.create(Object.getPrototypeOf(st.target) as object) as Module);
  memo.set(src, copy);
  memo.set(st.target, copy);
  for (const key of Reflect.ownKeys(st.target)) {
    const desc = Object.getOwnPropertyDescriptor(st.target, key)!;
    if (typeof key === 'string' && st.buffers.has(key)) {
      const b = st.buffers.get(key)!;
      copy.registerBuffer(key, b === null ? null : (copyValue(b, memo) as Tensor), { persistent: !st.nonPersistent.has(key) });
      continue;
    }
    // NOTE: defined through the copy's Proxy, so parameters and child modules register in the same order.
    Reflect.defineProperty(copy, key, 'value' in desc ? { ...desc, value: copyValue(desc.value, memo) } : desc);
  }
  return copy;
}
