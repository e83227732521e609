/**
 * What the trainer computes per model output, as Keras's `compile` does for multi-output models:
 * one loss per output (one for all, or a map by output name), its `loss_weights` factor, and its
 * metrics. Log names follow Keras 3: a single-output model logs `loss`, `accuracy`; a
 * multi-output one logs `loss` (the weighted total), `<output>_loss` (each output's unweighted
 * loss) and `<output>_<metric>`.
 */
import * as tf from '@tensorflow/tfjs';
import { bindOutputs } from '../../config/compile-outputs.js';
import type { CompileSpec, LossRef, MetricRef } from '../../config/types.js';
import { lossRefFor, losses, resolveLoss, type ResolvedLoss } from '../../registry/losses.js';
import { createMetric, metrics as metricRegistry } from '../../registry/metrics.js';
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { TensorMap } from '../data/types.js';
import type { StatefulMetric } from '../../registry/metrics-state.js';

export interface OutputPlan {
  /** The output layer's name (the key of its labels in a y map). */
  name: string;
  index: number;
  loss: ResolvedLoss;
  /** `loss_weights` factor for this output (1 when not given). */
  weight: number;
  /** The metrics as the user wrote them (names or `{type, args}`), before prefixing. */
  metricNames: MetricRef[];
  /** Log name of this output's loss (`main_output_loss`), undefined for a single-output model. */
  lossKey?: string;
}

export interface Plan {
  outputs: OutputPlan[];
  multi: boolean;
}

const quote = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** The output layers' names (tf.Sequential leaves `outputNames` empty; its output tensors know their layer). */
export function outputNamesOf(model: tf.LayersModel): string[] {
  if (model.outputNames.length === model.outputs.length) return model.outputNames;
  return model.outputs.map((o) => o.sourceLayer.name);
}

/** The input layers' names, in the order `model.apply` takes the inputs. */
export function inputNamesOf(model: tf.LayersModel): string[] {
  if (model.inputNames.length === model.inputs.length) return model.inputNames;
  return model.inputs.map((i) => i.sourceLayer.name);
}

/** Resolves the compile section against the model's outputs. Throws ConfigError for unknown names, lists of the wrong length. */
export function planOutputs(model: tf.LayersModel, spec: CompileSpec): Plan {
  const names = outputNamesOf(model);
  const multi = names.length > 1;
  const compile = bindOutputs(spec, names);
  const lw = compile.lossWeights;
  const outputs = names.map((name, index): OutputPlan => {
    const ref = lossRefFor(compile.loss, name) as LossRef;
    const loss = resolveLoss(ref);
    if (!loss) {
      const n = typeof ref === 'string' ? ref : ref.type;
      throw new ConfigError({ message: `compile.loss: ${losses.unknownMessage(n)}`, loc: compile.at?.[`loss.${name}`] ?? compile.at?.loss });
    }
    const weight = Array.isArray(lw) ? (lw[index] ?? 1) : (lw?.[name] ?? 1);
    const metricNames = Array.isArray(compile.metrics) ? compile.metrics : (compile.metrics[name] ?? []);
    for (const m of metricNames) {
      const n = typeof m === 'string' ? m : m.type;
      if (!metricRegistry.find(n)) throw new ConfigError({ message: metricRegistry.unknownMessage(n), loc: typeof m === 'string' ? undefined : m.loc });
    }
    return { name, index, loss, weight, metricNames, lossKey: multi ? `${name}_loss` : undefined };
  });
  return { outputs, multi };
}

/** Stateful metrics for every output, named `<metric>` or `<output>_<metric>`. */
export function buildMetrics(model: tf.LayersModel, plan: Plan, yShapes: (readonly (number | null)[])[]): StatefulMetric[][] {
  return plan.outputs.map((o) => {
    const yPredShape = model.outputs[o.index]?.shape ?? [];
    return o.metricNames.map((m) => {
      const name = metricLogName(m);
      return createMetric({
        name: typeof m === 'string' ? m : m.type,
        args: typeof m === 'string' ? {} : m.args,
        loss: o.loss.entry.name,
        yTrueShape: yShapes[o.index] ?? yPredShape,
        yPredShape,
        fromLogits: o.loss.args.from_logits === true,
        logName: plan.multi ? `${o.name}_${name}` : name,
      });
    });
  });
}

/** The name a metric is logged under: as written for strings, else its `name` argument or its canonical name (`auc`). */
export function metricLogName(m: MetricRef): string {
  if (typeof m === 'string') return m;
  if (typeof m.args.name === 'string') return m.args.name;
  return metricRegistry.find(m.type)?.name ?? m.type;
}

/** The labels of one output: the tensor for a single-output model, else the map's entry. */
export function pickOutput(y: tf.Tensor | TensorMap, o: OutputPlan, plan: Plan, which: string): tf.Tensor {
  if (isTensor(y)) {
    if (plan.multi) {
      throw new ConfigError(`the ${which} labels are a single array but the model has ${plan.outputs.length} outputs (${quote(plan.outputs.map((p) => p.name))}); give labels by output name`);
    }
    return y;
  }
  const t = y[o.name] ?? (!plan.multi && Object.keys(y).length === 1 ? Object.values(y)[0] : undefined);
  if (!t) {
    throw new ConfigError(`the ${which} labels have no entry for the output "${o.name}" (given: ${quote(Object.keys(y))})${didYouMean(o.name, Object.keys(y))}`);
  }
  return t;
}

/** The model's input(s) in `model.inputNames` order, from a tensor or a map by input name. */
export function modelInputs(model: tf.LayersModel, x: tf.Tensor | TensorMap, which: string): tf.Tensor | tf.Tensor[] {
  const names = inputNamesOf(model);
  if (isTensor(x)) {
    if (names.length > 1) {
      throw new ConfigError(`the ${which} features are a single array but the model has ${names.length} inputs (${quote(names)}); give features by input name`);
    }
    return x;
  }
  const keys = Object.keys(x);
  if (names.length === 1 && keys.length === 1) return x[names[0] ?? ''] ?? (Object.values(x)[0] as tf.Tensor);
  const out = names.map((n) => {
    const t = x[n];
    if (!t) throw new ConfigError(`the ${which} features have no entry for the model input "${n}" (given: ${quote(keys)})${didYouMean(n, keys)}`);
    return t;
  });
  return out.length === 1 ? (out[0] as tf.Tensor) : out;
}

export function isTensor(v: tf.Tensor | TensorMap): v is tf.Tensor {
  return v instanceof tf.Tensor;
}

/** Every tensor in a tensor-or-map (for disposal and row slicing). */
export function tensorsOf(v: tf.Tensor | TensorMap): tf.Tensor[] {
  return isTensor(v) ? [v] : Object.values(v);
}

/** Applies `f` to the tensor or to every tensor of the map. */
export function mapTensors(v: tf.Tensor | TensorMap, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor | TensorMap {
  if (isTensor(v)) return f(v);
  const out: TensorMap = {};
  for (const [k, t] of Object.entries(v)) out[k] = f(t);
  return out;
}
