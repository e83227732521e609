/**
 * `kerats evaluate`: a finished run's model on its test set (or validation set, or a given CSV or
 * config), with the run's own preprocessing and compile section, and optional quality gates.
 */
import * as tf from '@tensorflow/tfjs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { KeratsConfig } from '../config/types.js';
import { ConfigError, DataError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { useBackend, type BackendChoice } from './backend.js';
import { readJsonFile, readManifest, runDir } from '../saving/checkpoint/run-files.js';
import { applyPreprocessingFile, loadData } from './data/index.js';
import type { Examples, PreprocessingState, TargetEncoding } from './data/types.js';
import { loadModel } from '../saving/model-io.js';
import { evaluate } from './training/trainer.js';
import { kerasFileKind, loadKerasModelFile } from '../saving/model-file.js';
import { lossRefFor, targetEncodingFor } from '../registry/losses.js';
import { bindOutputs } from '../config/compile-outputs.js';
import { outputNamesOf } from './training/outputs.js';

/** `accuracy=0.9` under --fail-under (must be at least), `loss=0.5` under --fail-over (must be at most). */
export interface Threshold {
  metric: string;
  op: '>=' | '<=';
  value: number;
}

export interface GateResult extends Threshold {
  actual: number;
  passed: boolean;
}

export interface EvaluateRunResult {
  run_dir: string;
  /** What was evaluated: `test`, `validation`, or the file given with --data. */
  data: string;
  samples: number;
  backend: string;
  metrics: Record<string, number>;
  gates: GateResult[];
  passed: boolean;
}

/** Parses `NAME=VALUE` (also `NAME>=VALUE` / `NAME<=VALUE`, which set the direction themselves). */
export function parseThreshold(text: string, op: '>=' | '<=', option: string): Threshold {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|=)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/i.exec(text);
  const value = m ? Number(m[3]) : NaN;
  if (!m || !Number.isFinite(value)) {
    throw new ConfigError(`${option} "${text}": expected METRIC=VALUE, e.g. ${option} ${op === '>=' ? 'accuracy=0.9' : 'loss=0.5'}`);
  }
  const given = m[2] === '=' ? op : (m[2] as '>=' | '<=');
  return { metric: m[1] as string, op: given, value };
}

const TABLE_EXT = new Set(['.csv', '.tsv', '.json', '.ndjson', '.txt']);

async function configFor(dir: string, dataArg: string | undefined): Promise<{ config: KeratsConfig; label: string }> {
  if (dataArg) return { config: await loadConfig(dataArg), label: dataArg };
  // The config as the user wrote it (its relative data paths resolve), else the run's resolved copy.
  const manifest = await readManifest(dir).catch(() => undefined);
  const original = manifest?.config_file;
  if (original && (await access(original).then(() => true, () => false))) return { config: await loadConfig(original), label: '' };
  return { config: await loadConfig(path.join(dir, 'config.json')), label: '' };
}

async function examplesFor(
  dir: string,
  dataArg: string | undefined,
  pre: PreprocessingState,
  inputShape: (number | null)[] | undefined,
  lossEncoding?: (output: string) => TargetEncoding | undefined,
): Promise<{ examples: Examples; label: string; dispose: () => void }> {
  if (dataArg && TABLE_EXT.has(path.extname(dataArg).toLowerCase())) {
    const t = await applyPreprocessingFile({ path: path.resolve(dataArg), given: dataArg }, pre, { labels: 'required', ...(inputShape ? { inputShape } : {}) });
    if (!t.y) throw new DataError(`--data "${dataArg}" has no "${pre.label ?? 'label'}" column, so there is nothing to evaluate against`);
    const y = t.y;
    const w = t.sampleWeight ? [t.sampleWeight] : [];
    return { examples: { x: t.x, y, ...(t.sampleWeight ? { sampleWeight: t.sampleWeight } : {}), size: t.size }, label: dataArg, dispose: () => tf.dispose([t.x, y, ...w]) };
  }
  const { config, label } = await configFor(dir, dataArg);
  if (!config.data) throw new ConfigError(`${label || 'the run\'s config'} has no data section; pass --data FILE.csv`);
  const manifest = await readManifest(dir).catch(() => undefined);
  const data = await loadData(config.data, { encoding: pre.encoding, encodingFor: (o) => pre.outputs?.[o]?.encoding ?? lossEncoding?.(o) ?? pre.encoding, inputShape, seed: manifest?.seed ?? config.seed });
  const pick = data.test ? { ex: data.test, name: 'test' } : data.validation ? { ex: data.validation, name: 'validation' } : undefined;
  const all = [data.train, data.validation, data.test];
  const disposeAll = () => {
    for (const ex of all) if (ex && 'x' in ex) tf.dispose([ex.x, ex.y, ...(ex.sampleWeight ? [ex.sampleWeight] : [])] as tf.TensorContainer[]);
  };
  if (!pick || !('x' in pick.ex)) {
    disposeAll();
    throw new ConfigError(`${label || 'the run\'s config'} has no test or validation data; pass --data FILE.csv (a table with the label column)`);
  }
  return { examples: pick.ex, label: label ? `${label} (${pick.name})` : pick.name, dispose: disposeAll };
}

