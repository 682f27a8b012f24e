/**
 * kd.io.saveCheckpoint / loadCheckpoint: what a checkpoint restores, exact
 * resumption (in this process and in a new one), groups that changed since
 * the save, all-or-nothing loading, and crash safety under SIGKILL.
 */
import { spawn } from 'node:child_process';
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import { kd, runCommand } from './lib.js';
import { makeRun, paramValues, type RunKind } from './training.js';

const { nn, optim, CheckpointError } = kd;
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kindling-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An optimizer's state dict with tensors as plain values, for deep comparison. */
function stateOf(opt: kd.optim.Optimizer): unknown {
  const plain = (v: unknown): unknown => {
    if (v instanceof kd.Tensor) return { values: Array.from(v.dataSync()), shape: v.shape };
    if (Array.isArray(v)) return v.map(plain);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return plain(opt.stateDict());
}

describe('saveCheckpoint / loadCheckpoint', () => {
  for (const kind of ['sgd', 'adam'] as RunKind[]) {
    it(`resumes ${kind} exactly: N steps, save, load into a fresh run, M more steps = N + M steps uninterrupted`, () => {
      const N = 5;
      const M = 4;
      const whole = makeRun(kd, kind);
      for (let i = 0; i < N + M; i++) whole.step(i);

      const first = makeRun(kd, kind);
      for (let i = 0; i < N; i++) first.step(i);
      const path = join(dir, `${kind}.pt`);
      kd.io.saveCheckpoint(path, { model: first.model, optimizer: first.opt, scheduler: first.sched, step: N, extra: { note: 'hi', best: kd.tensor([0.5]) } });
      kd.manualSeed(999); // a new process would start from another random position

      const second = makeRun(kd, kind);
      const loaded = kd.io.loadCheckpoint(path, { model: second.model, optimizer: second.opt, scheduler: second.sched });
      expect(loaded.step).toBe(N);
      expect((loaded.extra as { note: string }).note).toBe('hi');
      expect(((loaded.extra as { best: kd.Tensor }).best).toArray()).toEqual([0.5]);
      expect(second.opt.paramGroups.map((g) => g.lr)).toEqual(first.opt.paramGroups.map((g) => g.lr));
      expect(second.sched.getLastLr()).toEqual(first.sched.getLastLr());
      expect(stateOf(second.opt)).toEqual(stateOf(first.opt));
      for (let i = N; i < N + M; i++) second.step(i);
      expect(paramValues(second)).toEqual(paramValues(whole));
    });
  }

  it('resumes exactly in a new process', async () => {
    const N = 4;
    const M = 3;
    const whole = makeRun(kd, 'adam');
    for (let i = 0; i < N + M; i++) whole.step(i);
    const first = makeRun(kd, 'adam');
    for (let i = 0; i < N; i++) first.step(i);
    const path = join(dir, 'child-resume.pt');
    const out = join(dir, 'child-params.pt');
    kd.io.saveCheckpoint(path, { model: first.model, optimizer: first.opt, scheduler: first.sched, step: N });
    await runCommand(process.execPath, ['--import', 'tsx', join(here, 'checkpoint-child.ts'), 'resume', path, out, String(M), 'adam'], { ...process.env, KINDLING_BACKEND: kd.backend().name });
    const params = (kd.load(out) as kd.Tensor[]).map((t) => Array.from(t.dataSync()));
    expect(params).toEqual(paramValues(whole));
  });

  it('writes a dict PyTorch can use: model state, optimizer state in PyTorch\'s layout with parameter names, rng, step', () => {
    const run = makeRun(kd, 'sgd');
    run.step(0);
    const path = join(dir, 'layout.pt');
    kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt, step: 1 });
    const file = kd.load(path) as Record<string, unknown>;
    expect(Object.keys(file)).toEqual(['kindling_checkpoint', 'model', 'optimizer', 'optimizer_class', 'rng', 'step']);
    expect(Object.keys(file['model'] as object)).toEqual(Object.keys(run.model.stateDict()));
    const opt = file['optimizer'] as { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
    expect(opt.param_groups[2]).toMatchObject({ lr: 0.005, momentum: 0.9, weight_decay: 0.01, nesterov: true, name: 'head', param_names: ['5.weight', '5.bias'], params: [4, 5] });
    expect(Object.keys(opt.param_groups[0]!).at(-1)).toBe('params');
    expect(opt.state['0']!['momentum_buffer']).toBeInstanceOf(kd.Tensor);
    expect(file['optimizer_class']).toBe('SGD');
  });

  it('writes Adam\'s step as a 0-dim tensor, as PyTorch >= 1.12 requires, and reads it back as a number', () => {
    const run = makeRun(kd, 'adam');
    run.step(0);
    run.step(1);
    const path = join(dir, 'adam-step.pt');
    kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt });
    const step = ((kd.load(path) as { optimizer: { state: Record<string, Record<string, kd.Tensor>> } }).optimizer.state['0']!['step'])!;
    expect(step.shape).toEqual([]);
    expect(step.item()).toBe(2);
    const again = makeRun(kd, 'adam');
    kd.io.loadCheckpoint(path, { model: again.model, optimizer: again.opt });
    expect((again.opt.state.get(again.model.at(0, nn.Linear).weight) as { step: number }).step).toBe(2);
  });

  describe('groups that changed since the save', () => {
    const saved = (): { path: string; run: ReturnType<typeof makeRun> } => {
      const run = makeRun(kd, 'sgd');
      run.step(0);
      const path = join(dir, 'groups.pt');
      kd.io.saveCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched, step: 1 });
      return { path, run };
    };
    /** A run whose head group is split in two: a group added (as unfreezing does). */
    const splitRun = (): { model: kd.nn.Sequential; opt: kd.optim.SGD } => {
      const model = makeRun(kd, 'sgd').model as kd.nn.Sequential;
      const opt = new optim.SGD([
        { params: model.at(0, nn.Linear).parameters(), name: 'first' },
        { params: model.at(3, nn.Linear).parameters(), lr: 0.02, name: 'middle' },
        { params: [model.at(5, nn.Linear).weight], lr: 0.005, name: 'head', weightDecay: 0.01 },
        { params: [model.at(5, nn.Linear).bias!], lr: 0.001, name: 'bias' },
      ], { lr: 0.05, momentum: 0.9, nesterov: true });
      return { model, opt };
    };

    it('refuses a group added since, listing every difference, and changes nothing', () => {
      const { path } = saved();
      const { model, opt } = splitRun();
      const before = { params: [...model.parameters()].map((p) => Array.from(p.dataSync())), state: stateOf(opt), lrs: opt.paramGroups.map((g) => g.lr) };
      let err: unknown;
      try {
        kd.io.loadCheckpoint(path, { model, optimizer: opt });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckpointError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/the checkpoint has 3 group\(s\), the optimizer 4/);
      expect(msg).toMatch(/group 2 \('head'\) no longer holds 5\.bias/);
      expect(msg).toMatch(/group 3 \('bias'\) is not in the checkpoint \(5\.bias\)/);
      expect(msg).toMatch(/match: 'names'/);
      expect([...model.parameters()].map((p) => Array.from(p.dataSync()))).toEqual(before.params);
      expect(stateOf(opt)).toEqual(before.state);
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(before.lrs);
    });

    it('with { match: \'names\' } moves state by parameter name and says what had no place (a group unfrozen since)', () => {
      // Saved while the head was frozen (not in the optimizer); loaded after unfreezing it into a group of its own.
      const before = makeRun(kd, 'sgd');
      const frozen = new optim.SGD([before.opt.paramGroups[0]!, before.opt.paramGroups[1]!].map((g) => ({ params: g.params, name: g.name, lr: g.lr })), { lr: 0.05, momentum: 0.9 });
      frozen.zeroGrad();
      kd.crossEntropy(before.model.forward(kd.randn([4, 4])), kd.tensor([0, 1, 2, 0], { dtype: 'int32' })).backward();
      frozen.step();
      const path = join(dir, 'frozen.pt');
      kd.io.saveCheckpoint(path, { model: before.model, optimizer: frozen, step: 7 });

      const after = makeRun(kd, 'sgd');
      expect(() => kd.io.loadCheckpoint(path, { model: after.model, optimizer: after.opt })).toThrow(/group 2 \('head'\) is not in the checkpoint \(5\.weight, 5\.bias\)/);
      const r = kd.io.loadCheckpoint(path, { model: after.model, optimizer: after.opt }, { match: 'names' });
      expect(r.step).toBe(7);
      expect(r.unmatched).toEqual({ newGroups: ['head'], droppedGroups: [], newParams: ['5.weight', '5.bias'], droppedParams: [] });
      const w0 = after.model.at(0, nn.Linear).weight;
      const saved = frozen.state.get(before.model.at(0, nn.Linear).weight) as { momentumBuffer: kd.Tensor };
      expect(Array.from((after.opt.state.get(w0) as { momentumBuffer: kd.Tensor }).momentumBuffer.dataSync())).toEqual(Array.from(saved.momentumBuffer.dataSync()));
      expect(after.opt.state.get(after.model.at(5, nn.Linear).weight)).toBeUndefined();
      expect(after.opt.paramGroups[2]!.lr).toBe(0.005);
      // The names lent for matching are not left on groups built without them.
      expect(after.opt.paramGroups.every((g) => g.paramNames === undefined)).toBe(true);
    });

    it('with { match: \'names\' } refuses saved groups that have no place unless strict: false, which reports them', () => {
      // Saved with the head's group; loaded into an optimizer that has frozen the head again (two groups).
      const { path } = saved();
      const run = makeRun(kd, 'sgd');
      const fewer = new optim.SGD([run.opt.paramGroups[0]!, run.opt.paramGroups[1]!].map((g) => ({ params: g.params, name: g.name, lr: g.lr })), { lr: 0.05, momentum: 0.9 });
      const before = stateOf(fewer);
      const load = (options: kd.io.LoadCheckpointOptions): unknown => kd.io.loadCheckpoint(path, { model: run.model, optimizer: fewer }, options);
      expect(() => load({ match: 'names' })).toThrow(/a group this optimizer has no place for: "head" \(with "5\.weight", "5\.bias"\)/);
      expect(() => load({ match: 'names', strict: true })).toThrow(/no place for: "head"/);
      expect(stateOf(fewer)).toEqual(before);
      expect(() => load({ strict: false })).toThrow(/strict: false applies only to \{ match: 'names' \}/);
      expect(() => load({ match: 'names', strict: 'no' as never })).toThrow(/strict must be true or false, got no/);
      expect(stateOf(fewer)).toEqual(before);
      const r = load({ match: 'names', strict: false }) as kd.io.LoadedCheckpoint;
      expect(r.unmatched).toEqual({ newGroups: [], droppedGroups: ['head'], newParams: [], droppedParams: ['5.weight', '5.bias'] });
      expect(fewer.state.get(run.model.at(0, nn.Linear).weight)).toBeDefined();
    });

    it('refuses a renamed parameter (a different model layout), naming both names', () => {
      const { path } = saved();
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 3));
      const opt = new optim.SGD([
        { params: model.at(0, nn.Linear).parameters(), name: 'first' },
        { params: model.at(2, nn.Linear).parameters(), name: 'middle' },
        { params: model.at(4, nn.Linear).parameters(), name: 'head' },
      ], { lr: 0.05, momentum: 0.9 });
      expect(() => kd.io.loadCheckpoint(path, { model, optimizer: opt })).toThrow(/group 1 \('middle'\) now also holds 2\.weight, 2\.bias and no longer holds 3\.weight, 3\.bias/);
    });

    it('restores the optimizer and scheduler when the model then fails to load (all or nothing)', () => {
      const { path } = saved();
      const run = makeRun(kd, 'sgd');
      run.step(5);
      run.step(6);
      const before = { state: stateOf(run.opt), lrs: run.opt.paramGroups.map((g) => g.lr), sched: run.sched.stateDict() };
      const wrong = { ...run.model.stateDict() } as Record<string, kd.Tensor>;
      // Same optimizer groups and names, but the model holds an extra buffer the file lacks.
      run.model.registerBuffer('extra', kd.zeros([1]));
      expect(() => kd.io.loadCheckpoint(path, { model: run.model, optimizer: run.opt, scheduler: run.sched })).toThrow(/Missing key\(s\) in stateDict: "extra"/);
      expect(stateOf(run.opt)).toEqual(before.state);
      expect(run.opt.paramGroups.map((g) => g.lr)).toEqual(before.lrs);
      expect(run.sched.stateDict()).toEqual(before.sched);
      expect(Object.keys(wrong).length).toBeGreaterThan(0);
    });
  });

  const bad: { what: string; call: () => unknown; match: RegExp }[] = [
    { what: 'a missing file', call: () => kd.io.loadCheckpoint(join(dir, 'nope.pt'), { model: new nn.Linear(1, 1) }), match: /no file '.*nope\.pt'/ },
    { what: 'a torch.save file that is not a checkpoint', call: () => {
      kd.save({ w: kd.tensor([1]) }, join(dir, 'plain.pt'));
      return kd.io.loadCheckpoint(join(dir, 'plain.pt'), { model: new nn.Linear(1, 1) });
    }, match: /not a checkpoint: it has no 'model' entry/ },
    { what: 'an optimizer target when the file has none', call: () => {
      const m = new nn.Linear(1, 1);
      kd.io.saveCheckpoint(join(dir, 'model-only.pt'), { model: m });
      return kd.io.loadCheckpoint(join(dir, 'model-only.pt'), { model: m, optimizer: new optim.SGD(m.parameters(), { lr: 1 }) });
    }, match: /an optimizer was given but the checkpoint has no optimizer state/ },
    { what: 'saving without a model', call: () => kd.io.saveCheckpoint(join(dir, 'x.pt'), {} as never), match: /model an nn\.Module/ },
    { what: 'a non-finite step', call: () => kd.io.saveCheckpoint(join(dir, 'x.pt'), { model: new nn.Linear(1, 1), step: NaN }), match: /step must be a finite number/ },
    { what: 'an unknown match mode', call: () => {
      const m = new nn.Linear(1, 1);
      kd.io.saveCheckpoint(join(dir, 'm.pt'), { model: m });
      return kd.io.loadCheckpoint(join(dir, 'm.pt'), { model: m }, { match: 'position' as never });
    }, match: /match must be 'exact' or 'names'/ },
    { what: 'a folder that does not exist', call: () => kd.io.saveCheckpoint(join(dir, 'no', 'such', 'x.pt'), { model: new nn.Linear(1, 1) }), match: /could not write/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.what} with a CheckpointError`, () => {
      expect(b.call).toThrow(CheckpointError);
      expect(b.call).toThrow(b.match);
    });
  }

  it('in the core (browsers), the file functions say they need Node and what to use instead; the byte functions work', () => {
    expect(() => core.io.saveCheckpoint('x.pt', { model: new nn.Linear(1, 1) })).toThrow(/needs Node.*serializeCheckpoint/);
    expect(() => core.save({}, 'x.pt')).toThrow(/needs Node.*kd\.io\.serialize/);
    const m = new nn.Linear(2, 2);
    const bytes = core.io.serializeCheckpoint({ model: m, step: 3 });
    const fresh = new nn.Linear(2, 2);
    expect(core.io.restoreCheckpoint(bytes, { model: fresh }).step).toBe(3);
    expect(fresh.weight.toArray()).toEqual(m.weight.toArray());
  });
});

describe('crash safety', () => {
  it('replaces the file by renaming a complete new one over it: the old file\'s contents are never written into', () => {
    const path = join(dir, 'replace.pt');
    const m = new nn.Linear(8, 8);
    kd.io.saveCheckpoint(path, { model: m, step: 1 });
    // A second name for the old file (same inode): a writer that truncated and rewrote in place would change it too.
    linkSync(path, join(dir, 'replace-old.pt'));
    const before = readFileSync(join(dir, 'replace-old.pt'));
    kd.io.saveCheckpoint(path, { model: m, step: 2 });
    expect(readFileSync(join(dir, 'replace-old.pt')).equals(before)).toBe(true);
    expect(kd.io.loadCheckpoint(path, { model: m }).step).toBe(2);
    expect(readdirSync(dir).filter((n) => n.startsWith('.replace.pt.'))).toEqual([]);
  });

  it('a checkpoint on disk is always complete, whenever the writer is killed (SIGKILL, many times)', async () => {
    const path = join(dir, 'crash.pt');
    const kills = 10;
    const seen = new Set<number>();
    for (let round = 0; round < kills; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'checkpoint-child.ts'), 'loop', path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      const model = new nn.Linear(64, 64);
      const { step, extra } = kd.io.loadCheckpoint(path, { model });
      const k = step!;
      seen.add(k);
      expect((extra as { k: number }).k).toBe(k);
      expect((extra as { pad: string }).pad.length).toBe(k % 7 * 1000);
      expect(new Set(model.weight.dataSync())).toEqual(new Set([k]));
      expect(Array.from(model.bias!.dataSync()).every((v) => v === k)).toBe(true);
    }
    // The writers did get killed at different points of their loops.
    expect(seen.size).toBeGreaterThan(1);
    // Temporary files of killed writers are removed by the next writer: at most the last one's remains.
    expect(readdirSync(dir).filter((n) => n.startsWith('.crash.pt.')).length).toBeLessThanOrEqual(1);
  }, 120_000);
});
