/**
 * Sum and Mean over leading axes for the wasm backend: every bias gradient (Σ over [batch, h, w])
 * and the BatchNormalization moments. The stock kernels first transpose the reduced axes innermost
 * with a strided 2-D transpose (~35 ms for a 128x32x32x32 tensor); accumulating whole rows in
 * float64 is one pass (~15 ms). Other reductions stay with the stock kernels: innermost ones need
 * no transpose, and with leading kept axes the stock transpose splits into fast per-batch pieces.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, f32, sizeOf } from './wasm-backend.js';

export function makeBlockReduce(stock: tf.KernelConfig, mean: boolean): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    if (!x) throw new Error('reduction: missing input');
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam((args.attrs?.['axis'] as number | number[] | undefined) ?? [], x.shape))].sort(
      (p, q) => p - q,
    );
    const first = axes[0] ?? 0;
    const last = axes[axes.length - 1] ?? 0;
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading || last === rank - 1 || sizeOf(x.shape) === 0) return stock.kernelFunc(args);

    const backend = asWasmBackend(args.backend);
    const outer = sizeOf(x.shape.slice(0, first));
    const reduced = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    const keep = Boolean(args.attrs?.['keepDims']);
    const outShape = x.shape.flatMap((d, i) => (i < first || i > last ? [d] : keep ? [1] : []));
    const acc = new Float64Array(outer * inner);
    const xv = f32(backend, x);
    for (let o = 0; o < outer; o++) {
      const a0 = o * inner;
      for (let r = 0; r < reduced; r++) {
        const off = (o * reduced + r) * inner;
        for (let j = 0; j < inner; j++) acc[a0 + j] = (acc[a0 + j] as number) + (xv[off + j] as number);
      }
    }
    if (mean) for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) / reduced;
    const out = backend.makeOutput(outShape, 'float32');
    f32(backend, out).set(acc);
    return out;
  };
}
