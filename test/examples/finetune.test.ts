/**
 * The fine-tuning job (examples/finetune-fashion-mnist.ts, `npm start`) on
 * a small slice of the embedded subset, as a user runs it: its outputs exist
 * and parse, its log has one plain line per epoch when stdout is not a
 * terminal, an interrupted run resumed with --resume ends exactly like an
 * uninterrupted one, Ctrl-C writes a checkpoint, and report.html shows its
 * plots and tables in a real headless browser (screenshot in test/artifacts/).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kd from '../../src/node.js';
import { Net } from '../../examples/finetune/model.js';
import type { RunHistory } from '../../examples/finetune/train.js';
import { browserAvailable, launchChromium } from '../browser.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kindling-finetune-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// One short epoch of each phase on 120 images per task and split.
const SLICE = ['--data', 'data/fashion-mnist-subset', '--limit', '120', '--epochs', '1', '--pretrain-epochs', '1', '--batch-size', '32'];
const env = { ...process.env, KINDLING_BACKEND: process.env.KINDLING_BACKEND || 'js' };

/**
 * Runs the job and collects its output. Asynchronous on purpose: a spawnSync
 * would block this test worker's event loop for the whole run, and vitest's
 * worker-to-runner messages time out under load.
 */
function job(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/finetune-fashion-mnist.ts', ...args], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

interface Results { finals: RunHistory[]; pretrain: RunHistory; config: { epochs: number } }
const results = (dir: string): Results => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

/** What must not change when a run is interrupted and resumed: every number but the timings. */
function outcome(r: Results): unknown {
  return [r.pretrain, ...r.finals].map((h) => ({ id: h.id, lr: h.lr, accuracy: h.accuracy, valAccuracy: h.valAccuracy, steps: h.steps, evals: h.evals }));
}

const full = join(work, 'full');
let straight: Awaited<ReturnType<typeof job>>;
beforeAll(async () => {
  straight = await job([...SLICE, '--out', full]);
}, 600_000);

describe('the fine-tuning job on a small slice', () => {
  it('finishes and writes the report, the plots, results.json and a checkpoint per recipe', () => {
    expect(straight.stderr).not.toMatch(/Error/);
    expect(straight.status).toBe(0);
    for (const f of ['report.html', 'loss.svg', 'accuracy.svg', 'lr.svg', 'results.json']) expect(existsSync(join(full, f)), f).toBe(true);
    for (const f of ['loss.svg', 'accuracy.svg', 'lr.svg']) {
      const svg = readFileSync(join(full, f), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/<path [^>]*d="M[\d.]+,[\d.]+L/); // a drawn line
    }
    const r = results(full);
    expect(r.finals.map((h) => h.recipe)).toEqual(['probe', 'full', 'discriminative', 'layerDecay']);
    for (const h of r.finals) {
      expect(h.accuracy).toBeGreaterThanOrEqual(0);
      expect(h.accuracy).toBeLessThanOrEqual(1);
      expect(h.steps.length).toBeGreaterThan(0);
      expect(h.evals.length).toBe(2);
      expect(Number.isFinite(h.steps[0]!.loss)).toBe(true);
    }
    // The groups each recipe was built with (optim.paramGroups).
    expect(r.finals[0]!.groups.map((g) => g.name)).toEqual(['head', 'head+noDecay']);
    expect(r.finals[2]!.groups.find((g) => g.name === 'backbone')!.lr).toBeCloseTo(r.finals[2]!.lr / 10, 12);
    expect(r.finals[3]!.groups.map((g) => g.name)).toContain('layers[1]+noDecay');
    for (const g of r.finals.flatMap((h) => h.groups)) if (g.name.endsWith('noDecay')) expect(g.weightDecay).toBe(0);
    // Each recipe's checkpoint loads back into the model.
    for (const h of r.finals) {
      const model = new Net(5);
      const { extra } = kd.io.loadCheckpoint(join(full, `${h.recipe}.pt`), { model });
      expect((extra as RunHistory).accuracy).toBe(h.accuracy);
    }
  });

  it('prints the group table, then one plain line per epoch when stdout is not a terminal, then the side-by-side table', () => {
    const out = straight.stdout;
    expect(out).toContain('== layer-wise lr decay');
    expect(out).toMatch(/layers\[1\]\+noDecay\s+3\s+48/);
    expect(out).toMatch(/^probe {2}epoch 1\/1 {2}loss \d\.\d{4} {2}acc [\d.]+% {2}test acc [\d.]+% {2}\d+ img\/s {2}lr head /m);
    expect(out.includes('\u001b[')).toBe(false); // no terminal control codes in a log
    expect(out).toMatch(/^recipe +lr +test accuracy +val accuracy +time +images\/s$/m);
    expect(out).toMatch(/^best: .*% test accuracy; whole job [\d.]+ s$/m);
  });

  it('--resume after a stop ends with exactly the result of the uninterrupted run', async () => {
    const dir = join(work, 'resumed');
    const stopped = await job([...SLICE, '--out', dir, '--stop-after', '9']);
    expect(stopped.status).toBe(130);
    expect(stopped.stdout).toMatch(/stopped during \S+ at step \d+; wrote .*checkpoint\.pt/);
    expect(existsSync(join(dir, 'checkpoint.pt'))).toBe(true);
    const wrongOptions = await job([...SLICE, '--out', dir, '--resume', '--epochs', '2']);
    expect(wrongOptions.status).not.toBe(0);
    expect(wrongOptions.stderr).toMatch(/was written with other options \(epochs 1 → 2\)/);
    const resumed = await job([...SLICE, '--out', dir, '--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/resumed at step \d+/);
    expect(outcome(results(dir))).toEqual(outcome(results(full)));
    expect(existsSync(join(dir, 'checkpoint.pt'))).toBe(false);
  }, 600_000);

  it('Ctrl-C (SIGINT) writes a checkpoint and exits with 130', async () => {
    const dir = join(work, 'sigint');
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/finetune-fashion-mnist.ts', '--data', 'data/fashion-mnist-subset', '--epochs', '3', '--pretrain-epochs', '3', '--out', dir], { cwd: root, env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Interrupt once training has begun (the first epoch line).
      if (/epoch 1\/3/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(out).toMatch(/stopped during pretrain at step \d+/);
    expect(existsSync(join(dir, 'checkpoint.pt'))).toBe(true);
  }, 600_000);

  it('--help lists the options; a bad option says what is wrong', async () => {
    const help = await job(['--help']);
    expect(help.status).toBe(0);
    for (const option of ['--epochs', '--batch-size', '--data', '--backend', '--out', '--resume', '--sweep']) expect(help.stdout).toContain(option);
    const bad = await job(['--epochs', 'two']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--epochs must be an integer >= 1, got "two"');
    const unknown = await job(['--lr', 'fast=1']);
    expect(unknown.stderr).toContain('--lr takes RECIPE=LR');
  }, 300_000);
});

describe.skipIf(!browserAvailable())('report.html in a headless browser', () => {
  it('shows the three plots with data, the results table and the group tables; saves a screenshot', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${join(full, 'report.html')}`);
      // The page sets plotsReady when Vega has drawn every plot.
      await page.waitForFunction('window.plotsReady !== undefined');
      await page.evaluate('window.plotsReady.then(() => true)');
      expect(errors).toEqual([]);
      expect(requests).toEqual([]); // self-contained: nothing from the network
      for (const plot of ['loss', 'accuracy', 'lr']) {
        // Vega draws each line as a path in a mark-line group; a line with data has points.
        const lines = await page.locator(`#plot-${plot} svg g.mark-line path`).evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''));
        expect(lines.length, plot).toBeGreaterThan(0);
        expect(lines.some((d) => (d.match(/L/g) ?? []).length >= 1), plot).toBe(true);
      }
      const rows = await page.locator('table.results tbody tr').allTextContents();
      expect(rows.length).toBe(4);
      expect(rows[0]).toMatch(/linear probe.*\d+\.\d\d%/);
      expect(await page.locator('table.groups').count()).toBe(4);
      expect(await page.locator('table.groups tbody tr').count()).toBeGreaterThan(10);
      const artifacts = join(root, 'test', 'artifacts');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'finetune-report.png'), fullPage: true });
      expect(existsSync(join(artifacts, 'finetune-report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
