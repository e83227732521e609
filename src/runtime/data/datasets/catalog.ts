/**
 * The built-in datasets (`data: {dataset: <name>}`), as `keras.datasets.<name>.load_data()` gives
 * them: the same files (checked against the SHA-256 values in Keras's datasets code), the same
 * train/test splits and the same values (raw pixels 0-255: scale them in the model, e.g.
 * `Rescaling: {scale: 0.00392156862745098}`, as Keras users divide by 255).
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../../util/errors.js';
import type { FileSet } from './files.js';
import { parseIdx } from './idx.js';
import { readZip } from '../zip.js';
import { parseNpy, toFloat32, type Npy } from './npy.js';
import { Mt19937, numpyShuffledIndices } from './numpy-random.js';
import { unpickle, type NdArray } from './pickle.js';
import { readTar } from './tar.js';

/** One split: n rows of x (flattened, `xShape` per row) and y (class ids, or values for regression). */
export interface DatasetSplit {
  n: number;
  x: Float32Array;
  xShape: number[];
  y: Float32Array;
  /** Values of y per row ([] for class ids). */
  yShape: number[];
}

export interface DatasetData {
  train: DatasetSplit;
  test: DatasetSplit;
  /** Classification datasets: the number of classes. */
  numClasses?: number;
}

/** `load_data` arguments a config may give (Keras's names). */
export interface DatasetOptions {
  num_words?: number;
  skip_top?: number;
  maxlen?: number;
  seed?: number;
  test_split?: number;
  start_char?: number;
  oov_char?: number;
  index_from?: number;
}

export interface DatasetDef {
  name: string;
  description: string;
  /** The options this dataset accepts. */
  options: (keyof DatasetOptions)[];
  files: Omit<FileSet, 'dataset'>;
  load(paths: Record<string, string>, opts: DatasetOptions): Promise<DatasetData>;
}

const KERAS_STORE = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';

