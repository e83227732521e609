/**
 * `kerats reproduce RUN_DIR`: trains the run again from its recorded config, seed and backend and
 * reports whether the weights and the history came out identical (exit 3 when they did not).
 */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import { ExitCode } from '../util/errors.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

interface ReproduceOptions extends CommonOptions {
  backend?: BackendChoice;
  out?: string;
}

/** Largest absolute difference between two float32 weight files (Infinity when sizes differ). */
function maxDiff(a: Buffer, b: Buffer): number {
  if (a.byteLength !== b.byteLength) return Infinity;
  const x = new Float32Array(a.buffer, a.byteOffset, a.byteLength / 4);
  const y = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] ?? 0) - (y[i] ?? 0)));
  return m;
}

export function registerReproduce(program: Command): void {
  withOutputOptions(program.command('reproduce'))
    .argument('<run_dir>', 'a run folder written by kerats train')
    .option('--backend <name>', 'backend to train on (default: the one the run used)')
    .option('-o, --out <dir>', 'write the new run folder here (default: next to the original)')
    .description('train a run again from its config, seed and backend, and check the weights and history are identical')
    .addHelpText('after', example('kerats reproduce runs/iris/latest') + '\nExit codes: 0 identical, 3 the weights or history differ.\n')
    .action(async (given: string, opts: ReproduceOptions) => {
      const out = outputFor(opts);
      const { readHistory, readManifest, runDir } = await import('../saving/checkpoint/run-files.js');
      const { loadConfig } = await import('../config/load.js');
      const { runTraining } = await import('../runtime/train-run.js');
      const dir = await runDir(given);
      const manifest = await readManifest(dir);
      // The config file as written (relative data paths resolve from it) when it still exists, else the run's copy.
      const original = manifest.config_file && (await fs.access(manifest.config_file).then(() => true, () => false)) ? manifest.config_file : path.join(dir, 'config.json');
      const loaded = await loadConfig(original);
      const config = { ...loaded, seed: typeof manifest.seed === 'number' ? manifest.seed : loaded.seed };
      const backend = opts.backend ?? ((manifest.backend as BackendChoice | undefined) ?? 'auto');
      const again = await runTraining(config, {
        backend,
        runsRoot: path.dirname(path.dirname(dir)),
        ...(opts.out ? { out: opts.out } : {}),
        argv: process.argv.slice(2),
      });
      const [w1, w2] = await Promise.all([fs.readFile(path.join(dir, 'weights.bin')), fs.readFile(path.join(again.run_dir, 'weights.bin'))]);
      const [h1, h2] = await Promise.all([readHistory(dir), readHistory(again.run_dir)]);
      const result = {
        run_dir: dir,
        reproduction_dir: again.run_dir,
        backend: again.backend,
        seed: config.seed ?? null,
        config_changed: manifest.config_sha256 !== undefined && (await readManifest(again.run_dir)).config_sha256 !== manifest.config_sha256,
        weights_identical: w1.equals(w2),
        max_weight_difference: maxDiff(w1, w2),
        history_identical: JSON.stringify(h1) === JSON.stringify(h2),
        identical: false,
      };
      result.identical = result.weights_identical && result.history_identical;
      out.result(result, () =>
        [
          `Reproduction: ${path.relative(process.cwd(), again.run_dir)}`,
          `weights: ${result.weights_identical ? 'identical' : `differ (max |Δ| ${result.max_weight_difference})`}`,
          `history: ${result.history_identical ? 'identical' : 'differs'}`,
          ...(result.config_changed ? ['note: the config file changed since the run (its hash differs)'] : []),
        ].join('\n') + '\n',
      );
      if (!result.identical) process.exitCode = ExitCode.qualityGate;
    });
}
