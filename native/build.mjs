// Builds the native backend from source (an opt-in: the package ships
// prebuilt addons under native/prebuilds/ and has no install script).
//
//   node native/build.mjs             -> native/build/Release/kindling.node   (npm run build:native)
//   node native/build.mjs --prebuild  -> native/prebuilds/<platform>-<arch>/kindling.<libc>.node, stripped
//                                        (npm run build:prebuilds; prebuildify, run before packing)
//   --optional                        -> a failed build warns and exits 0 (npm's `prepare` in a
//                                        checkout: `npm ci` still installs, kindling runs on wasm/js)
//
// Both compile with every core (node-gyp --jobs max) and use the headers that
// came with this Node when they are installed beside it, so nothing is
// downloaded. A failed build exits non-zero and prints node-gyp's own error
// lines (a missing compiler shows as "g++: No such file or directory"); the
// whole log is kept in native/build/native-build.log, where the loader finds
// it and quotes the cause.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const root = join(nativeDir, '..');
const prebuild = process.argv.includes('--prebuild');
const optional = process.argv.includes('--optional');
const win = process.platform === 'win32';

/** A tool from this package's node_modules/.bin, else from PATH (npm and pnpm put their own node-gyp there for scripts). */
function bin(name) {
  const local = join(root, 'node_modules', '.bin', win ? `${name}.cmd` : name);
  return existsSync(local) ? local : name;
}

const env = { ...process.env };
// node-gyp reads its options from npm_config_* variables, also when prebuildify runs it.
env.npm_config_jobs ??= 'max';
const prefix = join(dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  env.npm_config_nodedir = prefix;
}

const [cmd, args] = prebuild
  // --napi: one build for every Node with N-API 8; --tag-libc: glibc and musl builds must never be confused.
  ? [bin('prebuildify'), ['--napi', '--strip', '--tag-libc', '--name', 'kindling', '--cwd', nativeDir]]
  : [bin('node-gyp'), ['rebuild', `--directory=${nativeDir}`]];

const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: win });
const ok = r.status === 0;
const log = `status: ${ok ? 'ok' : `failed (exit ${r.status ?? r.error})`}\n${cmd} ${args.join(' ')}\n${r.error ? String(r.error) : ''}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`;
mkdirSync(join(nativeDir, 'build'), { recursive: true });
writeFileSync(join(nativeDir, 'build', 'native-build.log'), log);
if (ok) {
  console.log(`kindling: native backend built (${prebuild ? 'native/prebuilds/' : 'native/build/Release/kindling.node'})`);
  process.exit(0);
}
// The lines that name the cause, not node-gyp's stack and environment dump.
const cause = log.split('\n').filter((l) => /error|not found|no such file|cannot find|ERR!/i.test(l) && !/gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
console.error(`kindling: the native backend did not build.\n${cause.slice(0, 12).join('\n') || log.trim().split('\n').slice(-15).join('\n')}\n(full log: native/build/native-build.log)`);
if (optional) {
  console.error('kindling: continuing without the native addon (the wasm and js backends work); fix the cause, then npm run build:prebuilds');
  process.exit(0);
}
process.exit(1);
