/**
 * Signature enforcement, following MLflow's `_enforce_schema` / `_enforce_params_schema` rules: the input
 * becomes a {@link Frame}; named signatures need every required column (extra columns are dropped), unnamed
 * ones enough columns; each column must have, or safely convert to, its declared type (an int column is fine
 * for `double`, a float or missing-value column is not fine for `long`); composite columns are checked value
 * by value; params are filtered to the declared ones, type-checked and completed with their defaults.
 *
 * Every failure is an `INVALID_PARAMETER_VALUE` {@link MlflowError} whose message names the column (or key,
 * or parameter) and the expected and actual types.
 */
import { invalidParameter, MlflowError } from '../tracking/errors.js';
import { describeType, Frame, isPlainObject, toFrame } from './frame.js';
import {
  type ColSpec,
  type ColumnType,
  type DataType,
  hasInputNames,
  isTensorSchema,
  type ModelSignature,
  type ObjectType,
  type ParamSchema,
  type ParamSpec,
  type Schema,
  typeName,
} from './schema.js';

/** numpy's name for the dtype MLflow maps each DataType to, as its error messages print it. */
const NUMPY_NAME: Record<DataType, string> = {
  string: '<U0',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  boolean: 'bool',
  binary: 'object',
  datetime: 'datetime64[ns]',
};

type SeriesDtype = 'int64' | 'float64' | 'bool' | 'object' | 'datetime64[ns]';

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/** The dtype pandas infers for a column holding these values. */
function seriesDtype(values: unknown[]): SeriesDtype {
  const present = values.filter((v) => !isMissing(v));
  if (present.length === 0) return 'object';
  if (present.every((v) => typeof v === 'number' || typeof v === 'bigint')) {
    return present.length === values.length && present.every((v) => typeof v === 'bigint' || Number.isInteger(v))
      ? 'int64'
      : 'float64';
  }
  if (present.length === values.length && present.every((v) => typeof v === 'boolean')) return 'bool';
  if (present.length === values.length && present.every((v) => v instanceof Date)) return 'datetime64[ns]';
  return 'object';
}

function incompatible(name: string | number, from: string, to: DataType, hint = ''): MlflowError {
  return invalidParameter(
    `Incompatible input types for column ${name}. Can not safely convert ${from} to ${NUMPY_NAME[to]}.${hint}`,
  );
}

const MISSING_VALUES_HINT =
  ' Hint: the type mismatch is likely caused by missing values. Integer columns in python can not represent ' +
  'missing values and are therefore encoded as floats. The best way to avoid this problem is to infer the ' +
  'model schema based on a realistic data sample (training dataset) that includes missing values. ' +
  'Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have ' +
  'missing values.';

function toDate(name: string | number, v: unknown): Date | null {
  if (isMissing(v)) return null;
  if (v instanceof Date) return v;
  const d = typeof v === 'string' || typeof v === 'number' ? new Date(v) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()))
    throw invalidParameter(`Failed to convert column ${name} from type object to datetime.`);
  return d;
}

/** `_enforce_mlflow_datatype`: checks (and converts) one column of scalar type `t`. */
function enforceColumnDataType(name: string | number, values: unknown[], t: DataType): unknown[] {
  const dtype = seriesDtype(values);
  switch (t) {
    case 'string':
    case 'binary':
      if (dtype === 'object') return values;
      throw incompatible(name, dtype, t);
    case 'boolean':
      if (dtype === 'bool' || dtype === 'object') {
        if (dtype === 'object' && values.some((v) => !isMissing(v) && typeof v !== 'boolean')) {
          throw incompatible(name, 'object', t);
        }
        return values;
      }
      throw incompatible(name, dtype, t);
    case 'datetime':
      if (dtype === 'datetime64[ns]' || dtype === 'object') return values.map((v) => toDate(name, v));
      throw incompatible(name, dtype, t);
    case 'long':
      if (dtype === 'int64') return values;
      if (dtype === 'float64') {
        const allInts = values.every((v) => isMissing(v) || Number.isInteger(v));
        throw incompatible(name, dtype, t, allInts && values.some(isMissing) ? MISSING_VALUES_HINT : '');
      }
      throw incompatible(name, dtype, t);
    case 'integer':
      throw incompatible(name, dtype, t);
    case 'double':
      if (dtype === 'int64' || dtype === 'float64') return values.map((v) => (isMissing(v) ? Number.NaN : Number(v)));
      throw incompatible(name, dtype, t);
    case 'float':
      // int64 -> float32 is only safe for 0/1 columns; float64 -> float32 is never safe.
      if (dtype === 'int64' && values.every((v) => v === 0 || v === 1)) return values;
      throw incompatible(name, dtype, t);
  }
}

