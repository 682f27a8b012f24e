/**
 * `optim.MultiOptimizer`: several optimizers behind one `step`, `zeroGrad`,
 * `stateDict` and `paramGroups`, e.g. AdamW for most parameters and SGD for
 * the embeddings. Groups are routed by the `optimizer` key that rules put on
 * them (`{ select: nn.Embedding, optimizer: 'sgd' }`).
 */
import { enableGrad } from '../autograd/grad-mode.js';
import { ArgumentTypeError, nearest, ParamGroupError, StateDictError } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SPEC_DEFAULTS, type BaseHyper, type OptimizerStateDict, type ParamGroup, type ParamGroupHook, type RemovableHandle, type ZeroGradOptions } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { describeValue } from './model-index.js';
import type { GroupSpec } from './types.js';
import { listNames, q } from './util.js';

/** Any kindling optimizer (the wrapper only routes, so it needs no more than the base class). */
type AnyOptimizer = Optimizer<BaseHyper, object>;

/** A group of any of the optimizers: the lr every optimizer has, and whatever else its optimizer keeps. */
type MultiGroup = ParamGroup<BaseHyper & Record<string, unknown>>;

/** Makes one optimizer from the group specs routed to it (their `optimizer` key removed). */
export type OptimizerFactory = (groups: GroupSpec[]) => AnyOptimizer;

/** Options of {@link MultiOptimizer.fromGroups}. */
export interface MultiOptimizerOptions {
  /** Where groups without an `optimizer` key go. */
  readonly default?: string;
}

/** `multi.stateDict()`: each optimizer's state dict under its name. */
export interface MultiOptimizerStateDict {
  optimizers: Record<string, OptimizerStateDict>;
}

/**
 * Several optimizers that act as one. `paramGroups` is every optimizer's
 * groups in order (the live group objects, so schedulers that write
 * `paramGroups[i].lr` drive each optimizer); `step`, `zeroGrad`, `stateDict`
 * and `loadStateDict` act on all of them.
 *
 * ```ts
 * const specs = optim.paramGroups(model, [{ name: 'embeddings', select: nn.Embedding, optimizer: 'sgd', lr: 0.1 }], { defaults: { lr: 1e-3 } });
 * const opt = optim.MultiOptimizer.fromGroups(specs, {
 *   adamw: (groups) => new optim.AdamW(groups, { lr: 1e-3 }),
 *   sgd: (groups) => new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }),
 * }, { default: 'adamw' });
 * ```
 */
export class MultiOptimizer {
  /** The optimizers, by name, in routing order. */
  readonly optimizers: Readonly<Record<string, AnyOptimizer>>;
  private readonly defaultName: string | undefined;
  /** The groups in the order they arrived (so indices stay put when a group is added to an earlier optimizer). */
  private readonly order: MultiGroup[];
  private readonly groupHooks = new Map<number, ParamGroupHook<MultiGroup>>();
  private readonly preHooks = new Map<number, (o: MultiOptimizer) => void>();
  private readonly postHooks = new Map<number, (o: MultiOptimizer) => void>();
  private nextHook = 0;
  private steps = 0;

