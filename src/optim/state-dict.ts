/**
 * Optimizer state dicts: saving in PyTorch's layout with kindling's camelCase
 * keys, loading (with names or by position, all checks before any change),
 * and converting from and to PyTorch's own snake_case layout.
 *
 * Layout (kindling):
 * ```
 * { state: { 0: { momentumBuffer: Tensor }, … },
 *   paramGroups: [{ lr: 0.01, momentum: 0.9, …, name?: 'head', params: [0, 1], paramNames?: ['fc.weight', 'fc.bias'] }, …] }
 * ```
 * PyTorch's layout (`param_groups`, `weight_decay`, `exp_avg`, `param_names`)
 * maps one to one by converting snake_case to camelCase; PyTorch's
 * implementation flags (`foreach`, `differentiable`, `capturable`, `fused`)
 * have no kindling counterpart and are dropped.
 */
import { PROTOTYPE_KEYS, Problems, StateDictError, didYouMean, setOwn } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkValues, fmtValue, groupLabel, resolve, snakeToCamel } from './hyper.js';
import { copyTensor } from './kernel.js';
import { describe } from './params.js';
import type { Optimizer } from './optimizer.js';
import { type BaseHyper, type OptimizerStateDict, type StateDictGroup, type StateValue } from './types.js';

/**
 * One entry of an optimizer's per-parameter state: `param` a tensor shaped
 * like the parameter, `number` a scalar, `flat`/`flatList` one or several 1-D
 * tensors as long as all the group's parameters together (LBFGS),
 * `numberList` scalars, `ignore` a PyTorch scratch entry that is not kept.
 */
export interface StateEntrySpec {
  kind: 'param' | 'number' | 'flat' | 'flatList' | 'numberList' | 'ignore';
  optional?: boolean;
}
export type StateSpec = Readonly<Record<string, StateEntrySpec>>;

const PYTORCH_ONLY_KEYS = ['foreach', 'differentiable', 'capturable', 'fused'];
const SPECIAL_TO_SNAKE: Record<string, string> = { HDiag: 'H_diag' };

function camelToSnake(key: string): string {
  return SPECIAL_TO_SNAKE[key] ?? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// NOTE: deliberate difference from PyTorch, whose state_dict() hands out the live state tensors:
// a kindling state dict is a snapshot, so saving it later (or a step in between) cannot change it.
function snapshot(v: unknown): unknown {
  if (v instanceof Tensor) return copyTensor(v);
  if (Array.isArray(v)) return v.map(snapshot);
  return v;
}

/** `opt.stateDict()`. */
export function makeStateDict<H extends BaseHyper, S extends object>(opt: Optimizer<H, S>): OptimizerStateDict {
  const ids = new Map<Tensor, number>();
  let next = 0;
  const paramGroups = opt.paramGroups.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (k === 'params') continue;
      out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    }
    // As PyTorch: every other key first, `params` (positions) last. NOTE: a parameter listed again
    // (the same group twice in paramGroups) keeps its first position, as PyTorch 2.x (issue #36831);
    // positions still advance by the group's length.
    out['params'] = g.params.map((p, k) => {
      if (!ids.has(p)) ids.set(p, next + k);
      return ids.get(p)!;
    });
    next += g.params.length;
    return out as StateDictGroup;
  });
  const problems = new Problems();
  paramGroups.forEach((g, i) => checkValues(opt.spec.schema, g, groupLabel(i, g.name), problems, { skip: ['params', 'paramNames'] }));
  // NOTE: refuse to write what loadStateDict would refuse to read (a misspelt key set on a live group).
  problems.throwIfAny(`${opt.name}.stateDict`);
  const state: Record<number, Record<string, StateValue>> = {};
  for (const [p, s] of opt.state) {
    const id = ids.get(p);
    if (id === undefined) continue;
    const entry: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(s)) entry[k] = snapshot(v) as StateValue;
    state[id] = entry;
  }
  return { state, paramGroups };
}

/** A PyTorch key in kindling's spelling; prototype keys stay as they are, for the checks to refuse. */
function fromSnake(key: string): string {
  return PROTOTYPE_KEYS.has(key) ? key : snakeToCamel(key);
}

/**
 * Converts a state dict in PyTorch's layout (`param_groups`, snake_case keys,
 * as read from a PyTorch checkpoint) to kindling's. A dict already in
 * kindling's layout is returned as is. (`loadStateDict` accepts both.)
 *
 * ```ts
 * optim.fromPyTorchStateDict({ state: {}, param_groups: [{ lr: 0.1, weight_decay: 0, foreach: null, params: [0] }] });
 * // { state: {}, paramGroups: [{ lr: 0.1, weightDecay: 0, params: [0] }] }
 * ```
 */
