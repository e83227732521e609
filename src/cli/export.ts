/**
 * `kerats export RUN_DIR [-o DIR]`: the trained model in TensorFlow.js layers format
 * (model.json + weights.bin) plus `keras_model.json`, the architecture in Keras 2 `to_json()`
 * format (readable by `keras.models.model_from_json`). For a Keras .h5/.keras file with the
 * weights: `tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras DIR/model.json model.h5`.
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

export interface ExportResult {
  out_dir: string;
  files: string[];
  params: number;
  warnings: string[];
}

/** Exports the model in `source` (a run folder or a model.json) into `outDir`. */
export async function exportModel(source: string, outDir: string): Promise<ExportResult> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new ConfigError(`cannot read "${source}": no such run folder or model.json`);
  const modelJson = stat.isDirectory() ? path.join(source, 'model.json') : source;
  if (!(await fs.stat(modelJson).catch(() => undefined))) {
    throw new ConfigError(`"${source}" has no model.json: is it a run folder of a finished \`kerats train\`?`);
  }
  const { loadModel, saveModel } = await import('../saving/model-io.js');
  const { toKerasJson } = await import('../saving/keras-json/export.js');
  const { writeJsonAtomic } = await import('../util/atomic.js');
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

export function registerExport(program: Command): void {
  withBackendOption(withOutputOptions(program.command('export')))
    .argument('<run>', 'a run folder (or a model.json)')
    .option('-o, --out <dir>', 'output folder (default: <run>/export)')
    .description('write the trained model in TensorFlow.js layers format plus a Keras to_json() architecture (keras_model.json)')
    .addHelpText('after', example('kerats export runs/iris/20261122-101500-000 -o exported',
      'tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras exported/model.json model.h5'))
    .action(async (run: string, opts: CommonOptions & { out?: string; backend: BackendChoice }) => {
      const out = outputFor(opts);
      const { useBackend } = await import('../runtime/backend.js');
      await useBackend(opts.backend);
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
