/**
 * The zip container of PyTorch's file format, both ways. The writer makes
 * what PyTorch's own writer makes, minus its quirks: stored (uncompressed)
 * entries whose data start on a 64-byte boundary (padding in an "FB" extra
 * field), CRC and sizes in the local header, a classic end record. The reader
 * trusts only the central directory, checks every offset and length against
 * the file before using it, verifies each record's CRC-32, accepts zip64
 * end records and entries (which PyTorch writes) and deflated records (which
 * ordinary zip tools write).
 */
import { CheckpointError } from '../errors.js';
import { crc32 } from './crc32.js';
import { inflateSync } from 'fflate';

/** One file inside an archive. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const END64_SIG = 0x06064b50;
const LOCATOR64_SIG = 0x07064b50;
const ALIGN = 64;
const FLAG_UTF8 = 0x0800;
const FLAG_ENCRYPTED = 0x0001;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

const utf8 = new TextEncoder();

/**
 * An archive of stored entries, each one's data aligned to 64 bytes as
 * PyTorch aligns them (so a reader can map tensors in place).
 */
export function writeZip(entries: readonly ZipEntry[], op: string): Uint8Array {
  const names = entries.map((e) => utf8.encode(e.name));
  const locals: { offset: number; pad: number; crc: number }[] = [];
  let pos = 0;
  entries.forEach((e, i) => {
    // Local header (30) + name + extra field header (4) + padding, then the data.
    const headerEnd = pos + 30 + names[i]!.length + 4;
    const pad = (ALIGN - (headerEnd % ALIGN)) % ALIGN;
    locals.push({ offset: pos, pad, crc: crc32(e.data) });
    pos = headerEnd + pad + e.data.length;
  });
  const centralStart = pos;
  const centralSize = names.reduce((n, b) => n + 46 + b.length, 0);
  const total = centralStart + centralSize + 22;
  if (total > U32_MAX || entries.length > U16_MAX) {
    throw new CheckpointError(`the archive would be ${total} bytes in ${entries.length} records; kindling writes archives up to 4 GiB and 65535 records`, {
      op,
      hint: 'save the parts in separate files',
    });
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const { offset, pad, crc } = locals[i]!;
    const name = names[i]!;
    let p = offset;
    view.setUint32(p, LOCAL_SIG, true);
    view.setUint16(p + 4, 20, true); // version needed: 2.0
    view.setUint16(p + 6, FLAG_UTF8, true);
    view.setUint16(p + 8, 0, true); // stored
    view.setUint32(p + 14, crc, true);
    view.setUint32(p + 18, e.data.length, true);
    view.setUint32(p + 22, e.data.length, true);
    view.setUint16(p + 26, name.length, true);
    view.setUint16(p + 28, 4 + pad, true);
    out.set(name, p + 30);
    p += 30 + name.length;
    view.setUint16(p, 0x4246, true); // "FB", PyTorch's padding field
    view.setUint16(p + 2, pad, true);
    out.fill(0x5a, p + 4, p + 4 + pad);
    out.set(e.data, p + 4 + pad);
  });
  let p = centralStart;
  entries.forEach((e, i) => {
    const name = names[i]!;
    view.setUint32(p, CENTRAL_SIG, true);
    view.setUint16(p + 4, 20, true);
    view.setUint16(p + 6, 20, true);
    view.setUint16(p + 8, FLAG_UTF8, true);
    view.setUint32(p + 16, locals[i]!.crc, true);
    view.setUint32(p + 20, e.data.length, true);
    view.setUint32(p + 24, e.data.length, true);
    view.setUint16(p + 28, name.length, true);
    view.setUint32(p + 42, locals[i]!.offset, true);
    out.set(name, p + 46);
    p += 46 + name.length;
  });
  view.setUint32(p, END_SIG, true);
  view.setUint16(p + 8, entries.length, true);
  view.setUint16(p + 10, entries.length, true);
  view.setUint32(p + 12, centralSize, true);
  view.setUint32(p + 16, centralStart, true);
  return out;
}

interface RecordInfo {
  start: number;
  /** Bytes in the archive. */
  stored: number;
  /** Bytes once inflated (equal to `stored` for stored records). */
  size: number;
  deflated: boolean;
  crc: number;
  checked: boolean;
}

// DEFLATE cannot expand data by more than about 1032:1; a larger declared size is a lie, refused before allocating.
const MAX_DEFLATE_RATIO = 1032;

/**
 * A zip archive read from bytes: the names of its records (in central
 * directory order) and their contents, checked on first read.
 */
export class ZipReader {
  private readonly records = new Map<string, RecordInfo>();

  constructor(private readonly bytes: Uint8Array, private readonly op: string) {
    this.parse();
  }

