/**
 * Transfer learning on Fashion-MNIST with parameter groups — what `npm start` runs.
 *
 * A small CNN is pretrained on five classes (T-shirt/top, Trouser, Pullover,
 * Dress, Coat); its head is replaced and it is fine-tuned on the other five
 * (Sandal, Shirt, Sneaker, Bag, Ankle boot) with four recipes, each a few
 * rules for `optim.paramGroups`: a linear probe, full fine-tuning with one
 * lr, discriminative lrs and layer-wise lr decay. All use AdamW with no
 * weight decay on biases and norms, warm-up then cosine, and the same budget.
 * `--sweep` picks each recipe's lr on a validation split first.
 *
 *   npx tsx examples/finetune-fashion-mnist.ts --help
 *
 * Writes into --out: report.html (plots and group tables, opens offline),
 * loss.svg, accuracy.svg, lr.svg, results.json, and a checkpoint per recipe.
 * Ctrl-C writes checkpoint.pt there; --resume continues from it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as kd from '../src/node.js';
import { data, optim, type Tensor } from '../src/node.js';
import { readResumeState, resumeRun, saveRecipeCheckpoint, writeResumeState, type JobState as SavedState } from './finetune/checkpoint.js';
import { Net } from './finetune/model.js';
import { progressFor } from './finetune/progress.js';
import { DEFAULT_LRS, pretrainGroups, RECIPE_TITLES, RECIPES, recipeGroups, SWEEP_LRS, warmupCosine, type Recipe } from './finetune/recipes.js';
import { RESULT_HEAD, resultRows, writeReport } from './finetune/report.js';
import { loadTasks, VAL_FRACTION } from './finetune/tasks.js';
import { evaluate, logEvery, startPosition, train, type Batch, type RunHistory } from './finetune/train.js';

const HELP = `Transfer learning on Fashion-MNIST with parameter groups.

Usage: npx tsx examples/finetune-fashion-mnist.ts [options]

  --epochs N           fine-tuning epochs per recipe (default 2)
  --pretrain-epochs N  pretraining epochs (default 2)
  --batch-size N       images per batch (default 64)
  --data DIR           folder with the Fashion-MNIST files (default: Debian's
                       dataset-fashion-mnist package if installed, else the
                       subset embedded in kindling)
  --backend NAME       js or native (default: native when it loaded)
  --out DIR            where the report, plots and checkpoints go
                       (default finetune-out)
  --sweep              first pick each recipe's lr from ${SWEEP_LRS.map((l) => l.toExponential(0)).join(', ')}
                       by accuracy on a validation split (${VAL_FRACTION * 100}% of the training images)
  --lr RECIPE=LR       set a recipe's lr (repeatable); recipes: ${RECIPES.join(', ')}
  --recipes A,B        run only these recipes
  --limit N            use at most N images per task and split (quick runs)
  --seed N             seed of everything random (default 0)
  --resume             continue from DIR/checkpoint.pt, written by Ctrl-C
  --stop-after N       act as if Ctrl-C came after N training steps (tests resuming)
  -h, --help           show this help
`;

/** The options that decide the results; a checkpoint only resumes a run with the same ones. */
interface Config {
  epochs: number;
  pretrainEpochs: number;
  batchSize: number;
  seed: number;
  limit: number | null;
  sweep: boolean;
  recipes: Recipe[];
  lrs: Record<Recipe, number>;
  source: string;
}

/** One run of the plan. */
interface PlannedRun {
  id: string;
  kind: RunHistory['kind'];
  recipe: Recipe | 'pretrain';
  /** null: the sweep's best for the recipe. */
  lr: number | null;
}

type JobState = SavedState<Config>;

class UsageError extends Error {}