/** A cached download that is damaged can simply be fetched again: say so. */
function readCachedZip(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  try {
    return readZip(buf, file);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${e.message}; delete it so kerats can fetch it again`);
    throw e;
  }
}

function npzArrays(buf: Uint8Array, file: string, names: string[]): Record<string, Npy> {
  const zip = readCachedZip(buf, file);
  const out: Record<string, Npy> = {};
  for (const n of names) {
    const member = zip.get(`${n}.npy`);
    if (!member) throw new DataError(`${file} has no array "${n}" (it has ${[...zip.keys()].join(', ')})`);
    out[n] = parseNpy(member, `${file}:${n}`);
  }
  return out;
}

function numeric(a: Npy | undefined, file: string): Float32Array {
  if (!a || Array.isArray(a.data)) throw new DataError(`${file}: expected a numeric array`);
  return toFloat32(a.data as Exclude<Npy['data'], unknown[]>);
}

function split(x: Float32Array, xShape: number[], y: Float32Array, yShape: number[] = []): DatasetSplit {
  const per = xShape.reduce((a, b) => a * b, 1);
  return { n: x.length / per, x, xShape, y, yShape };
}

const mnist: DatasetDef = {
  name: 'mnist',
  description: 'MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale (0-255), labels 0-9.',
  options: [],
  files: { files: [{ name: 'mnist.npz', sha256: '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1' }], origin: KERAS_STORE },
  async load(paths) {
    const file = paths['mnist.npz'] as string;
    const a = npzArrays(await readFile(file), file, ['x_train', 'y_train', 'x_test', 'y_test']);
    return {
      train: split(numeric(a.x_train, file), [28, 28], numeric(a.y_train, file)),
      test: split(numeric(a.x_test, file), [28, 28], numeric(a.y_test, file)),
      numClasses: 10,
    };
  },
};

/** Fashion-MNIST's four IDX files; Keras's SHA-256 values are those of Zalando's published files. */
const FASHION_FILES = [
  { name: 'train-labels-idx1-ubyte.gz', sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
  { name: 'train-images-idx3-ubyte.gz', sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
  { name: 't10k-labels-idx1-ubyte.gz', sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
  { name: 't10k-images-idx3-ubyte.gz', sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
];

/** Debian's `dataset-fashion-mnist` package. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

async function idxPair(paths: Record<string, string>, images: string, labels: string, n: number): Promise<DatasetSplit> {
  const ip = paths[images] as string;
  const lp = paths[labels] as string;
  const x = parseIdx(await readFile(ip), ip, [n, 28, 28]);
  const y = parseIdx(await readFile(lp), lp, [n]);
  for (const v of y.data) if (v > 9) throw new DataError(`${lp}: label ${v} is outside 0-9; the file is damaged`);
  return split(Float32Array.from(x.data), [28, 28], Float32Array.from(y.data));
}

const fashionMnist: DatasetDef = {
  name: 'fashion_mnist',
  description: "Zalando's Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grayscale (0-255), labels 0-9.",
  options: [],
  files: { files: FASHION_FILES, origin: KERAS_STORE, systemDirs: [DEBIAN_FASHION_MNIST] },
  async load(paths) {
    return {
      train: await idxPair(paths, 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 60000),
      test: await idxPair(paths, 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 10000),
      numClasses: 10,
    };
  },
};

/** One CIFAR-10 batch pickle: rows of 3072 bytes (3 planes of 32x32) and their labels. */
function cifarBatch(bytes: Uint8Array, file: string): { px: Uint8Array; labels: number[] } {
  const d = unpickle(bytes, file);
  if (!(d instanceof Map)) throw new DataError(`${file}: expected a pickled dict`);
  const data = d.get('data') as NdArray | undefined;
  const labels = (d.get('labels') ?? d.get('fine_labels')) as unknown[] | undefined;
  if (!data?.data || !(data.data instanceof Uint8Array) || !Array.isArray(labels)) throw new DataError(`${file}: no data/labels in the batch`);
  if (data.data.length !== labels.length * 3072) throw new DataError(`${file}: ${data.data.length} pixel bytes for ${labels.length} labels`);
  return { px: data.data, labels: labels.map(Number) };
}

/** Batches joined, transposed from (n, 3, 32, 32) to channels_last (n, 32, 32, 3) as Keras does. */
function cifarSplit(batches: { px: Uint8Array; labels: number[] }[]): DatasetSplit {
  const n = batches.reduce((a, b) => a + b.labels.length, 0);
  const x = new Float32Array(n * 3072);
  const y = new Float32Array(n);
  let at = 0;
  for (const { px, labels } of batches) {
    for (let i = 0; i < labels.length; i++) {
      const src = i * 3072;
      const dst = (at + i) * 3072;
      for (let c = 0; c < 3; c++) for (let k = 0; k < 1024; k++) x[dst + k * 3 + c] = px[src + c * 1024 + k] as number;
      y[at + i] = labels[i] as number;
    }
    at += labels.length;
  }
  return split(x, [32, 32, 3], y);
}

const cifar10: DatasetDef = {
  name: 'cifar10',
  description: 'CIFAR-10: 50,000 training and 10,000 test colour images, 32x32x3 (0-255), 10 classes.',
  options: [],
  files: { files: [{ name: 'cifar-10-python.tar.gz', sha256: '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce' }], origin: 'https://www.cs.toronto.edu/~kriz/' },
  async load(paths) {
    const file = paths['cifar-10-python.tar.gz'] as string;
    const tar = readTar(gunzipSync(await readFile(file)), file);
    const batch = (name: string): { px: Uint8Array; labels: number[] } => {
      const m = tar.get(`cifar-10-batches-py/${name}`);
      if (!m) throw new DataError(`${file} has no cifar-10-batches-py/${name}`);
      return cifarBatch(m, `${file}:${name}`);
    };
    const train = cifarSplit([1, 2, 3, 4, 5].map((i) => batch(`data_batch_${i}`)));
    return { train, test: cifarSplit([batch('test_batch')]), numClasses: 10 };
  },
};

/** The largest value (a loop: spreading 50,000 values into Math.max can overflow the stack). */
function maxOf(values: number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** Keras's `pad_sequences` defaults: pad with 0 and truncate at the front ('pre'). */
function padPre(seqs: number[][], len: number): Float32Array {
  const out = new Float32Array(seqs.length * len);
  seqs.forEach((s, i) => {
    const from = Math.max(0, s.length - len);
    const kept = s.length - from;
    for (let k = 0; k < kept; k++) out[i * len + (len - kept) + k] = s[from + k] as number;
  });
  return out;
}

const imdb: DatasetDef = {
  name: 'imdb',
  description:
    'IMDB movie reviews (25,000 train, 25,000 test) as word-index sequences, label 1 positive / 0 negative; ' +
    'Keras load_data options num_words, skip_top, maxlen, seed; sequences are padded with 0 at the front to maxlen (or the longest).',
  options: ['num_words', 'skip_top', 'maxlen', 'seed', 'start_char', 'oov_char', 'index_from'],
  files: { files: [{ name: 'imdb.npz', sha256: '69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f' }], origin: KERAS_STORE },
  async load(paths, o) {
    const file = paths['imdb.npz'] as string;
    const a = npzArrays(await readFile(file), file, ['x_train', 'y_train', 'x_test', 'y_test']);
    const seqs = (n: Npy | undefined): number[][] => {
      if (!n || !Array.isArray(n.data)) throw new DataError(`${file}: expected sequences`);
      return n.data.map((s) => (Array.isArray(s) ? s.map(Number) : []));
    };
    const rng = new Mt19937(o.seed ?? 113);
    const startChar = o.start_char ?? 1;
    const oov = o.oov_char ?? 2;
    const indexFrom = o.index_from ?? 3;
    const side = (xs: number[][], ys: Float32Array): { x: number[][]; y: number[] } => {
      const idx = numpyShuffledIndices(xs.length, rng);
      const x = Array.from(idx, (i) => [startChar, ...(xs[i] ?? []).map((w) => w + indexFrom)]);
      const y = Array.from(idx, (i) => ys[i] as number);
      if (!o.maxlen) return { x, y };
      // Keras's remove_long_seq: drop (not cut) sequences of maxlen or more tokens.
      const keep = x.map((s, i) => [s, i] as const).filter(([s]) => s.length < (o.maxlen as number));
      return { x: keep.map(([s]) => s), y: keep.map(([, i]) => y[i] as number) };
    };
    const train = side(seqs(a.x_train), numeric(a.y_train, file));
    const test = side(seqs(a.x_test), numeric(a.y_test, file));
    if (train.x.length === 0 || test.x.length === 0) {
      throw new DataError(`imdb: after dropping sequences longer than maxlen=${o.maxlen}, no sequence was kept; increase maxlen`);
    }
    let numWords = o.num_words;
    if (!numWords) numWords = maxOf([...train.x, ...test.x].map(maxOf));
    const skipTop = o.skip_top ?? 0;
    const clip = (s: number[]): number[] => s.map((w) => (w >= skipTop && w < (numWords as number) ? w : oov));
    const trainX = train.x.map(clip);
    const testX = test.x.map(clip);
    const len = o.maxlen ?? maxOf([...trainX, ...testX].map((s) => s.length));
    return {
      train: split(padPre(trainX, len), [len], Float32Array.from(train.y)),
      test: split(padPre(testX, len), [len], Float32Array.from(test.y)),
      numClasses: 2,
    };
  },
};

const bostonHousing: DatasetDef = {
  name: 'boston_housing',
  description: 'Boston Housing prices: 13 features per house, target the median value in k$ (regression); test_split 0.2, seed 113 as in Keras.',
  options: ['test_split', 'seed'],
  files: { files: [{ name: 'boston_housing.npz', sha256: 'f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5' }], origin: KERAS_STORE },
  async load(paths, o) {
    const file = paths['boston_housing.npz'] as string;
    const a = npzArrays(await readFile(file), file, ['x', 'y']);
    const x = numeric(a.x, file);
    const y = numeric(a.y, file);
    const n = y.length;
    const f = x.length / n;
    const idx = numpyShuffledIndices(n, new Mt19937(o.seed ?? 113));
    const cut = Math.floor(n * (1 - (o.test_split ?? 0.2)));
    const take = (from: number, to: number): DatasetSplit => {
      const xs = new Float32Array((to - from) * f);
      const ys = new Float32Array(to - from);
      for (let r = from; r < to; r++) {
        const i = idx[r] as number;
        xs.set(x.subarray(i * f, (i + 1) * f), (r - from) * f);
        ys[r - from] = y[i] as number;
      }
      return split(xs, [f], ys, [1]);
    };
    return { train: take(0, cut), test: take(cut, n) };
  },
};

export const DATASETS: readonly DatasetDef[] = [mnist, fashionMnist, cifar10, imdb, bostonHousing];

export function findDataset(name: string): DatasetDef | undefined {
  return DATASETS.find((d) => d.name === name.toLowerCase());
}
