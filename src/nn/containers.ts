/**
 * Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`,
 * `ParameterDict`. Their entries are registered under PyTorch's names
 * (`'0'`, `'1'` … or the keys), so `model.base.0.weight` is named as in PyTorch.
 */
import { ArgumentTypeError, IndexError, ModuleError, nearest } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkModuleType, missingForward, Module, type ModuleClass } from './module.js';
import { describeValue, Parameter } from './parameter.js';
import { checkName, className, isModule, stateOf } from './registry.js';

function checkModule(m: unknown, op: string): Module {
  if (!isModule(m)) throw new ArgumentTypeError(`${describeValue(m)} is not a Module subclass`, { op, hint: 'layers are nn.Module instances, e.g. new nn.Linear(1, 512)' });
  return m;
}

function normIndex(i: number, n: number, op: string, inclusiveEnd = false): number {
  if (!Number.isInteger(i)) throw new ArgumentTypeError(`index must be an integer, got ${describeValue(i)}`, { op });
  const j = i < 0 ? i + n : i;
  if (j < 0 || j > (inclusiveEnd ? n : n - 1)) {
    throw new IndexError(`index ${i} is out of range`, { op, hint: n === 0 ? 'it is empty' : `it has ${n} entries: use 0…${n - 1} or -${n}…-1` });
  }
  return j;
}

/** `[start, end)` of a Python-style slice with negative and out-of-range bounds clamped. */
function sliceBounds(n: number, start = 0, end = n): [number, number] {
  const clamp = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  return [clamp(start), clamp(end)];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function entriesOfMapping<V>(v: unknown, op: string, what: string): [string, V][] {
  if (v instanceof Map) return [...(v as Map<string, V>)];
  if (isRecord(v)) return Object.entries(v) as [string, V][];
  if (typeof v === 'object' && v !== null && Symbol.iterator in v) {
    const out: [string, V][] = [];
    let i = 0;
    for (const pair of v as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new ArgumentTypeError(`${what} update sequence element #${i} is ${describeValue(pair)}, a [key, value] pair is required`, { op });
      }
      out.push(pair as [string, V]);
      i++;
    }
    return out;
  }
  throw new ArgumentTypeError(`${what} should be given a record, a Map or an iterable of [key, value] pairs, got ${describeValue(v)}`, { op });
}

/** Removes every registered child and registers `mods` as '0', '1', … */
function renumberModules(owner: Module, mods: readonly Module[]): void {
  const st = stateOf(owner);
  for (const name of [...st.modules.keys()]) delete (owner as unknown as Record<string, unknown>)[name];
  mods.forEach((m, i) => owner.registerModule(String(i), m));
}

/** The next `'0'`, `'1'` … name not yet taken (PyTorch's `str(len(self))`, which can collide once a slot was deleted). */
function nextIndexName(owner: Module, kind: 'modules' | 'params'): string {
  const taken = stateOf(owner)[kind];
  let i = taken.size;
  while (taken.has(String(i))) i++;
  return String(i);
}

function presentModules(owner: Module): Module[] {
  return [...stateOf(owner).modules.values()].filter((m): m is Module => m !== null);
}

/**
 * The type of `seq.at(i)`: the module at a literal index of a Sequential
 * built from modules (`T[i]`); any of its modules for a computed index; a
 * `Module` for a negative index or one past the modules it was built with
 * (`append` may have put anything there).
 */
export type ElementAt<T extends readonly Module[], I extends number> =
  number extends T['length'] ? T[number] : number extends I ? T[number] : `${I}` extends keyof T ? T[`${I}` & keyof T] : Module;

/**
 * Modules applied one after another: `forward(x)` feeds `x` to the first,
 * its output to the second, and so on. Built from modules (named `'0'`,
 * `'1'` …) or from a record of named modules; subclass it for named parts
 * of a model.
 *
 * ```ts
 * const base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU());
 * base.at(0);       // the Linear ('0.weight', '0.bias')
 * base.at(-1);      // the ReLU
 * class Base extends nn.Sequential {
 *   constructor() { super(new nn.Linear(1, 512), new nn.ReLU(), new nn.Linear(512, 264), new nn.ReLU()); }
 * }
 * ```
 */
