/** The `kerats` command line: one file per command, wired together here. */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../util/errors.js';
import { keratsVersion } from '../util/package-root.js';
import { registerBackends } from './backends.js';
import { registerSetup } from './setup.js';
import { registerClean } from './clean.js';
import { registerTune } from './tune.js';
import { registerProfile } from './profile.js';
import { registerConfig } from './config.js';
import { registerSchema } from './schema.js';
import { registerInit } from './init.js';
import { registerDocs } from './docs.js';
import { registerDoctor } from './doctor.js';
import { registerCompletion } from './completion.js';
import { registerEvaluate } from './evaluate.js';
import { registerPlot } from './plot.js';
import { registerReproduce } from './reproduce.js';
import { registerReport } from './report.js';
import { registerExport } from './export.js';
import { registerPlotModel } from './plot-model.js';
import { registerPredict } from './predict.js';
import { reportError, reportUsageJson } from './errors.js';
import { Output } from './output.js';
import { registerSummary } from './summary.js';
import { registerTrain } from './train.js';
import { registerValidate } from './validate.js';

export function buildProgram(): Command {
  const program = new Command('kerats')
    .description('Train neural networks from declarative YAML/JSON configs, the way Keras does, on TensorFlow.js.')
    .version(keratsVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExamples:\n  $ kerats train configs/iris.yaml\n  $ kerats summary configs/mnist-mlp.yaml\n  $ kerats validate configs/broken.yaml\n\nExit codes: 0 ok, 1 runtime failure, 2 bad usage, config or data, 3 quality gate missed, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).\nEnvironment: NO_COLOR / FORCE_COLOR (colour), KERATS_HOME (cache folder, default ~/.kerats), KERATS_DEBUG=1 (stack traces).\n',
    );
  registerTrain(program);
  registerSummary(program);
  registerValidate(program);
  registerBackends(program);
  registerSetup(program);
  registerTune(program);
  registerProfile(program);
  registerConfig(program);
  registerSchema(program);
  registerInit(program);
  registerDocs(program);
  registerDoctor(program);
  registerCompletion(program);
  registerEvaluate(program);
  registerPlot(program);
  registerReproduce(program);
  registerReport(program);
  registerExport(program);
  registerPlotModel(program);
  registerPredict(program);
  registerClean(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version "errors" are successes; every other commander error is a usage error.
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = ok ? ExitCode.ok : ExitCode.usage;
      // Under --json a usage error is a JSON document too, so a pipeline parsing stdout gets one.
      if (!ok && argv.includes('--json')) reportUsageJson(err.message);
      return;
    }
    const json = argv.includes('--json');
    process.exitCode = reportError(err, new Output({ json }));
  }
}
