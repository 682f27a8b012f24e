/**
 * Living with groups once the optimizer exists: freezing and unfreezing by
 * group, rule or module; adding a group derived from the rules or from
 * another group; setting groups' values from new specs.
 */
import { ArgumentTypeError, nearest, ParamGroupError, PROTOTYPE_KEYS } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { buildGroups, type ParamGroupsOptions } from './build.js';
import { describeValue, indexModel, isModuleLike, type ModelIndex } from './model-index.js';
import { planOf, recordOf, type Plan } from './registry.js';
import { compileSelection } from './select.js';
import { optimizerSchema, type HyperSchema } from './validate.js';
import { MultiOptimizer } from './multi-optimizer.js';
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

/** A group's name, or `group i`. */
export function groupName(g: LiveGroup, i: number): string {
  return g.name ?? `group ${i}`;
}

export function checkOptimizer(opt: unknown, op: string): asserts opt is OptimizerLike {
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

/** The modules a freeze target names directly (itself, or in a list). */
function modulesOf(target: FreezeTarget): ModuleLike[] {
  if (Array.isArray(target)) return (target as readonly FreezeTarget[]).flatMap(modulesOf);
  return isModuleLike(target) ? [target] : [];
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
  // NOTE: a module's parameters that no group holds would stay untrained
  // however often they are unfrozen (Lightning's "unfrozen modules in no optimizer").
  const all = located(optimizer);
  const held = new Set(all.map((l) => l.param));
  const model = all.map((l) => recordOf(l.param)?.plan.model).find((m) => m !== undefined);
  const outside = modulesOf(target).flatMap((m) => [...m.namedParameters()].filter(([, p]) => !held.has(p)).map(([n, p]) => model?.byParam.get(p)?.name ?? n));
  if (outside.length > 0) {
    throw new ParamGroupError(`${outside.length} parameter${outside.length > 1 ? 's' : ''} of the module given ${outside.length > 1 ? 'are' : 'is'} in no group of this optimizer (${listNames(outside.map(q))}), so unfreezing would not train ${outside.length > 1 ? 'them' : 'it'}`, {
      op,
      hint: 'add them to the optimizer with optim.addGroup(opt, { params: module, like | from }), which also unfreezes them',
    });
  }
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
  /** The parameters: a module of the model, or parameters of it (plain, or as `[name, tensor]` pairs). */
  readonly params: ModuleLike | Iterable<Tensor> | Iterable<readonly [string, Tensor]>;
  /** The new group's name (default: derived from the rules, or `<like>+added`). */
  readonly name?: string;
  /**
   * Start from this group's values (e.g. `like: 'head', lrMult: 0.1` for a tenth of the head's rate). Under a
   * scheduler the lr is the group's current lr times the multipliers, and the scheduler keeps the ratio from there.
   */
  readonly like?: string;
  /** Start from the rules of this `paramGroups` result, as if the parameters had been there (they may fall into several groups). */
  readonly from?: readonly object[];
  /**
   * The model, for parameter names (default: the model the optimizer's groups were built from). Without one,
   * an optimizer built from plain `parameters()` gets the group without names; with one, its existing groups
   * are named from the model too (all groups have names or none, as PyTorch requires).
   */
  readonly model?: ModuleLike;
  /** Turn `requiresGrad` on for the new parameters (default true). */
  readonly unfreeze?: boolean;
};

/**
 * The hyperparameters of an optimizer, from its `defaults` (`optim.SGD` → SGD's), so that `addGroup` types its
 * keys; those of any kindling optimizer for a `MultiOptimizer` or an optimizer-like object without them.
 */
export type HyperOf<O> = O extends MultiOptimizer ? AnyOptimizerOptions
  : O extends { readonly defaults: Readonly<Partial<infer H>> } ? (string extends keyof H ? AnyOptimizerOptions : H) : AnyOptimizerOptions;

const ADD_KEYS = ['params', 'name', 'like', 'from', 'model', 'unfreeze'];
/** Keys a scheduler writes on the groups it drives: they describe that group's schedule, so `like` does not copy them. */
const SCHEDULE_KEYS = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

interface Draft {
  name: string;
  params: Tensor[];
  values: Record<string, unknown>;
  /** How far a running schedule has moved the groups' lrs from their base (`lr / initialLr`), when one has. */
  scheduled?: number;
}

/** `lr / initialLr` of a group a scheduler drives (how far its schedule has moved it); undefined for an unscheduled group. */
function scheduleFactor(group: object): number | undefined {
  const { lr, initialLr } = group as { lr?: unknown; initialLr?: unknown };
  return typeof lr === 'number' && typeof initialLr === 'number' && initialLr > 0 ? lr / initialLr : undefined;
}

/** The hyperparameters an optimizer takes (every optimizer's, for a MultiOptimizer); undefined when unknown. */
function schemaOfOptimizer(optimizer: OptimizerLike): HyperSchema | undefined {
  const parts = optimizer instanceof MultiOptimizer
    ? Object.values(optimizer.optimizers).map((o) => optimizerSchema(o.constructor))
    : [optimizerSchema(optimizer.constructor)];
  if (parts.some((p) => p === undefined)) return undefined;
  const keys = [...new Set(parts.flatMap((p) => p!.keys))];
  return { keys, numeric: new Set(parts.flatMap((p) => [...p!.numeric])), kinds: Object.assign({}, ...parts.map((p) => p!.kinds)), source: parts.map((p) => p!.source).join(', ') };
}

/** Checks the keys of an `addGroup` spec (for plain JavaScript; TypeScript checks them at compile time). */
function checkAddKeys(s: Record<string, unknown>, schema: HyperSchema | undefined, problems: string[]): { own: Record<string, unknown>; mults: [string, number][] } {
  const own: Record<string, unknown> = {};
  const mults: [string, number][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (ADD_KEYS.includes(k) || v === undefined) continue;
    const base = k.endsWith('Mult') ? k.slice(0, -4) : undefined;
    if (base !== undefined && (schema === undefined || schema.numeric.has(base))) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${k} must be a finite number ≥ 0, got ${describeValue(v)}`);
      else mults.push([base, v]);
      continue;
    }
    if (PROTOTYPE_KEYS.has(k)) {
      problems.push(`'${k}' is not allowed as a key (it would change or shadow the group's prototype)`);
      continue;
    }
    if (schema === undefined || schema.keys.includes(k)) {
      own[k] = v;
      continue;
    }
    const valid = [...ADD_KEYS, ...schema.keys, ...[...schema.numeric].map((n) => `${n}Mult`)];
    const hint = nearest(k, valid);
    problems.push(
      `unknown key ${q(k)}` + (base !== undefined && schema.keys.includes(base) ? ` (${base} is not numeric, so it has no multiplier)` : hint ? ` (did you mean ${q(hint)}?)` : '') +
      `; addGroup takes ${ADD_KEYS.join(', ')}, the hyperparameters of ${schema.source}, and <numeric hyperparameter>Mult`,
    );
  }
  if (s.name !== undefined && (typeof s.name !== 'string' || s.name === '')) problems.push(`name must be a non-empty string, got ${describeValue(s.name)}`);
  if (s.unfreeze !== undefined && typeof s.unfreeze !== 'boolean') problems.push(`unfreeze must be true or false, got ${describeValue(s.unfreeze)}`);
  return { own, mults };
}

/**
 * Adds parameters to a live optimizer as new group(s), with values derived
 * from the rules (`from: specs`) or from another group (`like: 'head'`), plus
 * this spec's own values and multipliers. Everything is checked before the
 * optimizer changes; returns the names of the groups added. With a
 * `MultiOptimizer`, a group goes to the optimizer of its `like` group, or
 * where its rules route it.
 *
 * ```ts
 * optim.addGroup(opt, { params: model.backbone, like: 'head', lrMult: 0.1, name: 'backbone' });
 * optim.addGroup(opt, { params: model.newHead, from: specs });
 * ```
 */
export function addGroup<O extends OptimizerLike>(optimizer: O, spec: AddGroupSpec<HyperOf<O>>): string[] {
  const op = 'optim.addGroup';
  checkOptimizer(optimizer, op);
  if (typeof spec !== 'object' || spec === null) throw new ArgumentTypeError(`expected a group to add { params, like | from, … }, got ${describeValue(spec)}`, { op });
  const s = spec as Record<string, unknown>;
  const multi = optimizer instanceof MultiOptimizer ? optimizer : undefined;
  const existing = located(optimizer);
  const where = new Map(existing.map((l) => [l.param, l]));
  const someRecord = existing.map((l) => recordOf(l.param)).find((r) => r !== undefined);
  const fromPlan = s.from !== undefined && typeof s.from === 'object' && s.from !== null ? planOf(s.from) : undefined;
  if (s.from !== undefined && s.like !== undefined) throw new ArgumentTypeError('give like or from, not both', { op });
  if (s.from !== undefined && fromPlan === undefined) {
    throw new ArgumentTypeError(`from must be what optim.paramGroups returned (its rules are re-applied), got ${describeValue(s.from)}`, { op });
  }
  const model = (s.model as ModuleLike | undefined) ?? fromPlan?.model.root ?? someRecord?.plan.model.root;
  const index = model === undefined ? undefined : indexModel(model, op);

  // The parameters to add, with the names [name, tensor] pairs give them.
  let params: Tensor[];
  const given = new Map<Tensor, string>();
  if (isModuleLike(s.params)) params = [...s.params.namedParameters()].map(([, p]) => p);
  else if (s.params !== null && typeof s.params === 'object' && Symbol.iterator in s.params) {
    params = [...(s.params as Iterable<unknown>)].map((x) => {
      if (!Array.isArray(x) || x.length !== 2 || typeof x[0] !== 'string') return x as Tensor;
      given.set(x[1] as Tensor, x[0]);
      return x[1] as Tensor;
    });
  } else throw new ArgumentTypeError(`params must be a module or parameters of the model, got ${describeValue(s.params)}`, { op });
  const problems: string[] = [];
  const { own, mults } = checkAddKeys(s, schemaOfOptimizer(optimizer), problems);
  if (params.length === 0) problems.push('params holds no parameter');
  for (const p of params) {
    if (!(p instanceof Tensor)) problems.push(`params holds ${describeValue(p)}, not a parameter`);
    else if (index !== undefined && !index.byParam.has(p)) problems.push(`a parameter of shape [${p.shape.join(', ')}] in params is not part of the model`);
    else if (where.has(p)) {
      const l = where.get(p)!;
      problems.push(`${q(l.name)} is already in group ${q(groupName(optimizer.paramGroups[l.group]!, l.group))}`);
    }
  }
  if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });

  const naming = planNames(optimizer, params, given, index, op);

  let drafts: Draft[];
  if (fromPlan !== undefined) {
    drafts = draftsFromRules(fromPlan, fromPlan.model.root, new Set(params), multi !== undefined, op);
    const scheduled = optimizer.paramGroups.map(scheduleFactor).find((f) => f !== undefined);
    for (const d of drafts) d.scheduled = scheduled;
  } else if (s.like !== undefined) drafts = [draftLike(optimizer, s.like, params, op)];
  else drafts = [{ name: 'added', params, values: {} }];

  // This spec's values on top.
  for (const d of drafts) {
    const lr0 = d.values.lr;
    Object.assign(d.values, own);
    // NOTE: an absolute lr keeps lrMult true to it: lrMult scales with the lr it was relative to.
    if (own.lr !== undefined && typeof d.values.lrMult === 'number' && typeof lr0 === 'number' && lr0 > 0 && typeof own.lr === 'number') {
      d.values.lrMult = d.values.lrMult * (own.lr / lr0);
    } else if (own.lr !== undefined) delete d.values.lrMult;
    for (const [k, f] of mults) {
      const v = d.values[k];
      if (typeof v !== 'number') {
        problems.push(`${k}Mult needs a ${k} to multiply, but the new group ${q(d.name)} has none; give ${k}, like or from`);
        continue;
      }
      d.values[k] = v * f;
      if (k === 'lr') d.values.lrMult = (typeof d.values.lrMult === 'number' ? d.values.lrMult : 1) * f;
    }
    // NOTE: a scheduler keeps a new group's lr as given and schedules it in
    // proportion from there, so a derived lr (not one given here) is moved as
    // far as the running schedule has moved the others: the ratio holds.
    if (own.lr === undefined && d.scheduled !== undefined && typeof d.values.lr === 'number') d.values.lr = d.values.lr * d.scheduled;
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
  const groupSpecs = drafts.map((d) => ({ ...d.values, params: d.params.map((p) => (naming.names === undefined ? p : [naming.names.get(p)!, p] as const)), name: d.name }));
  for (const [g, names] of naming.existing) g.paramNames = names;
  try {
    // NOTE: with several groups, each is first tried on a fresh optimizer of
    // the same kind, so that a group the optimizer would refuse is found
    // before any is added (schedulers hear of each added group at once, and
    // cannot forget one).
    if (groupSpecs.length > 1) for (const g of groupSpecs) tryGroup(optimizer, g);
    for (const g of groupSpecs) optimizer.addParamGroup(g as never);
  } catch (err) {
    // NOTE: after the trial runs only a scheduler refusing a later group gets
    // here; the groups added before it have no state yet, so dropping them
    // restores the optimizer (the scheduler then asks for a new scheduler).
    if (multi !== undefined) multi.dropGroupsFrom(before);
    else (optimizer.paramGroups as LiveGroup[]).splice(before);
    for (const p of wasFrozen) p.requiresGrad_(false);
    for (const [g] of naming.existing) delete g.paramNames;
    throw err;
  }
  return drafts.map((d) => d.name);
}

