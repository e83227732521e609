/**
 * The normalised `model` (and each `models:` entry) → `ModelSpec`: layers with their `inputs`
 * taken out of the arguments, functional `inputs` / `outputs`, and the nested models. Also the
 * multi-output halves of `compile` (loss and metrics by output name, loss_weights).
 */
import type { Json, JsonObject, LocInfo } from './normalize.js';
import { entryParts, INPUT_NAMES } from './input-shape.js';
import { entryFromJson, lossFromJson } from '../registry/losses.js';
import { metrics as metricRegistry } from '../registry/metrics.js';
import type { CompileSpec, GraphInput, LayerSpec, MetricRef, ModelSpec, SourceLocation } from './types.js';
import type { BlockOrigin } from './block-origin.js';
import type { DeferredArg } from './deferred.js';

/** What block expansion knows about the layers it produced, by layer pointer (`/model/layers/3`). */
export interface BlockInfo {
  origins: ReadonlyMap<string, BlockOrigin>;
  deferred: ReadonlyMap<string, DeferredArg[]>;
}

const isObj = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const seg = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function modelSpec(model: JsonObject, ptr: string, name: string, locs: Map<string, LocInfo>, blocks?: BlockInfo): ModelSpec {
  const keyLoc = (p: string): SourceLocation | undefined => locs.get(p)?.key ?? locs.get(p)?.value;
  const layers: LayerSpec[] = [];
  ((model.layers as Json[] | undefined) ?? []).forEach((item, i) => {
    const e = entryParts(item);
    if (!e || INPUT_NAMES.has(e.name)) return;
    const args: JsonObject = { ...e.args };
    const argsPtr = `${ptr}/layers/${i}/${seg(e.name)}`;
    const spec: LayerSpec = { type: e.name, args, loc: keyLoc(argsPtr), index: i + 1 };
    const origin = blocks?.origins.get(`${ptr}/layers/${i}`);
    if (origin) spec.origin = origin;
    const deferred = blocks?.deferred.get(`${ptr}/layers/${i}`);
    if (deferred) spec.deferred = deferred;
    if (args.inputs !== undefined) {
      spec.inputs = (Array.isArray(args.inputs) ? args.inputs : [args.inputs]).map(String);
      spec.inputsLoc = locs.get(`${argsPtr}/inputs`)?.value ?? spec.loc;
      delete args.inputs;
    }
    layers.push(spec);
  });
  const spec: ModelSpec = { name, layers };
  // Where the model is written, for graph errors (kept off plain Sequential specs, which never need it).
  const loc = keyLoc(ptr);
  if (loc && (ptr !== '/model' || model.inputs !== undefined || model.outputs !== undefined)) spec.loc = loc;
  if (Array.isArray(model.inputs)) {
    spec.inputs = model.inputs.filter(isObj).map((inp, i): GraphInput => {
      const g: GraphInput = { name: String(inp.name), shape: inp.shape as (number | null)[] };
      if (inp.dtype === 'int32' || inp.dtype === 'float32') g.dtype = inp.dtype;
      if (typeof inp.batch_size === 'number') g.batchSize = inp.batch_size;
      const l = locs.get(`${ptr}/inputs/${i}/name`)?.value ?? keyLoc(`${ptr}/inputs/${i}`);
      if (l) g.loc = l;
      return g;
    });
  }
  if (model.outputs !== undefined) {
    spec.outputs = (Array.isArray(model.outputs) ? model.outputs : [model.outputs]).map(String);
    const l = locs.get(`${ptr}/outputs`)?.value;
    if (l) spec.outputsLoc = l;
    if (Array.isArray(model.outputs)) spec.outputLocs = model.outputs.map((_, k) => locs.get(`${ptr}/outputs/${k}`)?.value);
  }
  if (Array.isArray(model.input_shape)) spec.inputShape = model.input_shape as number[];
  return spec;
}

/** `models:` → specs by name; every spec (the main one included) sees the whole map. */
export function nestedModels(doc: JsonObject, locs: Map<string, LocInfo>, blocks?: BlockInfo): Record<string, ModelSpec> | undefined {
  if (!isObj(doc.models)) return undefined;
  const out: Record<string, ModelSpec> = {};
  for (const [n, m] of Object.entries(doc.models)) if (isObj(m)) out[n] = modelSpec(m, `/models/${seg(n)}`, n, locs, blocks);
  for (const m of Object.values(out)) m.models = out;
  return out;
}

/** Whether a spec needs the functional builder rather than a Sequential stack. */
export function isFunctional(spec: ModelSpec): boolean {
  return spec.inputs !== undefined || spec.outputs !== undefined || spec.layers.some((l) => l.inputs !== undefined || l.type === 'Call' ||
    // Tensor call arguments and models wrapped by TimeDistributed are resolved by the graph builder.
    l.args.initial_state !== undefined || l.args.attention_mask !== undefined || (l.type === 'TimeDistributed' && l.args.model !== undefined));
}

/** compile.loss / metrics / loss_weights as `CompileSpec` wants them (maps kept by output name, lists in output order). */
export function compileOutputs(compile: JsonObject): Pick<CompileSpec, 'loss' | 'metrics' | 'lossWeights'> {
  // Losses and metrics may carry arguments (`{categorical_crossentropy: {from_logits: true}}`): see lossFromJson.
  const loss = lossFromJson(compile.loss);
  const m = compile.metrics;
  const metricRef = (v: unknown): MetricRef => entryFromJson(v, (n) => metricRegistry.find(n)) ?? String(v);
  const list = (m ?? []) as unknown[];
  // A list of lists is one list per output (Keras 3); a flat list is every output's metrics.
  const metrics = isObj(m)
    ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(metricRef)]))
    : list.some(Array.isArray)
      ? list.map((v) => (Array.isArray(v) ? v : [v]).map(metricRef))
      : list.map(metricRef);
  const out: Pick<CompileSpec, 'loss' | 'metrics' | 'lossWeights'> = { loss, metrics };
  const w = compile.loss_weights;
  if (Array.isArray(w)) out.lossWeights = w as number[];
  else if (isObj(w)) out.lossWeights = w as Record<string, number>;
  return out;
}
