/** Small helpers shared by the groups toolkit: name suggestions and number formatting. */
import { editDistance } from '../errors.js';

/**
 * The `k` candidates closest to `query`, for "nearest real names" in messages.
 * Wildcards are dropped from the query first; a candidate containing the
 * query's words (`head` in `decode_head.weight`) ranks by how much it adds.
 */
export function nearestNames(query: string, candidates: Iterable<string>, k = 3): string[] {
  const q = query.replace(/\*\*?|\?|[\^$\\()[\]{}|+]/g, '').replace(/\.{2,}/g, '.').replace(/^\.|\.$/g, '').toLowerCase();
  const scored: { c: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c) || c === '') continue;
    seen.add(c);
    const lc = c.toLowerCase();
    const words = q.split('.').filter((w) => w !== '');
    const contains = words.length > 0 && words.every((w) => lc.includes(w));
    // NOTE: containing every word of the query beats any edit distance, so
    // `head` suggests `decode_head.weight` before an unrelated short name.
    const d = contains ? lc.length - q.length - 1000 : editDistance(q, lc);
    scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : x.c > y.c ? 1 : 0));
  return scored.slice(0, k).map((s) => s.c);
}

/**
 * Formats a hyperparameter value for tables and explanations: numbers with at
 * most four significant digits, in exponent form below 0.01 (`2.4e-4`, `1e-3`,
 * `0.05`, `0.75`), tuples as `[0.9, 0.999]`.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number') return fmtNum(v);
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-2 && a < 1e5) return String(Number(x.toPrecision(4)));
  const [m, e] = x.toExponential(3).split('e') as [string, string];
  const mant = String(Number(m));
  return `${mant}e${e.startsWith('+') ? e.slice(1) : e}`;
}

/** `"name"` for messages. */
export function q(name: string): string {
  return JSON.stringify(name);
}

/** `a, b and 3 more` — a list for messages, cut after `max` items. */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
