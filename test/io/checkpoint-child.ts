/**
 * Child processes of test/io/checkpoint.test.ts (run with `node --import tsx`):
 *   resume <checkpoint> <out> <steps> <kind>: loads a checkpoint into a fresh run, trains <steps> more
 *     steps and saves the parameters to <out> with kd.save;
 *   loop <path>: saves checkpoints to <path> forever, checkpoint k holding tensors filled with k
 *     (prints "ready" after the first), until it is killed.
 */
import { makeRun, type RunKind } from './training.js';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'resume') {
  // The Node entry: the backend the parent runs on (KINDLING_BACKEND), native included.
  const kd = await import('../../src/node.js');
  const [ckpt, out, steps, kind] = args as [string, string, string, RunKind];
  const run = makeRun(kd, kind);
  const { step } = kd.io.loadCheckpoint(ckpt, { model: run.model, optimizer: run.opt, scheduler: run.sched });
  for (let i = step!; i < step! + Number(steps); i++) run.step(i);
  kd.save([...run.model.parameters()].map((p) => p.detach()), out);
} else if (mode === 'loop') {
  // Only the core and the checkpoint writer: no native addon to load, so that each of the many writers starts quickly.
  const kd = await import('../../src/index.js');
  const { saveCheckpoint } = await import('../../src/io/node/files.js');
  const [path] = args as [string];
  const model = new kd.nn.Linear(64, 64);
  for (let k = 0; ; k++) {
    kd.noGrad(() => {
      model.weight.fill_(k);
      model.bias!.fill_(k);
    });
    saveCheckpoint(path, { model, step: k, extra: { k, pad: 'x'.repeat(k % 7 * 1000) } });
    if (k === 0) console.log('ready');
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
