/**
 * `npm run bench`: runs each workload in kindling and, when PyTorch is
 * installed (`/usr/bin/python3 -c 'import torch'`), the same work in PyTorch,
 * side by side in one run. Prints one JSON object per line,
 * `{"bench", "impl", "param", "ms" (median), "runs"}`, then the ratios.
 *
 * Options: `--only=sgemm,mlp-step,cnn-step,vgg-step,transformer-step,adamw-step,mlp-peak-memory,seed-backends`,
 * `--quick` (fewer runs), `--no-torch`. PyTorch runs with as many threads as
 * kindling's pool (`KINDLING_NUM_THREADS`, else the available parallelism).
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kd from '../src/node.js';
import { adamwStep, cnnStep, mlpStep, sgemm, transformerStep, vggStep, type Workload } from './models.js';
import { seedBackends } from './backends.js';

const here = dirname(fileURLToPath(import.meta.url));
// NOTE: `npm run bench` runs this file compiled (build/bench-js/bench/run.js,
// tsconfig.bench.json) with plain node: under tsx's loader the same CNN step
// ran a full V8 collection every 3-4 steps instead of every ~20 (8.9 → 11 ms
// per step on two threads, docs/PERFORMANCE.md). The Python side and the
// peak-memory script are found from the source folder either way.
const compiled = import.meta.url.endsWith('.js');
const benchDir = compiled ? join(here, '..', '..', '..', 'bench') : here;
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const quick = args.includes('--quick');
const PYTHON = '/usr/bin/python3';
/** Alternating rounds of kindling and PyTorch runs per case. */
const ROUNDS = quick ? 3 : 6;

interface Case {
  bench: string;
  param: number;
  make: () => Workload;
  /** FLOPs of one step (sgemm reports GFLOP/s). */
  flops?: number;
}

const cases: Case[] = [
  ...[256, 512, 1024, 2048].map((n) => ({ bench: 'sgemm', param: n, make: () => sgemm(n), flops: 2 * n ** 3 })),
  ...[1, 32, 256, 1024].map((b) => ({ bench: 'mlp-step', param: b, make: () => mlpStep(b) })),
  { bench: 'cnn-step', param: 64, make: () => cnnStep(64) },
  { bench: 'vgg-step', param: 32, make: () => vggStep(32) },
  { bench: 'transformer-step', param: 16, make: () => transformerStep(16) },
  { bench: 'adamw-step', param: 10_000_000, make: () => adamwStep(10_000_000, 50) },
].filter((c) => only === undefined || only.includes(c.bench));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeRuns(w: Workload, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    w.step();
    times.push(performance.now() - t);
  }
  return times;
}

/** Warm-up count and runs per round, sized from the first step so a case takes about `budget` ms. */
function plan(w: Workload): { warmup: number; perRound: number } {
  const t0 = performance.now();
  w.step();
  const first = Math.max(performance.now() - t0, 0.01);
  const warmup = Math.max(2, Math.min(20, Math.floor(300 / first)));
  for (let i = 1; i < warmup; i++) w.step();
  const t1 = performance.now();
  w.step();
  const one = Math.max(performance.now() - t1, 0.01);
  const total = Math.max(ROUNDS, Math.min(quick ? 30 : 200, Math.floor((quick ? 500 : 2000) / one)));
  return { warmup, perRound: Math.ceil(total / ROUNDS) };
}

class Torch {
  private lines: AsyncIterator<string>;
  private constructor(private proc: ChildProcessByStdio<Writable, Readable, null>, rl: Interface, readonly version: string) {
    this.lines = rl[Symbol.asyncIterator]();
  }
  static async start(threads: number): Promise<Torch | null> {
    if (args.includes('--no-torch')) return null;
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.error(`bench: PyTorch not found (${PYTHON} -c 'import torch' failed); kindling only`);
      return null;
    }
    const proc = spawn(PYTHON, [join(benchDir, 'torch_bench.py')], { stdio: ['pipe', 'pipe', 'inherit'], env: torchEnv(threads) });
    const rl = createInterface({ input: proc.stdout });
    const it = rl[Symbol.asyncIterator]();
    const ready = JSON.parse((await it.next()).value as string) as { version: string };
    const t = new Torch(proc, rl, ready.version);
    t.lines = it;
    return t;
  }
  async run(bench: string, param: number, runs: number, warmup: number, threads: number): Promise<number[]> {
    this.proc.stdin.write(`${JSON.stringify({ bench, param, runs, warmup, threads })}\n`);
    return (JSON.parse((await this.lines.next()).value as string) as { times: number[] }).times;
  }
  close(): void {
    this.proc.stdin.end();
  }
}

