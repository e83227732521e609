/**
 * Seed arithmetic. Reproducible runs are a product promise: one config seed must give the same
 * initial weights and the same dropout masks on every run, yet no two weights (or two training
 * steps) may share a random stream, or they would be identical. Everything random in a layer
 * therefore draws its seed from `mixSeed(layerSeed, salt)` with a distinct salt.
 */

/** A well-mixed 31-bit seed from a base seed and a salt (murmur3's finaliser). */
export function mixSeed(seed: number, salt: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((salt + 1) | 0, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** `mixSeed` that passes "no seed" through, so unseeded runs stay unseeded. */
export function subSeed(seed: number | undefined, salt: number): number | undefined {
  return seed === undefined ? undefined : mixSeed(seed, salt);
}

/**
 * A deterministic stream of seeds: the n-th call returns the same value on every run. Used by
 * layers that draw fresh randomness at each training step (dropout, noise); tfjs ops given a
 * fixed seed would repeat one mask forever.
 */
export class SeedStream {
  private calls = 0;
  constructor(readonly base: number | undefined) {}
  /** How many seeds were drawn: a checkpoint saves it so a resumed run draws the masks it would have. */
  get position(): number {
    return this.calls;
  }
  set position(n: number) {
    this.calls = n;
  }
  next(): number | undefined {
    if (this.base === undefined) return undefined;
    return mixSeed(this.base, this.calls++);
  }
}
