/**
 * The package's `optim` namespace: the optimizers (src/optim) together with
 * the groups toolkit (src/groups), so users write `optim.paramGroups`,
 * `optim.describeGroups` and `optim.MultiOptimizer` next to `optim.AdamW`.
 *
 * NOTE: it lives here, not in src/optim/index.ts, because optim may not
 * import from groups (DESIGN.md's layers); groups may import from optim.
 */
export * from '../optim/index.js';
export * from './index.js';
