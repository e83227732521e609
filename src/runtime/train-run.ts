/**
 * One `kerats train`: config → backend → model → data → training → run folder. Each step is
 * another module's job; this file only orders them and records what happened.
 */
import { requireTrainingSections } from '../config/training-needs.js';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { classifierConfusion } from './report/confusion.js';
import type { BoundCompileSpec, KeratsConfig, DataSource } from '../config/types.js';
import { bindOutputs } from '../config/compile-outputs.js';
import { outputNamesOf } from './training/outputs.js';
import { lossRefFor, targetEncodingFor } from '../registry/losses.js';
import { ConfigError } from '../util/errors.js';
import { keratsVersion } from '../util/package-root.js';
import { useBackend, type BackendChoice } from './backend.js';
import type { TensorFlowInfo } from './tf-native/load.js';
import type { ModelSpec } from '../config/types.js';
import { isStreaming, type AnyExamples, type LoadedData, type TargetEncoding } from './data/types.js';
import { loadTrainingData } from './data/stream.js';
import { buildModel } from './model-builder.js';
import { formatMemory } from './memory-estimate.js';
import { fusedPaths } from './fused-paths.js';
import { checkStepMemory, describeStepMemory, isOutOfMemory, outOfMemoryError, type StepCheck } from './memory-guard.js';
import { buildModelFromSources } from '../saving/transfer.js';
import { saveModel } from '../saving/model-io.js';
import { planRun, RunSession, type ResumeRequest } from '../saving/checkpoint/session.js';
import type { ConfigOrigin } from '../saving/checkpoint/resume.js';
import { RunFolder } from '../saving/run-folder.js';
import { RunLock } from '../saving/run-lock.js';
import { FileSystemError } from '../util/os-errors.js';
import { summarize } from './summary.js';
import { formatKeras3Summary } from './summary-keras3.js';
import { evaluate, train, type TrainResult } from './training/trainer.js';
import { fitTrainOptions } from './training/fit-options.js';
import type { ProgressReporter } from './training/progress.js';

export interface TrainRunOptions {
  backend: BackendChoice;
  /** Folder under which `<name>/<timestamp>/` is created. */
  runsRoot: string;
  /** Exact run folder instead. */
  out?: string;
  reporter?: ProgressReporter;
  /** Polled between batches; true stops training (Ctrl-C). */
  shouldStop?: () => boolean;
  argv: string[];
  /** `--resume DIR|auto` (and `--force`): continue an interrupted run from its last checkpoint. */
  resume?: ResumeRequest;
  /** `--set` flags and environment values the config was loaded with (kept for `--resume DIR`). */
  origin?: ConfigOrigin;
  /** Command-line options the printed resume command repeats (`--backend wasm`, `--events`). */
  resumeFlags?: string[];
  /** Detail lines (`train --verbose`): the training step's estimated memory. */
  detail?: (line: string) => void;
}

export interface TrainRunResult {
  run_dir: string;
  backend: string;
  /** Native acceleration used with the backend (the OpenBLAS addon on wasm), or null. */
  acceleration: string | null;
  /** The TensorFlow the tensorflow/tensorflow-gpu backend runs on (version, CPU/GPU, origin), else null. */
  tensorflow: TensorFlowInfo | null;
  /** Why --backend auto chose this backend; null when the backend was named. */
  backend_choice: string | null;
  epochs_completed: number;
  stopped_early: boolean;
  history: Record<string, number[]>;
  /** The last epoch's logged values. */
  final: Record<string, number>;
  /** The saved model evaluated on the validation set (when there is one). */
  validation?: Record<string, number>;
  test?: Record<string, number>;
}

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

async function dataHash(sources: (DataSource | undefined)[]): Promise<string> {
  const h = createHash('sha256');
  for (const s of sources) {
    if (!s) continue;
    if (s.kind === 'csv') h.update(await fs.readFile(s.path));
    else if (s.kind === 'arrays') {
      // Array files are hashed by content, like CSVs (image folders by their description only).
      h.update(await fs.readFile(s.path));
      if (s.labelsPath) h.update(await fs.readFile(s.labelsPath));
    } else h.update(JSON.stringify(s));
  }
  return h.digest('hex');
}

/** The output layer must have one unit per class (or one for binary losses); say so before training. */
function checkOutputMatchesData(model: tf.LayersModel, config: KeratsConfig, data: LoadedData<AnyExamples>, encoding: TargetEncoding): void {
  // Several outputs: each output's labels are checked against its own loss by the trainer (targets-check.ts).
  if (model.outputs.length > 1) return;
  const shape = model.outputs[0]?.shape ?? [];
  const units = shape[shape.length - 1];
  // Targets shaped exactly like the output (autoencoders, per-timestep outputs) fit whatever the loss.
  const y = !isStreaming(data.train) && data.train.y instanceof tf.Tensor ? data.train.y : undefined;
  if (y && y.shape.length === shape.length && y.shape.slice(1).every((d, i) => shape[i + 1] === null || shape[i + 1] === d)) return;
  const last = config.model.layers[config.model.layers.length - 1];
  const where = last ? `layer ${last.index} (${last.type})` : 'the output layer';
  const expected = encoding === 'binary' ? 1 : encoding === 'regression' ? (!isStreaming(data.train) && data.train.y instanceof tf.Tensor ? data.train.y.shape[1] : undefined) : data.numClasses;
  if (expected === undefined || units === expected || units === null) return;
  const classes = data.preprocessing.classes ? ` (${data.preprocessing.classes.join(', ')})` : '';
  const what =
    encoding === 'binary'
      ? `the loss "${config.compile.loss}" needs 1 output unit`
      : encoding === 'regression'
        ? `the labels have ${expected} value(s) per row`
        : `the data has ${expected} classes${classes}`;
  throw new ConfigError({ message: `${where} outputs ${units} values but ${what}; set its units to ${expected}`, loc: last?.loc });
}

