/**
 * The kindling side of the scale-out example (see README.md here):
 *
 *   tsx examples/scale-out/train.ts start <dir>     trains a few steps, saves <dir>/kindling.pt
 *   python3 examples/scale-out/ddp.py <dir>         continues under PyTorch DDP, saves <dir>/ddp.pt
 *   tsx examples/scale-out/train.ts continue <dir>  loads <dir>/ddp.pt and trains on
 *
 * Each phase prints one JSON line: the step reached, its losses and each
 * group's values, so a test (test/io/interop.test.ts) can check the round trip.
 */
import { join } from 'node:path';
import * as kd from '../../src/node.js';
import { nn, optim, type Tensor } from '../../src/node.js';

/** The same model as `make_model` in ddp.py: PyTorch names its parameters the same way (0.weight …). */
function makeModel(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(4, 32), new nn.ReLU(), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 3));
}

/** A batch of the toy task (also in ddp.py): three classes from two linear rules on four features. */
function batch(step: number): { x: Tensor; y: Tensor } {
  const g = new kd.Generator(1000 + step);
  const x = kd.randn([64, 4], { generator: g });
  const a = x.select(1, 0).add(x.select(1, 1)).gt(0).int();
  const b = x.select(1, 2).sub(x.select(1, 3)).gt(0.5).int();
  return { x, y: a.add(b) };
}

function setup(): { model: nn.Sequential; opt: optim.SGD; sched: optim.lrScheduler.StepLR } {
  kd.manualSeed(0);
  const model = makeModel();
  const opt = new optim.SGD(optim.paramGroups<optim.SGDOptions>(model, [
    { name: 'body', select: ['0.*', '2.*'] },
    { name: 'head', select: '4.*', lr: 0.05, weightDecay: 1e-4 },
  ], { defaults: { lr: 0.1, momentum: 0.9 } }), { lr: 0.1, momentum: 0.9 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.5 });
  return { model, opt, sched };
}

function train(run: ReturnType<typeof setup>, from: number, steps: number): number[] {
  const losses: number[] = [];
  for (let s = from; s < from + steps; s++) {
    const { x, y } = batch(s);
    run.opt.zeroGrad();
    const loss = kd.crossEntropy(run.model.forward(x), y);
    loss.backward();
    run.opt.step();
    run.sched.step();
    losses.push(loss.item());
  }
  return losses;
}

function report(run: ReturnType<typeof setup>, step: number, losses: number[]): void {
  const groups = run.opt.paramGroups.map((g) => ({ name: g.name, lr: g.lr, momentum: g.momentum, weightDecay: g.weightDecay, params: g.paramNames }));
  console.log(JSON.stringify({ step, losses, groups }));
}

const [phase, dir] = process.argv.slice(2);
if (dir === undefined || (phase !== 'start' && phase !== 'continue')) {
  console.error('usage: tsx examples/scale-out/train.ts start|continue <dir>');
  process.exit(2);
}
const run = setup();
if (phase === 'start') {
  const losses = train(run, 0, 15);
  kd.io.saveCheckpoint(join(dir, 'kindling.pt'), { model: run.model, optimizer: run.opt, scheduler: run.sched, step: 15 });
  report(run, 15, losses);
} else {
  // The groups are built again by the same rules; the checkpoint's groups (from DDP) must match them by name.
  const { step, extra } = kd.io.loadCheckpoint(join(dir, 'ddp.pt'), { model: run.model, optimizer: run.opt, scheduler: run.sched });
  console.error(`resumed at step ${step} after PyTorch DDP on ${(extra as { worldSize: number }).worldSize} processes`);
  const losses = train(run, step!, 15);
  report(run, step! + 15, losses);
}
