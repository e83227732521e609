/**
 * Layer inspection (Keras's `K.function([model.input], [model.layers[i].output])`): a model that
 * maps the original inputs to one layer's output, for `kerats predict --layer NAME`.
 */
import * as tf from '@tensorflow/tfjs';
import { didYouMean } from '../util/suggest.js';
import { ConfigError } from '../util/errors.js';

/** The sub-model from `model`'s inputs to the output of its layer `layerName` (weights shared). */
export function activationModel(model: tf.LayersModel, layerName: string): tf.LayersModel {
  const names = model.layers.map((l) => l.name);
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) {
    throw new ConfigError(`the model has no layer "${layerName}"${didYouMean(layerName, names)}; its layers are: ${names.join(', ')}`);
  }
  let output: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    output = layer.output;
  } catch {
    // A layer called more than once (shared) has several outputs; its first call is what Keras's layer.output refuses.
    throw new ConfigError(`layer "${layerName}" is used more than once in the model; inspect the layer after it instead`);
  }
  return tf.model({ inputs: model.inputs, outputs: output, name: `${model.name}_${layerName}` });
}
