/**
 * The job's report: plots of training loss, test accuracy and every group's
 * lr by step, drawn with Vega-Lite. The same specs become SVG files here
 * (Vega renders headless, no browser) and live plots in `report.html`,
 * which inlines Vega so it opens with no network.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { RECIPE_TITLES, type Recipe } from './recipes.js';
import type { RunHistory } from './train.js';

/** What the report shows besides the runs. */
export interface ReportInput {
  title: string;
  finals: RunHistory[];
  pretrain: RunHistory | undefined;
  sweep: RunHistory[];
  /** Lines about the run (data source, backend, options, time). */
  facts: string[];
}

const WIDTH = 560;

function lossSpec(runs: RunHistory[]): TopLevelSpec {
  return {
    title: (runs[0]?.logEvery ?? 1) === 1 ? 'Training loss (per step)' : `Training loss (mean over ${runs[0]!.logEvery} steps)`,
    width: WIDTH,
    height: 260,
    data: { values: runs.flatMap((r) => r.steps.map((s) => ({ recipe: r.recipe, step: s.step, loss: s.loss }))) },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'cross-entropy', scale: { type: 'log' } },
      color: { field: 'recipe', type: 'nominal', title: 'recipe' },
    },
  };
}

function accuracySpec(runs: RunHistory[]): TopLevelSpec {
  return {
    title: 'Test accuracy (fine-tuning classes)',
    width: WIDTH,
    height: 260,
    data: { values: runs.flatMap((r) => r.evals.map((e) => ({ recipe: r.recipe, step: e.step, accuracy: e.accuracy }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' }, scale: { zero: false } },
      color: { field: 'recipe', type: 'nominal', title: 'recipe' },
    },
  };
}

function lrSpec(runs: RunHistory[]): TopLevelSpec {
  const values = runs.flatMap((r) => r.steps.flatMap((s) => Object.entries(s.lrs).map(([group, lr]) => ({ recipe: r.recipe, group, step: s.step, lr }))));
  return {
    title: 'Learning rate of every group (warm-up, then cosine)',
    data: { values: values.filter((v) => v.lr > 0) },
    facet: { row: { field: 'recipe', type: 'nominal', title: null, sort: runs.map((r) => r.recipe) } },
    spec: {
      width: WIDTH,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'lr', type: 'quantitative', title: 'lr', scale: { type: 'log' }, axis: { format: '.0e' } },
        color: { field: 'group', type: 'nominal', title: 'group' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}

/** The three plots, by file name (without extension). */
export function plotSpecs(input: ReportInput): Record<string, TopLevelSpec> {
  return { loss: lossSpec(input.finals), accuracy: accuracySpec(input.finals), lr: lrSpec(input.finals) };
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside a <script> element. */
const scriptJson = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

function table(head: string[], rows: string[][], cls: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** The side-by-side table: one row per recipe. */
export function resultRows(finals: RunHistory[]): string[][] {
  return finals.map((r) => [
    RECIPE_TITLES[r.recipe as Recipe] ?? r.recipe,
    r.lr.toExponential(0),
    pct(r.accuracy),
    pct(r.valAccuracy),
    `${r.seconds.toFixed(1)} s`,
    `${Math.round(r.imagesPerSecond)}`,
  ]);
}
export const RESULT_HEAD = ['recipe', 'lr', 'test accuracy', 'val accuracy', 'time', 'images/s'];

function html(input: ReportInput, specs: Record<string, TopLevelSpec>, vegaSource: string): string {
  const compiled = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, vl.compile(s).spec]));
  const groupTables = input.finals.map((r) => `<h3>${escapeHtml(RECIPE_TITLES[r.recipe as Recipe] ?? r.recipe)}</h3>\n${table(
    ['group', 'params', 'elements', 'lr', 'weightDecay'],
    r.groups.map((g) => [g.name, String(g.params), g.numel.toLocaleString('en-US'), g.lr.toExponential(2), String(g.weightDecay)]),
    'groups',
  )}`).join('\n');
  const sweep = input.sweep.length === 0 ? '' : `<h2>Learning-rate sweep (validation accuracy)</h2>\n${table(
    ['recipe', 'lr', 'val accuracy'],
    input.sweep.map((r) => [r.recipe, r.lr.toExponential(0), pct(r.accuracy)]),
    'sweep',
  )}`;
  const pre = input.pretrain === undefined ? '' : `<p>Pretraining: test accuracy ${pct(input.pretrain.accuracy)} on its five classes (${input.pretrain.seconds.toFixed(1)} s).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
th { background: #f4f4f4; }
.plot { margin: 1em 0; }
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<ul>${input.facts.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>
${pre}
<h2>Results</h2>
${table(RESULT_HEAD, resultRows(input.finals), 'results')}
<h2>Plots</h2>
${Object.keys(specs).map((k) => `<div class="plot" id="plot-${k}"></div>`).join('\n')}
${sweep}
<h2>Parameter groups (optim.describeGroups)</h2>
${groupTables}
<script>${vegaSource.replace(/<\/script/gi, '<\\/script')}</script>
<script>
const specs = ${scriptJson(compiled)};
window.plotsReady = Promise.all(Object.entries(specs).map(([name, spec]) =>
  new vega.View(vega.parse(spec), { renderer: 'svg', container: '#plot-' + name, hover: true }).runAsync()));
</script>
</body></html>
`;
}

/** Writes report.html and loss.svg, accuracy.svg, lr.svg into `dir`; returns the paths. */
export async function writeReport(dir: string, input: ReportInput): Promise<string[]> {
  const specs = plotSpecs(input);
  const written: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const file = join(dir, `${name}.svg`);
    writeFileSync(file, await toSvg(spec));
    written.push(file);
  }
  // vega's exports map hides its browser build; it sits beside the module build.
  const vegaSource = readFileSync(join(dirname(fileURLToPath(import.meta.resolve('vega'))), 'vega.min.js'), 'utf8');
  const file = join(dir, 'report.html');
  writeFileSync(file, html(input, specs, vegaSource));
  return [file, ...written];
}
