/**
 * Conv2D gradients for the wasm backend, expressed as XNNPACK forward convolutions or matmuls, so
 * they run at about forward-conv speed:
 *
 * - Conv2DBackpropFilter (missing from tfjs-backend-wasm 4.22): the filter gradient
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh-pad, ow·s+kw-pad, ci] · dy[b,oh,ow,co]
 *   is a convolution of x seen as [ci, h, w, b] (batch ↔ channels) with dy seen as the filter
 *   [oh, ow, b, co], whose taps are spaced by the forward stride (dilation = stride); when the
 *   filter has fewer taps·in-channels than out-channels (first layers) an im2col matmul is cheaper.
 * - Conv2DBackpropInput (the stock kernel is a scalar loop, ~10x slower than the forward conv): dx
 *   is the convolution of dy, with zeros inserted between rows/columns when stride > 1, with the
 *   filter rotated 180° and its in/out channels swapped, padded by (filter - 1 - pad).
 */
import * as tf from '@tensorflow/tfjs';
import { xnnMatMul } from './batch-matmul.js';
import { Scratch, asWasmBackend, f32, reshaped, type WasmBackend } from './wasm-backend.js';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

export function convInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  const fmt = tf.backend_util.convertConv2DDataFormat((attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
  if (fmt !== 'channelsLast') {
    throw new Error(`wasm backend convolution gradients support only dataFormat 'NHWC' (got '${String(attrs['dataFormat'])}')`);
  }
  const dilations = (attrs['dilations'] as number | [number, number] | undefined) ?? 1;
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs['strides'] as number | [number, number],
    dilations,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    fmt,
  );
}

