/**
 * The resume checkpoint: everything `kerats train --resume` needs to continue a run exactly.
 *
 *   <dir>/model.json, weights.bin   the model (loadable on its own with `loadModel`)
 *   <dir>/optimizer.bin             the optimizer's slots and counters (see optimizer-state.ts)
 *   <dir>/state.json                epoch, step, history, shuffle RNG, callbacks' state, hashes; written last
 *
 * The folder is replaced as a whole (atomic-dir.ts), so a kill at any moment leaves the previous
 * checkpoint loadable.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { DataError } from '../../util/errors.js';
import { saveModel, WEIGHTS_FILE } from '../model-io.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';
import { completeDir, replaceDir } from './atomic-dir.js';
import { checkFinite, checkWeightSizes } from '../weight-check.js';
import { disposeSnapshot, snapshotOptimizer, type NamedTensor, type OptimizerSnapshot } from './optimizer-state.js';
import { noiseStreamPositions, restoreNoiseStreams } from './noise-streams.js';

export const STATE_FILE = 'state.json';
const OPTIMIZER_FILE = 'optimizer.bin';
const FORMAT = 'kerats-checkpoint';

export interface CallbackState {
  name: string;
  state: unknown;
}

/** What a checkpoint records besides tensors. */
export interface TrainingState {
  /** Epochs completed: the `initialEpoch` (0-based) to resume with. */
  epoch: number;
  /** Batches of epoch `epoch` already trained (a mid-epoch checkpoint); absent at an epoch boundary. */
  batch?: number;
  /** That epoch's running loss and metric sums (with `batch`). */
  epochProgress?: EpochProgress;
  /** Optimizer steps taken so far. */
  step: number;
  /** Keras-style history of the completed epochs. */
  history: Record<string, number[]>;
  /** The run's shuffle seed, and the generator's state at the start of epoch `epoch`. */
  seed: number;
  rngState: number;
  /** `getState()` of each callback that has one, by position in the callback list. */
  callbacks: CallbackState[];
  configSha256: string;
  dataSha256: string;
}

interface StateFile {
  format: typeof FORMAT;
  version: 1;
  epoch: number;
  batch?: number;
  epoch_progress?: EpochProgress;
  step: number;
  history: Record<string, number[]>;
  seed: number;
  rng_state: number;
  /** Positions of the dropout/noise layers' seed streams (noise-streams.ts). */
  noise_streams?: number[];
  callbacks: CallbackState[];
  optimizer: { class_name: string; learning_rate?: number; variables: string[]; weights: tf.io.WeightsManifestEntry[] };
  config_sha256: string;
  data_sha256: string;
  saved_at: string;
}

export interface LoadedCheckpoint {
  /** The folder the checkpoint was read from. */
  dir: string;
  /** The dropout/noise seed streams' positions, restored with the weights. */
  noiseStreams?: number[];
  state: TrainingState;
  optimizerClass: string;
}

/** Writes a checkpoint of `model` and `optimizer` in training `state` into `dir`, replacing it atomically. */
export async function writeCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: TrainingState): Promise<void> {
  const snap = await snapshotOptimizer(optimizer, model);
  try {
    const encoded = await tf.io.encodeWeights(snap.tensors);
    // What the new copy takes besides the old one: weights, optimizer slots, JSON (generously).
    const modelBytes = model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) * 4, 0);
    const bytes = modelBytes + encoded.data.byteLength + 64 * 1024 + JSON.stringify(state.history).length * 2;
    await replaceDir(dir, async (tmp) => {
      await saveModel(model, tmp);
      await writeFileAtomic(path.join(tmp, OPTIMIZER_FILE), new Uint8Array(encoded.data));
      const file: StateFile = {
        format: FORMAT,
        version: 1,
        epoch: state.epoch,
        ...(state.batch ? { batch: state.batch, epoch_progress: state.epochProgress } : {}),
        step: state.step,
        history: state.history,
        seed: state.seed,
        rng_state: state.rngState,
        noise_streams: noiseStreamPositions(model),
        callbacks: state.callbacks,
        optimizer: { class_name: snap.className, learning_rate: snap.learningRate, variables: snap.variables, weights: encoded.specs },
        config_sha256: state.configSha256,
        data_sha256: state.dataSha256,
        saved_at: new Date().toISOString(),
      };
      await writeJsonAtomic(path.join(tmp, STATE_FILE), file);
    }, bytes);
  } finally {
    disposeSnapshot(snap);
  }
}

