/**
 * Finding the native addon (src/backend/native-locate.ts) and the one warning
 * when it is unavailable: the override, the real cause of a failed source
 * build, and the command for the package manager in use.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCommand, buildLogCause, locateAddon, packageManager, packageRoot } from '../../src/backend/native-locate.js';
import { loadNative } from '../../src/backend/native.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir = '';
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kindling-locate-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  process.env = { ...saved };
});

describe('locateAddon', () => {
  it('finds this checkout as the package root', () => {
    expect(packageRoot()).toBe(repo);
  });

  it('KINDLING_ADDON_PATH: a missing path is the reason, with no silent fallback to the package', () => {
    process.env.KINDLING_ADDON_PATH = join(dir, 'nope.node');
    const r = locateAddon();
    expect(r.file).toBeNull();
    if (r.file === null) {
      expect(r.reason).toContain(`KINDLING_ADDON_PATH='${join(dir, 'nope.node')}' does not exist`);
      expect(r.fix).toContain('kindling.node');
    }
  });

  it('KINDLING_ADDON_PATH: a file is taken as is; a folder is searched like native/', () => {
    const file = join(dir, 'my.node');
    writeFileSync(file, '');
    process.env.KINDLING_ADDON_PATH = file;
    expect(locateAddon().file).toBe(file);
    const pre = join(dir, 'prebuilds', `${platform()}-${arch()}`);
    mkdirSync(pre, { recursive: true });
    writeFileSync(join(pre, 'kindling.glibc.node'), '');
    process.env.KINDLING_ADDON_PATH = dir;
    expect(locateAddon().file).toBe(join(pre, 'kindling.glibc.node'));
    process.env.KINDLING_ADDON_PATH = join(dir, 'prebuilds');
    const none = locateAddon();
    expect(none.file).toBeNull();
    if (none.file === null) expect(none.reason).toMatch(/holds no addon for this platform: No native build was found for platform=/);
  });

  it('an addon file that does not load is reported with the loader\'s message and the fix', () => {
    const file = join(dir, 'broken.node');
    writeFileSync(file, 'not an ELF file');
    process.env.KINDLING_ADDON_PATH = file;
    const r = loadNative();
    expect(r.backend).toBeNull();
    expect(r.reason).toContain(`the addon ${file} failed to load: `);
    expect(r.reason).toMatch(/invalid ELF header|file too short/);
    expect(r.fix).toContain('run build:native');
  });
});

describe('the cause of a failed source build', () => {
  it('quotes a missing compiler, which node-gyp prints without the word "error"', () => {
    const log = [
      'status: failed (exit 1)', 'node-gyp rebuild', 'gyp info spawn make',
      'make: g++: No such file or directory', 'make: *** [kindling.target.mk:130: Release/obj.target/kindling/src/binding.o] Error 127',
      'gyp ERR! build error', 'gyp ERR! stack Error: `make` failed with exit code: 2', 'gyp ERR! System Linux 6.1', 'gyp ERR! cwd /x',
    ].join('\n');
    const cause = buildLogCause(log);
    expect(cause).toBe('make: g++: No such file or directory | make: *** [kindling.target.mk:130: Release/obj.target/kindling/src/binding.o] Error 127 | gyp ERR! build error');
    expect(buildLogCause('status: ok\n')).toBeNull();
  });
});

describe('the build command names the package manager in use', () => {
  it.each([
    ['pnpm/10.34.9 npm/? node/v20.20.2 linux x64', 'pnpm'],
    ['yarn/4.18.1 npm/? node/v20.20.2 linux x64', 'yarn'],
    ['bun/1.2.0 npm/? node/v20.20.2 linux x64', 'bun'],
  ])('user agent %s -> %s', (agent, pm) => {
    process.env.npm_config_user_agent = agent;
    expect(packageManager('/app/node_modules/kindling')).toBe(pm);
    expect(buildCommand('/app/node_modules/kindling')).toBe(`cd "/app/node_modules/kindling" && ${pm} run build:native   (needs a C++17 compiler and python3)`);
  });

  it('pnpm\'s store layout, then the lock file, decide without a user agent', () => {
    delete process.env.npm_config_user_agent;
    expect(packageManager('/app/node_modules/.pnpm/kindling@0.1.0/node_modules/kindling')).toBe('pnpm');
    writeFileSync(join(dir, 'yarn.lock'), '');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(packageManager(join(dir, 'node_modules', 'kindling'))).toBe('yarn');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('the warning when native is unavailable', () => {
  const load = (env: Record<string, string>): { stderr: string; status: number | null } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await import('./src/node.ts')"], {
      cwd: repo, encoding: 'utf8', env: { ...saved, KINDLING_BACKEND: '', ...env },
    });
    return { stderr: r.stderr, status: r.status };
  };

  it('is one process warning with a code, the real cause and the fix', () => {
    const r = load({ KINDLING_ADDON_PATH: join(dir, 'missing.node') });
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('KINDLING_NATIVE_UNAVAILABLE'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`[KINDLING_NATIVE_UNAVAILABLE] KindlingWarning: the native backend is off, running on wasm: KINDLING_ADDON_PATH='${join(dir, 'missing.node')}' does not exist`);
    expect(r.stderr).toContain('To get the native backend: point KINDLING_ADDON_PATH at kindling.node');
  });

  it('is silent when js was asked for, and filterable by its code', () => {
    expect(load({ KINDLING_ADDON_PATH: join(dir, 'missing.node'), KINDLING_BACKEND: 'js' }).stderr).toBe('');
    expect(load({ KINDLING_ADDON_PATH: join(dir, 'missing.node'), NODE_OPTIONS: '--disable-warning=KINDLING_NATIVE_UNAVAILABLE' }).stderr).toBe('');
  });
});
