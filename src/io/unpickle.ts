/**
 * A restricted unpickler for `torch.save`'s `data.pkl`, in the spirit of
 * PyTorch's `weights_only=True` but stricter: a stack machine over the
 * opcodes that tensors, storages, ordered dicts and plain containers need,
 * and nothing else. A GLOBAL never resolves to code: each allowed
 * (module, name) pair maps to an inert tag, and anything else is refused with
 * a `CheckpointError` naming it. No length read from the file is used before
 * it is checked against the bytes that remain, and no tensor is built before
 * its size, strides and offset are checked against its storage.
 */
import { CheckpointError } from '../errors.js';
import { Parameter } from '../nn/parameter.js';
import type { DType } from '../tensor/dtype.js';
import { Storage, Tensor, contiguousStrides } from '../tensor/tensor.js';
import { OP, OPCODE_NAMES } from './opcodes.js';

/** A Python float (kept apart from ints until the end, so sizes and offsets can insist on ints). */
class PyFloat {
  constructor(readonly value: number) {}
}
class PyTuple {
  constructor(readonly items: Py[]) {}
}
class PyList {
  readonly items: Py[] = [];
}
class PyDict {
  readonly map = new Map<Py, Py>();
  constructor(readonly ordered: boolean) {}
}
/** An allowed global: an inert tag, never something callable. */
class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A storage record read and converted to kindling's dtype. */
export interface LoadedStorage {
  readonly key: string;
  /** PyTorch's storage class name, e.g. `FloatStorage`. */
  readonly cls: string;
  /** Elements, as the persistent id says and the record confirmed. */
  readonly numel: number;
  readonly dtype: DType;
  readonly storage: Storage;
}
class PyStorage {
  constructor(readonly loaded: LoadedStorage) {}
}

type Py = string | number | bigint | boolean | null | PyFloat | PyTuple | PyList | PyDict | PyGlobal | PyStorage | Tensor;

/** The storage classes a persistent id may name (PyTorch 1.13's typed storages). */
export const STORAGE_CLASSES = [
  'DoubleStorage', 'FloatStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage',
  'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
] as const;
const QUANTIZED = ['QInt8Storage', 'QUInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage'];

const ALLOWED = new Set<string>([
  'collections\nOrderedDict',
  'torch._utils\n_rebuild_tensor_v2',
  'torch._utils\n_rebuild_parameter',
  'torch\nSize',
  ...STORAGE_CLASSES.map((c) => `torch\n${c}`),
]);

/** Reads one storage record for a persistent id (the caller checks the record against `numel`). */
export type StorageLoader = (key: string, cls: string, numel: number) => LoadedStorage;

const MAX_DEPTH = 1000;

/**
 * Runs `data` (a `data.pkl`) through the restricted machine and returns the
 * value as plain JavaScript: dicts become objects (or Maps when their keys are
 * not all strings and ints), lists and tuples arrays, tensors kindling tensors.
 */