export function fromPyTorchStateDict(sd: Record<string, unknown>): OptimizerStateDict {
  if (!('param_groups' in sd)) return sd as unknown as OptimizerStateDict;
  const groups = sd['param_groups'];
  const paramGroups = Array.isArray(groups)
    ? groups.map((g: unknown) => {
      if (g === null || typeof g !== 'object') return g as StateDictGroup;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (!PYTORCH_ONLY_KEYS.includes(k)) setOwn(out, fromSnake(k), v);
      return out as StateDictGroup;
    })
    : (groups as StateDictGroup[]);
  const rawState = sd['state'];
  let state = rawState as OptimizerStateDict['state'];
  if (rawState !== null && typeof rawState === 'object' && !(rawState instanceof Map)) {
    state = {};
    for (const [id, entry] of Object.entries(rawState)) {
      if (entry === null || typeof entry !== 'object') {
        setOwn(state, id, entry);
        continue;
      }
      const out: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) setOwn(out, fromSnake(k), v);
      setOwn(state, id, out);
    }
  }
  return { state, paramGroups };
}

/**
 * Converts kindling's state dict to PyTorch's key names (snake_case,
 * `param_groups`), e.g. to write a PyTorch checkpoint.
 *
 * ```ts
 * optim.toPyTorchStateDict(opt.stateDict()).param_groups[0].weight_decay;
 * ```
 */
export function toPyTorchStateDict(sd: OptimizerStateDict): { state: Record<number, Record<string, StateValue>>; param_groups: Record<string, unknown>[] } {
  const state: Record<number, Record<string, StateValue>> = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    const out: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(entry)) setOwn(out, camelToSnake(k), v);
    setOwn(state, id, out);
  }
  const param_groups = sd.paramGroups.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) if (k !== 'params') setOwn(out, camelToSnake(k), v);
    out['params'] = g.params;
    return out;
  });
  return { state, param_groups };
}

interface SavedGroup {
  own: Record<string, unknown>;
  params: number[];
  names: string[] | undefined;
}

/** Structural checks of the incoming dict (throws at once: nothing else can be checked without them). */
function readStructure(input: unknown, op: string): { groups: SavedGroup[]; state: [number, Record<string, unknown>][] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new StateDictError(`expected a state dict { state, paramGroups }, got ${describe(input)}`, { op });
  }
  const sd = fromPyTorchStateDict(input as Record<string, unknown>);
  if (!Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
    throw new StateDictError('a state dict has \'state\' (an object) and \'paramGroups\' (an array)', {
      op,
      hint: `got keys ${Object.keys(input).map(fmtValue).join(', ') || 'none'}`,
    });
  }
  const problems = new Problems();
  const groups = sd.paramGroups.map((g, i): SavedGroup => {
    if (g === null || typeof g !== 'object' || !Array.isArray(g.params)) {
      problems.add(StateDictError, `saved parameter group ${i} is not { params: number[], … }`);
      return { own: {}, params: [], names: undefined };
    }
    const inGroup = new Set<number>();
    for (const id of g.params) {
      if (!Number.isInteger(id) || id < 0) problems.add(StateDictError, `saved parameter group ${i} lists ${fmtValue(id)} as a parameter position`);
      else if (inGroup.has(id)) problems.add(StateDictError, `saved parameter group ${i} lists parameter position ${id} twice`);
      inGroup.add(id);
    }
    const names = g.paramNames;
    if (names !== undefined && (!Array.isArray(names) || names.length !== g.params.length || names.some((n) => typeof n !== 'string'))) {
      problems.add(StateDictError, `saved parameter group ${i} has paramNames that are not one string per parameter`);
    }
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) if (k !== 'params' && k !== 'paramNames') setOwn(own, k, v);
    return { own, params: g.params, names: Array.isArray(names) ? names : undefined };
  });
  const state: [number, Record<string, unknown>][] = [];
  for (const [k, entry] of Object.entries(sd.state)) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0) problems.add(StateDictError, `state key ${fmtValue(k)} is not a parameter position`);
    else if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) problems.add(StateDictError, `state of parameter position ${id} is ${describe(entry)}, not an object`);
    else state.push([id, entry as Record<string, unknown>]);
  }
  problems.throwIfAny(op);
  return { groups, state };
}

