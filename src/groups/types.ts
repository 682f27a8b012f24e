/**
 * The vocabulary of the groups toolkit: the structural view of a model it
 * needs, the rule format, and the group specs it returns.
 *
 * The toolkit reads a model only through `namedParameters({ recurse: false })`
 * and `namedChildren()`, so anything shaped like an `nn.Module` works.
 */
import type {
  AdadeltaOptions, AdagradOptions, AdamaxOptions, AdamOptions, AdamWOptions, ASGDOptions, NAdamOptions, RAdamOptions, RMSpropOptions,
  RpropOptions, SGDOptions,
} from '../optim/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** What the toolkit needs of a module: its own parameters and its children. */
export interface ModuleLike {
  namedParameters(options?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): Iterable<readonly [string, Tensor]>;
  namedChildren(): Iterable<readonly [string, ModuleLike]>;
}

/** A module class, e.g. `nn.LayerNorm`: selects the parameters of its instances. */
export type ModuleClass = abstract new (...args: never[]) => ModuleLike;

/** Where a parameter sits in the model (one entry per name it is reachable under). */
export interface ParamSite {
  /** Full dotted name, e.g. `blocks.3.attn.qkv.bias`. */
  readonly name: string;
  /** The name inside its owning module, e.g. `bias`. */
  readonly localName: string;
  /** The module that owns the parameter directly. */
  readonly module: ModuleLike;
  /** The modules on the path from the model down to `module`, both included. */
  readonly ancestors: readonly ModuleLike[];
}

/**
 * A predicate selector: `(name, param, module) => boolean`, called with each
 * name the parameter has (tied parameters have several) until one returns true.
 */
export type SelectorFn = (name: string, param: Tensor, module: ModuleLike) => boolean;

/** The built-in selectors, by name (usable from JSON as `{ builtin: 'noDecay' }`). */
export type BuiltinSelectorName = 'bias' | 'norm' | 'embedding' | 'oneD' | 'noDecay' | 'all';

/** Selectors written as plain data, so rules can come from JSON configs. */
export type SelectorObject =
  | { readonly glob: string }
  | { readonly regex: string; readonly flags?: string }
  | { readonly module: string }
  | { readonly moduleClass: string }
  | { readonly tag: string }
  | { readonly ndim: number | { readonly min?: number; readonly max?: number } }
  | { readonly shape: readonly number[] }
  | { readonly builtin: BuiltinSelectorName }
  | { readonly any: readonly Selector[] }
  | { readonly all: readonly Selector[] }
  | { readonly not: Selector };

/**
 * Which parameters a rule applies to:
 * - a string is a glob over dotted names (`*` one segment or part of one, `**` any number of segments, `?` one character);
 * - a `RegExp` is tested against each dotted name (unanchored, as `RegExp.test` does);
 * - a module object selects every parameter below it;
 * - a module class selects every parameter below each of its instances;
 * - a function is a predicate `(name, param, module) => boolean`;
 * - an object is one of the JSON forms of {@link SelectorObject}.
 */
export type Selector = string | RegExp | ModuleLike | ModuleClass | SelectorFn | SelectorObject;

/** Hyperparameter keys whose values are numbers (those can take a `…Mult`). */
export type NumericKeys<H> = {
  [K in keyof H]-?: K extends string ? (NonNullable<H[K]> extends number ? K : never) : never;
}[keyof H];

/** `lrMult`, `weightDecayMult` …: one multiplier per numeric hyperparameter of `H`. */
export type Multipliers<H> = { [K in NumericKeys<H> as `${K}Mult`]?: number };

/** A discriminative spread over `parts`: `[low, high]` geometric (fastai's `slice(low, high)`), or `{ stop }` (fastai's `slice(stop)`: the last part gets `stop`, the others `stop / 10`). */
export type SpreadValue = readonly [low: number, high: number] | { readonly stop: number };

/** Values spread across a rule's `parts`, per numeric hyperparameter or its multiplier. */
export type Spread<H> = { [K in NumericKeys<H>]?: SpreadValue } & { [K in NumericKeys<H> as `${K}Mult`]?: SpreadValue };

