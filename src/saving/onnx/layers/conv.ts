/**
 * Convolutions and pooling. Keras tensors are channels-last (N, ..., C) and ONNX's Conv/Pool take
 * channels-first (N, C, ...): each such node is wrapped in Transpose nodes, so the graph keeps
 * Keras's layout everywhere else and takes the same inputs as the Keras model.
 */
import { int, ints, str, type OnnxGraph } from '../graph.js';
import { layerActivation } from './core.js';
import { findWeight, NotExportable, permute, weight, type Converter, type LayerCall } from './types.js';

const list = (v: unknown, n: number, fallback: number): number[] =>
  Array.isArray(v) ? (v as number[]) : Array.from({ length: n }, () => (typeof v === 'number' ? v : fallback));

const channelsFirst = (call: LayerCall): boolean => call.config.dataFormat === 'channelsFirst';

/** (N, d1..dr, C) → (N, C, d1..dr) unless the layer is channels_first already. */
function toNCHW(g: OnnxGraph, call: LayerCall, x: string, r: number): string {
  return channelsFirst(call) ? x : g.transpose(x, [0, r + 1, ...Array.from({ length: r }, (_, i) => i + 1)], `${call.layer.name}/to_NCHW`);
}

function toNHWC(g: OnnxGraph, call: LayerCall, x: string, r: number): string {
  return channelsFirst(call) ? x : g.transpose(x, [0, ...Array.from({ length: r }, (_, i) => i + 2), 1], `${call.layer.name}/to_NHWC`);
}

function input(call: LayerCall): string {
  const x = call.inputs[0];
  if (x === undefined) throw new NotExportable(call, 'it has no input');
  return x;
}

/** Keras 'same' pads like ONNX SAME_UPPER (the odd pixel at the end). */
function autoPad(call: LayerCall): string {
  const p = call.config.padding;
  if (p === 'same') return 'SAME_UPPER';
  if (p === 'valid' || p === undefined) return 'VALID';
  throw new NotExportable(call, `padding "${String(p)}"`);
}

/** Conv1D/Conv2D: kernel (k..., in, out) → ONNX W (out, in, k...). */
function conv(r: number): Converter {
  return (g, call) => {
    const name = call.layer.name;
    const k = weight(call.layer, 'kernel');
    const W = permute(k.values, k.shape, [r + 1, r, ...Array.from({ length: r }, (_, i) => i)]);
    const b = findWeight(call.layer, 'bias');
    let x = toNCHW(g, call, input(call), r);
    const kernel = k.shape.slice(0, r);
    const dil = list(call.config.dilationRate, r, 1);
    let pad = call.config.padding === 'causal' ? 'VALID' : autoPad(call);
    if (call.config.padding === 'causal') {
      // Causal (Conv1D): pad the start of the sequence by dilation * (kernel - 1), then 'valid'.
      const left = (dil[0] ?? 1) * ((kernel[0] ?? 1) - 1);
      x = g.node('Pad', [x, g.int64Const(`${name}/pads`, [0, 0, left, 0, 0, 0])], { mode: str('constant') }, `${name}/causal_pad`);
      pad = 'VALID';
    }
    const inputs = [x, g.floatConst(`${name}/W`, W.values, W.shape), ...(b ? [g.floatConst(`${name}/B`, b.values, b.shape)] : [])];
    const y = g.node('Conv', inputs, { auto_pad: str(pad), kernel_shape: ints(kernel), strides: ints(list(call.config.strides, r, 1)), dilations: ints(dil) }, `${name}/Conv`);
    return [layerActivation(g, call, toNHWC(g, call, y, r))];
  };
}

/** DepthwiseConv2D: kernel (kh, kw, in, mult) → W (in*mult, 1, kh, kw), group = in. */
function depthwiseW(k: { values: Float32Array; shape: number[] }): { values: Float32Array; shape: number[] } {
  const [kh = 1, kw = 1, cin = 1, mult = 1] = k.shape;
  const p = permute(k.values, k.shape, [2, 3, 0, 1]);
  return { values: p.values, shape: [cin * mult, 1, kh, kw] };
}

