// Hand-written protobuf encoding of the few ONNX messages the tiny model needs, so generating it adds no
// dependency (protobufjs would be the only reason to pull one in). Field numbers are those of onnx/onnx.proto.

import { ProtoWriter } from '../protobuf.js';

export { encodeVarint, ProtoWriter } from '../protobuf.js';

/** ONNX `TensorProto.DataType` values used here. */
export const OnnxDataType = {
  FLOAT: 1,
  INT64: 7,
  BOOL: 9,
} as const;

/** A dense tensor stored as little-endian `raw_data` (an initializer or a tensor attribute). */
export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: readonly number[];
  rawData: Uint8Array;
}

/** One node attribute; the kind picks the `AttributeProto` field and `type`. */
export type OnnxAttribute =
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'tensor'; value: OnnxTensor };

/** One operator application (`NodeProto`), default domain. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

/** A tensor-typed graph input or output (`ValueInfoProto`): a number is `dim_value`, a string `dim_param`. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: readonly (number | string)[];
}

/** A graph (`GraphProto`). */
export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

/** A model (`ModelProto`) importing the default ONNX domain at one opset version. */
export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

function encodeTensor(t: OnnxTensor): Uint8Array {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.varint(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.rawData);
  return w.finish();
}

function encodeAttribute(a: OnnxAttribute): Uint8Array {
  const w = new ProtoWriter().string(1, a.name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value).varint(20, ATTR_FLOAT);
      break;
    case 'int':
      w.varint(3, a.value).varint(20, ATTR_INT);
      break;
    case 'string':
      w.string(4, a.value).varint(20, ATTR_STRING);
      break;
    case 'tensor':
      w.bytes(5, encodeTensor(a.value)).varint(20, ATTR_TENSOR);
      break;
    case 'ints':
      w.packedVarints(8, a.value).varint(20, ATTR_INTS);
      break;
  }
  return w.finish();
}

function encodeNode(n: OnnxNode): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes ?? []) w.bytes(5, encodeAttribute(a));
  return w.finish();
}

function encodeValueInfo(v: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varint(1, d);
    else dim.string(2, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new ProtoWriter().varint(1, v.elemType).bytes(2, shape.finish()).finish();
  const type = new ProtoWriter().bytes(1, tensorType).finish();
  return new ProtoWriter().string(1, v.name).bytes(2, type).finish();
}

function encodeGraph(g: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.bytes(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.bytes(5, encodeTensor(t));
  for (const i of g.inputs) w.bytes(11, encodeValueInfo(i));
  for (const o of g.outputs) w.bytes(12, encodeValueInfo(o));
  return w.finish();
}

/** Serialises a model to the bytes of an `.onnx` file. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const opset = new ProtoWriter().string(1, '').varint(2, m.opsetVersion).finish();
  const w = new ProtoWriter()
    .varint(1, m.irVersion)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .bytes(8, opset);
  if (m.docString) w.string(6, m.docString);
  w.bytes(7, encodeGraph(m.graph));
  return w.finish();
}

/** A float32 tensor from values, stored little-endian whatever the host's byte order. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): OnnxTensor {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dataType: OnnxDataType.FLOAT, dims, rawData: bytes };
}

/** An int64 tensor from values, stored little-endian. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setBigInt64(i * 8, BigInt(v), true);
  return { name, dataType: OnnxDataType.INT64, dims, rawData: bytes };
}
