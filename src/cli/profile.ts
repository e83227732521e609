/**
 * `kerats profile CONFIG [--backend B] [--batches N] [--batch-size N] [--json]`: where a model
 * spends its training time, per layer, forward and backward (Caffe's `caffe time`).
 */
import { requireTrainingSections } from '../config/training-needs.js';
import { InvalidArgumentError, type Command } from 'commander';
import type { BackendChoice } from '../runtime/backend.js';
import { configLoadOptions, example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} expects a whole number of at least 1, got "${v}"`);
    return n;
  };
}

interface ProfileOptions extends CommonOptions, ConfigOptions {
  backend: BackendChoice;
  batches: number;
  batchSize?: number;
}

export function registerProfile(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('profile'))))
    .argument('<config>', 'a kerats config file (YAML or JSON)')
    .option('--batches <n>', 'batches to time, after one warm-up batch', positiveInt('--batches'), 10)
    .option('--batch-size <n>', "batch size (default: the config's fit.batch_size)", positiveInt('--batch-size'))
    .description("time each layer's forward and backward pass over a few training batches of random data, like Caffe's `caffe time`")
    .addHelpText('after', example('kerats profile configs/mnist-mlp.yaml', 'kerats profile configs/mnist-mlp.yaml --backend cpu --batches 5 --json'))
    .action(async (file: string, opts: ProfileOptions) => {
      const out = outputFor(opts);
      const { loadConfig } = await import('../config/load.js');
      const { useBackend } = await import('../runtime/backend.js');
      const { buildModel } = await import('../runtime/model-builder.js');
      const { formatProfile } = await import('../runtime/profile/format.js');
      const { profileModel } = await import('../runtime/profile/layer-profile.js');
      const { syntheticBatch } = await import('../runtime/profile/synthetic-batch.js');
      const { buildOptimizer } = await import('../runtime/training/trainer.js');
      const config = await loadConfig(file, configLoadOptions(opts));
      requireTrainingSections(config, 'profile', ['compile']);
      const backend = await useBackend(opts.backend);
      out.detail(`backend: ${backend.name}${backend.acceleration ? ` + ${backend.acceleration}` : ''}`);
      const model = buildModel(config.model, { seed: config.seed });
      const optimizer = buildOptimizer(config.compile);
      const batch = opts.batchSize ?? config.fit.batchSize;
      const { xs, ys } = syntheticBatch(model, config.compile, batch);
      try {
        const result = await profileModel(model, config.compile, optimizer, xs, ys, opts.batches);
        // Which path each layer with a fused kernel (attention, LSTM/GRU/SimpleRNN) took, and why not the fused one.
        const { describePaths } = await import('../runtime/profile/kernel-path.js');
        for (const line of describePaths(model.layers)) out.detail(line);
        out.result({ name: config.name, ...result }, () => formatProfile(result, config.name));
      } finally {
        for (const t of [...xs, ...ys]) t.dispose();
        optimizer.dispose();
        model.dispose();
      }
    });
}
