/**
 * `paramGroups(model, rules, options)`: parameter groups from rules.
 *
 * Precedence (deterministic, documented in docs/param-groups.md):
 * 1. Every value starts at `options.defaults` (the base).
 * 2. Rules apply in order. Within a rule: absolute values, then multipliers,
 *    then `spread`, then `layerDecay`.
 * 3. An absolute value replaces whatever the key had; a multiplier multiplies
 *    the value so far; a `mode: 'replace'` rule's multipliers apply to the base
 *    instead, discarding earlier steps for those keys.
 * 4. Parameters whose final values are equal share a group, unless a rule that
 *    sets nothing (a naming rule) or a rule's `parts` keeps them apart. Groups
 *    are named after the rules that made them, in rule order.
 */
import { ArgumentTypeError, nearest, ParamGroupError } from '../errors.js';
import { SPEC_DEFAULTS } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { decayFactor, inferDepths, spreadValues, type Depths } from './depth.js';
import { describeValue, indexModel, type ModelIndex, type ParamEntry } from './model-index.js';
import { registerPlan, type ParamRecord, type Plan, type ValueStep, type ValueTrace } from './registry.js';
import { compileSelection, type CompiledSelector } from './select.js';
import type { AnyOptimizerOptions, GroupSpec, ModuleLike, NamedParam, Rule, SpreadValue } from './types.js';
import { listNames, q } from './util.js';
import { anySchema, multKey, optimizerSchema, validateDefaults, validateRule, type HyperSchema } from './validate.js';

/** Any optimizer class (`optim.AdamW`): it types the rules, and at run time gives its hyperparameter names. */
export type OptimizerClass = abstract new (params: never, options: never) => object;

/** The options type of an optimizer class: `OptionsOf<typeof optim.AdamW>` is `AdamWOptions`. */
export type OptionsOf<C> = C extends abstract new (params: never, options: infer O) => object ? Extract<NonNullable<O>, object> : never;

/** How strict `paramGroups` is: which findings are errors rather than reports. */
export interface StrictOptions {
  /** Trainable parameters no rule selected are an error (default false: they go to the default group, reported). */
  readonly unselected?: boolean;
  /** A rule that selects nothing is an error (default true; false makes it a warning). */
  readonly emptyRules?: boolean;
}

/** Options of {@link paramGroups}. */
export interface ParamGroupsOptions<H> {
  /** The base values (the optimizer's own, e.g. `{ lr: 1e-3, weightDecay: 0.05 }`): multipliers apply to them and every group carries them. */
  readonly defaults?: Partial<H>;
  /** The optimizer the groups are for: types the rules and supplies the valid hyperparameter names. */
  readonly optimizer?: OptimizerClass;
  /** `true`: unselected parameters and empty rules are errors; `false`: both are only reported/warned. Default `{ unselected: false, emptyRules: true }`. */
  readonly strict?: boolean | StrictOptions;
  /**
   * Frozen parameters (`requiresGrad` false): `'exclude'` (default) leaves them out, reported in `report.frozen`;
   * `'include'` groups them like the others, so the optimizer holds them from the start: its steps skip them
   * (they get no grad) until they are unfrozen, with no change to the optimizer or its schedulers.
   */
  readonly frozen?: 'exclude' | 'include';
  /** `'values'` (default): merge parameters with equal final values; `'none'`: one group per parameter. */
  readonly merge?: 'values' | 'none';
  /** The name of the group of parameters no rule selected. Default `'default'`. */
  readonly defaultGroup?: string;
  /** Where warnings go (default `console.warn`); `false` keeps them only in the report. */
  readonly onWarning?: ((message: string) => void) | false;
}

