/**
 * What `paramGroups` remembers about the groups it built, so that
 * `describeGroups`, `freeze` and `addGroup` can explain and extend them later:
 * per parameter, how each value came about. Kept in WeakMaps keyed by the
 * returned specs and by the parameters (never stored on a Tensor).
 */
import { registerParamNamer } from '../optim/params.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelIndex } from './model-index.js';
import type { HyperSchema } from './validate.js';

/** One step in the making of a value. */
export interface ValueStep {
  /** `base` (from options.defaults), `set` (an absolute value), `mult`, `layerDecay` or `spread`. */
  readonly kind: 'base' | 'set' | 'mult' | 'layerDecay' | 'spread';
  /** The rule that took the step (absent for `base`). */
  readonly rule?: string;
  /** The value set (`base`, `set`, absolute `spread`). */
  readonly value?: unknown;
  /** The factor applied (`mult`, `layerDecay`, multiplier `spread`). */
  readonly factor?: number;
  /** Extra words for explanations: `depth 3 of 5`, `part 1 of 3`, `replace`. */
  readonly detail?: string;
}

/** A final value and the steps that made it, oldest first. */
export interface ValueTrace {
  readonly value: unknown;
  readonly steps: readonly ValueStep[];
}

/** What the plan knows about one parameter. */
export interface ParamRecord {
  readonly name: string;
  /** Every name of the parameter (tied/shared parameters have several). */
  readonly aliases: readonly string[];
  /** The group it was put in. */
  readonly group: string;
  /** The rules that selected it, in rule order. */
  readonly rules: readonly string[];
  /** Per hyperparameter key, how its value came about. */
  readonly traces: Readonly<Record<string, ValueTrace>>;
  readonly frozen: boolean;
  readonly plan: Plan;
}

/** One `paramGroups` call: its inputs and what it produced. */
export interface Plan {
  readonly model: ModelIndex;
  readonly rules: readonly Readonly<Record<string, unknown>>[];
  readonly ruleNames: readonly string[];
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly schema: HyperSchema;
  readonly records: Map<Tensor, ParamRecord>;
  /** Which parameters each rule selected (frozen ones included). */
  readonly selections: Map<string, Tensor[]>;
  readonly options: Readonly<Record<string, unknown>>;
}

const planOfSpecs = new WeakMap<object, Plan>();
const recordOfParam = new WeakMap<Tensor, ParamRecord>();
// NOTE: optimizers' messages (a parameter in two groups) name parameters that a paramGroups call has seen.
registerParamNamer((p) => recordOfParam.get(p)?.name);

export function registerPlan(specs: object, groups: readonly object[], plan: Plan): void {
  planOfSpecs.set(specs, plan);
  for (const g of groups) planOfSpecs.set(g, plan);
  for (const [p, r] of plan.records) recordOfParam.set(p, r);
}

/** The plan that produced these specs (the array or one of its groups). */
export function planOf(specs: object): Plan | undefined {
  return planOfSpecs.get(specs);
}

/** The most recent plan's record of a parameter. */
export function recordOf(param: Tensor): ParamRecord | undefined {
  return recordOfParam.get(param);
}
