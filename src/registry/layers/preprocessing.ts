/**
 * Preprocessing layers that are part of the model.
 * Not offered: Normalization, Discretization, StringLookup, IntegerLookup, TextVectorization,
 * Hashing and the Random* augmentation layers other than what tfjs has (tfjs-layers lacks them or
 * exports them only partially).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';
import { boolArg, numArg, posInt } from './args.js';

type Shape = (number | null)[];
const oneShape = (s: Shape | Shape[]): Shape => [...((Array.isArray(s[0]) ? s[0] : s) as Shape)];

// tfjs 4.22's Resizing reports (height, width, rows) for a batched image, dropping the batch
// axis, and CenterCrop edits its input shape in place; both break the shapes of every later layer.
const ResizingBase = tf.layers.resizing({ height: 1, width: 1 }).constructor as new (args: Parameters<typeof tf.layers.resizing>[0]) => tf.layers.Layer;
const CenterCropBase = tf.layers.centerCrop({ height: 1, width: 1 }).constructor as new (args: Parameters<typeof tf.layers.centerCrop>[0]) => tf.layers.Layer;

class KerasResizing extends ResizingBase {
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    const cfg = this.getConfig();
    s[s.length - 3] = cfg.height as number;
    s[s.length - 2] = cfg.width as number;
    return s;
  }
}

class KerasCenterCrop extends CenterCropBase {
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    const cfg = this.getConfig();
    s[s.length - 3] = cfg.height as number;
    s[s.length - 2] = cfg.width as number;
    return s;
  }
}

export const Rescaling: LayerEntry = {
  name: 'Rescaling',
  category: 'preprocessing',
  description: 'Multiplies inputs by scale and adds offset, e.g. scale: 0.00392156862745098 (1/255) for pixels.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'scale',
  args: {
    scale: { schema: { type: 'number' }, description: 'The scale to apply to the inputs.', required: true },
    offset: numArg('The offset to apply to the inputs.', 0),
  },
  build(a, common) {
    return tf.layers.rescaling({ ...common, scale: a.scale as number, offset: (a.offset as number | undefined) ?? 0 });
  },
};

export const Resizing: LayerEntry = {
  name: 'Resizing',
  category: 'preprocessing',
  description: 'Resizes images to height x width.',
  inputShape: '4-D tensor (batch_size, rows, cols, channels) with channels_last.',
  outputShape: '4-D tensor (batch_size, height, width, channels).',
  args: {
    height: { schema: posInt, description: 'Output height.', required: true },
    width: { schema: posInt, description: 'Output width.', required: true },
    interpolation: { schema: { enum: ['bilinear', 'nearest'] }, description: 'Interpolation method.', default: 'bilinear' },
    crop_to_aspect_ratio: boolArg('Crop to the target aspect ratio before resizing, instead of distorting.', false),
  },
  build(a, common) {
    return new KerasResizing({
      ...common,
      height: a.height as number,
      width: a.width as number,
      interpolation: ((a.interpolation as string | undefined) ?? 'bilinear') as 'bilinear' | 'nearest',
      cropToAspectRatio: (a.crop_to_aspect_ratio as boolean | undefined) ?? false,
    });
  },
};

export const CenterCrop: LayerEntry = {
  name: 'CenterCrop',
  category: 'preprocessing',
  description: 'Crops the central height x width region of images.',
  inputShape: '4-D tensor (batch_size, rows, cols, channels) with channels_last.',
  outputShape: '4-D tensor (batch_size, height, width, channels).',
  args: {
    height: { schema: posInt, description: 'Height of the crop.', required: true },
    width: { schema: posInt, description: 'Width of the crop.', required: true },
  },
  build(a, common) {
    return new KerasCenterCrop({ ...common, height: a.height as number, width: a.width as number });
  },
};

const OUTPUT_MODES: Record<string, 'oneHot' | 'multiHot' | 'count'> = { one_hot: 'oneHot', multi_hot: 'multiHot', count: 'count' };

export const CategoryEncoding: LayerEntry = {
  name: 'CategoryEncoding',
  category: 'preprocessing',
  description: 'Encodes integer category ids as one-hot, multi-hot or count vectors of length num_tokens.',
  inputShape: '1-D (batch_size) or 2-D (batch_size, ids) integer tensor.',
  outputShape: '2-D tensor (batch_size, num_tokens).',
  positional: 'num_tokens',
  args: {
    num_tokens: { schema: posInt, description: 'Number of categories; ids must be in [0, num_tokens).', required: true },
    output_mode: { schema: { enum: Object.keys(OUTPUT_MODES) }, description: 'How ids are encoded.', default: 'multi_hot' },
  },
  build(a, common) {
    return tf.layers.categoryEncoding({
      ...common,
      numTokens: a.num_tokens as number,
      outputMode: OUTPUT_MODES[(a.output_mode as string | undefined) ?? 'multi_hot'] ?? 'multiHot',
    });
  },
};
