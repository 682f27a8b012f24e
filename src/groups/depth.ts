/**
 * Depth of each parameter for layer-wise decay, inferred from the module tree,
 * and the fastai-style geometric spread for discriminative rates.
 */
import type { ModelIndex, ParamEntry } from './model-index.js';
import { describeValue, isModuleLike } from './model-index.js';
import { isEmbeddingModule } from './tags.js';
import type { LayerDecay, ModuleLike, SpreadValue } from './types.js';
import { nearestNames, q } from './util.js';

export interface Depths {
  readonly depth: Map<ParamEntry, number>;
  readonly maxDepth: number;
  readonly numBlocks: number;
  /** The dotted paths of the block stack(s), found or named (`''` is the model itself); empty with only a depth function. */
  readonly stacks: readonly string[];
}

const isListLike = (names: string[]): boolean => names.length > 0 && names.every((n, i) => n === String(i));

/** The modules that hold at least one parameter of the model, themselves or below them. */
function paramHolders(index: ModelIndex): Set<ModuleLike> {
  const out = new Set<ModuleLike>();
  for (const e of index.params) for (const s of e.sites) for (const m of s.ancestors) out.add(m);
  return out;
}

/** The children of `m` that hold at least one parameter of the model, in order. */
function paramChildren(m: ModuleLike, holders: ReadonlySet<ModuleLike>): ModuleLike[] {
  const out: ModuleLike[] = [];
  for (const [, child] of m.namedChildren()) {
    if (!out.includes(child) && holders.has(child)) out.push(child);
  }
  return out;
}

/**
 * The block stack. Candidates are the list-like containers (children named
 * 0, 1, …: a `ModuleList` or `Sequential`) with at least two children that
 * hold parameters. Those whose children are all of one class (a stack of
 * identical blocks) are preferred; of those, the outermost (not inside
 * another candidate); of those, the one with the most children, the first in
 * model order on a tie.
 */
function findBlocks(index: ModelIndex, holders: ReadonlySet<ModuleLike>): { module: ModuleLike; path: string } | undefined {
  type Candidate = { module: ModuleLike; path: string; n: number; uniform: boolean };
  let candidates: Candidate[] = [];
  for (const { module, paths } of index.modules) {
    const names = [...module.namedChildren()].map(([n]) => n);
    if (!isListLike(names)) continue;
    const children = paramChildren(module, holders);
    const uniform = children.every((c) => Object.getPrototypeOf(c) === Object.getPrototypeOf(children[0]));
    if (children.length >= 2) candidates.push({ module, path: paths[0]!, n: children.length, uniform });
  }
  // NOTE: a model that is itself a Sequential of [embedding, blocks, head] is
  // not the stack (its children differ); the ModuleList of blocks inside it is.
  if (candidates.some((c) => c.uniform)) candidates = candidates.filter((c) => c.uniform);
  // NOTE: an MLP `Sequential` inside each block can have more children than
  // the stack itself; the stack is the container the others sit in.
  const inside = (c: Candidate): boolean =>
    candidates.some((o) => o !== c && index.byModule.get(c.module)!.paths.some((p) => o.path === '' || p.startsWith(`${o.path}.`)));
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (inside(c)) continue;
    if (best === undefined || c.n > best.n) best = c;
  }
  return best;
}

/**
 * Depths for every parameter of the model (frozen ones too, as timm does), or
 * a problem message. Block `i` of the stack(s) has depth `i + 1`; embeddings
 * and parameters before the first block 0; parameters after the last block
 * `blocks + 1`.
 */
