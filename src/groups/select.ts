/**
 * Selectors: which parameters a rule applies to. Each selector is compiled
 * once against the model index into a test over parameter entries; problems
 * (a bad glob, a module that is not part of the model, an unknown built-in)
 * are collected, not thrown one by one.
 */
import { nearest } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { className, describeValue, isModuleLike, type ModelIndex, type ParamEntry } from './model-index.js';
import { hasTag, isEmbeddingModule, isNormModule } from './tags.js';
import type { BuiltinSelectorName, ModuleClass, ModuleLike, ParamSite, SelectorFn, SelectorObject } from './types.js';
import { nearestNames, q } from './util.js';

/** A selector compiled against one model. */
export interface CompiledSelector {
  /** How the selector reads in reports: `blocks.*.attn.**`, `module head`, `class LayerNorm` … */
  readonly label: string;
  test(entry: ParamEntry): boolean;
  /** What to suggest when it selects nothing. */
  suggest(index: ModelIndex): string[];
}

/**
 * The built-in selectors, as plain data (so they read the same in JSON):
 * `select.bias` (local name `bias`, or ending in `_bias`/`Bias`), `select.norm`
 * (parameters of normalisation layers: kindling's, classes registered with
 * `markNorm`, and classes named `…Norm`), `select.embedding` (parameters of
 * embedding modules, or of modules tagged `'embedding'`), `select.oneD` (at
 * most one dimension), `select.noDecay` (all of these, plus parameters tagged
 * `'noDecay'`), `select.all`.
 */
export const select = {
  bias: { builtin: 'bias' },
  norm: { builtin: 'norm' },
  embedding: { builtin: 'embedding' },
  oneD: { builtin: 'oneD' },
  noDecay: { builtin: 'noDecay' },
  all: { builtin: 'all' },
} as const satisfies Record<BuiltinSelectorName, SelectorObject>;

/** The `noDecay` preset: biases, norm layers, embeddings, 1-D parameters and the `'noDecay'` tag. */
export const noDecay = select.noDecay;

const BUILTINS: readonly BuiltinSelectorName[] = ['bias', 'norm', 'embedding', 'oneD', 'noDecay', 'all'];
const OBJECT_KEYS = ['glob', 'regex', 'module', 'moduleClass', 'tag', 'ndim', 'shape', 'builtin', 'any', 'all', 'not'] as const;

const anySite = (e: ParamEntry, f: (s: ParamSite) => boolean): boolean => e.sites.some(f);

function isModuleClass(x: unknown): x is ModuleClass {
  if (typeof x !== 'function') return false;
  const proto = (x as { prototype?: unknown }).prototype;
  return typeof proto === 'object' && proto !== null && typeof (proto as { namedParameters?: unknown }).namedParameters === 'function';
}

/** Compiles a glob over dotted names into a matcher (`*`, `?` inside a segment; `**` for any number of segments). */
export function compileGlob(glob: string): ((name: string) => boolean) | string {
  if (glob === '') return 'an empty glob selects nothing';
  const segs = glob.split('.');
  const parts: (RegExp | '**')[] = [];
  for (const s of segs) {
    if (s === '') return `glob ${q(glob)} has an empty segment (two dots in a row, or a dot at an end)`;
    if (s === '**') {
      parts.push('**');
      continue;
    }
    if (s.includes('**')) return `glob ${q(glob)}: '**' must be a whole segment (as in 'blocks.**'); use '*' inside a segment`;
    const re = s.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*').replace(/\?/g, '[^.]');
    parts.push(new RegExp(`^${re}$`));
  }
  return (name: string): boolean => {
    const ns = name.split('.');
    // NOTE: memoised two-pointer match; '**' matches zero or more segments.
    const memo = new Map<number, boolean>();
    const m = (i: number, j: number): boolean => {
      const key = i * (ns.length + 1) + j;
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      let r: boolean;
      if (i === parts.length) r = j === ns.length;
      else if (parts[i] === '**') r = m(i + 1, j) || (j < ns.length && m(i, j + 1));
      else r = j < ns.length && (parts[i] as RegExp).test(ns[j]!) && m(i + 1, j + 1);
      memo.set(key, r);
      return r;
    };
    return m(0, 0);
  };
}

function moduleSelector(module: ModuleLike, index: ModelIndex, label: string): CompiledSelector {
  return {
    label,
    test: (e) => anySite(e, (s) => s.ancestors.includes(module)),
    suggest: () => [],
  };
}

function modulePathLabel(index: ModelIndex, m: ModuleLike): string {
  const path = index.byModule.get(m)?.paths[0];
  return path === '' ? 'module (the model)' : `module ${path}`;
}

/**
 * Compiles one selector; on a problem, pushes a message to `problems` and
 * returns undefined. `where` names the rule field in messages.
 */
