/**
 * What the groups tests use, imported from the modules themselves (not the
 * package entry), so these tests do not depend on unrelated work in progress.
 */
import '../../src/ops/install.js';

export * as nn from '../../src/nn/index.js';
export { LayerNorm, BatchNorm2d, GroupNorm, Embedding, Conv2d, TransformerEncoderLayer } from '../../src/nn/index.js';
// The package's optim namespace: optimizers, schedulers and the groups toolkit.
export * as optim from '../../src/groups/optim-namespace.js';
export { Tensor } from '../../src/tensor/tensor.js';
export { tensor, zeros, ones, randn } from '../../src/tensor/creation.js';
export { manualSeed } from '../../src/tensor/random.js';
export * from '../../src/errors.js';

/** Collects warnings instead of printing them. */
export function collectWarnings(): { warnings: string[]; onWarning: (m: string) => void } {
  const warnings: string[] = [];
  return { warnings, onWarning: (m) => warnings.push(m) };
}
