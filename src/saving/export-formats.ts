/**
 * `kerats export --format NAME`: one table from a format name to its exporter. Each exporter gets
 * the loaded model and the run's preprocessing and writes one file (or folder).
 * ONNX goes through src/saving/onnx/, whose result (opset, inputs, metadata) joins the export's JSON.
 */
import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { DataState } from '../runtime/data/table-source.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { ConfigError } from '../util/errors.js';
import { writeKerasFile } from './keras3/keras-file.js';
import { writeLegacyH5 } from './keras3/legacy-h5.js';
import type { KeratsFileMetadata } from './keras3/metadata.js';
import { foldPreprocessing } from './keras3/preprocessing.js';
import { toKerasJson } from './keras-json/export.js';
import { saveModel } from './model-io.js';
import { exportOnnx } from './onnx/index.js';
import type { ExportFormatName } from './export-format-names.js';

export interface ExportInput {
  model: tf.LayersModel;
  /** The run's preprocessing.json (raw input → model input), when known. */
  state?: DataState;
  /** Where the model came from (a run folder or a model file). */
  source: string;
}

export interface ExportOutput {
  /** The files written (full paths). */
  files: string[];
  warnings: string[];
  /** Format-specific facts for `--json` (ONNX: opset, inputs, outputs, metadata). */
  details?: Record<string, unknown>;
}

export interface ExportFormat {
  name: string;
  /** The default output (relative to `<run>/export/`): a file name, or '' for the folder itself. */
  defaultName: string;
  description: string;
  write(input: ExportInput, out: string): Promise<ExportOutput>;
}

/** The learned preprocessing as front layers plus the metadata describing what remains. */
function folded(input: ExportInput): { front: ReturnType<typeof foldPreprocessing>['front']; metadata?: KeratsFileMetadata; warnings: string[] } {
  if (!input.state) return { front: [], warnings: [] };
  const f = foldPreprocessing(input.state, (input.model.inputs[0]?.shape ?? []).slice(1));
  const metadata: KeratsFileMetadata = { preprocessing: f.remaining, ...(input.state.classes ? { classes: input.state.classes } : {}) };
  return { front: f.front, metadata, warnings: f.warnings };
}

const keras: ExportFormat = {
  name: 'keras',
  defaultName: 'model.keras',
  description: 'Keras 3 native file (keras.saving.load_model)',
  async write(input, out) {
    const { front, metadata, warnings } = folded(input);
    const w = await writeKerasFile(input.model, out, { front, ...(metadata ? { metadata } : {}) });
    return { files: [out], warnings: [...warnings, ...w] };
  },
};

const h5: ExportFormat = {
  name: 'h5',
  defaultName: 'model.h5',
  description: 'legacy Keras HDF5 file (keras.saving.load_model, tf.keras)',
  async write(input, out) {
    const { front, metadata, warnings } = folded(input);
    const w = await writeLegacyH5(input.model, out, { front, ...(metadata ? { metadata } : {}) });
    return { files: [out], warnings: [...warnings, ...w] };
  },
};

const kerasJson: ExportFormat = {
  name: 'keras-json',
  defaultName: 'keras_model.json',
  description: 'Keras 3 architecture (keras.models.model_from_json), no weights',
  async write(input, out) {
    const { front, metadata, warnings } = folded(input);
    const { json, warnings: w } = toKerasJson(input.model, front);
    await writeJsonAtomic(out, metadata ? { ...json, kerats_metadata: metadata as unknown as never } : json);
    return { files: [out], warnings: [...warnings, ...w] };
  },
};

const tfjs: ExportFormat = {
  name: 'tfjs',
  defaultName: '',
  description: 'TensorFlow.js layers model (model.json + weights.bin) plus keras_model.json',
  async write(input, out) {
    await saveModel(input.model, out);
    const { json, warnings } = toKerasJson(input.model);
    const kj = path.join(out, 'keras_model.json');
    await writeJsonAtomic(kj, json);
    return { files: [path.join(out, 'model.json'), path.join(out, 'weights.bin'), kj], warnings };
  },
};

const onnx: ExportFormat = {
  name: 'onnx',
  defaultName: 'model.onnx',
  description: 'ONNX (opset 17) for ONNX Runtime, TensorRT and serving stacks; numeric preprocessing as nodes in front',
  async write(input, out) {
    const { warnings, ...details } = await exportOnnx({ model: input.model, out, ...(input.state ? { preprocessing: input.state } : {}) });
    return { files: [out], warnings, details };
  },
};

/** Every export format by name; a format whose exporter is missing from a build is `undefined`. */
export const EXPORT_FORMATS: Record<ExportFormatName, ExportFormat | undefined> = {
  keras,
  h5,
  'keras-json': kerasJson,
  tfjs,
  onnx,
};

/** The format named `name`, or a ConfigError listing the ones there are. */
export function exportFormat(name: string): ExportFormat {
  if (!Object.hasOwn(EXPORT_FORMATS, name)) {
    throw new ConfigError(`--format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}, got ${JSON.stringify(name)}`);
  }
  const f = EXPORT_FORMATS[name as ExportFormatName];
  if (!f) throw new ConfigError(`--format ${name} is not available in this build of kerats (its exporter is not installed); choose one of ${Object.keys(EXPORT_FORMATS).filter((k) => EXPORT_FORMATS[k as ExportFormatName]).join(', ')}`);
  return f;
}