/** How the new group's parameters are named, and names to give the existing groups so that all have them or none. */
interface Naming {
  /** The new parameters' names, or undefined to add them without names. */
  readonly names: Map<Tensor, string> | undefined;
  /** Existing unnamed groups to name from the model (undone if the add fails). */
  readonly existing: readonly [LiveGroup, string[]][];
}

/**
 * Names for the new parameters, keeping PyTorch's rule that an optimizer's
 * groups all have parameter names or none: from `[name, tensor]` pairs or the
 * model when known. An optimizer built from plain `parameters()` gets its
 * existing groups named from the model too (when they all belong to it);
 * without a model, the group is added without names.
 */
function planNames(optimizer: OptimizerLike, params: readonly Tensor[], given: ReadonlyMap<Tensor, string>, index: ModelIndex | undefined, op: string): Naming {
  const groups = optimizer.paramGroups.filter((g) => g.params.length > 0);
  const named = groups.some((g) => g.paramNames !== undefined);
  const unnamed = groups.filter((g) => g.paramNames === undefined);
  const nameOf = (p: Tensor): string | undefined => given.get(p) ?? index?.byParam.get(p)?.name;
  const canName = params.every((p) => nameOf(p) !== undefined);
  if (!canName) {
    if (!named) return { names: undefined, existing: [] };
    throw new ArgumentTypeError('cannot name the new parameters, and the optimizer\'s groups have parameter names (all groups need names or none)', {
      op,
      hint: 'pass model (optim.addGroup(opt, { params, like, model })), or give the parameters as [name, tensor] pairs (module.namedParameters({ prefix }))',
    });
  }
  const names = new Map(params.map((p) => [p, nameOf(p)!] as const));
  if (unnamed.length === 0) return { names, existing: [] };
  // NOTE: PyTorch refuses to mix named and unnamed groups; name the old groups from the model when it knows them all.
  const existing = unnamed.map((g) => [g, g.params.map((p) => index?.byParam.get(p)?.name)] as const);
  if (existing.some(([, ns]) => ns.some((n) => n === undefined))) return { names: undefined, existing: [] };
  return { names, existing: existing as unknown as [LiveGroup, string[]][] };
}

