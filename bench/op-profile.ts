/**
 * Where a training step's time goes, in kindling and PyTorch side by side:
 * `node build/bench-js/bench/op-profile.js BENCH [PARAM] [STEPS]` (after
 * `npm run bench` compiled it; BENCH is `transformer-step` or `vgg-step`).
 * Prints one JSON object: the median forward / backward / optimizer time of
 * each library (rounds alternate between them, as in run.ts), kindling's
 * time per backend entry per step (each entry wrapped in a timer; what the
 * entries do not cover is JavaScript: ops, autograd, allocation, collection),
 * PyTorch's self CPU time per op (torch.profiler), the GEMM FLOPs of one step
 * and the fraction of the GEMM peak (a 1024² sgemm, measured here) each
 * library's step reaches. Threads: `KINDLING_NUM_THREADS` for both;
 * `--no-torch` profiles kindling alone.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kd from '../src/node.js';
import { backend, registerBackend, setBackend, type Backend } from '../src/backend/index.js';
import { transformerStep, vggStep, type PhasedWorkload } from './models.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = import.meta.url.endsWith('.js') ? join(here, '..', '..', '..', 'bench') : here;
const noTorch = process.argv.includes('--no-torch');
const argv = process.argv.slice(2).filter((a) => a !== '--no-torch');
const bench = argv[0] ?? 'transformer-step';
const param = Number(argv[1] || (bench === 'vgg-step' ? 32 : 16));
const steps = Number(argv[2] || 20);
const threads = kd.backendInfo().threads;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wraps every function of the current backend in a timer; returns the per-entry totals (ms) and GEMM FLOPs. */
function instrument(): { ms: Map<string, number>; flops: { n: number } } {
  const b = backend();
  const ms = new Map<string, number>();
  const flops = { n: 0 };
  const wrapped: Record<string, unknown> = { name: b.name };
  for (const [key, value] of Object.entries(b)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...a: unknown[]) => unknown;
    wrapped[key] = (...a: unknown[]) => {
      // matmul(out, a, b, batch, m, n, k) and matmulSum: 2·batch·m·n·k.
      if (key === 'matmul' || key === 'matmulSum') flops.n += 2 * (a[3] as number) * (a[4] as number) * (a[5] as number) * (a[6] as number);
      const label = key === 'unary' || key === 'binary' || key === 'reduce' ? `${key}:${a[0] as string}` : key;
      const t = performance.now();
      const r = fn.apply(b, a);
      ms.set(label, (ms.get(label) ?? 0) + performance.now() - t);
      return r;
    };
  }
  registerBackend(wrapped as unknown as Backend);
  setBackend(b.name);
  return { ms, flops };
}

function gemmPeak(): number {
  const a = kd.randn([1024, 1024]);
  const b = kd.randn([1024, 1024]);
  const t: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    a.matmul(b);
    t.push(performance.now() - t0);
  }
  // The best run: the machine's peak, less whatever else was running at the time.
  return (2 * 1024 ** 3) / Math.min(...t.slice(2)) / 1e6;
}

function make(): PhasedWorkload {
  if (bench === 'vgg-step') return vggStep(param);
  if (bench === 'transformer-step') return transformerStep(param);
  throw new Error(`op-profile: unknown bench '${bench}' (transformer-step or vgg-step)`);
}

interface TorchProfile { phases: Record<string, number>; ops: Record<string, number> }

function torchProfile(): TorchProfile | null {
  if (noTorch) return null;
  const n = String(threads);
  const r = spawnSync('/usr/bin/python3', [join(benchDir, 'torch_bench.py'), 'profile', bench, String(param), String(steps), n], {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n },
  });
  return r.status === 0 ? (JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchProfile) : null;
}

const peak = gemmPeak();
const w = make();
for (let i = 0; i < 5; i++) w.step();
// Phase times without the timers (alternating with PyTorch's rounds), then the per-entry profile.
const phases = { forward: [] as number[], backward: [] as number[], optimizer: [] as number[], step: [] as number[] };
const torchRounds: TorchProfile[] = [];
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const loss = w.forward();
    const t1 = performance.now();
    w.backward(loss);
    const t2 = performance.now();
    w.optimizerStep();
    const t3 = performance.now();
    phases.forward.push(t1 - t0);
    phases.backward.push(t2 - t1);
    phases.optimizer.push(t3 - t2);
    phases.step.push(t3 - t0);
  }
  const tp = torchProfile();
  if (tp !== null) torchRounds.push(tp);
}
const { ms, flops } = instrument();
for (let i = 0; i < steps; i++) w.step();
const kernels = Object.fromEntries([...ms].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / steps).toFixed(3)]));
const stepFlops = flops.n / steps;
const k = Object.fromEntries(Object.entries(phases).map(([p, v]) => [p, +median(v).toFixed(3)]));
const tPhases = torchRounds.length === 0 ? null : Object.fromEntries(['forward', 'backward', 'optimizer'].map(
  (p) => [p, +median(torchRounds.map((r) => r.phases[p]!)).toFixed(3)],
));
const tStep = tPhases === null ? null : tPhases.forward! + tPhases.backward! + tPhases.optimizer!;
console.log(JSON.stringify({
  bench, param, steps, threads, gemmPeakGflops: +peak.toFixed(1), gemmGflopPerStep: +(stepFlops / 1e9).toFixed(3),
  kindling: { phases: k, peakFraction: +(stepFlops / k.step! / 1e6 / peak).toFixed(3), kernelsMsPerStep: kernels,
    kernelsTotal: +([...ms.values()].reduce((a, b) => a + b, 0) / steps).toFixed(3) },
  pytorch: tPhases === null ? null : { phases: { ...tPhases, step: +tStep!.toFixed(3) }, peakFraction: +(stepFlops / tStep! / 1e6 / peak).toFixed(3),
    opsMsPerStep: torchRounds.at(-1)!.ops },
}, null, 1));
