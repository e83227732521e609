/**
 * Array sources (.npy, .npz, IDX) and image folders: read training data and its state, and read
 * later data (validation, test, evaluate, predict) the same way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArraySource, ImageSource, SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';
import { type Arrays, sampleShape, size } from './arrays.js';
import { parseIdx } from './idx.js';
import { channelsOf, listImageFolder, readImages } from './images.js';
import { encodeLabels, fitLabels, type LabelSource } from './labels.js';
import { type NdArray, parseNpy, parseNpz } from './npy.js';
import type { DataState } from './table-source.js';
import type { TargetEncoding } from './types.js';

export async function readBytes(file: string, given: string, loc?: SourceLocation): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError({ message: `${given}: ${code === 'ENOENT' ? `file not found (looked for ${file})` : (e as Error).message}`, loc });
  }
}

function parseArray(bytes: Uint8Array, given: string, format: ArraySource['format']): NdArray {
  return format === 'idx' ? parseIdx(bytes, given) : parseNpy(bytes, given);
}

/** x and (when there are labels) y arrays of an array source. */
export async function readArraySource(src: ArraySource): Promise<{ x: NdArray; y?: NdArray; yGiven: string }> {
  const bytes = await readBytes(src.path, src.given, src.loc);
  if (src.format === 'npz') {
    const arrays = parseNpz(bytes, src.given);
    const names = [...arrays.keys()];
    const pick = (key: string | undefined, fallbacks: string[], what: string): NdArray | undefined => {
      const k = key ?? fallbacks.find((f) => arrays.has(f));
      if (k === undefined) return undefined;
      const a = arrays.get(k);
      if (!a) throw new DataError({ message: `${src.given} has no array "${k}" for ${what} (it has ${names.map((n) => JSON.stringify(n)).join(', ')})`, loc: src.loc });
      return a;
    };
    const x = pick(src.xKey, ['x', 'x_train', 'images', 'arr_0'], 'x');
    if (!x) throw new DataError({ message: `${src.given}: name the x array with \`x: NAME\` (it has ${names.map((n) => JSON.stringify(n)).join(', ')})`, loc: src.loc });
    const y = pick(src.yKey, ['y', 'y_train', 'labels', 'arr_1'], 'y');
    return { x, ...(y ? { y } : {}), yGiven: `${src.given}[${src.yKey ?? 'y'}]` };
  }
  const x = parseArray(bytes, src.given, src.format);
  if (!src.labelsPath) return { x, yGiven: '' };
  const y = parseArray(await readBytes(src.labelsPath, src.labelsGiven ?? src.labelsPath, src.loc), src.labelsGiven ?? src.labelsPath, src.format);
  return { x, y, yGiven: src.labelsGiven ?? src.labelsPath };
}

function arrayLabelSource(file: string, n: number): LabelSource {
  // Arrays have no lines: positions are sample indices (1-based), column 1.
  return { file, column: 'labels', col: 1, lines: Int32Array.from({ length: n }, (_, i) => i + 1) };
}

/** Encodes y: class ids via the label vocabulary, or raw values for regression. */
function encodeArrayLabels(y: NdArray, given: string, state: DataState): { y: Float32Array; yShape: number[] } {
  if (state.encoding === 'regression') return { y: y.data, yShape: y.shape.length > 1 ? y.shape.slice(1) : [1] };
  const labels = Array.from(y.data, (v) => String(v));
  const t = encodeLabels(labels, arrayLabelSource(given, labels.length), state.encoding, state);
  return { y: t.y, yShape: t.sampleShape };
}

function checkCounts(x: NdArray, y: NdArray | undefined, src: { given: string; loc?: SourceLocation }, yGiven: string): void {
  if (x.shape.length === 0) throw new DataError({ message: `${src.given}: x is a scalar; expected an array with one sample per row`, loc: src.loc });
  if (y && y.shape[0] !== x.shape[0]) {
    throw new DataError({ message: `${src.given} has ${x.shape[0]} samples but ${yGiven} has ${y.shape[0]} labels`, loc: src.loc });
  }
}

