/**
 * Living with groups once the optimizer exists: freezing and unfreezing by
 * group, rule or module; adding a group derived from the rules or from
 * another group; loading a state dict by group and parameter name.
 */
import { ArgumentTypeError, nearest, ParamGroupError, StateDictError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buildGroups, type ParamGroupsOptions } from './build.js';
import { describeValue, indexModel, isModuleLike } from './model-index.js';
import { planOf, recordOf, type Plan } from './registry.js';
import { compileSelection } from './select.js';
import { optimizerSchema } from './validate.js';
import type { ModuleLike, Multipliers, AnyOptimizerOptions, Selector } from './types.js';
import { listNames, q } from './util.js';

/** A live group as the toolkit reads it (any kindling optimizer's `paramGroups[i]`). */
export interface LiveGroup {
  params: Tensor[];
  name?: string;
  paramNames?: string[];
  lrMult?: number;
}

/** What the toolkit needs of an optimizer. */
export interface OptimizerLike {
  readonly paramGroups: readonly LiveGroup[];
  addParamGroup(spec: never): void;
}

/**
 * What to freeze or unfreeze: a rule name or else a group name (a string),
 * group names matching a RegExp, `{ group }`, `{ rule }`, a module, or a list of these.
 */
export type FreezeTarget =
  | string
  | RegExp
  | ModuleLike
  | { readonly group: string | RegExp }
  | { readonly rule: string }
  | readonly FreezeTarget[];

/** Options of {@link freeze}. */
export interface FreezeOptions {
  /** Parameters to leave trainable (fastai's `train_bn`: `{ keep: optim.select.norm }`). Needs parameters placed by `paramGroups`. */
  readonly keep?: Selector | readonly Selector[];
}

interface Located {
  param: Tensor;
  name: string;
  group: number;
}

function located(opt: OptimizerLike): Located[] {
  return opt.paramGroups.flatMap((g, gi) =>
    g.params.map((p, k) => ({ param: p, name: g.paramNames?.[k] ?? recordOf(p)?.name ?? `${groupName(g, gi)}.params[${k}]`, group: gi })),
  );
}

function groupName(g: LiveGroup, i: number): string {
  return g.name ?? `group ${i}`;
}

function checkOptimizer(opt: unknown, op: string): asserts opt is OptimizerLike {
  const groups = (opt as { paramGroups?: unknown } | null)?.paramGroups;
  if (typeof opt !== 'object' || opt === null || !Array.isArray(groups)) {
    throw new ArgumentTypeError(`expected an optimizer, got ${describeValue(opt)}`, { op });
  }
}

