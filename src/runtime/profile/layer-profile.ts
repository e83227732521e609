/**
 * Per-layer forward and backward times of a model's training step, as Caffe's `caffe time` reports
 * them. The model is run layer by layer over its graph (Sequential or functional): each layer's
 * `apply` in training mode is timed on its own (forward); then, in reverse order, each layer's
 * gradient with respect to its inputs and trainable weights is computed from the upstream gradient
 * under the tape, and the forward part of that taped call is subtracted (backward). The loss and
 * the optimizer update are timed as rows of their own. Times come from `tf.time` (kernel time on
 * synchronous backends, GPU-aware elsewhere). Only a layer's first call site (node) is followed, so
 * a layer shared between two branches is timed once.
 */
import * as tf from '@tensorflow/tfjs';
import type { CompileSpec } from '../../config/types.js';
import { bindOutputs } from '../../config/compile-outputs.js';
import { lossRefFor, resolveLoss, type LossFn } from '../../registry/losses.js';
import { ConfigError } from '../../util/errors.js';

export interface LayerTiming {
  name: string;
  /** Keras class name of the layer (`Conv2D`), `Loss` or `Optimizer` for the extra rows. */
  className: string;
  /** Average over the timed batches, milliseconds. */
  forwardMs: number;
  backwardMs: number;
}

export interface ProfileResult {
  backend: string;
  batchSize: number;
  /** Batches timed (after one untimed warm-up batch). */
  batches: number;
  layers: LayerTiming[];
  /** Sums of the rows above (layers and loss), per batch. */
  forwardMs: number;
  backwardMs: number;
  /** The optimizer's weight update, per batch. */
  updateMs: number;
  /** forward + backward + update: one training step, per batch. */
  totalMs: number;
}

interface SymbolicRef {
  id: number;
}
interface NodeLike {
  inputTensors: SymbolicRef[];
  outputTensors: SymbolicRef[];
}
/** What the profiler reads from tfjs's layer graph (public fields without typings). */
interface GraphLayer {
  name: string;
  getClassName(): string;
  inboundNodes: NodeLike[];
  trainableWeights: tf.LayerVariable[];
  apply(x: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[];
}

/** Milliseconds `f` takes on the active backend. */
async function timeMs(f: () => void): Promise<number> {
  const t = await tf.time(f);
  // kernelMs can be an error object on backends that cannot time kernels; wall time is then the figure.
  return typeof t.kernelMs === 'number' && t.kernelMs > 0 ? t.kernelMs : t.wallMs;
}

function single(out: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]): tf.Tensor {
  const t = Array.isArray(out) ? out[0] : out;
  if (!(t instanceof tf.Tensor)) throw new Error('profile: a layer returned no tensor');
  return t;
}

/** The per-sample loss of each output, from the compile section. */
function outputLosses(model: tf.LayersModel, compile: CompileSpec): LossFn[] {
  // Output layer names (a Sequential's outputNames is empty until compiled).
  const loss = bindOutputs(compile, model.outputs.map((o) => o.sourceLayer.name)).loss;
  return model.outputs.map((out) => {
    const name = out.sourceLayer.name;
    const ref = lossRefFor(loss, name);
    const resolved = ref === undefined ? undefined : resolveLoss(ref);
    if (!resolved) throw new ConfigError(`compile.loss: no known loss for output "${name}"`);
    return resolved.compute;
  });
}

interface Acc {
  forward: number;
  backward: number;
}

/**
 * Times `batches` training steps of `model` on inputs `xs` / targets `ys` (one tensor per model
 * input / output, batch-sized), after one warm-up step. Weights are updated by `optimizer`, as in training.
 */