/** The groups the rules of `plan` give the parameters in `adding`, as if they had been there all along. */
function draftsFromRules(plan: Plan, model: ModuleLike, adding: ReadonlySet<Tensor>, routed: boolean, op: string): Draft[] {
  // NOTE: the new parameters may still be frozen (they are unfrozen on commit), so frozen ones are grouped too.
  const specs = buildGroups(model, plan.rules, { ...(plan.options as ParamGroupsOptions<unknown>), frozen: 'include', onWarning: false }, op);
  const drafts: Draft[] = [];
  for (const g of specs) {
    const { params: ps, name, ...values } = g as unknown as { params: [string, Tensor][]; name: string } & Record<string, unknown>;
    const mine = ps.filter(([, p]) => adding.has(p));
    if (mine.length === 0) continue;
    if (values.optimizer !== undefined && !routed) {
      throw new ParamGroupError(
        `the rules route ${listNames(mine.map(([n]) => q(n)))} to optimizer ${q(String(values.optimizer))}, but this is a single optimizer`,
        { op, hint: 'add them to the MultiOptimizer that holds that optimizer' },
      );
    }
    drafts.push({ name, params: mine.map(([, p]) => p), values });
  }
  return drafts;
}

/** A group with the values of the group named `like` (and, in a MultiOptimizer, routed to its optimizer). */
function draftLike(optimizer: OptimizerLike, like: unknown, params: Tensor[], op: string): Draft {
  const at = optimizer.paramGroups.findIndex((g, i) => groupName(g, i) === like);
  if (at < 0) {
    const names = optimizer.paramGroups.map(groupName);
    const hint = typeof like === 'string' ? nearest(like, names) : undefined;
    throw new ParamGroupError(`like: the optimizer has no group ${describeValue(like)}`, { op, hint: `${hint ? `did you mean ${q(hint)}? ` : ''}groups are ${listNames(names.map(q), 8)}` });
  }
  const group = optimizer.paramGroups[at] as LiveGroup & Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(group)) {
    if (k === 'params' || k === 'paramNames' || k === 'name' || SCHEDULE_KEYS.includes(k)) continue;
    values[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  // NOTE: under a scheduler the group's lr has already moved; start from the
  // lr its schedule started from (initialLr) so multipliers apply to the base,
  // and move it as far as the schedule has (see `scheduled`).
  if (typeof group.initialLr === 'number') values.lr = group.initialLr;
  if (optimizer instanceof MultiOptimizer) values.optimizer = optimizer.optimizerOf(group);
  return { name: `${group.name ?? `group ${at}`}+added`, params, values, scheduled: scheduleFactor(group) };
}

/** Throws what the optimizer would throw on adding this group, without adding it. */
function tryGroup(optimizer: OptimizerLike, spec: Record<string, unknown>): void {
  let target: object = optimizer;
  let groupSpec = spec;
  if (optimizer instanceof MultiOptimizer) {
    const { optimizer: route, ...rest } = spec;
    target = optimizer.optimizers[optimizer.routeOf(route, 'optim.addGroup')]!;
    groupSpec = rest;
  }
  // Only kindling optimizers (those with a schema) are known to be made as `new C(groups, options)`.
  if (optimizerSchema(target.constructor) === undefined) return;
  const Ctor = target.constructor as new (params: unknown, options: unknown) => unknown;
  new Ctor([groupSpec], (target as { defaults?: unknown }).defaults);
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
