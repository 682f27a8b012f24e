/**
 * Times the seed model's training step at one batch size, for profiling:
 * `node --import tsx --cpu-prof bench/profile.ts BATCH STEPS` writes a V8
 * CPU profile of STEPS steps (after 5 warm-up steps) and prints ms/step.
 */
import { mlpStep } from './models.js';

const batch = Number(process.argv[2] ?? 256);
const steps = Number(process.argv[3] ?? 50);
const w = mlpStep(batch);
for (let i = 0; i < 5; i++) w.step();
const t = performance.now();
for (let i = 0; i < steps; i++) w.step();
console.log(JSON.stringify({ batch, msPerStep: (performance.now() - t) / steps }));