/**
 * The model's parameter count, for `--backend auto` to choose by size: built once on the cpu
 * backend and dropped. Undefined for models loaded from files, or when the build fails (the real
 * build reports why).
 */
async function modelSizeForAuto(spec: ModelSpec): Promise<number | undefined> {
  if (spec.kerasJson || spec.base) return undefined;
  try {
    await tf.setBackend('cpu'); // useBackend switches to the chosen backend right after
    const model = buildModel(spec, { seed: 0 });
    const n = model.countParams();
    model.dispose();
    return n;
  } catch {
    return undefined;
  }
}

export async function runTraining(config: KeratsConfig, opts: TrainRunOptions): Promise<TrainRunResult> {
  requireTrainingSections(config, 'train');
  if (!config.data) {
    throw new ConfigError({ message: 'the config has no "data" section; add data.train (a CSV or synthetic data) to train', loc: { file: config.file, line: 1, col: 1 } });
  }
  // Claim the folder the run becomes before anything is loaded or trained: a second run into the
  // same --out (or resuming the same run) is refused at once, naming the first (run-lock.ts).
  const locks: RunLock[] = [];
  const claim = async (target: string, what: string): Promise<void> => {
    if (!locks.some((l) => l.target === target)) locks.push(await RunLock.claim(target, what, opts.argv));
  };
  try {
    if (opts.out) {
      await claim(path.resolve(opts.out), `--out "${opts.out}"`);
      if (!opts.resume) await RunFolder.refuseNonEmpty(opts.out);
    }
    const backend = await useBackend(opts.backend, { params: () => modelSizeForAuto(config.model), batchSize: config.fit.batchSize });
    if (backend.choice) opts.reporter?.onMessage?.(`backend auto: ${backend.choice}`);
    // The seed is fixed first (the config's, a resumed run's, or one drawn now and recorded), so the
    // model, the data split and the shuffle all follow it and the run can be repeated.
    const plan = await planRun(config, { runsRoot: opts.runsRoot, out: opts.out, resume: opts.resume, log: (m) => opts.reporter?.onMessage?.(m) });
    const resumed = plan.source?.run;
    const target = resumed ? resumed.running.target : RunFolder.targetFor({ root: opts.runsRoot, name: config.name, out: opts.out });
    const shown = path.relative(process.cwd(), target) || target;
    await claim(target, resumed ? `the run "${shown}"` : `the run folder "${shown}"`);
    return await trainClaimed(config, opts, backend, plan, target);
  } finally {
    for (const l of locks) await l.release();
  }
}