function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `_enforce_type`: one value against a (possibly composite) column type. */
function enforceValue(data: unknown, type: ColumnType, required: boolean): unknown {
  if (typeof type === 'string') {
    if (!required && isMissing(data)) return null;
    if (Array.isArray(data) || isPlainObject(data)) {
      throw invalidParameter(`Expected data to be scalar, got ${describeType(data)}`);
    }
    try {
      return enforceColumnDataType('', [data], type)[0];
    } catch {
      throw invalidParameter(`Failed to enforce schema of data \`${pyRepr(data)}\` with dtype \`${type}\``);
    }
  }
  switch (type.type) {
    case 'any':
      return data;
    case 'array': {
      const itemsAny = typeof type.items === 'object' && type.items.type === 'any';
      if ((!required || itemsAny) && (isMissing(data) || (Array.isArray(data) && data.length === 0))) return data;
      if (!Array.isArray(data))
        throw invalidParameter(`Expected data to be list or numpy array, got ${describeType(data)}`);
      if (typeof type.items === 'string') return data.length > 0 ? enforceColumnDataType('', data, type.items) : data;
      return data.map((x) => enforceValue(x, type.items, required));
    }
    case 'object':
      return enforceObject(data, type, required);
    case 'map': {
      const valuesAny = typeof type.values === 'object' && type.values.type === 'any';
      if ((!required || valuesAny) && (isMissing(data) || (isPlainObject(data) && Object.keys(data).length === 0))) {
        return data;
      }
      if (!isPlainObject(data)) throw invalidParameter(`Expected data to be a dict, got ${describeType(data)}`);
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, enforceValue(v, type.values, required)]));
    }
  }
}

function enforceObject(data: unknown, obj: ObjectType, required: boolean): unknown {
  if (!required && (isMissing(data) || (isPlainObject(data) && Object.keys(data).length === 0))) return data;
  if (!isPlainObject(data)) {
    throw invalidParameter(
      `Failed to enforce schema of '${pyRepr(data)}' with type '${typeName(obj)}'. ` +
        `Expected data to be dictionary, got ${describeType(data)}`,
    );
  }
  const props = obj.properties;
  const missing = Object.keys(props).filter((k) => props[k]!.required && !(k in data));
  if (missing.length > 0)
    throw invalidParameter(`Missing required properties: {${missing.map((k) => `'${k}'`).join(', ')}}`);
  const invalid = Object.keys(data).filter((k) => !(k in props));
  if (invalid.length > 0) {
    throw invalidParameter(
      `Invalid properties not defined in the schema found: {${invalid.map((k) => `'${k}'`).join(', ')}}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const prop = props[k]!;
    try {
      out[k] = enforceValue(v, prop.type, prop.required);
    } catch {
      throw invalidParameter(
        `Failed to enforce schema for key \`${k}\`. Expected type ${typeName(prop.type)}, received type ${describeType(v)}`,
      );
    }
  }
  return out;
}

function enforceColumn(name: string | number, values: unknown[], spec: ColSpec): unknown[] {
  if (typeof spec.type === 'string') return enforceColumnDataType(name, values, spec.type);
  return values.map((v) => {
    try {
      return enforceValue(v, spec.type, spec.required);
    } catch (e) {
      const inner = e instanceof Error ? e.message : String(e);
      throw invalidParameter(
        `Incompatible input types for column ${name}. Expected type ${typeName(spec.type)}, got ${describeType(v)}: ${inner}`,
      );
    }
  });
}

