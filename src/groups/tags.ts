/**
 * Model-declared hints: tags on parameters or modules that rules select by
 * (`{ tag: 'noDecay' }`), and the registry of module classes that count as
 * normalisation layers or embeddings for the built-in selectors.
 *
 * Tags live in WeakMaps keyed by the tagged object, so nothing is stored on a
 * Tensor or Module and nn needs no change (STYLE.md §13).
 */
import { ArgumentTypeError } from '../errors.js';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, Embedding, GroupNorm, LayerNorm } from '../nn/index.js';
import { Tensor } from '../tensor/tensor.js';
import { describeValue, isModuleLike } from './model-index.js';
import type { ModuleClass, ModuleLike } from './types.js';

const tagStore = new WeakMap<object, Set<string>>();

function checkTarget(target: unknown, op: string): asserts target is Tensor | ModuleLike {
  if (!(target instanceof Tensor) && !isModuleLike(target)) {
    throw new ArgumentTypeError(`can only tag a Parameter or a Module, got ${describeValue(target)}`, { op });
  }
}

function checkTags(tags: readonly unknown[], op: string): asserts tags is string[] {
  if (tags.length === 0) throw new ArgumentTypeError('no tag given', { op, hint: `e.g. ${op}(this.posEmbed, 'noDecay')` });
  for (const t of tags) {
    if (typeof t !== 'string' || t === '') {
      throw new ArgumentTypeError(`tags are non-empty strings, got ${describeValue(t)}`, { op });
    }
  }
}

/**
 * Tags a parameter, or every parameter below a module, for rules that select
 * by tag. Returns its argument, so it can wrap a field initialiser:
 *
 * ```ts
 * class ViT extends nn.Module {
 *   posEmbed = optim.tag(new nn.Parameter(kd.zeros([1, 5, 16])), 'noDecay');
 * }
 * optim.paramGroups(vit, [{ select: { tag: 'noDecay' }, weightDecay: 0 }]);
 * ```
 *
 * The built-in `noDecay` selector includes the tag `'noDecay'`, and the
 * `embedding` selector the tag `'embedding'`.
 */
export function tag<T extends Tensor | ModuleLike>(target: T, ...tags: string[]): T {
  checkTarget(target, 'optim.tag');
  checkTags(tags, 'optim.tag');
  let set = tagStore.get(target);
  if (set === undefined) {
    set = new Set();
    tagStore.set(target, set);
  }
  for (const t of tags) set.add(t);
  return target;
}

/** Removes tags put by {@link tag} (all of them when none are named). */
export function untag<T extends Tensor | ModuleLike>(target: T, ...tags: string[]): T {
  checkTarget(target, 'optim.untag');
  const set = tagStore.get(target);
  if (set === undefined) return target;
  if (tags.length === 0) set.clear();
  for (const t of tags) set.delete(t);
  return target;
}

/** The tags put on a parameter or module itself (not inherited ones), sorted. */
export function tagsOf(target: Tensor | ModuleLike): string[] {
  return [...(tagStore.get(target) ?? [])].sort();
}

/** True when the object itself carries the tag. */
export function hasTag(target: object, name: string): boolean {
  return tagStore.get(target)?.has(name) ?? false;
}

// kindling's own layers, registered by class (robust to minified class names).
const normClasses = new Set<ModuleClass>([BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm]);
const embeddingClasses = new Set<ModuleClass>([Embedding]);

// NOTE: besides registered classes, a class whose name (or a base class's
// name) ends in `Norm` or `Norm1d/2d/3d` counts as a norm layer, so a user's
// `RMSNorm` is found without registration (transformers PR #35927 had to add
// name patterns after RMSNorm weights were silently decayed).
const NORM_NAME = /Norm(?:[123]d)?$/;
const EMBEDDING_NAME = /^Embedding(?:Bag)?$/;

function checkClass(cls: unknown, op: string): asserts cls is ModuleClass {
  const proto = typeof cls === 'function' ? (cls as { prototype?: unknown }).prototype : undefined;
  if (typeof proto !== 'object' || proto === null || typeof (proto as { namedParameters?: unknown }).namedParameters !== 'function') {
    throw new ArgumentTypeError(`expected a Module class, got ${describeValue(cls)}`, { op });
  }
}

/** Declares that instances of `cls` are normalisation layers (for the `norm` and `noDecay` selectors). */
export function markNorm(cls: ModuleClass): void {
  checkClass(cls, 'optim.markNorm');
  normClasses.add(cls);
}

/** Declares that instances of `cls` are embeddings (for the `embedding` and `noDecay` selectors). */
export function markEmbedding(cls: ModuleClass): void {
  checkClass(cls, 'optim.markEmbedding');
  embeddingClasses.add(cls);
}

function classNames(m: object): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(m) as object | null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const n = (p as { constructor?: { name?: string } }).constructor?.name;
    if (n) names.push(n);
  }
  return names;
}

function isInstanceOfAny(m: object, classes: Set<ModuleClass>): boolean {
  for (const c of classes) if (m instanceof c) return true;
  return false;
}

/** Whether a module is a normalisation layer (registered class, or named like one). */
export function isNormModule(m: ModuleLike): boolean {
  return isInstanceOfAny(m, normClasses) || classNames(m).some((n) => NORM_NAME.test(n));
}

/** Whether a module is an embedding (registered class, `Embedding`/`EmbeddingBag`, or tagged `'embedding'`). */
export function isEmbeddingModule(m: ModuleLike): boolean {
  return isInstanceOfAny(m, embeddingClasses) || classNames(m).some((n) => EMBEDDING_NAME.test(n)) || hasTag(m, 'embedding');
}
