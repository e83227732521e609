/**
 * Sum and Mean over leading axes for the wasm backend: every bias gradient (Σ over [batch, h, w])
 * and the BatchNormalization moments and gradients. The stock kernels first transpose the reduced
 * axes innermost with a strided transpose (~35 ms for a 128x32x32x32 tensor). Here x is seen as
 * rows [R, C] and summed pairwise: the top half of the rows is added to the bottom half with the
 * XNNPACK Add kernel, on zero-copy views, until one row is left (~5 ms, and pairwise summation
 * rounds better than a running sum). Other reductions stay with the stock kernels: innermost ones
 * need no transpose, and with leading kept axes the stock transpose splits into fast 2-D pieces.
 */
import * as tf from '@tensorflow/tfjs';
import { Scratch, asWasmBackend, f32, sizeOf } from './wasm-backend.js';

/** Σ over the rows of x seen as [rows, cols], in float64. */
function sumRows(scratch: Scratch, x: tf.TensorInfo, rows: number, cols: number): Float64Array {
  const backend = scratch.backend;
  const odd = new Float64Array(cols);
  let cur = x;
  let r = rows;
  while (r > 1) {
    const half = Math.floor(r / 2);
    if (r % 2 === 1) {
      // The unpaired last row is accumulated on the side.
      const v = f32(backend, cur);
      const off = (r - 1) * cols;
      for (let j = 0; j < cols; j++) odd[j] = (odd[j] as number) + (v[off + j] as number);
    }
    const top = scratch.view(cur, 0, [half * cols]);
    const bottom = scratch.view(cur, half * cols, [half * cols]);
    const next = scratch.run('Add', { a: top, b: bottom });
    scratch.dropView(top);
    scratch.dropView(bottom);
    if (cur !== x) backend.disposeData(scratch.release(cur).dataId);
    cur = next;
    r = half;
  }
  const v = f32(backend, cur);
  for (let j = 0; j < cols; j++) odd[j] = (odd[j] as number) + (v[j] as number);
  return odd;
}

export function makeBlockReduce(stock: tf.KernelConfig, mean: boolean): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    if (!x) throw new Error('reduction: missing input');
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam((args.attrs?.['axis'] as number | number[] | undefined) ?? [], x.shape))].sort(
      (p, q) => p - q,
    );
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading || sizeOf(x.shape) === 0) return stock.kernelFunc(args);

    const backend = asWasmBackend(args.backend);
    const r = axes.length;
    const rows = sizeOf(x.shape.slice(0, r));
    const cols = sizeOf(x.shape.slice(r));
    const keep = Boolean(args.attrs?.['keepDims']);
    const outShape = [...(keep ? new Array<number>(r).fill(1) : []), ...x.shape.slice(r)];
    const scratch = new Scratch(backend);
    try {
      const acc = sumRows(scratch, x, rows, cols);
      if (mean) for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) / rows;
      const out = backend.makeOutput(outShape, 'float32');
      f32(backend, out).set(acc);
      return out;
    } finally {
      scratch.dispose();
    }
  };
}
