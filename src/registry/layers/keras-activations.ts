/**
 * Keras activations that tfjs lacks, registered with tfjs's serialization so that layers accept
 * them by name (`activation: 'leaky_relu'`) and saved models load back in kerats.
 * Element-wise only: `glu` (halves the last axis), `sparsemax` and `threshold` (needs arguments)
 * are not offered.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '@tensorflow/tfjs-layers/dist/activations.js';

/** tfjs does not export the Activation base class at runtime; reach it through a layer's activation. */
const probe = tf.layers.activation({ activation: 'relu' }) as unknown as { activation: Activation };
const ActivationBase = Object.getPrototypeOf(probe.activation.constructor) as abstract new () => Activation;

type Fn = (x: tf.Tensor) => tf.Tensor;

function define(className: string, fn: Fn): void {
  class Custom extends ActivationBase {
    static className = className;
    apply(x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => fn(x));
    }
  }
  tf.serialization.registerClass(Custom as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

const relu6 = (x: tf.Tensor): tf.Tensor => tf.clipByValue(x, 0, 6);
const hardSilu: Fn = (x) => tf.mul(x, tf.div(relu6(tf.add(x, 3)), 6));

/** Keras name → the class name registered here (tfjs looks activations up by class name). */
export const EXTRA_ACTIVATIONS: Record<string, string> = {
  exponential: 'exponential',
  leaky_relu: 'leaky_relu',
  log_sigmoid: 'log_sigmoid',
  hard_silu: 'hard_silu',
  hard_swish: 'hard_silu',
  celu: 'celu',
  hard_tanh: 'hard_tanh',
  hard_shrink: 'hard_shrink',
  soft_shrink: 'soft_shrink',
  tanh_shrink: 'tanh_shrink',
  sparse_plus: 'sparse_plus',
  squareplus: 'squareplus',
};

define('exponential', (x) => tf.exp(x));
// Keras 3's `leaky_relu` function slopes 0.2 (the LeakyReLU layer's default is 0.3).
define('leaky_relu', (x) => tf.leakyRelu(x, 0.2));
define('log_sigmoid', (x) => tf.logSigmoid(x));
define('hard_silu', hardSilu);
define('celu', (x) => tf.add(tf.relu(x), tf.minimum(0, tf.sub(tf.exp(x), 1))));
define('hard_tanh', (x) => tf.clipByValue(x, -1, 1));
define('hard_shrink', (x) => tf.where(tf.greater(tf.abs(x), 0.5), x, tf.zerosLike(x)));
define('soft_shrink', (x) =>
  tf.where(tf.greater(x, 0.5), tf.sub(x, 0.5), tf.where(tf.less(x, -0.5), tf.add(x, 0.5), tf.zerosLike(x))));
define('tanh_shrink', (x) => tf.sub(x, tf.tanh(x)));
// sparse_plus: 0 for x <= -1, (x+1)^2/4 for |x| < 1, x for x >= 1.
define('sparse_plus', (x) =>
  tf.where(tf.lessEqual(x, -1), tf.zerosLike(x), tf.where(tf.greaterEqual(x, 1), x, tf.div(tf.square(tf.add(x, 1)), 4))));
define('squareplus', (x) => tf.div(tf.add(x, tf.sqrt(tf.add(tf.square(x), 4))), 2));
