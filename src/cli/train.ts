/** `kerats train CONFIG`: trains the model a config describes and writes a run folder. */
import type { Command } from 'commander';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import type { TrainRunResult } from '../runtime/train-run.js';
import { KeratsError, ExitCode } from '../util/errors.js';
import type { ConfigOrigin } from '../saving/checkpoint/resume.js';
import { configLoadOptions, example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';
import type { EventReporter } from './events.js';
import { Output } from './output.js';
import { errorDocument } from './errors.js';

interface TrainOptions extends CommonOptions, ConfigOptions {
  backend: BackendChoice;
  events?: boolean;
  out?: string;
  runs: string;
  allowPlugins?: boolean;
  resume?: string;
  force?: boolean;
}

/** `env` that notes the value of every variable the config reads (`${EPOCHS}`), for `--resume DIR`. */
function recordingEnv(base: NodeJS.ProcessEnv, used: Record<string, string>): NodeJS.ProcessEnv {
  return new Proxy(base, {
    get(target, key) {
      const value = typeof key === 'string' ? target[key] : undefined;
      if (typeof key === 'string' && value !== undefined) used[key] = value;
      return value;
    },
  });
}

/** The options a resume command repeats: how to train and print, not what (the run folder has that). */
function resumeFlagsOf(opts: TrainOptions): string[] {
  const flags: string[] = [];
  if (opts.backend !== 'auto') flags.push('--backend', opts.backend);
  if (opts.allowPlugins) flags.push('--allow-plugins');
  if (opts.events) flags.push('--events');
  if (opts.json) flags.push('--json');
  if (opts.quiet) flags.push('--quiet');
  if (opts.verbose) flags.push('--verbose');
  if (opts.color === false) flags.push('--no-color');
  return flags;
}

function fmt(logs: Record<string, number> | undefined): string {
  return Object.entries(logs ?? {})
    .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
    .join(' - ');
}

export function registerTrain(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('train'))))
    .option('--events', 'print NDJSON training events on stdout (train_begin, epoch_end, checkpoint, early_stop, done); logs go to stderr')
    .argument('[config]', 'config file (YAML or JSON); with --resume DIR, defaults to the one the run was started with')
    .option('--allow-plugins', 'load the ES modules the config lists under plugins: (they are code)')
    .option('-o, --out <dir>', 'write the run folder exactly here instead of <runs>/<name>/<timestamp>')
    .option('--runs <dir>', 'folder that holds run folders', 'runs')
    .option('--resume <dir|auto>', 'continue an interrupted run from its last checkpoint: its (partial) folder, or "auto" for the newest unfinished run of this config (starts a new run when there is none)')
    .option('--force', 'with --resume: continue even though the config or the data changed')
    .description('train the model a config describes and write a run folder (model, history, metrics, summary)')
    .addHelpText('after', example('kerats train configs/iris.yaml', 'kerats train configs/iris.yaml --json > result.json'))
    .action(async (given: string | undefined, opts: TrainOptions) => {
      const out = opts.events ? new Output({ quiet: opts.quiet, verbose: opts.verbose, color: opts.color, logsToStderr: true }) : outputFor(opts);
      // Loaded here, not at start-up: `kerats --help` must not pay for the training stack.
      const { EventReporter } = await import('./events.js');
      const events = opts.events ? new EventReporter() : undefined;
      // With --events, a run that cannot start still ends its stream with an event a dashboard can show.
      try {
        await trainCommand(given, opts, out, events);
      } catch (err) {
        if (events && err instanceof KeratsError && err.exitCode !== ExitCode.interrupted && err.exitCode !== ExitCode.terminated) {
          events.emit('error', { exit_code: err.exitCode, errors: errorDocument(err.problems, err.exitCode).errors });
        }
        throw err;
      }
    });
}

async function trainCommand(given: string | undefined, opts: TrainOptions, out: Output, events: EventReporter | undefined): Promise<void> {
  if (opts.force && !opts.resume) throw new KeratsError('--force only applies to --resume; add --resume DIR or --resume auto');
  const { configOriginOf } = await import('../saving/checkpoint/resume.js');
  const { InterruptedError } = await import('../saving/checkpoint/session.js');
  const { loadConfigPlugins } = await import('../runtime/plugins.js');
  const { loadConfig } = await import('../config/load.js');
  const { runTraining } = await import('../runtime/train-run.js');
  const { createProgressReporter } = await import('../runtime/training/progress.js');
  const { textChart } = await import('../runtime/plot/text-chart.js');
  // `--resume DIR` alone: the run folder names the config and keeps the --set flags and environment values it was loaded with.
  const saved = !given && opts.resume && opts.resume !== 'auto' ? await configOriginOf(opts.resume) : undefined;
  const file = given ?? saved?.file;
  if (!file) throw new KeratsError('missing the config file: kerats train CONFIG (only --resume DIR can do without one)');
  await loadConfigPlugins(file, { allow: opts.allowPlugins });
  const origin: ConfigOrigin = { overrides: [...(saved?.overrides ?? []), ...(opts.set ?? [])], env: {} };
  const config = await loadConfig(file, { ...configLoadOptions(opts), sets: origin.overrides, env: recordingEnv({ ...process.env, ...saved?.env }, origin.env) });
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
  // fit.verbose as in Keras: 0 no progress, 2 one line per epoch even on a terminal, 1/auto a bar on a terminal.
  const verbose = config.fit.verbose;
  const human = opts.quiet || verbose === 0 ? undefined : createProgressReporter({ stream: out.logStream, tty: out.tty && verbose !== 2, color: out.color });
  events?.alsoReportTo(human);
  try {
    result = await runTraining(config, {
      backend: opts.backend,
      runsRoot: path.resolve(opts.runs),
      out: opts.out,
      reporter: events ?? human,
      origin,
      resumeFlags: resumeFlagsOf(opts),
      shouldStop: () => interrupted,
      argv: process.argv.slice(2),
      detail: (line) => out.detail(line),
      ...(opts.resume ? { resume: { from: opts.resume, force: opts.force } } : {}),
    });
  } catch (err) {
    if (err instanceof InterruptedError) {
      const code = signalCode;
      events?.emit('interrupted', { signal: code === ExitCode.terminated ? 'SIGTERM' : 'SIGINT', exit_code: code, ...err.details });
      if (code === ExitCode.terminated) throw new KeratsError(err.problems, ExitCode.terminated);
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
    const lines = [`Backend: ${result.backend}${result.acceleration ? ` + ${result.acceleration}` : ''}`];
    if (result.validation) lines.push(`Validation: ${fmt(result.validation)}`);
    if (result.test) lines.push(`Test: ${fmt(result.test)}`);
    lines.push(`Run folder: ${path.relative(process.cwd(), result.run_dir) || '.'}`);
    // On a terminal, a glance at how the loss went (the run folder has history.svg).
    if (out.tty) lines.unshift(textChart(result.history).trimEnd());
    return lines.join('\n') + '\n';
  });
}