export function as4(shape: readonly number[], what: string): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${what} must be rank 4, got shape [${shape.join(', ')}]`);
  return [shape[0] ?? 0, shape[1] ?? 0, shape[2] ?? 0, shape[3] ?? 0];
}

/** Copies the top-left [h, w] window of an NHWC tensor (used when a conv would need negative padding). */
function cropNHWC(scratch: Scratch, t: tf.TensorInfo, h: number, w: number): tf.TensorInfo {
  const [n, h0, w0, c] = as4(t.shape, 'crop input');
  const out = scratch.alloc([n, h, w, c]);
  const src = f32(scratch.backend, t);
  const dst = f32(scratch.backend, out);
  const row = w * c;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const s = ((i * h0 + y) * w0) * c;
      dst.set(src.subarray(s, s + row), (i * h + y) * row);
    }
  }
  return out;
}

/**
 * Spreads dy [b, oh, ow, c] onto a zero grid [b, (oh-1)·sh+1, (ow-1)·sw+1, c] (the "fractionally
 * strided" input of a transposed convolution). With `channelStep` > 1 it keeps only channels
 * `channelStart, channelStart + channelStep, ...` (one depthwise multiplier slice).
 */
export function dilateNHWC(
  scratch: Scratch,
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
  channelStart = 0,
  channelStep = 1,
): tf.TensorInfo {
  const [n, oh, ow, cAll] = as4(dy.shape, 'dy');
  const c = Math.floor((cAll - channelStart + channelStep - 1) / channelStep);
  if (sh === 1 && sw === 1 && channelStep === 1) return dy;
  const dh = (oh - 1) * sh + 1;
  const dw = (ow - 1) * sw + 1;
  const out = scratch.alloc([n, dh, dw, c]);
  const src = f32(scratch.backend, dy);
  const dst = f32(scratch.backend, out);
  if (sh !== 1 || sw !== 1) dst.fill(0);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const s = ((i * oh + y) * ow + x) * cAll + channelStart;
        const d = ((i * dh + y * sh) * dw + x * sw) * c;
        if (channelStep === 1 && c >= 16) {
          dst.set(src.subarray(s, s + c), d);
        } else {
          for (let j = 0; j < c; j++) dst[d + j] = src[s + j * channelStep] ?? 0;
        }
      }
    }
  }
  return out;
}

/** Pads (top, bottom, left, right) that make a stride-1 conv of the given extents produce `outH`x`outW`. */
export function padsFor(inH: number, inW: number, effKH: number, effKW: number, top: number, left: number, outH: number, outW: number) {
  return { top, left, bottom: outH - 1 + effKH - inH - top, right: outW - 1 + effKW - inW - left };
}

export function explicitPad(p: { top: number; bottom: number; left: number; right: number }): Pad4 {
  return [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
}

export function makeConv2DBackpropFilter(): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const x = args.inputs['x'];
    const dy = args.inputs['dy'];
    if (!x || !dy) throw new Error('Conv2DBackpropFilter: missing input');
    const attrs = args.attrs ?? {};
    const filterShape = as4(attrs['filterShape'] as number[], 'filterShape');
    const info = convInfo(as4(x.shape, 'x'), filterShape, attrs, false);
    return backpropFilter(backend, x, dy, info);
  };
}

function backpropFilter(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const scratch = new Scratch(backend);
  try {
    // Both methods end in one XNNPACK call that packs dy (P·co elements, P = batch·oh·ow). The
    // matmul method also writes K·P patch values in JS, the conv method transposes x twice; the
    // patches are the cheaper part for filters with few taps·in-channels (K), e.g. first layers
    // (measured: 128x28x28x1, 3x3x32: 14 ms vs 21 ms before; at K=288, co=64 both ~45 ms).
    const k = info.filterHeight * info.filterWidth * info.inChannels;
    return scratch.release(k < info.outChannels ? filterGradByMatMul(scratch, x, dy, info) : filterGradByConv(scratch, x, dy, info));
  } finally {
    scratch.dispose();
  }
}

/** dW via one forward convolution, x as [ci, h, w, b] and dy as the filter [oh, ow, b, co]. */
function filterGradByConv(scratch: Scratch, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  let xT = batchToChannels(scratch, x);
  // [b, oh·ow, co] -> [oh·ow, b, co]: contiguous co runs, cheap even for the stock transpose.
  const dyT = scratch.run('Transpose', { x: reshaped(dy, [batchSize, outHeight * outWidth, outChannels]) }, { perm: [1, 0, 2] });
  const effH = (outHeight - 1) * strideHeight + 1;
  const effW = (outWidth - 1) * strideWidth + 1;
  const pads = padsFor(inHeight, inWidth, effH, effW, padInfo.top, padInfo.left, filterHeight, filterWidth);
  if (pads.bottom < 0 || pads.right < 0) {
    // The last rows/columns of x never meet dy (e.g. 'valid' with a stride that does not divide).
    xT = cropNHWC(scratch, xT, inHeight + Math.min(0, pads.bottom), inWidth + Math.min(0, pads.right));
    pads.bottom = Math.max(0, pads.bottom);
    pads.right = Math.max(0, pads.right);
  }
  const dW = scratch.run(
    'Conv2D',
    { x: xT, filter: reshaped(dyT, [outHeight, outWidth, batchSize, outChannels]) },
    { strides: [1, 1], pad: explicitPad(pads), dataFormat: 'NHWC', dilations: [strideHeight, strideWidth] },
  );
  // [ci, kh·kw, co] -> [kh·kw, ci, co]
  const out = scratch.run('Transpose', { x: reshaped(dW, [inChannels, filterHeight * filterWidth, outChannels]) }, { perm: [1, 0, 2] });
  return reshaped(out, [filterHeight, filterWidth, inChannels, outChannels]);
}

/**
 * [b, h, w, c] -> [c, h, w, b]. The stock 4-D transpose reads with a stride of h·w·c per element
 * (~18 ns/element); a 2-D transpose to [h·w, c, b] and a move of whole b-runs are cache-friendly.
 */
function batchToChannels(scratch: Scratch, x: tf.TensorInfo): tf.TensorInfo {
  const [b, h, w, c] = as4(x.shape, 'x');
  const t = scratch.run('Transpose', { x: reshaped(x, [b, h * w * c]) }, { perm: [1, 0] });
  if (c === 1) return reshaped(t, [1, h, w, b]);
  const out = scratch.run('Transpose', { x: reshaped(t, [h * w, c, b]) }, { perm: [1, 0, 2] });
  return reshaped(out, [c, h, w, b]);
}

/** Rows of x patches per chunk in the matmul method: bounds the im2col buffer to ~16 MB. */
const IM2COL_CHUNK_ELEMENTS = 4 << 20;

/**
 * dW via im2col and XNNPACK, for filters with fewer taps·in-channels (K) than out-channels:
 * dW[K, co] = colsᵀ[K, P] · dy[P, co], in chunks of P so the patch matrix stays small. The patches
 * are written transposed (K rows of P) so dy is used in place as the packed operand: no transpose
 * of dy and none of the result.
 */
function filterGradByMatMul(scratch: Scratch, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const backend = scratch.backend;
  const { batchSize, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const K = KH * KW * CI;
  const P = batchSize * OH * OW;
  const chunk = Math.max(1, Math.min(P, Math.floor(IM2COL_CHUNK_ELEMENTS / K)));
  const single = chunk >= P;
  const acc = single ? undefined : new Float64Array(K * CO);
  const part = scratch.alloc([K, CO]);
  for (let p0 = 0; p0 < P; p0 += chunk) {
    const rows = Math.min(chunk, P - p0);
    const colsT = scratch.alloc([K, rows]);
    const colv = f32(backend, colsT);
    const xv = f32(backend, x);
    for (let r = 0; r < rows; r++) {
      const p = p0 + r;
      const ow = p % OW;
      const oh = Math.floor(p / OW) % OH;
      const b = Math.floor(p / (OW * OH));
      let k = 0;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh - padInfo.top;
        for (let kw = 0; kw < KW; kw++, k += CI) {
          const iw = ow * sw + kw - padInfo.left;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
            for (let c = 0; c < CI; c++) colv[(k + c) * rows + r] = 0;
          } else {
            const s = ((b * H + ih) * W + iw) * CI;
            for (let c = 0; c < CI; c++) colv[(k + c) * rows + r] = xv[s + c] as number;
          }
        }
      }
    }
    const dyRows = single ? dy : scratch.view(dy, p0 * CO, [rows, CO]);
    xnnMatMul(backend, colsT, dyRows, part, K, rows, CO);
    if (dyRows !== dy) scratch.dropView(dyRows);
    backend.disposeData(scratch.release(colsT).dataId);
    if (acc) {
      const pv = f32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (pv[i] as number);
    }
  }
  if (acc) f32(backend, part).set(acc);
  return reshaped(scratch.release(part), [KH, KW, CI, CO]);
}

export function makeConv2DBackpropInput(original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const dy = args.inputs['dy'];
    const filter = args.inputs['filter'];
    if (!dy || !filter) throw new Error('Conv2DBackpropInput: missing input');
    const attrs = args.attrs ?? {};
    const inputShape = as4(attrs['inputShape'] as number[], 'inputShape');
    const info = convInfo(inputShape, as4(filter.shape, 'filter'), { ...attrs, dilations: 1 }, false);
    const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
    const dilH = (outHeight - 1) * strideHeight + 1;
    const dilW = (outWidth - 1) * strideWidth + 1;
    const pads = padsFor(dilH, dilW, filterHeight, filterWidth, filterHeight - 1 - padInfo.top, filterWidth - 1 - padInfo.left, inHeight, inWidth);
    if (pads.top < 0 || pads.left < 0 || pads.bottom < 0 || pads.right < 0) {
      // Only explicit paddings larger than the filter get here; the stock loop handles them.
      return original.kernelFunc(args);
    }
    const scratch = new Scratch(backend);
    try {
      // [kh, kw, ci, co] -> [kh, kw, co, ci], rotated 180° in space.
      const swapped = scratch.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
      const rotated = scratch.run('Reverse', { x: swapped }, { dims: [0, 1] });
      const spread = dilateNHWC(scratch, dy, strideHeight, strideWidth);
      return scratch.release(
        scratch.run('Conv2D', { x: spread, filter: rotated }, { strides: [1, 1], pad: explicitPad(pads), dataFormat: 'NHWC', dilations: [1, 1] }),
      );
    } finally {
      scratch.dispose();
    }
  };
}
