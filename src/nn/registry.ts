/**
 * How a Module knows what it holds: per module, ordered registries of its
 * parameters, buffers and child modules, kept in step with the module's own
 * properties by a Proxy that watches property definitions.
 *
 * NOTE: the Proxy traps `defineProperty`, not `set`. Class fields (ES2022
 * `[[Define]]` semantics, TypeScript's default for this target) define the
 * property directly, and a plain assignment `this.x = v` on a Proxy without a
 * `set` trap also ends in `[[DefineOwnProperty]]` on the receiver (the
 * Proxy), so one trap sees both, in the order they happen, whichever way
 * the subclass was compiled. No `get` trap: registered values are ordinary
 * own data properties of the module, so reading them costs nothing extra.
 */
import { ArgumentTypeError, ModuleError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { Module } from './module.js';
import { describeValue, Parameter } from './parameter.js';

/** What one module registers, in registration order. A `null` entry is a registered empty slot (PyTorch's `None`). */
export interface ModuleState {
  /** The object behind the Proxy (methods only ever see the Proxy). */
  readonly target: Module;
  readonly params: Map<string, Parameter | null>;
  readonly buffers: Map<string, Tensor | null>;
  readonly nonPersistent: Set<string>;
  readonly modules: Map<string, Module | null>;
}

// Keyed by both the Proxy and its target, so the traps (which see the target)
// and the methods (which see the Proxy) find the same state.
const states = new WeakMap<object, ModuleState>();

/** True for a Module (its Proxy or, inside the traps, its target). */
export function isModule(v: unknown): v is Module {
  return typeof v === 'object' && v !== null && states.has(v);
}

export function stateOf(m: Module): ModuleState {
  const st = states.get(m);
  if (st === undefined) throw new ModuleError('this module was not set up by nn.Module\'s constructor', { op: 'nn.Module', hint: 'call super() first in the constructor' });
  return st;
}

export function className(m: object): string {
  return m.constructor?.name || 'Module';
}

type Kind = 'parameter' | 'buffer' | 'module';

/** Checks a name given to `registerParameter`/`registerBuffer`/`registerModule` (PyTorch's rules). */
export function checkName(owner: Module, kind: Kind, name: unknown): string {
  const op = `${className(owner)}.register${kind === 'parameter' ? 'Parameter' : kind === 'buffer' ? 'Buffer' : 'Module'}`;
  if (typeof name !== 'string') throw new ArgumentTypeError(`${kind} name should be a string, got ${describeValue(name)}`, { op });
  if (name === '') throw new ModuleError(`${kind} name can't be empty string ""`, { op });
  if (name.includes('.')) {
    throw new ModuleError(`${kind} name can't contain ".", got "${name}"`, { op, hint: 'dots separate the levels of dotted names such as "base.0.weight"' });
  }
  const st = stateOf(owner);
  // As PyTorch: re-registering under the same kind replaces; any other existing attribute (a method,
  // a plain property, or a registration of another kind) is refused.
  const sameKind = (kind === 'parameter' ? st.params : kind === 'buffer' ? st.buffers : st.modules).has(name);
  // NOTE: deliberate difference from PyTorch: an own property still `undefined` is a TypeScript
  // field declaration (`runningMean!: Tensor`, defined as undefined before the constructor body
  // runs), not an attribute in use, so registering under its name is allowed.
  const declaredOnly = Object.prototype.hasOwnProperty.call(st.target, name) && Reflect.get(st.target, name) === undefined;
  if (!sameKind && !declaredOnly && name in st.target) {
    const other = st.params.has(name) ? ' (a parameter)' : st.buffers.has(name) ? ' (a buffer)' : st.modules.has(name) ? ' (a submodule)' : '';
    throw new ModuleError(`attribute '${name}'${other} already exists`, { op, hint: other ? `delete it first: delete module.${name}` : 'choose another name' });
  }
  return name;
}

function defineOwn(target: object, name: string, value: unknown): void {
  Reflect.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

/** Registers `value` (or an empty slot) as a parameter, buffer or child of `st`, replacing any earlier registration of `name`. */
export function setRegistered(st: ModuleState, kind: Kind, name: string, value: Parameter | Tensor | Module | null, persistent = true): void {
  if (kind !== 'parameter') st.params.delete(name);
  if (kind !== 'buffer') {
    st.buffers.delete(name);
    st.nonPersistent.delete(name);
  }
  if (kind !== 'module') st.modules.delete(name);
  if (kind === 'module' && value !== null && contains(value as Module, st)) {
    // A module inside itself would make stateDict(), toString() and every walk recurse forever.
    throw new ModuleError(`registering ${className(value)} as '${name}' would make a cycle: a module cannot contain itself`, {
      op: `${className(st.target)}.registerModule`,
      hint: 'share a layer by registering it in two parents, never in one of its own submodules',
    });
  }
  // NOTE: Map.set on an existing key keeps its position: reassigning a
  // parameter keeps its place in parameters() and stateDict(), as in PyTorch.
  if (kind === 'parameter') st.params.set(name, value as Parameter | null);
  else if (kind === 'module') st.modules.set(name, value as Module | null);
  else {
    st.buffers.set(name, value as Tensor | null);
    if (persistent) st.nonPersistent.delete(name);
    else st.nonPersistent.add(name);
  }
  defineOwn(st.target, name, value);
}

/** Whether `st`'s module is `m` or lies below it. */
function contains(m: Module, st: ModuleState): boolean {
  const seen = new Set<ModuleState>();
  const todo = [stateOf(m)];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (s === st) return true;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const c of s.modules.values()) if (c !== null) todo.push(stateOf(c));
  }
  return false;
}

