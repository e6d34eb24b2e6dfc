/**
 * Model signatures in MLflow's JSON form (`mlflow.types.schema`, `mlflow.models.signature`): column specs
 * with scalar, array, object, map and any types; tensor specs; parameter specs; and the signature that
 * holds them, whose {@link ModelSignature.toDict} is byte-for-byte `ModelSignature.to_dict()`.
 */
import { pyJsonDumps } from '../internal/python-json.js';
import { invalidParameter } from '../tracking/errors.js';

/** MLflow's scalar column types (`mlflow.types.DataType`). */
export const DATA_TYPES = ['string', 'integer', 'long', 'float', 'double', 'boolean', 'binary', 'datetime'] as const;

/** One of MLflow's scalar column types. */
export type DataType = (typeof DATA_TYPES)[number];

/** An array of `items` (`mlflow.types.schema.Array`). */
export interface ArrayType {
  type: 'array';
  items: ColumnType;
}

/** A property of an {@link ObjectType}. */
export interface PropertySpec {
  type: ColumnType;
  required: boolean;
}

/** An object with named properties (`mlflow.types.schema.Object`). */
export interface ObjectType {
  type: 'object';
  /** Properties in their declared order. */
  properties: Record<string, PropertySpec>;
}

/** A string-keyed map of `values` (`mlflow.types.schema.Map`). */
export interface MapType {
  type: 'map';
  values: ColumnType;
}

/** Any value (`mlflow.types.schema.AnyType`). */
export interface AnyType {
  type: 'any';
}

/** The type of a column: a scalar {@link DataType} or a composite type. */
export type ColumnType = DataType | ArrayType | ObjectType | MapType | AnyType;

/** A column (`ColSpec`): its type, optional name and whether it is required. */
export interface ColSpec {
  kind: 'column';
  type: ColumnType;
  /** Column name; undefined for an unnamed (positional) column. Python may write an integer here. */
  name?: string | number;
  required: boolean;
}

/** A tensor (`TensorSpec`): a numpy dtype name and a shape where -1 is a variable dimension. */
export interface TensorSpec {
  kind: 'tensor';
  dtype: string;
  shape: number[];
  name?: string;
}

/** An input or output schema: all column specs or all tensor specs. */
export interface Schema {
  inputs: Array<ColSpec | TensorSpec>;
}

/** An inference parameter (`ParamSpec`): name, type, default and shape (`null` or `[-1]`). */
export interface ParamSpec {
  name: string;
  type: DataType | ObjectType;
  default: unknown;
  shape: number[] | null;
}

/** The inference parameters a model accepts (`ParamSchema`). */
export interface ParamSchema {
  params: ParamSpec[];
}

/** Builds a column spec. */
export function colSpec(type: ColumnType, name?: string | number, required = true): ColSpec {
  return name === undefined ? { kind: 'column', type, required } : { kind: 'column', type, name, required };
}

/** Builds a tensor spec. */
export function tensorSpec(dtype: string, shape: number[], name?: string): TensorSpec {
  return name === undefined ? { kind: 'tensor', dtype, shape } : { kind: 'tensor', dtype, shape, name };
}

/** Builds a parameter spec; `shape` is `[-1]` for a 1-D list parameter. */
export function paramSpec(
  name: string,
  type: DataType | ObjectType,
  defaultValue: unknown,
  shape: number[] | null = null,
): ParamSpec {
  return { name, type, default: defaultValue, shape };
}

/** True when the schema is made of tensor specs. */
export function isTensorSchema(schema: Schema): boolean {
  return schema.inputs.length > 0 && schema.inputs.every((s) => s.kind === 'tensor');
}

/** True when every column of the schema is named. */
export function hasInputNames(schema: Schema): boolean {
  return schema.inputs.length > 0 && schema.inputs.every((s) => s.name !== undefined && s.name !== null);
}

// ---------------------------------------------------------------------------------------------------------
// JSON form

/** A JSON object, as schemas are serialised. */
export type Json = Record<string, unknown>;

function typeToJson(type: ColumnType): Json {
  if (typeof type === 'string') return { type };
  switch (type.type) {
    case 'array':
      return { type: 'array', items: typeToJson(type.items) };
    case 'object': {
      const properties: Json = {};
      // MLflow keeps an object's properties sorted by name.
      const entries = Object.entries(type.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, p] of entries) properties[k] = { ...typeToJson(p.type), required: p.required };
      return { type: 'object', properties };
    }
    case 'map':
      return { type: 'map', values: typeToJson(type.values) };
    case 'any':
      return { type: 'any' };
  }
}

function typeFromJson(json: unknown, where: string): ColumnType {
  if (json === null || typeof json !== 'object') throw invalidParameter(`Invalid type in ${where}: ${String(json)}`);
  const j = json as Json;
  const t = j.type;
  if (typeof t === 'string' && (DATA_TYPES as readonly string[]).includes(t)) return t as DataType;
  switch (t) {
    case 'array':
      return { type: 'array', items: typeFromJson(j.items, where) };
    case 'object': {
      const properties: Record<string, PropertySpec> = {};
      for (const [k, p] of Object.entries((j.properties ?? {}) as Json)) {
        properties[k] = { type: typeFromJson(p, `${where}.${k}`), required: (p as Json).required !== false };
      }
      return { type: 'object', properties };
    }
    case 'map':
      return { type: 'map', values: typeFromJson(j.values, where) };
    case 'any':
      return { type: 'any' };
  }
  throw invalidParameter(`Unsupported type '${String(t)}' in ${where}`);
}