async function readState(dir: string): Promise<StateFile> {
  const file = path.join(dir, STATE_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new DataError(`cannot read checkpoint "${file}": ${(err as Error).message}`);
  }
  const s = parsed as Partial<StateFile>;
  if (s.format !== FORMAT || s.version !== 1 || typeof s.epoch !== 'number') {
    throw new DataError(`"${file}" is not a kerats checkpoint (format ${JSON.stringify(s.format)}, version ${JSON.stringify(s.version)})`);
  }
  return s as StateFile;
}

/** The last complete checkpoint in `dir` (or the copy a kill mid-replace left), undefined when none. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint | undefined> {
  const found = await completeDir(dir, STATE_FILE);
  if (!found) return undefined;
  const s = await readState(found);
  return {
    dir: found,
    ...(s.noise_streams ? { noiseStreams: s.noise_streams } : {}),
    optimizerClass: s.optimizer.class_name,
    state: {
      epoch: s.epoch,
      ...(s.batch && s.epoch_progress ? { batch: s.batch, epochProgress: s.epoch_progress } : {}),
      step: s.step,
      history: s.history,
      seed: s.seed,
      rngState: s.rng_state,
      callbacks: s.callbacks,
      configSha256: s.config_sha256,
      dataSha256: s.data_sha256,
    },
  };
}

/** Reads a weights file with its manifest entries, in manifest order. */
async function readWeights(file: string, specs: tf.io.WeightsManifestEntry[]): Promise<NamedTensor[]> {
  const buf = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new DataError(`cannot read the checkpoint file "${file}": ${err.code === 'ENOENT' ? 'it is missing' : err.message}`);
  });
  checkWeightSizes(path.join(path.dirname(file), file.endsWith(OPTIMIZER_FILE) ? STATE_FILE : 'model.json'), specs, [{ file, bytes: buf.byteLength }]);
  if (path.basename(file) === WEIGHTS_FILE) checkFinite(specs, buf, `the checkpoint weights "${file}" are not finite`);
  const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(data, specs);
  return specs.map((s) => {
    const tensor = map[s.name];
    if (!tensor) throw new DataError(`checkpoint weights file "${file}" lacks "${s.name}"`);
    return { name: s.name, tensor };
  });
}

/**
 * Sets `model`'s weights from the checkpoint, by position (tfjs renames layers per process, so
 * names from another process need not match).
 */
export async function restoreModelWeights(ck: LoadedCheckpoint, model: tf.LayersModel): Promise<void> {
  const modelJson = path.join(ck.dir, 'model.json');
  let json: { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fs.readFile(modelJson, 'utf8')) as typeof json;
    if (!Array.isArray(json.weightsManifest)) throw new Error('it has no weightsManifest');
  } catch (err) {
    throw new DataError(`cannot read the checkpoint's model "${modelJson}": ${(err as Error).message}; the checkpoint is damaged (start the run again without --resume)`);
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const weights = await readWeights(path.join(ck.dir, WEIGHTS_FILE), specs);
  try {
    const current = model.getWeights();
    if (current.length !== weights.length || current.some((w, i) => !tf.util.arraysEqual(w.shape, weights[i]?.tensor.shape ?? []))) {
      throw new DataError(`checkpoint "${ck.dir}" holds weights of a different model (${weights.length} arrays, the config builds ${current.length})`);
    }
    model.setWeights(weights.map((w) => w.tensor));
    restoreNoiseStreams(model, ck.noiseStreams);
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
}

/** The checkpoint's optimizer state, for `restoreOptimizer`; the caller disposes it. */
export async function readOptimizerSnapshot(ck: LoadedCheckpoint): Promise<OptimizerSnapshot> {
  const s = await readState(ck.dir);
  const tensors = await readWeights(path.join(ck.dir, OPTIMIZER_FILE), s.optimizer.weights);
  return { className: s.optimizer.class_name, tensors, learningRate: s.optimizer.learning_rate, variables: s.optimizer.variables ?? [] };
}
