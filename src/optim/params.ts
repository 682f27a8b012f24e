/**
 * Reading what an optimizer is given: tensors, `[name, tensor]` pairs or
 * group specs, each iterable read once, in order. Everything the caller could
 * get wrong is reported with what was found and how to fix it; nothing here
 * changes the caller's objects.
 */
import { ArgumentTypeError, ParamGroupError, Problems, ValueError, fmtShape, setOwn } from '../errors.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor/tensor.js';
import { groupLabel } from './hyper.js';

/** One group as read from the caller, before hyperparameters are resolved. */
export interface GroupDraft {
  params: Tensor[];
  /** The parameters' names when they came as `[name, tensor]` pairs. */
  names: string[] | undefined;
  /** The spec's other keys (hyperparameters and extras), unvalidated. */
  own: Record<string, unknown>;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && x !== undefined && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function isNamedPair(x: unknown): x is readonly [string, Tensor] {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && x[1] instanceof Tensor;
}

function isIterator(x: unknown): boolean {
  return isIterable(x) && typeof (x as { next?: unknown }).next === 'function';
}

function isSpecLike(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !(x instanceof Tensor) && !(x instanceof Module) && !isIterable(x);
}

/** What a value is, for messages: `a number (0.1)`, `an array of 2 tensors`, `an iterator`. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (x instanceof Tensor) return `a Tensor of shape ${fmtShape(x.shape)}`;
  if (x instanceof Module) return `a Module (${x.constructor.name})`;
  if (typeof x === 'number') return `a number (${x})`;
  if (typeof x === 'string') return `a string ('${x.length > 20 ? x.slice(0, 20) + '…' : x}')`;
  if (typeof x !== 'object') return `a ${typeof x}`;
  if (x instanceof Set) return `a Set of ${x.size}`;
  if (x instanceof Map) return `a Map of ${x.size}`;
  if (Array.isArray(x)) {
    const tensors = x.filter((e) => e instanceof Tensor).length;
    if (x.length > 0 && tensors === x.length) return `an array of ${x.length} tensor${x.length === 1 ? '' : 's'}`;
    return `an array of ${x.length}`;
  }
  if (isIterator(x)) return 'an iterator (e.g. a generator such as model.parameters())';
  if (isIterable(x)) return `an iterable ${x.constructor?.name ?? 'object'}`;
  return x.constructor === Object || x.constructor === undefined ? 'a plain object' : `a ${x.constructor.name}`;
}

const SET_MESSAGE =
  'optimizer parameters need to be organized in ordered collections, but a Set was given';
const SET_HINT = 'pass an array instead ([...set]) so that the order of the parameters, and so of their state, is explicit';
const MODULE_HINT = 'an optimizer takes a module\'s parameters, not the module: pass module.parameters() (or module.namedParameters())';

/**
 * A module that iterates over its parameters (a `ParameterList`) is a list of
 * parameters; any other module (a `Sequential` iterates over layers) was
 * passed instead of its parameters.
 */
function holdsParameters(m: Module): boolean {
  // NOTE: a module is not a one-shot iterator, so looking at its items here does not consume them.
  return isIterable(m) && Array.from(m).every((x) => x instanceof Tensor || isNamedPair(x));
}

/** The fix for an element that is not a tensor, a named pair or a spec, by what it is. */
function elementHint(x: unknown, inGroup: boolean): string | undefined {
  if (x instanceof Module) {
    return inGroup
      ? 'a group\'s params are tensors: spread the module\'s parameters into the list ([...a.parameters(), ...b.parameters()]) or give it its own group'
      : 'make one group per module: [{ params: a.parameters() }, { params: b.parameters(), lr: … }]';
  }
  if (x instanceof Set) return SET_HINT;
  if (Array.isArray(x)) {
    return inGroup
      ? 'the group\'s params must be one flat list: spread the inner list, or make it its own group'
      : 'pass one flat list of tensors, or one group spec per list: [{ params: list1 }, { params: list2, lr: … }]';
  }
  if (isIterator(x) || x instanceof Map) {
    return inGroup ? 'spread it into the list: [...model.parameters()]' : 'make it a group: { params: model.parameters() }, or spread it into the list: [...model.parameters()]';
  }
  return inGroup ? undefined : 'pass tensors, [name, tensor] pairs, or group specs { params, … }';
}

/**
 * Splits the constructor's `params` into group drafts: a list of tensors or
 * of named pairs is one group; a list of group specs is one group each.
 */
export function readParamsInput(input: unknown, op: string): GroupDraft[] {
  if (input instanceof Tensor) {
    throw new ArgumentTypeError(`params argument given to the optimizer should be an iterable of Tensors or group specs, but got ${describe(input)}`, {
      op,
      hint: 'wrap it in an array: [p]',
    });
  }
  if (input instanceof Set) throw new ArgumentTypeError(SET_MESSAGE, { op, hint: SET_HINT });
  if (input instanceof Module && !holdsParameters(input)) {
    throw new ArgumentTypeError(`params argument given to the optimizer should be an iterable of Tensors or group specs, but got ${describe(input)}`, {
      op,
      hint: `${MODULE_HINT}, or group specs [{ params: model.base.parameters() }, …]`,
    });
  }
  if (!isIterable(input)) {
    throw new ArgumentTypeError(`params argument given to the optimizer should be an iterable of Tensors, [name, tensor] pairs or group specs, but got ${describe(input)}`, {
      op,
      hint: isSpecLike(input) && 'params' in input ? 'wrap the group spec in an array: [{ params, … }]' : undefined,
    });
  }
  const items = Array.from(input);
  if (items.length === 0) {
    throw new ValueError('optimizer got an empty parameter list', {
      op,
      hint: 'an iterator such as model.parameters() can be read only once; call it again for each optimizer',
    });
  }
  const kinds = items.map((x) => (x instanceof Tensor ? 'tensor' : isNamedPair(x) ? 'named' : isSpecLike(x) ? 'spec' : 'other'));
  if (kinds.every((k) => k === 'spec')) {
    return items.map((spec, i) => readGroupSpec(spec, groupLabel(i, nameOf(spec)), op));
  }
  if (kinds.every((k) => k === 'tensor' || k === 'named')) {
    return [readGroupSpec({ params: items }, groupLabel(0), op)];
  }
  const other = kinds.indexOf('other');
  if (other >= 0) {
    const x = items[other];
    throw new ArgumentTypeError(`optimizer can only optimize Tensors, but element ${other} of params is ${describe(x)}`, { op, hint: elementHint(x, false) });
  }
  const spec = kinds.indexOf('spec');
  const tensor = kinds.findIndex((k) => k !== 'spec');
  throw new ArgumentTypeError(
    `params mixes group specs and parameters (element ${spec} is a group spec, element ${tensor} is ${describe(items[tensor])})`,
    { op, hint: 'put every parameter inside a group spec: [{ params: [a, b] }, { params: [c], lr: … }]' },
  );
}

function nameOf(spec: unknown): string | undefined {
  const n = isSpecLike(spec) ? spec['name'] : undefined;
  return typeof n === 'string' ? n : undefined;
}

/** Reads one group spec (`addParamGroup`'s argument, or an element of the constructor's list). */
export function readGroupSpec(spec: unknown, label: string, op: string): GroupDraft {
  if (!isSpecLike(spec)) {
    throw new ArgumentTypeError(`param group must be an object { params, … }, but got ${describe(spec)}`, {
      op,
      hint: spec instanceof Module
        ? 'wrap its parameters in a group spec: { params: module.parameters() }'
        : spec instanceof Tensor || isIterable(spec) ? 'wrap the parameters in a group spec: { params: [a, b] }' : undefined,
    });
  }
  if (!('params' in spec)) {
    throw new ParamGroupError(`${label} has no 'params' key`, { op, hint: 'a group spec is { params: [...], …hyperparameters }' });
  }
  const own: Record<string, unknown> = {};
  // setOwn: a JSON key '__proto__' stays a key (refused by the checks) instead of becoming the prototype.
  for (const [k, v] of Object.entries(spec)) if (k !== 'params') setOwn(own, k, v);
  const { params, names } = readGroupParams(spec['params'], label, op);
  return { params, names, own };
}

/** The tensors (and names) of one group's `params`, checked one by one. */
function readGroupParams(source: unknown, label: string, op: string): { params: Tensor[]; names: string[] | undefined } {
  if (source instanceof Set) throw new ArgumentTypeError(`${SET_MESSAGE} (the params of ${label})`, { op, hint: SET_HINT });
  if (source instanceof Module && !holdsParameters(source)) {
    throw new ArgumentTypeError(`the params of ${label} must be tensors, but got ${describe(source)}`, { op, hint: MODULE_HINT });
  }
  let items: unknown[];
  if (source instanceof Tensor) items = [source];
  else if (isIterable(source) && typeof source !== 'string') items = Array.from(source);
  else {
    throw new ArgumentTypeError(`the params of ${label} must be a tensor or an iterable of tensors or [name, tensor] pairs, but got ${describe(source)}`, { op });
  }
  const problems = new Problems();
  const params: Tensor[] = [];
  const seen = new Map<Tensor, number>();
  const names: string[] = [];
  let named = 0;
  items.forEach((x, i) => {
    let t: Tensor;
    if (x instanceof Tensor) t = x;
    else if (isNamedPair(x)) {
      named++;
      names.push(x[0]);
      t = x[1];
    } else {
      problems.add(ArgumentTypeError, `optimizer can only optimize Tensors, but element ${i} of the params of ${label} is ${describe(x)}`, elementHint(x, true));
      return;
    }
    const who = `element ${i}${named > 0 && isNamedPair(x) ? ` ('${x[0]}')` : ''} of ${label} (shape ${fmtShape(t.shape)})`;
    if (!t.isLeaf) {
      problems.add(
        ParamGroupError,
        `can't optimize a non-leaf Tensor: ${who} was computed by ${t.gradFn!.name}`,
        'optimize the leaf tensor it was computed from, or make a leaf with t.detach().requiresGrad_()',
      );
    } else if (!t.requiresGrad && !(t instanceof Parameter)) {
      // NOTE: a frozen nn.Parameter is accepted, as in PyTorch: it has no grad, so
      // step() skips it until it is unfrozen. A plain tensor that does not require
      // grad is refused: it is almost always data passed by mistake.
      problems.add(
        ParamGroupError,
        `${who} is a plain tensor that does not require grad, so it would never be updated`,
        'call t.requiresGrad_() first, or wrap it as new nn.Parameter(t)',
      );
    }
    const j = seen.get(t);
    if (j !== undefined) {
      const n = named > 0 && isNamedPair(x) ? `'${x[0]}'` : `at element ${i}`;
      problems.add(
        ParamGroupError,
        `${label} contains the parameter ${n} twice (elements ${j} and ${i}); it would be updated twice per step`,
        'list each parameter once',
      );
    }
    if (j === undefined) seen.set(t, i);
    params.push(t);
  });
  if (named > 0 && named < items.length && problems.size === 0) {
    problems.add(
      ParamGroupError,
      `all params of ${label} should be with or without names, but ${named} of ${items.length} are [name, tensor] pairs`,
      'use model.namedParameters() for every group, or model.parameters() for every group',
    );
  }
  problems.throwIfAny(op);
  return { params, names: named > 0 ? names : undefined };
}

/** Finds a parameter's name outside the optimizer (the groups toolkit knows the models it has seen). */
type ParamNamer = (p: Tensor) => string | undefined;
const namers: ParamNamer[] = [];

/**
 * @internal Lets a later layer (the groups toolkit, which indexes models)
 * name parameters in the optimizer's messages without the optimizer importing it.
 */
export function registerParamNamer(namer: ParamNamer): void {
  namers.push(namer);
}

/** A parameter's name from a registered namer, if any knows it. */
export function nameOfParam(p: Tensor): string | undefined {
  for (const n of namers) {
    const name = n(p);
    if (name !== undefined) return name;
  }
  return undefined;
}