async function trainClaimed(config: KeratsConfig, opts: TrainRunOptions, backend: Awaited<ReturnType<typeof useBackend>>, plan: Awaited<ReturnType<typeof planRun>>, target: string): Promise<TrainRunResult> {
  if (!config.data) throw new ConfigError('the config has no "data" section');
  // model.keras_json / model.base (transfer.ts) build asynchronously; otherwise the usual builder.
  const model = (await buildModelFromSources(config.model, { seed: plan.seed })) ?? buildModel(config.model, { seed: plan.seed });
  // Before any data is loaded: a step that cannot fit in the backend's memory is refused now, with
  // the batch size that fits, rather than aborting the WebAssembly heap mid-epoch.
  let memory: StepCheck;
  try {
    memory = checkStepMemory(model, config.fit.batchSize, config.compile.optimizer, backend.name, fusedPaths(backend.name));
  } catch (e) {
    model.dispose();
    throw e;
  }
  opts.detail?.(`Training step memory: ${describeStepMemory(memory.estimate)}; limit ${formatMemory(memory.limit.bytes)} (${memory.limit.what})`);
  // Loss lists become maps by output name; lengths and names are checked against the model's outputs.
  let compile: BoundCompileSpec;
  try {
    compile = bindOutputs(config.compile, outputNamesOf(model));
  } catch (e) {
    model.dispose();
    throw e;
  }
  const encoding = targetEncodingFor(compile.loss);
  // Streams a big training CSV (data/stream.ts); otherwise loads everything into memory.
  const data = await loadTrainingData(config.data, { encoding, encodingFor: (o) => (lossRefFor(compile.loss, o) ? targetEncodingFor(compile.loss, o) : 'regression' /* no loss: the trainer reports it */), outputNames: model.outputs.map((o) => o.sourceLayer.name), inputShape: config.model.inputShape, seed: plan.seed });
  checkOutputMatchesData(model, config, data, encoding);

  const session = await RunSession.open(config, plan, opts.runsRoot, opts.out, {
    model,
    train: data.train,
    shuffle: config.fit.shuffle,
    argv: opts.argv,
    origin: opts.origin,
    log: (m) => opts.reporter?.onMessage?.(m),
    target,
  });
  const folder = session.folder;
  const startedAt = new Date();
  try {
    const trained: TrainResult = await train(model, compile, data.train, {
      epochs: config.fit.epochs,
      batchSize: config.fit.batchSize,
      shuffle: config.fit.shuffle,
      validation: data.validation,
      reporter: opts.reporter,
      shouldStop: opts.shouldStop,
      // Relative file paths in callbacks (CSVLogger) land in the run folder, which moves into place whole.
      outputDir: folder.dir,
      // fit's steps_per_epoch, validation_freq, class_weight (names resolved), initial_epoch.
      ...fitTrainOptions(config.fit, data.preprocessing),
      // Resume: start epoch, restored optimizer and shuffle state; the callbacks built by the session.
      ...session.trainOptions(),
    });
    if (opts.shouldStop?.()) throw session.interrupted(opts.resumeFlags);
    const result: TrainResult = { ...trained, history: session.fullHistory(trained.history), epochsCompleted: session.initialEpoch + trained.epochsCompleted };

    const validation = data.validation ? await evaluate(model, compile, data.validation, config.fit.batchSize) : undefined;
    const test = data.test ? await evaluate(model, compile, data.test, config.fit.batchSize) : undefined;
    const final: Record<string, number> = {};
    for (const [k, v] of Object.entries(result.history)) {
      const last = v[v.length - 1];
      if (last !== undefined) final[k] = last;
    }

    await saveModel(model, folder.dir);
    const resolvedJson = JSON.stringify(config.resolved);
    await folder.writeJson('config.json', config.resolved);
    await folder.writeJson('history.json', result.history);
    await folder.writeJson('metrics.json', { final, validation, test, epochs_completed: result.epochsCompleted, best_epoch: result.bestEpoch });
    await folder.writeJson('preprocessing.json', data.preprocessing);
    // The table `kerats summary` prints by default (Keras 3's box layout at its default widths, no colour).
    await folder.writeText('summary.txt', formatKeras3Summary(summarize(model, config.name)));
    // Loaded on demand: the charting library is large and only needed here and by `kerats plot`.
    const { historySvg } = await import('./plot/history-chart.js');
    await folder.writeText('history.svg', await historySvg(result.history, config.name));
    await folder.writeJson('manifest.json', {
      kerats: keratsVersion(),
      tfjs: backend.tfjsVersion,
      backend: backend.name,
      acceleration: backend.acceleration,
      tensorflow: backend.tensorflow,
      backend_choice: backend.choice,
      kernels: backend.kernels,
      node: process.version,
      seed: config.seed ?? null,
      config_file: config.file,
      config_sha256: sha256(resolvedJson),
      data_sha256: await dataHash([config.data.train, config.data.validation, config.data.test]),
      command: opts.argv,
      // The seed actually used (drawn when the config has none), the hashes resume checks, resumption.
      ...session.manifestFields(),
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
    });
    // For classifiers, the confusion matrix on held-out data (test, else validation), for the report.
    const held = data.test ? { examples: data.test, name: 'test' } : { examples: data.validation, name: 'validation' };
    const confusion = classifierConfusion(model, held.examples, encoding, data.preprocessing.classes, data.preprocessing.numClasses, held.name);
    if (confusion) await folder.writeJson('confusion.json', confusion);
    // The run report (report.html), unless the config says `report: false`.
    if (config.resolved.report !== false) {
      const { reportRuns } = await import('./report/build.js');
      const { reportHtml } = await import('./report/html.js');
      const label = `${config.name}/${path.basename(folder.targetDir)}`;
      await folder.writeText('report.html', reportHtml(await reportRuns([folder.dir], { model, labels: [label] })));
    }
    await session.beforeFinalize();
    const runDir = await folder.finalize();
    return {
      run_dir: runDir,
      backend: backend.name,
      acceleration: backend.acceleration,
      tensorflow: backend.tensorflow,
      backend_choice: backend.choice,
      epochs_completed: result.epochsCompleted,
      stopped_early: result.stoppedEarly,
      history: result.history,
      final,
      validation,
      test,
    };
  } catch (err) {
    if (isOutOfMemory(err)) throw outOfMemoryError(memory, config.fit.batchSize, backend.name);
    throw err instanceof FileSystemError ? session.failedWithCheckpoint(err) : err;
  } finally {
    await session.close();
    model.dispose();
    for (const ex of [data.train, data.validation, data.test]) if (ex && !isStreaming(ex)) tf.dispose([ex.x, ex.y, ...(ex.sampleWeight ? [ex.sampleWeight] : [])]);
  }
}
