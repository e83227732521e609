/**
 * A tfjs LayersModel → Keras 2 `model.to_json()` text. tfjs's own modelTopology is Keras 2's format
 * already (class names, snake_case config keys, `batch_input_shape` on a Sequential's first layer);
 * what differs and is fixed here:
 *   - the functional model class is written "Model" by tfjs; Keras >= 2.4 writes "Functional";
 *   - tfjs writes the full VarianceScaling config under GlorotUniform/HeNormal/...; Keras's classes
 *     take only `seed`; tfjs's "LeCunNormal"/"LeCunUniform" are Keras's "LecunNormal"/"LecunUniform";
 *   - tfjs's VarianceScaling `distribution: "normal"` is a truncated normal: written "truncated_normal";
 *   - `keras_version` names tfjs; Keras expects a Keras version.
 * Layers with no Keras equivalent (kerats' expression Lambda) are listed as warnings, and so are
 * MultiHeadAttention's call-time options, which Keras does not accept in a layer config.
 */
import type * as tf from '@tensorflow/tfjs';
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

/** MultiHeadAttention options kerats keeps in the layer config but Keras takes as call arguments. */
const MHA_CALL_OPTIONS: Record<string, string> = {
  attention_mask_input: 'attention_mask=<the mask tensor>',
  use_causal_mask: 'use_causal_mask=True',
  return_attention_scores: 'return_attention_scores=True',
};

function fix(v: PyJson, warnings: string[]): PyJson {
  if (Array.isArray(v)) return v.map((x) => fix(x, warnings));
  if (!isDict(v)) return v;
  const out: PyDict = {};
  for (const [k, x] of Object.entries(v)) out[k] = fix(x, warnings);
  const cls = out.class_name;
  if (typeof cls === 'string' && isDict(out.config)) {
    if (cls in SEED_ONLY) out.class_name = SEED_ONLY[cls] as string;
    if (cls in SEED_ONLY) out.config = { seed: out.config.seed ?? null };
    if (cls === 'Model') out.class_name = 'Functional';
    // tfjs's 'normal' draws from a truncated normal; Keras 3 accepts only the explicit name.
    if (cls === 'VarianceScaling' && out.config.distribution === 'normal') out.config = { ...out.config, distribution: 'truncated_normal' };
    if (cls === 'MultiHeadAttention') {
      const calls = Object.keys(MHA_CALL_OPTIONS).filter((k) => k in (out.config as PyDict));
      if (calls.length > 0) {
        const config: PyDict = { ...out.config };
        for (const k of calls) delete config[k];
        out.config = config;
        warnings.push(`layer "${String(config.name)}" (MultiHeadAttention) was called with ${calls.map((k) => MHA_CALL_OPTIONS[k]).join(', ')}: Keras takes these when the layer is called, not in its config, so pass them in Python`);
      }
    }
    if (cls === 'Lambda') warnings.push(`layer "${String(out.config.name)}" (Lambda) is a kerats expression (${String(out.config.expr)}); Keras cannot load it without rewriting it as Python`);
  }
  return out;
}

export interface KerasJsonExport {
  /** The Keras 2 `to_json()` document. */
  json: PyDict;
  warnings: string[];
}

/** The Keras 2 architecture JSON for a tfjs model. */
export function toKerasJson(model: tf.LayersModel): KerasJsonExport {
  const topology = model.toJSON(null, false) as unknown as PyDict;
  const warnings: string[] = [];
  const fixed = fix(topology, warnings) as PyDict;
  return { json: { class_name: fixed.class_name ?? 'Functional', config: fixed.config ?? {}, keras_version: '2.15.0', backend: 'tensorflow' }, warnings };
}