export class Sequential<T extends readonly Module[] = Module[]> extends Module implements Iterable<T[number]> {
  constructor(...modules: T);
  constructor(modules: Record<string, Module> | ReadonlyMap<string, Module>);
  constructor(...args: unknown[]) {
    super();
    if (args.length === 1 && !isModule(args[0]) && (isRecord(args[0]) || args[0] instanceof Map)) {
      for (const [name, m] of entriesOfMapping<Module>(args[0], 'nn.Sequential', 'Sequential')) this.registerModule(name, checkModule(m, 'nn.Sequential'));
    } else {
      args.forEach((m, i) => this.registerModule(String(i), checkModule(m, 'nn.Sequential')));
    }
  }

  /** The number of modules. */
  get length(): number {
    return presentModules(this).length;
  }

  /**
   * The module at `index`; negative indices count from the end. A Sequential
   * built from modules keeps their types: `new nn.Sequential(new nn.Linear(1, 2), new nn.ReLU()).at(0)`
   * is a `Linear` (an index not known at compile time gives any of them). Given a
   * class as well, it checks the module is one and returns it typed as one:
   * `base.at(0, nn.Linear).weight` (for a subclass such as `class Base extends nn.Sequential`).
   */
  // NOTE: the element types come in through `this` (not the class's T), so that a typed Sequential stays
  // assignable to a plain `nn.Sequential` (a conditional type of T would make the class invariant in T).
  at<S extends readonly Module[], I extends number>(this: Sequential<S>, index: I): ElementAt<S, I>;
  at<M extends Module>(index: number, type: ModuleClass<M>): M;
  at<M extends Module>(index: number, type?: ModuleClass<M>): Module {
    const mods = presentModules(this);
    const m = mods[normIndex(index, mods.length, `${className(this)}.at`)]!;
    return type === undefined ? m : checkModuleType(m, type, `${className(this)}.at(${index})`);
  }

  /** A new Sequential of the modules in `[start, end)` (Python slice bounds), keeping their names. */
  slice(start?: number, end?: number): Sequential {
    const entries = [...stateOf(this).modules].filter((e): e is [string, Module] => e[1] !== null);
    const [a, b] = sliceBounds(entries.length, start, end);
    // NOTE: PyTorch builds the slice with the same class; a subclass's constructor
    // (Base's takes no arguments) cannot be assumed to accept a record, so the
    // slice is a plain Sequential.
    return new Sequential(Object.fromEntries(entries.slice(a, b)));
  }

  /** Adds `module` at the end (named by its position); returns `this`. */
  append(module: Module): this {
    this.registerModule(nextIndexName(this, 'modules'), checkModule(module, `${className(this)}.append`));
    return this;
  }

  /** Adds each module at the end; returns `this`. */
  extend(modules: Iterable<Module>): this {
    if (typeof modules !== 'object' || modules === null || !(Symbol.iterator in modules)) {
      throw new ArgumentTypeError(`extend should be called with an iterable, but got ${describeValue(modules)}`, { op: `${className(this)}.extend` });
    }
    const list = [...modules].map((m) => checkModule(m, `${className(this)}.extend`));
    for (const m of list) this.append(m);
    return this;
  }

  /** Inserts `module` before position `index`; the modules are renamed `'0'`, `'1'` … */
  insert(index: number, module: Module): this {
    checkModule(module, `${className(this)}.insert`);
    const mods = presentModules(this);
    const i = normIndex(index, mods.length, `${className(this)}.insert`, true);
    mods.splice(i, 0, module);
    renumberModules(this, mods);
    return this;
  }

  /** Removes and returns the module at `index` (default the last); the rest are renamed `'0'`, `'1'` … as PyTorch's `del seq[i]` does. */
  pop(index = -1): Module {
    const mods = presentModules(this);
    const i = normIndex(index, mods.length, `${className(this)}.pop`);
    const [removed] = mods.splice(i, 1);
    renumberModules(this, mods);
    return removed!;
  }

  [Symbol.iterator](): Iterator<T[number]> {
    return (presentModules(this) as T[number][])[Symbol.iterator]();
  }

  /** Each module's `forward` in turn. */
  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of presentModules(this)) {
      const f = (m as unknown as { forward?: unknown }).forward;
      if (typeof f !== 'function' || f === missingForward) {
        throw new ModuleError(`module [${className(m)}] is missing the required "forward" function`, {
          op: `${className(this)}.forward`,
          hint: 'containers such as ModuleList and ModuleDict only hold modules; put layers in a Sequential instead',
        });
      }
      x = (f as (this: Module, a: unknown) => unknown).call(m, x);
    }
    return x as Tensor;
  }
}

