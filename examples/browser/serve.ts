/**
 * `npm run example:browser`: bundles examples/browser/main.ts with esbuild
 * and serves this folder on http://127.0.0.1:8080/ (PORT overrides) until
 * you stop it (Ctrl-C).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../../scripts/browser-bundle.js';
import { serveStatic } from '../../scripts/static-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const sizes = await bundleForBrowser({ main: join(here, 'main.ts') }, here);
for (const s of sizes) console.log(`bundled ${s.file}: ${(s.bytes / 1024).toFixed(0)} kB`);
const server = await serveStatic(here, Number(process.env.PORT ?? 8080));
console.log(`kindling example: open ${server.url} (Ctrl-C stops)`);
