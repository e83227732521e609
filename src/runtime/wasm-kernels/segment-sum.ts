/**
 * UnsortedSegmentSum for the wasm backend (missing from tfjs-backend-wasm 4.22; it is the gradient
 * of gather, i.e. of every Embedding layer). out[s] = Σ x[i] over rows i with segmentIds[i] = s;
 * ids outside [0, numSegments) are dropped, as in TensorFlow. A scatter-add over whole rows: each
 * input element is read once, which is all the work this op has.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, sizeOf } from './wasm-backend.js';

export const unsortedSegmentSum: tf.KernelFunc = (args) => {
  const backend = asWasmBackend(args.backend);
  const x = args.inputs['x'];
  const ids = args.inputs['segmentIds'];
  if (!x || !ids) throw new Error('UnsortedSegmentSum: missing input');
  const numSegments = Number(args.attrs?.['numSegments']);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
  }
  const rows = sizeOf(ids.shape);
  const rowLen = rows === 0 ? 0 : sizeOf(x.shape) / rows;
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  const seg = backend.typedArrayFromHeap(ids);
  dst.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = seg[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const so = i * rowLen;
    const d = s * rowLen;
    for (let j = 0; j < rowLen; j++) dst[d + j] = (dst[d + j] as number) + (src[so + j] as number);
  }
  return out;
};
