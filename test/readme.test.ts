/**
 * Runs the ```ts examples of README.md, in order, as one program. A line
 * `expr; // → value (comment)` checks that `expr` equals `value`; comment
 * lines right after a `console.log(…)` must appear in what it printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';
import * as kd from '../src/node.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function program(): string {
  const code = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).join('\n');
  const lines = code.split('\n').filter((l) => !/^import /.test(l));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const arrow = /^(.*?);\s*\/\/ → (\S+)/.exec(line);
    if (arrow) {
      out.push(`__check(${arrow[1]}, ${arrow[2]}, ${JSON.stringify(line)});`);
      continue;
    }
    const log = /^console\.log\((.*)\);$/.exec(line);
    if (log) {
      const expected: string[] = [];
      while (lines[i + 1]?.startsWith('// ')) expected.push(lines[++i]!.slice(3));
      out.push(`__log(${log[1]}, ${JSON.stringify(expected)});`);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

it('README examples run and give what they say', () => {
  const src = program();
  const js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  let checks = 0;
  const check = (actual: unknown, expected: unknown, line: string): void => {
    checks++;
    expect(actual, line).toEqual(expected);
  };
  const log = (text: unknown, expected: string[]): void => {
    checks++;
    for (const e of expected) expect(String(text), `printed output should contain: ${e}`).toContain(e);
  };
  // The examples save files (kd.save …): they run in a folder of their own.
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'kindling-readme-'));
  process.chdir(dir);
  try {
    new Function('kd', 'nn', 'optim', '__check', '__log', js)(kd, kd.nn, kd.optim, check, log);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
  expect(checks).toBeGreaterThanOrEqual(3);
});
