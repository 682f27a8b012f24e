/**
 * `checkCoverage(optimizer, model)`: whether an optimizer that exists (built
 * by hand, or changed since) still covers the model — every trainable
 * parameter in a group, no parameter that is not the model's.
 */
import { ArgumentTypeError, ParamGroupError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptimizer, groupName, type OptimizerLike } from './living.js';
import { describeValue, indexModel } from './model-index.js';
import type { ModuleLike } from './types.js';
import { listNames, q } from './util.js';

/** What {@link checkCoverage} found. */
export interface CoverageReport {
  /** Trainable parameters of the model in no group of the optimizer: no step would ever update them. */
  readonly missing: readonly string[];
  /** Frozen parameters of the model in no group: unfreezing them alone would not train them (`optim.addGroup` adds them). */
  readonly frozenMissing: readonly string[];
  /** Parameters of the optimizer that are not the model's, with their group (`'group "head": a parameter of shape [3, 4]'`). */
  readonly foreign: readonly string[];
}

/** Options of {@link checkCoverage}. */
export interface CoverageOptions {
  /** Throw a `ParamGroupError` naming them when some trainable parameter is missing or some parameter is foreign (default false). */
  readonly strict?: boolean;
}

/**
 * Compares an optimizer's groups with a model: which trainable parameters no
 * group holds (they would silently never train), which frozen ones no group
 * holds, and which parameters of the optimizer are not part of the model.
 * Tied parameters count once, under any of their names.
 *
 * ```ts
 * optim.checkCoverage(opt, model, { strict: true }); // after building groups by hand, or after unfreezing
 * ```
 */
export function checkCoverage(optimizer: OptimizerLike, model: ModuleLike, options: CoverageOptions = {}): CoverageReport {
  const op = 'optim.checkCoverage';
  checkOptimizer(optimizer, op);
  if (typeof options !== 'object' || options === null) throw new ArgumentTypeError(`options must be an object such as { strict: true }, got ${describeValue(options)}`, { op });
  const index = indexModel(model, op);
  const held = new Set<Tensor>();
  const foreign: string[] = [];
  optimizer.paramGroups.forEach((g, gi) => {
    g.params.forEach((p, k) => {
      held.add(p);
      if (!index.byParam.has(p)) foreign.push(`${g.paramNames?.[k] !== undefined ? q(g.paramNames[k]!) : `a parameter of shape [${p.shape.join(', ')}]`} (group ${q(groupName(g, gi))})`);
    });
  });
  const notHeld = index.params.filter((e) => !held.has(e.param));
  const missing = notHeld.filter((e) => e.param.requiresGrad).map((e) => e.name);
  const frozenMissing = notHeld.filter((e) => !e.param.requiresGrad).map((e) => e.name);
  if (options.strict === true && (missing.length > 0 || foreign.length > 0)) {
    const problems = [
      ...(missing.length > 0 ? [`${missing.length} trainable parameter${missing.length > 1 ? 's are' : ' is'} in no group of the optimizer: ${listNames(missing, 8)}`] : []),
      ...(foreign.length > 0 ? [`${foreign.length} parameter${foreign.length > 1 ? 's' : ''} of the optimizer ${foreign.length > 1 ? 'are' : 'is'} not part of the model: ${listNames(foreign, 8)}`] : []),
    ];
    throw new ParamGroupError(problems.join('; '), {
      op,
      hint: missing.length > 0 ? 'add them with optim.addGroup(opt, { params, like | from }), or freeze them' : 'build the optimizer from this model\'s parameters',
    });
  }
  return { missing, frozenMissing, foreign };
}
