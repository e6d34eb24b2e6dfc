/**
 * Signature inference from example values, as `mlflow.models.infer_signature` infers it for the Python
 * value each input form stands for: a split frame or {@link Frame} is a pandas DataFrame, an array of
 * records a list of dicts, a plain object a dict, a string or array of scalars a str or list.
 *
 * JavaScript has one number type, so an integral number is `long` and any other `double`; where Python
 * would reject a list mixing ints and floats, a number list here is `double`.
 */
import { invalidParameter } from '../tracking/errors.js';
import { Frame, isPlainObject, isSplitFrame } from './frame.js';
import {
  type ColSpec,
  type ColumnType,
  colSpec,
  type DataType,
  ModelSignature,
  type ObjectType,
  type ParamSchema,
  type PropertySpec,
  paramSpec,
  type Schema,
} from './schema.js';

const MULTIPLE_TYPES = 'Expected all values in list to be of same type';

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

function scalarType(value: unknown): DataType {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'long' : 'double';
    case 'bigint':
      return 'long';
  }
  if (value instanceof Date) return 'datetime';
  if (value instanceof Uint8Array) return 'binary';
  throw invalidParameter(`Data ${String(value)} is not one of the supported DataType`);
}

/** `_infer_datatype`: the column type of one value. */
export function inferDataType(value: unknown): ColumnType {
  if (isMissing(value)) return { type: 'any' };
  if (Array.isArray(value)) return value.length === 0 ? { type: 'any' } : inferArrayType(value);
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return { type: 'any' };
    const properties: Record<string, PropertySpec> = {};
    for (const [k, v] of entries) {
      const type = inferDataType(v);
      properties[k] = { type, required: !(typeof type === 'object' && type.type === 'any') };
    }
    return { type: 'object', properties };
  }
  return scalarType(value);
}

function isAny(t: ColumnType): boolean {
  return typeof t === 'object' && t.type === 'any';
}

/** Merges two inferred types of list items (`Array/Object/Map._merge`), widening long to double. */
function mergeTypes(a: ColumnType, b: ColumnType): ColumnType {
  if (isAny(a)) return b;
  if (isAny(b)) return a;
  if (typeof a === 'string' || typeof b === 'string') {
    if (a === b) return a;
    if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double';
    throw invalidParameter(MULTIPLE_TYPES);
  }
  if (a.type === 'array' && b.type === 'array') return { type: 'array', items: mergeTypes(a.items, b.items) };
  if (a.type === 'map' && b.type === 'map') return { type: 'map', values: mergeTypes(a.values, b.values) };
  if (a.type === 'object' && b.type === 'object') {
    const properties: Record<string, PropertySpec> = {};
    for (const [k, p] of Object.entries(a.properties)) {
      const q = b.properties[k];
      properties[k] = q
        ? { type: mergeTypes(p.type, q.type), required: p.required && q.required }
        : { ...p, required: false };
    }
    for (const [k, q] of Object.entries(b.properties))
      if (!(k in properties)) properties[k] = { ...q, required: false };
    return { type: 'object', properties };
  }
  throw invalidParameter(MULTIPLE_TYPES);
}

function inferArrayType(values: unknown[]): ColumnType {
  let items: ColumnType | undefined;
  for (const v of values) {
    const t = inferDataType(v);
    items = items === undefined ? t : mergeTypes(items, t);
  }
  return { type: 'array', items: items ?? { type: 'any' } };
}

/** Element type of a list of values (`_infer_colspec_type(values).dtype`). */
function elementType(values: unknown[]): ColumnType {
  const t = inferArrayType(values);
  return typeof t === 'object' && t.type === 'array' ? t.items : t;
}

/** `_infer_pandas_column`: the dtype pandas gives a column of these values, in MLflow's terms. */
function frameColumnType(values: unknown[]): ColumnType {
  const present = values.filter((v) => !isMissing(v));
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    // A missing value turns an int column into float64 in pandas.
    const ints = present.every((v) => Number.isInteger(v)) && present.length === values.length;
    return ints ? 'long' : 'double';
  }
  return elementType(values);
}

function frameSchema(frame: Frame): Schema {
  return {
    inputs: frame.columns.map((name, i) => {
      const values = frame.data.map((row) => row[i]);
      return colSpec(frameColumnType(values), name, !values.some(isMissing));
    }),
  };
}