/** `opt.loadStateDict(sd)`: validate everything, then commit. */
export function loadStateDictInto<H extends BaseHyper, S extends object>(opt: Optimizer<H, S>, input: unknown): void {
  const op = `${opt.name}.loadStateDict`;
  const { groups: saved, state } = readStructure(input, op);
  const current = opt.paramGroups;
  if (saved.length !== current.length) {
    const label = (g: SavedGroup, i: number): string => {
      const n = g.own['name'];
      const names = g.names !== undefined ? `: ${g.names.slice(0, 3).join(', ')}${g.names.length > 3 ? ', …' : ''}` : ` (${g.params.length} parameters)`;
      return `${groupLabel(i, typeof n === 'string' ? n : undefined)}${names}`;
    };
    const fix = saved.length > current.length
      ? `the saved state has groups this optimizer lacks (${saved.slice(current.length).map((g, k) => label(g, current.length + k)).join('; ')}): ` +
        'add them first (opt.addParamGroup, or optim.addGroup) and load again, or load by name with optim.loadStateDictByName(opt, sd)'
      : `this optimizer has groups the saved state lacks (${current.slice(saved.length).map((g, k) => groupLabel(saved.length + k, g.name)).join(', ')}): ` +
        'load by name with optim.loadStateDictByName(opt, sd), which keeps them as they are';
    throw new StateDictError(`loaded state dict has a different number of parameter groups (it has ${saved.length}, this optimizer has ${current.length})`, { op, hint: fix });
  }
  const problems = new Problems();
  const idToParam = new Map<number, Tensor>();
  const idLabel = new Map<number, string>();
  // A position listed again (a repeated group, PyTorch #36831) must stand for the same parameter.
  const mapId = (id: number, p: Tensor, label: string): void => {
    const known = idToParam.get(id);
    if (known !== undefined && known !== p) problems.add(StateDictError, `saved parameter position ${id} stands for two different parameters (${idLabel.get(id)} and ${label})`);
    else if (known === undefined) {
      idToParam.set(id, p);
      idLabel.set(id, label);
    }
  };
  const nonEmpty = (i: number): boolean => current[i]!.params.length > 0 || saved[i]!.params.length > 0;
  const byName = current.some((_, i) => nonEmpty(i)) && current.every((g, i) => !nonEmpty(i) || (g.paramNames !== undefined && saved[i]!.names !== undefined));
  if (byName) {
    current.forEach((g, i) => {
      const s = saved[i]!;
      const here = new Map(g.paramNames!.map((n, k) => [n, g.params[k]!]));
      const there = new Set(s.names!);
      const missing = g.paramNames!.filter((n) => !there.has(n));
      const extra = s.names!.filter((n) => !here.has(n));
      if (missing.length > 0 || extra.length > 0) {
        const parts = [];
        if (missing.length > 0) parts.push(`not in the saved group: ${missing.join(', ')}`);
        if (extra.length > 0) parts.push(`saved but not in this group: ${extra.join(', ')}`);
        problems.add(StateDictError, `${groupLabel(i, g.name)} does not have the saved group's parameters (${parts.join('; ')})`);
        return;
      }
      s.params.forEach((id, k) => {
        mapId(id, here.get(s.names![k]!)!, `'${s.names![k]}'`);
      });
    });
  } else {
    const sizes = current
      .map((g, i) => (g.params.length === saved[i]!.params.length ? '' : `${groupLabel(i, g.name)}: saved ${saved[i]!.params.length} parameters, this optimizer has ${g.params.length}`))
      .filter((m) => m !== '');
    if (sizes.length > 0) {
      throw new StateDictError('loaded state dict contains a parameter group that doesn\'t match the size of optimizer\'s group', { op, hint: sizes.join('; ') });
    }
    current.forEach((g, i) =>
      saved[i]!.params.forEach((id, k) => {
        mapId(id, g.params[k]!, g.paramNames !== undefined ? `'${g.paramNames[k]}'` : `at position ${id}`);
      }),
    );
  }

  const schema = opt.spec.schema;
  const hypers = saved.map((s, i) => {
    const label = `saved ${groupLabel(i, typeof s.own['name'] === 'string' ? s.own['name'] : undefined)}`;
    checkValues(schema, s.own, label, problems);
    // NOTE: keys missing from the saved group (an older or hand-edited dict) keep the current group's values; PyTorch leaves them missing.
    return resolve(schema, s.own, current[i] as unknown as Partial<H>, label, problems);
  });

  const total = current.reduce((n, g) => n + g.params.reduce((m, p) => m + p.numel, 0), 0);
  const newState = new Map<Tensor, S>();
  for (const [id, entry] of state) {
    const p = idToParam.get(id);
    if (p === undefined) {
      problems.add(StateDictError, `the saved state has an entry for parameter position ${id}, which no saved group lists`);
      continue;
    }
    const s = readStateEntry(opt.name, opt.spec.state, entry, p, `parameter ${idLabel.get(id)}`, total, problems);
    if (s !== undefined) newState.set(p, s as S);
  }
  problems.throwIfAny(op, StateDictError);

  current.forEach((g, i) => {
    const s = saved[i]!;
    const gr = g as unknown as Record<string, unknown>;
    // As PyTorch, the saved group replaces the current one (its hyperparameters, group keys and the user's own keys).
    for (const key of Object.keys(gr)) if (key !== 'params' && key !== 'paramNames' && key !== 'name') delete gr[key];
    Object.assign(gr, hypers[i]);
    for (const [key, v] of Object.entries(s.own)) if (key !== 'name' && v !== undefined && !Object.hasOwn(schema.keys, key)) gr[key] = v;
    // NOTE: the current group's name wins; a saved name is adopted only by an unnamed group.
    if (g.name === undefined && typeof s.own['name'] === 'string') g.name = s.own['name'];
  });
  if (current.every((g) => g.paramNames === undefined) && saved.every((s) => s.names !== undefined || s.params.length === 0)) {
    current.forEach((g, i) => {
      if (saved[i]!.names !== undefined && g.params.length > 0) g.paramNames = [...saved[i]!.names!];
    });
  }
  opt.state.clear();
  for (const [p, s] of newState) opt.state.set(p, s);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor && v.numel === 1) return v.item();
  return undefined;
}