  /** Wraps optimizers that already exist (no parameter may be in two of them). */
  constructor(optimizers: Readonly<Record<string, AnyOptimizer>>, options: MultiOptimizerOptions = {}) {
    const op = 'optim.MultiOptimizer';
    if (typeof optimizers !== 'object' || optimizers === null || Object.keys(optimizers).length === 0) {
      throw new ArgumentTypeError(`expected a record of optimizers { name: optimizer }, got ${describeValue(optimizers)}`, { op });
    }
    const owner = new Map<Tensor, string>();
    const problems: string[] = [];
    for (const [name, o] of Object.entries(optimizers)) {
      if (typeof o !== 'object' || o === null || !Array.isArray((o as { paramGroups?: unknown }).paramGroups) || typeof o.step !== 'function') {
        problems.push(`${q(name)} is ${describeValue(o)}, not an optimizer`);
        continue;
      }
      if (o instanceof MultiOptimizer) problems.push(`${q(name)} is a MultiOptimizer; nest its optimizers directly`);
      for (const g of o.paramGroups) {
        g.params.forEach((p: Tensor, k: number) => {
          const other = owner.get(p);
          const pname = g.paramNames?.[k] ?? `a parameter of shape [${p.shape.join(', ')}]`;
          if (other !== undefined && other !== name) problems.push(`${q(pname)} is in both ${q(other)} and ${q(name)}`);
          owner.set(p, name);
        });
      }
    }
    if (options.default !== undefined && !(options.default in optimizers)) {
      problems.push(`default ${q(options.default)} is not one of the optimizers (${Object.keys(optimizers).map(q).join(', ')})`);
    }
    if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
    this.optimizers = Object.freeze({ ...optimizers });
    this.defaultName = options.default;
    this.order = Object.values(optimizers).flatMap((o) => o.paramGroups as MultiGroup[]);
    // Groups added to an optimizer (through this wrapper or directly) join the
    // end of `paramGroups`, and this wrapper's group hooks (schedulers) hear of them.
    for (const o of Object.values(optimizers)) {
      o.registerParamGroupHook({
        check: (g: never) => {
          for (const h of this.groupHooks.values()) h.check?.(g, this.order.length);
        },
        added: (g: never) => {
          const index = this.order.length;
          this.order.push(g);
          for (const h of this.groupHooks.values()) h.added(g, index);
        },
      });
    }
  }

  /**
   * Routes group specs (as `optim.paramGroups` returns them) to optimizers by
   * their `optimizer` key (groups without one go to `options.default`) and
   * makes each optimizer from its groups. Every route is checked before any
   * optimizer is made; a factory that gets no group is an error.
   */
  static fromGroups(
    groups: Iterable<Readonly<Record<string, unknown>>>,
    factories: Readonly<Record<string, OptimizerFactory>>,
    options: MultiOptimizerOptions = {},
  ): MultiOptimizer {
    const op = 'optim.MultiOptimizer.fromGroups';
    if (typeof factories !== 'object' || factories === null || Object.keys(factories).length === 0) {
      throw new ArgumentTypeError(`expected a record of factories { name: (groups) => optimizer }, got ${describeValue(factories)}`, { op });
    }
    const names = Object.keys(factories);
    const routed = new Map<string, GroupSpec[]>(names.map((n) => [n, []]));
    const problems: string[] = [];
    if (options.default !== undefined && !names.includes(options.default)) {
      problems.push(`default ${q(options.default)} is not one of the optimizers (${names.map(q).join(', ')})`);
    }
    let i = 0;
    for (const g of groups) {
      const { optimizer: route, ...rest } = g as Record<string, unknown>;
      const label = typeof g.name === 'string' ? `group ${q(g.name)}` : `group ${i}`;
      const target = route === undefined ? options.default : route;
      if (target === undefined) problems.push(`${label} names no optimizer and there is no default; give options.default or an optimizer in its rule`);
      else if (typeof target !== 'string' || !routed.has(target)) {
        const hint = typeof target === 'string' ? nearest(target, names) : undefined;
        problems.push(`${label} is routed to ${describeValue(target)}, which is not one of ${names.map(q).join(', ')}${hint ? ` (did you mean ${q(hint)}?)` : ''}`);
      } else routed.get(target)!.push(rest as GroupSpec);
      i++;
    }
    for (const [n, gs] of routed) if (gs.length === 0) problems.push(`optimizer ${q(n)} gets no group (no rule routes parameters to it)`);
    if (problems.length > 0) throw new ParamGroupError(problems.join('; '), { op });
    // NOTE: paramGroups' defaults reached only the groups no rule routed (the default optimizer's): its optimizer reports them.
    const fromSpecs = (groups as { [SPEC_DEFAULTS]?: unknown })[SPEC_DEFAULTS];
    const defaultGroups = options.default === undefined ? undefined : routed.get(options.default);
    if (fromSpecs !== undefined && defaultGroups !== undefined) Object.defineProperty(defaultGroups, SPEC_DEFAULTS, { value: fromSpecs });
    const made: Record<string, AnyOptimizer> = {};
    for (const [n, gs] of routed) {
      const f = factories[n];
      if (typeof f !== 'function') throw new ArgumentTypeError(`factory ${q(n)} is ${describeValue(f)}, not a function (groups) => optimizer`, { op });
      made[n] = f(gs);
    }
    return new MultiOptimizer(made, options);
  }

