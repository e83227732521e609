/**
 * Keras activations as ONNX nodes (opset 17: Gelu and Mish are composed, they arrive in later
 * opsets). Names are tfjs's activation class names, which is what a layer's `activation` holds.
 */
import { float, int, type OnnxGraph } from './graph.js';

type Apply = (g: OnnxGraph, x: string, base: string) => string;

const unary = (op: string, attrs: Parameters<OnnxGraph['node']>[2] = {}): Apply => (g, x, base) => g.node(op, [x], attrs, `${base}/${op}`);
const clip = (lo: number, hi: number): Apply => (g, x, base) => g.node('Clip', [x, g.scalar(`${base}/clip_min`, lo), g.scalar(`${base}/clip_max`, hi)], {}, `${base}/Clip`);
const mulX = (inner: Apply): Apply => (g, x, base) => g.node('Mul', [x, inner(g, x, base)], {}, `${base}/Mul`);

const ACTIVATIONS: Record<string, Apply> = {
  linear: (_g, x) => x,
  relu: unary('Relu'),
  relu6: clip(0, 6),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  softmax: unary('Softmax', { axis: int(-1) }),
  logSoftmax: unary('LogSoftmax', { axis: int(-1) }),
  elu: unary('Elu', { alpha: float(1) }),
  selu: unary('Selu'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  // tfjs's hard sigmoid: clip(0.2 x + 0.5, 0, 1), ONNX HardSigmoid's defaults.
  hardSigmoid: unary('HardSigmoid', { alpha: float(0.2), beta: float(0.5) }),
  swish: mulX(unary('Sigmoid')),
  mish: mulX((g, x, base) => g.node('Tanh', [g.node('Softplus', [x], {}, `${base}/Softplus`)], {}, `${base}/Tanh`)),
  gelu: (g, x, base) => {
    // 0.5 x (1 + erf(x / sqrt 2)), tfjs's exact gelu.
    const erf = g.node('Erf', [g.node('Div', [x, g.scalar(`${base}/sqrt2`, Math.SQRT2)], {}, `${base}/Div`)], {}, `${base}/Erf`);
    const onePlus = g.node('Add', [erf, g.scalar(`${base}/one`, 1)], {}, `${base}/Add`);
    return g.node('Mul', [g.node('Mul', [x, onePlus], {}, `${base}/Mul`), g.scalar(`${base}/half`, 0.5)], {}, `${base}/Mul`);
  },
  gelu_new: (g, x, base) => {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), tfjs's gelu_new.
    const cube = g.node('Pow', [x, g.scalar(`${base}/three`, 3)], {}, `${base}/Pow`);
    const inner = g.node('Add', [x, g.node('Mul', [cube, g.scalar(`${base}/c`, 0.044715)], {}, `${base}/Mul`)], {}, `${base}/Add`);
    const t = g.node('Tanh', [g.node('Mul', [inner, g.scalar(`${base}/k`, Math.sqrt(2 / Math.PI))], {}, `${base}/Mul`)], {}, `${base}/Tanh`);
    const onePlus = g.node('Add', [t, g.scalar(`${base}/one`, 1)], {}, `${base}/Add`);
    return g.node('Mul', [g.node('Mul', [x, onePlus], {}, `${base}/Mul`), g.scalar(`${base}/half`, 0.5)], {}, `${base}/Mul`);
  },
  exponential: unary('Exp'),
  leaky_relu: unary('LeakyRelu', { alpha: float(0.2) }),
  log_sigmoid: (g, x, base) => g.node('Neg', [g.node('Softplus', [g.node('Neg', [x], {}, `${base}/Neg`)], {}, `${base}/Softplus`)], {}, `${base}/Neg`),
  hard_silu: mulX(unary('HardSigmoid', { alpha: float(1 / 6), beta: float(0.5) })),
  celu: unary('Celu', { alpha: float(1) }),
  hard_tanh: clip(-1, 1),
  hard_shrink: unary('Shrink', { lambd: float(0.5), bias: float(0) }),
  soft_shrink: unary('Shrink', { lambd: float(0.5), bias: float(0.5) }),
  tanh_shrink: (g, x, base) => g.node('Sub', [x, g.node('Tanh', [x], {}, `${base}/Tanh`)], {}, `${base}/Sub`),
  squareplus: (g, x, base) => {
    const root = g.node('Sqrt', [g.node('Add', [g.node('Mul', [x, x], {}, `${base}/Square`), g.scalar(`${base}/four`, 4)], {}, `${base}/Add`)], {}, `${base}/Sqrt`);
    return g.node('Div', [g.node('Add', [x, root], {}, `${base}/Add`), g.scalar(`${base}/two`, 2)], {}, `${base}/Div`);
  },
};

/** The activation's class name, from a layer's activation object (or undefined: linear). */
export function activationName(act: unknown): string {
  if (act === undefined || act === null) return 'linear';
  const o = act as { getClassName?: () => string };
  return typeof o.getClassName === 'function' ? o.getClassName() : String(act);
}

export function hasActivation(name: string): boolean {
  return name in ACTIVATIONS;
}

/** Applies the named activation to x; undefined when ONNX has no form of it here. */
export function applyActivation(g: OnnxGraph, name: string, x: string, base: string): string | undefined {
  const f = ACTIVATIONS[name];
  return f ? f(g, x, base) : undefined;
}
