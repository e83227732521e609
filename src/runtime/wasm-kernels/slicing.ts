/**
 * Slice, Unpack and SplitV for the wasm backend. The stock Slice starts with `readSync`, which
 * copies the whole input out of the heap on every call; Unpack and SplitV call it once per piece,
 * so unstacking a [128, 40, 64] sequence for an RNN copies the sequence 40 times (~90 ms per call).
 * These copy only the selected runs, straight from heap to heap.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, sizeOf, type WasmBackend } from './wasm-backend.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Copies x[begin : begin + size] (per axis) into a new tensor. */
function sliceHeap(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (sizeOf(size) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return out;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (x.shape[i + 1] ?? 1);
  // Trailing axes taken whole are one contiguous run with the last partly-taken axis: slicing a
  // batch of [n, 28, 28, 1] images is then a single copy, not one per pixel.
  let last = rank - 1;
  while (last > 0 && (begin[last] ?? 0) === 0 && size[last] === x.shape[last]) last--;
  const run = (size[last] ?? 1) * (strides[last] ?? 1);
  let d = 0;
  const copy = (dim: number, s: number): void => {
    const from = s + (begin[dim] ?? 0) * (strides[dim] ?? 1);
    if (dim === last) {
      (dst as Heap).set(src.subarray(from, from + run), d);
      d += run;
      return;
    }
    const n = size[dim] ?? 1;
    const st = strides[dim] ?? 1;
    for (let i = 0; i < n; i++) copy(dim + 1, from + i * st);
  };
  copy(0, 0);
  return out;
}

export function makeSlice(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    if (!x) throw new Error('Slice: missing input');
    if (x.dtype === 'string') return stock.kernelFunc(args);
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as unknown as tf.Tensor,
      args.attrs?.['begin'] as number | number[],
      args.attrs?.['size'] as number | number[] | undefined,
    );
    return sliceHeap(asWasmBackend(args.backend), x, begin ?? [], size ?? x.shape);
  };
}

export function makeUnpack(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const value = args.inputs['value'];
    if (!value) throw new Error('Unpack: missing input');
    if (value.dtype === 'string') return stock.kernelFunc(args);
    const backend = asWasmBackend(args.backend);
    const rank = value.shape.length;
    let axis = Number(args.attrs?.['axis'] ?? 0);
    if (axis < 0) axis += rank;
    const n = value.shape[axis] ?? 0;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < n; i++) {
      begin[axis] = i;
      const piece = sliceHeap(backend, value, begin, size);
      outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
    }
    return outs;
  };
}

export function makeSplitV(stock: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const x = args.inputs['x'];
    if (!x) throw new Error('SplitV: missing input');
    if (x.dtype === 'string') return stock.kernelFunc(args);
    const backend = asWasmBackend(args.backend);
    const axis = tf.util.parseAxisParam(args.attrs?.['axis'] as number, x.shape)[0] ?? 0;
    const sizes = tf.backend_util.prepareSplitSize(
      x as unknown as tf.Tensor,
      args.attrs?.['numOrSizeSplits'] as number | number[],
      axis,
    );
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = sliceHeap(backend, x, begin, size);
      begin[axis] = (begin[axis] ?? 0) + s;
      return piece;
    });
  };
}