/** The optimizer's parameters a target names; throws naming the nearest groups/rules when it names nothing. */
function resolveTarget(opt: OptimizerLike, target: FreezeTarget, op: string): Located[] {
  const all = located(opt);
  const groupNames = opt.paramGroups.map(groupName);
  const ruleNames = [...new Set(all.flatMap((l) => recordOf(l.param)?.rules ?? []))];
  const fail = (what: string): never => {
    const hint = nearest(what, [...groupNames, ...ruleNames]);
    throw new ParamGroupError(`${q(what)} names no group or rule of this optimizer`, {
      op,
      hint: `${hint ? `did you mean ${q(hint)}? ` : ''}groups are ${listNames(groupNames.map(q), 8)}${ruleNames.length ? `; rules are ${listNames(ruleNames.map(q), 8)}` : ''}`,
    });
  };
  if (Array.isArray(target)) {
    if (target.length === 0) throw new ArgumentTypeError('an empty list of targets freezes nothing', { op });
    const seen = new Set<Tensor>();
    return (target as readonly FreezeTarget[]).flatMap((t) => resolveTarget(opt, t, op)).filter((l) => !seen.has(l.param) && seen.add(l.param));
  }
  if (typeof target === 'string') {
    // NOTE: a rule name wins over a group name: rule "backbone" is every
    // parameter the rule selected, while group "backbone" may hold only those
    // no other rule also changed (its biases may be in "backbone+noDecay").
    const byRule = all.filter((l) => recordOf(l.param)?.rules.includes(target));
    if (byRule.length > 0) return byRule;
    const byGroup = all.filter((l) => groupName(opt.paramGroups[l.group]!, l.group) === target);
    return byGroup.length > 0 ? byGroup : fail(target);
  }
  if (target instanceof RegExp) {
    const hit = all.filter((l) => target.test(groupName(opt.paramGroups[l.group]!, l.group)));
    return hit.length > 0 ? hit : fail(String(target));
  }
  if (isModuleLike(target)) {
    const mine = new Set<Tensor>([...target.namedParameters()].map(([, p]) => p));
    const hit = all.filter((l) => mine.has(l.param));
    if (hit.length === 0) throw new ParamGroupError(`the ${describeValue(target).replace(/^an? /, '')} given has no parameter in this optimizer`, { op });
    return hit;
  }
  if (typeof target === 'object' && target !== null && 'group' in target) {
    const g = target.group;
    const hit = all.filter((l) => {
      const n = groupName(opt.paramGroups[l.group]!, l.group);
      return typeof g === 'string' ? n === g : g.test(n);
    });
    return hit.length > 0 ? hit : fail(String(g));
  }
  if (typeof target === 'object' && target !== null && 'rule' in target) {
    const hit = all.filter((l) => recordOf(l.param)?.rules.includes(target.rule));
    return hit.length > 0 ? hit : fail(target.rule);
  }
  throw new ArgumentTypeError(`cannot freeze ${describeValue(target)}: give a group or rule name, a RegExp, { group }, { rule } or a module`, { op });
}

function keepSet(hits: Located[], keep: FreezeOptions['keep'], op: string): Set<Tensor> {
  const out = new Set<Tensor>();
  if (keep === undefined) return out;
  const problems: string[] = [];
  const byPlan = new Map<Plan, Located[]>();
  for (const l of hits) {
    const plan = recordOf(l.param)?.plan;
    if (plan === undefined) throw new ParamGroupError(`keep needs parameters placed by optim.paramGroups, but ${q(l.name)} was not`, { op });
    byPlan.set(plan, [...(byPlan.get(plan) ?? []), l]);
  }
  for (const [plan, ls] of byPlan) {
    const sel = compileSelection(keep, plan.model, 'keep', problems);
    if (sel === undefined) continue;
    for (const l of ls) {
      const e = plan.model.byParam.get(l.param);
      if (e !== undefined && sel.test(e)) out.add(l.param);
    }
  }
  if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
  return out;
}

/**
 * Freezes parameters of an optimizer: `requiresGrad` off and grad cleared, so
 * steps skip them; they stay in their groups (with their state), so
 * {@link unfreeze} brings them back without touching the optimizer or its
 * schedulers. Returns the names of the parameters frozen.
 *
 * ```ts
 * optim.freeze(opt, 'backbone');                  // a group or rule name
 * optim.freeze(opt, model.encoder, { keep: optim.select.norm }); // fastai's train_bn
 * ```
 */
export function freeze(optimizer: OptimizerLike, target: FreezeTarget, options: FreezeOptions = {}): string[] {
  const op = 'optim.freeze';
  checkOptimizer(optimizer, op);
  const hits = resolveTarget(optimizer, target, op);
  const keep = keepSet(hits, options.keep, op);
  const out: string[] = [];
  for (const l of hits) {
    if (keep.has(l.param)) continue;
    l.param.requiresGrad_(false);
    l.param.grad = null;
    out.push(l.name);
  }
  return out;
}

/** Unfreezes what {@link freeze} froze (any target it takes). Returns the names of the parameters unfrozen. */
export function unfreeze(optimizer: OptimizerLike, target: FreezeTarget): string[] {
  const op = 'optim.unfreeze';
  checkOptimizer(optimizer, op);
  const hits = resolveTarget(optimizer, target, op);
  for (const l of hits) l.param.requiresGrad_(true);
  return hits.map((l) => l.name);
}