export function unpickle(data: Uint8Array, loadStorage: StorageLoader, op: string): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: Py[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Py>();
  const storages = new Map<string, LoadedStorage>();
  const roots = new Map<Storage, Tensor>();
  let pos = 0;
  let opStart = 0;
  let opcode = 0;

  const fail = (message: string, hint?: string): never => {
    const name = OPCODE_NAMES[opcode] ?? `0x${opcode.toString(16).padStart(2, '0')}`;
    throw new CheckpointError(`data.pkl: ${message} (opcode ${name} at byte ${opStart})`, { op, hint });
  };
  const need = (n: number): void => {
    if (n > data.length - pos) fail(`needs ${n} more bytes but only ${data.length - pos} remain: the pickle is truncated`);
  };
  const u8 = (): number => {
    need(1);
    return data[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const u64 = (): number => {
    need(8);
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    // Any length beyond the file is refused by need() below; this only keeps the number exact.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const text = (n: number): string => {
    need(n);
    pos += n;
    try {
      return decoder.decode(data.subarray(pos - n, pos));
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('GLOBAL without a newline-terminated name');
    const s = text(end - pos);
    pos += 1;
    return s;
  };
  const push = (v: Py): void => {
    stack.push(v);
  };
  const floor = (): number => marks.at(-1) ?? 0;
  const pop = (): Py => {
    if (stack.length <= floor()) fail('stack underflow');
    return stack.pop()!;
  };
  const top = (): Py => {
    if (stack.length <= floor()) fail('stack underflow');
    return stack[stack.length - 1]!;
  };
  const popMark = (): Py[] => {
    const m = marks.pop();
    if (m === undefined) return fail('no MARK to close');
    return stack.splice(m);
  };
  const signed = (bytes: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    if (!ALLOWED.has(`${module}\n${name}`)) {
      const hint = module === 'torch' && QUANTIZED.includes(name)
        ? 'quantized tensors are not supported; dequantize them before torch.save'
        : 'kindling loads tensors, storages, OrderedDicts and plain containers only; save a state_dict of plain values';
      fail(`refusing global '${module}.${name}': it is not on kindling's allow-list`, hint);
    }
    return new PyGlobal(module, name);
  };
  const setItems = (target: Py, items: Py[]): void => {
    if (!(target instanceof PyDict)) fail(`SETITEM(S) on ${describe(target)}, not a dict`);
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as PyDict).map.set(dictKey(items[i]!), items[i + 1]!);
  };
  const dictKey = (k: Py): Py => {
    if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return k;
    if (k instanceof PyFloat || k instanceof PyTuple) return k;
    return fail(`a dict key is ${describe(k)}, which is not hashable`);
  };

  const persistentLoad = (pid: Py): PyStorage => {
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') return fail(`persistent id ${describe(pid)} is not ('storage', …)`);
    const [, cls, key, location, numel] = pid.items;
    if (pid.items.length !== 5 || !(cls instanceof PyGlobal) || cls.module !== 'torch' || !cls.name.endsWith('Storage')) {
      return fail('a storage persistent id must be (\'storage\', torch.<X>Storage, key, location, numel)');
    }
    if (typeof key !== 'string' || typeof location !== 'string') return fail('a storage key and location must be strings');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) return fail(`storage '${key}' has element count ${describe(numel)}`);
    const known = storages.get(key);
    if (known !== undefined) {
      if (known.cls !== cls.name || known.numel !== numel) {
        fail(`storage '${key}' is used as ${known.cls} of ${known.numel} elements and as ${cls.name} of ${numel}`);
      }
      return new PyStorage(known);
    }
    const loaded = loadStorage(key, cls.name, numel);
    storages.set(key, loaded);
    return new PyStorage(loaded);
  };

  const ints = (v: Py, what: string): number[] => {
    if (!(v instanceof PyTuple)) return fail(`tensor ${what} is ${describe(v)}, not a tuple`);
    return v.items.map((x) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : fail(`tensor ${what} has the entry ${describe(x)}`)));
  };

  const rebuildTensor = (args: Py[]): Tensor => {
    // NOTE: PyTorch 2.x appends a 7th argument (a metadata dict of Python-side attributes) when it is non-empty; it has no kindling counterpart.
    if ((args.length !== 6 && args.length !== 7) || (args.length === 7 && !(args[6] instanceof PyDict))) {
      return fail(`_rebuild_tensor_v2 takes 6 arguments (storage, offset, size, stride, requires_grad, hooks), got ${args.length}`);
    }
    const [st, offset, sizeT, strideT, requiresGrad, hooks] = args;
    if (!(st instanceof PyStorage)) return fail(`_rebuild_tensor_v2's first argument is ${describe(st)}, not a storage`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return fail(`tensor storage offset ${describe(offset)} is not a non-negative integer`);
    const size = ints(sizeT!, 'size');
    const stride = ints(strideT!, 'stride');
    if (size.length !== stride.length) fail(`tensor size (${size.join(', ')}) and stride (${stride.join(', ')}) differ in length`);
    if (typeof requiresGrad !== 'boolean' || !(hooks instanceof PyDict)) fail('_rebuild_tensor_v2 expects requires_grad (a bool) and backward hooks (an OrderedDict)');
    const { loaded } = st;
    let numel = 1n;
    let last = BigInt(offset);
    size.forEach((d, i) => {
      numel *= BigInt(d);
      last += BigInt(d - 1) * BigInt(stride[i]!);
    });
    if (numel === 0n ? offset > loaded.numel : last >= BigInt(loaded.numel)) {
      fail(`a tensor of size (${size.join(', ')}), stride (${stride.join(', ')}) and offset ${offset} reaches past storage '${loaded.key}' of ${loaded.numel} elements`);
    }
    const data = loaded.storage.data;
    const dense = contiguousStrides(size);
    const whole = offset === 0 && numel === BigInt(data.length) && stride.every((s, i) => s === dense[i] || size[i] === 1);
    let base: Tensor | null = null;
    if (!whole) {
      base = roots.get(loaded.storage) ?? new Tensor(loaded.storage, [data.length], [1], 0, loaded.dtype);
      roots.set(loaded.storage, base);
    }
    const t = new Tensor(loaded.storage, size, stride, offset, loaded.dtype, base);
    if (requiresGrad) {
      if (loaded.dtype !== 'float32' && loaded.dtype !== 'float64') fail(`a ${loaded.dtype} tensor cannot require grad`);
      t.requiresGrad_(true);
    }
    return t;
  };

  const reduce = (fn: Py, args: Py): Py => {
    if (!(fn instanceof PyGlobal)) return fail(`REDUCE calls ${describe(fn)}, which is not an allowed global`);
    if (!(args instanceof PyTuple)) return fail(`REDUCE of ${fn} with ${describe(args)} instead of an argument tuple`);
    const a = args.items;
    switch (`${fn.module}.${fn.name}`) {
      case 'collections.OrderedDict':
        if (a.length !== 0) fail('OrderedDict is only rebuilt empty (its items follow with SETITEMS)');
        return new PyDict(true);
      case 'torch.Size':
        if (a.length !== 1) fail('torch.Size takes one tuple');
        return new PyTuple(ints(a[0]!, 'torch.Size'));
      case 'torch._utils._rebuild_tensor_v2':
        return rebuildTensor(a);
      case 'torch._utils._rebuild_parameter': {
        const [t, rg, hooks] = a;
        if (a.length !== 3 || !(t instanceof Tensor) || typeof rg !== 'boolean' || !(hooks instanceof PyDict)) {
          return fail('_rebuild_parameter takes (tensor, requires_grad, OrderedDict)');
        }
        if (rg && t.dtype !== 'float32' && t.dtype !== 'float64') fail(`a ${t.dtype} parameter cannot require grad`);
        return new Parameter(t, rg);
      }
      default:
        return fail(`REDUCE of ${fn}, which is not a callable kindling allows`);
    }
  };

  for (;;) {
    opStart = pos;
    if (pos >= data.length) fail('the pickle ends without STOP');
    opcode = data[pos++]!;
    switch (opcode) {
      case OP.PROTO: {
        const v = u8();
        if (v < 2 || v > 5) fail(`pickle protocol ${v}; kindling reads protocols 2 to 5`);
        break;
      }
      case OP.FRAME:
        need(u64());
        break;
      case OP.STOP: {
        if (marks.length > 0) fail('STOP inside an open MARK');
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        if (pos !== data.length) fail(`${data.length - pos} bytes follow STOP`);
        return toJs(stack[0]!, fail);
      }
      case OP.MARK:
        marks.push(stack.length);
        break;
      case OP.GLOBAL: {
        const module = line();
        const name = line();
        push(resolveGlobal(module, name));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        push(reduce(pop(), args));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        const target = top();
        // NOTE: a module state_dict is an OrderedDict followed by BUILD {'_metadata': …}: an attribute kindling does not keep.
        if (!(target instanceof PyDict && target.ordered && state instanceof PyDict)) fail(`BUILD on ${describe(target)} with ${describe(state)}; kindling only allows BUILD on an OrderedDict with a dict state`);
        break;
      }
      case OP.BINPERSID:
        push(persistentLoad(pop()));
        break;
      case OP.EMPTY_DICT:
        push(new PyDict(false));
        break;
      case OP.EMPTY_LIST:
        push(new PyList());
        break;
      case OP.EMPTY_TUPLE:
        push(new PyTuple([]));
        break;
      case OP.TUPLE:
        push(new PyTuple(popMark()));
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = opcode - OP.TUPLE1 + 1;
        const items: Py[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        push(new PyTuple(items));
        break;
      }
      case OP.SETITEM: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case OP.APPEND: {
        const v = pop();
        const list = top();
        if (!(list instanceof PyList)) fail(`APPEND to ${describe(list)}, not a list`);
        (list as PyList).items.push(v);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        const list = top();
        if (!(list instanceof PyList)) fail(`APPENDS to ${describe(list)}, not a list`);
        for (const v of items) (list as PyList).items.push(v);
        break;
      }
      case OP.BINPUT:
        memo.set(u8(), top());
        break;
      case OP.LONG_BINPUT:
        memo.set(u32(), top());
        break;
      case OP.MEMOIZE:
        memo.set(memo.size, top());
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const i = opcode === OP.BINGET ? u8() : u32();
        if (!memo.has(i)) fail(`memo entry ${i} was never set`);
        push(memo.get(i)!);
        break;
      }
      case OP.BININT1:
        push(u8());
        break;
      case OP.BININT2:
        push(u16());
        break;
      case OP.BININT:
        need(4);
        pos += 4;
        push(view.getInt32(pos - 4, true));
        break;
      case OP.LONG1:
      case OP.LONG4: {
        const n = opcode === OP.LONG1 ? u8() : u32();
        need(n);
        pos += n;
        push(signed(data.subarray(pos - n, pos)));
        break;
      }
      case OP.BINFLOAT:
        need(8);
        pos += 8;
        push(new PyFloat(view.getFloat64(pos - 8, false)));
        break;
      case OP.BINUNICODE:
        push(text(u32()));
        break;
      case OP.SHORT_BINUNICODE:
        push(text(u8()));
        break;
      case OP.BINUNICODE8:
        push(text(u64()));
        break;
      case OP.NONE:
        push(null);
        break;
      case OP.NEWTRUE:
        push(true);
        break;
      case OP.NEWFALSE:
        push(false);
        break;
      default:
        fail(
          OPCODE_NAMES[opcode] !== undefined ? `opcode ${OPCODE_NAMES[opcode]} is not allowed` : `unknown opcode byte 0x${opcode.toString(16).padStart(2, '0')}`,
          'kindling reads what torch.save writes (tensors, state dicts, plain containers); it never runs code from a file',
        );
    }
  }
}

