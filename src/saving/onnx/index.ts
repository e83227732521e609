/**
 * `exportOnnx`: a kerats model (a run's tf.LayersModel) as an ONNX file (opset 17), with the run's
 * numeric preprocessing in front and its label vocabularies in the metadata, so ONNX Runtime on
 * the same raw rows gives what `kerats predict` gives.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DataState } from '../../runtime/data/table-source.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { keratsVersion } from '../../util/package-root.js';
import { convertModel } from './convert-model.js';
import { frontEnd } from './front-end.js';
import { OnnxGraph } from './graph.js';
import { DataType, encodeModel, IR_VERSION, OPSET, type DataTypeValue, type ValueInfoMessage } from './proto.js';

export { EXPORTABLE_CLASSES } from './convert-model.js';
export { NotExportable } from './layers/types.js';

export interface OnnxExportOptions {
  model: tf.LayersModel;
  /** The run's preprocessing.json (absent: the model's inputs are taken as they are). */
  preprocessing?: DataState;
  /** Where the .onnx file goes. */
  out: string;
}

export interface OnnxTensorInfo {
  name: string;
  /** null: any size (the batch). */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
}

export interface OnnxExportResult {
  file: string;
  opset: number;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /** 'raw': the model takes `kerats predict`'s raw rows; 'encoded': the preprocessed row. */
  input_kind: 'raw' | 'encoded';
  nodes: number;
  metadata: Record<string, string>;
  warnings: string[];
}

function valueInfo(name: string, shape: (number | null)[], type: DataTypeValue): ValueInfoMessage {
  return {
    name,
    type: { tensor_type: { elem_type: type, shape: { dim: shape.map((d, i) => (d === null ? { dim_param: i === 0 ? 'batch' : `dim_${i}` } : { dim_value: d })) } } },
  };
}

/** metadata_props: what a consumer needs to read the outputs (label vocabularies) and feed the inputs. */
function metadata(state: DataState | undefined, inputKind: 'raw' | 'encoded'): Record<string, string> {
  const m: Record<string, string> = { 'kerats.input': inputKind };
  if (!state) return m;
  m['kerats.features'] = JSON.stringify(state.features);
  if (state.label !== undefined) m['kerats.label'] = state.label;
  m['kerats.encoding'] = state.encoding;
  if (state.classes) m['kerats.classes'] = JSON.stringify(state.classes);
  if (state.outputs) m['kerats.outputs'] = JSON.stringify(state.outputs);
  if (state.table) m['kerats.preprocessing'] = JSON.stringify(state.table.transforms);
  return m;
}

export async function exportOnnx(opts: OnnxExportOptions): Promise<OnnxExportResult> {
  const { model } = opts;
  const g = new OnnxGraph();
  const front = frontEnd(opts.preprocessing, model.inputs.length);
  const inputs: OnnxTensorInfo[] = model.inputs.map((t, i) => ({
    // A Sequential's inputNames/outputNames can be empty: its layers' names are the Keras names.
    name: g.reserve(model.inputNames[i] ?? t.sourceLayer.name),
    shape: [...t.shape],
    dtype: t.dtype === 'int32' ? 'int32' : 'float32',
  }));
  // Several outputs of one layer (an LSTM's states) share its name: later ones get _1, _2, ...
  const outputNames = model.outputs.map((t, i) => g.name(model.outputNames[i] ?? t.sourceLayer.name));
  const modelInputs = inputs.map((inp) => front.apply(g, inp.name));
  const values = convertModel(g, model, modelInputs);
  const outputs: OnnxTensorInfo[] = values.map((v, i) => {
    const name = outputNames[i] as string;
    g.nodeTo('Identity', [v], name);
    return { name, shape: [...(model.outputs[i]?.shape ?? [])], dtype: 'float32' };
  });
  const meta = metadata(opts.preprocessing, front.input);
  const bytes = encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'kerats',
    producer_version: keratsVersion(),
    doc_string: `kerats model "${model.name}"`,
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((i) => valueInfo(i.name, i.shape, i.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT)),
      output: outputs.map((o) => valueInfo(o.name, o.shape, DataType.FLOAT)),
    },
    metadata_props: Object.entries(meta).map(([key, value]) => ({ key, value })),
  });
  await writeFileAtomic(opts.out, bytes);
  return { file: opts.out, opset: OPSET, inputs, outputs, input_kind: front.input, nodes: g.nodes.length, metadata: meta, warnings: front.warnings };
}
