/** Reading dataset files on Node: whole files, gunzipped with Node's zlib. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import { isGzip } from '../idx.js';

/** The bytes of the file at `path`, decompressed when they are gzip (by magic number). */
export function readPlainBytes(path: string, op: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`, { op });
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DataError(`${path}: the gzip data is corrupt or truncated (${(e as Error).message})`, { op, hint: 'download the file again' });
  }
}

/**
 * The directory of kindling's package: the nearest one above this module
 * with a package.json (`src/data/node` when run from source, `dist/data/node`
 * when built).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new DataError('cannot find kindling\'s package directory above its data module', { op: 'packageRoot' });
    dir = up;
  }
}