/** A group in the report. */
export interface ReportGroup {
  readonly name: string;
  readonly rules: readonly string[];
  readonly params: readonly string[];
  readonly numel: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** What `paramGroups` found, besides the groups (also on `specs.report`). */
export interface GroupsReport {
  readonly groups: readonly ReportGroup[];
  /** Trainable parameters no rule selected (they are in the default group). */
  readonly unselected: readonly string[];
  /** Frozen parameters, and whether they were included. */
  readonly frozen: { readonly names: readonly string[]; readonly included: boolean };
  /** Parameters reachable under several names, and the group each landed in once. */
  readonly tied: readonly { readonly names: readonly string[]; readonly group: string | null }[];
  /** Rules that selected nothing (optional rules, or all rules when not strict), with the nearest real names. */
  readonly emptyRules: readonly { readonly rule: string; readonly nearest: readonly string[] }[];
  /** Parameters that several rules changed, and what each contributed. */
  readonly overlaps: readonly { readonly rules: readonly string[]; readonly params: readonly string[]; readonly contributions: Readonly<Record<string, string>> }[];
  /**
   * For each rule with `layerDecay`: the block stack(s) the depths were counted along (dotted paths, `''`
   * for the model itself; found by the inference or named by `blocks`), how many blocks, and the deepest depth `D`.
   */
  readonly layerDecay: readonly { readonly rule: string; readonly blocks: readonly string[]; readonly numBlocks: number; readonly maxDepth: number }[];
  /** A later absolute value that replaced what an earlier rule set. */
  readonly overridden: readonly { readonly key: string; readonly rule: string; readonly replaced: readonly string[]; readonly params: readonly string[] }[];
  readonly warnings: readonly string[];
}

/** The result of {@link paramGroups}: group specs (an array any optimizer accepts), with the report attached. */
export type ParamGroupSpecs<H = AnyOptimizerOptions> = GroupSpec<H>[] & { readonly report: GroupsReport };

/** Thrown when rules or options are wrong; `problems` lists every problem found (the message has them all). */
export class ParamGroupRulesError extends ParamGroupError {
  readonly problems: readonly string[];
  constructor(op: string, problems: readonly string[]) {
    const body = problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`;
    super(body, { op });
    this.problems = problems;
  }
}

const OPTION_KEYS = ['defaults', 'optimizer', 'strict', 'frozen', 'merge', 'defaultGroup', 'onWarning'] as const;

interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly selection: CompiledSelector | undefined;
  readonly selected: Set<ParamEntry>;
  readonly partOf: Map<ParamEntry, number>;
  readonly numParts: number;
  readonly sets: readonly (readonly [string, unknown])[];
  readonly mults: readonly (readonly [string, number])[];
  readonly spread: readonly (readonly [string, number[], boolean])[];
  readonly layerDecay: { readonly key: string; readonly rate: number; readonly floor: number; readonly depths: Depths } | undefined;
  readonly replace: boolean;
  /** Sets nothing: only names a group. */
  readonly naming: boolean;
}

/** The schema rules are checked against: the optimizer class's hyperparameters when given. */
export function schemaFor(optimizer: unknown, op: string): HyperSchema {
  if (optimizer === undefined) return anySchema();
  if (typeof optimizer !== 'function') {
    throw new ArgumentTypeError(`options.optimizer must be an optimizer class such as optim.AdamW, got ${describeValue(optimizer)}`, { op });
  }
  const schema = optimizerSchema(optimizer);
  if (schema !== undefined) return schema;
  const name = (optimizer as { name?: string }).name || 'the optimizer';
  return { ...anySchema(), source: `${name} (taken as any kindling optimizer)` };
}

function defaultName(rule: Readonly<Record<string, unknown>>, sel: CompiledSelector | undefined, i: number): string {
  if (rule.parts !== undefined) return `parts#${i}`;
  return sel?.label ?? `rule ${i}`;
}

/**
 * Builds optimizer parameter groups from rules. Returns group specs (with
 * parameter names) that any kindling optimizer accepts, with a report attached
 * as `specs.report`. Nothing is changed on the model.
 *
 * ```ts
 * const specs = optim.paramGroups<optim.AdamWOptions>(model, [
 *   { name: 'backbone', select: model.backbone, lrMult: 0.1 },
 *   { name: 'noDecay', select: optim.noDecay, weightDecay: 0 },
 * ], { defaults: { lr: 1e-3, weightDecay: 0.05 } });
 * const opt = new optim.AdamW(specs, { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export function paramGroups<C extends OptimizerClass>(
  model: ModuleLike,
  rules: readonly NoInfer<Rule<OptionsOf<C>>>[],
  options: ParamGroupsOptions<OptionsOf<C>> & { readonly optimizer: C; readonly defaults?: NoInfer<Partial<OptionsOf<C>>> },
): ParamGroupSpecs<OptionsOf<C>>;
export function paramGroups<H extends object = AnyOptimizerOptions>(
  model: ModuleLike,
  rules: readonly NoInfer<Rule<H>>[],
  // NOTE: no `optimizer` here, so that a misspelt key with `{ optimizer }` cannot fall through to this overload.
  options?: ParamGroupsOptions<H> & { readonly optimizer?: undefined; readonly defaults?: NoInfer<Partial<H>> },
): ParamGroupSpecs<H>;
export function paramGroups(model: ModuleLike, rules: readonly unknown[], options: ParamGroupsOptions<unknown> = {}): ParamGroupSpecs {
  return buildGroups(model, rules, options, 'optim.paramGroups');
}

/** The untyped core of {@link paramGroups} (also used by `addGroup`). */
export function buildGroups(model: ModuleLike, rules: readonly unknown[], options: ParamGroupsOptions<unknown>, op: string): ParamGroupSpecs {
  const problems: string[] = [];
  if (!Array.isArray(rules)) {
    throw new ArgumentTypeError(`rules must be an array of rules, got ${describeValue(rules)}`, { op, hint: "e.g. [{ select: 'head.**', lr: 1e-3 }]" });
  }
  if (typeof options !== 'object' || options === null) throw new ArgumentTypeError(`options must be an object, got ${describeValue(options)}`, { op });
  for (const k of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(k)) {
      const hint = nearest(k, OPTION_KEYS);
      problems.push(`unknown option ${q(k)}${hint ? ` (did you mean ${q(hint)}?)` : ''}; options are ${OPTION_KEYS.join(', ')}`);
    }
  }
  const strict = normStrict(options.strict, problems);
  if (options.frozen !== undefined && options.frozen !== 'exclude' && options.frozen !== 'include') problems.push(`options.frozen must be 'exclude' or 'include', got ${describeValue(options.frozen)}`);
  if (options.merge !== undefined && options.merge !== 'values' && options.merge !== 'none') problems.push(`options.merge must be 'values' or 'none', got ${describeValue(options.merge)}`);
  if (options.defaultGroup !== undefined && (typeof options.defaultGroup !== 'string' || options.defaultGroup === '')) problems.push(`options.defaultGroup must be a non-empty string, got ${describeValue(options.defaultGroup)}`);
  const schema = schemaFor(options.optimizer, op);
  validateDefaults(options.defaults, schema, problems);
  const where = (r: unknown, i: number): string => {
    const n = typeof r === 'object' && r !== null ? (r as { name?: unknown }).name : undefined;
    return typeof n === 'string' && n !== '' ? `rule ${q(n)}` : `rule ${i}`;
  };
  const valid = rules.map((r, i) => validateRule(r, schema, where(r, i), problems));
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    const n = (r as { name?: unknown } | null)?.name;
    if (typeof n !== 'string') return;
    if (seen.has(n)) problems.push(`rules ${seen.get(n)} and ${i} are both named ${q(n)}; rule names identify groups, so they must be unique`);
    else seen.set(n, i);
  });
  const index = indexModel(model, op);
  const defaults = (options.defaults ?? {}) as Record<string, unknown>;
  // NOTE: selectors are compiled even for rules with other problems, so that
  // a config's typos in keys and in module paths are all reported at once.
  const compiled = compileRules(rules as Readonly<Record<string, unknown>>[], valid, index, schema, problems, where);
  if (problems.length > 0) throw new ParamGroupRulesError(op, problems);
  return evaluate(index, compiled, defaults, schema, strict, options, op, rules as Readonly<Record<string, unknown>>[]);
}

