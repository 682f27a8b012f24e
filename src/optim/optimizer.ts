/**
 * `Optimizer`: the book-keeping every optimizer shares (STYLE.md §11–13).
 * It reads and validates parameter groups, keeps them live in `paramGroups`,
 * keeps per-parameter state in `state`, runs step hooks, and saves/loads its
 * state. The maths of each optimizer is a pure function over one group
 * (`sgd()`, `adam()` …) that calls a fused backend kernel.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { ArgumentTypeError, ParamGroupError, Problems, ValueError, fmtShape, warn } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  SPEC_DEFAULTS, type BaseHyper, type GroupExtras, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec,
  type ParamGroupHook, type ParamsInput, type RemovableHandle, type StepHook, type ZeroGradOptions,
} from './types.js';
import { checkValues, fmtValue, groupLabel, resolve, schemaDefaults, type HyperSchema } from './hyper.js';
import { nameOfParam, readGroupSpec, readParamsInput, type GroupDraft } from './params.js';
import { loadStateDictInto, makeStateDict, type StateSpec } from './state-dict.js';

/** What a subclass tells the base class about itself. */
export interface OptimizerSpec<H> {
  /** Its hyperparameters: kinds, defaults and PyTorch's checks. */
  schema: HyperSchema<H>;
  /** Its per-parameter state entries, for `loadStateDict` checks. */
  state: StateSpec;
}