/** Checks and copies one parameter's saved state; `undefined` when it holds nothing (PyTorch 1.13's `momentum_buffer: None`). */
function readStateEntry(
  optimizer: string, spec: StateSpec, entry: Record<string, unknown>, p: Tensor, who: string, total: number, problems: Problems,
): Record<string, StateValue> | undefined {
  const out: Record<string, StateValue> = {};
  const present = Object.entries(entry).filter(([, v]) => v !== null && v !== undefined);
  if (present.length === 0) return undefined;
  const before = problems.size;
  for (const [key, v] of present) {
    const s = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (s === undefined) {
      problems.add(
        StateDictError,
        `the state of ${who} has '${key}', which ${optimizer} does not keep`,
        didYouMean(key, Object.keys(spec)) ?? `${optimizer} keeps ${Object.keys(spec).join(', ')}; was the state saved by another optimizer?`,
      );
      continue;
    }
    const bad = (what: string): void => problems.add(StateDictError, `the state '${key}' of ${who} should be ${what}, got ${describe(v)}`);
    switch (s.kind) {
      case 'ignore':
        break;
      case 'number': {
        const n = asNumber(v);
        if (n === undefined) bad('a number');
        else out[key] = n;
        break;
      }
      case 'numberList': {
        const ns = Array.isArray(v) ? v.map(asNumber) : [undefined];
        if (ns.some((n) => n === undefined)) bad('an array of numbers');
        else out[key] = ns as number[];
        break;
      }
      case 'param':
        if (!(v instanceof Tensor) || v.shape.length !== p.shape.length || v.shape.some((d, k) => d !== p.shape[k])) {
          bad(`a tensor of the parameter's shape [${p.shape.join(', ')}]`);
        } else {
          // NOTE: loaded state is a copy in the parameter's dtype (PyTorch 1.13 deep-copies and casts).
          out[key] = copyTensor(v, p.dtype);
        }
        break;
      case 'flat':
        if (!(v instanceof Tensor) || v.numel !== total) bad(`a 1-D tensor of ${total} elements`);
        else out[key] = copyTensor(v.reshape(total), p.dtype);
        break;
      case 'flatList':
        if (!Array.isArray(v) || v.some((t) => !(t instanceof Tensor) || t.numel !== total)) bad(`an array of 1-D tensors of ${total} elements`);
        else out[key] = (v as Tensor[]).map((t) => copyTensor(t.reshape(total), p.dtype));
        break;
    }
  }
  for (const [key, s] of Object.entries(spec)) {
    if (!s.optional && s.kind !== 'ignore' && !(key in out) && problems.size === before) {
      problems.add(StateDictError, `the state of ${who} has no '${key}'`, `${optimizer} keeps ${Object.keys(spec).join(', ')}; was the state saved by another optimizer?`);
    }
  }
  return out;
}