/** A schema as the list `Schema.to_dict()` returns. */
export function schemaToJson(schema: Schema): Json[] {
  return schema.inputs.map((spec) => {
    if (spec.kind === 'tensor') {
      const out: Json = {};
      if (spec.name !== undefined) out.name = spec.name;
      out.type = 'tensor';
      out['tensor-spec'] = { dtype: spec.dtype, shape: spec.shape };
      return out;
    }
    const out = typeToJson(spec.type);
    if (spec.name !== undefined) out.name = spec.name;
    out.required = spec.required;
    return out;
  });
}

/** Parses the list form of a schema (`Schema.from_json`). */
export function schemaFromJson(list: unknown): Schema {
  if (!Array.isArray(list)) throw invalidParameter(`A schema must be a JSON list, got ${JSON.stringify(list)}`);
  return {
    inputs: list.map((item: Json, i) => {
      if (item.type === 'tensor') {
        const ts = item['tensor-spec'] as { dtype: string; shape: number[] };
        return tensorSpec(ts.dtype, ts.shape, item.name as string | undefined);
      }
      return colSpec(
        typeFromJson(item, `schema input ${i}`),
        (item.name ?? undefined) as string | number | undefined,
        item.required !== false,
      );
    }),
  };
}

/** A parameter schema as the list `ParamSchema.to_dict()` returns. */
export function paramSchemaToJson(schema: ParamSchema): Json[] {
  return schema.params.map((p) => {
    const out: Json = { name: p.name, default: p.default, shape: p.shape };
    if (typeof p.type === 'string') out.type = p.type;
    else Object.assign(out, typeToJson(p.type));
    return out;
  });
}

/** Parses the list form of a parameter schema. */
export function paramSchemaFromJson(list: unknown): ParamSchema {
  if (!Array.isArray(list)) throw invalidParameter(`A param schema must be a JSON list, got ${JSON.stringify(list)}`);
  return {
    params: list.map((item: Json) => {
      const type = item.type === 'object' ? (typeFromJson(item, `param ${item.name}`) as ObjectType) : item.type;
      return paramSpec(
        item.name as string,
        type as DataType | ObjectType,
        item.default ?? null,
        (item.shape ?? null) as number[] | null,
      );
    }),
  };
}

/** A column type in MLflow's short text form, used in error messages (`long`, `Array(string)`). */
export function typeName(type: ColumnType): string {
  if (typeof type === 'string') return type;
  switch (type.type) {
    case 'array':
      return `Array(${typeName(type.items)})`;
    case 'object':
      return `{${Object.entries(type.properties)
        .map(([k, p]) => `${k}: ${typeName(p.type)} (${p.required ? 'required' : 'optional'})`)
        .join(', ')}}`;
    case 'map':
      return `Map(str -> ${typeName(type.values)})`;
    case 'any':
      return 'Any';
  }
}

/** The signature as `ModelSignature.to_dict()` returns it: each part a JSON string or null. */
export interface SignatureDict {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
}

/**
 * A model signature (`mlflow.models.ModelSignature`): the input schema, the output schema and the
 * inference parameters, each optional.
 */
export class ModelSignature {
  /** Input schema. */
  readonly inputs: Schema | undefined;
  /** Output schema. */
  readonly outputs: Schema | undefined;
  /** Inference parameters. */
  readonly params: ParamSchema | undefined;

  constructor(options: { inputs?: Schema; outputs?: Schema; params?: ParamSchema } = {}) {
    this.inputs = options.inputs;
    this.outputs = options.outputs;
    this.params = options.params;
  }

  /** Exactly `ModelSignature.to_dict()`: Python-`json.dumps`ed schema lists, `null` where absent. */
  toDict(): SignatureDict {
    return {
      inputs: this.inputs ? pyJsonDumps(schemaToJson(this.inputs)) : null,
      outputs: this.outputs ? pyJsonDumps(schemaToJson(this.outputs)) : null,
      params: this.params ? pyJsonDumps(paramSchemaToJson(this.params)) : null,
    };
  }

  /** Parses `ModelSignature.to_dict()` output, as `ModelSignature.from_dict` does. */
  static fromDict(dict: Partial<Record<keyof SignatureDict, string | null>>): ModelSignature {
    const options: { inputs?: Schema; outputs?: Schema; params?: ParamSchema } = {};
    if (dict.inputs) options.inputs = schemaFromJson(JSON.parse(dict.inputs));
    if (dict.outputs) options.outputs = schemaFromJson(JSON.parse(dict.outputs));
    if (dict.params) options.params = paramSchemaFromJson(JSON.parse(dict.params));
    return new ModelSignature(options);
  }
}