/**
 * A list of modules, registered as `'0'`, `'1'` …; it has no `forward`, you
 * index it (`at`) or iterate it. Use it instead of a plain array.
 *
 * ```ts
 * class Net extends nn.Module {
 *   blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 *   forward(x: Tensor) { for (const b of this.blocks) x = b.forward(x).relu(); return x; }
 * }
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  get length(): number {
    return presentModules(this).length;
  }

  /** The module at `index`; negative indices count from the end. */
  at(index: number): M {
    const mods = presentModules(this);
    return mods[normIndex(index, mods.length, `${className(this)}.at`)] as M;
  }

  /** Replaces the module at `index` (PyTorch's `list[i] = m`); returns `this`. */
  set(index: number, module: M): this {
    checkModule(module, `${className(this)}.set`);
    const names = [...stateOf(this).modules].filter(([, m]) => m !== null).map(([k]) => k);
    this.registerModule(names[normIndex(index, names.length, `${className(this)}.set`)]!, module);
    return this;
  }

  /** A new ModuleList of the modules in `[start, end)`. */
  slice(start?: number, end?: number): ModuleList<M> {
    const mods = presentModules(this) as M[];
    const [a, b] = sliceBounds(mods.length, start, end);
    return new ModuleList(mods.slice(a, b));
  }

  /** Adds `module` at the end (named by its position); returns `this`. */
  append(module: M): this {
    this.registerModule(nextIndexName(this, 'modules'), checkModule(module, `${className(this)}.append`));
    return this;
  }

  extend(modules: Iterable<M>): this {
    if (typeof modules !== 'object' || modules === null || !(Symbol.iterator in modules) || isModule(modules)) {
      throw new ArgumentTypeError(`extend should be called with an iterable, but got ${describeValue(modules)}`, { op: `${className(this)}.extend` });
    }
    const list = [...modules].map((m) => checkModule(m, `${className(this)}.extend`));
    for (const m of list) this.append(m as M);
    return this;
  }

  /** Inserts before `index`; entries are renamed `'0'`, `'1'` … */
  insert(index: number, module: M): this {
    checkModule(module, `${className(this)}.insert`);
    const mods = presentModules(this);
    mods.splice(normIndex(index, mods.length, `${className(this)}.insert`, true), 0, module);
    renumberModules(this, mods);
    return this;
  }

  /** Removes and returns the module at `index` (default the last); entries are renamed `'0'`, `'1'` … */
  pop(index = -1): M {
    const mods = presentModules(this);
    const [removed] = mods.splice(normIndex(index, mods.length, `${className(this)}.pop`), 1);
    renumberModules(this, mods);
    return removed as M;
  }

  [Symbol.iterator](): Iterator<M> {
    return (presentModules(this) as M[])[Symbol.iterator]();
  }
}

function missingKey(owner: Module, key: string, keys: readonly string[], op: string): ModuleError {
  const guess = nearest(key, keys);
  return new ModuleError(`no entry named '${key}'`, {
    op,
    hint: guess !== undefined ? `did you mean '${guess}'?` : keys.length > 0 ? `its keys are ${keys.join(', ')}` : `${className(owner)} is empty`,
  });
}

/** The class behind `nn.ModuleDict` (see there). */
export class ModuleDictBase<T extends Record<string, Module> = Record<string, Module>> extends Module implements Iterable<keyof T & string> {
  constructor(modules?: T | ReadonlyMap<string, Module> | Iterable<readonly [string, Module]>) {
    super();
    if (modules !== undefined) this.update(modules);
  }

  /** The number of entries. */
  get size(): number {
    return this.keys().length;
  }

  /** The module under `key` (an error naming the nearest key when there is none). */
  get<K extends keyof T & string>(key: K): T[K] {
    const m = stateOf(this).modules.get(key);
    if (m === undefined || m === null) throw missingKey(this, key, this.keys(), `${className(this)}.get`);
    return m as T[K];
  }

  /** Adds or replaces the module under `key`; returns `this`. */
  set<K extends keyof T & string>(key: K, module: T[K]): this {
    this.registerModule(key, checkModule(module, `${className(this)}.set`));
    return this;
  }

  has(key: string): boolean {
    const m = stateOf(this).modules.get(key);
    return m !== undefined && m !== null;
  }