/** Removes `name` from every registry (the property itself is the caller's business). */
export function unregister(st: ModuleState, name: string): void {
  st.params.delete(name);
  st.buffers.delete(name);
  st.nonPersistent.delete(name);
  st.modules.delete(name);
}

/** Refuses a Parameter that autograd produced (PyTorch's check in register_parameter). */
export function checkLeafParameter(owner: Module, name: string, p: Parameter): void {
  if (p.gradFn !== null) {
    throw new ValueError(
      `cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly`,
      { op: className(owner), hint: `to express '${name}' as a function of another Tensor, compute the value in forward()` },
    );
  }
}

/**
 * What a property assignment `owner[name] = value` registers; throws (before
 * anything changes) where PyTorch's `__setattr__` refuses the value, and where
 * a plain container would hide Modules or Parameters.
 */
function assign(target: Module, name: string, value: unknown): void {
  const st = states.get(target)!;
  const owner = className(target);
  if (value instanceof Parameter) {
    checkPropertyName(owner, name);
    checkLeafParameter(target, name, value);
    setRegistered(st, 'parameter', name, value);
    return;
  }
  if (isModule(value)) {
    checkPropertyName(owner, name);
    setRegistered(st, 'module', name, value);
    return;
  }
  const slot = st.params.has(name) ? 'parameter' : st.modules.has(name) ? 'module' : st.buffers.has(name) ? 'buffer' : null;
  if (slot !== null) {
    if (value === null) return setRegistered(st, slot, name, null, !st.nonPersistent.has(name));
    if (slot === 'buffer' && value instanceof Tensor) return setRegistered(st, 'buffer', name, value, !st.nonPersistent.has(name));
    const expected = slot === 'parameter' ? 'nn.Parameter or null' : slot === 'module' ? 'nn.Module or null' : 'Tensor or null';
    const hint =
      value === undefined ? `a field that a base class assigns must be declared with \`declare ${name}: …\`, which does not redefine it`
      : slot === 'parameter' && value instanceof Tensor ? `wrap it: new nn.Parameter(tensor), or registerBuffer('${name}', tensor) after deleting the parameter`
      : `delete ${owner}.${name} first to store something else under this name`;
    throw new ModuleError(`cannot assign ${describeValue(value)} as ${slot === 'module' ? 'child module' : slot} '${name}' (${expected} expected)`, { op: owner, hint });
  }
  const hidden = hiddenHolder(value);
  if (hidden !== null && !allReachable(target, hidden.items)) throw plainContainerError(owner, name, hidden);
}

function checkPropertyName(owner: string, name: string): void {
  if (name === '' || name.includes('.')) {
    throw new ModuleError(`a registered name can't be empty or contain ".", got "${name}"`, { op: owner });
  }
}

/** The Proxy handler every Module is wrapped in (see the note at the top). */
const handler: ProxyHandler<Module> = {
  defineProperty(target, key, desc) {
    if (typeof key === 'string') {
      if ('value' in desc) assign(target, key, desc.value);
      // An accessor replaces whatever was registered under the name.
      else unregister(states.get(target)!, key);
    }
    return Reflect.defineProperty(target, key, desc);
  },
  deleteProperty(target, key) {
    if (typeof key === 'string') unregister(states.get(target)!, key);
    return Reflect.deleteProperty(target, key);
  },
};

/** Sets up the registries of a fresh module and returns the Proxy its constructor returns. */
export function makeModule<M extends Module>(target: M): M {
  const proxy = new Proxy<Module>(target, handler) as M;
  const st: ModuleState = { target, params: new Map(), buffers: new Map(), nonPersistent: new Set(), modules: new Map() };
  states.set(target, st);
  states.set(proxy, st);
  return proxy;
}

