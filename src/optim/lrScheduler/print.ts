/**
 * The text form of a scheduler, PyTorch-style (as PyTorch prints an
 * optimizer): the class, its options, then the last lr of each group it
 * drives. `String(sched)` and Node's inspector (`console.log(sched)`) both
 * show it; the inspector hook is found by its registered symbol, so the core
 * imports nothing from Node.
 */
import { fmtValue } from './util.js';

/** Node's `util.inspect.custom`, without importing `node:util`. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** What a printed scheduler shows. */
export interface SchedulerText {
  /** The class name. */
  name: string;
  /** Its options and counters, in order. */
  options: readonly (readonly [string, unknown])[];
  /** The groups it drives: their index in `paramGroups`, name and last lr. */
  groups: readonly { index: number; name?: string | undefined; lr: number }[];
  /** Schedulers it is made of (SequentialLR, ChainedScheduler), already printed. */
  children?: readonly string[];
}

function valueText(v: unknown): string {
  if (typeof v === 'function') return 'function';
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (v !== null && typeof v === 'object' && typeof (v as { call?: unknown }).call === 'function') return 'callable';
  return fmtValue(v);
}

const indent = (text: string): string => text.split('\n').map((l) => `    ${l}`).join('\n');

/** The text form: `Name (`, indented `key: value` lines, children, `Last lr` per group, `)`. */
export function formatScheduler(t: SchedulerText): string {
  const lines = [`${t.name} (`];
  for (const [k, v] of t.options) if (v !== undefined) lines.push(`    ${k}: ${valueText(v)}`);
  (t.children ?? []).forEach((c, i) => lines.push(indent(`schedulers[${i}]: ${c}`)));
  lines.push('Last lr');
  for (const g of t.groups) lines.push(`    group ${g.index}${g.name !== undefined ? ` ('${g.name}')` : ''}: ${fmtValue(g.lr)}`);
  lines.push(')');
  return lines.join('\n');
}
