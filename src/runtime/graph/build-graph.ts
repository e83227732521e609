/**
 * Builds a Keras functional model (`tf.model({inputs, outputs})`) from a `ModelSpec`: named
 * inputs, layers called on named inputs (the previous entry when not said), shared layers
 * (`Call: {layer: NAME}` calls an already-defined layer again with the same weights), models from
 * `models:` used as layers (also wrapped: `TimeDistributed: {model: NAME}`), and several outputs.
 * A layer with several outputs (an RNN with return_state) is addressed per output as `NAME[k]`;
 * Keras's tensor call arguments (`initial_state`, `attention_mask`) name tensors the same way and
 * are passed after the layer's inputs.
 *
 * Entries may refer to layers written further down the list; the builder orders them by their
 * dependencies and reports a cycle, an unknown name or an output nobody produces against the
 * user's text, as ConfigErrors.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec, SourceLocation } from '../../config/types.js';
import { layers as layerRegistry } from '../../registry/layers/index.js';
import { splitCommonArgs } from '../../registry/layers/common.js';
import { mixSeed } from '../../registry/layers/seed.js';
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { describeLayer, errorText, formatShapes, kerasName, type Shape } from './names.js';
import { checkParamBudget } from '../param-budget.js';
import { deferredRefs } from '../../config/deferred.js';
import { fillDeferredArgs } from './deferred-args.js';
import { dedupeSharedWeights, fixNestedSequentialShapes, relinkWrappedModels } from './tfjs-fixes.js';

export interface GraphBuildOptions {
  seed?: number;
  /** Builds a model from `models:` (the dispatcher in model-builder.ts: Sequential or functional). */
  buildNested: (spec: ModelSpec, seed: number | undefined) => tf.LayersModel;
  /** Models already built, by name: one instance per name, so every call shares its weights. */
  nested?: Map<string, tf.LayersModel>;
  /** Names of the models being built, outermost first (a model that calls itself is an error). */
  stack?: string[];
}

/**
 * What a name in `inputs` / `outputs` stands for. `output` picks one output of a layer with
 * several (`encoder_lstm[1]`: an LSTM's state h with return_state); `ref`/`loc` are for messages.
 */
type Producer =
  | { kind: 'input'; index: number }
  | { kind: 'entry'; entry: number; output?: number; ref?: string; loc?: SourceLocation };

/**
 * Keras call arguments that are tensors, written as layer arguments naming them like `inputs`
 * does: `LSTM: {initial_state: [encoder_lstm[1], encoder_lstm[2]]}` is Keras's
 * `LSTM(...)(x, initial_state=[h, c])`. They are passed to the layer after its inputs.
 */
const TENSOR_CALL_ARGS = ['initial_state', 'attention_mask'] as const;

interface Entry {
  spec: LayerSpec;
  /** The layer's name (explicit or Keras-style default); for a Call, its `name` if any. */
  name?: string;
  /** For a Call: the layer or model it calls. */
  target?: string;
  deps: number[];
  refs: Producer[];
}

const CALL = 'Call';

