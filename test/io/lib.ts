/**
 * What the io tests share: the Node entry (kd.save, kd.io.saveCheckpoint …),
 * fixture files, a comparison of loaded values with the fixture manifest,
 * and whether PyTorch can be imported for the interop tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as kd from '../../src/node.js';
import { decode, type EncodedTensor } from '../fixtures.js';
import { loadFixture } from '../helpers.js';

export { kd };

const here = dirname(fileURLToPath(import.meta.url));

/** The path of a committed fixture file under test/fixtures/io/. */
export function fixturePath(name: string): string {
  return join(here, '..', 'fixtures', 'io', name);
}

/** The bytes of a committed fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** A value described by scripts/fixtures/io.py's `tree`. */
export type Described =
  | { tensor: EncodedTensor; requires_grad: boolean; parameter: boolean }
  | { dict: [string | { int: number }, Described][] }
  | { list: Described[] }
  | { float: number }
  | number | string | boolean | null;

export interface FileCase {
  value?: Described;
  error?: string;
  metadata?: Record<string, string>;
  input?: EncodedTensor;
  output?: EncodedTensor;
}

export const FILES = loadFixture<Record<string, FileCase>>('io_files');

/** Element values with -0 and NaN kept apart (exact comparison). */
function exact(t: kd.Tensor): number[] {
  return Array.from(t.contiguous().dataSync(), Number);
}

/** Asserts that `actual` (as kindling read it) is the value the manifest describes. */
export function expectDescribed(actual: unknown, expected: Described, path = 'value'): void {
  if (expected === null || typeof expected !== 'object') {
    if (typeof actual === 'bigint') expect(actual, path).toBe(BigInt(expected as number));
    else expect(actual, path).toBe(expected);
    return;
  }
  if ('float' in expected) {
    expect(actual, path).toBe(expected.float);
  } else if ('tensor' in expected) {
    expect(actual, path).toBeInstanceOf(kd.Tensor);
    const t = actual as kd.Tensor;
    expect(t.dtype, `${path} dtype`).toBe(expected.tensor.dtype);
    expect(t.shape, `${path} shape`).toEqual(expected.tensor.shape);
    expect(exact(t), `${path} values`).toEqual(exact(decode(expected.tensor)));
    expect(t.requiresGrad, `${path} requiresGrad`).toBe(expected.requires_grad);
    expect(t instanceof kd.nn.Parameter, `${path} is a Parameter`).toBe(expected.parameter);
  } else if ('list' in expected) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${path} length`).toBe(expected.list.length);
    expected.list.forEach((e, i) => expectDescribed(a[i], e, `${path}[${i}]`));
  } else {
    const keys = expected.dict.map(([k]) => (typeof k === 'string' ? k : String(k.int)));
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual([...keys].sort());
    expected.dict.forEach(([, e], i) => expectDescribed((actual as Record<string, unknown>)[keys[i]!], e, `${path}.${keys[i]}`));
  }
}

let torchChecked: { python: string } | { missing: string } | undefined;

/**
 * The Python that can import torch: $KINDLING_PYTHON, else `python3` on the
 * PATH, else Debian's `/usr/bin/python3` (where python3-torch installs).
 */
function findTorch(): { python: string } | { missing: string } {
  if (torchChecked !== undefined) return torchChecked;
  const candidates = [process.env.KINDLING_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => c !== undefined && c !== '');
  let why = '';
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return (torchChecked = { python });
    why ||= r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? 'import torch failed';
  }
  torchChecked = { missing: `${candidates.join(', ')}: ${why}` };
  console.log(`io interop tests skipped: PyTorch cannot be imported (${torchChecked.missing})`);
  return torchChecked;
}

/** Why PyTorch cannot be used here, or null when it can. Tests that need it skip and say this once. */
export function torchMissing(): string | null {
  const t = findTorch();
  return 'missing' in t ? t.missing : null;
}

/** The Python executable that imports torch (call only when torchMissing() is null). */
export function pythonWithTorch(): string {
  const t = findTorch();
  if ('missing' in t) throw new Error(`no Python with torch: ${t.missing}`);
  return t.python;
}

/**
 * Runs a Python snippet with PyTorch and returns its stdout parsed as JSON
 * (asynchronously: a test worker that blocks for seconds stalls vitest's RPC).
 */
export function python<T = unknown>(code: string, args: string[] = []): Promise<T> {
  return runCommand(pythonWithTorch(), ['-c', code, ...args]).then((out) => JSON.parse(out) as T);
}

/**
 * Runs a command; resolves with its stdout, rejects with its stderr when it
 * fails or outlives `timeoutMs` (then it and every process it started are
 * killed: it runs in a process group of its own).
 */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) resolve(stdout);
      else reject(new Error(`${command} ${timedOut ? `did not finish in ${timeoutMs / 1000} s` : `failed (${code ?? signal})`}:\n${stderr}${stdout}`));
    });
  });
}