/**
 * fastai's `freeze_to(n)`: freezes the groups before `n` and unfreezes the
 * groups from `n` on (negative `n` counts from the end; `0` unfreezes all).
 * Returns the names of the frozen groups.
 */
export function freezeTo(optimizer: OptimizerLike, n: number, options: FreezeOptions = {}): string[] {
  const op = 'optim.freezeTo';
  checkOptimizer(optimizer, op);
  const count = optimizer.paramGroups.length;
  if (!Number.isInteger(n) || n < -count || n > count) {
    throw new ArgumentTypeError(`n must be a whole number in [${-count}, ${count}] (the optimizer has ${count} groups), got ${describeValue(n)}`, { op });
  }
  const cut = n >= 0 ? n : count + n;
  const all = located(optimizer);
  const frozen = all.filter((l) => l.group < cut);
  const keep = keepSet(frozen, options.keep, op);
  for (const l of all) {
    if (l.group < cut && !keep.has(l.param)) {
      l.param.requiresGrad_(false);
      l.param.grad = null;
    } else l.param.requiresGrad_(true);
  }
  return optimizer.paramGroups.slice(0, cut).map(groupName);
}

/** A group to add: which parameters, and how its values are derived. */
export type AddGroupSpec<H = AnyOptimizerOptions> = Partial<H> & Multipliers<H> & {
  /** The parameters: a module of the model, or parameters of it. */
  readonly params: ModuleLike | Iterable<Tensor>;
  /** The new group's name (default: derived from the rules, or `<like>+added`). */
  readonly name?: string;
  /**
   * Start from this group's values (e.g. `like: 'head', lrMult: 0.1` for a tenth of the head's rate). Under a
   * scheduler the lr starts from the group's `initialLr`, so that once scheduled the ratio holds.
   */
  readonly like?: string;
  /** Start from the rules of this `paramGroups` result, as if the parameters had been there (they may fall into several groups). */
  readonly from?: readonly object[];
  /** The model, for parameter names (default: the model the optimizer's groups were built from). */
  readonly model?: ModuleLike;
  /** Turn `requiresGrad` on for the new parameters (default true). */
  readonly unfreeze?: boolean;
};

const ADD_KEYS = ['params', 'name', 'like', 'from', 'model', 'unfreeze'];

/**
 * Adds parameters to a live optimizer as new group(s), with values derived
 * from the rules (`from: specs`) or from another group (`like: 'head'`), plus
 * this spec's own values and multipliers. Everything is checked before the
 * optimizer changes; returns the names of the groups added.
 *
 * ```ts
 * optim.addGroup(opt, { params: model.backbone, like: 'head', lrMult: 0.1, name: 'backbone' });
 * optim.addGroup(opt, { params: model.newHead, from: specs });
 * ```
 */