/** `_infer_schema`: the schema of one example value. */
export function inferSchema(data: unknown): Schema {
  if (data instanceof Frame) return frameSchema(data);
  if (isSplitFrame(data)) return frameSchema(new Frame(data.columns, data.data));
  if (Array.isArray(data)) {
    if (data.length === 0) return { inputs: [colSpec('string')] };
    if (data.every((d) => isPlainObject(d))) {
      const columns = new Map<string, unknown[]>();
      for (const rec of data as Array<Record<string, unknown>>) {
        for (const [k, v] of Object.entries(rec)) {
          if (v === undefined) continue;
          const list = columns.get(k) ?? [];
          list.push(v);
          columns.set(k, list);
        }
      }
      return {
        inputs: [...columns].map(([name, values]) =>
          colSpec(
            elementType(values),
            name,
            (data as Array<Record<string, unknown>>).every((rec) => !isMissing(rec[name])),
          ),
        ),
      };
    }
    return { inputs: [colSpec(elementType(data))] };
  }
  if (isPlainObject(data)) {
    return {
      inputs: Object.entries(data).map(([name, value]) => {
        const required = Array.isArray(value) ? !value.some(isMissing) : !isMissing(value);
        return colSpec(inferDataType(value), name, required);
      }),
    };
  }
  return { inputs: [colSpec(inferDataType(data))] };
}

function paramTypeAndShape(name: string, value: unknown): { type: DataType | ObjectType; shape: number[] | null } {
  if (Array.isArray(value)) {
    if (value.some((v) => Array.isArray(v))) {
      throw invalidParameter(`Expected parameters to be 1D array or scalar, got 2D array (parameter '${name}')`);
    }
    if (value.length > 0 && value.every((v) => v instanceof Date)) return { type: 'datetime', shape: [-1] };
    // np.array(value).dtype: any string makes a unicode array, bools alone a bool array, else numbers.
    let type: DataType;
    if (value.some((v) => typeof v === 'string')) type = 'string';
    else if (value.length > 0 && value.every((v) => typeof v === 'boolean')) type = 'boolean';
    else if (value.every((v) => typeof v === 'number' || typeof v === 'boolean'))
      type = value.every((v) => typeof v !== 'number' || Number.isInteger(v)) ? 'long' : 'double';
    else
      throw invalidParameter(
        `Failed to infer schema for parameter '${name}': unsupported list ${JSON.stringify(value)}`,
      );
    return { type, shape: [-1] };
  }
  if (isPlainObject(value)) return { type: inferDataType(value) as ObjectType, shape: null };
  if (value === null || value === undefined) {
    throw invalidParameter(`Expected parameters to be 1D array or scalar, got NoneType (parameter '${name}')`);
  }
  return { type: scalarType(value), shape: null };
}

/** `_infer_param_schema`: a parameter spec per entry, with the value as its default. */
export function inferParamSchema(params: Record<string, unknown>): ParamSchema {
  return {
    params: Object.entries(params).map(([name, value]) => {
      const { type, shape } = paramTypeAndShape(name, value);
      return paramSpec(name, type, structuredClone(value), shape);
    }),
  };
}

/**
 * Infers a signature from an input example, an optional output example and optional inference parameters,
 * as `mlflow.models.infer_signature` does. A value whose schema cannot be inferred gets MLflow's fallback,
 * a single column of type `any`; invalid parameters throw `INVALID_PARAMETER_VALUE`.
 */
export function inferSignature(
  inputExample: unknown,
  output?: unknown,
  params?: Record<string, unknown>,
): ModelSignature {
  const safeInfer = (data: unknown): Schema => {
    try {
      return inferSchema(data);
    } catch {
      return { inputs: [colSpec({ type: 'any' })] };
    }
  };
  const options: { inputs?: Schema; outputs?: Schema; params?: ParamSchema } = {};
  if (inputExample !== undefined && inputExample !== null) options.inputs = safeInfer(inputExample);
  if (output !== undefined && output !== null) options.outputs = safeInfer(output);
  if (params && Object.keys(params).length > 0) options.params = inferParamSchema(params);
  return new ModelSignature(options);
}

/** The columns of a schema that are {@link ColSpec}s. */
export function colSpecs(schema: Schema): ColSpec[] {
  return schema.inputs.filter((s): s is ColSpec => s.kind === 'column');
}