  /** Every optimizer's live groups: first in routing order, then groups added later in the order they came. */
  get paramGroups(): MultiGroup[] {
    return this.order;
  }

  /** The optimizers' constructor options together (schedulers read `momentum`/`betas` here). */
  get defaults(): Readonly<Record<string, unknown>> {
    return Object.assign({}, ...Object.values(this.optimizers).map((o) => o.defaults)) as Record<string, unknown>;
  }

  /** Registers a hook told about every group added to any of the optimizers (schedulers use it); indices are in `paramGroups`. */
  registerParamGroupHook(hook: ParamGroupHook<MultiGroup>): RemovableHandle {
    const id = this.nextHook++;
    this.groupHooks.set(id, hook);
    return { remove: () => void this.groupHooks.delete(id) };
  }

  /** Every optimizer's per-parameter state. */
  get state(): Map<Tensor, unknown> {
    const out = new Map<Tensor, unknown>();
    for (const o of Object.values(this.optimizers)) for (const [p, s] of o.state) out.set(p, s);
    return out;
  }

  /** `MultiOptimizer`, in messages. */
  get name(): string {
    return 'MultiOptimizer';
  }

  /** How many times `step()` has run. */
  get stepCount(): number {
    return this.steps;
  }

  /** The optimizer that holds a group (by group index in `paramGroups`, or the group object). */
  optimizerOf(group: number | object): string {
    const g = typeof group === 'number' ? this.paramGroups[group] : group;
    for (const [n, o] of Object.entries(this.optimizers)) if ((o.paramGroups as object[]).includes(g as object)) return n;
    throw new ArgumentTypeError(`no optimizer of this MultiOptimizer holds ${describeValue(group)}`, { op: 'MultiOptimizer.optimizerOf' });
  }

  /** Runs the closure once (with grad enabled), then steps every optimizer; returns the closure's result. */
  step<L>(closure?: () => L): L | undefined {
    for (const h of this.preHooks.values()) h(this);
    const loss = closure === undefined ? undefined : enableGrad(closure);
    for (const o of Object.values(this.optimizers)) o.step();
    this.steps++;
    for (const h of this.postHooks.values()) h(this);
    return loss;
  }

  /** Clears every optimizer's gradients. */
  zeroGrad(options: ZeroGradOptions = {}): void {
    for (const o of Object.values(this.optimizers)) o.zeroGrad(options);
  }

  /** Adds a group to the optimizer its `optimizer` key names (or the default). */
  addParamGroup(spec: Readonly<Record<string, unknown>>): void {
    const op = 'MultiOptimizer.addParamGroup';
    const { optimizer: route, ...rest } = spec as Record<string, unknown>;
    const target = this.routeOf(route, op);
    const owner = this.findOwner(rest.params);
    if (owner !== undefined) throw new ParamGroupError(`${q(owner[0])} is already in optimizer ${q(owner[1])}`, { op });
    this.optimizers[target]!.addParamGroup(rest as never);
  }

  /** The name of the optimizer a group with this `optimizer` key goes to (the default when undefined); throws naming the nearest one. */
  routeOf(route: unknown, op = 'MultiOptimizer.routeOf'): string {
    const target = route ?? this.defaultName;
    if (typeof target !== 'string' || !(target in this.optimizers)) {
      const names = Object.keys(this.optimizers);
      const hint = typeof target === 'string' ? nearest(target, names) : undefined;
      throw new ParamGroupError(`the group is routed to ${describeValue(target)}, which is not one of ${names.map(q).join(', ')}`, {
        op,
        hint: hint ? `did you mean ${q(hint)}?` : 'give the group an optimizer key, or construct with { default }',
      });
    }
    return target;
  }

