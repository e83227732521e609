/**
 * The numeric preprocessing kerats learned, as ONNX nodes in front of the model, so the exported
 * model takes the raw rows `kerats predict` takes: standardize → (x - mean) / std, min_max →
 * (x - min) / (max - min) (0 for a constant column), image and array `rescale` → x * rescale.
 * Categorical and text features are encoded from strings, which stay outside the graph: such a
 * model takes the encoded row (a warning says so, and the metadata records it).
 */
import type { DataState } from '../../runtime/data/table-source.js';
import { widthOf } from '../../runtime/data/preprocess.js';
import type { OnnxGraph } from './graph.js';

export interface FrontEnd {
  /** How the exported model's input relates to `kerats predict`'s input, for the metadata. */
  input: 'raw' | 'encoded';
  warnings: string[];
  /** Adds the nodes after the raw input `x`; returns the model's input value. */
  apply(g: OnnxGraph, x: string): string;
}

const none = (input: FrontEnd['input'], warnings: string[] = []): FrontEnd => ({ input, warnings, apply: (_g, x) => x });

function scaleBy(factor: number | undefined): FrontEnd {
  if (factor === undefined || factor === 1) return none('raw');
  return { input: 'raw', warnings: [], apply: (g, x) => g.node('Mul', [x, g.scalar('preprocess/rescale', factor)], {}, 'preprocess/rescaled') };
}

/** The front end for a run's saved preprocessing (undefined: none was saved). */
export function frontEnd(state: DataState | undefined, inputs: number): FrontEnd {
  if (!state || inputs !== 1) return none('raw');
  if (state.image) return scaleBy(state.image.rescale);
  if (state.arrays) return scaleBy(state.arrays.rescale);
  const table = state.table;
  if (!table) return none('raw');
  const transforms = state.features.map((f) => table.transforms[f] ?? { kind: 'none' as const });
  const encoded = state.features.filter((f) => {
    const k = table.transforms[f]?.kind;
    return k === 'one_hot' || k === 'integer_lookup' || k === 'text';
  });
  if (encoded.length > 0) {
    return none('encoded', [
      `feature${encoded.length === 1 ? '' : 's'} ${encoded.map((f) => `"${f}"`).join(', ')} ${encoded.length === 1 ? 'is' : 'are'} encoded from text (one_hot/integer_lookup/text), ` +
        'which ONNX cannot do on float inputs: the ONNX model takes the encoded, preprocessed row (as the Keras model does), not the raw CSV row',
    ]);
  }
  if (!transforms.some((t) => t.kind === 'standardize' || t.kind === 'min_max')) return none('raw');
  const width = transforms.reduce((w, t) => w + widthOf(t), 0);
  const offset = new Float32Array(width);
  const divisor = new Float32Array(width).fill(1);
  const keep = new Float32Array(width).fill(1);
  transforms.forEach((t, i) => {
    if (t.kind === 'standardize') {
      offset[i] = t.mean;
      divisor[i] = t.std > 0 ? t.std : 1;
    } else if (t.kind === 'min_max') {
      offset[i] = t.min;
      if (t.max > t.min) divisor[i] = t.max - t.min;
      else keep[i] = 0;
    }
  });
  return {
    input: 'raw',
    warnings: [],
    apply: (g, x) => {
      const centred = g.node('Sub', [x, g.floatConst('preprocess/offset', offset, [width])], {}, 'preprocess/centred');
      const scaled = g.node('Div', [centred, g.floatConst('preprocess/divisor', divisor, [width])], {}, 'preprocess/scaled');
      // A constant min_max column is 0 after kerats' scaling.
      return keep.every((k) => k === 1) ? scaled : g.node('Mul', [scaled, g.floatConst('preprocess/keep', keep, [width])], {}, 'preprocess/kept');
    },
  };
}