/**
 * Base class of all optimizers. `H` is the resolved hyperparameters of a
 * group, `S` the state of one parameter.
 *
 * ```ts
 * const opt = new optim.SGD([{ params: base }, { params: head, lr: 1e-3, name: 'head' }], { lr: 1e-2, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * opt.paramGroups[1].lr; // 1e-3
 * ```
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper, S extends object = object> {
  /** The options given to the constructor, filled with the optimizer's defaults. */
  readonly defaults: Readonly<Partial<H>>;
  /** The live groups: changing `paramGroups[i].lr` takes effect on the next step. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created on the first step in which the parameter has a grad. */
  readonly state = new Map<Tensor, S>();
  /** @internal */
  readonly spec: OptimizerSpec<H>;
  private readonly preHooks = new Map<number, () => void>();
  private readonly postHooks = new Map<number, () => void>();
  private readonly groupHooks = new Map<number, ParamGroupHook<ParamGroup<H>>>();
  private nextHookId = 0;
  private steps = 0;

  protected constructor(params: ParamsInput<Partial<H>>, options: Partial<H> | undefined, spec: OptimizerSpec<H>) {
    this.spec = spec;
    const op = spec.schema.optimizer;
    const opts = checkOptions(spec.schema, options, op);
    const fromSpecs = specDefaults(spec.schema, params, opts, op);
    this.defaults = Object.freeze({ ...schemaDefaults(spec.schema), ...opts, ...fromSpecs });
    const drafts = readParamsInput(params, op);
    const groups = this.buildGroups(drafts, 0, op);
    this.paramGroups.push(...groups);
  }

  /** The optimizer's name in messages and `toString()` (`SGD`). */
  get name(): string {
    return this.spec.schema.optimizer;
  }

  /** How many times `step()` has run. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Adds a group (PyTorch's `add_param_group`), e.g. to unfreeze layers while
   * fine-tuning. The spec is checked like the constructor's groups; on error
   * nothing changes (neither the optimizer nor `spec`).
   *
   * ```ts
   * opt.addParamGroup({ params: model.base.parameters(), lr: 1e-4, name: 'base' });
   * ```
   */
  addParamGroup(spec: ParamGroupSpec<Partial<H>>): void {
    const op = `${this.name}.addParamGroup`;
    const index = this.paramGroups.length;
    const name = typeof (spec as { name?: unknown } | null)?.name === 'string' ? (spec as { name: string }).name : undefined;
    const draft = readGroupSpec(spec, groupLabel(index, name), op);
    const group = this.buildGroups([draft], index, op)[0]!;
    for (const hook of this.groupHooks.values()) hook.check?.(group, index);
    this.paramGroups.push(group);
    for (const hook of this.groupHooks.values()) hook.added(group, index);
  }

  /**
   * Registers a hook told about every group `addParamGroup` adds: `check`
   * may refuse it (by throwing, before anything changes), `added` sees it
   * once it is in `paramGroups`. Learning-rate schedulers use it.
   */
  registerParamGroupHook(hook: ParamGroupHook<ParamGroup<H>>): RemovableHandle {
    const id = this.nextHookId++;
    this.groupHooks.set(id, hook);
    return { remove: () => void this.groupHooks.delete(id) };
  }

  /**
   * Clears the gradients of every parameter: sets them to `null` (default,
   * as PyTorch 2.x), or with `{ setToNone: false }` fills them with zeros.
   * A zero grad still steps (momentum, decay); a `null` grad skips the parameter.
   *
   * ```ts
   * opt.zeroGrad();                       // p.grad === null
   * opt.zeroGrad({ setToNone: false });   // p.grad filled with 0, same tensor
   * ```
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          // NOTE: as PyTorch, a grad that is part of a graph is cut from it before being zeroed.
          const g = p.grad.gradFn !== null ? p.grad.detach() : p.grad;
          noGrad(() => g.zero_());
          p.grad = g;
        }
      }
    }
  }

  /**
   * One optimization step over every group. With a closure, the closure is
   * called first (with grad enabled: it should zero the grads, compute the
   * loss, call backward and return the loss) and its result is returned.
   * Parameters whose grad is `null` are skipped and get no state.
   *
   * ```ts
   * const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(); l.backward(); return l; });
   * ```
   */
  // NOTE: one signature, not overloads, so that a union of optimizer types (SGD | Adam) can be stepped.
  step<L = undefined>(closure?: () => L): L {
    for (const hook of this.preHooks.values()) hook();
    const loss = this.runStep(closure);
    this.steps++;
    for (const hook of this.postHooks.values()) hook();
    return loss as L;
  }

  /**
   * Registers `hook(optimizer)` to run before each step; `remove()` on the
   * returned handle unregisters it.
   *
   * ```ts
   * const handle = opt.registerStepPreHook((o) => console.log(`step ${o.stepCount}`));
   * handle.remove();
   * ```
   */
  registerStepPreHook(hook: StepHook<this>): RemovableHandle {
    return addHook(this.preHooks, this.nextHookId++, hook, this);
  }

  /** Registers `hook(optimizer)` to run after each step. */
  registerStepPostHook(hook: StepHook<this>): RemovableHandle {
    return addHook(this.postHooks, this.nextHookId++, hook, this);
  }

  /**
   * The optimizer's state in PyTorch's layout with camelCase keys: `state`
   * keyed by parameter position (across groups, in order) and `paramGroups`
   * with every hyperparameter, `params` as positions and `paramNames` when
   * known. State tensors are copies: the dict is a snapshot.
   *
   * ```ts
   * const saved = opt.stateDict();
   * const resumed = new optim.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 });
   * resumed.loadStateDict(saved); // continues exactly where opt stopped
   * ```
   */
  stateDict(): OptimizerStateDict {
    return makeStateDict(this);
  }

  /**
   * Restores a state dict saved by `stateDict()` (or PyTorch's layout, see
   * `fromPyTorchStateDict`). The groups must match in number and, when both
   * sides know parameter names, by name; otherwise by size, as PyTorch. The
   * saved hyperparameters replace the current ones. Everything is checked
   * before anything changes.
   */
  loadStateDict(stateDict: OptimizerStateDict | Record<string, unknown>): void {
    loadStateDictInto(this, stateDict);
  }

  /**
   * PyTorch's `Optimizer.__repr__`: the class name, then each group's keys
   * (except `params`) sorted, with their values; long `paramNames` are cut.
   * `String(opt)`, template strings and `console.log(opt)` (through Node's
   * inspector) all show this form.
   *
   * ```ts
   * String(new optim.SGD([p], { lr: 0.1 })); // 'SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n …\n)'
   * ```
   */
  toString(): string {
    return formatOptimizer(this.name, this.paramGroups);
  }

  /** What Node's `util.inspect` (and so `console.log`) shows: the same as `toString()`, not the fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * The step itself, without hooks. The default: run the closure, check the
   * live groups, then update each group's parameters that have a grad.
   */
  protected runStep<L>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    this.checkLiveGroups();
    noGrad(() => {
      for (const group of this.paramGroups) {
        const withGrad = group.params.filter((p) => p.grad !== null);
        if (withGrad.length > 0) this.updateGroup(group, withGrad);
      }
    });
    return loss;
  }

  /** Updates `params` (the group's parameters that have a grad) with the group's hyperparameters. */
  protected abstract updateGroup(group: ParamGroup<H>, params: Tensor[]): void;

  /** The state of `p`, created by `init` on first use. */
  protected stateOf(p: Tensor, init: () => S): S {
    let s = this.state.get(p);
    if (s === undefined) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * Re-checks the live groups' hyperparameter values before a step, since
   * `paramGroups` can be edited freely (a string lr read from JSON, a
   * negative lr …); a bad value stops the step before anything changes.
   */
  protected checkLiveGroups(): void {
    const problems = new Problems();
    this.paramGroups.forEach((g, i) => {
      const label = groupLabel(i, g.name);
      const values = g as unknown as Record<string, unknown>;
      checkValues(this.spec.schema, values, label, problems, { skip: ['params', 'paramNames'] });
      if (problems.size === 0) resolve(this.spec.schema, values, {}, label, problems);
    });
    problems.throwIfAny(`${this.name}.step`);
  }

  /**
   * Resolves drafts into groups numbered from `firstIndex` and checks them
   * against each other and the existing groups. Throws before anything is
   * changed.
   */
  private buildGroups(drafts: GroupDraft[], firstIndex: number, op: string): ParamGroup<H>[] {
    const problems = new Problems();
    const groups = drafts.map((d, k) => {
      const name = typeof d.own['name'] === 'string' ? d.own['name'] : undefined;
      const label = groupLabel(firstIndex + k, name);
      if (d.params.length === 0) {
        // NOTE: PyTorch accepts an empty group silently; it is almost always a generator read twice.
        warn('KINDLING_EMPTY_GROUP', `${op}: ${label} has no parameters. If its params came from a generator such as model.parameters(), ` +
          'it was already read: a generator can be read only once, so call model.parameters() again for each group (or spread it into an array)');
      }
      checkValues(this.spec.schema, d.own, label, problems);
      const h = resolve(this.spec.schema, d.own, this.defaults, label, problems);
      const group: Record<string, unknown> = { params: d.params };
      if (name !== undefined) group['name'] = name;
      Object.assign(group, h);
      // Group keys (lrMult, initialLr …) and the user's own keys, as given.
      for (const [key, v] of Object.entries(d.own)) if (key !== 'name' && v !== undefined && !Object.hasOwn(this.spec.schema.keys, key)) group[key] = v;
      if (d.names !== undefined) group['paramNames'] = d.names;
      return group as unknown as ParamGroup<H>;
    });
    problems.throwIfAny(op);
    checkAcrossGroups([...this.paramGroups, ...groups], this.paramGroups.length, op);
    return groups;
  }
}

