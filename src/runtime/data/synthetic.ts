/**
 * Synthetic data that a model can actually learn, reproducible from a seed. A "teacher" (the task)
 * is drawn once from the training source's seed and shared by validation and test, so all splits
 * are the same problem; each split draws its own samples from its own stream.
 *
 * Classification: one Gaussian blob per class, class means far apart relative to the noise, and
 * class sizes balanced to within one sample. Regression: y = W·x + b + small noise, x ~ N(0, 1).
 */
import { Prng, seedToUint32 } from '../../util/prng.js';

export interface Teacher {
  /** Values per sample (the product of xShape). */
  dim: number;
  classes?: number;
  /** Class means, classes × dim. */
  means?: Float32Array;
  /** Noise around each class mean. */
  sigma?: number;
  /** Regression: outputs × dim weights and outputs biases. */
  weights?: Float32Array;
  bias?: Float32Array;
  outputs?: number;
}

/** Regression noise: small next to the unit-variance signal, so MSE can go well below 1. */
const REGRESSION_NOISE = 0.05;
/** Half the closest pair of class means, in noise standard deviations (3σ: ~0.1% overlap). */
const SEPARATION = 3;

/** Derives a split's sample stream from a seed and the split's role, so roles never coincide. */
export function mixSeed(seed: number, role: number): number {
  let h = seedToUint32(seed) ^ Math.imul(role + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function classificationTeacher(dim: number, classes: number, seed: number): Teacher {
  const rng = new Prng(mixSeed(seed, 100));
  // Best of a few random draws by the closest pair: in low dimensions one draw can put two
  // means almost on top of each other.
  let best = new Float32Array(classes * dim);
  let bestMin = -1;
  for (let attempt = 0; attempt < 16; attempt++) {
    const means = new Float32Array(classes * dim);
    for (let i = 0; i < means.length; i++) means[i] = rng.normal();
    const d = minPairDistance(means, classes, dim);
    if (d > bestMin) {
      best = means;
      bestMin = d;
    }
  }
  // Noise of at most 1 keeps x at unit scale; in high dimensions the means are far apart anyway.
  const sigma = classes < 2 ? 1 : Math.min(1, bestMin / (2 * SEPARATION));
  return { dim, classes, means: best, sigma };
}

export function regressionTeacher(dim: number, outputs: number, seed: number): Teacher {
  const rng = new Prng(mixSeed(seed, 101));
  const weights = new Float32Array(outputs * dim);
  // Var(W·x) = 1 for x ~ N(0, I): targets on the same scale whatever the input size.
  const scale = 1 / Math.sqrt(dim);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.normal() * scale;
  const bias = new Float32Array(outputs);
  for (let i = 0; i < outputs; i++) bias[i] = rng.normal() * 0.5;
  return { dim, outputs, weights, bias };
}

/** n samples: x (n × dim) and, per sample, a class id or `outputs` regression targets. */
export function sample(teacher: Teacher, n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Prng(seed);
  const { dim } = teacher;
  const x = new Float32Array(n * dim);
  if (teacher.means && teacher.classes !== undefined) {
    const k = teacher.classes;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = i % k;
    rng.shuffle(ids);
    const sigma = teacher.sigma ?? 1;
    for (let i = 0; i < n; i++) {
      const m = (ids[i] ?? 0) * dim;
      for (let j = 0; j < dim; j++) x[i * dim + j] = (teacher.means[m + j] ?? 0) + sigma * rng.normal();
    }
    return { x, y: Float32Array.from(ids) };
  }
  const outputs = teacher.outputs ?? 1;
  const w = teacher.weights ?? new Float32Array(outputs * dim);
  const y = new Float32Array(n * outputs);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) x[i * dim + j] = rng.normal();
    for (let o = 0; o < outputs; o++) {
      let s = teacher.bias?.[o] ?? 0;
      for (let j = 0; j < dim; j++) s += (w[o * dim + j] ?? 0) * (x[i * dim + j] ?? 0);
      y[i * outputs + o] = s + REGRESSION_NOISE * rng.normal();
    }
  }
  return { x, y };
}

function minPairDistance(means: Float32Array, classes: number, dim: number): number {
  let min = Infinity;
  for (let a = 0; a < classes; a++) {
    for (let b = a + 1; b < classes; b++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const d = (means[a * dim + j] ?? 0) - (means[b * dim + j] ?? 0);
        s += d * d;
      }
      min = Math.min(min, Math.sqrt(s));
    }
  }
  return min;
}
