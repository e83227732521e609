/**
 * Helpers shared by kerats' own tfjs layers: initializer (de)serialisation in the
 * `{className, config}` form tfjs writes into model.json, and input-shape unpacking.
 */
import * as tf from '@tensorflow/tfjs';

export type Shape = (number | null)[];
export type Initializer = ReturnType<typeof tf.initializers.zeros>;
export type ConfigDict = tf.serialization.ConfigDict;
export type Kwargs = Record<string, unknown>;

/** `{className, config}` for model.json. */
export function serializeInit(init: Initializer): ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}

/** Inverse of `serializeInit`; tfjs registers every initializer class in its SerializationMap. */
export function deserializeInit(v: unknown, fallback: () => Initializer): Initializer {
  if (v instanceof tf.serialization.Serializable) return v as Initializer;
  if (!v || typeof v !== 'object') return fallback();
  const { className, config } = v as { className?: string; config?: ConfigDict };
  const found = className ? tf.serialization.SerializationMap.getMap().classNameMap[className] : undefined;
  if (!found) return fallback();
  const [cls, fromConfig] = found;
  return fromConfig(cls, config ?? {}) as Initializer;
}

/** The list of input shapes whether the layer got one input or several. */
export function shapeList(inputShape: Shape | Shape[]): Shape[] {
  return Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
}

export function tensorList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

export type DropoutFn = (x: tf.Tensor, rate: number) => tf.Tensor;

/** Keras-style dropout, applied only while training; `fn` is a seeded dropout (reproducible runs) when given. */
export function maybeDropout(x: tf.Tensor, rate: number, kwargs: Kwargs, fn?: DropoutFn): tf.Tensor {
  if (!(rate > 0 && kwargs.training === true)) return x;
  return fn ? fn(x, rate) : tf.dropout(x, rate);
}

/** Registers a layer class so `tf.loadLayersModel` finds it by its `className`. */
export function register(cls: tf.serialization.SerializableConstructor<tf.serialization.Serializable>): void {
  tf.serialization.registerClass(cls);
}