function pyList(values: Array<string | number>): string {
  return `[${values.map((v) => (typeof v === 'number' ? String(v) : `'${v}'`)).join(', ')}]`;
}

/**
 * Enforces a column-based input schema on any accepted input form and returns the conforming
 * {@link Frame} (columns in schema order, extra columns dropped, ints widened where the schema says
 * `double`, datetime strings parsed). A tensor schema is not enforced: the input is framed as is.
 */
export function enforceSchema(input: unknown, schema: Schema): Frame {
  const specs = schema.inputs.filter((s): s is ColSpec => s.kind === 'column');
  const composite = specs.some(
    (s) => typeof s.type === 'object' && (s.type.type === 'array' || s.type.type === 'object'),
  );
  const frame = toFrame(input, { hasCompositeColumns: composite });
  if (isTensorSchema(schema)) return frame;

  if (hasInputNames(schema)) {
    const required = specs.filter((s) => s.required).map((s) => s.name!);
    const declared = new Set(specs.map((s) => s.name));
    const missing = required.filter((n) => !frame.hasColumn(n));
    const extra = frame.columns.filter((c) => !declared.has(c));
    if (missing.length > 0) {
      let message = `Model is missing inputs ${pyList(missing)}.`;
      if (extra.length > 0) message += ` Note that there were extra inputs: ${pyList(extra)}.`;
      throw invalidParameter(message);
    }
    const columns: Array<[string | number, unknown[]]> = [];
    for (const spec of specs) {
      if (!frame.hasColumn(spec.name!)) continue;
      columns.push([spec.name!, enforceColumn(spec.name!, frame.column(spec.name!), spec)]);
    }
    return Frame.fromColumns(columns, frame.length);
  }

  if (frame.columns.length < specs.length) {
    throw invalidParameter(
      `Model inference is missing inputs. The model signature declares ${specs.length} inputs  but the provided ` +
        `value only has ${frame.columns.length} inputs. Note: the inputs were not named in the signature so we ` +
        'can only verify their count.',
    );
  }
  const columns: Array<[string | number, unknown[]]> = specs.map((spec, i) => {
    const name = frame.columns[i]!;
    return [name, enforceColumn(name, frame.column(name), spec)];
  });
  return Frame.fromColumns(columns, frame.length);
}

function paramSpecRepr(spec: ParamSpec): string {
  const type = typeof spec.type === 'string' ? spec.type : typeName(spec.type);
  const shape = spec.shape ? ` (shape: (${spec.shape.join(', ')},))` : '';
  return `'${spec.name}': ${type} (default: ${pyRepr(spec.default)})${shape}`;
}

function pyClass(value: unknown): string {
  return `<class '${describeType(value)}'>`;
}

/** `_enforce_param_datatype`: one scalar parameter value against its type. */
function enforceParamDataType(value: unknown, dtype: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (dtype === 'datetime') {
    const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(d.getTime())) {
      throw invalidParameter(
        `Failed to convert value \`${pyRepr(value)}\` from type \`${pyClass(value)}\` to \`${dtype}\``,
      );
    }
    return d;
  }
  if (Array.isArray(value) || isPlainObject(value) || value instanceof Date) {
    throw invalidParameter(`Value must be a scalar for type \`${dtype}\`, got \`${pyRepr(value)}\``);
  }
  const isInt = typeof value === 'number' && Number.isInteger(value);
  const ok =
    (dtype === 'string' && typeof value === 'string') ||
    (dtype === 'boolean' && typeof value === 'boolean') ||
    (dtype === 'binary' && value instanceof Uint8Array) ||
    ((dtype === 'long' || dtype === 'integer') && (isInt || typeof value === 'bigint')) ||
    ((dtype === 'double' || dtype === 'float') && typeof value === 'number');
  if (ok) return typeof value === 'bigint' ? Number(value) : value;
  throw invalidParameter(`Can not safely convert \`${pyClass(value)}\` to \`${dtype}\` for value \`${pyRepr(value)}\``);
}