export function buildFunctional(spec: ModelSpec, opts: GraphBuildOptions): tf.LayersModel {
  const nested = opts.nested ?? new Map<string, tf.LayersModel>();
  const stack = opts.stack ?? [];
  const inputs = modelInputs(spec);
  if (spec.layers.length === 0) throw new ConfigError({ message: `model "${spec.name}" has no layers`, loc: spec.loc });

  // 1. Names: explicit ones must be unique; others get Keras's defaults (dense, dense_1, ...).
  const byName = new Map<string, Producer>();
  const where = new Map<string, string>();
  inputs.forEach((inp, index) => {
    byName.set(inp.name, { kind: 'input', index });
    where.set(inp.name, `input "${inp.name}"`);
  });
  const entries: Entry[] = spec.layers.map((s) => ({ spec: s, deps: [], refs: [] }));
  entries.forEach((e, i) => {
    const n = e.spec.args.name;
    if (typeof n !== 'string') return;
    const clash = where.get(n);
    if (clash) throw new ConfigError({ message: `${describeLayer(e.spec)} is named "${n}", like ${clash}; names must be unique within a model`, loc: e.spec.loc });
    e.name = n;
    byName.set(n, { kind: 'entry', entry: i });
    where.set(n, describeLayer(e.spec));
  });
  const counters = new Map<string, number>();
  for (const e of entries) {
    if (e.name !== undefined || e.spec.type === CALL) continue;
    const base = kerasName(e.spec.type);
    let n = counters.get(base) ?? 0;
    let candidate = n === 0 ? base : `${base}_${n}`;
    while (where.has(candidate)) candidate = `${base}_${++n}`;
    counters.set(base, n + 1);
    e.name = candidate;
    byName.set(candidate, { kind: 'entry', entry: entries.indexOf(e) });
    where.set(candidate, describeLayer(e.spec));
  }
  // `NAME@k`: the k-th call of a shared layer (0 is its own entry, then each Call in list order).
  // A `models:` entry has no entry of its own in this graph, so its first Call is `@0`.
  const calls = new Map<string, number[]>();
  entries.forEach((e, i) => {
    if (e.spec.type !== CALL) {
      if (e.name) calls.set(e.name, [i]);
      return;
    }
    e.target = String(e.spec.args.layer);
  });
  entries.forEach((e, i) => {
    if (e.spec.type !== CALL || e.target === undefined) return;
    const list = calls.get(e.target);
    if (list) list.push(i);
    else if (spec.models?.[e.target]) calls.set(e.target, [i]);
  });
  for (const [n, list] of calls) list.forEach((entry, k) => byName.set(`${n}@${k}`, { kind: 'entry', entry }));

  const byIndex = new Map<number, number>();
  entries.forEach((e, i) => byIndex.set(e.spec.index, i));
  const known = (): string[] => [...byName.keys()];

  const resolve = (ref: string, loc: SourceLocation | undefined, who: string): Producer => {
    // `NAME[k]`: the k-th output of a layer with several outputs.
    const indexed = /^(.+)\[(\d+)\]$/.exec(ref);
    if (indexed) {
      const base = resolve(indexed[1] ?? '', loc, who);
      if (base.kind === 'input') throw new ConfigError({ message: `${who} refers to "${ref}", but "${indexed[1]}" is a model input, which has one output; write "${indexed[1]}"`, loc });
      return { ...base, output: Number(indexed[2]), ref, loc };
    }
    const p = byName.get(ref);
    if (p) return p;
    const internal = /^#(\d+)$/.exec(ref);
    if (internal) {
      const i = byIndex.get(Number(internal[1]));
      return i === undefined ? { kind: 'input', index: 0 } : { kind: 'entry', entry: i };
    }
    const shared = /^(.*)@(\d+)$/.exec(ref);
    const candidates = ref.includes('@') ? known() : known().filter((k) => !k.includes('@'));
    const extra = shared && calls.has(shared[1] ?? '')
      ? `; "${shared[1]}" is called ${calls.get(shared[1] ?? '')?.length ?? 0} time(s), numbered from @0`
      : `; defined names: ${known().filter((k) => !k.includes('@')).map((k) => `"${k}"`).join(', ')}`;
    throw new ConfigError({ message: `${who} refers to "${ref}", which is not an input or a layer of model "${spec.name}"${didYouMean(ref, candidates)}${extra}`, loc });
  };

  // 2. Dependencies: named inputs, or else the previous entry (the first entry takes the first input).
  entries.forEach((e, i) => {
    const who = describeLayer(e.spec);
    if (e.spec.inputs) {
      e.refs = e.spec.inputs.map((r) => resolve(r, e.spec.inputsLoc ?? e.spec.loc, who));
    } else {
      e.refs = [i === 0 ? { kind: 'input', index: 0 } : { kind: 'entry', entry: i - 1 }];
    }
    for (const arg of TENSOR_CALL_ARGS) {
      const v = e.spec.args[arg];
      if (v === undefined || v === null || e.spec.type === CALL) continue;
      const refs = (Array.isArray(v) ? v : [v]).map(String);
      e.refs.push(...refs.map((r) => resolve(r, e.spec.loc, `${who}'s ${arg}`)));
    }
    e.deps = e.refs.flatMap((r) => (r.kind === 'entry' ? [r.entry] : []));
    // `${input.shape[-1]}` in a block: the tensors it reads must exist before this layer is built.
    for (const d of e.spec.deferred ?? []) {
      for (const r of deferredRefs(d.value)) {
        const p = resolve(r, d.loc, who);
        if (p.kind === 'entry') e.deps.push(p.entry);
      }
    }
    if (e.spec.type === CALL && e.target !== undefined) {
      const t = byName.get(e.target);
      if (t?.kind === 'entry') {
        if (entries[t.entry]?.spec.type === CALL) {
          throw new ConfigError({ message: `${who} calls "${e.target}", which is itself a Call; call the layer it calls instead`, loc: e.spec.loc });
        }
        e.deps.push(t.entry); // the layer must exist (and make its own first call) before it is shared
      } else if (t?.kind === 'input') {
        throw new ConfigError({ message: `${who} calls "${e.target}", which is a model input, not a layer`, loc: e.spec.loc });
      } else if (!spec.models?.[e.target]) {
        const candidates = [...calls.keys(), ...Object.keys(spec.models ?? {})];
        throw new ConfigError({
          message: `${who} calls "${e.target}", which is neither a layer of this model nor a model under "models:"${didYouMean(e.target, candidates)}`,
          loc: e.spec.loc,
        });
      }
    }
  });

  // 3. Order by dependencies; a cycle is an error that names its members.
  const order = topoOrder(entries);

  // 4. Build and call each layer.
  const outputsOf = new Map<number, tf.SymbolicTensor[]>();
  const layerObjects = new Map<number, tf.layers.Layer>();
  const tensorOf = (p: Producer): tf.SymbolicTensor => {
    if (p.kind === 'input') return inputs[p.index]?.tensor ?? (inputs[0]?.tensor as tf.SymbolicTensor);
    const outs = outputsOf.get(p.entry) as tf.SymbolicTensor[];
    const k = p.output ?? 0;
    if (k >= outs.length) throw outputIndexError(p, entries[p.entry] as Entry, outs.length);
    return outs[k] as tf.SymbolicTensor;
  };

  for (const i of order) {
    const e = entries[i] as Entry;
    const args = e.refs.map(tensorOf);
    let layer: tf.layers.Layer;
    if (e.spec.type === CALL) {
      const t = byName.get(e.target ?? '');
      if (t?.kind === 'entry') layer = layerObjects.get(t.entry) as tf.layers.Layer;
      else layer = nestedModel(e.target ?? '', e.spec, spec, { ...opts, nested, stack });
    } else {
      if (e.spec.deferred) fillDeferredArgs(e.spec, describeLayer(e.spec), (ref, loc) => tensorOf(resolve(ref, loc, describeLayer(e.spec))).shape);
      layer = buildLayer(e, opts.seed, (name) => {
        if (!spec.models?.[name]) {
          throw new ConfigError({
            message: `${describeLayer(e.spec)} wraps model "${name}", which is not a model under "models:"${didYouMean(name, Object.keys(spec.models ?? {}))}`,
            loc: e.spec.loc,
          });
        }
        return nestedModel(name, e.spec, spec, { ...opts, nested, stack });
      });
      layerObjects.set(i, layer);
      // Refuse a 10^12-parameter layer before apply() allocates its weights.
      if (args.length === 1) checkParamBudget(layer, (args[0] as tf.SymbolicTensor).shape, describeLayer(e.spec), e.spec.loc);
    }
    let out: tf.SymbolicTensor | tf.SymbolicTensor[];
    try {
      out = layer.apply(args.length === 1 ? (args[0] as tf.SymbolicTensor) : args) as tf.SymbolicTensor | tf.SymbolicTensor[];
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const from = args.map((a) => formatShapes(a.shape as Shape)).join(', ');
      throw new ConfigError({ message: `${describeLayer(e.spec)} cannot be called on ${from}: ${errorText(err)}`, loc: e.spec.inputsLoc ?? e.spec.loc });
    }
    outputsOf.set(i, Array.isArray(out) ? out : [out]);
  }

  // 5. Outputs: the named ones, or the last entry.
  const outs = spec.outputs
    ? spec.outputs.map((o, k) => tensorOf(resolveOutput(o, spec.outputLocs?.[k])))
    : [(outputsOf.get(entries.length - 1) as tf.SymbolicTensor[])[0] as tf.SymbolicTensor];
  function resolveOutput(o: string, at: SourceLocation | undefined): Producer {
    const indexed = /^(.+)\[(\d+)\]$/.exec(o);
    if (indexed) {
      const base = resolveOutput(indexed[1] ?? '', at);
      return base.kind === 'entry' ? { ...base, output: Number(indexed[2]), ref: o, loc: at ?? spec.outputsLoc } : base;
    }
    const p = byName.get(o);
    if (p) return p;
    throw new ConfigError({
      message: `model.outputs names "${o}", but no input or layer of model "${spec.name}" produces it${didYouMean(o, known().filter((k) => !k.includes('@')))}; outputs are layer names (give the layer "name: ${o}")`,
      loc: at ?? spec.outputsLoc ?? spec.loc,
    });
  }
  try {
    const model = tf.model({ inputs: inputs.map((i) => i.tensor), outputs: outs, name: spec.name });
    relinkWrappedModels(model);
    dedupeSharedWeights(model);
    return model;
  } catch (err) {
    throw new ConfigError({ message: `model "${spec.name}" cannot be assembled: ${errorText(err)}; check that every input in model.inputs is used by some layer`, loc: spec.loc });
  }
}

