// `npm install` runs this: builds the native backend with node-gyp. A failed
// build does not fail the install (kindling then runs on the js backend and
// backendInfo() says why); the reason is kept in build/native-build.log.
// Set KINDLING_REQUIRE_NATIVE=1 (CI does) to make a failed build an error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['rebuild'];
// Use the headers that came with this Node when they are installed beside it
// (no download needed); otherwise node-gyp fetches them as usual.
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
if (process.env.KINDLING_SKIP_NATIVE === '1') {
  console.log('kindling: KINDLING_SKIP_NATIVE=1, not building the native backend');
  process.exit(0);
}
const local = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp');
const gyp = existsSync(local) ? local : 'node-gyp';
const r = spawnSync(gyp, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
const log = `status: ${r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.error})`}\n${gyp} ${args.join(' ')}\n${r.error ? String(r.error) : ''}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`;
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build', 'native-build.log'), log);
if (r.status === 0) {
  console.log('kindling: native backend built (build/Release/kindling.node)');
  process.exit(0);
}
const tail = log.trim().split('\n').slice(-15).join('\n');
const msg = `kindling: the native backend did not build; kindling will run on the js backend.\n${tail}\n(full log: build/native-build.log)`;
console.error(msg);
process.exit(process.env.KINDLING_REQUIRE_NATIVE === '1' ? 1 : 0);
