/**
 * The fine-tuning recipes, each a few rules for `optim.paramGroups`: every
 * one keeps weight decay off biases and norms (`optim.noDecay`), and the
 * scheduler (warm-up then cosine) keeps each group's ratio to the base lr.
 */
import { optim } from '../../src/node.js';
import type { Net } from './model.js';

/** The recipes, in the order they run and are reported. */
export const RECIPES = ['probe', 'full', 'discriminative', 'layerDecay'] as const;
export type Recipe = (typeof RECIPES)[number];

/** What each recipe is, for tables and the report. */
export const RECIPE_TITLES: Record<Recipe, string> = {
  probe: 'linear probe (backbone frozen)',
  full: 'full fine-tuning, one lr',
  discriminative: 'discriminative lrs (backbone at lr/10)',
  layerDecay: 'layer-wise lr decay (×0.5 per block)',
};

/**
 * Each recipe's base lr (the head's): the result of `--sweep` on the full
 * dataset, by validation accuracy (the README has the command and the table).
 */
export const DEFAULT_LRS: Record<Recipe, number> = {
  probe: 1e-1,
  full: 3e-2,
  discriminative: 3e-2,
  layerDecay: 3e-2,
};

/** The lrs `--sweep` tries for every recipe. */
export const SWEEP_LRS = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1];

/** Weight decay for weights (biases and norms get none). */
export const WEIGHT_DECAY = 0.01;

/**
 * The group specs of `recipe` for `model` at base lr `lr`. The probe
 * freezes the backbone first, so its parameters are left out of every group
 * (and `report.frozen` lists them).
 */
export function recipeGroups(recipe: Recipe, model: Net, lr: number): optim.ParamGroupSpecs<optim.AdamWOptions> {
  const noDecay = { name: 'noDecay', select: optim.noDecay, weightDecay: 0 };
  const defaults = { defaults: { lr, weightDecay: WEIGHT_DECAY } };
  switch (recipe) {
    case 'probe':
      model.backbone.requiresGrad_(false);
      return optim.paramGroups<optim.AdamWOptions>(model, [{ name: 'head', select: model.head }, noDecay], defaults);
    case 'full':
      return optim.paramGroups<optim.AdamWOptions>(model, [noDecay], defaults);
    case 'discriminative':
      return optim.paramGroups<optim.AdamWOptions>(model, [{ name: 'backbone', select: model.backbone, lrMult: 0.1 }, { name: 'head', select: model.head }, noDecay], defaults);
    case 'layerDecay':
      return optim.paramGroups<optim.AdamWOptions>(model, [{ name: 'layers', select: '**', layerDecay: { rate: 0.5 } }, noDecay], defaults);
  }
}

/** The groups for pretraining: one lr, no decay on biases and norms. */
export function pretrainGroups(model: Net, lr: number): optim.ParamGroupSpecs<optim.AdamWOptions> {
  return optim.paramGroups<optim.AdamWOptions>(model, [{ name: 'noDecay', select: optim.noDecay, weightDecay: 0 }], { defaults: { lr, weightDecay: WEIGHT_DECAY } });
}

/**
 * Linear warm-up over the first tenth of the steps (from lr/10), then
 * cosine decay to zero, stepped once per batch. The schedulers multiply
 * each group's own lr, so a backbone at lr/10 stays at lr/10 throughout.
 */
export function warmupCosine(opt: optim.AdamW, totalSteps: number): optim.lrScheduler.SequentialLR {
  const warmup = Math.max(1, Math.round(totalSteps / 10));
  return new optim.lrScheduler.SequentialLR(opt, {
    schedulers: [
      new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, endFactor: 1, totalIters: warmup }),
      new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: Math.max(1, totalSteps - warmup), etaMin: 0 }),
    ],
    milestones: [warmup],
  });
}