export function inferDepths(index: ModelIndex, spec: LayerDecay, where: string, problems: string[]): Depths | undefined {
  const stacks: { module: ModuleLike; path: string }[] = [];
  const holders = paramHolders(index);
  if (spec.blocks !== undefined) {
    const list = Array.isArray(spec.blocks) ? spec.blocks : [spec.blocks];
    for (const b of list as unknown[]) {
      if (typeof b === 'string') {
        const m = index.modulePaths.get(b);
        if (m === undefined) {
          problems.push(`${where}.blocks: the model has no module at path ${q(b)} (nearest: ${nearestNames(b, index.modulePaths.keys()).map(q).join(', ')})`);
          return undefined;
        }
        stacks.push({ module: m, path: b });
      } else if (isModuleLike(b) && index.byModule.has(b)) {
        stacks.push({ module: b, path: index.byModule.get(b)!.paths[0]! });
      } else {
        problems.push(`${where}.blocks: expected a module of the model or its dotted path, got ${describeValue(b)}`);
        return undefined;
      }
    }
  } else {
    const found = findBlocks(index, holders);
    if (found) stacks.push(found);
  }

  const blocks: ModuleLike[] = stacks.flatMap((s) => paramChildren(s.module, holders));
  const depth = new Map<ParamEntry, number>();
  let firstBlockIndex = Infinity;
  for (const e of index.params) {
    const site = e.sites[0]!;
    const b = blocks.findIndex((blk) => site.ancestors.includes(blk));
    if (b >= 0) {
      depth.set(e, b + 1);
      firstBlockIndex = Math.min(firstBlockIndex, e.index);
    }
  }
  if (blocks.length === 0 && spec.depth === undefined) {
    problems.push(
      `${where}: found no block stack to decay across (a ModuleList or Sequential of at least two blocks holding parameters); ` +
      'name it with layerDecay.blocks, or give layerDecay.depth',
    );
    return undefined;
  }
  const L = blocks.length;
  for (const e of index.params) {
    if (depth.has(e)) continue;
    const embedding = e.sites.some((s) => s.ancestors.some((m) => isEmbeddingModule(m)));
    // NOTE: embeddings come first whatever their position; anything else
    // before the first block is the stem (depth 0), after it the head.
    depth.set(e, embedding || e.index < firstBlockIndex ? 0 : L + 1);
  }

  if (spec.depth !== undefined) {
    for (const e of index.params) {
      const inferred = depth.get(e)!;
      let d: unknown;
      try {
        d = spec.depth({ name: e.name, param: e.param, sites: e.sites, inferred, numBlocks: L });
      } catch (err) {
        problems.push(`${where}.depth threw for ${q(e.name)}: ${(err as Error).message}`);
        return undefined;
      }
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
        problems.push(`${where}.depth returned ${describeValue(d)} for ${q(e.name)}; it must return a whole number ≥ 0`);
        return undefined;
      }
      depth.set(e, d);
    }
  }
  let maxDepth = spec.maxDepth ?? (spec.depth === undefined ? L + 1 : Math.max(0, ...depth.values()));
  if (spec.maxDepth !== undefined) {
    const deepest = Math.max(0, ...depth.values());
    if (deepest > spec.maxDepth) {
      const e = [...depth].find(([, d]) => d === deepest)![0];
      problems.push(`${where}.maxDepth is ${spec.maxDepth}, but ${q(e.name)} has depth ${deepest}`);
      return undefined;
    }
    maxDepth = spec.maxDepth;
  }
  return { depth, maxDepth, numBlocks: L, stacks: stacks.map((s) => s.path) };
}

/** The layer-decay factor of depth `d`: `max(floor, rate^(D − d))`. */
export function decayFactor(rate: number, floor: number, d: number, maxDepth: number): number {
  return Math.max(floor, rate ** (maxDepth - d));
}

/**
 * One value per part, from `[low, high]` spaced geometrically (fastai's
 * `even_mults(low, high, n)`) or `{ stop }` (fastai's `slice(stop)`: `stop / 10`
 * for every part but the last).
 */
export function spreadValues(v: SpreadValue, n: number): number[] {
  if (!Array.isArray(v)) {
    const stop = (v as { stop: number }).stop;
    return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : stop / 10));
  }
  const [low, high] = v as readonly [number, number];
  if (n === 1) return [high];
  // NOTE: fastai computes start·step^i with step = (stop/start)^(1/(n−1)); the
  // same product keeps our values bit-identical to its.
  const step = (high / low) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => low * step ** i);
}