export function compileSelector(sel: unknown, index: ModelIndex, where: string, problems: string[]): CompiledSelector | undefined {
  if (typeof sel === 'string') {
    const g = compileGlob(sel);
    if (typeof g === 'string') {
      problems.push(`${where}: ${g}`);
      return undefined;
    }
    return {
      label: sel,
      test: (e) => anySite(e, (s) => g(s.name)),
      suggest: (ix) => {
        const hints: string[] = [];
        if (ix.modulePaths.has(sel) && sel !== '') hints.push(`${q(sel)} is a module: select its parameters with ${q(`${sel}.**`)} or the module object`);
        const names = [...ix.params.flatMap((p) => p.sites.map((s) => s.name)), ...ix.modulePaths.keys()];
        return [...hints, ...nearestNames(sel, names).map((n) => q(n))];
      },
    };
  }
  if (sel instanceof RegExp) {
    return {
      label: String(sel),
      test: (e) => anySite(e, (s) => {
        sel.lastIndex = 0;
        return sel.test(s.name);
      }),
      suggest: (ix) => nearestNames(sel.source, ix.params.map((p) => p.name)).map((n) => q(n)),
    };
  }
  if (isModuleLike(sel)) {
    if (!index.byModule.has(sel)) {
      problems.push(`${where}: the ${className(sel)} given is not part of the model (no path from the model reaches it)`);
      return undefined;
    }
    return moduleSelector(sel, index, modulePathLabel(index, sel));
  }
  if (isModuleClass(sel)) {
    const cls = sel;
    return {
      label: `class ${cls.name}`,
      test: (e) => anySite(e, (s) => s.ancestors.some((m) => m instanceof cls)),
      suggest: (ix) => classSuggestions(cls.name, ix),
    };
  }
  if (typeof sel === 'function') {
    const fn = sel as SelectorFn;
    return {
      label: fn.name ? `predicate ${fn.name}` : 'predicate',
      test: (e) => anySite(e, (s) => fn(s.name, e.param, s.module) === true),
      suggest: () => [],
    };
  }
  if (typeof sel === 'object' && sel !== null && !Array.isArray(sel)) {
    return compileObject(sel as Record<string, unknown>, index, where, problems);
  }
  problems.push(`${where}: ${describeValue(sel)} is not a selector (use a glob string, RegExp, module, module class, predicate or a selector object such as { tag: 'noDecay' })`);
  return undefined;
}

function classSuggestions(name: string, ix: ModelIndex): string[] {
  const names = new Set<string>();
  for (const m of ix.modules) names.add(className(m.module));
  return nearestNames(name, names).map((n) => `class ${n}`);
}