interface ModelInput { name: string; tensor: tf.SymbolicTensor }

/** What each output of a multi-output layer is, for messages. */
function outputLabels(e: Entry, n: number): string[] {
  const t = e.spec.type;
  if (t === 'LSTM' || t === 'ConvLSTM2D') return ['the output', 'the state h', 'the state c'].slice(0, n);
  if (t === 'GRU' || t === 'SimpleRNN') return ['the output', 'the state h'].slice(0, n);
  if (t === 'MultiHeadAttention') return ['the output', 'the attention scores'].slice(0, n);
  return Array.from({ length: n }, (_, k) => `output ${k}`);
}

function outputIndexError(p: Extract<Producer, { kind: 'entry' }>, e: Entry, n: number): ConfigError {
  const name = e.name ?? e.spec.type;
  const ref = p.ref ?? `${name}[${p.output ?? 0}]`;
  const base = ref.replace(/\[\d+\]$/, '');
  if (n === 1) {
    const hint = ['LSTM', 'GRU', 'SimpleRNN', 'ConvLSTM2D'].includes(e.spec.type)
      ? `; ${e.spec.type} gives its states as extra outputs with "return_state: true"`
      : e.spec.type === 'MultiHeadAttention' ? '; MultiHeadAttention gives its attention scores as output [1] with "return_attention_scores: true"' : '';
    return new ConfigError({ message: `"${ref}" asks for output ${p.output ?? 0} of ${describeLayer(e.spec)}, which has one output; write "${base}"${hint}`, loc: p.loc ?? e.spec.loc });
  }
  const labels = outputLabels(e, n).map((l, k) => `[${k}] ${l}`).join(', ');
  return new ConfigError({
    message: `"${ref}" is out of range: ${describeLayer(e.spec)} has ${n} outputs (${labels}); did you mean "${base}[${n - 1}]"?`,
    loc: p.loc ?? e.spec.loc,
  });
}

