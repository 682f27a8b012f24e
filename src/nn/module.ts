/**
 * `nn.Module`: the base class of every layer and model. A module registers the
 * Modules and Parameters its own properties hold, in the order they are
 * assigned (class fields and constructor assignments alike), and walks them
 * in PyTorch's order: a module's own parameters first, then each child's,
 * depth first. Dotted names (`base.0.weight`) are PyTorch's exactly.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { ArgumentTypeError, checkKeys, ModuleError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { describeValue, Parameter } from './parameter.js';
import {
  assertNothingHidden, checkLeafParameter, checkName, className, isModule, makeModule, setRegistered, stateOf,
} from './registry.js';
import { loadStateDictInto, stateDictOf, type LoadStateDictOptions, type LoadStateDictResult, type StateDict, type StateDictOptions } from './state-dict.js';

export interface NamedParametersOptions {
  /** Prepended to every name, with a dot: `prefix: 'model'` gives `model.fc1.weight`. */
  prefix?: string;
  /** Include the parameters of submodules (default true); false gives only this module's own. */
  recurse?: boolean;
  /** Yield a parameter shared by several modules once, under its first name (default true). */
  removeDuplicate?: boolean;
}

export interface NamedModulesOptions {
  /** Prepended to every name, with a dot. */
  prefix?: string;
  /** Yield a module registered under several names once, under its first name (default true). */
  removeDuplicate?: boolean;
}

/** Options of `zeroGrad` (of a `Module`, an `Optimizer` or a `MultiOptimizer`). */
export interface ZeroGradOptions {
  /** Set grads to `null` (default, as PyTorch 2.x) instead of filling them with zeros. */
  setToNone?: boolean;
}

export interface RegisterBufferOptions {
  /** Whether the buffer is part of `stateDict()` (default true). */
  persistent?: boolean;
}

function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/**
 * Base class of layers and models. Subclass it, keep layers and parameters in
 * properties, and write `forward`:
 *
 * ```ts
 * class MyModel extends nn.Module {
 *   base = new nn.Sequential(new nn.Linear(1, 512), new nn.ReLU());
 *   classifier = new nn.Linear(512, 10);
 *   forward(x: Tensor) { return this.classifier.forward(this.base.forward(x)); }
 * }
 * const model = new MyModel();
 * [...model.namedParameters()].map(([n]) => n); // ['base.0.weight', 'base.0.bias', 'classifier.weight', 'classifier.bias']
 * ```
 *
 * Assigning a Parameter or Module to a property registers it (reassigning
 * replaces it, `null` empties the slot, `delete` removes it); a plain Tensor
 * is not registered (use `registerBuffer`), and Modules kept in a plain
 * Array, Map or object are refused with a hint to use `ModuleList`,
 * `ModuleDict`, `ParameterList` or `ParameterDict`.
 *
 * NOTE: the constructor returns a Proxy of the new object (see registry.ts);
 * `this`, `instanceof` and `#private` fields of subclasses behave as usual.
 */
export class Module {
  /** Training mode (`train()`/`eval()` set it on the whole tree). Layers such as Dropout and BatchNorm read it. */
  training = true;

  constructor() {
    // The Proxy is what registers subclass fields (registry.ts).
    return makeModule(this);
  }

  // --- registration ---------------------------------------------------------

