/**
 * `describeGroups(optimizer | specs)`: which parameter is in which group, with
 * which values, and which rule set each value — as a terminal table, stable
 * JSON and Markdown.
 */
import { ArgumentTypeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { describeValue } from './model-index.js';
import { MultiOptimizer } from './multi-optimizer.js';
import { planOf, recordOf, type ParamRecord, type ValueTrace } from './registry.js';
import { fmtNum, fmtValue, q } from './util.js';

/** A group as described. */
export interface DescribedGroup {
  readonly name: string;
  readonly params: readonly string[];
  readonly numel: number;
  /** Every hyperparameter of the group (keys sorted). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The optimizer the group is routed to (groups of a `MultiOptimizer`, or specs whose rules route them). */
  readonly optimizer?: string;
}

/** One value of one parameter, and why it is what it is. */
export interface DescribedValue {
  readonly value: unknown;
  /** `2.4e-4 = 1e-3 × layerDecay 0.2373 (rule "layers", depth 3 of 5)`. */
  readonly why: string;
}

/** A parameter as described. */
export interface DescribedParam {
  readonly name: string;
  readonly group: string;
  /** Other names of a tied/shared parameter. */
  readonly aliases: readonly string[];
  readonly frozen: boolean;
  readonly values: Readonly<Record<string, DescribedValue>>;
}

/** Keys of a group that are not hyperparameters. */
const NON_HYPER = new Set(['params', 'name', 'paramNames', 'optimizer']);

type GroupLike = { params?: unknown; name?: unknown; paramNames?: unknown; optimizer?: unknown } & Record<string, unknown>;

/** The explanation `describeGroups` returns: data plus three renderings. */
export class GroupsDescription {
  constructor(
    readonly groups: readonly DescribedGroup[],
    readonly params: readonly DescribedParam[],
  ) {}

  /** A plain object with sorted keys (what `json()` prints). */
  toJSON(): { groups: DescribedGroup[]; params: DescribedParam[] } {
    return sortKeys({ groups: this.groups, params: this.params }) as { groups: DescribedGroup[]; params: DescribedParam[] };
  }

  /** Stable JSON (sorted keys, two-space indent) for snapshot tests and logs. */
  json(): string {
    return JSON.stringify(this.toJSON(), null, 2);
  }

  /**
   * The terminal table (also `String(description)`): one row per group with
   * the values that differ between groups (those the same in every group are
   * listed once below it), then one line per parameter with each value and
   * the rule that set it.
   */
  table(): string {
    const { keys, same } = splitKeys(this.groups);
    const routed = this.groups.some((g) => g.optimizer !== undefined);
    const head = ['group', 'params', 'elements', ...(routed ? ['optimizer'] : []), ...keys];
    const rows = this.groups.map((g) => [
      g.name, String(g.params.length), g.numel.toLocaleString('en-US'), ...(routed ? [g.optimizer ?? '-'] : []),
      ...keys.map((k) => (k in g.values ? fmtValue(g.values[k]) : '-')),
    ]);
    const out = [alignRows([head, ...rows]).join('\n')];
    if (same.length > 0) out.push(`every group: ${same.map(([k, v]) => `${k} ${fmtValue(v)}`).join(', ')}`);
    out.push('');
    const w = Math.max(...this.params.map((p) => p.name.length + (p.frozen ? 9 : 0)), 9);
    for (const p of this.params) {
      const label = (p.frozen ? `${p.name} (frozen)` : p.name).padEnd(w);
      const alias = p.aliases.length ? ` [also ${p.aliases.join(', ')}]` : '';
      out.push(`${label}  ${p.group}: ${explainValues(p)}${alias}`);
    }
    return out.join('\n');
  }

  /** Two Markdown tables: the groups (as in {@link table}), then the parameters with the reason for each value. */
  markdown(): string {
    const { keys, same } = splitKeys(this.groups);
    const routed = this.groups.some((g) => g.optimizer !== undefined);
    const esc = (s: string): string => s.replace(/\|/g, '\\|');
    const cols = [...(routed ? ['optimizer'] : []), ...keys];
    const lines = [
      `| ${['group', 'params', 'elements', ...cols].join(' | ')} |`,
      `|---|---:|---:|${cols.map(() => '---|').join('')}`,
      ...this.groups.map((g) => `| ${[esc(g.name), g.params.length, g.numel, ...(routed ? [esc(g.optimizer ?? '-')] : []), ...keys.map((k) => (k in g.values ? esc(fmtValue(g.values[k])) : '-'))].join(' | ')} |`),
      ...(same.length > 0 ? ['', `Every group: ${same.map(([k, v]) => `${k} ${esc(fmtValue(v))}`).join(', ')}.`] : []),
      '',
      '| parameter | group | values |',
      '|---|---|---|',
      ...this.params.map((p) => `| \`${p.name}\`${p.frozen ? ' (frozen)' : ''} | ${esc(p.group)} | ${esc(explainValues(p))} |`),
    ];
    return lines.join('\n');
  }

  toString(): string {
    return this.table();
  }
}

/**
 * The value keys, sorted, split into those that differ between groups (the
 * table's columns) and those every group has with one value (listed once).
 * With a single group every key is a column.
 */
function splitKeys(groups: readonly DescribedGroup[]): { keys: string[]; same: [string, unknown][] } {
  const all = new Set<string>();
  for (const g of groups) for (const k of Object.keys(g.values)) all.add(k);
  const keys: string[] = [];
  const same: [string, unknown][] = [];
  for (const k of [...all].sort()) {
    const first = groups[0]!.values[k];
    if (groups.length > 1 && groups.every((g) => k in g.values && sameValue(g.values[k], first))) same.push([k, first]);
    else keys.push(k);
  }
  return { keys, same };
}

function alignRows(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

function explainValues(p: DescribedParam): string {
  return Object.entries(p.values).map(([k, v]) => `${k} ${v.why}`).join('; ');
}

/** `1e-4 = 1e-3 × 0.1 (rule "backbone")`, from the steps that made a value. */
export function explainTrace(t: ValueTrace): string {
  const steps = t.steps;
  const ruleNote = (rule: string | undefined, detail: string | undefined): string =>
    rule === undefined ? '' : ` (rule ${q(rule)}${detail ? `, ${detail}` : ''})`;
  if (steps.length === 1) {
    const s = steps[0]!;
    if (s.kind === 'base') return `${fmtValue(s.value)} (default)`;
    return `${fmtValue(s.value)}${ruleNote(s.rule, s.kind === 'spread' ? `spread ${s.detail}` : s.detail)}`;
  }
  const terms = steps.map((s, i) => {
    if (s.kind === 'base') return fmtValue(s.value);
    if (s.kind === 'set' || (s.kind === 'spread' && s.factor === undefined)) return `${fmtValue(s.value)}${ruleNote(s.rule, s.kind === 'spread' ? `spread ${s.detail}` : s.detail)}`;
    const what = s.kind === 'layerDecay' ? `layerDecay ${fmtNum(s.factor!)}` : s.kind === 'spread' ? `spread ${fmtNum(s.factor!)}` : fmtNum(s.factor!);
    return `${i === 0 ? '' : '× '}${what}${ruleNote(s.rule, s.detail)}`;
  });
  return `${fmtValue(t.value)} = ${terms.join(' ')}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return Object.is(a, b) || a === b;
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
  if (x instanceof Tensor) return `Tensor[${x.shape.join(', ')}]`;
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  }
  return x;
}

function paramsOf(g: GroupLike, where: string): { name: string | undefined; param: Tensor }[] {
  const ps = g.params;
  if (!Array.isArray(ps)) throw new ArgumentTypeError(`${where} has no params array`, { op: 'optim.describeGroups' });
  const names = Array.isArray(g.paramNames) ? (g.paramNames as unknown[]) : undefined;
  return ps.map((p: unknown, j) => {
    if (p instanceof Tensor) return { name: typeof names?.[j] === 'string' ? (names[j] as string) : undefined, param: p };
    if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && p[1] instanceof Tensor) return { name: p[0], param: p[1] };
    throw new ArgumentTypeError(`${where}.params[${j}] is ${describeValue(p)}, not a parameter or a [name, parameter] pair`, { op: 'optim.describeGroups' });
  });
}

/**
 * Explains groups: an optimizer's live groups (current values, e.g. after a
 * scheduler moved the lr) or the specs `paramGroups` returned. For parameters
 * placed by `paramGroups`, each value comes with the rules that made it; a
 * value changed since (by a scheduler or by hand) says so.
 *
 * Groups built by hand (`[{ params: model.base.parameters() }, …]`) carry
 * no names: pass `{ model }` to name their parameters as the model does, and
 * each value says whether the group set it or took the optimizer's default.
 *
 * ```ts
 * console.log(String(optim.describeGroups(opt)));
 * console.log(String(optim.describeGroups(handBuiltOpt, { model })));
 * expect(optim.describeGroups(specs).json()).toMatchSnapshot();
 * ```
 */
export function describeGroups(
  source: { readonly paramGroups: readonly object[] } | readonly object[],
  options: DescribeOptions = {},
): GroupsDescription {
  let groups: readonly GroupLike[];
  if (Array.isArray(source)) groups = source as GroupLike[];
  else if (typeof source === 'object' && source !== null && Array.isArray((source as { paramGroups?: unknown }).paramGroups)) {
    groups = (source as { paramGroups: GroupLike[] }).paramGroups;
  } else {
    throw new ArgumentTypeError(`expected an optimizer or an array of group specs, got ${describeValue(source)}`, {
      op: 'optim.describeGroups',
      hint: 'pass the optimizer, or what optim.paramGroups returned',
    });
  }
  const plan = Array.isArray(source) ? planOf(source) : undefined;
  const modelNames = new Map<Tensor, string>();
  if (options.model !== undefined) {
    for (const [n, p] of options.model.namedParameters()) if (!modelNames.has(p)) modelNames.set(p, n);
  }
  const defaults = Array.isArray(source) ? undefined : (source as { defaults?: unknown }).defaults;
  const origin: ValueOrigin = {
    groupLabel: '',
    defaults: typeof defaults === 'object' && defaults !== null ? (defaults as Record<string, unknown>) : undefined,
  };
  const outGroups: DescribedGroup[] = [];
  const outParams: DescribedParam[] = [];
  groups.forEach((g, i) => {
    if (typeof g !== 'object' || g === null) {
      throw new ArgumentTypeError(`group ${i} is ${describeValue(g)}, not a group`, { op: 'optim.describeGroups' });
    }
    const gname = typeof g.name === 'string' ? g.name : `group ${i}`;
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) if (!NON_HYPER.has(k) && v !== undefined) values[k] = v;
    const ps = paramsOf(g, `group ${q(gname)}`);
    const names: string[] = [];
    let numel = 0;
    for (const { name, param } of ps) {
      const rec = lookup(param, plan);
      const pname = name ?? rec?.name ?? modelNames.get(param) ?? `${gname}.params[${names.length}]`;
      names.push(pname);
      numel += param.numel;
      outParams.push({
        name: pname,
        group: gname,
        aliases: (rec?.aliases ?? []).filter((a) => a !== pname),
        frozen: !param.requiresGrad,
        values: describeParamValues(rec, values, { ...origin, groupLabel: typeof g.name === 'string' ? `group ${q(g.name)}` : gname }),
      });
    }
    const optimizer = source instanceof MultiOptimizer ? source.optimizerOf(g) : typeof g.optimizer === 'string' ? g.optimizer : undefined;
    outGroups.push({ name: gname, params: names, numel, values, ...(optimizer !== undefined ? { optimizer } : {}) });
  });
  return new GroupsDescription(outGroups, outParams);
}

function lookup(param: Tensor, plan: ReturnType<typeof planOf>): ParamRecord | undefined {
  return plan?.records.get(param) ?? recordOf(param);
}

/** Options of {@link describeGroups}. */
export interface DescribeOptions {
  /** The model the parameters belong to: names parameters of hand-built groups as `model.namedParameters()` does. */
  readonly model?: { namedParameters(): Iterable<readonly [string, Tensor]> };
}

/** What a hand-built group's value can be compared with to say where it came from. */
interface ValueOrigin {
  readonly groupLabel: string;
  /** The optimizer's defaults (its constructor options filled with its own defaults); absent for bare specs. */
  readonly defaults: Record<string, unknown> | undefined;
}

function describeParamValues(rec: ParamRecord | undefined, groupValues: Record<string, unknown>, origin: ValueOrigin): Record<string, DescribedValue> {
  const out: Record<string, DescribedValue> = {};
  if (rec === undefined) {
    // No rule placed this parameter: say whether the group's value is the optimizer's default or its own.
    // NOTE: a group that sets a value equal to the default is shown as taking the default; the optimizer
    // keeps no record of which keys a spec gave, and the value is the same either way.
    for (const k of ['lr', 'weightDecay']) {
      if (!(k in groupValues)) continue;
      const v = groupValues[k];
      const d = origin.defaults?.[k];
      const why =
        origin.defaults === undefined ? `${fmtValue(v)} (given in the group spec)`
        : d !== undefined && sameValue(d, v) ? `${fmtValue(v)} (the optimizer's default)`
        : `${fmtValue(v)} (set by ${origin.groupLabel}; the optimizer's default is ${d === undefined ? 'none' : fmtValue(d)})`;
      out[k] = { value: v, why };
    }
    return out;
  }
  for (const [k, t] of Object.entries(rec.traces)) {
    if (!(k in groupValues) || sameValue(groupValues[k], t.value)) {
      out[k] = { value: t.value, why: explainTrace(t) };
    } else {
      out[k] = { value: groupValues[k], why: `${fmtValue(groupValues[k])} now (the rules gave ${explainTrace(t)})` };
    }
  }
  return out;
}