function modelInputs(spec: ModelSpec): ModelInput[] {
  if (spec.inputs && spec.inputs.length > 0) {
    return spec.inputs.map((g) => {
      const shape = g.shape.map((d) => (d === null ? null : d));
      const args: Parameters<typeof tf.input>[0] = g.batchSize !== undefined
        ? { batchShape: [g.batchSize, ...shape], name: g.name, dtype: g.dtype ?? 'float32' }
        : { shape, name: g.name, dtype: g.dtype ?? 'float32' };
      return { name: g.name, tensor: tf.input(args) };
    });
  }
  // A functional model given like a Sequential one: `input_shape` (or an Input entry) and layers.
  const first = spec.layers[0];
  const { common } = first ? splitCommonArgs(first.args, Object.keys(layerRegistry.find(first.type)?.args ?? {})) : { common: {} as ReturnType<typeof splitCommonArgs>['common'] };
  const batch = common.batchInputShape;
  const shape = spec.inputShape ?? common.inputShape;
  if (!batch && !shape) {
    throw new ConfigError({
      message: `model "${spec.name}" has no inputs: declare them under "inputs:" (e.g. inputs: [{name: x, shape: [784]}]) or give "input_shape"`,
      loc: spec.loc ?? first?.loc,
    });
  }
  const name = 'input_1';
  const batchShape = batch ?? [spec.batchSize ?? null, ...(shape as number[])];
  const tensor = tf.input({ batchShape, name, dtype: spec.dtype ?? 'float32' });
  return [{ name, tensor }];
}

