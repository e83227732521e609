/** BatchNormalization (inference: a per-channel scale and shift) and LayerNormalization. */
import { float, int } from '../graph.js';
import { findWeight, normAxis, NotExportable, type Converter } from './types.js';

const input = (c: Parameters<Converter>[1]): string => {
  const x = c.inputs[0];
  if (x === undefined) throw new NotExportable(c, 'it has no input');
  return x;
};

/**
 * y = gamma (x - mean) / sqrt(var + eps) + beta folded into y = x * scale + shift, with the
 * constants shaped to broadcast along the layer's axis in Keras's layout (no transposes needed).
 */
const batchNormalization: Converter = (g, call) => {
  const name = call.layer.name;
  const rank = call.inputShapes[0]?.length ?? 2;
  const rawAxis = call.config.axis ?? -1;
  if (Array.isArray(rawAxis) && rawAxis.length !== 1) throw new NotExportable(call, 'normalisation over several axes');
  const axis = normAxis(Array.isArray(rawAxis) ? (rawAxis[0] as number) : (rawAxis as number), rank);
  const mean = findWeight(call.layer, 'moving_mean');
  const variance = findWeight(call.layer, 'moving_variance');
  if (!mean || !variance) throw new NotExportable(call, 'it has no moving statistics');
  const gamma = findWeight(call.layer, 'gamma');
  const beta = findWeight(call.layer, 'beta');
  const eps = (call.config.epsilon as number | undefined) ?? 1e-3;
  const c = mean.values.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = (gamma?.values[i] ?? 1) / Math.sqrt((variance.values[i] ?? 1) + eps);
    scale[i] = s;
    shift[i] = (beta?.values[i] ?? 0) - (mean.values[i] ?? 0) * s;
  }
  // Broadcast shape over the non-batch axes: C at `axis`, 1 elsewhere.
  const dims = Array.from({ length: rank - 1 }, (_, i) => (i + 1 === axis ? c : 1));
  const y = g.node('Mul', [input(call), g.floatConst(`${name}/scale`, scale, dims)], {}, `${name}/Mul`);
  return [g.node('Add', [y, g.floatConst(`${name}/shift`, shift, dims)], {}, name)];
};

/** ONNX LayerNormalization normalises over the trailing axes from `axis` on, as Keras does for a trailing axis list. */
const layerNormalization: Converter = (g, call) => {
  const name = call.layer.name;
  const rank = call.inputShapes[0]?.length ?? 2;
  const raw = call.config.axis ?? -1;
  const axes = (Array.isArray(raw) ? (raw as number[]) : [raw as number]).map((a) => normAxis(a, rank)).sort((a, b) => a - b);
  const first = axes[0] ?? rank - 1;
  if (axes.some((a, i) => a !== first + i) || (axes.at(-1) ?? 0) !== rank - 1) throw new NotExportable(call, `axis [${axes.join(', ')}] is not the trailing axes`);
  const normShape = (call.inputShapes[0] ?? []).slice(first).map((d) => d ?? 0);
  if (normShape.some((d) => d <= 0)) throw new NotExportable(call, 'the normalised axes need known sizes');
  const size = normShape.reduce((a, b) => a * b, 1);
  const gamma = findWeight(call.layer, 'gamma');
  const beta = findWeight(call.layer, 'beta');
  const scale = g.floatConst(`${name}/gamma`, gamma?.values ?? new Float32Array(size).fill(1), normShape);
  const bias = g.floatConst(`${name}/beta`, beta?.values ?? new Float32Array(size), normShape);
  const eps = (call.config.epsilon as number | undefined) ?? 1e-3;
  return [g.node('LayerNormalization', [input(call), scale, bias], { axis: int(first), epsilon: float(eps) }, name)];
};

export const NORMALIZATION_CONVERTERS: Record<string, Converter> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
};
