/** Small helpers the graph builder shares with messages: layer descriptions, names, shapes. */
import type { LayerSpec } from '../../config/types.js';
import { describeUses } from '../../config/block-origin.js';

export type Shape = (number | null)[];

/**
 * "layer 3 (Dense)", "layer 5 (Call shared_lstm)"; a layer from a block by its place in the block
 * and the uses that produced it: `blocks.Encoder.layers[1] (Dense) "enc_ff" (in block "Encoder" used at f.yaml:9:7: `Encoder: {dim: 4}`)`.
 */
export function describeLayer(spec: LayerSpec): string {
  const name = typeof spec.args.name === 'string' ? ` "${spec.args.name}"` : '';
  const target = spec.type === 'Call' ? ` ${String(spec.args.layer)}` : '';
  if (spec.origin) return `${spec.origin.defPath} (${spec.type}${target})${name} (${describeUses(spec.origin.uses)})`;
  return `layer ${spec.index} (${spec.type}${target})${name}`;
}

/** Keras's default layer name: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`. */
export function kerasName(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, ' ').trim();
}

/** `(None, 32)`. */
export function formatShapes(shape: Shape): string {
  const dims = shape.map((d) => (d === null || d === undefined ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}
