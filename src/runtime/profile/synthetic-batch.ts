/**
 * One batch of random inputs and targets shaped for a model, for `kerats profile`: layer timings
 * depend on shapes, not on values, so the profiler need not load the config's data. Inputs read
 * by an Embedding are token ids below its input_dim; targets follow the encoding the loss expects
 * (class ids, one-hot rows, 0/1, or real values).
 */
import * as tf from '@tensorflow/tfjs';
import type { CompileSpec } from '../../config/types.js';
import { bindOutputs } from '../../config/compile-outputs.js';
import { targetEncodingFor } from '../../registry/losses.js';

/** Length used for dimensions the model leaves open (variable-length sequences). */
const OPEN_DIM = 32;

function concrete(shape: readonly (number | null)[], batch: number): number[] {
  return shape.map((d, i) => (i === 0 ? batch : (d ?? OPEN_DIM)));
}

/** The vocabulary size of an Embedding reading model input `inputId`, if one does. */
function embeddingVocab(model: tf.LayersModel, inputId: number): number | undefined {
  for (const layer of model.layers) {
    const node = (layer as unknown as { inboundNodes: { inputTensors: { id: number }[] }[] }).inboundNodes[0];
    if (layer.getClassName() === 'Embedding' && node?.inputTensors.some((t) => t.id === inputId)) {
      return Number(layer.getConfig().inputDim);
    }
  }
  return undefined;
}

export function syntheticBatch(model: tf.LayersModel, compile: CompileSpec, batch: number): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const xs = model.inputs.map((s) => {
    const shape = concrete(s.shape, batch);
    const vocab = embeddingVocab(model, s.id);
    if (vocab !== undefined) return tf.randomUniform(shape, 0, vocab, 'int32').cast(s.dtype === 'int32' ? 'int32' : 'float32');
    return s.dtype === 'int32' ? tf.randomUniform(shape, 0, 2, 'int32') : tf.randomUniform(shape);
  });
  const loss = bindOutputs(compile, model.outputs.map((o) => o.sourceLayer.name)).loss;
  const ys = model.outputs.map((s, i) => {
    const shape = concrete(s.shape, batch);
    const classes = shape[shape.length - 1] ?? 1;
    switch (targetEncodingFor(loss, model.outputs[i]?.sourceLayer.name)) {
      case 'sparse':
        return tf.randomUniform(shape.slice(0, -1), 0, classes, 'int32').cast('float32');
      case 'categorical':
        return tf.oneHot(tf.randomUniform(shape.slice(0, -1), 0, classes, 'int32'), classes).cast('float32');
      case 'binary':
        return tf.randomUniform(shape, 0, 2, 'int32').cast('float32');
      default:
        return tf.randomUniform(shape);
    }
  });
  return { xs, ys };
}
