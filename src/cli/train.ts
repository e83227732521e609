/** `kerats train CONFIG`: trains the model a config describes and writes a run folder. */
import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { BackendChoice } from '../runtime/backend.js';
import { runTraining, type TrainRunResult } from '../runtime/train-run.js';
import { createProgressReporter } from '../runtime/training/progress.js';
import { KeratsError, ExitCode } from '../util/errors.js';
import { configLoadOptions, example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';
import { EventReporter } from './events.js';
import { Output } from './output.js';

interface TrainOptions extends CommonOptions, ConfigOptions {
  backend: BackendChoice;
  events?: boolean;
  out?: string;
  runs: string;
}

function fmt(logs: Record<string, number> | undefined): string {
  return Object.entries(logs ?? {})
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');
}

export function registerTrain(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('train'))))
    .option('--events', 'print NDJSON training events on stdout (train_begin, epoch_end, checkpoint, early_stop, done); logs go to stderr')
    .argument('<config>', 'config file (YAML or JSON)')
    .option('-o, --out <dir>', 'write the run folder exactly here instead of <runs>/<name>/<timestamp>')
    .option('--runs <dir>', 'folder that holds run folders', 'runs')
    .description('train the model a config describes and write a run folder (model, history, metrics, summary)')
    .addHelpText('after', example('kerats train configs/iris.yaml', 'kerats train configs/iris.yaml --json > result.json'))
    .action(async (file: string, opts: TrainOptions) => {
      const out = opts.events ? new Output({ quiet: opts.quiet, verbose: opts.verbose, color: opts.color, logsToStderr: true }) : outputFor(opts);
      const config = await loadConfig(file, configLoadOptions(opts));
      let interrupted = false;
      // SIGTERM (a CI runner cancelling) exits 143, SIGINT (Ctrl-C) 130, as shells report them.
      let signalCode: number = ExitCode.interrupted;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signal === 'SIGTERM') signalCode = ExitCode.terminated;
        if (interrupted) process.exit(signalCode);
        interrupted = true;
        process.stderr.write('\nstopping after this batch (press Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: TrainRunResult;
      const human = opts.quiet ? undefined : createProgressReporter({ stream: out.logStream, tty: out.tty, color: out.color });
      const events = opts.events ? new EventReporter(undefined, human) : undefined;
      try {
        result = await runTraining(config, {
          backend: opts.backend,
          runsRoot: path.resolve(opts.runs),
          out: opts.out,
          reporter: events ?? human,
          shouldStop: () => interrupted,
          argv: process.argv.slice(2),
        });
      } catch (err) {
        if (err instanceof KeratsError && err.exitCode === ExitCode.interrupted && signalCode === ExitCode.terminated) {
          throw new KeratsError(err.problems, ExitCode.terminated);
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (events) {
        events.emit('done', { ...result });
        return;
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