  /** Removes and returns the module under `key`. */
  pop<K extends keyof T & string>(key: K): T[K] {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  /** Removes every entry. */
  clear(): void {
    for (const k of this.keys()) delete (this as unknown as Record<string, unknown>)[k];
  }

  /** Adds or replaces entries from a record, a Map or `[key, module]` pairs, in their order; returns `this`. */
  update(modules: Partial<T> | ReadonlyMap<string, Module> | Iterable<readonly [string, Module]>): this {
    const entries = entriesOfMapping<Module>(modules, `${className(this)}.update`, 'ModuleDict');
    // Every key and module is checked before the first is registered, so a failed update changes nothing.
    for (const [k, m] of entries) {
      checkName(this, 'module', k);
      checkModule(m, `${className(this)}.update`);
    }
    for (const [k, m] of entries) this.registerModule(k, m);
    return this;
  }

  keys(): (keyof T & string)[] {
    return [...stateOf(this).modules].filter(([, m]) => m !== null).map(([k]) => k as keyof T & string);
  }

  values(): T[keyof T][] {
    return presentModules(this) as T[keyof T][];
  }

  entries(): [keyof T & string, T[keyof T]][] {
    return [...stateOf(this).modules].filter(([, m]) => m !== null) as [keyof T & string, T[keyof T]][];
  }

  /** Iterates the keys, as PyTorch's ModuleDict does. */
  [Symbol.iterator](): Iterator<keyof T & string> {
    return this.keys()[Symbol.iterator]();
  }
}

/**
 * Modules by name; each entry is also a typed property, so the seed's
 * `model.params.base.parameters()` compiles and names parameters
 * `params.base.0.weight`, as in PyTorch.
 *
 * ```ts
 * const params = new nn.ModuleDict({ base: new nn.ModuleList([fc1, fc2]), classifier: new nn.ModuleList([fc3, fc4]) });
 * params.base.parameters();        // typed: params.base is a ModuleList<Linear>
 * params.get('classifier');        // the same as params.classifier
 * ```
 */
export type ModuleDict<T extends Record<string, Module> = Record<string, Module>> = ModuleDictBase<T> & T;

/** The constructor type of `nn.ModuleDict`: infers the entry types from the record it is given. */
export interface ModuleDictConstructor {
  new <T extends Record<string, Module> = Record<string, Module>>(modules?: T): ModuleDict<T>;
  new (modules: ReadonlyMap<string, Module> | Iterable<readonly [string, Module]>): ModuleDict;
  readonly prototype: ModuleDictBase;
}

// NOTE: the class prints and reports errors as `ModuleDict`, the name users write.
Object.defineProperty(ModuleDictBase, 'name', { value: 'ModuleDict' });
export const ModuleDict = ModuleDictBase as unknown as ModuleDictConstructor;

function toParameter(t: unknown, op: string): Parameter {
  if (t instanceof Parameter) return t;
  // NOTE: as in PyTorch, a plain tensor becomes a Parameter (sharing memory) that requires grad.
  if (t instanceof Tensor) return new Parameter(t);
  throw new ArgumentTypeError(`expected a Tensor or nn.Parameter, got ${describeValue(t)}`, { op });
}

function presentParams(owner: Module): Parameter[] {
  return [...stateOf(owner).params.values()].filter((p): p is Parameter => p !== null);
}

function paramLine(name: string, p: Parameter): string {
  return `(${name}): Parameter containing: [${p.dtype} of size ${p.shape.join('x') || '()'}]`;
}

/**
 * A list of parameters, registered as `'0'`, `'1'` …; plain tensors are
 * wrapped into Parameters. The seed's alternative to submodules:
 *
 * ```ts
 * const base = new nn.ParameterList([...fc1.parameters(), ...fc2.parameters()]);
 * ```
 */
export class ParameterList extends Module implements Iterable<Parameter> {
  constructor(values: Iterable<Tensor> = []) {
    super();
    this.extend(values);
  }

  get length(): number {
    return presentParams(this).length;
  }

  at(index: number): Parameter {
    const ps = presentParams(this);
    return ps[normIndex(index, ps.length, `${className(this)}.at`)]!;
  }

  /** Replaces the parameter at `index`; returns `this`. */
  set(index: number, value: Tensor): this {
    const names = [...stateOf(this).params].filter(([, p]) => p !== null).map(([k]) => k);
    this.registerParameter(names[normIndex(index, names.length, `${className(this)}.set`)]!, toParameter(value, `${className(this)}.set`));
    return this;
  }

  /** Adds `value` at the end (a plain tensor is wrapped into a Parameter); returns `this`. */
  append(value: Tensor): this {
    this.registerParameter(nextIndexName(this, 'params'), toParameter(value, `${className(this)}.append`));
    return this;
  }

