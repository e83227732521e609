/**
 * A tfjs LayersModel → Keras 3 `model.to_json()` text (what `keras.models.model_from_json` loads).
 * tfjs's modelTopology is Keras 2's format; fixed here before the Keras 3 conversion
 * (src/saving/keras3/config.ts):
 *   - tfjs writes the full VarianceScaling config under GlorotUniform/HeNormal/...; Keras's classes
 *     take only `seed`; tfjs's "LeCunNormal"/"LeCunUniform" are Keras's "LecunNormal"/"LecunUniform";
 *   - tfjs's VarianceScaling `distribution: "normal"` is a truncated normal: written "truncated_normal".
 * Layers with no Keras equivalent (kerats' expression Lambda) are listed as warnings.
 */
import type * as tf from '@tensorflow/tfjs';
import { KERAS_VERSION, toKeras3Config, type FrontLayer } from '../keras3/config.js';
import type { PyDict, PyJson } from './translate.js';

const SEED_ONLY: Record<string, string> = {
  GlorotUniform: 'GlorotUniform',
  GlorotNormal: 'GlorotNormal',
  HeNormal: 'HeNormal',
  HeUniform: 'HeUniform',
  LeCunNormal: 'LecunNormal',
  LeCunUniform: 'LecunUniform',
};

const isDict = (v: PyJson | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v);

function fix(v: PyJson, warnings: string[]): PyJson {
  if (Array.isArray(v)) return v.map((x) => fix(x, warnings));
  if (!isDict(v)) return v;
  const out: PyDict = {};
  for (const [k, x] of Object.entries(v)) out[k] = fix(x, warnings);
  const cls = out.class_name;
  if (typeof cls === 'string' && isDict(out.config)) {
    if (cls in SEED_ONLY) out.class_name = SEED_ONLY[cls] as string;
    if (cls in SEED_ONLY) out.config = { seed: out.config.seed ?? null };
    // tfjs's 'normal' draws from a truncated normal; Keras 3 accepts only the explicit name.
    if (cls === 'VarianceScaling' && out.config.distribution === 'normal') out.config = { ...out.config, distribution: 'truncated_normal' };
    if (cls === 'Lambda') warnings.push(`layer "${String(out.config.name)}" (Lambda) is a kerats expression (${String(out.config.expr)}); Keras cannot load it without rewriting it as Python`);
  }
  return out;
}

/** The model's tfjs topology with Keras's initializer names, and what Keras cannot load. */
export function fixTfjsTopology(model: tf.LayersModel): { topology: PyDict; warnings: string[] } {
  const warnings: string[] = [];
  const topology = fix(model.toJSON(null, false) as unknown as PyDict, warnings) as PyDict;
  return { topology, warnings };
}

export interface KerasJsonExport {
  /** The Keras 3 `to_json()` document. */
  json: PyDict;
  warnings: string[];
}

/** The Keras 3 architecture JSON for a tfjs model, `front` (learned preprocessing) first. */
export function toKerasJson(model: tf.LayersModel, front: FrontLayer[] = []): KerasJsonExport {
  const { config, warnings } = toKeras3Config(model, front);
  return { json: { ...config, keras_version: KERAS_VERSION, backend: 'tensorflow' }, warnings };
}