export async function profileModel(
  model: tf.LayersModel,
  compile: CompileSpec,
  optimizer: tf.Optimizer,
  xs: tf.Tensor[],
  ys: tf.Tensor[],
  batches: number,
): Promise<ProfileResult> {
  const layers = (model.layers as unknown as GraphLayer[]).filter((l) => l.getClassName() !== 'InputLayer' && l.inboundNodes.length > 0);
  const lossFns = outputLosses(model, compile);
  const acc = new Map<string, Acc>(layers.map((l) => [l.name, { forward: 0, backward: 0 }]));
  const lossAcc: Acc = { forward: 0, backward: 0 };
  let update = 0;

  for (let b = 0; b <= batches; b++) {
    const timed = b > 0;
    const values = new Map<number, tf.Tensor>();
    model.inputs.forEach((s, i) => values.set(s.id, xs[i] as tf.Tensor));
    const inputsOf = (l: GraphLayer): tf.Tensor[] => (l.inboundNodes[0]?.inputTensors ?? []).map((s) => values.get(s.id) as tf.Tensor);
    const made: tf.Tensor[] = [];

    // Forward, layer by layer.
    for (const l of layers) {
      const ins = inputsOf(l);
      let out: tf.Tensor | undefined;
      const ms = await timeMs(() => {
        out = single(l.apply(ins.length === 1 ? (ins[0] as tf.Tensor) : ins, { training: true }));
      });
      if (!out) continue;
      made.push(out);
      const outRef = l.inboundNodes[0]?.outputTensors[0];
      if (outRef) values.set(outRef.id, out);
      if (timed) (acc.get(l.name) as Acc).forward += ms;
    }
    const preds = model.outputs.map((s) => values.get(s.id) as tf.Tensor);

    // Loss, and its gradient with respect to each prediction.
    const dys = new Map<number, tf.Tensor>();
    const lossOf = (...p: tf.Tensor[]): tf.Scalar => tf.addN(p.map((yp, i) => tf.mean((lossFns[i] as LossFn)(ys[i] as tf.Tensor, yp)))) as tf.Scalar;
    let lossValue: tf.Scalar | undefined;
    const lossFwd = await timeMs(() => {
      lossValue = lossOf(...preds);
    });
    let lossGrads: tf.Tensor[] = [];
    const lossBoth = await timeMs(() => {
      lossGrads = tf.engine().gradients(() => lossOf(...preds), preds, undefined, true).grads;
    });
    lossValue?.dispose();
    model.outputs.forEach((s, i) => {
      const g = lossGrads[i];
      if (g) dys.set(s.id, g);
    });
    if (timed) {
      lossAcc.forward += lossFwd;
      lossAcc.backward += Math.max(0, lossBoth - lossFwd);
    }

    // Backward, in reverse: each layer's input and weight gradients from its output's gradient.
    const weightGrads: tf.NamedTensorMap = {};
    for (const l of [...layers].reverse()) {
      const node = l.inboundNodes[0];
      const dy = node ? dys.get(node.outputTensors[0]?.id ?? -1) : undefined;
      if (!node || !dy) continue;
      const ins = inputsOf(l);
      const diffIns = ins.map((t, i) => ({ t, i })).filter(({ t }) => t.dtype === 'float32' && !model.inputs.some((s) => values.get(s.id) === t));
      const weights = l.trainableWeights.map((w) => w.read() as tf.Variable);
      const xsToDiff = [...diffIns.map((d) => d.t), ...weights];
      if (xsToDiff.length === 0) continue;
      let fwdInTape = 0;
      let grads: tf.Tensor[] = [];
      const both = await timeMs(() => {
        grads = tf.engine().gradients(
          () => {
            const t0 = performance.now();
            const out = single(l.apply(ins.length === 1 ? (ins[0] as tf.Tensor) : ins, { training: true }));
            fwdInTape = performance.now() - t0;
            return out;
          },
          xsToDiff,
          dy,
          true,
        ).grads;
      });
      if (timed) (acc.get(l.name) as Acc).backward += Math.max(0, both - fwdInTape);
      diffIns.forEach(({ i }, k) => {
        const g = grads[k];
        const ref = node.inputTensors[i];
        if (!g || !ref) return;
        const prev = dys.get(ref.id);
        dys.set(ref.id, prev ? tf.add(prev, g) : g);
        // Two branches meeting at one tensor: their gradients add up; the parts are no longer needed.
        if (prev) tf.dispose([prev, g]);
      });
      // applyGradients finds variables by their engine name (unique per model), not the layer's.
      weights.forEach((w, k) => {
        const g = grads[diffIns.length + k];
        if (g) weightGrads[w.name] = g;
      });
    }

    // The optimizer step on the gradients just computed.
    const named = Object.keys(weightGrads).length;
    const ms = named > 0 ? await timeMs(() => optimizer.applyGradients(weightGrads)) : 0;
    if (timed) update += ms;

    tf.dispose([...made, ...dys.values(), ...Object.values(weightGrads), ...lossGrads]);
  }

  const n = Math.max(1, batches);
  const rows: LayerTiming[] = layers.map((l) => {
    const a = acc.get(l.name) as Acc;
    return { name: l.name, className: l.getClassName(), forwardMs: a.forward / n, backwardMs: a.backward / n };
  });
  rows.push({ name: 'loss', className: 'Loss', forwardMs: lossAcc.forward / n, backwardMs: lossAcc.backward / n });
  const forwardMs = rows.reduce((s, r) => s + r.forwardMs, 0);
  const backwardMs = rows.reduce((s, r) => s + r.backwardMs, 0);
  const updateMs = update / n;
  return {
    backend: tf.getBackend(),
    batchSize: xs[0]?.shape[0] ?? 0,
    batches,
    layers: rows,
    forwardMs,
    backwardMs,
    updateMs,
    totalMs: forwardMs + backwardMs + updateMs,
  };
}
