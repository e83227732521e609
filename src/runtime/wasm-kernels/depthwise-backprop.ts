/**
 * DepthwiseConv2dNative gradients for the wasm backend (both missing from tfjs-backend-wasm 4.22;
 * DepthwiseConv2D and SeparableConv2D need them).
 *
 * - Input gradient: per depth-multiplier slice q, an XNNPACK depthwise convolution of dy[..., c·m+q]
 *   (spread by the stride) with the filter slice rotated 180°, summed over q.
 * - Filter gradient: dW[kh,kw,c,q] = Σ_{b,oh,ow} x[b, oh·s+kh·d-pad, ow·s+kw·d-pad, c]·dy[b,oh,ow,c·m+q].
 *   Per channel this is a dot product, not a matrix product, so there is nothing for a GEMM to
 *   reuse; one pass over dy with contiguous channel runs (float64 accumulators, like the cpu
 *   backend) is the cheapest form.
 */
import * as tf from '@tensorflow/tfjs';
import { as4, dilateNHWC, explicitPad, padsFor } from './conv-backprop.js';
import { Scratch, asWasmBackend, f32 } from './wasm-backend.js';

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    as4(xShape, 'x'),
    as4(filterShape, 'filter'),
    attrs['strides'] as number | [number, number],
    (attrs['dilations'] as number | [number, number] | undefined) ?? 1,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

export const depthwiseConv2dNativeBackpropInput: tf.KernelFunc = (args) => {
  const backend = asWasmBackend(args.backend);
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  if (!dy || !filter) throw new Error('DepthwiseConv2dNativeBackpropInput: missing input');
  const attrs = args.attrs ?? {};
  const info = depthwiseInfo(attrs['inputShape'] as number[], filter.shape, attrs);
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const mult = info.outChannels / inChannels;
  const effKH = (filterHeight - 1) * dilationHeight + 1;
  const effKW = (filterWidth - 1) * dilationWidth + 1;
  const dilH = (outHeight - 1) * strideHeight + 1;
  const dilW = (outWidth - 1) * strideWidth + 1;
  const pads = padsFor(dilH, dilW, effKH, effKW, effKH - 1 - padInfo.top, effKW - 1 - padInfo.left, inHeight, inWidth);
  if (pads.top < 0 || pads.left < 0 || pads.bottom < 0 || pads.right < 0) {
    throw new Error('DepthwiseConv2dNativeBackpropInput on wasm: explicit padding larger than the filter is not supported');
  }
  const scratch = new Scratch(backend);
  try {
    let sum: tf.TensorInfo | undefined;
    for (let q = 0; q < mult; q++) {
      const spread = dilateNHWC(scratch, dy, strideHeight, strideWidth, q, mult);
      const rotated = scratch.alloc([filterHeight, filterWidth, inChannels, 1]);
      const src = f32(backend, filter);
      const dst = f32(backend, rotated);
      for (let kh = 0; kh < filterHeight; kh++) {
        for (let kw = 0; kw < filterWidth; kw++) {
          const s = ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * inChannels * mult + q;
          const d = (kh * filterWidth + kw) * inChannels;
          for (let c = 0; c < inChannels; c++) dst[d + c] = src[s + c * mult] ?? 0;
        }
      }
      const part = scratch.run(
        'DepthwiseConv2dNative',
        { x: spread, filter: rotated },
        { strides: [1, 1], pad: explicitPad(pads), dilations: [dilationHeight, dilationWidth] },
      );
      sum = sum === undefined ? part : scratch.run('Add', { a: sum, b: part });
    }
    if (sum === undefined) throw new Error('DepthwiseConv2dNativeBackpropInput: filter has no channels');
    return scratch.release(sum);
  } finally {
    scratch.dispose();
  }
};

export const depthwiseConv2dNativeBackpropFilter: tf.KernelFunc = (args) => {
  const backend = asWasmBackend(args.backend);
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  if (!x || !dy) throw new Error('DepthwiseConv2dNativeBackpropFilter: missing input');
  const attrs = args.attrs ?? {};
  const filterShape = as4(attrs['filterShape'] as number[], 'filterShape');
  const info = depthwiseInfo(x.shape, filterShape, attrs);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const M = info.outChannels / C;
  const CM = C * M;
  const acc = new Float64Array(KH * KW * CM);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - top;
        if (ih < 0 || ih >= H) continue;
        const xRow = (b * H + ih) * W;
        for (let ow = 0; ow < OW; ow++) {
          const dyOff = ((b * OH + oh) * OW + ow) * CM;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw - left;
            if (iw < 0 || iw >= W) continue;
            const xOff = (xRow + iw) * C;
            const wOff = (kh * KW + kw) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) {
                const i = wOff + c;
                acc[i] = (acc[i] as number) + (xv[xOff + c] as number) * (dyv[dyOff + c] as number);
              }
            } else {
              for (let c = 0; c < C; c++) {
                const xc = xv[xOff + c] as number;
                for (let q = 0; q < M; q++) {
                  const i = wOff + c * M + q;
                  acc[i] = (acc[i] as number) + xc * (dyv[dyOff + c * M + q] as number);
                }
              }
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput(filterShape, 'float32');
  f32(backend, out).set(acc);
  return out;
};