export function addGroup<H extends object = AnyOptimizerOptions>(optimizer: OptimizerLike, spec: AddGroupSpec<H>): string[] {
  const op = 'optim.addGroup';
  checkOptimizer(optimizer, op);
  if (typeof spec !== 'object' || spec === null) throw new ArgumentTypeError(`expected a group to add { params, like | from, … }, got ${describeValue(spec)}`, { op });
  const s = spec as Record<string, unknown>;
  const existing = located(optimizer);
  const where = new Map(existing.map((l) => [l.param, l]));
  const someRecord = existing.map((l) => recordOf(l.param)).find((r) => r !== undefined);
  const fromPlan = s.from !== undefined ? planOf(s.from as object) : undefined;
  if (s.from !== undefined && fromPlan === undefined) {
    throw new ArgumentTypeError('from must be what optim.paramGroups returned (its rules are re-applied)', { op });
  }
  if (s.from !== undefined && s.like !== undefined) throw new ArgumentTypeError('give like or from, not both', { op });
  const model = (s.model as ModuleLike | undefined) ?? fromPlan?.model.root ?? someRecord?.plan.model.root;
  if (model === undefined) throw new ArgumentTypeError('cannot name the new parameters: pass model', { op });
  const index = indexModel(model, op);

  // The parameters to add, with their names.
  let params: Tensor[];
  if (isModuleLike(s.params)) params = [...s.params.namedParameters()].map(([, p]) => p);
  else if (s.params !== null && typeof s.params === 'object' && Symbol.iterator in s.params) params = [...(s.params as Iterable<unknown>)] as Tensor[];
  else throw new ArgumentTypeError(`params must be a module or parameters of the model, got ${describeValue(s.params)}`, { op });
  const problems: string[] = [];
  if (params.length === 0) problems.push('params holds no parameter');
  for (const p of params) {
    if (!(p instanceof Tensor)) problems.push(`params holds ${describeValue(p)}, not a parameter`);
    else if (!index.byParam.has(p)) problems.push(`a parameter of shape [${p.shape.join(', ')}] in params is not part of the model`);
    else if (where.has(p)) {
      const l = where.get(p)!;
      problems.push(`${q(l.name)} is already in group ${q(groupName(optimizer.paramGroups[l.group]!, l.group))}`);
    }
  }
  if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
  const adding = new Set(params);

  // Values: from the rules, from another group, or only this spec's.
  const own: Record<string, unknown> = {};
  const mults: [string, number][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (ADD_KEYS.includes(k) || v === undefined) continue;
    if (k.endsWith('Mult') && k !== 'lrMult' && typeof v === 'number') mults.push([k.slice(0, -4), v]);
    else if (k === 'lrMult' && typeof v === 'number') mults.push(['lr', v]);
    else own[k] = v;
  }
  let drafts: { name: string; params: Tensor[]; values: Record<string, unknown> }[];
  if (fromPlan !== undefined) {
    // NOTE: the new parameters may still be frozen (they are unfrozen below), so frozen ones are grouped too.
    const specs = buildGroups(model, fromPlan.rules, { ...(fromPlan.options as ParamGroupsOptions<unknown>), frozen: 'include', onWarning: false }, op);
    drafts = specs
      .map((g) => {
        const { params: ps, name, ...values } = g as unknown as { params: [string, Tensor][]; name: string } & Record<string, unknown>;
        return { name, params: ps.map(([, p]) => p).filter((p) => adding.has(p)), values };
      })
      .filter((d) => d.params.length > 0);
  } else if (s.like !== undefined) {
    const like = optimizer.paramGroups.findIndex((g, i) => groupName(g, i) === s.like);
    if (like < 0) {
      const names = optimizer.paramGroups.map(groupName);
      const hint = typeof s.like === 'string' ? nearest(s.like, names) : undefined;
      throw new ParamGroupError(`like: the optimizer has no group ${describeValue(s.like)}`, { op, hint: `${hint ? `did you mean ${q(hint)}? ` : ''}groups are ${listNames(names.map(q), 8)}` });
    }
    const { params: _p, paramNames: _n, name: likeName, initialLr, ...values } = optimizer.paramGroups[like] as LiveGroup & Record<string, unknown>;
    // NOTE: under a scheduler the group's lr has already moved; start from the
    // lr its schedule started from (initialLr), since the scheduler schedules
    // the new group from its own start too, keeping the ratio between them.
    if (typeof initialLr === 'number') values.lr = initialLr;
    drafts = [{ name: `${likeName ?? `group ${like}`}+added`, params, values }];
  } else {
    drafts = [{ name: 'added', params, values: {} }];
  }

  // This spec's values on top.
  for (const d of drafts) {
    Object.assign(d.values, own);
    for (const [k, f] of mults) {
      const v = d.values[k];
      if (typeof v !== 'number') {
        problems.push(`${k}Mult needs a ${k} to multiply, but the new group ${q(d.name)} has none; give ${k}, like or from`);
        continue;
      }
      d.values[k] = v * f;
      if (k === 'lr') d.values.lrMult = (typeof d.values.lrMult === 'number' ? d.values.lrMult : 1) * f;
    }
    if (typeof s.name === 'string') d.name = drafts.length === 1 ? s.name : `${s.name}/${d.name}`;
  }
  if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
  const taken = new Set(optimizer.paramGroups.map(groupName));
  for (const d of drafts) {
    let n = d.name;
    for (let i = 2; taken.has(n); i++) n = `${d.name}#${i}`;
    d.name = n;
    taken.add(n);
  }

  // Commit: unfreeze, add each group; undo everything if the optimizer refuses one.
  const wasFrozen = params.filter((p) => !p.requiresGrad);
  if (s.unfreeze !== false) for (const p of wasFrozen) p.requiresGrad_(true);
  const before = optimizer.paramGroups.length;
  try {
    for (const d of drafts) {
      const named = d.params.map((p) => [index.byParam.get(p)!.name, p] as const);
      optimizer.addParamGroup({ ...d.values, params: named, name: d.name } as never);
    }
  } catch (err) {
    // NOTE: the groups added before the failing one have no state yet, so
    // dropping them restores the optimizer exactly.
    (optimizer.paramGroups as LiveGroup[]).splice(before);
    for (const p of wasFrozen) p.requiresGrad_(false);
    throw err;
  }
  return drafts.map((d) => d.name);
}

