/** `kerats train CONFIG`: trains the model a config describes and writes a run folder. */
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { BackendChoice } from '../runtime/backend.js';
import { runTraining, type TrainRunResult } from '../runtime/train-run.js';
import { createProgressReporter } from '../runtime/training/progress.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

interface TrainOptions extends CommonOptions {
  backend: BackendChoice;
  out?: string;
  runs: string;
}

function fmt(logs: Record<string, number> | undefined): string {
  return Object.entries(logs ?? {})
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');
}

export function registerTrain(program: Command): void {
  withBackendOption(withOutputOptions(program.command('train')))
    .argument('<config>', 'config file (YAML or JSON)')
    .option('-o, --out <dir>', 'write the run folder exactly here instead of <runs>/<name>/<timestamp>')
    .option('--runs <dir>', 'folder that holds run folders', 'runs')
    .description('train the model a config describes and write a run folder (model, history, metrics, summary)')
    .addHelpText('after', example('kerats train configs/iris.yaml', 'kerats train configs/iris.yaml --json > result.json'))
    .action(async (file: string, opts: TrainOptions) => {
      const out = outputFor(opts);
      const config = await loadConfig(file);
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stderr.write('\nstopping after this batch (press Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: TrainRunResult;
      try {
        result = await runTraining(config, {
          backend: opts.backend,
          runsRoot: path.resolve(opts.runs),
          out: opts.out,
          reporter: opts.quiet ? undefined : createProgressReporter({ stream: out.logStream, tty: out.tty, color: out.color }),
          shouldStop: () => interrupted,
          argv: process.argv.slice(2),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      out.result(result, () => {
        const lines = [`Backend: ${result.backend}`];
        if (result.validation) lines.push(`Validation: ${fmt(result.validation)}`);
        if (result.test) lines.push(`Test: ${fmt(result.test)}`);
        lines.push(`Run folder: ${path.relative(process.cwd(), result.run_dir) || '.'}`);
        return lines.join('\n') + '\n';
      });
    });
}
