/**
 * `data: {dataset: <name>}`: a built-in dataset's files found or downloaded (files.ts), parsed
 * (catalog.ts), and turned into the train / validation / test examples the trainer takes.
 */
import type { DataSpec, DatasetSource } from '../../../config/types.js';
import { ConfigError, DataError } from '../../../util/errors.js';
import { didYouMean } from '../../../util/suggest.js';
import { type Arrays, sampleShape, toExamples, validationSplit } from '../arrays.js';
import type { LoadOptions } from '../index.js';
import { encodeIds } from '../labels.js';
import type { LoadedData, PreprocessingState } from '../types.js';
import { DATASETS, findDataset, type DatasetData, type DatasetDef, type DatasetOptions, type DatasetSplit } from './catalog.js';
import { resolveFiles, type ResolveOptions } from './files.js';

export { DATASETS, findDataset } from './catalog.js';
export type { DatasetData, DatasetDef, DatasetOptions, DatasetSplit } from './catalog.js';

export function datasetNames(): string[] {
  return DATASETS.map((d) => d.name);
}

function definition(src: DatasetSource): DatasetDef {
  const def = findDataset(src.name);
  if (!def) {
    const names = datasetNames();
    throw new ConfigError({
      message: `unknown dataset "${src.name}"; the built-in datasets are ${names.join(', ')}${didYouMean(src.name, names)}`,
      loc: src.loc,
    });
  }
  for (const k of Object.keys(src.options)) {
    if (!(def.options as string[]).includes(k)) {
      const allowed = def.options.length ? `it accepts ${def.options.join(', ')}` : 'it takes no options';
      throw new ConfigError({ message: `dataset "${def.name}" has no option "${k}"; ${allowed}${didYouMean(k, def.options)}`, loc: src.loc });
    }
  }
  return def;
}

/** The dataset's train and test splits, as `keras.datasets.<name>.load_data()` returns them. */
export async function loadDatasetSplits(src: DatasetSource, opts: ResolveOptions = {}): Promise<DatasetData> {
  const def = definition(src);
  const files = await resolveFiles({ dataset: def.name, ...def.files }, { ...opts, loc: opts.loc ?? src.loc });
  return def.load(files.paths, src.options as DatasetOptions);
}

/** `loadData` for `data: {dataset: ...}`: train (less validation_split), validation, test. */
export async function loadDatasetData(spec: DataSpec, src: DatasetSource, opts: LoadOptions): Promise<LoadedData> {
  const data = await loadDatasetSplits(src, {
    onDownload: (url, dest) => process.stderr.write(`Downloading ${url}\n  to ${dest}\n`),
  });
  const classification = opts.encoding !== 'regression';
  if (classification && data.numClasses === undefined) {
    throw new DataError({
      message: `dataset "${src.name}" is a regression dataset (real-valued targets), but the loss is a classification loss; use a regression loss such as mse`,
      loc: src.loc,
    });
  }
  const per = data.train.xShape.reduce((a, b) => a * b, 1);
  const state: PreprocessingState = {
    // Generated column names (as for synthetic data), so a CSV of the same values can be predicted.
    features: Array.from({ length: per }, (_, i) => `x${i}`),
    label: 'y',
    ...(classification && data.numClasses !== undefined ? { numClasses: data.numClasses } : {}),
    encoding: opts.encoding,
  };
  const arrays = (s: DatasetSplit): Arrays => {
    const xShape = sampleShape(per, s.xShape, opts.inputShape, `dataset "${src.name}" has samples of shape [${s.xShape.join(', ')}] (${per} values)`, src.loc);
    if (!classification) return { n: s.n, x: s.x, xShape, y: s.y, yShape: s.yShape.length ? s.yShape : [1] };
    if (opts.encoding === 'binary' && data.numClasses !== 2) {
      throw new DataError({ message: `dataset "${src.name}" has ${data.numClasses} classes, but the loss is a binary loss; use sparse_categorical_crossentropy`, loc: src.loc });
    }
    const t = encodeIds(s.y, opts.encoding, data.numClasses ?? 0);
    return { n: s.n, x: s.x, xShape, y: t.y, yShape: t.sampleShape };
  };
  let train = arrays(data.train);
  let validation: Arrays | undefined;
  const split = spec.validationSplit ?? 0;
  if (split > 0) ({ train, validation } = validationSplit(train, split, src.loc));
  const test = arrays(data.test);
  return {
    train: toExamples(train),
    ...(validation ? { validation: toExamples(validation) } : {}),
    test: toExamples(test),
    preprocessing: state,
    ...(state.numClasses !== undefined ? { numClasses: state.numClasses } : {}),
  };
}