/** Names shown in a printed group before the rest are counted. */
const PRINTED_NAMES = 4;

/** PyTorch's repr of an optimizer, from its class name and groups (shared with `MultiOptimizer`). */
export function formatOptimizer(name: string, groups: readonly object[]): string {
  const lines = [`${name} (`];
  groups.forEach((group, i) => {
    lines.push(`Parameter Group ${i}`);
    const g = group as Record<string, unknown>;
    for (const k of Object.keys(g).filter((k) => k !== 'params').sort()) {
      const v = g[k];
      const shown = k === 'paramNames' && Array.isArray(v) && v.length > PRINTED_NAMES
        ? `[${v.slice(0, PRINTED_NAMES).map(fmtValue).join(', ')}, … (${v.length} in all)]`
        : fmtValue(v);
      lines.push(`    ${k}: ${shown}`);
    }
  });
  lines.push(')');
  return lines.join('\n');
}

function addHook<T>(hooks: Map<number, () => void>, id: number, hook: StepHook<T>, opt: T): RemovableHandle {
  if (typeof hook !== 'function') throw new ArgumentTypeError(`a step hook must be a function, got ${fmtValue(hook)}`, { op: 'registerStepHook' });
  hooks.set(id, () => hook(opt));
  return { remove: () => void hooks.delete(id) };
}

/**
 * The `defaults` of `optim.paramGroups` that made `params` (every group
 * carries them), restricted to this optimizer's hyperparameters, so that
 * `opt.defaults` reports what the groups get. An option that says otherwise
 * is used by no group: warned about.
 */
function specDefaults<H>(schema: HyperSchema<H>, params: unknown, opts: Partial<H>, op: string): Partial<H> {
  const given = (params as { [SPEC_DEFAULTS]?: Readonly<Record<string, unknown>> } | null)?.[SPEC_DEFAULTS];
  if (given === undefined) return {};
  const out: Record<string, unknown> = {};
  const clashes: string[] = [];
  for (const [k, v] of Object.entries(given)) {
    if (!Object.hasOwn(schema.keys, k) || v === undefined) continue;
    out[k] = v;
    const o = (opts as Record<string, unknown>)[k];
    if (o !== undefined && JSON.stringify(o) !== JSON.stringify(v)) clashes.push(`${k} ${fmtValue(o)} (they carry ${fmtValue(v)})`);
  }
  if (clashes.length > 0) {
    warn('KINDLING_UNUSED_OPTION', `${op}: options ${clashes.join(', ')} reach no group: every group carries the defaults given to optim.paramGroups, ` +
      'and opt.defaults reports those; give each value in one place, optim.paramGroups\' defaults');
  }
  return out as Partial<H>;
}

