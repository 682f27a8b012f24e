/**
 * Run-time checks of rules and options, for plain JavaScript and JSON configs
 * (TypeScript users get most of these at compile time). Every problem is
 * collected; the caller throws them together.
 */
import { nearest } from '../errors.js';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, ASGD, NAdam, RAdam, RMSprop, Rprop, SGD } from '../optim/index.js';
import { describeValue } from './model-index.js';
import { q } from './util.js';

/** The optimizers whose hyperparameters rules may set when no optimizer is named (LBFGS takes no groups). */
const GROUP_OPTIMIZERS: readonly unknown[] = [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop];

/** The keys of a rule that are not hyperparameters. */
export const RULE_META_KEYS = ['name', 'select', 'exclude', 'mode', 'optional', 'layerDecay', 'parts', 'spread', 'optimizer'] as const;
const LAYER_DECAY_KEYS = ['rate', 'floor', 'blocks', 'depth', 'maxDepth', 'key'] as const;

/** The hyperparameters rules may set: their names, kinds and which are numeric. */
export interface HyperSchema {
  /** Every settable key, in a stable order. */
  readonly keys: readonly string[];
  readonly numeric: ReadonlySet<string>;
  /** Each key's kind as the optimizer declares it (`'number'`, `'boolean'`, `'pair'` …). */
  readonly kinds: Readonly<Record<string, unknown>>;
  /** Where the keys came from, for messages (`AdamW`, `the known optimizers`). */
  readonly source: string;
}

/** An optimizer's own schema (each kindling optimizer class has a static `schema`). */
interface OptimSchemaLike {
  readonly optimizer: string;
  readonly keys: Readonly<Record<string, { readonly kind: unknown }>>;
}

function isOptimSchema(x: unknown): x is OptimSchemaLike {
  return typeof x === 'object' && x !== null && typeof (x as { optimizer?: unknown }).optimizer === 'string' &&
    typeof (x as { keys?: unknown }).keys === 'object' && (x as { keys?: unknown }).keys !== null;
}

function toSchema(schemas: readonly OptimSchemaLike[], source: string): HyperSchema {
  const kinds: Record<string, unknown> = {};
  for (const sc of schemas) for (const [k, spec] of Object.entries(sc.keys)) kinds[k] ??= spec.kind;
  const keys = Object.keys(kinds);
  return { keys, kinds, numeric: new Set(keys.filter((k) => kinds[k] === 'number' || kinds[k] === 'integer')), source };
}

/** The schema of all kindling optimizers that take groups, together. */
export function anySchema(): HyperSchema {
  return toSchema(GROUP_OPTIMIZERS.map((c) => (c as { schema: OptimSchemaLike }).schema), 'the hyperparameters of kindling optimizers');
}

/** The hyperparameters of an optimizer class (its static `schema`); undefined when it has none. */
export function optimizerSchema(cls: unknown): HyperSchema | undefined {
  const s = (cls as { schema?: unknown }).schema;
  return isOptimSchema(s) ? toSchema([s], s.optimizer) : undefined;
}

function checkValue(key: string, v: unknown, schema: HyperSchema, where: string, problems: string[]): void {
  if (schema.numeric.has(key)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${where}: ${key} must be a finite number, got ${describeValue(v)}`);
    return;
  }
  const kind = schema.kinds[key];
  if (kind === 'boolean' && typeof v !== 'boolean') problems.push(`${where}: ${key} must be true or false, got ${describeValue(v)}`);
  if (kind === 'pair' && !(Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    problems.push(`${where}: ${key} must be a pair of numbers, got ${JSON.stringify(v) ?? describeValue(v)}`);
  }
  const oneOf = typeof kind === 'object' && kind !== null ? (kind as { oneOf?: unknown }).oneOf : undefined;
  if (Array.isArray(oneOf) && !oneOf.includes(v)) problems.push(`${where}: ${key} must be one of ${oneOf.map((o) => JSON.stringify(o)).join(', ')}, got ${describeValue(v)}`);
}

/** `lrMult` → `lr` when `lr` is a numeric hyperparameter of the schema. */
export function multKey(key: string, schema: HyperSchema): string | undefined {
  if (!key.endsWith('Mult')) return undefined;
  const base = key.slice(0, -4);
  return schema.numeric.has(base) ? base : undefined;
}

/** Checks a `defaults` object: known keys, sensible values. */
export function validateDefaults(defaults: unknown, schema: HyperSchema, problems: string[]): void {
  if (defaults === undefined) return;
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) {
    problems.push(`options.defaults must be an object of hyperparameters, got ${describeValue(defaults)}`);
    return;
  }
  for (const [k, v] of Object.entries(defaults)) {
    if (!schema.keys.includes(k)) {
      const hint = nearest(k, schema.keys);
      problems.push(`options.defaults: unknown hyperparameter ${q(k)}${hint ? ` (did you mean ${q(hint)}?)` : ''}; valid keys are those of ${schema.source}`);
      continue;
    }
    checkValue(k, v, schema, 'options.defaults', problems);
  }
}

/** Checks one rule's shape and values; `where` is how messages name it (`rule "head"`, `rule 2`). */
export function validateRule(rule: unknown, schema: HyperSchema, where: string, problems: string[]): boolean {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    problems.push(`${where}: a rule is an object such as { select: 'head.**', lr: 1e-3 }, got ${describeValue(rule)}`);
    return false;
  }
  const r = rule as Record<string, unknown>;
  const before = problems.length;
  const valid = [...RULE_META_KEYS, ...schema.keys, ...[...schema.numeric].map((k) => `${k}Mult`)];
  for (const [k, v] of Object.entries(r)) {
    if ((RULE_META_KEYS as readonly string[]).includes(k)) continue;
    if (v === undefined) continue;
    const base = multKey(k, schema);
    if (base !== undefined) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${where}: ${k} must be a finite number ≥ 0, got ${describeValue(v)}`);
      if (r[base] !== undefined) problems.push(`${where}: sets both ${base} and ${k}; give one (an absolute ${base}, or a multiplier of the value so far)`);
      continue;
    }
    if (schema.keys.includes(k)) {
      checkValue(k, v, schema, where, problems);
      continue;
    }
    const hint = nearest(k, valid);
    const asMult = k.endsWith('Mult') && schema.keys.includes(k.slice(0, -4));
    problems.push(
      `${where}: unknown key ${q(k)}` +
      (asMult ? ` (${k.slice(0, -4)} is not numeric, so it has no multiplier)` : hint ? ` (did you mean ${q(hint)}?)` : '') +
      `; rules take ${RULE_META_KEYS.join(', ')}, the hyperparameters of ${schema.source}, and <numeric hyperparameter>Mult`,
    );
  }
  if (r.name !== undefined && (typeof r.name !== 'string' || r.name === '')) problems.push(`${where}: name must be a non-empty string, got ${describeValue(r.name)}`);
  if (r.mode !== undefined && r.mode !== 'compose' && r.mode !== 'replace') {
    problems.push(`${where}: mode must be 'compose' or 'replace', got ${describeValue(r.mode)}`);
  }
  if (r.optional !== undefined && typeof r.optional !== 'boolean') problems.push(`${where}: optional must be true or false, got ${describeValue(r.optional)}`);
  if (r.optimizer !== undefined && (typeof r.optimizer !== 'string' || r.optimizer === '')) {
    problems.push(`${where}: optimizer must be the name of an optimizer of the MultiOptimizer, got ${describeValue(r.optimizer)}`);
  }
  if (r.select === undefined && r.parts === undefined) problems.push(`${where}: says nothing about which parameters it applies to; give select (or parts)`);
  if (r.select !== undefined && r.parts !== undefined) problems.push(`${where}: give select or parts, not both (parts already select their parameters)`);
  if (r.parts !== undefined && (!Array.isArray(r.parts) || r.parts.length === 0)) problems.push(`${where}: parts must be a non-empty array of selectors, got ${describeValue(r.parts)}`);
  if (r.spread !== undefined) validateSpread(r.spread, r.parts !== undefined, schema, where, problems);
  if (r.layerDecay !== undefined) validateLayerDecay(r.layerDecay, schema, where, problems);
  return problems.length === before;
}

