/**
 * BatchMatMul for the wasm backend that always reaches XNNPACK's fully-connected path.
 *
 * The stock kernel uses XNNPACK only when neither operand is transposed and both batch sizes are
 * 1; every other case (all backward matmuls: dy·Wᵀ and xᵀ·dy) runs a scalar triple loop that is
 * 10-30x slower. Here transposed operands are transposed explicitly first (the wasm Transpose is
 * ~1 ms for 512x512), a batch-1 right operand is folded into the rows of the left one, and other
 * batches run one XNNPACK call per batch entry on zero-copy views.
 */
import * as tf from '@tensorflow/tfjs';
import { Scratch, asWasmBackend, cFunction, cId, reshaped, shapeBytes, sizeOf, type WasmBackend } from './wasm-backend.js';

const C_ARGS = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];

/**
 * Below this many multiply-adds per batch entry the stock loop is as fast as transposing and
 * packing weights for XNNPACK (measured on the 2-core x86 dev machine: 16³ ties, 32³ is 2-5x faster
 * through XNNPACK).
 */
const MIN_MACS_FOR_XNN = 4096;

/** out[m,n] = a[m,k]·b[k,n] through XNNPACK; a, b and out are row-major, b is packed as weights. */
export function xnnMatMul(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo, m: number, k: number, n: number): void {
  const fn = cFunction(backend, 'BatchMatMul', C_ARGS);
  // Batch 1 and no transposes is the condition for the XNNPACK branch in the C code.
  fn(cId(backend, a), shapeBytes([1, m, k]), 3, cId(backend, b), shapeBytes([1, k, n]), 3, 0, 0, cId(backend, out));
}

export function makeBatchMatMul(original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const a = args.inputs['a'];
    const b = args.inputs['b'];
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    if (!a || !b) throw new Error('BatchMatMul: missing input');
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);

    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    if (m === undefined || n === undefined || k === undefined || k !== kB) return original.kernelFunc(args);
    const batchA = sizeOf(a.shape.slice(0, -2));
    const batchB = sizeOf(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const plain = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    // The stock kernel already uses XNNPACK for `plain`; it also validates and throws on shapes
    // we do not handle (non-broadcastable batches), and tiny products are faster in its loop.
    if (plain || (batchA !== batchB && batchA !== 1 && batchB !== 1) || m * n * k < MIN_MACS_FOR_XNN) {
      return original.kernelFunc(args);
    }

    const outShape = [
      ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
      m,
      n,
    ];
    const scratch = new Scratch(backend);
    try {
      // Row-major [batch, m, k] and [batch, k, n] operands.
      const a3 = transposeA
        ? scratch.run('Transpose', { x: reshaped(a, [batchA, k, m]) }, { perm: [0, 2, 1] })
        : a;
      const b3 = transposeB
        ? scratch.run('Transpose', { x: reshaped(b, [batchB, n, k]) }, { perm: [0, 2, 1] })
        : b;
      const out = backend.makeOutput(outShape, 'float32');
      if (batchB === 1) {
        // One weight matrix for every batch entry: stack the left operands' rows.
        xnnMatMul(backend, a3, b3, out, batchA * m, k, n);
      } else {
        for (let i = 0; i < batch; i++) {
          const ai = batchA === 1 ? a3 : scratch.view(a3, i * m * k, [1, m, k]);
          const bi = scratch.view(b3, i * k * n, [1, k, n]);
          const oi = scratch.view(out, i * m * n, [1, m, n]);
          xnnMatMul(backend, ai, bi, oi, m, k, n);
          for (const v of [ai, bi, oi]) if (v !== a3) scratch.dropView(v);
        }
      }
      return out;
    } finally {
      scratch.dispose();
    }
  };
}
