/**
 * The one seeded PRNG kerats uses (synthetic data, shuffling): runs must be reproducible from the
 * config's seed, and Math.random cannot be seeded. mulberry32 is tiny, fast and good enough for
 * data generation and batch order.
 */

/** Folds any JS number (negative, fractional, > 2^32) into a 32-bit seed. */
export function seedToUint32(seed: number): number {
  let h = Math.floor(Math.abs(seed)) >>> 0;
  // Mix in the high part and the sign so 1, -1 and 2^32 + 1 differ.
  h ^= Math.floor(Math.abs(seed) / 4294967296) >>> 0;
  if (seed < 0) h ^= 0x9e3779b9;
  return h >>> 0;
}

export class Prng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seedToUint32(seed);
  }

  /** The generator's position, to resume a sequence later (training resume: the shuffle order). */
  getState(): number {
    return this.state;
  }

  /** Continues from a position `getState` returned (the Gaussian spare is dropped). */
  setState(state: number): void {
    this.state = state >>> 0;
    this.spare = undefined;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Standard normal (Marsaglia's polar method: no trigonometry, which matters for image-sized
   * synthetic data; the second value of each pair is kept for the next call).
   */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i] ?? 0;
      a[i] = a[j] ?? 0;
      a[j] = t;
    }
  }
}

/** A seed for runs without one, recorded in the run's manifest so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

/** A permutation of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: Prng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  rng.shuffle(p);
  return p;
}
