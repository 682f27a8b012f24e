/**
 * Finds the native addon file, or says exactly why there is none and how to
 * get one. Node-only (the native loader's half that touches the file system).
 *
 * Where it looks, in order:
 * 1. `KINDLING_ADDON_PATH`: a `.node` file, or a folder laid out like the
 *    package's `native/` (with `prebuilds/<platform>-<arch>/` or
 *    `build/Release/`). Set, it is the only place looked at: a bundled app
 *    points kindling at the addon it ships.
 * 2. The kindling package this module belongs to (the nearest package.json
 *    above it named `kindling`), else the one `require.resolve` finds from
 *    this module or from the working directory (a bundled app that still has
 *    node_modules). In its `native/` folder, node-gyp-build's rules pick a
 *    source build (`native/build/Release`, from `npm run build:native`) over
 *    the prebuilt addon for this platform (`native/prebuilds/linux-x64/kindling.glibc.node`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The outcome of {@link locateAddon}: a file to load, or why there is none and the command that fixes it. */
export type AddonLocation =
  | { readonly file: string; readonly root: string | null }
  | { readonly file: null; readonly root: string | null; readonly reason: string; readonly fix: string };

/** The platforms this package ships prebuilt addons for (`npm run prebuild` on each). */
export const PREBUILT_TARGETS = ['linux-x64 (glibc >= 2.34, GLIBCXX_3.4.30)'] as const;

type NodeGypBuild = { resolve(dir: string): string };

/** A require() that resolves from this module (null when there is no module URL, as in a CommonJS bundle). */
function moduleRequire(): NodeJS.Require | null {
  try {
    return createRequire(import.meta.url);
  } catch {
    return null;
  }
}

function readName(pkgJson: string): string | null {
  try {
    const name: unknown = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

/** The root of the kindling package holding this module, or the one require.resolve finds (null: none). */
export function packageRoot(): string | null {
  let here: string | null = null;
  try {
    here = dirname(fileURLToPath(import.meta.url));
  } catch {
    // A CommonJS bundle has no import.meta.url; resolution below may still work from the working directory.
  }
  if (here !== null) {
    for (let dir = here; ; dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg) && readName(pkg) === 'kindling') return dir;
      if (dirname(dir) === dir) break;
    }
  }
  const bases = [moduleRequire(), createRequire(join(process.cwd(), 'noop.js'))];
  for (const req of bases) {
    try {
      if (req !== null) return dirname(req.resolve('kindling/package.json'));
    } catch {
      // not resolvable from there
    }
  }
  return null;
}

/** The package manager that installed the project in the working directory, for the command in a warning. */
export function packageManager(root: string | null): 'npm' | 'pnpm' | 'yarn' | 'bun' {
  const agent = process.env.npm_config_user_agent ?? '';
  for (const pm of ['pnpm', 'yarn', 'bun'] as const) if (agent.startsWith(`${pm}/`)) return pm;
  if (root !== null && /[\\/]\.pnpm[\\/]/.test(root)) return 'pnpm';
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-lock.yaml'))) return 'pnpm';
    if (existsSync(join(dir, 'yarn.lock'))) return 'yarn';
    if (existsSync(join(dir, 'bun.lock')) || existsSync(join(dir, 'bun.lockb'))) return 'bun';
    if (existsSync(join(dir, 'package-lock.json')) || dirname(dir) === dir) return 'npm';
  }
}

/** The command that builds the addon from source inside the installed package. */
export function buildCommand(root: string | null): string {
  const where = root ?? 'node_modules/kindling';
  return `cd "${where}" && ${packageManager(root)} run build:native   (needs a C++17 compiler and python3)`;
}

/** The lines of a failed source build's log that name its cause (compiler errors, a missing compiler, node-gyp's verdict). */
export function buildLogCause(log: string): string | null {
  if (log.startsWith('status: ok')) return null;
  const lines = log.split('\n').map((l) => l.trim()).filter((l) =>
    /error|not found|no such file|cannot find/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
  return lines.slice(0, 3).join(' | ') || 'see native/build/native-build.log';
}

function resolveIn(dir: string): string | { error: string } {
  const req = moduleRequire();
  let ngb: NodeGypBuild;
  try {
    if (req === null) throw new Error('no module URL to resolve it from');
    ngb = req('node-gyp-build') as NodeGypBuild;
  } catch (e) {
    return { error: `kindling's dependency node-gyp-build could not be loaded (${(e as Error).message.split('\n')[0]}); set KINDLING_ADDON_PATH to the addon file` };
  }
  try {
    return ngb.resolve(dir);
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

/** Where the addon is, or why it is not there (see the module comment for the order). */
export function locateAddon(): AddonLocation {
  const override = process.env.KINDLING_ADDON_PATH;
  const root = packageRoot();
  if (override !== undefined && override !== '') {
    const fix = 'point KINDLING_ADDON_PATH at kindling.node (the package ships it as native/prebuilds/<platform>-<arch>/kindling.<libc>.node) or unset it';
    if (!existsSync(override)) return { file: null, root, reason: `KINDLING_ADDON_PATH='${override}' does not exist`, fix };
    if (statSync(override).isFile()) return { file: override, root };
    const found = resolveIn(override);
    if (typeof found === 'string') return { file: found, root };
    return { file: null, root, reason: `KINDLING_ADDON_PATH='${override}' holds no addon for this platform: ${found.error}`, fix };
  }
  const fix = `build it from source: ${buildCommand(root)}; or set KINDLING_ADDON_PATH to a kindling.node file`;
  if (root === null) {
    return {
      file: null, root,
      reason: 'the kindling package folder was not found (bundled without node_modules?), so neither its prebuilt addon nor a source build',
      fix: 'copy kindling\'s native/prebuilds folder next to your bundle and set KINDLING_ADDON_PATH to it, or mark kindling as external in the bundler',
    };
  }
  const dir = join(root, 'native');
  const found = resolveIn(dir);
  if (typeof found === 'string') return { file: found, root };
  const target = `${platform()}-${arch()}`;
  let reason = `no prebuilt addon for ${target} in this package (it ships ${PREBUILT_TARGETS.join(', ')}) and no source build`;
  const log = join(dir, 'build', 'native-build.log');
  if (existsSync(log)) {
    const cause = buildLogCause(readFileSync(log, 'utf8'));
    reason += cause === null ? ' (its last source build succeeded but the file is gone)' : `; the source build failed: ${cause}`;
  }
  return { file: null, root, reason, fix };
}