function normStrict(s: unknown, problems: string[]): Required<StrictOptions> {
  if (s === undefined) return { unselected: false, emptyRules: true };
  if (s === true || s === false) return { unselected: s, emptyRules: s };
  if (typeof s === 'object' && s !== null && !Array.isArray(s)) {
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'unselected' && k !== 'emptyRules') problems.push(`options.strict has no key ${q(k)}; it takes unselected and emptyRules`);
    return { unselected: o.unselected === true, emptyRules: o.emptyRules !== false };
  }
  problems.push(`options.strict must be true, false or { unselected, emptyRules }, got ${describeValue(s)}`);
  return { unselected: false, emptyRules: true };
}

function compileRules(
  rules: Readonly<Record<string, unknown>>[], valid: readonly boolean[], index: ModelIndex, schema: HyperSchema, problems: string[],
  where: (r: unknown, i: number) => string,
): CompiledRule[] {
  const out: CompiledRule[] = [];
  const usedNames = new Set(rules.map((r) => r?.name).filter((n): n is string => typeof n === 'string'));
  rules.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return;
    const w = where(r, i);
    if (!valid[i]) {
      // Only look for more problems in its selectors.
      if (r.select !== undefined) compileSelection(r.select, index, `${w}.select`, problems);
      if (r.exclude !== undefined) compileSelection(r.exclude, index, `${w}.exclude`, problems);
      if (Array.isArray(r.parts)) r.parts.forEach((p, j) => compileSelection(p, index, `${w}.parts[${j}]`, problems));
      return;
    }
    const selection = r.select === undefined ? undefined : compileSelection(r.select, index, `${w}.select`, problems);
    const exclude = r.exclude === undefined ? undefined : compileSelection(r.exclude, index, `${w}.exclude`, problems);
    const partSels = Array.isArray(r.parts) ? r.parts.map((p, j) => compileSelection(p, index, `${w}.parts[${j}]`, problems)) : [];
    let name = typeof r.name === 'string' ? r.name : defaultName(r, selection, i);
    if (typeof r.name !== 'string' && usedNames.has(name)) name = `${name}#${i}`;
    usedNames.add(name);

    const selected = new Set<ParamEntry>();
    const partOf = new Map<ParamEntry, number>();
    const ok = (selection !== undefined || r.select === undefined) && (exclude !== undefined || r.exclude === undefined) && partSels.every((p) => p !== undefined);
    if (ok) {
      for (const e of index.params) {
        if (exclude?.test(e)) continue;
        if (selection !== undefined) {
          if (selection.test(e)) selected.add(e);
          continue;
        }
        const hits = partSels.flatMap((p, j) => (p!.test(e) ? [j] : []));
        if (hits.length > 1) problems.push(`${w}: ${q(e.name)} is in parts ${hits.join(' and ')}; each parameter may be in one part only`);
        if (hits.length >= 1) {
          selected.add(e);
          partOf.set(e, hits[0]!);
        }
      }
      partSels.forEach((p, j) => {
        if (![...partOf.values()].includes(j)) problems.push(`${w}: parts[${j}] (${p!.label}) selects no parameter`);
      });
    }

    const sets: [string, unknown][] = [];
    const mults: [string, number][] = [];
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined) continue;
      const base = multKey(k, schema);
      if (base !== undefined) mults.push([base, v as number]);
      else if (schema.keys.includes(k)) sets.push([k, v]);
    }
    const spread: [string, number[], boolean][] = [];
    if (r.spread !== undefined && partSels.length > 0) {
      for (const [k, v] of Object.entries(r.spread as Record<string, SpreadValue>)) {
        const base = multKey(k, schema);
        spread.push([base ?? k, spreadValues(v, partSels.length), base !== undefined]);
      }
    }
    let layerDecay: CompiledRule['layerDecay'];
    if (r.layerDecay !== undefined) {
      const ld = r.layerDecay as { rate: number; floor?: number; key?: string };
      const depths = inferDepths(index, r.layerDecay as never, `${w}.layerDecay`, problems);
      if (depths) layerDecay = { key: ld.key ?? 'lr', rate: ld.rate, floor: ld.floor ?? 0, depths };
    }
    const naming = sets.length === 0 && mults.length === 0 && spread.length === 0 && layerDecay === undefined;
    out.push({
      index: i, name, raw: r, selection, selected, partOf, numParts: partSels.length,
      sets, mults, spread, layerDecay, replace: r.mode === 'replace', naming,
    });
  });
  return out;
}

