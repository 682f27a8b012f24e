/**
 * PyTorch reads what kindling writes (python3 with torch, at test time):
 * tensors of every dtype with views and shared storages, a model state dict
 * under weights_only=True, optimizer state that torch's own optimizers load.
 * Skipped, with one line saying why, where PyTorch cannot be imported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kd, python, pythonWithTorch, runCommand, torchMissing } from './lib.js';
import { makeRun } from './training.js';

const { nn } = kd;
const dir = mkdtempSync(join(tmpdir(), 'kindling-interop-'));
const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'scale-out');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(torchMissing() !== null)('PyTorch reads what kindling writes', () => {
  it('tensors of every dtype, views sharing one storage, plain values (torch.load)', async () => {
    const base = kd.arange(12);
    const path = join(dir, 'values.pt');
    kd.save({
      f32: kd.tensor([[1.5, -2]]), f64: kd.tensor([0.1], { dtype: 'float64' }), i32: kd.tensor([-7, 2 ** 31 - 1], { dtype: 'int32' }), b: kd.tensor([true, false]),
      base, t: base.view([3, 4]).transpose(0, 1), tail: base.narrow(0, 5, 4), scalar: kd.tensor(2),
      n: 3, f: 0.25, s: 'héllo', l: [1, null, true], nested: { a: [{ b: 'c' }] }, state: { 0: 'int key' },
    }, path);
    const got = await python<Record<string, unknown>>(`
import json, sys, torch
d = torch.load(sys.argv[1])
out = {k: (str(v.dtype), list(v.shape), v.tolist()) if torch.is_tensor(v) else v for k, v in d.items() if k != 'state'}
out['shared'] = d['t'].storage().data_ptr() == d['base'].storage().data_ptr() == d['tail'].storage().data_ptr()
out['t_stride'] = list(d['t'].stride())
out['state_keys'] = [type(k).__name__ for k in d['state']]
print(json.dumps(out))`, [path]);
    expect(got['f32']).toEqual(['torch.float32', [1, 2], [[1.5, -2]]]);
    expect(got['f64']).toEqual(['torch.float64', [1], [0.1]]);
    expect(got['i32']).toEqual(['torch.int32', [2], [-7, 2 ** 31 - 1]]);
    expect(got['b']).toEqual(['torch.bool', [2], [true, false]]);
    expect(got['t']).toEqual(['torch.float32', [4, 3], base.view([3, 4]).transpose(0, 1).toArray()]);
    expect(got['tail']).toEqual(['torch.float32', [4], [5, 6, 7, 8]]);
    expect(got['scalar']).toEqual(['torch.float32', [], 2]);
    expect(got['shared']).toBe(true);
    expect(got['t_stride']).toEqual([1, 4]);
    expect([got['n'], got['f'], got['s'], got['l'], got['nested']]).toEqual([3, 0.25, 'héllo', [1, null, true], { a: [{ b: 'c' }] }]);
    expect(got['state_keys']).toEqual(['int']);
  });

  it('a model state dict loads with weights_only=True into the same PyTorch model, which computes what kindling computes', async () => {
    kd.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const x = kd.randn([5, 3]);
    const path = join(dir, 'model.pt');
    kd.save(model.stateDict(), path);
    const out = await python<number[][]>(`
import json, sys, torch
sd = torch.load(sys.argv[1], weights_only=True)
m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
m.load_state_dict(sd)
x = torch.tensor(json.loads(sys.argv[2]))
print(json.dumps(m(x).tolist()))`, [path, JSON.stringify(x.toArray())]);
    const mine = model.forward(x).toArray() as number[][];
    out.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(mine[i]![j]!, 6)));
  });

  it('a checkpoint\'s optimizer state (Adam, three groups) loads into torch.optim.Adam, and one more step matches kindling\'s', async () => {
    const run = makeRun(kd, 'adam');
    for (let i = 0; i < 3; i++) run.step(i);
    run.model.eval(); // no dropout: the same step in both
    const path = join(dir, 'ckpt.pt');
    kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched, step: 3 });
    const g = new kd.Generator(7);
    const x = kd.randn([8, 4], { generator: g });
    const y = kd.randint(0, 3, [8], { generator: g });
    const after = await python<{ params: number[][]; lrs: number[]; names: string[][] }>(`
import json, sys, torch
ck = torch.load(sys.argv[1])
m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
m.load_state_dict(ck['model'])
m.eval()
named = dict(m.named_parameters())
groups = [{'params': [named[n] for n in g['param_names']], **{k: v for k, v in g.items() if k not in ('params', 'param_names')}} for g in ck['optimizer']['param_groups']]
opt = getattr(torch.optim, ck['optimizer_class'])(groups)
opt.load_state_dict(ck['optimizer'])
x = torch.tensor(json.loads(sys.argv[2])); y = torch.tensor(json.loads(sys.argv[3]))
opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
print(json.dumps({'params': [p.detach().reshape(-1).tolist() for p in m.parameters()], 'lrs': [g['lr'] for g in opt.param_groups], 'names': [g['param_names'] for g in opt.param_groups]}))`,
    [path, JSON.stringify(x.toArray()), JSON.stringify(y.toArray())]);
    run.opt.zeroGrad();
    kd.crossEntropy(run.model.forward(x), y).backward();
    run.opt.step();
    expect(after.lrs).toEqual(run.opt.paramGroups.map((gr) => gr.lr));
    expect(after.names).toEqual([['0.weight', '0.bias'], ['3.weight', '3.bias'], ['5.weight', '5.bias']]);
    const mine = [...run.model.parameters()].map((p) => Array.from(p.dataSync()));
    after.params.forEach((p, i) => p.forEach((v, j) => expect(Math.abs(v - mine[i]![j]!)).toBeLessThan(1e-6)));
  });
});

interface PhaseReport {
  step: number;
  losses: number[];
  groups: { name: string; lr: number; momentum?: number; weightDecay?: number; params: string[] }[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(torchMissing() !== null)('examples/scale-out: kindling → PyTorch DDP (gloo, 2 processes) → kindling', () => {
  it('carries the groups and the optimizer state both ways, and the loss keeps falling', async () => {
    const run = join(dir, 'scale-out');
    const env = { ...process.env, KINDLING_BACKEND: kd.backend().name };
    const tsx = (phase: string): Promise<PhaseReport> =>
      runCommand(process.execPath, ['--import', 'tsx', join(example, 'train.ts'), phase, run], env).then((out) => JSON.parse(out) as PhaseReport);
    await runCommand('mkdir', ['-p', run]);
    const first = await tsx('start');
    const ddp = JSON.parse(await runCommand(pythonWithTorch(), [join(example, 'ddp.py'), run], process.env, 180_000)) as PhaseReport;
    const saved = kd.load<{ optimizer: { state: Record<string, Record<string, kd.Tensor>>; param_groups: Record<string, unknown>[] }; extra: { worldSize: number } }>(join(run, 'ddp.pt'));
    const last = await tsx('continue');

    expect([first.step, ddp.step, last.step]).toEqual([15, 30, 45]);
    // The groups travel by name with their parameters and values; the StepLR schedule runs on across the three phases.
    for (const report of [first, ddp, last]) {
      expect(report.groups.map((g) => [g.name, g.params])).toEqual([['body', ['0.weight', '0.bias', '2.weight', '2.bias']], ['head', ['4.weight', '4.bias']]]);
    }
    expect(first.groups.map((g) => g.lr)).toEqual([0.05, 0.025]);
    expect(ddp.groups.map((g) => g.lr)).toEqual([0.0125, 0.00625]);
    expect(last.groups.map((g) => g.lr)).toEqual([0.00625, 0.003125]);
    expect(last.groups.map((g) => [g.momentum, g.weightDecay])).toEqual([[0.9, 0], [0.9, 1e-4]]);
    expect(saved.extra.worldSize).toBe(2);
    expect(saved.optimizer.param_groups.map((g) => [g['name'], g['weight_decay'], g['momentum']])).toEqual([['body', 0, 0.9], ['head', 1e-4, 0.9]]);
    expect(Object.values(saved.optimizer.state).every((s) => s['momentum_buffer'] instanceof kd.Tensor)).toBe(true);
    // Training went on in each phase.
    expect(mean(ddp.losses)).toBeLessThan(mean(first.losses));
    expect(mean(last.losses)).toBeLessThan(mean(ddp.losses));
  }, 300_000);
});