/** Validates the constructor's options (the defaults of every group). */
function checkOptions<H>(schema: HyperSchema<H>, options: unknown, op: string): Partial<H> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentTypeError(`options must be an object such as { lr: 0.01 }, got ${fmtValue(options)}`, { op });
  }
  const problems = new Problems();
  const values = options as Record<string, unknown>;
  checkValues(schema, values, 'the options', problems, { noExtras: true });
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  if (problems.size === 0 && schema.cross !== undefined) {
    const merged = { ...schemaDefaults(schema), ...out } as H;
    const reason = schema.cross(merged);
    if (reason !== undefined) problems.add(ValueError, `${reason} in the options`);
  }
  problems.throwIfAny(op);
  return out as Partial<H>;
}

/** How a parameter is named in messages: by name when known (its group's, or the model's), else by position and shape. */
function paramLabel(group: ParamGroup<unknown>, i: number): string {
  const n = group.paramNames?.[i] ?? nameOfParam(group.params[i]!);
  return n !== undefined ? `'${n}'` : `at element ${i} (shape ${fmtShape(group.params[i]!.shape)})`;
}

/** Parameters listed in a message before the rest are counted. */
const LISTED = 6;

/**
 * Checks groups `from…` against all groups before them: a parameter in two
 * groups, a name used for two parameters, named and unnamed groups mixed.
 */
function checkAcrossGroups(groups: ParamGroup<unknown>[], from: number, op: string): void {
  const problems = new Problems();
  const owner = new Map<Tensor, [number, number]>();
  const byName = new Map<string, [number, Tensor]>();
  // Parameters found again, by the pair of groups they are in: reported once, together.
  const repeated = new Map<string, string[]>();
  groups.forEach((g, gi) => {
    g.params.forEach((p, pi) => {
      const prev = owner.get(p);
      if (prev !== undefined && gi >= from) {
        const [pg, ppi] = prev;
        const who = g.paramNames !== undefined ? paramLabel(g, pi) : groups[pg]!.paramNames !== undefined ? paramLabel(groups[pg]!, ppi) : paramLabel(g, pi);
        const pair = `${groupLabel(pg, groups[pg]!.name)} and ${groupLabel(gi, g.name)}`;
        repeated.set(pair, [...(repeated.get(pair) ?? []), who]);
      } else if (prev === undefined) owner.set(p, [gi, pi]);
      const name = g.paramNames?.[pi];
      if (name !== undefined) {
        const other = byName.get(name);
        if (other !== undefined && other[1] !== p && gi >= from) {
          problems.add(
            ParamGroupError,
            `the name '${name}' is given to two different parameters (in ${groupLabel(other[0], groups[other[0]]!.name)} and ${groupLabel(gi, g.name)})`,
            'names identify parameters in state dicts: give full names, e.g. model.base.namedParameters({ prefix: \'base\' }), or use model.namedParameters()',
          );
        } else if (other === undefined) byName.set(name, [gi, p]);
      }
    });
  });
  if (repeated.size > 0) {
    const parts = [...repeated].map(([pair, who]) => {
      const shown = who.length > LISTED ? `${who.slice(0, LISTED).join(', ')} and ${who.length - LISTED} more` : who.join(', ');
      return `${who.length === 1 ? 'the parameter' : `${who.length} parameters:`} ${shown} ${who.length === 1 ? 'is' : 'are'} in ${pair}`;
    });
    problems.add(
      ParamGroupError,
      `some parameters appear in more than one parameter group: ${parts.join('; ')}`,
      'each parameter may belong to one group only; remove them from one of the groups',
    );
  }
  const namedness = groups.map((g) => (g.params.length === 0 ? undefined : g.paramNames !== undefined));
  const firstNamed = namedness.indexOf(true);
  const firstUnnamed = namedness.indexOf(false);
  if (firstNamed >= 0 && firstUnnamed >= 0 && Math.max(firstNamed, firstUnnamed) >= from) {
    const late = Math.max(firstNamed, firstUnnamed);
    problems.add(
      ParamGroupError,
      `all optimizer param groups should be with or without names: ${groupLabel(firstNamed, groups[firstNamed]!.name)} has [name, tensor] pairs but ${groupLabel(firstUnnamed, groups[firstUnnamed]!.name)} has plain tensors` +
        ` (cannot add ${groupLabel(late, groups[late]!.name)})`,
      'use namedParameters() for every group, or parameters() for every group',
    );
  }
  problems.throwIfAny(op);
}

export type { GroupExtras };
