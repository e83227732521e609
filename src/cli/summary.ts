/** `kerats summary CONFIG|RUN_DIR|model.json`: the Keras `model.summary()` table. */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../runtime/backend.js';
import { ConfigError } from '../util/errors.js';
import { configLoadOptions, example, shapeOnlyBackend, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

/** A run folder or a model.json: the saved model, named as its run's config named it. */
async function loadSaved(target: string): Promise<{ model: tf.LayersModel; name: string }> {
  const stat = await fs.stat(target);
  const modelJson = stat.isDirectory() ? path.join(target, 'model.json') : target;
  const { loadModel } = await import('../saving/model-io.js');
  const model = await loadModel(modelJson);
  const configJson = path.join(path.dirname(modelJson), 'config.json');
  const config = await fs.readFile(configJson, 'utf8').then((t) => JSON.parse(t) as { name?: string }, () => undefined);
  return { model, name: config?.name ?? model.name };
}

export function registerSummary(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('summary'))))
    .argument('<target>', 'a config file, a run folder, a TensorFlow.js model.json, or a Keras model.to_json() file')
    .option('--allow-plugins', 'load the ES modules the config lists under plugins: (they are code)')
    .option('--expand', 'also list the layers of nested models (Keras expand_nested=True)')
    .description('print the Keras model.summary() table: layers, output shapes and parameter counts')
    .addHelpText('after', example('kerats summary configs/mnist-mlp.yaml', 'kerats summary runs/iris/20261122-101500-000 --json'))
    .action(async (target: string, opts: CommonOptions & ConfigOptions & { backend: BackendChoice; allowPlugins?: boolean; expand?: boolean }) => {
      const out = outputFor(opts);
      const stat = await fs.stat(target).catch(() => undefined);
      if (!stat) throw new ConfigError(`cannot read "${target}": no such file or folder`);
      const { loadConfig } = await import('../config/load.js');
      const { useBackend } = await import('../runtime/backend.js');
      const { buildModel } = await import('../runtime/model-builder.js');
      const { formatSummary, summarize } = await import('../runtime/summary.js');
      const { modelFromKerasJson, sniffModelJson } = await import('../saving/keras-json/index.js');
      const { loadConfigPlugins } = await import('../runtime/plugins.js');
      const { buildModelFromSources } = await import('../saving/transfer.js');
      await useBackend(shapeOnlyBackend(opts.backend));
      // A .json file may be a Keras model.to_json() architecture, a TensorFlow.js model.json or a config.
      const jsonKind = stat.isFile() && target.endsWith('.json') ? await sniffModelJson(target) : undefined;
      const isSaved = stat.isDirectory() || jsonKind === 'tfjs' || (jsonKind === undefined && path.basename(target) === 'model.json');
      if (!isSaved && jsonKind === undefined) await loadConfigPlugins(target, { allow: opts.allowPlugins });
      const { model, name } = jsonKind === 'keras'
        ? await modelFromKerasJson(target).then((m) => ({ model: m, name: m.name }))
        : isSaved
        ? await loadSaved(target)
        : await loadConfig(target, configLoadOptions(opts)).then(async (c) => ({ model: (await buildModelFromSources(c.model, { seed: c.seed })) ?? buildModel(c.model, { seed: c.seed }), name: c.name }));
      const s = summarize(model, name, { expand: opts.expand === true });
      model.dispose();
      out.result(s, () => formatSummary(s));
    });
}