function parse(argv: string[]): { config: Omit<Config, 'source'>; data: string | undefined; backend: string | undefined; out: string; resume: boolean; stopAfter: number | null } | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      'epochs': { type: 'string', default: '2' },
      'pretrain-epochs': { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '64' },
      'data': { type: 'string' },
      'backend': { type: 'string' },
      'out': { type: 'string', default: 'finetune-out' },
      'sweep': { type: 'boolean', default: false },
      'lr': { type: 'string', multiple: true, default: [] },
      'recipes': { type: 'string', default: RECIPES.join(',') },
      'limit': { type: 'string' },
      'seed': { type: 'string', default: '0' },
      'resume': { type: 'boolean', default: false },
      'stop-after': { type: 'string' },
      'help': { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (name: string, text: string | undefined, min: number): number | null => {
    if (text === undefined) return null;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  const recipes = values.recipes.split(',').map((r) => r.trim());
  for (const r of recipes) {
    if (!(RECIPES as readonly string[]).includes(r)) throw new UsageError(`--recipes: unknown recipe "${r}"; recipes are ${RECIPES.join(', ')}`);
  }
  const lrs = { ...DEFAULT_LRS };
  for (const item of values.lr) {
    const [recipe, value] = item.split('=');
    if (!(RECIPES as readonly string[]).includes(recipe ?? '') || !(Number(value) > 0)) {
      throw new UsageError(`--lr takes RECIPE=LR with a recipe of ${RECIPES.join(', ')} and a positive number, got "${item}"`);
    }
    lrs[recipe as Recipe] = Number(value);
  }
  if (values.backend !== undefined && values.backend !== 'js' && values.backend !== 'native') {
    throw new UsageError(`--backend must be js or native, got "${values.backend}"`);
  }
  return {
    config: {
      epochs: int('epochs', values.epochs, 1)!,
      pretrainEpochs: int('pretrain-epochs', values['pretrain-epochs'], 1)!,
      batchSize: int('batch-size', values['batch-size'], 1)!,
      seed: int('seed', values.seed, 0)!,
      limit: int('limit', values.limit, 10),
      sweep: values.sweep,
      recipes: recipes as Recipe[],
      lrs,
    },
    data: values.data,
    backend: values.backend,
    out: values.out,
    resume: values.resume,
    stopAfter: int('stop-after', values['stop-after'], 1),
  };
}

function plan(config: Config): PlannedRun[] {
  const runs: PlannedRun[] = [{ id: 'pretrain', kind: 'pretrain', recipe: 'pretrain', lr: 2e-3 }];
  if (config.sweep) {
    for (const recipe of config.recipes) {
      for (const lr of SWEEP_LRS) runs.push({ id: `sweep ${recipe} ${lr.toExponential(0)}`, kind: 'sweep', recipe, lr });
    }
  }
  for (const recipe of config.recipes) runs.push({ id: recipe, kind: 'final', recipe, lr: config.sweep ? null : config.lrs[recipe] });
  return runs;
}

/**
 * The seed of a run's shuffles, from what the run is rather than where it
 * sits in the plan, so a recipe sees the same batches with or without
 * --sweep and --recipes.
 */
function loaderSeed(seed: number, run: PlannedRun): number {
  const recipe = RECIPES.indexOf(run.recipe as Recipe);
  const base = run.kind === 'pretrain' ? 1 : run.kind === 'final' ? 10 + recipe : 100 + 10 * recipe + SWEEP_LRS.indexOf(run.lr!);
  return seed * 1000 + base;
}

/** The sweep's best lr for `recipe` (ties: the smaller lr). */
function sweptLr(recipe: Recipe, finished: RunHistory[]): number {
  const points = finished.filter((r) => r.kind === 'sweep' && r.recipe === recipe);
  return points.reduce((best, r) => (r.accuracy > best.accuracy ? r : best)).lr;
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (args === null) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.backend !== undefined) kd.setBackend(args.backend);
  mkdirSync(args.out, { recursive: true });
  const checkpointPath = join(args.out, 'checkpoint.pt');
  const started = performance.now();

  const tasks = loadTasks({ root: args.data, limit: args.config.limit ?? undefined, seed: args.config.seed });
  const config: Config = { ...args.config, source: tasks.source };
  let state: JobState | null = null;
  if (args.resume) state = readResumeState(checkpointPath, config);
  const finished: RunHistory[] = state?.finished ?? [];
  let pretrained = state?.pretrained ?? null;
  const elapsedBefore = state?.elapsed ?? 0;

  const info = kd.backendInfo();
  if (tasks.embedded) console.log('Using the subset of Fashion-MNIST embedded in kindling; for the full set install Debian\'s dataset-fashion-mnist or pass --data DIR.');
  console.log(`Fashion-MNIST from ${tasks.source}: pretraining on ${tasks.pretrain.train.length} images of 5 classes, fine-tuning on ${tasks.finetune.train.length} of the other 5 (${tasks.finetune.val.length} held out for validation, ${tasks.finetune.test.length} for testing)`);
  console.log(`backend ${info.backend}${info.backend === 'native' ? ` (${info.kernelPath}, ${info.threads} threads)` : ''}; batch ${config.batchSize}; ${config.pretrainEpochs} pretraining and ${config.epochs} fine-tuning epochs${config.sweep ? '; sweeping lrs first' : ''}`);

  let interrupted = false;
  let stepsThisProcess = 0;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  });
  const progress = progressFor(process.stdout);
  const runs = plan(config);
  for (let i = state?.runIndex ?? 0; i < runs.length; i++) {
    const run = runs[i]!;
    const recipe = run.recipe;
    const lr = run.lr ?? sweptLr(recipe as Recipe, finished);
    // The same initial head for every recipe: seeded before the model is made.
    kd.manualSeed(config.seed + (run.kind === 'pretrain' ? 0 : 1));
    const model = new Net(5);
    if (run.kind !== 'pretrain') model.backbone.loadStateDict(pretrained!);
    const specs = recipe === 'pretrain' ? pretrainGroups(model, lr) : recipeGroups(recipe, model, lr);
    const opt = new optim.AdamW(specs);
    const trainSet = run.kind === 'pretrain' ? tasks.pretrain.train : tasks.finetune.train;
    const loader = new data.DataLoader<[Tensor, Tensor], Batch>(trainSet, { batchSize: config.batchSize, shuffle: true, generator: new kd.Generator(loaderSeed(config.seed, run)) });
    const epochs = run.kind === 'pretrain' ? config.pretrainEpochs : config.epochs;
    // Described before the scheduler sets the warm-up's first lr.
    const described = optim.describeGroups(opt, { model });
    const sched = warmupCosine(opt, epochs * loader.length);
    const history: RunHistory = {
      id: run.id, kind: run.kind, recipe, lr, steps: [], evals: [], accuracy: 0, valAccuracy: null, seconds: 0, imagesPerSecond: 0, logEvery: logEvery(epochs * loader.length),
      groupTable: described.table(),
      groups: described.groups.map((g) => ({ name: g.name, params: g.params.length, numel: g.numel, lr: Number(g.values.lr), weightDecay: Number(g.values.weightDecay) })),
    };
    let pos = startPosition(history, loader);
    if (state !== null && i === state.runIndex) {
      pos = resumeRun(checkpointPath, { model, opt, sched }, state);
      console.log(`\n== ${run.id}: resumed at step ${pos.step} of ${epochs * loader.length}`);
    } else {
      const title = recipe === 'pretrain' ? 'pretraining on classes 0–4' : run.kind === 'sweep' ? `sweep: ${RECIPE_TITLES[recipe]}, lr ${lr.toExponential(0)}` : RECIPE_TITLES[recipe];
      console.log(`\n== ${title}`);
      if (run.kind !== 'sweep') console.log(described.table());
    }
    const evalSet = run.kind === 'pretrain' ? tasks.pretrain.test : run.kind === 'sweep' ? tasks.finetune.val : tasks.finetune.test;
    const result = await train({
      label: run.id, model, opt, sched, loader, epochs, evalSet, evalName: run.kind === 'sweep' ? 'val' : 'test',
      evalsPerEpoch: run.kind === 'final' ? 2 : 1,
      frozenBackbone: recipe === 'probe',
      progress,
      shouldStop: () => {
        stepsThisProcess++;
        return interrupted || (args.stopAfter !== null && stepsThisProcess >= args.stopAfter);
      },
    }, pos);
    if (!result.finished) {
      const elapsed = elapsedBefore + (performance.now() - started) / 1000;
      writeResumeState(checkpointPath, { model, opt, sched }, { config, runIndex: i, position: result.pos, finished, pretrained, elapsed });
      console.log(`\nstopped during ${run.id} at step ${result.pos.step}; wrote ${checkpointPath}. Continue with --resume (and the same options).`);
      return 130;
    }
    // The run's record: the one the checkpoint carried when it was resumed.
    const done = result.pos.history;
    if (run.kind === 'pretrain') {
      pretrained = model.backbone.stateDict();
      console.log(`pretraining: test accuracy ${(100 * done.accuracy).toFixed(2)}% on classes 0–4`);
    } else {
      done.valAccuracy = run.kind === 'sweep' ? done.accuracy : evaluate(model, tasks.finetune.val);
      if (run.kind === 'sweep') console.log(`  validation accuracy ${(100 * done.accuracy).toFixed(2)}%`);
    }
    if (run.kind === 'final') saveRecipeCheckpoint(join(args.out, `${recipe}.pt`), { model, opt, sched }, done);
    finished.push(done);
    state = null;
  }

  const seconds = elapsedBefore + (performance.now() - started) / 1000;
  const finals = finished.filter((r) => r.kind === 'final');
  const sweep = finished.filter((r) => r.kind === 'sweep');
  if (sweep.length > 0) {
    console.log('\nlr sweep (validation accuracy):');
    printTable(['recipe', ...SWEEP_LRS.map((l) => l.toExponential(0))], config.recipes.map((r) => [r, ...SWEEP_LRS.map((l) => {
      const point = sweep.find((s) => s.recipe === r && s.lr === l);
      return point === undefined ? '–' : `${(100 * point.accuracy).toFixed(2)}%`;
    })]));
  }
  console.log(`\nFine-tuning on Sandal, Shirt, Sneaker, Bag, Ankle boot: ${config.epochs} epochs each, batch ${config.batchSize}`);
  printTable(RESULT_HEAD, resultRows(finals));
  const best = finals.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  console.log(`best: ${RECIPE_TITLES[best.recipe as Recipe]}, ${(100 * best.accuracy).toFixed(2)}% test accuracy; whole job ${seconds.toFixed(1)} s`);

  const pretrain = finished.find((r) => r.kind === 'pretrain');
  const facts = [
    `data: ${tasks.source} (${tasks.finetune.train.length} fine-tuning training images, ${tasks.finetune.test.length} test images)`,
    `backend: ${info.backend}${info.backend === 'native' ? ` (${info.kernelPath}, ${info.threads} threads)` : ''}`,
    `${config.pretrainEpochs} pretraining epochs, ${config.epochs} fine-tuning epochs per recipe, batch ${config.batchSize}, AdamW, warm-up then cosine, seed ${config.seed}${config.sweep ? ', lrs from the sweep' : ''}`,
    `whole job: ${seconds.toFixed(1)} s`,
  ];
  writeFileSync(join(args.out, 'results.json'), `${JSON.stringify({ config, seconds, pretrain, sweep, finals }, null, 1)}\n`);
  const files = await writeReport(args.out, { title: 'Fine-tuning recipes on Fashion-MNIST (kindling)', finals, pretrain, sweep, facts });
  if (existsSync(checkpointPath)) rmSync(checkpointPath);
  console.log(`wrote ${[...files, join(args.out, 'results.json'), ...finals.map((r) => join(args.out, `${r.recipe}.pt`))].join(', ')}`);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  if (e instanceof UsageError || (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(`${e.message}\n\n${HELP}`);
    process.exit(2);
  }
  throw e;
});
