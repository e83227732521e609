/**
 * Binary kernels whose stock wasm version is slow when broadcasting along a non-trailing axis.
 * Comparisons, logical ops and Maximum/Minimum are not XNNPACK-backed; with shapes like
 * [128,96,64] vs [128,1,64] (the gradient of GlobalMaxPooling1D / tf.max) they take ~100 ms instead
 * of ~5 ms. Such operands are materialised with the fast Tile first; same shapes, scalars and
 * trailing broadcasts (x + bias) go straight to the stock kernel, which handles them well.
 */
import * as tf from '@tensorflow/tfjs';
import { broadcastTo } from './tile.js';
import { Scratch, asWasmBackend, sizeOf } from './wasm-backend.js';

export const SLOW_BROADCAST_KERNELS = [
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Maximum',
  'Minimum',
  'LogicalAnd',
  'LogicalOr',
];

/** True when `small` repeats as whole contiguous blocks of `out` (scalar or a trailing suffix). */
function cheapBroadcast(small: readonly number[], out: readonly number[]): boolean {
  const dims = [...small];
  while (dims.length > 0 && dims[0] === 1) dims.shift();
  return out.slice(out.length - dims.length).every((d, i) => d === dims[i]);
}

export function makeBroadcastBinary(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const a = args.inputs['a'];
    const b = args.inputs['b'];
    if (!a || !b || a.dtype === 'string' || b.dtype === 'string') return stock.kernelFunc(args);
    const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const aOk = cheapBroadcast(a.shape, out);
    const bOk = cheapBroadcast(b.shape, out);
    if ((aOk && bOk) || sizeOf(out) === 0) return stock.kernelFunc(args);
    const scratch = new Scratch(asWasmBackend(args.backend));
    try {
      const a2 = sizeOf(a.shape) === sizeOf(out) ? a : broadcastTo(scratch, a, out);
      const b2 = sizeOf(b.shape) === sizeOf(out) ? b : broadcastTo(scratch, b, out);
      const res = stock.kernelFunc({ ...args, inputs: { a: { ...a2, shape: out }, b: { ...b2, shape: out } } });
      if (Array.isArray(res)) throw new Error('wasm-kernels: binary kernel returned several tensors');
      return res;
    } finally {
      scratch.dispose();
    }
  };
}