  /** Registers `param` under `name` (a name chosen at run time); `null` registers an empty slot. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, 'parameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new ArgumentTypeError(`cannot assign ${describeValue(param)} to parameter '${name}' (nn.Parameter or null required)`, {
        op: `${className(this)}.registerParameter`,
        hint: (param as unknown) instanceof Tensor ? 'wrap it: new nn.Parameter(tensor)' : undefined,
      });
    }
    if (param !== null) checkLeafParameter(this, name, param);
    setRegistered(stateOf(this), 'parameter', name, param);
  }

  /**
   * Registers a tensor that is part of the module's state but not a
   * parameter (BatchNorm's running statistics). Persistent buffers are saved
   * in `stateDict()`; `{ persistent: false }` keeps one out of it.
   */
  registerBuffer(name: string, tensor: Tensor | null, options: RegisterBufferOptions = {}): void {
    checkKeys('registerBuffer', options, ['persistent']);
    checkName(this, 'buffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new ArgumentTypeError(`cannot assign ${describeValue(tensor)} to buffer '${name}' (Tensor or null required)`, {
        op: `${className(this)}.registerBuffer`,
      });
    }
    setRegistered(stateOf(this), 'buffer', name, tensor, options.persistent ?? true);
  }

  /** Registers a child module under `name` (a name chosen at run time); `null` registers an empty slot. */
  registerModule(name: string, module: Module | null): void {
    checkName(this, 'module', name);
    if (module !== null && !isModule(module)) {
      throw new ArgumentTypeError(`${describeValue(module)} is not a Module subclass`, { op: `${className(this)}.registerModule` });
    }
    setRegistered(stateOf(this), 'module', name, module);
  }

  /** Alias of `registerModule` (PyTorch's `add_module`). */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  // --- walking the tree ------------------------------------------------------

  /**
   * `[name, module]` for this module and every module below it, depth first
   * in registration order, this module first (named `prefix`).
   */
  *namedModules(options: NamedModulesOptions = {}): Generator<[string, Module], void, undefined> {
    checkKeys('namedModules', options, ['prefix', 'removeDuplicate']);
    assertNothingHidden(this);
    yield* walkModules(this, options.prefix ?? '', options.removeDuplicate ?? true ? new Set() : null);
  }

  /** This module and every module below it, each once. */
  *modules(): Generator<Module, void, undefined> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** `[name, child]` for the direct children, each once. */
  *namedChildren(): Generator<[string, Module], void, undefined> {
    assertNothingHidden(this);
    const seen = new Set<Module>();
    for (const [name, m] of stateOf(this).modules) {
      if (m === null || seen.has(m)) continue;
      seen.add(m);
      yield [name, m];
    }
  }

  /** The direct children, each once. */
  *children(): Generator<Module, void, undefined> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /**
   * `[name, parameter]` for this module's parameters and (with `recurse`, the
   * default) its submodules', in PyTorch's order and with PyTorch's names. A
   * parameter shared by several modules is yielded once, under its first
   * name, unless `removeDuplicate` is false.
   */
  *namedParameters(options: NamedParametersOptions = {}): Generator<[string, Parameter], void, undefined> {
    yield* this.namedMembers('params', options);
  }

  /** The parameters, each once: what an optimizer takes (`{ params: model.base.parameters() }`). */
  *parameters(options: { recurse?: boolean } = {}): Generator<Parameter, void, undefined> {
    for (const [, p] of this.namedParameters(options)) yield p;
  }

  /** `[name, buffer]` for the buffers (persistent or not), in the order of `namedParameters`. */
  *namedBuffers(options: NamedParametersOptions = {}): Generator<[string, Tensor], void, undefined> {
    yield* this.namedMembers('buffers', options);
  }

  /** The buffers, each once. */
  *buffers(options: { recurse?: boolean } = {}): Generator<Tensor, void, undefined> {
    for (const [, b] of this.namedBuffers(options)) yield b;
  }

  private *namedMembers<K extends 'params' | 'buffers'>(
    kind: K,
    options: NamedParametersOptions,
  ): Generator<[string, K extends 'params' ? Parameter : Tensor], void, undefined> {
    assertNothingHidden(this);
    checkKeys(kind === 'params' ? 'namedParameters' : 'namedBuffers', options, ['prefix', 'recurse', 'removeDuplicate']);
    const removeDuplicate = options.removeDuplicate ?? true;
    const prefix = options.prefix ?? '';
    const mods: Iterable<[string, Module]> =
      options.recurse ?? true ? walkModules(this, prefix, removeDuplicate ? new Set() : null) : [[prefix, this]];
    const seen = new Set<Tensor>();
    for (const [modPrefix, m] of mods) {
      for (const [name, t] of stateOf(m)[kind]) {
        if (t === null) continue;
        if (removeDuplicate) {
          if (seen.has(t)) continue;
          seen.add(t);
        }
        yield [joinName(modPrefix, name), t as K extends 'params' ? Parameter : Tensor];
      }
    }
  }

  /**
   * The submodule at a dotted path (`'base.0'`); `''` is this module. Given
   * a class as well, it checks the submodule is one and returns it typed as
   * one (where PyTorch's dynamic `model.base[0].weight` needs no type):
   *
   * ```ts
   * model.getSubmodule('base.0');                    // a Module: the first layer of model.base
   * model.getSubmodule('base.0', nn.Linear).weight;  // typed; a ModuleError if it is not a Linear
   * ```
   */
  getSubmodule(target: string): Module;
  getSubmodule<M extends Module>(target: string, type: ModuleClass<M>): M;
  getSubmodule<M extends Module>(target: string, type?: ModuleClass<M>): Module {
    const found = this.findSubmodule(target);
    return type === undefined ? found : checkModuleType(found, type, `${className(this)}.getSubmodule('${target}')`);
  }

  private findSubmodule(target: string): Module {
    if (target === '') return this;
    return target.split('.').reduce<Module>((mod, atom) => {
      const st = stateOf(mod);
      const child = st.modules.get(atom);
      if (child === undefined || child === null) {
        const known = [...st.modules.keys()];
        const inOther = st.params.has(atom) || st.buffers.has(atom) || atom in st.target;
        throw new ModuleError(inOther ? `\`${atom}\` is not an nn.Module` : `${className(mod)} has no attribute \`${atom}\``, {
          op: `getSubmodule('${target}')`,
          hint: known.length > 0 ? `its submodules are ${known.join(', ')}` : undefined,
        });
      }
      return child;
    }, this);
  }

  /** The parameter at a dotted path (`'base.0.weight'`). */
  getParameter(target: string): Parameter {
    return this.getMember(target, 'params', 'nn.Parameter', 'getParameter') as Parameter;
  }

  /** The buffer at a dotted path (`'bn.runningMean'`... named as registered, e.g. `'bn.running_mean'`). */
  getBuffer(target: string): Tensor {
    return this.getMember(target, 'buffers', 'buffer', 'getBuffer');
  }

  private getMember(target: string, kind: 'params' | 'buffers', what: string, op: string): Tensor {
    const dot = target.lastIndexOf('.');
    const mod = this.findSubmodule(dot < 0 ? '' : target.slice(0, dot));
    const name = target.slice(dot + 1);
    const st = stateOf(mod);
    const t = st[kind].get(name);
    if (t === undefined || t === null) {
      const exists = name in st.target;
      throw new ModuleError(exists ? `\`${name}\` is not ${what === 'buffer' ? 'a buffer' : `an ${what}`}` : `${className(mod)} has no attribute \`${name}\``, {
        op: `${op}('${target}')`,
        hint: st[kind].size > 0 ? `its ${kind === 'params' ? 'parameters' : 'buffers'} are ${[...st[kind].keys()].join(', ')}` : undefined,
      });
    }
    return t;
  }

  /** Calls `fn` on every submodule (children first, depth first) and then on this module; returns `this`. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // --- modes and gradients ---------------------------------------------------

  /** Sets training mode on this module and every submodule; returns `this`. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ValueError(`training mode is expected to be boolean, got ${describeValue(mode)}`, { op: `${className(this)}.train` });
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Resets the gradients of every parameter: to `null` by default (PyTorch
   * 2.x), or filled with zeros with `{ setToNone: false }`.
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    checkKeys('zeroGrad', options, ['setToNone']);
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad!.detach_().zero_());
    }
  }

  /** Sets `requiresGrad` on every parameter (`false` freezes the module); returns `this`. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * How many numbers the parameters hold (each shared parameter once);
   * `{ trainableOnly: true }` counts only those that require grad.
   *
   * ```ts
   * new nn.Linear(1, 512).numParameters(); // 1024
   * ```
   */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.numel;
    return n;
  }

  // --- state ------------------------------------------------------------------

  /**
   * Every parameter and persistent buffer, keyed by its dotted name, in
   * PyTorch's key order, detached (sharing memory with the model). Not
   * deduplicated: a shared module or parameter appears under every name, as in
   * PyTorch, so the dict loads back into the same architecture.
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    assertNothingHidden(this);
    checkKeys('stateDict', options, ['prefix', 'keepVars']);
    return stateDictOf(this, options);
  }

  /**
   * Copies `stateDict`'s tensors into the parameters and buffers (in place:
   * sharing is kept). Every problem (missing keys and unexpected keys when
   * `strict`, the default; shape mismatches always) is reported at once in one
   * `StateDictError`, and the model is left unchanged.
   *
   * ```ts
   * const copy = new MyModel();
   * copy.loadStateDict(model.stateDict());                      // same weights
   * copy.loadStateDict({ 'classifier.weight': w }, { strict: false }); // { missingKeys: [...], unexpectedKeys: [] }
   * ```
   */
  loadStateDict(stateDict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    assertNothingHidden(this);
    checkKeys('loadStateDict', options, ['strict']);
    return loadStateDictInto(this, stateDict, options);
  }

  // --- printing ---------------------------------------------------------------

  /** The part of the printed form between the parentheses, besides the children (`inFeatures=1, …`). */
  extraRepr(): string {
    return '';
  }

  /**
   * PyTorch's module printout:
   * ```
   * MyModel(
   *   (fc1): Linear(inFeatures=1, outFeatures=512, bias=true)
   * )
   * ```
   */
  toString(): string {
    const extra = this.extraRepr();
    const lines = extra === '' ? [] : extra.split('\n');
    // As PyTorch, an empty child slot is listed too (PyTorch prints `None`).
    for (const [name, child] of stateOf(this).modules) lines.push(`(${name}): ${child === null ? 'null' : child.toString().split('\n').join('\n  ')}`);
    const head = `${className(this)}(`;
    if (lines.length === 0) return `${head})`;
    if (lines.length === 1 && extra !== '' && stateOf(this).modules.size === 0) return `${head}${extra})`;
    return `${head}\n  ${lines.join('\n  ')}\n)`;
  }

  /** Node's `console.log` and `util.inspect` show the module printout. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A Module class, as passed to `getSubmodule(path, nn.Linear)` / `Sequential.at(i, nn.Linear)` for a typed result. */