const depthwiseConv2d: Converter = (g, call) => {
  const name = call.layer.name;
  const k = weight(call.layer, 'depthwise_kernel');
  const W = depthwiseW(k);
  const b = findWeight(call.layer, 'bias');
  const x = toNCHW(g, call, input(call), 2);
  const inputs = [x, g.floatConst(`${name}/W`, W.values, W.shape), ...(b ? [g.floatConst(`${name}/B`, b.values, b.shape)] : [])];
  const y = g.node('Conv', inputs, { auto_pad: str(autoPad(call)), group: int(k.shape[2] ?? 1), kernel_shape: ints(k.shape.slice(0, 2)), strides: ints(list(call.config.strides, 2, 1)), dilations: ints(list(call.config.dilationRate, 2, 1)) }, `${name}/Conv`);
  return [layerActivation(g, call, toNHWC(g, call, y, 2))];
};

const separableConv2d: Converter = (g, call) => {
  const name = call.layer.name;
  const k = weight(call.layer, 'depthwise_kernel');
  const W = depthwiseW(k);
  const pw = weight(call.layer, 'pointwise_kernel');
  const P = permute(pw.values, pw.shape, [3, 2, 0, 1]);
  const b = findWeight(call.layer, 'bias');
  const x = toNCHW(g, call, input(call), 2);
  const d = g.node('Conv', [x, g.floatConst(`${name}/depthwise_W`, W.values, W.shape)], { auto_pad: str(autoPad(call)), group: int(k.shape[2] ?? 1), kernel_shape: ints(k.shape.slice(0, 2)), strides: ints(list(call.config.strides, 2, 1)), dilations: ints(list(call.config.dilationRate, 2, 1)) }, `${name}/depthwise`);
  const inputs = [d, g.floatConst(`${name}/pointwise_W`, P.values, P.shape), ...(b ? [g.floatConst(`${name}/B`, b.values, b.shape)] : [])];
  const y = g.node('Conv', inputs, { kernel_shape: ints([1, 1]) }, `${name}/pointwise`);
  return [layerActivation(g, call, toNHWC(g, call, y, 2))];
};

/**
 * Conv2DTranspose: kernel (kh, kw, out, in) → W (in, out, kh, kw). Padding as TensorFlow's
 * conv2d_transpose: 'same' gives in*stride, cropping (k - s) split with the smaller half first;
 * a kernel smaller than the stride is completed with output_padding.
 */
const conv2dTranspose: Converter = (g, call) => {
  const name = call.layer.name;
  const k = weight(call.layer, 'kernel');
  const W = permute(k.values, k.shape, [3, 2, 0, 1]);
  const b = findWeight(call.layer, 'bias');
  const strides = list(call.config.strides, 2, 1);
  const dil = list(call.config.dilationRate, 2, 1);
  const same = call.config.padding === 'same';
  if (!same && call.config.padding !== 'valid') throw new NotExportable(call, `padding "${String(call.config.padding)}"`);
  const begin: number[] = [];
  const end: number[] = [];
  const outPad: number[] = [];
  for (let i = 0; i < 2; i++) {
    const kEff = ((k.shape[i] ?? 1) - 1) * (dil[i] ?? 1) + 1;
    const s = strides[i] ?? 1;
    const total = same ? Math.max(kEff - s, 0) : 0;
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
    outPad.push(Math.max(s - kEff, 0));
  }
  const x = toNCHW(g, call, input(call), 2);
  const inputs = [x, g.floatConst(`${name}/W`, W.values, W.shape), ...(b ? [g.floatConst(`${name}/B`, b.values, b.shape)] : [])];
  const y = g.node('ConvTranspose', inputs, { kernel_shape: ints(k.shape.slice(0, 2)), strides: ints(strides), dilations: ints(dil), pads: ints([...begin, ...end]), output_padding: ints(outPad) }, `${name}/ConvTranspose`);
  return [layerActivation(g, call, toNHWC(g, call, y, 2))];
};

