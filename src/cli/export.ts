/**
 * `kerats export RUN_DIR [-o DIR]`: the trained model in TensorFlow.js layers format
 * (model.json + weights.bin) plus `keras_model.json`, the architecture in Keras 2 `to_json()`
 * format (readable by `keras.models.model_from_json`). For a Keras .h5/.keras file with the
 * weights: `tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras DIR/model.json model.h5`.
 * `--format onnx` writes one .onnx file instead (src/saving/onnx/).
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { useBackend, type BackendChoice } from '../runtime/backend.js';
import { readState } from '../runtime/data/predict-run.js';
import { toKerasJson } from '../saving/keras-json/export.js';
import { loadModel, saveModel } from '../saving/model-io.js';
import { exportOnnx, type OnnxExportResult } from '../saving/onnx/index.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

export interface ExportResult {
  out_dir: string;
  files: string[];
  params: number;
  warnings: string[];
}

/** The model.json of `source` (a run folder or a model.json), and whether `source` is a run folder. */
async function modelJsonOf(source: string): Promise<{ modelJson: string; isDir: boolean }> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new ConfigError(`cannot read "${source}": no such run folder or model.json`);
  const modelJson = stat.isDirectory() ? path.join(source, 'model.json') : source;
  if (!(await fs.stat(modelJson).catch(() => undefined))) {
    throw new ConfigError(`"${source}" has no model.json: is it a run folder of a finished \`kerats train\`?`);
  }
  return { modelJson, isDir: stat.isDirectory() };
}

/** Exports the model in `source` (a run folder or a model.json) into `outDir`. */
export async function exportModel(source: string, outDir: string): Promise<ExportResult> {
  const { modelJson } = await modelJsonOf(source);
  const model = await loadModel(modelJson);
  try {
    if (path.resolve(outDir) !== path.resolve(path.dirname(modelJson))) await saveModel(model, outDir);
    const { json, warnings } = toKerasJson(model);
    await writeJsonAtomic(path.join(outDir, 'keras_model.json'), json);
    return { out_dir: outDir, files: ['model.json', 'weights.bin', 'keras_model.json'], params: model.countParams(), warnings };
  } finally {
    model.dispose();
  }
}

/** `--format onnx`: one .onnx file with the run's numeric preprocessing in front (src/saving/onnx/). */
export async function exportOnnxFile(source: string, out: string): Promise<OnnxExportResult & { params: number }> {
  const { modelJson, isDir } = await modelJsonOf(source);
  const hasState = isDir && (await fs.stat(path.join(source, 'preprocessing.json')).catch(() => undefined)) !== undefined;
  const preprocessing = hasState ? await readState(source) : undefined;
  const model = await loadModel(modelJson);
  try {
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    const result = await exportOnnx({ model, out, ...(preprocessing ? { preprocessing } : {}) });
    return { ...result, params: model.countParams() };
  } finally {
    model.dispose();
  }
}

const FORMATS = ['tfjs', 'onnx'] as const;

export function registerExport(program: Command): void {
  withBackendOption(withOutputOptions(program.command('export')))
    .argument('<run>', 'a run folder (or a model.json)')
    .option('-o, --out <path>', 'output folder for tfjs (default: <run>/export); the .onnx file for onnx (default: <run>/export/model.onnx)')
    .option('--format <format>', `what to write: ${FORMATS.join(', ')}`, 'tfjs')
    .description('write the trained model in TensorFlow.js layers format plus a Keras to_json() architecture (keras_model.json)')
    .addHelpText('after', example('kerats export runs/iris/20261122-101500-000 -o exported',
      'tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras exported/model.json model.h5',
      'kerats export runs/iris/20261122-101500-000 --format onnx --out iris.onnx'))
    .action(async (run: string, opts: CommonOptions & { out?: string; format: string; backend: BackendChoice }) => {
      const out = outputFor(opts);
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(opts.format)}`);
      }
      await useBackend(opts.backend);
      if (opts.format === 'onnx') {
        const file = opts.out ?? path.join(run, 'export', 'model.onnx');
        const result = await exportOnnxFile(run, file);
        for (const w of result.warnings) out.log(`warning: ${w}`);
        out.result(result, () =>
          `Exported ${result.params.toLocaleString('en-US')} parameters to ${file} (ONNX opset ${result.opset}, ${result.nodes} nodes; ` +
          `inputs ${result.inputs.map((i) => `${i.name} [${i.shape.map((d) => d ?? 'N').join(', ')}]`).join(', ')})\n`,
        );
        return;
      }
      const dir = opts.out ?? path.join(run, 'export');
      const result = await exportModel(run, dir);
      for (const w of result.warnings) out.log(`warning: ${w}`);
      out.result(result, () =>
        `Exported ${result.params.toLocaleString('en-US')} parameters to ${dir}: ${result.files.join(', ')}\n` +
        `Keras: keras.models.model_from_json(open("${path.join(dir, 'keras_model.json')}").read()); with weights: ` +
        `tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras ${path.join(dir, 'model.json')} model.h5\n`,
      );
    });
}
