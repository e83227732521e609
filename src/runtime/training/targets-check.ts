/**
 * Checks that labels fit the model's output for the loss before training starts, so a mismatch
 * (3 one-hot columns for a 4-unit output, class ids for a 1-unit sigmoid) is reported in Keras
 * terms instead of as a tfjs shape error from deep inside the first batch.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LossEntry } from '../../registry/losses.js';
import { ConfigError } from '../../util/errors.js';

function fmt(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null || d < 0 ? 'None' : String(d))).join(', ')}]`;
}

/** Throws a ConfigError when `y` (labels for `which` data) cannot be compared with the model's output. */
export function checkTargets(model: tf.LayersModel, loss: LossEntry, y: tf.Tensor, whichData: string, outputIndex = 0): void {
  const out = model.outputs[outputIndex]?.shape ?? [];
  const which = model.outputs.length > 1 ? `${whichData} (output "${model.outputs[outputIndex]?.sourceLayer.name ?? outputIndex}")` : whichData;
  const problem = targetProblem(out, loss, y.shape, which);
  if (problem) throw new ConfigError(problem);
}

/**
 * Why labels of shape `yShape` (the batch axis first, None allowed) cannot be compared with an
 * output of shape `out` under `loss`, or undefined when they can. Shared by training (real label
 * tensors) and `kerats validate` (the shapes the data will have).
 */
export function targetProblem(out: readonly (number | null)[], loss: LossEntry, yShape: readonly (number | null)[], which: string): string | undefined {
  const perSampleOut = out.slice(1);
  const units = perSampleOut[perSampleOut.length - 1];
  const outSize = perSampleOut.every((d): d is number => typeof d === 'number') ? perSampleOut.reduce((a, b) => a * b, 1) : undefined;
  const perSampleY = yShape.slice(1);
  if (!perSampleY.every((d): d is number => typeof d === 'number')) return undefined;
  const ySize = perSampleY.reduce((a, b) => a * b, 1);
  const where = `loss "${loss.name}" with the model's output shape ${fmt(out)}`;
  if (loss.target === 'sparse') {
    if (outSize !== undefined && typeof units === 'number' && ySize !== outSize / units) {
      return `${where} needs one integer class id per sample, but the ${which} labels have shape ${fmt(yShape)}; ` +
        'for one-hot labels use "categorical_crossentropy"';
    }
    if (units === 1) {
      return `${where}: the last layer has 1 unit, but "${loss.name}" needs one unit per class; ` +
        'set the last Dense layer\'s units to the number of classes (with softmax), or use "binary_crossentropy" for two classes';
    }
    return undefined;
  }
  if (outSize !== undefined && ySize !== outSize) {
    const hint =
      loss.target === 'categorical'
        ? `; the labels need one column per output unit (${String(units)})`
        : loss.target === 'binary' && typeof units === 'number' && units > 1
          ? '; a binary loss needs one unit per label (a single sigmoid unit for two classes), or use "sparse_categorical_crossentropy" with one unit per class'
          : '';
    return `${where} cannot be compared with the ${which} labels of shape ${fmt(yShape)} (${ySize} value${ySize === 1 ? '' : 's'} per sample, the output has ${outSize})${hint}`;
  }
  return undefined;
}
