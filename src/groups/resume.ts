/**
 * Resuming by name: loading a state dict into an optimizer by group name and
 * parameter name, so that groups added or reordered since it was saved do
 * not break the resume.
 */
import { ArgumentTypeError, StateDictError } from '../errors.js';
import { checkOptimizer, groupName, type LiveGroup, type OptimizerLike } from './living.js';
import { describeValue } from './model-index.js';
import { MultiOptimizer, type MultiOptimizerStateDict } from './multi-optimizer.js';
import { listNames, q } from './util.js';

/** Options of {@link loadStateDictByName}. */
export interface LoadByNameOptions {
  /**
   * `true` (default): a saved group this optimizer has no place for, or a
   * saved parameter it no longer has, is an error (its values and state would
   * be lost). `false`: they are dropped and listed in the result, as
   * `model.loadStateDict(sd, { strict: false })` drops unexpected keys.
   */
  readonly strict?: boolean;
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

/** A state dict as `optimizer.stateDict()` saves it. */
type SavedStateDict = { readonly state: Readonly<Record<number, unknown>>; readonly paramGroups: readonly SavedGroupLike[] };

/**
 * Loads a state dict into an optimizer by group name and parameter name, so
 * that groups added (or removed) since it was saved do not break the resume:
 * each current group takes the values of the saved group with its name (or
 * the saved group its first parameter was in); each parameter takes its saved
 * state by name, wherever it was. Checked fully, then loaded through the
 * optimizer's own `loadStateDict` (so nothing changes on error). A
 * `MultiOptimizer` loads each of its optimizers by name from the saved
 * optimizer of the same name (one saved without it starts afresh).
 */
export function loadStateDictByName(
  optimizer: OptimizerLike & { loadStateDict(sd: never): void },
  stateDict: SavedStateDict | MultiOptimizerStateDict,
  options: LoadByNameOptions = {},
): LoadByNameResult {
  const op = 'optim.loadStateDictByName';
  checkOptimizer(optimizer, op);
  if (typeof options !== 'object' || options === null || (options.strict !== undefined && typeof options.strict !== 'boolean')) {
    throw new ArgumentTypeError(`options must be { strict?: boolean }, got ${describeValue(options)}`, { op });
  }
  const strict = options.strict ?? true;
  if (optimizer instanceof MultiOptimizer) return loadMultiByName(optimizer, stateDict, strict, op);
  const { sd, result, lost } = byName(optimizer, stateDict, op);
  if (strict) refuseLoss(lost, op);
  optimizer.loadStateDict(sd as never);
  return result;
}

/** What loading would lose: saved groups with no place (and their parameters), saved parameters with no place. */
interface Loss {
  readonly groups: readonly { readonly name: string; readonly params: readonly string[] }[];
  readonly params: readonly string[];
}

/** Throws when loading would lose saved groups or parameters; nothing has changed yet. */
function refuseLoss(lost: Loss, op: string): void {
  if (lost.groups.length === 0 && lost.params.length === 0) return;
  const parts: string[] = [];
  if (lost.groups.length > 0) {
    parts.push(`the saved state has ${lost.groups.length === 1 ? 'a group' : `${lost.groups.length} groups`} this optimizer has no place for: ` +
      lost.groups.map((g) => `${q(g.name)}${g.params.length > 0 ? ` (with ${listNames(g.params.map(q), 6)})` : ''}`).join(', '));
  }
  if (lost.params.length > 0) parts.push(`saved parameters this optimizer does not hold: ${listNames(lost.params.map(q), 8)}`);
  const add = lost.groups[0];
  throw new StateDictError(`loading would lose saved optimizer state: ${parts.join('; ')}`, {
    op,
    hint: (add !== undefined ? `add the group first (e.g. optim.addGroup(opt, { params: …, like: …, name: ${q(add.name)} })) and load again; ` : 'add the parameters first (optim.addGroup) and load again; ') +
      'or pass { strict: false } to drop it and load the rest',
  });
}

function loadMultiByName(multi: MultiOptimizer, stateDict: unknown, strict: boolean, op: string): LoadByNameResult {
  const saved = (stateDict as { optimizers?: unknown } | null)?.optimizers;
  if (typeof saved !== 'object' || saved === null) {
    throw new StateDictError(`expected { optimizers: { name: stateDict } } as MultiOptimizer.stateDict() returns, got ${describeValue(stateDict)}`, { op });
  }
  const sds = saved as Record<string, SavedStateDict>;
  // Everything is converted (and so checked) before any optimizer loads.
  const plans = Object.entries(multi.optimizers).map(([n, o]) => {
    if (sds[n] !== undefined) return { o, ...byName(o, sds[n], op, n) };
    const names = o.paramGroups.map((g, i) => groupName(g, i));
    const params = o.paramGroups.flatMap((g) => g.paramNames ?? []);
    return { o, sd: undefined, lost: { groups: [], params: [] }, result: { newGroups: names, droppedGroups: [], newParams: params, droppedParams: [] } };
  });
  const dropped = Object.entries(sds).filter(([n]) => !(n in multi.optimizers));
  if (strict) {
    refuseLoss({
      groups: [
        ...plans.flatMap((p) => p.lost.groups),
        ...dropped.flatMap(([n, sd]) => (sd.paramGroups ?? []).map((g, i) => ({ name: `${n}/${g.name ?? `group ${i}`}`, params: g.paramNames ?? [] }))),
      ],
      params: plans.flatMap((p) => p.lost.params),
    }, op);
  }
  const backups: [MultiOptimizer['optimizers'][string], ReturnType<MultiOptimizer['optimizers'][string]['stateDict']>][] = [];
  try {
    for (const { o, sd } of plans) {
      if (sd === undefined) continue;
      backups.push([o, o.stateDict()]);
      o.loadStateDict(sd as never);
    }
  } catch (err) {
    // NOTE: the failing optimizer left itself unchanged; restore the ones before it.
    for (const [o, sd] of backups.slice(0, -1)) o.loadStateDict(sd);
    throw err;
  }
  return {
    newGroups: plans.flatMap((p) => p.result.newGroups),
    droppedGroups: [...plans.flatMap((p) => p.result.droppedGroups), ...dropped.flatMap(([, sd]) => (sd.paramGroups ?? []).map((g, i) => g.name ?? `group ${i}`))],
    newParams: plans.flatMap((p) => p.result.newParams),
    droppedParams: [...plans.flatMap((p) => p.result.droppedParams), ...dropped.flatMap(([, sd]) => (sd.paramGroups ?? []).flatMap((g) => g.paramNames ?? []))],
  };
}

/** Rewrites a saved state dict into this optimizer's current layout, matching groups and parameters by name. */
function byName(optimizer: OptimizerLike, stateDict: unknown, op: string, owner?: string): { sd: { state: Record<number, unknown>; paramGroups: object[] }; result: LoadByNameResult; lost: Loss } {
  const prefix = owner === undefined ? '' : `optimizer ${q(owner)}: `;
  const sdIn = stateDict as SavedStateDict | null;
  if (typeof sdIn !== 'object' || sdIn === null || !Array.isArray(sdIn.paramGroups) || typeof sdIn.state !== 'object') {
    throw new StateDictError(`${prefix}expected a state dict { state, paramGroups } saved by optimizer.stateDict(), got ${describeValue(stateDict)}`, { op });
  }
  const saved = sdIn.paramGroups;
  const savedPos = new Map<string, { id: number; group: number }>();
  saved.forEach((g, gi) => {
    const names: readonly string[] | undefined = g.paramNames;
    if (names === undefined || !Array.isArray(names) || names.length !== g.params.length) {
      throw new StateDictError(`${prefix}saved group ${gi}${g.name ? ` (${q(g.name)})` : ''} has no parameter names; it can only be loaded by position (optimizer.loadStateDict)`, { op });
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
      throw new StateDictError(`${prefix}group ${q(groupName(g, gi))} has no parameter names; build the optimizer from named parameters (optim.paramGroups does)`, { op });
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
      else if (sdIn.state[at.id] !== undefined) state[id] = sdIn.state[at.id];
      return id;
    });
    if (values.name === undefined) delete values.name;
    return { ...values, params: ids, paramNames: [...names] };
  });
  const droppedParams = [...savedPos.keys()].filter((n) => !seenNames.has(n));
  const lostGroups = saved.flatMap((s, i) => (used.has(i) ? [] : [{ name: `${owner === undefined ? '' : `${owner}/`}${s.name ?? `group ${i}`}`, params: (s.paramNames ?? []).filter((n: string) => !seenNames.has(n)) }]));
  const inLostGroups = new Set(lostGroups.flatMap((g) => g.params));
  return {
    sd: { state, paramGroups },
    result: {
      newGroups,
      droppedGroups: saved.flatMap((s, i) => (used.has(i) ? [] : [s.name ?? `group ${i}`])),
      newParams,
      droppedParams,
    },
    lost: { groups: lostGroups, params: droppedParams.filter((n) => !inLostGroups.has(n)) },
  };
}

function hyperOf(g: SavedGroupLike): Record<string, unknown> {
  const { params: _p, paramNames: _n, name: _name, ...rest } = g;
  return rest;
}