  extend(values: Iterable<Tensor>): this {
    if (typeof values !== 'object' || values === null || !(Symbol.iterator in values) || values instanceof Tensor) {
      throw new ArgumentTypeError(`extend should be called with an iterable, but got ${describeValue(values)}`, { op: `${className(this)}.extend` });
    }
    const list = [...values].map((v) => toParameter(v, `${className(this)}.extend`));
    for (const p of list) this.append(p);
    return this;
  }

  /** A new ParameterList of the same Parameters in `[start, end)`. */
  slice(start?: number, end?: number): ParameterList {
    const ps = presentParams(this);
    const [a, b] = sliceBounds(ps.length, start, end);
    return new ParameterList(ps.slice(a, b));
  }

  [Symbol.iterator](): Iterator<Parameter> {
    return presentParams(this)[Symbol.iterator]();
  }

  override extraRepr(): string {
    return [...stateOf(this).params].filter((e): e is [string, Parameter] => e[1] !== null).map(([n, p]) => paramLine(n, p)).join('\n');
  }
}

/** The class behind `nn.ParameterDict` (see there). */
export class ParameterDictBase<K extends string = string> extends Module implements Iterable<K> {
  constructor(values?: Record<K, Tensor> | ReadonlyMap<K, Tensor> | Iterable<readonly [K, Tensor]>) {
    super();
    if (values !== undefined) this.update(values);
  }

  get size(): number {
    return this.keys().length;
  }

  get(key: K): Parameter {
    const p = stateOf(this).params.get(key);
    if (p === undefined || p === null) throw missingKey(this, key, this.keys(), `${className(this)}.get`);
    return p;
  }

  /** Adds or replaces the parameter under `key` (a plain tensor is wrapped); returns `this`. */
  set(key: K, value: Tensor): this {
    this.registerParameter(key, toParameter(value, `${className(this)}.set`));
    return this;
  }

  has(key: string): boolean {
    const p = stateOf(this).params.get(key);
    return p !== undefined && p !== null;
  }

  pop(key: K): Parameter {
    const p = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return p;
  }

  clear(): void {
    for (const k of this.keys()) delete (this as unknown as Record<string, unknown>)[k];
  }

  /**
   * Adds or replaces entries, in the order given.
   *
   * NOTE: deliberate difference from PyTorch, which inserts a plain dict's
   * entries in sorted key order: a record keeps its own order here, as a
   * JavaScript object is ordered by insertion.
   */
  update(values: Partial<Record<K, Tensor>> | ReadonlyMap<K, Tensor> | Iterable<readonly [K, Tensor]>): this {
    const entries = entriesOfMapping<Tensor>(values, `${className(this)}.update`, 'ParameterDict');
    // Every key and value is checked before the first is registered, so a failed update changes nothing.
    const ps = entries.map(([k, v]) => {
      if (typeof k !== 'string') {
        throw new ArgumentTypeError(`keys must be strings, got ${describeValue(k)}`, { op: `${className(this)}.update` });
      }
      checkName(this, 'parameter', k);
      return [k, toParameter(v, `${className(this)}.update`)] as const;
    });
    for (const [k, p] of ps) this.registerParameter(k, p);
    return this;
  }

  keys(): K[] {
    return [...stateOf(this).params].filter(([, p]) => p !== null).map(([k]) => k as K);
  }

  values(): Parameter[] {
    return presentParams(this);
  }

  entries(): [K, Parameter][] {
    return [...stateOf(this).params].filter(([, p]) => p !== null) as [K, Parameter][];
  }

  [Symbol.iterator](): Iterator<K> {
    return this.keys()[Symbol.iterator]();
  }

  override extraRepr(): string {
    return this.entries().map(([n, p]) => paramLine(n, p)).join('\n');
  }
}

/**
 * Parameters by name; each entry is also a typed property.
 *
 * ```ts
 * const pd = new nn.ParameterDict({ scale: kd.ones([3]), shift: kd.zeros([3]) });
 * pd.scale; // a Parameter, named 'scale' in stateDict()
 * ```
 */
export type ParameterDict<K extends string = string> = ParameterDictBase<K> & Record<K, Parameter>;

export interface ParameterDictConstructor {
  new <K extends string = string>(values?: Record<K, Tensor> | ReadonlyMap<K, Tensor> | Iterable<readonly [K, Tensor]>): ParameterDict<K>;
  readonly prototype: ParameterDictBase;
}

Object.defineProperty(ParameterDictBase, 'name', { value: 'ParameterDict' });
export const ParameterDict = ParameterDictBase as unknown as ParameterDictConstructor;