function buildLayer(e: Entry, seed: number | undefined, nestedModel: (name: string) => tf.layers.Layer): tf.layers.Layer {
  const entry = layerRegistry.find(e.spec.type);
  if (!entry) throw new ConfigError({ message: layerRegistry.unknownMessage(e.spec.type), loc: e.spec.loc });
  const { own, common } = splitCommonArgs(e.spec.args, Object.keys(entry.args));
  // The graph gives every layer its input; shapes on layers only matter for Sequential models.
  delete common.inputShape;
  delete common.batchInputShape;
  delete common.batchSize;
  common.name = e.name;
  try {
    return entry.build(own, common, { seed: seed === undefined ? undefined : mixSeed(seed, e.spec.index), nestedModel });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError({ message: `${describeLayer(e.spec)}: ${errorText(err)}`, loc: e.spec.loc });
  }
}

function nestedModel(name: string, at: LayerSpec, spec: ModelSpec, opts: GraphBuildOptions & { nested: Map<string, tf.LayersModel>; stack: string[] }): tf.LayersModel {
  const existing = opts.nested.get(name);
  if (existing) return existing;
  const target = spec.models?.[name] as ModelSpec;
  if (opts.stack.includes(name)) {
    throw new ConfigError({ message: `model "${name}" calls itself (${[...opts.stack, name].join(' → ')}); a model cannot contain itself`, loc: at.loc });
  }
  const names = Object.keys(spec.models ?? {});
  const seed = opts.seed === undefined ? undefined : mixSeed(opts.seed, 100_000 + names.indexOf(name));
  const m = opts.buildNested({ ...target, models: spec.models }, seed);
  fixNestedSequentialShapes(m);
  opts.nested.set(name, m);
  return m;
}

/** Entries in an order where each comes after what it depends on (stable: list order otherwise). */
function topoOrder(entries: Entry[]): number[] {
  const state = new Array<0 | 1 | 2>(entries.length).fill(0);
  const order: number[] = [];
  const path: number[] = [];
  const visit = (i: number): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) {
      const cycle = [...path.slice(path.indexOf(i)), i].map((k) => entries[k] as Entry);
      const first = cycle[0] as Entry;
      throw new ConfigError({
        message: `the layers form a cycle: ${cycle.map((c) => `"${c.name ?? c.spec.type}"`).join(' → ')}; a model is a graph without loops — ` +
          'check the "inputs" of these layers (an entry without "inputs" takes the entry before it)',
        loc: first.spec.inputsLoc ?? first.spec.loc,
      });
    }
    state[i] = 1;
    path.push(i);
    for (const d of (entries[i] as Entry).deps) visit(d);
    path.pop();
    state[i] = 2;
    order.push(i);
  };
  entries.forEach((_, i) => visit(i));
  return order;
}
