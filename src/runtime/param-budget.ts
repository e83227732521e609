/**
 * Refuses layers too big to allocate, before their weights exist. tfjs allocates a layer's weights
 * when it is added to a model; a typo like `units: 1000000` after a 1,000,000-wide input would ask
 * for 10^12 floats and take the process down. The count here comes from shapes alone (the layer's
 * config and its input shape), in Keras's formulas, for the layer kinds whose weights can be huge.
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../util/errors.js';
import type { SourceLocation } from '../config/types.js';

/** Default ceiling: 250 million parameters (1 GB of float32 weights, more than Node's wasm heap holds with Adam's slots). */
export const DEFAULT_MAX_PARAMS = 250_000_000;

/** The ceiling in force: `KERATS_MAX_PARAMS` when it is a positive number, else the default. */
export function maxParams(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.KERATS_MAX_PARAMS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_PARAMS;
}

type Shape = readonly (number | null)[];
type Cfg = Record<string, unknown>;

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const prod = (v: unknown): number => (Array.isArray(v) ? v.reduce((a: number, b) => a * num(b, 1), 1) : num(v, 1));

/** Parameters of a recurrent cell with `gates` gate blocks (Keras: gates * (in*u + u*u + u)). */
function rnn(cfg: Cfg, inDim: number, gates: number): number {
  const u = num(cfg.units);
  const bias = cfg.useBias === false ? 0 : gates * u * (cfg.resetAfter === true ? 2 : 1);
  return gates * (inDim * u + u * u) + bias;
}

/**
 * Parameters a layer will have on input `inShape` (batch dimension first), from shapes alone; 0
 * for layers whose weights cannot be large (or that this does not know).
 */
export function estimateParams(className: string, cfg: Cfg, inShape: Shape): number {
  const channelsFirst = cfg.dataFormat === 'channelsFirst';
  const inDim = num(inShape[inShape.length - 1] ?? 0);
  const channels = channelsFirst ? num(inShape[1] ?? 0) : inDim;
  const bias = (n: number) => (cfg.useBias === false ? 0 : n);
  switch (className) {
    case 'Dense':
      return inDim * num(cfg.units) + bias(num(cfg.units));
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
      return prod(cfg.kernelSize) * channels * num(cfg.filters) + bias(num(cfg.filters));
    case 'DepthwiseConv2D':
      return prod(cfg.kernelSize) * channels * num(cfg.depthMultiplier, 1) + bias(channels * num(cfg.depthMultiplier, 1));
    case 'SeparableConv2D':
    case 'SeparableConv1D': {
      const dm = num(cfg.depthMultiplier, 1);
      return prod(cfg.kernelSize) * channels * dm + channels * dm * num(cfg.filters) + bias(num(cfg.filters));
    }
    case 'Embedding':
      return num(cfg.inputDim) * num(cfg.outputDim);
    case 'SimpleRNN':
      return rnn(cfg, inDim, 1);
    case 'GRU':
      return rnn(cfg, inDim, 3);
    case 'LSTM':
      return rnn(cfg, inDim, 4);
    default:
      return 0;
  }
}

/**
 * Throws a ConfigError naming the layer and the figure when `layer`, on `inShape`, would exceed
 * the parameter ceiling. Call it after constructing the layer and before adding it to a model.
 */
export function checkParamBudget(layer: tf.layers.Layer, inShape: Shape, what: string, loc?: SourceLocation): void {
  let cfg: Cfg;
  try {
    cfg = layer.getConfig() as Cfg;
  } catch {
    return;
  }
  const className = layer.getClassName();
  let params = estimateParams(className, cfg, inShape);
  // Wrappers: Bidirectional holds two copies of its layer, TimeDistributed one (on the inner shape).
  const inner = cfg.layer as { className?: string; config?: Cfg } | undefined;
  if ((className === 'Bidirectional' || className === 'TimeDistributed') && inner?.className && inner.config) {
    const innerShape = className === 'TimeDistributed' ? [inShape[0] ?? null, ...inShape.slice(2)] : inShape;
    params = estimateParams(inner.className, inner.config, innerShape) * (className === 'Bidirectional' ? 2 : 1);
  }
  const limit = maxParams();
  if (params > limit) {
    const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
    throw new ConfigError({
      message: `${what} would have ${fmt(params)} parameters (${fmt(params * 4 / 2 ** 30)} GiB of float32 weights), over the limit of ${fmt(limit)}; ` +
        'check its size arguments (units, filters, kernel_size, input_dim) and the shape it receives, or raise KERATS_MAX_PARAMS',
      loc,
    });
  }
}