/** What a depth function sees: the parameter, its names and the module tree around it. */
export interface DepthInfo {
  readonly name: string;
  readonly param: Tensor;
  readonly sites: readonly ParamSite[];
  /** The depth the generic inference gave (see `LayerDecay`). */
  readonly inferred: number;
  /** The number of blocks the inference found. */
  readonly numBlocks: number;
}

/**
 * Layer-wise decay of one hyperparameter (the learning rate unless `key` says
 * otherwise): a parameter at depth `d` of `D` gets `max(floor, rate^(D − d))`
 * times its value.
 *
 * Depth is inferred from the module tree: the list-like container
 * (`ModuleList`/`Sequential`, children named `0`, `1` …) with the most children
 * that hold parameters is the block stack; block `i` is depth `i + 1`;
 * parameters of embedding modules and those before the blocks are depth 0;
 * those after the blocks (final norm, head) are depth `blocks + 1 = D`.
 */
export interface LayerDecay {
  /** Factor per layer below the top, in (0, 1]. */
  readonly rate: number;
  /** Smallest factor a layer gets (timm's `min_scale`). Default 0. */
  readonly floor?: number;
  /** The block stack(s), when the inference should not guess: module objects or their dotted paths; several stacks are numbered one after the other. */
  readonly blocks?: ModuleLike | string | readonly (ModuleLike | string)[];
  /** Overrides the depth of each parameter (return an integer ≥ 0). */
  readonly depth?: (info: DepthInfo) => number;
  /** The deepest depth `D` (default: the largest depth any parameter has). */
  readonly maxDepth?: number;
  /** The hyperparameter decayed. Default `'lr'`. */
  readonly key?: string;
}

/** The parts of a rule that do not depend on the optimizer. */
export interface RuleBase<H = AnyOptimizerOptions> {
  /** Names the rule in groups, reports and errors (default: a description of its selector). */
  readonly name?: string;
  /** The parameters the rule applies to (a list means any of them). Required unless `parts` is given. */
  readonly select?: Selector | readonly Selector[];
  /** Parameters taken out of `select`. */
  readonly exclude?: Selector | readonly Selector[];
  /**
   * `'compose'` (default): multipliers multiply whatever earlier rules gave.
   * `'replace'`: this rule's multipliers apply to the base value, discarding what
   * earlier rules gave for those keys.
   */
  readonly mode?: 'compose' | 'replace';
  /** A rule that may select nothing without an error (e.g. a shared config applied to several models). */
  readonly optional?: boolean;
  /** Layer-wise decay across depth. */
  readonly layerDecay?: LayerDecay;
  /** Ordered parts (first = lowest rate): each becomes its own group; with `spread`, values are spread across them. */
  readonly parts?: readonly (Selector | readonly Selector[])[];
  /** Values spread geometrically across `parts` (fastai's discriminative rates). */
  readonly spread?: Spread<H>;
  /** With `optim.MultiOptimizer`: the name of the optimizer these parameters go to. */
  readonly optimizer?: string;
}

/**
 * One rule: which parameters (`select`), and what to set on them — absolute
 * hyperparameter values (`lr: 1e-4`) and multipliers of the values so far
 * (`lrMult: 0.1`). Typed by the optimizer's options `H`, so a misspelt key is a
 * compile error.
 */
export type Rule<H = AnyOptimizerOptions> = RuleBase<H> & Partial<H> & Multipliers<H>;

/** A parameter with its name, as optimizers accept it. */
export type NamedParam = readonly [string, Tensor];

/** One group spec, as any kindling optimizer accepts it. */
export type GroupSpec<H = AnyOptimizerOptions> = Partial<H> & {
  params: NamedParam[];
  name: string;
  /** The group's lr relative to the base lr (schedulers scale absolute endpoints such as `etaMin` by it). */
  lrMult?: number;
  /** The optimizer this group is routed to (`MultiOptimizer` only; removed before the group reaches it). */
  optimizer?: string;
};

/**
 * Every hyperparameter some kindling optimizer takes (those that accept
 * groups): the default typing of rules when no optimizer is named.
 */
export type AnyOptimizerOptions = Partial<SGDOptions> & AdamOptions & AdamWOptions & RMSpropOptions & AdagradOptions & AdadeltaOptions &
  AdamaxOptions & NAdamOptions & RAdamOptions & ASGDOptions & RpropOptions;