function compileList(list: unknown, index: ModelIndex, where: string, problems: string[]): CompiledSelector[] | undefined {
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${where}: expected a non-empty array of selectors, got ${describeValue(list)}`);
    return undefined;
  }
  const out: CompiledSelector[] = [];
  list.forEach((s, i) => {
    const c = compileSelector(s, index, `${where}[${i}]`, problems);
    if (c) out.push(c);
  });
  return out.length === list.length ? out : undefined;
}

function builtin(name: BuiltinSelectorName): (e: ParamEntry) => boolean {
  switch (name) {
    case 'bias':
      return (e) => anySite(e, (s) => s.localName === 'bias' || s.localName.endsWith('_bias') || s.localName.endsWith('Bias'));
    case 'norm':
      return (e) => anySite(e, (s) => isNormModule(s.module));
    case 'embedding':
      return (e) => anySite(e, (s) => s.ancestors.some((m) => isEmbeddingModule(m))) || hasTag(e.param, 'embedding');
    case 'oneD':
      return (e) => e.param.shape.length <= 1;
    case 'noDecay': {
      const parts = (['bias', 'norm', 'embedding', 'oneD'] as const).map(builtin);
      return (e) => parts.some((f) => f(e)) || hasTagged(e, 'noDecay');
    }
    case 'all':
      return () => true;
  }
}

/** Whether the parameter or any module above it (at any of its sites) carries the tag. */
export function hasTagged(e: ParamEntry, t: string): boolean {
  return hasTag(e.param, t) || anySite(e, (s) => s.ancestors.some((m) => hasTag(m, t)));
}

function compileObject(o: Record<string, unknown>, index: ModelIndex, where: string, problems: string[]): CompiledSelector | undefined {
  const keys = Object.keys(o);
  const known = keys.filter((k) => (OBJECT_KEYS as readonly string[]).includes(k));
  const main = known.filter((k) => k !== 'flags');
  const unknown = keys.filter((k) => !(OBJECT_KEYS as readonly string[]).includes(k) && !(k === 'flags' && 'regex' in o));
  if (unknown.length > 0 || main.length !== 1) {
    const bad = unknown[0];
    const hint = bad !== undefined ? nearest(bad, OBJECT_KEYS) : undefined;
    problems.push(
      `${where}: a selector object has exactly one of ${OBJECT_KEYS.join(', ')}` +
      (bad !== undefined ? `; got key ${q(bad)}${hint ? ` (did you mean ${q(hint)}?)` : ''}` : `; got ${keys.length === 0 ? 'none' : keys.join(', ')}`),
    );
    return undefined;
  }
  const key = main[0]!;
  const v = o[key];
  switch (key) {
    case 'glob':
      if (typeof v !== 'string') break;
      return compileSelector(v, index, where, problems);
    case 'regex': {
      if (typeof v !== 'string') break;
      const flags = o.flags;
      if (flags !== undefined && typeof flags !== 'string') {
        problems.push(`${where}: regex flags must be a string, got ${describeValue(flags)}`);
        return undefined;
      }
      let re: RegExp;
      try {
        re = new RegExp(v, flags);
      } catch (err) {
        problems.push(`${where}: invalid regex ${q(v)}: ${(err as Error).message}`);
        return undefined;
      }
      return compileSelector(re, index, where, problems);
    }
    case 'module': {
      if (typeof v !== 'string') break;
      const m = index.modulePaths.get(v);
      if (m === undefined) {
        const near = nearestNames(v, index.modulePaths.keys());
        problems.push(`${where}: the model has no module at path ${q(v)}${near.length ? ` (nearest: ${near.map(q).join(', ')})` : ''}`);
        return undefined;
      }
      return moduleSelector(m, index, v === '' ? 'module (the model)' : `module ${v}`);
    }
    case 'moduleClass': {
      if (typeof v !== 'string') break;
      const has = (m: object): boolean => {
        for (let p = Object.getPrototypeOf(m) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
          if ((p as { constructor?: { name?: string } }).constructor?.name === v) return true;
        }
        return false;
      };
      return {
        label: `class ${v}`,
        test: (e) => anySite(e, (s) => s.ancestors.some(has)),
        suggest: (ix) => classSuggestions(v, ix),
      };
    }
    case 'tag':
      if (typeof v !== 'string' || v === '') break;
      return { label: `tag ${v}`, test: (e) => hasTagged(e, v), suggest: () => [] };
    case 'ndim': {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { label: `ndim ${v}`, test: (e) => e.param.shape.length === v, suggest: () => [] };
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const { min, max, ...rest } = v as { min?: unknown; max?: unknown };
        const okNum = (x: unknown): x is number | undefined => x === undefined || (typeof x === 'number' && Number.isInteger(x) && x >= 0);
        if (Object.keys(rest).length === 0 && okNum(min) && okNum(max) && (min !== undefined || max !== undefined)) {
          const lo = min ?? 0;
          const hi = max ?? Infinity;
          const label = max === undefined ? `ndim >= ${lo}` : min === undefined ? `ndim <= ${hi}` : `ndim ${lo}..${hi}`;
          return { label, test: (e) => e.param.shape.length >= lo && e.param.shape.length <= hi, suggest: () => [] };
        }
      }
      problems.push(`${where}: ndim takes a whole number or { min, max }, got ${JSON.stringify(v)}`);
      return undefined;
    }
    case 'shape': {
      if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= -1)) {
        problems.push(`${where}: shape takes an array of sizes (-1 for any), got ${JSON.stringify(v)}`);
        return undefined;
      }
      const want = v as number[];
      const match = (t: Tensor): boolean => t.shape.length === want.length && want.every((d, i) => d === -1 || d === t.shape[i]);
      return { label: `shape [${want.join(', ')}]`, test: (e) => match(e.param), suggest: () => [] };
    }
    case 'builtin': {
      if (typeof v !== 'string' || !(BUILTINS as readonly string[]).includes(v)) {
        const hint = typeof v === 'string' ? nearest(v, BUILTINS) : undefined;
        problems.push(`${where}: unknown built-in selector ${describeValue(v)}${hint ? ` (did you mean ${q(hint)}?)` : ''}; built-ins are ${BUILTINS.join(', ')}`);
        return undefined;
      }
      return { label: v, test: builtin(v as BuiltinSelectorName), suggest: () => [] };
    }
    case 'any':
    case 'all': {
      const list = compileList(v, index, `${where}.${key}`, problems);
      if (!list) return undefined;
      const label = `(${list.map((c) => c.label).join(key === 'any' ? ' | ' : ' & ')})`;
      return key === 'any'
        ? { label, test: (e) => list.some((c) => c.test(e)), suggest: (ix) => list.flatMap((c) => c.suggest(ix)) }
        : { label, test: (e) => list.every((c) => c.test(e)), suggest: (ix) => list.flatMap((c) => c.suggest(ix)) };
    }
    case 'not': {
      const inner = compileSelector(v, index, `${where}.not`, problems);
      if (!inner) return undefined;
      return { label: `!${inner.label}`, test: (e) => !inner.test(e), suggest: () => [] };
    }
  }
  problems.push(`${where}: ${key} takes ${key === 'tag' ? 'a non-empty string' : 'a string'}, got ${describeValue(v)}`);
  return undefined;
}

/** Compiles `select`/`exclude` (one selector or a list meaning any of them). */
export function compileSelection(sel: unknown, index: ModelIndex, where: string, problems: string[]): CompiledSelector | undefined {
  if (Array.isArray(sel)) {
    const list = compileList(sel, index, where, problems);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    return {
      label: list.map((c) => c.label).join(' | '),
      test: (e) => list.some((c) => c.test(e)),
      suggest: (ix) => list.flatMap((c) => c.suggest(ix)),
    };
  }
  return compileSelector(sel, index, where, problems);
}
