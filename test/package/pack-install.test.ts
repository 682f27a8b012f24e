/**
 * The package as a consumer gets it: `npm pack`, then install the tarball
 * into a fresh project with scripts disabled, and use it from ESM, CommonJS,
 * TypeScript (node16 and bundler resolution, strict) and an esbuild bundle.
 * The native backend must load from the prebuilt addon inside the package
 * (no install script, no compiler).
 *
 * Run with `npm run test:package` after `npm run build:prebuilds` (CI does);
 * it builds dist/ itself. Needs the npm registry (or npm's cache) for
 * kindling's two dependencies.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name: string): string => join(repo, 'node_modules', '.bin', name);
const prebuild = join(repo, 'native', 'prebuilds', `${platform()}-${arch()}`, 'kindling.glibc.node');

let work = '';
let app = '';
let files: string[] = [];

interface Ran { status: number | null; stdout: string; stderr: string }

/**
 * Runs a command without blocking the test worker (a long synchronous spawn
 * kept vitest's worker from answering its runner in time on a loaded machine).
 */
function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, KINDLING_BACKEND: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a command, returning its output; a failure throws with its stderr. */
async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const r = await exec(cmd, args, cwd, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

// What the consumer's programs print: which backend runs, and a small computation's result.
const PROBE = `const info = kd.backendInfo();
const y = kd.tensor([[1, 2], [3, 4]]).matmul(kd.tensor([[1], [1]]));
console.log(JSON.stringify({ backend: info.backend, reason: info.reason, y: Array.from(y.dataSync()) }));`;

function probe(out: string): { backend: string; reason: string | null; y: number[] } {
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as { backend: string; reason: string | null; y: number[] };
}

beforeAll(async () => {
  if (!existsSync(prebuild)) throw new Error(`no prebuilt addon at native/prebuilds/${platform()}-${arch()}: run npm run build:prebuilds first`);
  await run('npm', ['run', 'build'], repo);
  work = mkdtempSync(join(tmpdir(), 'kindling-pack-'));
  // --ignore-scripts: prepack would rebuild what was just built.
  const packed = JSON.parse((await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo)).stdout) as
    { filename: string; files: { path: string }[] }[];
  const entry = packed[0];
  if (entry === undefined) throw new Error('npm pack listed no tarball');
  files = entry.files.map((f) => f.path);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', join(work, entry.filename)], app);
}, 240_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the prebuilt addon, sources, maps and LICENSE, and no build leftovers', () => {
    expect(files).toContain(`native/prebuilds/${platform()}-${arch()}/kindling.glibc.node`);
    for (const f of ['LICENSE', 'package.json', 'dist/index.js', 'dist/node.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/index.d.ts.map', 'src/index.ts', 'native/binding.gyp']) {
      expect(files).toContain(f);
    }
    const leftovers = files.filter((f) => /\.(o|a|obj|lib|tlog|mk|d)$/.test(f) || /(^|\/)(build|obj\.target|\.deps)\//.test(f) || /Makefile|config\.gypi|\.log$/.test(f));
    expect(leftovers).toEqual([]);
    // A root binding.gyp would make npm run node-gyp at install, and pnpm flag the package.
    expect(files).not.toContain('binding.gyp');
  });

  it('has no install script, and its source maps reach the TypeScript', () => {
    const installed = join(app, 'node_modules', 'kindling');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; license?: string; keywords?: string[] };
    for (const s of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts?.[s]).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    expect(pkg.keywords).toContain('pytorch');
    const map = JSON.parse(readFileSync(join(installed, 'dist', 'backend', 'native.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sources).toEqual(['../../src/backend/native.ts']);
    expect(map.sourcesContent?.[0]).toContain('export function loadNative');
    const dmap = JSON.parse(readFileSync(join(installed, 'dist', 'index.d.ts.map'), 'utf8')) as { sources: string[] };
    expect(existsSync(join(installed, 'dist', dmap.sources[0] ?? 'missing'))).toBe(true);
  });
});

describe('installed with scripts disabled', () => {
  it('imports from ESM and runs on the prebuilt native addon, without a warning', async () => {
    const { stdout, stderr } = await run('node', ['--input-type=module', '-e', `import * as kd from 'kindling';\n${PROBE}`], app);
    expect(probe(stdout)).toEqual({ backend: 'native', reason: null, y: [3, 7] });
    expect(stderr).toBe('');
  });

  it('loads with require() from CommonJS', async () => {
    const { stdout, stderr } = await run('node', ['--input-type=commonjs', '-e', `const kd = require('kindling');\n${PROBE}`], app);
    expect(probe(stdout)).toEqual({ backend: 'native', reason: null, y: [3, 7] });
    expect(stderr).not.toMatch(/KINDLING_NATIVE_UNAVAILABLE/);
  });

  it.each(['node16', 'bundler'])('type-checks under strict TypeScript with moduleResolution %s', async (resolution) => {
    const dir = join(app, `ts-${resolution}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), `import * as kd from 'kindling';
import { nn, optim, type Tensor } from 'kindling';
const model = new nn.Linear(2, 1);
const opt = new optim.SGD([{ params: model.parameters(), lr: 0.1 }], { lr: 0.01 });
const x: Tensor = kd.randn([4, 2]);
const loss: Tensor = model.forward(x).square().mean();
loss.backward();
opt.step();
const lr: number = opt.paramGroups[0]!.lr;
export { lr };
`);
    const module = resolution === 'node16' ? 'node16' : 'esnext';
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'es2022', skipLibCheck: false, types: [] },
      files: ['main.ts'],
    }));
    const r = await exec(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a bundled app finds the addon through node_modules, or through KINDLING_ADDON_PATH without them', async () => {
    writeFileSync(join(app, 'main.mjs'), `import * as kd from 'kindling';\n${PROBE}`);
    await run(bin('esbuild'), ['main.mjs', '--bundle', '--platform=node', '--format=esm', '--outfile=out/app.mjs', '--log-level=error'], app);
    expect(readFileSync(join(app, 'out', 'app.mjs'), 'utf8')).toContain('function loadNative');
    expect(probe((await run('node', ['out/app.mjs'], app)).stdout).backend).toBe('native');
    // Moved away from node_modules: only the override finds the addon, and its absence is said with the fix.
    const alone = join(work, 'alone');
    mkdirSync(alone);
    cpSync(join(app, 'out', 'app.mjs'), join(alone, 'app.mjs'));
    cpSync(join(app, 'node_modules', 'kindling', 'native', 'prebuilds'), join(alone, 'prebuilds'), { recursive: true });
    const missing = await run('node', ['app.mjs'], alone);
    expect(probe(missing.stdout)).toMatchObject({ backend: 'wasm', y: [3, 7] });
    expect(missing.stderr).toMatch(/\[KINDLING_NATIVE_UNAVAILABLE\] KindlingWarning: .*package folder was not found/);
    expect(missing.stderr).toMatch(/KINDLING_ADDON_PATH/);
    const file = join(alone, 'prebuilds', `${platform()}-${arch()}`, 'kindling.glibc.node');
    expect(probe((await run('node', ['app.mjs'], alone, { KINDLING_ADDON_PATH: file })).stdout).backend).toBe('native');
  });
});
