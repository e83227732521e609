/**
 * Saves and loads models in the TensorFlow.js layers format (model.json + weights.bin), with plain
 * file I/O so it works on every backend (tfjs's `file://` handler exists only with tfjs-node).
 * model.json is written after its weights, each atomically, so a model.json on disk always has
 * complete weights beside it.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { DataError } from '../util/errors.js';
// Registers kerats' own layer classes (MultiHeadAttention, Lambda, ...) so saved models containing them load.
import '../registry/layers/custom/index.js';
import { ConfigError as ModelLoadError, KeratsError } from '../util/errors.js';
import { checkFinite, checkWeightSizes } from './weight-check.js';
import { isDuplicateWeightError, loadByPosition, uniqueWeightSpecNames } from '../runtime/graph/weight-names.js';
import { dedupeSharedWeights, fixNestedSequentialShapes } from '../runtime/graph/tfjs-fixes.js';

export const WEIGHTS_FILE = 'weights.bin';

function concatWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Writes `dir/model.json` and `dir/weights.bin`. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightData || !artifacts.weightSpecs) throw new Error('model has no weights to save');
      // Nested models may reuse the outer model's layer names: qualify repeated weight names.
      uniqueWeightSpecNames(model, artifacts.weightSpecs);
      const data = concatWeightData(artifacts.weightData);
      // A diverged model is refused before anything is written, so the previous save stays.
      checkFinite(artifacts.weightSpecs, data, 'the model cannot be saved: its weights are not finite');
      await writeFileAtomic(path.join(dir, WEIGHTS_FILE), data);
      await writeJsonAtomic(path.join(dir, 'model.json'), {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'kerats',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

interface ModelJson {
  modelTopology: object;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Reads and shape-checks a model.json, naming it when it does not parse or is not a tfjs layers model. */
async function readModelJson(modelJsonPath: string): Promise<ModelJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(modelJsonPath, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? `it is not valid JSON (${err.message}); the file is damaged` : (err as Error).message;
    throw new DataError(`cannot read model "${modelJsonPath}": ${why}`);
  }
  const json = parsed as Partial<ModelJson> | null;
  if (!json || typeof json !== 'object' || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new DataError(`cannot read model "${modelJsonPath}": it has no "modelTopology" (not a TensorFlow.js layers model.json)`);
  }
  const manifest = json.weightsManifest;
  if (manifest !== undefined && (!Array.isArray(manifest) || manifest.some((g) => !g || !Array.isArray(g.paths) || !Array.isArray(g.weights)))) {
    throw new DataError(`cannot read model "${modelJsonPath}": its "weightsManifest" is malformed (each entry needs "paths" and "weights" lists)`);
  }
  return json as ModelJson;
}

/** An IOHandler that reads a model.json and its weight files from disk, for `tf.loadLayersModel`. */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = await readModelJson(modelJsonPath);
      const dir = path.dirname(modelJsonPath);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      const files: { file: string; bytes: number }[] = [];
      for (const group of json.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          const bytes = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
            throw new DataError(`cannot read the weights "${file}" that "${modelJsonPath}" lists: ${err.code === 'ENOENT' ? 'the file is missing' : err.message}`);
          });
          buffers.push(bytes);
          files.push({ file, bytes: bytes.byteLength });
        }
      }
      checkWeightSizes(modelJsonPath, weightSpecs, files);
      const weightData = concatWeightData(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
      checkFinite(weightSpecs, weightData, `the weights ${files.map((f) => `"${f.file}"`).join(', ')} are not finite (the run diverged or the file is damaged); train again`);
      return { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer as ArrayBuffer };
    },
  };
}

export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  const model = await loadModelAsSaved(modelJsonPath);
  fixNestedSequentialShapes(model);
  dedupeSharedWeights(model);
  return model;
}

async function loadModelAsSaved(modelJsonPath: string): Promise<tf.LayersModel> {
  try {
    try {
      return await tf.loadLayersModel(fileHandler(modelJsonPath));
    } catch (e) {
      // tfjs matches weights by name; nested models repeating layer names are loaded by position.
      if (!isDuplicateWeightError(e)) throw e;
      return await loadByPosition(await (fileHandler(modelJsonPath).load as () => Promise<tf.io.ModelArtifacts>)());
    }
  } catch (e) {
    // A model.json from elsewhere naming unknown classes (or carrying junk) is the user's input: exit 2, no stack.
    if (e instanceof KeratsError) throw e;
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new ModelLoadError(`cannot load the model "${modelJsonPath}": ${msg}`);
  }
}