function validateSpread(spread: unknown, hasParts: boolean, schema: HyperSchema, where: string, problems: string[]): void {
  if (!hasParts) problems.push(`${where}: spread needs parts to spread across`);
  if (typeof spread !== 'object' || spread === null || Array.isArray(spread)) {
    problems.push(`${where}: spread must be an object such as { lr: [1e-5, 1e-3] }, got ${describeValue(spread)}`);
    return;
  }
  for (const [k, v] of Object.entries(spread)) {
    if (!schema.numeric.has(k) && multKey(k, schema) === undefined) {
      const hint = nearest(k, [...schema.numeric, ...[...schema.numeric].map((n) => `${n}Mult`)]);
      problems.push(`${where}: spread key ${q(k)} is not a numeric hyperparameter or multiplier${hint ? ` (did you mean ${q(hint)}?)` : ''}`);
      continue;
    }
    const pos = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;
    const ok = Array.isArray(v)
      ? v.length === 2 && pos(v[0]) && pos(v[1])
      : typeof v === 'object' && v !== null && Object.keys(v).length === 1 && pos((v as { stop?: unknown }).stop);
    if (!ok) problems.push(`${where}: spread.${k} must be [low, high] (both > 0) or { stop }, got ${JSON.stringify(v) ?? describeValue(v)}`);
  }
}

function validateLayerDecay(ld: unknown, schema: HyperSchema, where: string, problems: string[]): void {
  if (typeof ld !== 'object' || ld === null || Array.isArray(ld)) {
    problems.push(`${where}: layerDecay must be an object such as { rate: 0.75 }, got ${describeValue(ld)}`);
    return;
  }
  const o = ld as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(LAYER_DECAY_KEYS as readonly string[]).includes(k)) {
      const hint = nearest(k, LAYER_DECAY_KEYS);
      problems.push(`${where}: layerDecay has no key ${q(k)}${hint ? ` (did you mean ${q(hint)}?)` : ''}; it takes ${LAYER_DECAY_KEYS.join(', ')}`);
    }
  }
  if (typeof o.rate !== 'number' || !Number.isFinite(o.rate) || o.rate <= 0) problems.push(`${where}: layerDecay.rate must be a number > 0 (e.g. 0.75), got ${describeValue(o.rate)}`);
  if (o.floor !== undefined && (typeof o.floor !== 'number' || !Number.isFinite(o.floor) || o.floor < 0)) {
    problems.push(`${where}: layerDecay.floor must be a number ≥ 0, got ${describeValue(o.floor)}`);
  }
  if (o.maxDepth !== undefined && (typeof o.maxDepth !== 'number' || !Number.isInteger(o.maxDepth) || o.maxDepth < 0)) {
    problems.push(`${where}: layerDecay.maxDepth must be a whole number ≥ 0, got ${describeValue(o.maxDepth)}`);
  }
  if (o.depth !== undefined && typeof o.depth !== 'function') problems.push(`${where}: layerDecay.depth must be a function (info) => depth, got ${describeValue(o.depth)}`);
  if (o.key !== undefined && (typeof o.key !== 'string' || !schema.numeric.has(o.key))) {
    problems.push(`${where}: layerDecay.key must name a numeric hyperparameter, got ${describeValue(o.key)}`);
  }
}
