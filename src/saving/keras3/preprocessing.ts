/**
 * The preprocessing kerats learned (preprocessing.json) as Keras layers in front of the exported
 * model, so Keras takes the same raw inputs as `kerats predict`:
 *   - standardize / min_max / none on every numeric table feature → one Normalization layer
 *     (mean, variance per feature; Keras computes (x - mean) / sqrt(variance));
 *   - an image or array `rescale` → Rescaling(scale).
 * Categorical and text features are read as strings, which the exported model cannot take: those
 * models take the encoded values, and the vocabularies travel in the metadata.
 * `remaining` is the preprocessing still to apply to raw input after the model took its share,
 * what `kerats predict` does with an exported file.
 */
import type { DataState } from '../../runtime/data/table-source.js';
import type { PyJson } from '../keras-json/translate.js';
import type { FrontLayer } from './config.js';

export interface FoldedPreprocessing {
  front: FrontLayer[];
  remaining: DataState;
  warnings: string[];
}

/**
 * `inputShape`: one sample's shape. A flat row of F features is the whole sample (F values, any
 * rank: Normalization over every axis, statistics in row order) or each step of a sequence (the
 * last axis has F values: over the last axis).
 */
/** A flat list as nested lists of `dims` (row-major). */
function nest(flat: number[], dims: number[]): PyJson {
  if (dims.length <= 1) return flat;
  const [d, ...rest] = dims as [number, ...number[]];
  const step = flat.length / d;
  return Array.from({ length: d }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

export function foldPreprocessing(state: DataState | undefined, inputShape: (number | null)[] = []): FoldedPreprocessing {
  if (!state) return { front: [], remaining: { features: [], encoding: 'regression' }, warnings: [] };
  const front: FrontLayer[] = [];
  const warnings: string[] = [];
  const remaining: DataState = structuredClone(state);
  const table = state.table;
  if (table) {
    const transforms = state.features.map((f) => table.transforms[f] ?? { kind: 'none' as const });
    const textual = transforms.some((t) => t.kind === 'one_hot' || t.kind === 'integer_lookup' || t.kind === 'text');
    const scaled = transforms.some((t) => t.kind === 'standardize' || t.kind === 'min_max');
    if (textual) {
      warnings.push('categorical or text features are encoded by kerats before the model: the exported model takes the encoded values (the vocabularies are in the metadata), and numeric scaling is not folded in');
    } else if (scaled) {
      const mean: number[] = [];
      const variance: number[] = [];
      for (const t of transforms) {
        if (t.kind === 'standardize') {
          mean.push(t.mean);
          variance.push(t.std > 0 ? t.std * t.std : 1);
        } else if (t.kind === 'min_max') {
          mean.push(t.min);
          variance.push(t.max > t.min ? (t.max - t.min) ** 2 : 1);
        } else {
          mean.push(0);
          variance.push(1);
        }
      }
      const size = inputShape.reduce<number>((a, d) => a * (d ?? 0), 1);
      const axis = inputShape.length > 1 && size === mean.length ? inputShape.map((_, i) => i + 1) : inputShape.length === 0 || inputShape[inputShape.length - 1] === mean.length ? -1 : undefined;
      if (axis === undefined) {
        warnings.push(`the model input [${inputShape.join(', ')}] does not line up with the ${mean.length} scaled features, so the scaling is not folded into the model; scale the inputs as preprocessing.json says`);
      } else {
        // Over every axis, Keras wants the statistics in the sample's shape (it only adds the batch axis).
        const shaped = (v: number[]): PyJson => (Array.isArray(axis) ? nest(v, inputShape.map((d) => d ?? 1)) : v);
        front.push({ class_name: 'Normalization', config: { axis, invert: false, mean: shaped(mean), variance: shaped(variance) } });
        if (remaining.table) remaining.table.transforms = {};
      }
    }
  }
  const rescale = state.image?.rescale ?? state.arrays?.rescale;
  if (rescale !== undefined) {
    front.push({ class_name: 'Rescaling', config: { scale: rescale, offset: 0 } });
    if (remaining.image) delete remaining.image.rescale;
    if (remaining.arrays) delete remaining.arrays.rescale;
  }
  return { front, remaining, warnings };
}
