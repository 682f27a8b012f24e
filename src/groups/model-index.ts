/**
 * One walk over the model that every rule then reads: each parameter with all
 * the names it is reachable under (tied and shared parameters have several),
 * the module that owns it and the modules above it; each module with its paths.
 */
import { ArgumentTypeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { ModuleLike, ParamSite } from './types.js';

/** A parameter of the model, once, with every site it appears at. */
export interface ParamEntry {
  readonly param: Tensor;
  /** The first name, as `namedParameters()` gives it. */
  readonly name: string;
  /** Every site, the first one first. */
  readonly sites: ParamSite[];
  /** Position in model order (the order of `namedParameters()`). */
  readonly index: number;
}

export interface ModuleEntry {
  readonly module: ModuleLike;
  /** Every dotted path the module is reachable under, the first one first (`''` is the model). */
  readonly paths: string[];
}

export interface ModelIndex {
  readonly root: ModuleLike;
  /** Every parameter once, in model order. */
  readonly params: ParamEntry[];
  readonly byParam: Map<Tensor, ParamEntry>;
  /** Every module once, in pre-order. */
  readonly modules: ModuleEntry[];
  readonly byModule: Map<ModuleLike, ModuleEntry>;
  /** Every module path (including those of shared modules under their later names). */
  readonly modulePaths: Map<string, ModuleLike>;
}

/** True for objects shaped like an `nn.Module`. */
export function isModuleLike(x: unknown): x is ModuleLike {
  return (
    typeof x === 'object' && x !== null &&
    typeof (x as { namedParameters?: unknown }).namedParameters === 'function' &&
    typeof (x as { namedChildren?: unknown }).namedChildren === 'function'
  );
}

/**
 * Walks `model` in PyTorch's order (a module's own parameters, then its
 * children in registration order, recursively), visiting shared modules under
 * each of their names so that every alias is known; the first name of a
 * parameter is the one `namedParameters()` reports.
 */
export function indexModel(model: ModuleLike, op: string): ModelIndex {
  if (!isModuleLike(model)) {
    throw new ArgumentTypeError(`expected a model (an nn.Module), got ${describeValue(model)}`, {
      op,
      hint: 'pass the model itself, e.g. optim.paramGroups(model, rules)',
    });
  }
  const params: ParamEntry[] = [];
  const byParam = new Map<Tensor, ParamEntry>();
  const modules: ModuleEntry[] = [];
  const byModule = new Map<ModuleLike, ModuleEntry>();
  const modulePaths = new Map<string, ModuleLike>();

  const visit = (module: ModuleLike, path: string, ancestors: ModuleLike[]): void => {
    const chain = [...ancestors, module];
    modulePaths.set(path, module);
    let entry = byModule.get(module);
    if (entry === undefined) {
      entry = { module, paths: [path] };
      byModule.set(module, entry);
      modules.push(entry);
    } else {
      entry.paths.push(path);
    }
    for (const [localName, param] of module.namedParameters({ recurse: false })) {
      if (!(param instanceof Tensor)) continue;
      const name = path === '' ? localName : `${path}.${localName}`;
      const site: ParamSite = { name, localName, module, ancestors: chain };
      const known = byParam.get(param);
      if (known === undefined) {
        const p: ParamEntry = { param, name, sites: [site], index: params.length };
        params.push(p);
        byParam.set(param, p);
      } else {
        known.sites.push(site);
      }
    }
    for (const [childName, child] of module.namedChildren()) {
      // NOTE: a module that contains itself further down would loop forever;
      // PyTorch's memo stops that too.
      if (chain.includes(child)) continue;
      visit(child, path === '' ? childName : `${path}.${childName}`, chain);
    }
  };
  visit(model, '', []);
  return { root: model, params, byParam, modules, byModule, modulePaths };
}

/** A short description of any value for error messages. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (typeof x === 'function') return x.name ? `function ${x.name}` : 'a function';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x instanceof Tensor) return `a Tensor of shape [${x.shape.join(', ')}]`;
  const ctor = (x as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** The class name of a module (for messages and class-name selectors). */
export function className(m: object): string {
  return (m as { constructor?: { name?: string } }).constructor?.name ?? 'Module';
}