function pool(op: 'MaxPool' | 'AveragePool', r: number): Converter {
  return (g, call) => {
    const name = call.layer.name;
    const size = list(call.config.poolSize, r, 2);
    const strides = call.config.strides === null || call.config.strides === undefined ? size : list(call.config.strides, r, 1);
    const x = toNCHW(g, call, input(call), r);
    // Keras's average over a 'same' window counts only the real pixels: count_include_pad = 0.
    const y = g.node(op, [x], { auto_pad: str(autoPad(call)), kernel_shape: ints(size), strides: ints(strides) }, `${name}/${op}`);
    return [toNHWC(g, call, y, r)];
  };
}

function globalPool(op: 'ReduceMax' | 'ReduceMean', r: number): Converter {
  return (g, call) => {
    const axes = channelsFirst(call) ? Array.from({ length: r }, (_, i) => i + 2) : Array.from({ length: r }, (_, i) => i + 1);
    return [g.node(op, [input(call)], { axes: ints(axes), keepdims: int(0) }, call.layer.name)];
  };
}

const zeroPadding1d: Converter = (g, call) => {
  const [l = 0, r = 0] = call.config.padding as number[];
  return [g.node('Pad', [input(call), g.int64Const(`${call.layer.name}/pads`, [0, l, 0, 0, r, 0])], { mode: str('constant') }, call.layer.name)];
};

const zeroPadding2d: Converter = (g, call) => {
  if (channelsFirst(call)) throw new NotExportable(call, 'data_format channels_first');
  const [[t = 0, b = 0] = [], [l = 0, r = 0] = []] = call.config.padding as number[][];
  return [g.node('Pad', [input(call), g.int64Const(`${call.layer.name}/pads`, [0, t, l, 0, 0, b, r, 0])], { mode: str('constant') }, call.layer.name)];
};

const cropping2d: Converter = (g, call) => {
  if (channelsFirst(call)) throw new NotExportable(call, 'data_format channels_first');
  const [[t = 0, b = 0] = [], [l = 0, r = 0] = []] = call.config.cropping as number[][];
  const big = Number.MAX_SAFE_INTEGER;
  const name = call.layer.name;
  return [g.node('Slice', [input(call), g.int64Const(`${name}/starts`, [t, l]), g.int64Const(`${name}/ends`, [b > 0 ? -b : big, r > 0 ? -r : big]), g.int64Const(`${name}/axes`, [1, 2])], {}, name)];
};

const upSampling2d: Converter = (g, call) => {
  if (call.config.interpolation !== undefined && call.config.interpolation !== 'nearest') throw new NotExportable(call, `interpolation "${String(call.config.interpolation)}" (only nearest is exported)`);
  const [sh = 2, sw = 2] = list(call.config.size, 2, 2);
  const name = call.layer.name;
  const x = toNCHW(g, call, input(call), 2);
  const y = g.node('Resize', [x, '', g.floatConst(`${name}/scales`, [1, 1, sh, sw], [4])], { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }, `${name}/Resize`);
  return [toNHWC(g, call, y, 2)];
};

export const CONV_CONVERTERS: Record<string, Converter> = {
  Conv1D: conv(1),
  Conv2D: conv(2),
  Conv2DTranspose: conv2dTranspose,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling1D: pool('MaxPool', 1),
  MaxPooling2D: pool('MaxPool', 2),
  AveragePooling1D: pool('AveragePool', 1),
  AveragePooling2D: pool('AveragePool', 2),
  GlobalMaxPooling1D: globalPool('ReduceMax', 1),
  GlobalMaxPooling2D: globalPool('ReduceMax', 2),
  GlobalAveragePooling1D: globalPool('ReduceMean', 1),
  GlobalAveragePooling2D: globalPool('ReduceMean', 2),
  ZeroPadding1D: zeroPadding1d,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
};