/** Converts the machine's values to plain JavaScript, once per object (shared references stay shared). */
function toJs(root: Py, fail: (message: string) => never): unknown {
  const done = new Map<object, unknown>();
  const convert = (v: Py, depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`containers are nested more than ${MAX_DEPTH} deep`);
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof PyFloat) return v.value;
    if (v instanceof Tensor) return v;
    if (done.has(v)) return done.get(v);
    if (v instanceof PyTuple || v instanceof PyList) {
      const out: unknown[] = [];
      done.set(v, out);
      for (const x of v.items) out.push(convert(x, depth + 1));
      return out;
    }
    if (v instanceof PyDict) {
      const keys = [...v.map.keys()];
      const plain = keys.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isSafeInteger(k)))
        && new Set(keys.map(String)).size === keys.length;
      if (plain) {
        const out: Record<string, unknown> = {};
        done.set(v, out);
        // defineProperty, not assignment: a key '__proto__' must stay a key.
        for (const [k, x] of v.map) Object.defineProperty(out, String(k), { value: convert(x, depth + 1), enumerable: true, writable: true, configurable: true });
        return out;
      }
      const out = new Map<unknown, unknown>();
      done.set(v, out);
      for (const [k, x] of v.map) out.set(convert(k, depth + 1), convert(x, depth + 1));
      return out;
    }
    if (v instanceof PyStorage) {
      // A bare storage (torch.save(t.untyped_storage())) reads as a 1-D tensor over it.
      const t = Tensor.fromData(v.loaded.storage.data, [v.loaded.storage.data.length], v.loaded.dtype);
      done.set(v, t);
      return t;
    }
    return fail(`the result holds ${describe(v)}, a class rather than a value`);
  };
  return convert(root, 0);
}

function describe(v: Py | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `the int ${v}`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof PyFloat) return `the float ${v.value}`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof PyList) return 'a list';
  if (v instanceof PyDict) return v.ordered ? 'an OrderedDict' : 'a dict';
  if (v instanceof PyGlobal) return `the global ${v}`;
  if (v instanceof PyStorage) return `storage '${v.loaded.key}'`;
  return 'a tensor';
}
