/**
 * Identity for the wasm backend without a copy. The engine runs Identity for every tensor it saves
 * for the backward pass (`saveTensorsForBackwardMode` clones each one) and for `tf.clone`; the
 * stock wasm kernel copies the data each time (~700 copies per stacked-LSTM training step, two
 * copies of every Conv2D activation). Tensors are immutable, so, like the cpu backend's Identity
 * and the wasm backend's own Reshape, this one shares the data and counts one more reference.
 */
import type * as tf from '@tensorflow/tfjs';
import { asWasmBackend } from './wasm-backend.js';

export function makeIdentity(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    if (!x || x.dtype === 'string') return stock.kernelFunc(args);
    asWasmBackend(args.backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
