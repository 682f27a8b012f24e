/**
 * Parameter groups from rules: build, check and explain them
 * (`optim.paramGroups`, `optim.describeGroups` and their helpers). Exposed
 * through the `optim` namespace of the package entry.
 */
export { paramGroups, ParamGroupRulesError } from './build.js';
export type { GroupsReport, OptimizerClass, OptionsOf, ParamGroupSpecs, ParamGroupsOptions, ReportGroup, StrictOptions } from './build.js';
export { describeGroups, explainTrace, GroupsDescription } from './describe.js';
export type { DescribedGroup, DescribedParam, DescribedValue } from './describe.js';
export { select, noDecay } from './select.js';
export { tag, untag, tagsOf, markNorm, markEmbedding } from './tags.js';
export type { ValueStep, ValueTrace } from './registry.js';
export type {
  AnyOptimizerOptions, BuiltinSelectorName, DepthInfo, GroupSpec, LayerDecay, ModuleClass, ModuleLike, Multipliers, NamedParam,
  NumericKeys, ParamSite, Rule, RuleBase, Selector, SelectorFn, SelectorObject, Spread, SpreadValue,
} from './types.js';
export { freeze, unfreeze, freezeTo, addGroup, setGroupValues } from './living.js';
export type { AddGroupSpec, FreezeOptions, FreezeTarget, HyperOf, LiveGroup, OptimizerLike } from './living.js';
export { loadStateDictByName } from './resume.js';
export { checkCoverage } from './coverage.js';
export type { CoverageOptions, CoverageReport } from './coverage.js';
export type { LoadByNameResult } from './resume.js';
export { MultiOptimizer } from './multi-optimizer.js';
export type { MultiOptimizerOptions, MultiOptimizerStateDict, OptimizerFactory } from './multi-optimizer.js';
