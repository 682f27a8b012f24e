/**
 * Environment settings of the native backend: an empty KINDLING_KERNELS
 * means the default, an unknown name is named as unknown (with the known
 * ones), and KINDLING_NUM_THREADS above the available parallelism is capped
 * with a warning.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { kernelSetFromEnv, KERNEL_SETS } from '../../src/backend/native.js';
import * as kd from '../../src/node.js';

/** The KindlingWarnings `fn` emits (caught at process.emitWarning, so none is printed). */
function warningsOf(fn: () => void): string[] {
  const seen: string[] = [];
  const emit = process.emitWarning;
  process.emitWarning = ((message: string, options: { type: string }) => {
    if (options?.type === 'KindlingWarning') seen.push(message);
    else emit.call(process, message, options as never);
  }) as typeof process.emitWarning;
  try {
    fn();
  } finally {
    process.emitWarning = emit;
  }
  return seen;
}

describe('KINDLING_KERNELS', () => {
  it('unset or empty means auto, without a warning', () => {
    expect(warningsOf(() => {
      expect(kernelSetFromEnv(undefined)).toBe('auto');
      expect(kernelSetFromEnv('')).toBe('auto');
      expect(kernelSetFromEnv('  ')).toBe('auto');
    })).toEqual([]);
  });

  it('known names are taken as they are', () => {
    for (const k of KERNEL_SETS) expect(kernelSetFromEnv(k)).toBe(k);
  });

  it('an unknown name is called unknown, with the known ones and the nearest, and auto is used', () => {
    let got: string | undefined;
    const warnings = warningsOf(() => {
      got = kernelSetFromEnv('AVX512');
    });
    expect(got).toBe('auto');
    expect(warnings).toEqual(["KINDLING_KERNELS='AVX512' is an unknown kernel set, known: auto, avx512, avx2-fma, portable (did you mean 'avx512'?); using auto"]);
  });
});

const nativeBuilt = kd.backendInfo().nativeAvailable;

describe.runIf(nativeBuilt)('the native backend as configured from the environment (a fresh process)', () => {
  function infoWith(env: Record<string, string>): { info: { threads: number; kernelPath: string | null; nativeAvailable: boolean }; stderr: string } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/node.ts').then((kd) => console.log(JSON.stringify(kd.backendInfo())))"], {
      encoding: 'utf8', env: { ...process.env, KINDLING_BACKEND: 'native', ...env },
    });
    expect(r.status, r.stderr).toBe(0);
    return { info: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as never, stderr: r.stderr };
  }

  it("KINDLING_KERNELS='' keeps native on with the detected kernels", () => {
    const { info } = infoWith({ KINDLING_KERNELS: '' });
    expect(info.nativeAvailable).toBe(true);
    expect(info.kernelPath).not.toBeNull();
  });

  it('KINDLING_NUM_THREADS above the available parallelism is capped, with a warning', () => {
    const cores = availableParallelism();
    const { info, stderr } = infoWith({ KINDLING_NUM_THREADS: String(cores + 7), KINDLING_KERNELS: 'portable' });
    expect(info.threads).toBe(cores);
    expect(stderr).toContain(`KINDLING_NUM_THREADS=${cores + 7} is more than the ${cores} cores available; using ${cores} threads`);
  });
});
