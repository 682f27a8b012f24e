/**
 * Runs every ```ts example of docs/param-groups.md. In an example, a line
 * `expr; // → value` checks that `expr` equals `value`, and a line
 * `expr; // throws /regex/` checks that it throws a matching error. Blocks
 * marked ```ts shared declare what later blocks use; the others run in their
 * own scope. The examples are also type-checked against the package entry, so
 * a `// @ts-expect-error` in the docs must be a real compile error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as kd from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docPath = join(root, 'docs', 'param-groups.md');
const doc = readFileSync(docPath, 'utf8');

interface Block {
  line: number;
  shared: boolean;
  code: string;
}

function blocks(): Block[] {
  const out: Block[] = [];
  const re = /^```ts( shared)?\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(doc); m !== null; m = re.exec(doc)) {
    out.push({ line: doc.slice(0, m.index).split('\n').length + 1, shared: m[1] !== undefined, code: m[2]! });
  }
  return out;
}

/** Turns `// →` and `// throws` lines into checks; each check carries its line in the doc. */
function instrument(b: Block): string {
  return b.code.split('\n').map((text, i) => {
    const line = b.line + i;
    const arrow = /^(\s*)(.*?);?\s*\/\/ → (.+)$/.exec(text);
    if (arrow) return `${arrow[1]}__check(() => (${arrow[2]}), () => (${arrow[3]}), ${line});`;
    const throws = /^(\s*)(.*?);?\s*\/\/ throws (\/.+\/[a-z]*)$/.exec(text);
    if (throws) return `${throws[1]}__throws(() => { ${throws[2]}; }, ${throws[3]}, ${line});`;
    return text;
  }).join('\n');
}

const all = blocks();
const program = all.map((b) => (b.shared ? instrument(b) : `{\n${instrument(b)}\n}`)).join('\n');

describe('docs/param-groups.md', () => {
  it('has examples for every section', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(program.match(/__check\(/g)!.length).toBeGreaterThanOrEqual(40);
  });

  it('every example runs and gives what the page says', () => {
    const js = ts.transpileModule(program, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    const checks: number[] = [];
    const check = (actual: () => unknown, expected: () => unknown, line: number): void => {
      checks.push(line);
      expect(actual(), `docs/param-groups.md:${line}`).toEqual(expected());
    };
    const throws = (f: () => unknown, re: RegExp, line: number): void => {
      checks.push(line);
      expect(f, `docs/param-groups.md:${line}`).toThrow(re);
    };
    const run = new Function('kd', 'nn', 'optim', '__check', '__throws', js) as (...a: unknown[]) => void;
    run(kd, kd.nn, kd.optim, check, throws);
    expect(checks.length).toBe((program.match(/__check\(|__throws\(/g) ?? []).length);
  });

  it('every example type-checks against the package (and each @ts-expect-error is a real error)', () => {
    const virtual = join(root, 'test', 'groups', '__docs_examples__.ts');
    const header = "import * as kd from '../../src/index.js';\nimport { nn, optim } from '../../src/index.js';\n" +
      'declare function __check(a: () => unknown, e: () => unknown, line: number): void;\n' +
      'declare function __throws(f: () => unknown, re: RegExp, line: number): void;\n';
    const source = header + program + '\nexport {};\n';
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noEmit: true, skipLibCheck: true, types: ['node'], lib: ['lib.es2022.d.ts'],
    };
    const host = ts.createCompilerHost(options);
    const read = host.readFile.bind(host);
    const getSource = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === virtual ? source : read(f));
    host.fileExists = ((exists) => (f: string) => f === virtual || exists(f))(host.fileExists.bind(host));
    host.getSourceFile = (f, v, onError, create) => (f === virtual ? ts.createSourceFile(f, source, v) : getSource(f, v, onError, create));
    const prog = ts.createProgram([virtual], options, host);
    const diags = ts.getPreEmitDiagnostics(prog).filter((d) => d.file?.fileName === virtual);
    const headerLines = header.split('\n').length - 1;
    const messages = diags.map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start!);
      return `program line ${line + 1 - headerLines}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  });
});