/**
 * Sets the live groups' values from new specs, matched by group name (e.g.
 * fastai's second phase: the same parts at `slice(lr / 100, lr)`). Each spec
 * must name a group of the optimizer that holds exactly its parameters;
 * everything is checked before any value changes. Returns the groups updated.
 *
 * ```ts
 * optim.setGroupValues(opt, optim.paramGroups(model, [{ name: 'p', parts, spread: { lr: [1e-5, 1e-3] } }]));
 * ```
 */
export function setGroupValues(optimizer: OptimizerLike, specs: readonly Readonly<Record<string, unknown>>[]): string[] {
  const op = 'optim.setGroupValues';
  checkOptimizer(optimizer, op);
  if (!Array.isArray(specs)) throw new ArgumentTypeError(`expected group specs (what optim.paramGroups returns), got ${describeValue(specs)}`, { op });
  const names = optimizer.paramGroups.map(groupName);
  const schema = optimizerSchema(optimizer.constructor);
  const problems: string[] = [];
  const updates: [LiveGroup, Record<string, unknown>][] = [];
  specs.forEach((spec, i) => {
    const name = spec.name;
    const at = typeof name === 'string' ? names.indexOf(name) : -1;
    if (at < 0) {
      const hint = typeof name === 'string' ? nearest(name, names) : undefined;
      problems.push(`spec ${i} (${describeValue(name)}) names no group of the optimizer${hint ? ` (did you mean ${q(hint)}?)` : ''}`);
      return;
    }
    const group = optimizer.paramGroups[at]!;
    const ps = Array.isArray(spec.params) ? (spec.params as unknown[]).map((x) => (Array.isArray(x) ? x[1] : x)) : [];
    if (ps.length !== group.params.length || ps.some((p) => !group.params.includes(p as Tensor))) {
      problems.push(`spec ${q(name as string)} does not hold the same parameters as the optimizer's group ${q(name as string)}; add or remove parameters with addGroup/freeze instead`);
      return;
    }
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec)) {
      if (k === 'params' || k === 'name' || k === 'optimizer' || v === undefined) continue;
      if (schema !== undefined && k !== 'lrMult' && !schema.keys.includes(k)) {
        const hint = nearest(k, schema.keys);
        problems.push(`spec ${q(name as string)}: ${schema.source} has no hyperparameter ${q(k)}${hint ? ` (did you mean ${q(hint)}?)` : ''}`);
        continue;
      }
      values[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    }
    updates.push([group, values]);
  });
  if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
  for (const [g, v] of updates) Object.assign(g, v);
  return updates.map(([g]) => g.name ?? '');
}