function validateParam(value: unknown, spec: ParamSpec): unknown {
  if (spec.shape && spec.shape.length === 1 && spec.shape[0] === -1) {
    const ndim = Array.isArray(value) ? (value.some((v) => Array.isArray(v)) ? 2 : 1) : 0;
    if (ndim !== 1) {
      throw invalidParameter(
        `Value must be a 1D array with shape (-1,) for param ${paramSpecRepr(spec)}, received ${describeType(value)} with ndim ${ndim}`,
      );
    }
    return (value as unknown[]).map((v) => enforceParamDataType(v, spec.type as DataType));
  }
  if (typeof spec.type === 'string') return enforceParamDataType(value, spec.type);
  enforceObject(structuredClone(value), spec.type, true);
  return value;
}

/** Warnings the last enforcement would have logged (unknown params, params without a schema). */
export type EnforcementWarning = (message: string) => void;

// The names a params schema allows, built once per schema (predict is called far more often than models load).
const paramNames = new WeakMap<readonly ParamSpec[], ReadonlySet<string>>();

/**
 * `_enforce_params_schema`: keeps the declared params, checks each against its spec (collecting every
 * failure into one error) and fills in defaults. Without a params schema, given params are ignored.
 */
export function enforceParams(
  params: Record<string, unknown> | undefined | null,
  schema: ParamSchema | undefined,
  warn: EnforcementWarning = () => {},
): Record<string, unknown> {
  if (!schema) {
    if (params && Object.keys(params).length > 0) {
      warn(
        '`params` can only be specified at inference time if the model signature defines a params schema. ' +
          `This model does not define a params schema. Ignoring provided params: ${pyList(Object.keys(params))}`,
      );
    }
    return {};
  }
  const given = params ?? {};
  if (!isPlainObject(given)) {
    throw invalidParameter(`Parameters must be a dictionary. Got type '${describeType(given)}'.`);
  }
  let allowed = paramNames.get(schema.params);
  if (!allowed) {
    allowed = new Set(schema.params.map((p) => p.name));
    paramNames.set(schema.params, allowed);
  }
  const ignored = Object.keys(given).filter((k) => !allowed.has(k));
  if (ignored.length > 0) {
    warn(
      `Unrecognized params ${pyList(ignored)} are ignored for inference. Supported params are: ${pyList([...allowed])}.`,
    );
  }
  const out: Record<string, unknown> = {};
  const invalid: Array<[string, string]> = [];
  for (const spec of schema.params) {
    if (spec.name in given) {
      try {
        out[spec.name] = validateParam(given[spec.name], spec);
      } catch (e) {
        invalid.push([spec.name, e instanceof Error ? e.message : String(e)]);
      }
    } else {
      out[spec.name] = spec.default;
    }
  }
  if (invalid.length > 0) {
    throw invalidParameter(`Invalid parameters found: {${invalid.map(([n, m]) => `('${n}', '${m}')`).join(', ')}}`);
  }
  return out;
}

/** Enforces a whole signature: the input schema (when there is one) and the params. */
export function enforceSignature(
  input: unknown,
  params: Record<string, unknown> | undefined | null,
  signature: ModelSignature | undefined,
  warn?: EnforcementWarning,
): { input: unknown; params: Record<string, unknown> } {
  const enforcedParams = enforceParams(params, signature?.params, warn);
  if (!signature?.inputs) return { input, params: enforcedParams };
  try {
    return { input: enforceSchema(input, signature.inputs), params: enforcedParams };
  } catch (e) {
    if (e instanceof MlflowError) {
      throw invalidParameter(`Failed to enforce model input schema. Error: ${e.message}`);
    }
    throw e;
  }
}
