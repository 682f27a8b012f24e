/**
 * Turns `npm run bench` output (JSON lines on stdin) into the markdown table
 * of docs/PERFORMANCE.md: `npm run bench | tee out.jsonl; npx tsx bench/table.ts < out.jsonl`.
 */
import { readFileSync } from 'node:fs';

interface Row { bench: string; impl: string; param: number; ms?: number; mb?: number; gflops?: number; runs: number }

const rows: Row[] = readFileSync(0, 'utf8').split('\n').filter((l) => l.startsWith('{"bench"')).map((l) => JSON.parse(l) as Row);
const keys = [...new Set(rows.map((r) => `${r.bench}|${r.param}`))];
const fmt = (r: Row | undefined): string => {
  if (r === undefined) return '–';
  if (r.mb !== undefined) return `${r.mb.toFixed(0)} MB`;
  const ms = r.ms! < 1 ? r.ms!.toFixed(3) : r.ms! < 100 ? r.ms!.toFixed(2) : r.ms!.toFixed(1);
  return r.gflops !== undefined ? `${ms} ms (${r.gflops.toFixed(0)} GFLOP/s)` : `${ms} ms`;
};
console.log('| bench | param | kindling | PyTorch | kindling / PyTorch |');
console.log('|---|---|---|---|---|');
for (const key of keys) {
  const [bench, param] = key.split('|');
  const k = rows.find((r) => `${r.bench}|${r.param}` === key && r.impl === 'kindling');
  const t = rows.find((r) => `${r.bench}|${r.param}` === key && r.impl === 'pytorch');
  let ratio = '–';
  if (k && t) {
    ratio = k.mb !== undefined ? `${(k.mb / t.mb!).toFixed(2)}× memory`
      : k.gflops !== undefined ? `${(k.gflops / t.gflops!).toFixed(2)}× GFLOP/s` : `${(k.ms! / t.ms!).toFixed(2)}× time`;
  }
  console.log(`| ${bench} | ${param} | ${fmt(k)} | ${fmt(t)} | ${ratio} |`);
}