/** What {@link loadStateDictByName} matched. */
export interface LoadByNameResult {
  /** Current groups with no saved counterpart (added since): they keep their values and start without state. */
  readonly newGroups: readonly string[];
  /** Saved groups with no current counterpart. */
  readonly droppedGroups: readonly string[];
  /** Current parameters the saved state does not know. */
  readonly newParams: readonly string[];
  /** Saved parameters the optimizer no longer has. */
  readonly droppedParams: readonly string[];
}

interface SavedGroupLike {
  params: number[];
  paramNames?: string[];
  name?: string;
  [k: string]: unknown;
}

/**
 * Loads a state dict into an optimizer by group name and parameter name, so
 * that groups added (or removed) since it was saved do not break the resume:
 * each current group takes the values of the saved group with its name (or
 * the saved group its first parameter was in); each parameter takes its saved
 * state by name, wherever it was. Checked fully, then loaded through the
 * optimizer's own `loadStateDict` (so nothing changes on error).
 */
export function loadStateDictByName(
  optimizer: OptimizerLike & { loadStateDict(sd: never): void },
  stateDict: { readonly state: Readonly<Record<number, unknown>>; readonly paramGroups: readonly SavedGroupLike[] },
): LoadByNameResult {
  const op = 'optim.loadStateDictByName';
  checkOptimizer(optimizer, op);
  if (typeof stateDict !== 'object' || stateDict === null || !Array.isArray(stateDict.paramGroups) || typeof stateDict.state !== 'object') {
    throw new StateDictError(`expected a state dict { state, paramGroups } saved by optimizer.stateDict(), got ${describeValue(stateDict)}`, { op });
  }
  const saved = stateDict.paramGroups;
  const savedPos = new Map<string, { id: number; group: number }>();
  saved.forEach((g, gi) => {
    const names: readonly string[] | undefined = g.paramNames;
    if (names === undefined || !Array.isArray(names) || names.length !== g.params.length) {
      throw new StateDictError(`saved group ${gi}${g.name ? ` (${q(g.name)})` : ''} has no parameter names; it can only be loaded by position (optimizer.loadStateDict)`, { op });
    }
    names.forEach((n, k) => savedPos.set(n, { id: g.params[k]!, group: gi }));
  });
  const newGroups: string[] = [];
  const newParams: string[] = [];
  const used = new Set<number>();
  const seenNames = new Set<string>();
  let next = 0;
  const state: Record<number, unknown> = {};
  const paramGroups = optimizer.paramGroups.map((g, gi) => {
    if (g.paramNames === undefined && g.params.length > 0) {
      throw new StateDictError(`group ${q(groupName(g, gi))} has no parameter names; build the optimizer from named parameters (optim.paramGroups does)`, { op });
    }
    const names = g.paramNames ?? [];
    let match = g.name !== undefined ? saved.findIndex((s) => s.name === g.name) : -1;
    if (match < 0 && names.length > 0) match = savedPos.get(names[0]!)?.group ?? -1;
    if (match < 0) newGroups.push(groupName(g, gi));
    else used.add(match);
    const { params: _p, paramNames: _n, ...current } = g as LiveGroup & Record<string, unknown>;
    const values = match >= 0 ? { ...current, ...hyperOf(saved[match]!), name: g.name } : current;
    const ids = names.map((n) => {
      const id = next++;
      seenNames.add(n);
      const at = savedPos.get(n);
      if (at === undefined) newParams.push(n);
      else if (stateDict.state[at.id] !== undefined) state[id] = stateDict.state[at.id];
      return id;
    });
    if (values.name === undefined) delete values.name;
    return { ...values, params: ids, paramNames: [...names] };
  });
  optimizer.loadStateDict({ state, paramGroups } as never);
  return {
    newGroups,
    droppedGroups: saved.flatMap((s, i) => (used.has(i) ? [] : [s.name ?? `group ${i}`])),
    newParams,
    droppedParams: [...savedPos.keys()].filter((n) => !seenNames.has(n)),
  };
}

function hyperOf(g: SavedGroupLike): Record<string, unknown> {
  const { params: _p, paramNames: _n, name: _name, ...rest } = g;
  return rest;
}