// --- plain containers that would hide Modules or Parameters ---------------

interface Hidden {
  /** 'Array', 'Map', 'Set' or 'object'. */
  kind: string;
  items: (Module | Parameter)[];
  modules: number;
  params: number;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The Modules/Parameters held by a plain Array, Map, Set or object (nested plain containers included), or null. */
export function hiddenHolder(value: unknown): Hidden | null {
  if (typeof value !== 'object' || value === null || isModule(value) || value instanceof Tensor) return null;
  const kind = Array.isArray(value) ? 'Array' : value instanceof Map ? 'Map' : value instanceof Set ? 'Set' : isPlainObject(value) ? 'object' : null;
  if (kind === null) return null;
  const found: Hidden = { kind, items: [], modules: 0, params: 0 };
  const seen = new Set<object>();
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null) return;
    if (v instanceof Parameter) {
      found.items.push(v);
      found.params++;
      return;
    }
    if (isModule(v)) {
      found.items.push(v);
      found.modules++;
      return;
    }
    if (depth > 3 || seen.has(v) || v instanceof Tensor) return;
    seen.add(v);
    if (Array.isArray(v) || v instanceof Set) for (const x of v) visit(x, depth + 1);
    else if (v instanceof Map) for (const x of v.values()) visit(x, depth + 1);
    else if (isPlainObject(v)) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(value, 0);
  return found.items.length > 0 ? found : null;
}

/** Whether every item is a module reachable from `root`, or a parameter of one. */
function allReachable(root: Module, items: readonly (Module | Parameter)[]): boolean {
  const mods = new Set<object>();
  const params = new Set<object>();
  const walk = (m: Module): void => {
    const st = states.get(m)!;
    if (mods.has(st.target)) return;
    mods.add(st.target);
    for (const p of st.params.values()) if (p !== null) params.add(p);
    for (const c of st.modules.values()) if (c !== null) walk(c);
  };
  walk(root);
  return items.every((x) => (x instanceof Parameter ? params.has(x) : mods.has(states.get(x)!.target)));
}

function plainContainerError(owner: string, name: string, h: Hidden): ModuleError {
  const what = h.modules > 0 && h.params > 0 ? 'Modules and Parameters' : h.modules > 0 ? 'Modules' : 'Parameters';
  const keyed = h.kind === 'Map' || h.kind === 'object';
  const container = h.modules > 0 ? (keyed ? 'nn.ModuleDict' : 'nn.ModuleList') : keyed ? 'nn.ParameterDict' : 'nn.ParameterList';
  const article = h.kind === 'object' ? 'a plain object' : `a plain ${h.kind}`;
  const count = h.items.length === 1 ? `1 ${what.replace(/s$/, '')}` : `${h.items.length} ${what}`;
  return new ModuleError(
    `property '${name}' is ${article} holding ${count} that ${owner} does not register, ` +
      'so their parameters would be missing from parameters(), stateDict() and optimizers',
    { op: owner, hint: `use ${container} instead: this.${name} = new ${container}(${keyed ? '{ … }' : '[…]'})` },
  );
}

/**
 * Throws when any module under `root` keeps Modules or Parameters in a plain
 * container property and they are not registered elsewhere in the tree.
 * Run before every walk over the tree, so nothing is skipped silently.
 */
export function assertNothingHidden(root: Module): void {
  const order: ModuleState[] = [];
  const seen = new Set<object>();
  const walk = (st: ModuleState): void => {
    if (seen.has(st.target)) return;
    seen.add(st.target);
    order.push(st);
    for (const c of st.modules.values()) if (c !== null) walk(states.get(c)!);
  };
  walk(stateOf(root));
  let reach: { mods: Set<object>; params: Set<object> } | null = null;
  for (const st of order) {
    for (const key of Object.keys(st.target)) {
      if (st.params.has(key) || st.buffers.has(key) || st.modules.has(key)) continue;
      const h = hiddenHolder((st.target as unknown as Record<string, unknown>)[key]);
      if (h === null) continue;
      if (reach === null) {
        reach = { mods: seen, params: new Set() };
        for (const s of order) for (const p of s.params.values()) if (p !== null) reach.params.add(p);
      }
      const r = reach;
      const ok = h.items.every((x) => (x instanceof Parameter ? r.params.has(x) : r.mods.has(states.get(x)!.target)));
      if (!ok) throw plainContainerError(className(st.target), key, h);
    }
  }
}