  /**
   * @internal Removes the groups from position `count` of `paramGroups` on
   * (from their optimizers too): `optim.addGroup` undoing a partial add.
   */
  dropGroupsFrom(count: number): void {
    const dropped = new Set<object>(this.order.splice(count));
    for (const o of Object.values(this.optimizers)) {
      const keep = o.paramGroups.filter((g: object) => !dropped.has(g));
      o.paramGroups.splice(0, o.paramGroups.length, ...keep);
    }
  }

  private findOwner(params: unknown): [string, string] | undefined {
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) return undefined;
    const list = [...(params as Iterable<unknown>)];
    for (const [n, o] of Object.entries(this.optimizers)) {
      for (const g of o.paramGroups) {
        for (const item of list) {
          const p = Array.isArray(item) ? item[1] : item;
          const k = g.params.indexOf(p as Tensor);
          if (k >= 0) return [g.paramNames?.[k] ?? (Array.isArray(item) ? String(item[0]) : `a parameter of shape [${(p as Tensor).shape.join(', ')}]`), n];
        }
      }
    }
    return undefined;
  }

  /** Each optimizer's state dict, under its name. */
  stateDict(): MultiOptimizerStateDict {
    const optimizers: Record<string, OptimizerStateDict> = {};
    for (const [n, o] of Object.entries(this.optimizers)) optimizers[n] = o.stateDict();
    return { optimizers };
  }

  /**
   * Loads each optimizer's state dict by name. The names must match; if one
   * optimizer refuses its dict, the ones loaded before it are restored, so
   * nothing changes on error.
   */
  loadStateDict(stateDict: MultiOptimizerStateDict): void {
    const op = 'MultiOptimizer.loadStateDict';
    const sds = (stateDict as { optimizers?: unknown } | null)?.optimizers;
    if (typeof sds !== 'object' || sds === null) {
      throw new StateDictError(`expected { optimizers: { name: stateDict } } as MultiOptimizer.stateDict() returns, got ${describeValue(stateDict)}`, { op });
    }
    const mine = Object.keys(this.optimizers);
    const theirs = Object.keys(sds);
    const missing = mine.filter((n) => !theirs.includes(n));
    const extra = theirs.filter((n) => !mine.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new StateDictError(
        `the saved optimizers do not match: ${missing.length ? `missing ${listNames(missing.map(q))}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${listNames(extra.map(q))}` : ''}`,
        { op },
      );
    }
    const backups: [AnyOptimizer, OptimizerStateDict][] = [];
    try {
      for (const n of mine) {
        const o = this.optimizers[n]!;
        backups.push([o, o.stateDict()]);
        o.loadStateDict((sds as Record<string, OptimizerStateDict>)[n]!);
      }
    } catch (err) {
      // NOTE: the failing optimizer left itself unchanged; restore the ones before it.
      for (const [o, sd] of backups.slice(0, -1)) o.loadStateDict(sd);
      throw err;
    }
  }

  /** Registers `hook(multi)` to run before each step. */
  registerStepPreHook(hook: (o: MultiOptimizer) => void): RemovableHandle {
    const id = this.nextHook++;
    this.preHooks.set(id, hook);
    return { remove: () => void this.preHooks.delete(id) };
  }

  /** Registers `hook(multi)` to run after each step. */
  registerStepPostHook(hook: (o: MultiOptimizer) => void): RemovableHandle {
    const id = this.nextHook++;
    this.postHooks.set(id, hook);
    return { remove: () => void this.postHooks.delete(id) };
  }

  /** What Node's `util.inspect` (and so `console.log`) shows: the same as `toString()`, not the fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Each optimizer's printed form (PyTorch's repr, see `Optimizer.toString`), under its name. */
  toString(): string {
    return `MultiOptimizer (\n${Object.entries(this.optimizers).map(([n, o]) => `[${n}] ${String(o).replace(/\n/g, '\n    ')}`).join('\n')}\n)`;
  }
}
