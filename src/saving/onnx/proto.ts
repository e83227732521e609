/**
 * The ONNX protocol buffer messages kerats writes, declared with protobufjs's reflection API.
 * Field numbers are those of the ONNX IR specification (onnx/onnx.proto); only the fields an
 * inference model needs are declared, which is enough for every reader (unknown fields would be
 * skipped anyway). Repeated numbers are written unpacked, as proto2 (onnx.proto's syntax) does.
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
export const IR_VERSION = 8;
export const OPSET = 17;

export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: DataTypeValue;
  raw_data: Uint8Array;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeMessage {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
  domain?: string;
}

export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: DataTypeValue; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

export interface ModelMessage {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphMessage;
  metadata_props: { key: string; value: string }[];
}

type FieldSpec = [name: string, id: number, type: string, rule?: 'repeated'];

function message(name: string, fields: FieldSpec[]): protobuf.Type {
  const t = new protobuf.Type(name);
  for (const [fname, id, type, rule] of fields) t.add(new protobuf.Field(fname, id, type, rule ?? 'optional'));
  return t;
}

function buildRoot(): protobuf.Root {
  const dimension = message('Dimension', [['dim_value', 1, 'int64'], ['dim_param', 2, 'string']]);
  const shape = message('TensorShapeProto', [['dim', 1, 'Dimension', 'repeated']]).add(dimension);
  const tensorType = message('Tensor', [['elem_type', 1, 'int32'], ['shape', 2, 'TensorShapeProto']]);
  const typeProto = message('TypeProto', [['tensor_type', 1, 'Tensor']]).add(tensorType);
  const types = [
    message('OperatorSetIdProto', [['domain', 1, 'string'], ['version', 2, 'int64']]),
    message('StringStringEntryProto', [['key', 1, 'string'], ['value', 2, 'string']]),
    message('TensorProto', [['dims', 1, 'int64', 'repeated'], ['data_type', 2, 'int32'], ['name', 8, 'string'], ['raw_data', 9, 'bytes']]),
    message('AttributeProto', [
      ['name', 1, 'string'],
      ['f', 2, 'float'],
      ['i', 3, 'int64'],
      ['s', 4, 'bytes'],
      ['t', 5, 'TensorProto'],
      ['floats', 7, 'float', 'repeated'],
      ['ints', 8, 'int64', 'repeated'],
      ['strings', 9, 'bytes', 'repeated'],
      ['type', 20, 'int32'],
    ]),
    message('NodeProto', [
      ['input', 1, 'string', 'repeated'],
      ['output', 2, 'string', 'repeated'],
      ['name', 3, 'string'],
      ['op_type', 4, 'string'],
      ['attribute', 5, 'AttributeProto', 'repeated'],
      ['domain', 7, 'string'],
    ]),
    message('ValueInfoProto', [['name', 1, 'string'], ['type', 2, 'TypeProto']]),
    typeProto,
    shape,
    message('GraphProto', [
      ['node', 1, 'NodeProto', 'repeated'],
      ['name', 2, 'string'],
      ['initializer', 5, 'TensorProto', 'repeated'],
      ['input', 11, 'ValueInfoProto', 'repeated'],
      ['output', 12, 'ValueInfoProto', 'repeated'],
    ]),
    message('ModelProto', [
      ['ir_version', 1, 'int64'],
      ['producer_name', 2, 'string'],
      ['producer_version', 3, 'string'],
      ['doc_string', 6, 'string'],
      ['graph', 7, 'GraphProto'],
      ['opset_import', 8, 'OperatorSetIdProto', 'repeated'],
      ['metadata_props', 14, 'StringStringEntryProto', 'repeated'],
    ]),
  ];
  const ns = new protobuf.Namespace('onnx');
  for (const t of types) ns.add(t);
  const root = new protobuf.Root();
  root.add(ns);
  return root;
}

let modelType: protobuf.Type | undefined;

/** The binary .onnx bytes of a model. */
export function encodeModel(model: ModelMessage): Uint8Array {
  modelType ??= buildRoot().lookupType('onnx.ModelProto');
  const err = modelType.verify(model);
  if (err) throw new Error(`internal: invalid ONNX model message: ${err}`);
  return modelType.encode(modelType.fromObject(model)).finish();
}

/** Decodes .onnx bytes (tests read the files back with it). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  modelType ??= buildRoot().lookupType('onnx.ModelProto');
  return modelType.toObject(modelType.decode(bytes), { longs: Number, defaults: false, arrays: true }) as ModelMessage;
}