  /** Record names in central-directory order. */
  get names(): string[] {
    return [...this.records.keys()];
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  /** The bytes of record `name` (a view into the archive, CRC checked), or undefined when absent. */
  read(name: string): Uint8Array | undefined {
    const r = this.records.get(name);
    if (r === undefined) return undefined;
    const raw = this.bytes.subarray(r.start, r.start + r.stored);
    const data = r.deflated ? this.inflate(name, raw, r.size) : raw;
    if (!r.checked || r.deflated) {
      const crc = crc32(data);
      if (crc !== r.crc) {
        throw this.fail(`record '${name}' is damaged: its CRC-32 is ${hex(crc)}, the archive says ${hex(r.crc)}`);
      }
      r.checked = true;
    }
    return data;
  }

  /**
   * Inflates into a buffer of exactly the declared size: it never grows (fflate
   * drops what does not fit), so a record that lies about its size cannot make
   * the reader allocate more; the length and CRC checks then refuse it.
   */
  private inflate(name: string, raw: Uint8Array, size: number): Uint8Array {
    let out: Uint8Array;
    try {
      out = inflateSync(raw, { out: new Uint8Array(size) });
    } catch (e) {
      throw this.fail(`record '${name}' cannot be inflated: ${(e as Error).message}`);
    }
    if (out.length !== size) throw this.fail(`record '${name}' inflates to ${out.length} bytes, not the declared ${size}`);
    return out;
  }

  private fail(message: string): CheckpointError {
    return new CheckpointError(message, { op: this.op });
  }

  private parse(): void {
    const b = this.bytes;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let end = -1;
    // The end record is the last 22 bytes unless an archive comment (at most 65535 bytes) follows it.
    for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - U16_MAX); p--) {
      if (view.getUint32(p, true) === END_SIG) {
        end = p;
        break;
      }
    }
    if (end < 0) throw this.fail(`no zip end-of-central-directory record in ${b.length} bytes: the file is truncated or not a zip archive`);
    let count = view.getUint16(end + 10, true);
    let cdSize = view.getUint32(end + 12, true);
    let cdStart = view.getUint32(end + 16, true);
    if (count === U16_MAX || cdSize === U32_MAX || cdStart === U32_MAX) {
      const loc = end - 20;
      if (loc < 0 || view.getUint32(loc, true) !== LOCATOR64_SIG) throw this.fail('the end record asks for zip64 values but there is no zip64 locator');
      const rec = this.u64(view, loc + 8, 'zip64 end record offset');
      if (rec + 56 > b.length || view.getUint32(rec, true) !== END64_SIG) throw this.fail('the zip64 locator points outside the file or at something else');
      count = this.u64(view, rec + 32, 'record count');
      cdSize = this.u64(view, rec + 40, 'central directory size');
      cdStart = this.u64(view, rec + 48, 'central directory offset');
    }
    if (cdStart + cdSize > b.length) throw this.fail(`the central directory (${cdSize} bytes at ${cdStart}) extends past the end of the ${b.length}-byte file`);
    // Each central entry takes at least 46 bytes: a larger count is a lie, refused before anything is allocated from it.
    if (count > cdSize / 46) throw this.fail(`the archive claims ${count} records but its central directory holds at most ${Math.floor(cdSize / 46)}`);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let p = cdStart;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdStart + cdSize || view.getUint32(p, true) !== CENTRAL_SIG) throw this.fail(`central directory entry ${i} is malformed`);
      const flags = view.getUint16(p + 8, true);
      const method = view.getUint16(p + 10, true);
      const crc = view.getUint32(p + 16, true);
      let csize = view.getUint32(p + 20, true);
      let usize = view.getUint32(p + 24, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      let local = view.getUint32(p + 42, true);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdStart + cdSize) throw this.fail(`central directory entry ${i} runs past the directory`);
      let name: string;
      try {
        name = decoder.decode(b.subarray(p + 46, p + 46 + nameLen));
      } catch {
        throw this.fail(`the name of record ${i} is not UTF-8`);
      }
      // zip64 extra field: the 64-bit values of exactly the fields saturated above, in this order.
      for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          const take = (what: string): number => {
            if (q + 8 > e + 4 + len) throw this.fail(`record '${name}' has a short zip64 field`);
            const v = this.u64(view, q, what);
            q += 8;
            return v;
          };
          if (usize === U32_MAX) usize = take('size');
          if (csize === U32_MAX) csize = take('compressed size');
          if (local === U32_MAX) local = take('offset');
        }
        e += 4 + len;
      }
      if (flags & FLAG_ENCRYPTED) throw this.fail(`record '${name}' is encrypted`);
      if (method !== 0 && method !== 8) throw this.fail(`record '${name}' uses compression method ${method}; kindling reads stored and deflated records`);
      if (method === 0 && csize !== usize) throw this.fail(`stored record '${name}' has compressed size ${csize} but size ${usize}`);
      if (method === 8 && usize > csize * MAX_DEFLATE_RATIO + 64) throw this.fail(`record '${name}' claims to inflate from ${csize} to ${usize} bytes, more than DEFLATE can`);
      if (local + 30 > b.length || view.getUint32(local, true) !== LOCAL_SIG) throw this.fail(`record '${name}' has no local header at offset ${local}`);
      const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      if (start + csize > b.length) throw this.fail(`record '${name}' (${csize} bytes at ${start}) extends past the end of the ${b.length}-byte file`);
      if (this.records.has(name)) throw this.fail(`the archive has two records named '${name}'`);
      this.records.set(name, { start, stored: csize, size: usize, deflated: method === 8, crc, checked: false });
      p = next;
    }
  }

  private u64(view: DataView, at: number, what: string): number {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`zip64 ${what} ${v} is impossibly large`);
    return Number(v);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
