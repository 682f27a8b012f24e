/**
 * Random numbers: xoshiro128** seeded through splitmix32. Every random op
 * takes an optional `Generator`; without one it uses the default generator,
 * which `manualSeed` resets. Streams are reproducible across runs and
 * platforms (only 32-bit integer arithmetic), but are not PyTorch's streams.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;
  private seed_ = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Restarts the stream from `seed` (an integer); returns `this`. */
  manualSeed(seed: number): this {
    this.seed_ = seed;
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spareNormal = null;
    return this;
  }

  /** The seed this stream was last started from. */
  initialSeed(): number {
    return this.seed_;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform float in [0, 1) with 24 random bits (exactly representable in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** A standard normal sample (Box–Muller, using both outputs). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    // NOTE: 1 - u keeps the log argument in (0, 1], so log never sees 0.
    const u1 = 1 - this.nextDouble();
    const u2 = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [low, high). */
  nextInt(low: number, high: number): number {
    const span = high - low;
    if (span <= 2 ** 32) {
      // NOTE: rejection sampling avoids modulo bias.
      const limit = 2 ** 32 - (2 ** 32 % span);
      for (;;) {
        const r = this.nextUint32();
        if (r < limit) return low + (r % span);
      }
    }
    return low + Math.floor(this.nextDouble() * span);
  }

  /**
   * The stream's position, for checkpoints: the four state words and the
   * seed, plus the pending second normal sample when `nextNormal` has one
   * (so a resumed stream continues exactly).
   */
  getState(): number[] {
    const words = [this.s0, this.s1, this.s2, this.s3, this.seed_];
    return this.spareNormal === null ? words : [...words, this.spareNormal];
  }

  /** Restores a position saved by `getState()`; returns `this`. */
  setState(state: readonly number[]): this {
    [this.s0, this.s1, this.s2, this.s3, this.seed_] = state.slice(0, 5).map((v) => v >>> 0) as [number, number, number, number, number];
    this.spareNormal = state.length > 5 ? state[5]! : null;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator random ops use when none is passed. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator: every random op after it is reproducible. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
