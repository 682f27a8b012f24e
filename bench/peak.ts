/**
 * Peak resident memory of the seed model's training loop (run by bench/run.ts
 * in a fresh process): `tsx bench/peak.ts BATCH STEPS` prints `{"mb": peak RSS}`.
 */
import { readFileSync } from 'node:fs';
import { mlpStep } from './models.js';

const batch = Number(process.argv[2] ?? 1024);
const steps = Number(process.argv[3] ?? 20);
const w = mlpStep(batch);
for (let i = 0; i < steps; i++) w.step();
// VmHWM: the peak resident set size of this process, in kB.
const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
const mb = hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
console.log(JSON.stringify({ mb }));