export type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

/** `m`, typed as an instance of `type`; a ModuleError naming both classes when it is not one. */
export function checkModuleType<M extends Module>(m: Module, type: ModuleClass<M>, op: string): M {
  if (typeof type !== 'function') throw new ArgumentTypeError(`expected a Module class such as nn.Linear, got ${describeValue(type)}`, { op });
  if (!(m instanceof type)) {
    throw new ModuleError(`expected a ${type.name || 'module of the given class'}, but found ${className(m)}`, { op, hint: 'pass the class of the module at that place, or none for a plain Module' });
  }
  return m;
}

/** Depth-first `[name, module]` pairs; `memo` (when not null) skips modules already seen. */
function* walkModules(m: Module, prefix: string, memo: Set<Module> | null): Generator<[string, Module], void, undefined> {
  if (memo !== null) {
    if (memo.has(m)) return;
    memo.add(m);
  }
  yield [prefix, m];
  for (const [name, child] of stateOf(m).modules) {
    if (child === null) continue;
    yield* walkModules(child, joinName(prefix, name), memo);
  }
}

/**
 * The `forward` of a module class written without one: a `ModuleError`, as
 * PyTorch's `_forward_unimplemented`. Installed at run time only, so that
 * TypeScript neither types `forward` on `Module` nor asks subclasses to mark
 * theirs `override`.
 */
export function missingForward(this: Module): never {
  throw new ModuleError(`Module [${className(this)}] is missing the required "forward" function`, {
    op: `${className(this)}.forward`,
    hint: 'define forward(input) in the class',
  });
}
Object.defineProperty(Module.prototype, 'forward', { value: missingForward, writable: true, configurable: true, enumerable: false });
