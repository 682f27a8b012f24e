/**
 * Raw DEFLATE decompression (RFC 1951), for the deflated zip records that an
 * ordinary zip tool writes (PyTorch itself stores records uncompressed).
 * Synchronous and browser-safe. The output is allocated once at the size the
 * archive declares and never grows, so a zip bomb stops at that size.
 * Huffman codes are decoded one bit at a time against canonical code counts:
 * simple rather than fast, which is right for an uncommon path.
 */

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

/**
 * Inflates `src` into exactly `size` bytes; `fail(message)` throws. Data that
 * would produce more or fewer bytes, or that is not valid DEFLATE, fails.
 */
export function inflateRaw(src: Uint8Array, size: number, fail: (message: string) => never): Uint8Array {
  const out = new Uint8Array(size);
  let outPos = 0;
  let inPos = 0;
  let bitBuf = 0;
  let bitCount = 0;

  const bits = (n: number): number => {
    while (bitCount < n) {
      if (inPos >= src.length) fail('the compressed data ends early');
      bitBuf |= src[inPos++]! << bitCount;
      bitCount += 8;
    }
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return v;
  };

  const build = (lengths: ArrayLike<number>, n: number): Huffman => {
    const count = new Uint16Array(16);
    for (let i = 0; i < n; i++) count[lengths[i]!]!++;
    let left = 1;
    for (let len = 1; len < 16; len++) {
      left = (left << 1) - count[len]!;
      if (left < 0) fail('an over-subscribed Huffman code');
    }
    const offs = new Uint16Array(16);
    for (let len = 1; len < 15; len++) offs[len + 1] = offs[len]! + count[len]!;
    const symbol = new Uint16Array(n);
    for (let i = 0; i < n; i++) if (lengths[i] !== 0) symbol[offs[lengths[i]!]!++] = i;
    count[0] = 0;
    return { count, symbol };
  };

  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const c = h.count[len]!;
      if (code - first < c) return h.symbol[index + code - first]!;
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    return fail('an invalid Huffman code');
  };

  const codes = (lit: Huffman, dist: Huffman): void => {
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (outPos >= size) fail(`the data inflates to more than the declared ${size} bytes`);
        out[outPos++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) fail('an invalid length code');
        const len = LEN_BASE[li]! + bits(LEN_EXTRA[li]!);
        const di = decode(dist);
        if (di >= 30) fail('an invalid distance code');
        const d = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
        if (d > outPos) fail('a back-reference before the start of the data');
        if (outPos + len > size) fail(`the data inflates to more than the declared ${size} bytes`);
        for (let k = 0; k < len; k++, outPos++) out[outPos] = out[outPos - d]!;
      }
    }
  };

  let fixed: [Huffman, Huffman] | null = null;
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      bitBuf = 0;
      bitCount = 0;
      if (inPos + 4 > src.length) fail('a stored block header is cut off');
      const len = src[inPos]! | (src[inPos + 1]! << 8);
      const nlen = src[inPos + 2]! | (src[inPos + 3]! << 8);
      inPos += 4;
      if (len !== (~nlen & 0xffff)) fail('a stored block has a corrupt length');
      if (inPos + len > src.length) fail('a stored block runs past the data');
      if (outPos + len > size) fail(`the data inflates to more than the declared ${size} bytes`);
      out.set(src.subarray(inPos, inPos + len), outPos);
      inPos += len;
      outPos += len;
    } else if (type === 1) {
      if (fixed === null) {
        const l = new Uint8Array(288);
        l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixed = [build(l, 288), build(new Uint8Array(30).fill(5), 30)];
      }
      codes(fixed[0], fixed[1]);
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlen > 286 || ndist > 30) fail('a dynamic block with too many codes');
      const lengths = new Uint8Array(320);
      for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]!] = bits(3);
      const lencode = build(lengths, 19);
      lengths.fill(0);
      for (let i = 0; i < nlen + ndist;) {
        const sym = decode(lencode);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let value = 0;
        let repeat: number;
        if (sym === 16) {
          if (i === 0) fail('a repeat with no previous length');
          value = lengths[i - 1]!;
          repeat = 3 + bits(2);
        } else {
          repeat = sym === 17 ? 3 + bits(3) : 11 + bits(7);
        }
        if (i + repeat > nlen + ndist) fail('code lengths run past their count');
        while (repeat-- > 0) lengths[i++] = value;
      }
      if (lengths[256] === 0) fail('a dynamic block without an end-of-block code');
      codes(build(lengths, nlen), build(lengths.subarray(nlen), ndist));
    } else {
      fail('an invalid block type');
    }
  }
  if (outPos !== size) fail(`the data inflates to ${outPos} bytes, not the declared ${size}`);
  return out;
}
