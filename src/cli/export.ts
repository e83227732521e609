/**
 * `kerats export RUN [--format keras|h5|keras-json|tfjs|onnx] [--out PATH]`: the trained model in a
 * file other tools load (the table in src/saving/export-formats.ts). The run's numeric
 * preprocessing becomes layers in front of the Keras model, so it takes the raw inputs
 * `kerats predict` takes. Default format: tfjs (model.json + weights.bin + keras_model.json).
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import type { LoadOptions } from '../config/load.js';
import { EXPORT_FORMAT_NAMES } from '../saving/export-format-names.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

export interface ExportResult {
  format: string;
  out: string;
  files: string[];
  params: number;
  warnings: string[];
  /** Format-specific facts (ONNX: opset, inputs, outputs, metadata). */
  [detail: string]: unknown;
}

/**
 * Where the export goes: `--out` (a folder gets the format's file name inside), else `<run>/export/`,
 * or `<name>-export/` beside a config or model file.
 */
async function outputPath(source: string, isDir: boolean, out: string | undefined, defaultName: string): Promise<string> {
  if (out === undefined) {
    const base = isDir ? path.join(source, 'export') : path.join(path.dirname(source), `${path.basename(source, path.extname(source))}-export`);
    return defaultName === '' ? base : path.join(base, defaultName);
  }
  if (defaultName === '') return out;
  const stat = await fs.stat(out).catch(() => undefined);
  return stat?.isDirectory() || out.endsWith('/') ? path.join(out, defaultName) : out;
}

/**
 * Exports the model in `source` (a run folder, model.json, .keras or .h5; or a config or Keras
 * to_json() file, whose weights are fresh) as `format`.
 */
export async function exportModel(source: string, format: string, out?: string, opts: { config?: LoadOptions } = {}): Promise<ExportResult> {
  const { exportFormat } = await import('../saving/export-formats.js');
  const { loadModelSource } = await import('./model-source.js');
  const fmt = exportFormat(format);
  const loaded = await loadModelSource(source, opts);
  try {
    const isDir = (await fs.stat(source).catch(() => undefined))?.isDirectory() === true;
    const inRunFolder = path.basename(source) === 'model.json';
    const target = await outputPath(inRunFolder ? path.dirname(source) : source, isDir || inRunFolder, out, fmt.defaultName);
    await fs.mkdir(fmt.defaultName === '' ? target : path.dirname(target), { recursive: true });
    const { files, warnings, details } = await fmt.write({ model: loaded.model, source, ...(loaded.state ? { state: loaded.state } : {}) }, target);
    if (loaded.kind !== 'saved') warnings.push(`"${source}" has no trained weights: the exported weights are freshly initialised`);
    return { ...details, format: fmt.name, out: target, files, params: loaded.model.countParams(), warnings };
  } finally {
    loaded.model.dispose();
  }
}

function loadHint(r: ExportResult): string {
  if (r.format === 'keras' || r.format === 'h5') return `Keras: model = keras.saving.load_model("${r.out}")`;
  if (r.format === 'keras-json') return `Keras: model = keras.models.model_from_json(open("${r.out}").read())`;
  if (r.format === 'onnx') return `ONNX Runtime: onnxruntime.InferenceSession("${r.out}")`;
  if (r.format === 'tfjs') return `TensorFlow.js: tf.loadLayersModel("file://${path.join(r.out, 'model.json')}"); Keras architecture: ${path.join(r.out, 'keras_model.json')}`;
  return '';
}

export function registerExport(program: Command): void {
  withBackendOption(withOutputOptions(program.command('export')))
    .argument('<run>', 'a run folder, a model.json, a .keras / .h5 file, or a config (a model-only file exports fresh weights)')
    .option('-f, --format <name>', `file format: ${EXPORT_FORMAT_NAMES.join(', ')}`, 'tfjs')
    .option('-o, --out <path>', 'output file (a folder for tfjs; default: <run>/export/)')
    .description('write the trained model as a Keras .keras / .h5 file, Keras JSON, ONNX or TensorFlow.js model')
    .addHelpText('after', example(
      'kerats export runs/iris/latest --format keras -o iris.keras',
      'kerats export runs/iris/latest --format h5',
      'kerats export runs/iris/latest --format keras-json -o iris.json',
    ))
    .action(async (run: string, opts: CommonOptions & { out?: string; format: string; backend: BackendChoice }) => {
      const out = outputFor(opts);
      // An unknown format is reported before anything is loaded.
      (await import('../saving/export-formats.js')).exportFormat(opts.format);
      const { useBackend } = await import('../runtime/backend.js');
      await useBackend(opts.backend);
      const result = await exportModel(run, opts.format, opts.out);
      for (const w of result.warnings) out.log(`warning: ${w}`);
      out.result(result, () =>
        `Exported ${result.params.toLocaleString('en-US')} parameters as ${result.format} to ${result.out}\n${loadHint(result)}\n`,
      );
    });
}