function gateResults(gates: Threshold[], metrics: Record<string, number>): GateResult[] {
  return gates.map((g) => {
    const actual = metrics[g.metric];
    if (actual === undefined) {
      const names = Object.keys(metrics);
      throw new ConfigError(`quality gate "${g.metric}": the evaluation reports ${names.join(', ')}${didYouMean(g.metric, names)}`);
    }
    return { ...g, actual, passed: g.op === '>=' ? actual >= g.value : actual <= g.value };
  });
}

/**
 * A Keras .keras / .h5 file evaluated on a config's test (else validation) data with the config's
 * compile section: the file holds the model, the config says what to measure it on and how.
 */
async function evaluateKerasFile(file: string, opts: { data?: string; backend: BackendChoice; batchSize?: number; gates: Threshold[] }): Promise<EvaluateRunResult> {
  if (!opts.data || (TABLE_EXT.has(path.extname(opts.data).toLowerCase()) && !/\.json$/i.test(opts.data))) {
    throw new ConfigError(`evaluating the Keras file "${file}" needs --data CONFIG: a kerats config whose data section (test, else validation) and compile section (loss, metrics) to use`);
  }
  const backend = await useBackend(opts.backend);
  const config = await loadConfig(opts.data);
  if (!config.data) throw new ConfigError(`${opts.data} has no data section`);
  const { model } = await loadKerasModelFile(file);
  try {
    const loss = bindOutputs(config.compile, outputNamesOf(model)).loss;
    const data = await loadData(config.data, {
      encoding: targetEncodingFor(loss),
      encodingFor: (o) => (lossRefFor(loss, o) ? targetEncodingFor(loss, o) : 'regression'),
      inputShape: (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1),
      seed: config.seed,
    });
    const pick = data.test ? { ex: data.test, name: 'test' } : data.validation && 'x' in data.validation ? { ex: data.validation, name: 'validation' } : undefined;
    const all = [data.train, data.validation, data.test];
    try {
      if (!pick) throw new ConfigError(`${opts.data} has no test or validation data to evaluate "${file}" on`);
      const metrics = await evaluate(model, config.compile, pick.ex, opts.batchSize ?? config.fit.batchSize);
      const gates = gateResults(opts.gates, metrics);
      return { run_dir: file, data: `${opts.data} (${pick.name})`, samples: pick.ex.size, backend: backend.name, metrics, gates, passed: gates.every((g) => g.passed) };
    } finally {
      for (const ex of all) if (ex && 'x' in ex) tf.dispose([ex.x, ex.y, ...(ex.sampleWeight ? [ex.sampleWeight] : [])] as tf.TensorContainer[]);
    }
  } finally {
    model.dispose();
  }
}

export async function evaluateRun(
  given: string,
  opts: { data?: string; backend: BackendChoice; batchSize?: number; gates: Threshold[] },
): Promise<EvaluateRunResult> {
  if (kerasFileKind(given)) return evaluateKerasFile(given, opts);
  const dir = await runDir(given);
  const backend = await useBackend(opts.backend);
  const runConfig = await loadConfig(path.join(dir, 'config.json'));
  const pre = await readJsonFile<PreprocessingState>(path.join(dir, 'preprocessing.json'), 'the run preprocessing');
  const model = await loadModel(path.join(dir, 'model.json'));
  try {
    // Synthetic labels have no saved per-output encoding: each output's loss says it.
    const loss = bindOutputs(runConfig.compile, outputNamesOf(model)).loss;
    const lossEncoding = (o: string) => (lossRefFor(loss, o) ? targetEncodingFor(loss, o) : undefined);
    const { examples, label, dispose } = await examplesFor(dir, opts.data, pre, runConfig.model.inputShape, lossEncoding);
    try {
      const metrics = await evaluate(model, runConfig.compile, examples, opts.batchSize ?? runConfig.fit.batchSize);
      const gates = gateResults(opts.gates, metrics);
      return { run_dir: dir, data: label, samples: examples.size, backend: backend.name, metrics, gates, passed: gates.every((g) => g.passed) };
    } finally {
      dispose();
    }
  } finally {
    model.dispose();
  }
}