export async function arrayTraining(src: ArraySource, encoding: TargetEncoding, inputShape: (number | null)[] | undefined): Promise<{ arrays: Arrays; state: DataState }> {
  const { x, y, yGiven } = await readArraySource(src);
  checkCounts(x, y, src, yGiven);
  if (!y) throw new DataError({ message: `${src.given}: training needs labels (give \`labels: FILE\`${src.format === 'npz' ? ' or `y: NAME`' : ''})`, loc: src.loc });
  const n = x.shape[0] ?? 0;
  const natural = x.shape.slice(1);
  const vocab = encoding === 'regression' ? {} : fitLabels(Array.from(y.data, (v) => String(v)), arrayLabelSource(yGiven, n), encoding);
  const state: DataState = {
    features: [],
    ...(vocab.classes ? { classes: vocab.classes } : {}),
    ...(vocab.numClasses !== undefined ? { numClasses: vocab.numClasses } : {}),
    encoding,
    arrays: { format: src.format, sample_shape: natural, ...(src.rescale !== undefined ? { rescale: src.rescale } : {}) },
  };
  if (src.rescale !== undefined) for (let i = 0; i < x.data.length; i++) x.data[i] = (x.data[i] ?? 0) * src.rescale;
  const xShape = sampleShape(size(natural), natural.length ? natural : [1], inputShape, `${src.given} has samples of shape [${natural.join(', ')}]`, src.loc);
  const t = encodeArrayLabels(y, yGiven, state);
  return { arrays: { n, x: x.data, xShape, y: t.y, yShape: t.yShape }, state };
}

/** A later array file (same format), encoded with the training state. */
export async function arrayLater(src: ArraySource, state: DataState, inputShape: (number | null)[] | undefined, withLabels: boolean): Promise<Arrays> {
  const { x, y, yGiven } = await readArraySource(src);
  checkCounts(x, y, src, yGiven);
  const natural = x.shape.slice(1);
  const expected = state.arrays?.sample_shape;
  if (expected && size(expected) !== size(natural)) {
    throw new DataError({ message: `${src.given} has samples of shape [${natural.join(', ')}] but the model was trained on [${expected.join(', ')}]`, loc: src.loc });
  }
  const rescale = state.arrays?.rescale;
  if (rescale !== undefined) for (let i = 0; i < x.data.length; i++) x.data[i] = (x.data[i] ?? 0) * rescale;
  const n = x.shape[0] ?? 0;
  const xShape = sampleShape(size(natural), expected ?? natural, inputShape, `${src.given} has samples of shape [${natural.join(', ')}]`, src.loc);
  if (!y || !withLabels) return { n, x: x.data, xShape, y: new Float32Array(0), yShape: [0] };
  const t = encodeArrayLabels(y, yGiven, state);
  return { n, x: x.data, xShape, y: t.y, yShape: t.yShape };
}

export async function imageTraining(src: ImageSource, encoding: TargetEncoding, inputShape: (number | null)[] | undefined): Promise<{ arrays: Arrays; state: DataState }> {
  const folder = await listImageFolder(src.path, src.given, src.loc);
  const labels = folder.files.map((f) => f.label);
  const vocab = fitLabels(labels, { file: src.given, column: 'class folder', col: 1, lines: Int32Array.from(labels, (_, i) => i + 1) }, encoding);
  const state: DataState = {
    features: [],
    classes: folder.classes,
    numClasses: encoding === 'binary' ? 2 : folder.classes.length,
    encoding,
    image: { image_size: src.imageSize, color_mode: src.colorMode, ...(src.rescale !== undefined ? { rescale: src.rescale } : {}) },
  };
  if (vocab.classes && encoding === 'binary' && folder.classes.length !== 2) {
    throw new DataError({ message: `a binary loss needs 2 classes, but ${src.given} has ${folder.classes.length} class folders`, loc: src.loc });
  }
  const arrays = await imageArrays(folder, src, state, inputShape);
  return { arrays, state };
}

export async function imageLater(src: ImageSource, state: DataState, inputShape: (number | null)[] | undefined): Promise<Arrays> {
  const folder = await listImageFolder(src.path, src.given, src.loc);
  return imageArrays(folder, src, state, inputShape);
}

async function imageArrays(folder: { files: { path: string; label: string }[] }, src: { path: string; given: string; loc?: SourceLocation }, state: DataState, inputShape: (number | null)[] | undefined): Promise<Arrays> {
  const img = state.image;
  if (!img) throw new DataError({ message: `${src.given}: the model was not trained on images`, loc: src.loc });
  const shown = (p: string): string => path.join(src.given, path.relative(src.path, p));
  const x = await readImages(folder.files.map((f) => f.path), img.image_size, img.color_mode, img.rescale, shown);
  const natural = [...img.image_size, channelsOf(img.color_mode)];
  const n = folder.files.length;
  const xShape = sampleShape(size(natural), natural, inputShape, `the images are [${natural.join(', ')}]`, src.loc);
  const labels = folder.files.map((f) => f.label);
  const t = encodeLabels(labels, { file: src.given, column: 'class folder', col: 1, lines: Int32Array.from(labels, (_, i) => i + 1) }, state.encoding, state);
  return { n, x, xShape, y: t.y, yShape: t.sampleShape };
}