interface Evaluated {
  readonly entry: ParamEntry;
  readonly traces: Map<string, { value: unknown; steps: ValueStep[] }>;
  readonly rules: CompiledRule[];
  /** Labels for naming: [rule index, rule name, suffix number or undefined]. */
  readonly labels: [number, string, number | undefined][];
  /** What keeps it apart from equal-valued parameters (naming rules, parts). */
  readonly keep: string[];
  optimizer: string | undefined;
}

function evaluate(
  index: ModelIndex, rules: CompiledRule[], defaults: Record<string, unknown>, schema: HyperSchema,
  strict: Required<StrictOptions>, options: ParamGroupsOptions<unknown>, op: string,
  rawRules: Readonly<Record<string, unknown>>[],
): ParamGroupSpecs {
  const problems: string[] = [];
  const warnings: string[] = [];
  const includeFrozen = options.frozen === 'include';
  const frozen = index.params.filter((e) => !e.param.requiresGrad);
  const active = index.params.filter((e) => e.param.requiresGrad || includeFrozen);

  // Rules that select nothing.
  const emptyRules: { rule: string; nearest: string[] }[] = [];
  for (const r of rules) {
    if (r.numParts > 0 || r.selected.size > 0) continue;
    const near = r.selection?.suggest(index) ?? [];
    const msg = `rule ${q(r.name)} selects no parameter${r.selection ? ` (select: ${r.selection.label})` : ''}${near.length ? `; nearest: ${near.join(', ')}` : ''}`;
    emptyRules.push({ rule: r.name, nearest: near });
    if (r.raw.optional === true) continue;
    if (strict.emptyRules) problems.push(msg);
    else warnings.push(msg);
  }

  const evals: Evaluated[] = [];
  const overrides = new Map<string, { key: string; rule: string; replaced: Set<string>; params: string[] }>();
  const replaceBy = new Map<string, string>();
  for (const e of active) {
    const traces = new Map<string, { value: unknown; steps: ValueStep[] }>();
    // NOTE: options.defaults are the default optimizer's values: a parameter a rule routes to another optimizer
    // does not take them (AdamW's decoupled weightDecay would be SGD's L2 term there); its rules' values and
    // that optimizer's own options fill it.
    const route = rules.filter((r) => r.selected.has(e) && typeof r.raw.optimizer === 'string').at(-1)?.raw.optimizer as string | undefined;
    const base = route === undefined ? defaults : {};
    for (const [k, v] of Object.entries(base)) traces.set(k, { value: v, steps: [{ kind: 'base', value: v }] });
    const ev: Evaluated = { entry: e, traces, rules: [], labels: [], keep: [], optimizer: undefined };
    const noBase = (k: string): string => route === undefined
      ? `pass options.defaults.${k} (the ${k} the optimizer gets)`
      : `it is routed to optimizer ${q(route)}, which does not take options.defaults (they are the default optimizer's): set ${k} in the rule`;
    for (const r of rules) {
      if (!r.selected.has(e)) continue;
      ev.rules.push(r);
      if (typeof r.raw.optimizer === 'string') ev.optimizer = r.raw.optimizer;
      const part = r.partOf.get(e);
      let suffix: number | undefined = part;
      const replacedHere = new Set<string>();
      const noteOverride = (k: string): void => {
        const earlier = [...new Set(traces.get(k)?.steps.filter((s) => s.rule !== undefined && s.rule !== r.name).map((s) => s.rule!) ?? [])];
        if (earlier.length === 0) return;
        const key = `${k}\u0000${r.name}\u0000${earlier.join('\u0000')}`;
        const o = overrides.get(key) ?? { key: k, rule: r.name, replaced: new Set(earlier), params: [] };
        o.params.push(e.name);
        overrides.set(key, o);
      };
      const set = (k: string, v: unknown, kind: ValueStep['kind'], detail?: string): void => {
        noteOverride(k);
        traces.set(k, { value: v, steps: [{ kind, rule: r.name, value: v, ...(detail ? { detail } : {}) }] });
      };
      const mult = (k: string, f: number, kind: ValueStep['kind'], detail?: string): void => {
        const baseValue = base[k];
        // NOTE: a replace rule replaces a key once; its further factors on that key (lrMult, then layerDecay) compose.
        if (r.replace && !replacedHere.has(k)) {
          replacedHere.add(k);
          const prior = replaceBy.get(`${e.name}\u0000${k}`);
          if (prior !== undefined && prior !== r.name) {
            problems.push(`rules ${q(prior)} and ${q(r.name)} both replace ${k} on ${q(e.name)}; only one replace rule may set a key on a parameter (make one of them compose, or narrow its select)`);
          }
          replaceBy.set(`${e.name}\u0000${k}`, r.name);
          if (typeof baseValue !== 'number') {
            problems.push(`rule ${q(r.name)} replaces ${k} with a multiple of the base ${k}, but there is no base ${k}; ${noBase(k)}`);
            return;
          }
          noteOverride(k);
          traces.set(k, { value: baseValue * f, steps: [{ kind: 'base', value: baseValue }, { kind, rule: r.name, factor: f, detail: detail ? `${detail}, replace` : 'replace' }] });
          return;
        }
        const cur = traces.get(k);
        if (cur === undefined || typeof cur.value !== 'number') {
          problems.push(
            `rule ${q(r.name)} multiplies ${k} of ${q(e.name)}, but it has no ${k} to multiply; ` +
            (route === undefined ? `${noBase(k)} or set ${k} in an earlier rule` : noBase(k)),
          );
          return;
        }
        traces.set(k, { value: cur.value * f, steps: [...cur.steps, { kind, rule: r.name, factor: f, ...(detail ? { detail } : {}) }] });
      };
      for (const [k, v] of r.sets) set(k, v, 'set');
      for (const [k, f] of r.mults) mult(k, f, 'mult');
      if (part !== undefined) {
        for (const [k, values, isMult] of r.spread) {
          const detail = `part ${part} of ${r.numParts}`;
          if (isMult) mult(k, values[part]!, 'spread', detail);
          else set(k, values[part]!, 'spread', detail);
        }
        // NOTE: parts are explicit groups (fastai's are positional), so equal values do not merge them.
        ev.keep.push(`${r.index}:${part}`);
      }
      if (r.layerDecay) {
        const { key, rate, floor, depths } = r.layerDecay;
        const d = depths.depth.get(e)!;
        const f = decayFactor(rate, floor, d, depths.maxDepth);
        mult(key, f, 'layerDecay', `depth ${d} of ${depths.maxDepth}`);
        suffix = d;
      }
      if (r.naming) ev.keep.push(String(r.index));
      ev.labels.push([r.index, r.name, suffix]);
    }
    evals.push(ev);
  }

  const unselected = evals.filter((ev) => ev.rules.length === 0).map((ev) => ev.entry.name);
  if (strict.unselected && unselected.length > 0) {
    problems.push(
      `${unselected.length} trainable parameter${unselected.length > 1 ? 's' : ''} selected by no rule (strict): ${listNames(unselected, 8)}; ` +
      "add a rule for them, or a last catch-all rule such as { name: 'rest', select: '**' }",
    );
  }
  const groupName = options.defaultGroup ?? 'default';
  const clash = rules.find((r) => r.name === groupName);
  if (clash !== undefined && unselected.length > 0) {
    problems.push(
      `rule ${clash.index} is named ${q(groupName)}, the name of the group of the parameters no rule selected (${listNames(unselected, 3)}); ` +
      'rename the rule, or give that group another name with options.defaultGroup',
    );
  }
  if (problems.length > 0) throw new ParamGroupRulesError(op, problems);
  if (evals.length === 0) {
    warnings.push(`the model has no ${includeFrozen ? '' : 'trainable '}parameter, so there are no groups${frozen.length ? ` (${frozen.length} frozen: ${listNames(frozen.map((e) => e.name))})` : ''}`);
  }

  // Merge into groups, in order of first parameter.
  const byKey = new Map<string, Evaluated[]>();
  evals.forEach((ev, i) => {
    const values = [...ev.traces].map(([k, t]) => [k, t.value]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
    const key = options.merge === 'none' ? `#${i}` : JSON.stringify([values, ev.optimizer ?? null, ev.keep]);
    const list = byKey.get(key);
    if (list) list.push(ev);
    else byKey.set(key, [ev]);
  });
  const keyOrder = orderKeys(defaults, rules);
  const specs: GroupSpec[] = [];
  const names = new Map<string, number>();
  const groupOf = new Map<ParamEntry, string>();
  const reportGroups: ReportGroup[] = [];
  const baseLr = defaults.lr;
  for (const members of byKey.values()) {
    let name = nameGroup(members, groupName);
    const n = names.get(name) ?? 0;
    names.set(name, n + 1);
    if (n > 0) name = `${name}#${n + 1}`;
    const first = members[0]!;
    const values: Record<string, unknown> = {};
    for (const k of keyOrder) if (first.traces.has(k)) values[k] = first.traces.get(k)!.value;
    const spec: GroupSpec = { params: members.map((m): NamedParam => [m.entry.name, m.entry.param]), name, ...values };
    const lrMult = lrMultOf(first.traces.get('lr'), baseLr);
    if (lrMult !== undefined) spec.lrMult = lrMult;
    if (first.optimizer !== undefined) spec.optimizer = first.optimizer;
    specs.push(spec);
    for (const m of members) groupOf.set(m.entry, name);
    const ruleNames = [...new Set(members.flatMap((m) => m.rules.map((r) => r.name)))];
    reportGroups.push({
      name, rules: ruleNames, params: members.map((m) => m.entry.name),
      numel: members.reduce((s, m) => s + m.entry.param.numel, 0), values,
    });
  }

  // Reports.
  const overlaps = new Map<string, { rules: string[]; params: string[]; contributions: Record<string, string> }>();
  for (const ev of evals) {
    const contributing = ev.rules.filter((r) => !r.naming);
    if (contributing.length < 2) continue;
    const key = contributing.map((r) => r.name).join('\u0000');
    const o = overlaps.get(key) ?? { rules: contributing.map((r) => r.name), params: [], contributions: Object.fromEntries(contributing.map((r) => [r.name, describeContribution(r)])) };
    o.params.push(ev.entry.name);
    overlaps.set(key, o);
  }
  const tied = index.params.filter((e) => e.sites.length > 1).map((e) => ({ names: e.sites.map((s) => s.name), group: groupOf.get(e) ?? null }));
  const report: GroupsReport = {
    groups: reportGroups,
    unselected,
    frozen: { names: frozen.map((e) => e.name), included: includeFrozen },
    tied,
    emptyRules,
    overlaps: [...overlaps.values()],
    layerDecay: rules.flatMap((r) => (r.layerDecay ? [{ rule: r.name, blocks: r.layerDecay.depths.stacks, numBlocks: r.layerDecay.depths.numBlocks, maxDepth: r.layerDecay.depths.maxDepth }] : [])),
    overridden: [...overrides.values()].map((o) => ({ key: o.key, rule: o.rule, replaced: [...o.replaced], params: o.params })),
    warnings,
  };
  const warn = options.onWarning === undefined ? (m: string) => console.warn(`${op}: ${m}`) : options.onWarning;
  if (warn) for (const w of warnings) warn(w);

  // Remember how every value came about.
  const records = new Map<Tensor, ParamRecord>();
  const selections = new Map<string, Tensor[]>(rules.map((r) => [r.name, [...r.selected].map((e) => e.param)]));
  const plan: Plan = {
    model: index, rules: rawRules, ruleNames: rules.map((r) => r.name), defaults, schema, records, selections,
    options: options as Record<string, unknown>,
  };
  for (const ev of evals) {
    const traces: Record<string, ValueTrace> = {};
    for (const k of keyOrder) if (ev.traces.has(k)) traces[k] = ev.traces.get(k)!;
    records.set(ev.entry.param, {
      name: ev.entry.name, aliases: ev.entry.sites.map((s) => s.name), group: groupOf.get(ev.entry)!,
      rules: ev.rules.map((r) => r.name), traces, frozen: !ev.entry.param.requiresGrad, plan,
    });
  }
  const result = specs as ParamGroupSpecs;
  Object.defineProperty(result, 'report', { value: report, enumerable: false });
  registerPlan(result, specs, plan);
  Object.defineProperty(result, SPEC_DEFAULTS, { value: Object.freeze({ ...defaults }) });
  return result;
}

function lrMultOf(trace: { value: unknown; steps: readonly ValueStep[] } | undefined, baseLr: unknown): number | undefined {
  if (trace === undefined || typeof trace.value !== 'number' || typeof baseLr !== 'number' || baseLr <= 0) return undefined;
  // NOTE: when the lr is base × factors, the product of the factors is the
  // exact multiplier; dividing would add a rounding error (0.1 → 0.10000000000000002).
  if (trace.steps[0]?.kind === 'base' && trace.steps.slice(1).every((s) => s.factor !== undefined)) {
    return trace.steps.slice(1).reduce((p, s) => p * s.factor!, 1);
  }
  return trace.value / baseLr;
}

/** Keys in a stable order: the defaults' order, then each key in order of the first rule that sets it. */
function orderKeys(defaults: Record<string, unknown>, rules: readonly CompiledRule[]): string[] {
  const keys = Object.keys(defaults);
  const add = (k: string): void => {
    if (!keys.includes(k)) keys.push(k);
  };
  for (const r of rules) {
    for (const [k] of r.sets) add(k);
    for (const [k] of r.mults) add(k);
    for (const [k] of r.spread) add(k);
    if (r.layerDecay) add(r.layerDecay.key);
  }
  return keys;
}

function nameGroup(members: readonly Evaluated[], fallback: string): string {
  const byRule = new Map<number, { name: string; suffixes: Set<number> }>();
  for (const m of members) {
    for (const [i, name, suffix] of m.labels) {
      const r = byRule.get(i) ?? { name, suffixes: new Set<number>() };
      if (suffix !== undefined) r.suffixes.add(suffix);
      byRule.set(i, r);
    }
  }
  if (byRule.size === 0) return fallback;
  return [...byRule.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { name, suffixes }]) => (suffixes.size === 0 ? name : `${name}[${fmtSuffixes([...suffixes].sort((a, b) => a - b))}]`))
    .join('+');
}

function fmtSuffixes(s: number[]): string {
  if (s.length === 1) return String(s[0]);
  const contiguous = s.every((x, i) => i === 0 || x === s[i - 1]! + 1);
  return contiguous ? `${s[0]}..${s[s.length - 1]}` : s.join(',');
}

function describeContribution(r: CompiledRule): string {
  const parts: string[] = [];
  for (const [k, v] of r.sets) parts.push(`${k} = ${JSON.stringify(v)}`);
  for (const [k, f] of r.mults) parts.push(`${k} ×${f}${r.replace ? ' (replace)' : ''}`);
  for (const [k, , isMult] of r.spread) parts.push(`${k} ${isMult ? '× spread' : 'spread'}`);
  if (r.layerDecay) parts.push(`${r.layerDecay.key} × layerDecay ${r.layerDecay.rate}`);
  return parts.join(', ');
}
