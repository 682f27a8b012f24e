/**
 * A deep copy of a module (PyTorch's `copy.deepcopy(model)`, which
 * `AveragedModel` starts from): the same class, every property copied, each
 * parameter and buffer a new tensor with the same values, shared (tied)
 * tensors and modules still shared once in the copy.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentTypeError } from '../../errors.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { isModule, makeModule, stateOf } from '../../nn/registry.js';
import { Tensor } from '../../tensor/tensor.js';

/**
 * Copies `model` deeply: tensors, modules, arrays, plain objects, `Map`s,
 * `Set`s, `Date`s and typed arrays are copied; other values (functions,
 * class instances) are shared. A module class with `#private` members cannot
 * be copied (JavaScript gives no access to them, and a copy without them
 * fails on first use): that is an error naming the class, checked before
 * anything is copied.
 */
export function deepCopyModule<M extends Module>(model: M, op = 'deepCopyModule'): M {
  for (const m of model.modules()) {
    const found = privateMembers(m);
    if (found !== undefined) {
      throw new ArgumentTypeError(`cannot copy ${found.cls}: its class declares private members (${found.names.join(', ')}) that a copy cannot carry`, {
        op,
        hint: `declare them with TypeScript's \`private\` instead of \`#\`, or pass { copy: (model) => … } building a new ${found.cls} (its values are copied in)`,
      });
    }
  }
  return noGrad(() => copyValue(model, new Map()) as M);
}

const PRIVATE_USE = /\bthis\s*\.\s*#([A-Za-z_$][\w$]*)|^\s*(?:async\s+)?(?:get\s+|set\s+)?\*?\s*#([A-Za-z_$][\w$]*)\s*[=;(]|#([A-Za-z_$][\w$]*)\s+in\s+this\b/gm;
const COMPILED_PRIVATE = /__classPrivateField(?:Get|Set|In)\(\s*this\b/;

/**
 * The `#private` instance members declared by `m`'s classes below `Module`
 * (read from their source text: JavaScript has no other way to see them),
 * or undefined when there are none.
 */
function privateMembers(m: Module): { cls: string; names: string[] } | undefined {
  for (let proto = Object.getPrototypeOf(stateOf(m).target) as object | null; proto !== null && proto !== Module.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor !== 'function' || !Object.prototype.hasOwnProperty.call(proto, 'constructor')) continue;
    const src = Function.prototype.toString.call(ctor);
    const names = new Set<string>();
    for (const match of src.matchAll(PRIVATE_USE)) names.add(`#${match[1] ?? match[2] ?? match[3]}`);
    if (names.size === 0 && COMPILED_PRIVATE.test(src)) names.add('compiled #private fields');
    if (names.size > 0) return { cls: (ctor as { name?: string }).name || 'an anonymous module class', names: [...names] };
  }
  return undefined;
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
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copyValue(k, memo), copyValue(x, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    memo.set(v, out);
    for (const x of v) out.add(copyValue(x, memo));
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const out = (v as unknown as { slice(): unknown }).slice();
    memo.set(v, out);
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
  // Registered tensors and modules first, each kind in its registration order (which decides the order of
  // parameters(), the state dict and the printout; class fields can define the properties in another order).
  for (const [key, p] of st.params) {
    if (p === null) copy.registerParameter(key, null);
    else copy.registerParameter(key, copyValue(p, memo) as Parameter);
  }
  for (const [key, b] of st.buffers) copy.registerBuffer(key, b === null ? null : (copyValue(b, memo) as Tensor), { persistent: !st.nonPersistent.has(key) });
  for (const [key, m] of st.modules) copy.registerModule(key, m === null ? null : (copyValue(m, memo) as Module));
  const registered = (key: string | symbol): boolean => typeof key === 'string' && (st.params.has(key) || st.buffers.has(key) || st.modules.has(key));
  for (const key of Reflect.ownKeys(st.target)) {
    if (registered(key)) continue;
    const desc = Object.getOwnPropertyDescriptor(st.target, key)!;
    Reflect.defineProperty(copy, key, 'value' in desc ? { ...desc, value: copyValue(desc.value, memo) } : desc);
  }
  return copy;
}