/**
 * PyTorch's environment: its BLAS (OpenBLAS here) keeps its own thread pool,
 * which torch.set_num_threads does not limit, so the thread count is also set
 * for the BLAS and OpenMP, giving both libraries the same number of cores.
 */
function torchEnv(threads: number): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
}

/**
 * A pause between the two libraries' rounds. NOTE: after a call, OpenBLAS's
 * and OpenMP's worker threads busy-wait for a while (OpenBLAS: up to ~0.1 s)
 * before they sleep; without the pause, kindling's next round shared its
 * cores with PyTorch's idle spinning threads (two-thread sgemm at n = 512 ran
 * at one-thread speed, 2.5 ms against 1.5 ms without PyTorch in the run).
 * kindling's own workers spin for microseconds only.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 250));
}

function emit(o: Record<string, unknown>): void {
  console.log(JSON.stringify(o));
}

function peakKindling(batch: number, steps: number): number {
  const script = compiled ? [join(here, 'peak.js')] : ['--import', 'tsx', join(here, 'peak.ts')];
  const r = spawnSync(process.execPath, [...script, String(batch), String(steps)], {
    encoding: 'utf8', env: process.env,
  });
  if (r.status !== 0) throw new Error(`bench/peak.ts failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { mb: number }).mb;
}

async function main(): Promise<void> {
  const info = kd.backendInfo();
  const threads = info.threads;
  const torch = await Torch.start(threads);
  emit({ setup: { kindling: info, pytorch: torch?.version ?? null, pytorchThreads: torch ? threads : null, node: process.version } });
  const ratios: Record<string, unknown>[] = [];
  for (const c of cases) {
    const w = c.make();
    const { warmup, perRound } = plan(w);
    // NOTE: rounds alternate kindling and PyTorch on the same case, so both see
    // the same machine load (2 cores shared with other work); medians over all rounds.
    const kt: number[] = [];
    const tt: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      kt.push(...timeRuns(w, perRound));
      if (torch) {
        await settle();
        tt.push(...(await torch.run(c.bench, c.param, perRound, r === 0 ? warmup : 1, threads)));
        await settle();
      }
    }
    const extra = (ms: number) => (c.flops ? { gflops: +(c.flops / ms / 1e6).toFixed(1) } : {});
    const km = median(kt);
    emit({ bench: c.bench, impl: 'kindling', param: c.param, ms: +km.toFixed(4), runs: kt.length, ...extra(km) });
    if (torch) {
      const tm = median(tt);
      emit({ bench: c.bench, impl: 'pytorch', param: c.param, ms: +tm.toFixed(4), runs: tt.length, ...extra(tm) });
      ratios.push({ ratio: c.bench, param: c.param, kindlingMsOverPytorchMs: +(km / tm).toFixed(3),
        ...(c.flops ? { kindlingGflopsOverPytorchGflops: +(tm / km).toFixed(3) } : {}) });
    }
  }
  if (only === undefined || only.includes('mlp-peak-memory')) {
    const steps = quick ? 5 : 20;
    const mb = peakKindling(1024, steps);
    emit({ bench: 'mlp-peak-memory', impl: 'kindling', param: 1024, mb: +mb.toFixed(1), runs: steps });
    if (torch) {
      const r = spawnSync(PYTHON, [join(benchDir, 'torch_bench.py'), 'peak', '1024', String(steps), String(threads)], {
        encoding: 'utf8', env: torchEnv(threads),
      });
      const tmb = (JSON.parse(r.stdout.trim()) as { mb: number }).mb;
      emit({ bench: 'mlp-peak-memory', impl: 'pytorch', param: 1024, mb: +tmb.toFixed(1), runs: steps });
      ratios.push({ ratio: 'mlp-peak-memory', param: 1024, kindlingMbOverPytorchMb: +(mb / tmb).toFixed(3) });
    }
  }
  torch?.close();
  for (const r of ratios) emit(r);
  // The seed step on kindling's backends and in jax-js (bench/backends.ts).
  if (only === undefined || only.includes('seed-backends')) await seedBackends(quick, emit);
}

await main();
