/**
 * What `np.array(value)` and `np.array(value, dtype)` make of a JSON value, as far as a pyfunc model can
 * tell from the array's `tolist()`: the scoring server turns `inputs` and `instances` payloads into numpy
 * arrays before the model sees them (`mlflow.utils.proto_json_utils.convert_data_type`), so a list mixing
 * numbers and strings becomes strings, booleans among numbers become 0/1, and a ragged list is refused
 * with numpy's own `ValueError`.
 */
import { isPlainObject } from '../pyfunc/frame.js';
import type { DataType } from '../pyfunc/schema.js';
import { pyStr, pyStrRepr } from './repr.js';

/** The kinds of numpy dtype a JSON value can become. */
export type NumpyKind = 'bool' | 'int' | 'float' | 'str' | 'bytes' | 'datetime' | 'object';

/** A numpy array built from a JSON value: its `tolist()` form, number of dimensions and dtype kind. */
export class NdArray {
  /** The array as `tolist()` returns it (a scalar for a 0-d array). */
  readonly value: unknown;
  /** Number of dimensions; 0 for an array made from a scalar or a dict. */
  readonly ndim: number;
  /** The dtype's kind. */
  readonly kind: NumpyKind;

  constructor(value: unknown, ndim: number, kind: NumpyKind) {
    this.value = value;
    this.ndim = ndim;
    this.kind = kind;
  }

  /** `len(array)`: the first dimension (numpy raises for a 0-d array; callers only ask for ndim >= 1). */
  get length(): number {
    return Array.isArray(this.value) ? this.value.length : 1;
  }
}

/** A Python exception raised while converting (`ValueError`, `TypeError`): `repr` and `str` as Python prints them. */
export class PythonError extends Error {
  /** Python exception class name. */
  readonly pythonType: string;

  constructor(pythonType: string, message: string) {
    super(message);
    this.name = 'PythonError';
    this.pythonType = pythonType;
  }

  /** `repr(exc)`, e.g. `ValueError('...')`. */
  get repr(): string {
    return `${this.pythonType}(${pyStrRepr(this.message)})`;
  }
}

function pyTuple(dims: number[]): string {
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** The shape of a nested list, or numpy's error for a ragged one. Dicts and strings are elements. */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let level: unknown[] = [value];
  for (;;) {
    let arrays = 0;
    for (const v of level) if (Array.isArray(v)) arrays++;
    if (arrays === 0) return shape;
    const first = level[0] as unknown[];
    if (arrays !== level.length || level.some((v) => (v as unknown[]).length !== first.length)) {
      throw new PythonError(
        'ValueError',
        'setting an array element with a sequence. The requested array has an inhomogeneous shape after ' +
          `${shape.length} dimensions. The detected shape was ${pyTuple(shape)} + inhomogeneous part.`,
      );
    }
    shape.push(first.length);
    const next: unknown[] = [];
    for (const v of level) for (const x of v as unknown[]) next.push(x);
    level = next;
  }
}

function leaves(value: unknown, depth: number, out: unknown[]): unknown[] {
  if (depth === 0) out.push(value);
  else for (const v of value as unknown[]) leaves(v, depth - 1, out);
  return out;
}

function mapLeaves(value: unknown, depth: number, fn: (v: unknown) => unknown): unknown {
  if (depth === 0) return fn(value);
  return (value as unknown[]).map((v) => mapLeaves(v, depth - 1, fn));
}

/** The dtype numpy infers for these elements (no dtype given). */
function inferKind(items: unknown[]): NumpyKind {
  if (items.length === 0) return 'float';
  let str = false;
  let float = false;
  let int = false;
  for (const v of items) {
    if (v === null || v === undefined || isPlainObject(v) || typeof v === 'object') return 'object';
    if (typeof v === 'string') str = true;
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) int = true;
      else float = true;
    }
  }
  if (str) return 'str';
  if (float) return 'float';
  if (int) return 'int';
  return 'bool';
}

function toNumber(v: unknown): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** `np.array(value)`: infers the dtype from the elements and converts them to it. */
export function npArray(value: unknown): NdArray {
  if (value instanceof NdArray) return value;
  const shape = shapeOf(value);
  const items = leaves(value, shape.length, []);
  const kind = inferKind(items);
  if (kind === 'str') return new NdArray(mapLeaves(value, shape.length, pyStr), shape.length, kind);
  if (kind === 'int' || kind === 'float')
    return new NdArray(mapLeaves(value, shape.length, toNumber), shape.length, kind);
  return new NdArray(value, shape.length, kind);
}

const INT_RE = /^\s*[+-]?\d+(_\d+)*\s*$/;
const FLOAT_RE = /^\s*[+-]?((\d+(_\d+)*)?\.?\d+(_\d+)*([eE][+-]?\d+)?|\d+\.|inf|infinity|nan)\s*$/i;

function typeError(fn: string, v: unknown): PythonError {
  const t =
    v === null || v === undefined ? 'NoneType' : Array.isArray(v) ? 'list' : isPlainObject(v) ? 'dict' : typeof v;
  return new PythonError(
    'TypeError',
    `${fn}() argument must be a string, a bytes-like object or a real number, not '${t}'`,
  );
}

function toInt(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PythonError('ValueError', `cannot convert float ${v} to integer`);
    return Math.trunc(v);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    if (!INT_RE.test(v)) throw new PythonError('ValueError', `invalid literal for int() with base 10: ${pyStrRepr(v)}`);
    return Number(v.replace(/_/g, ''));
  }
  throw typeError('int', v);
}

function toFloat(v: unknown): number {
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    if (!FLOAT_RE.test(v)) throw new PythonError('ValueError', `could not convert string to float: ${pyStrRepr(v)}`);
    const t = v.trim().toLowerCase().replace(/_/g, '');
    if (t.endsWith('nan')) return Number.NaN;
    if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
    return Number(t);
  }
  throw typeError('float', v);
}

function toBool(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0; // NaN is truthy in Python too
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function toDatetime(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(
      typeof v === 'string' && /^\d{4}-\d{2}-\d{2}([ T][\d:.]+)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v,
    );
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new PythonError('ValueError', `Error parsing datetime string ${JSON.stringify(String(v))} at position 0`);
}

const SCALAR_CONVERTERS: Record<DataType, (v: unknown) => unknown> = {
  string: (v) => pyStr(v),
  binary: (v) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'utf8')) : v),
  integer: toInt,
  long: toInt,
  float: toFloat,
  double: toFloat,
  boolean: toBool,
  datetime: toDatetime,
};

const DATA_TYPE_KIND: Record<DataType, NumpyKind> = {
  string: 'str',
  binary: 'bytes',
  integer: 'int',
  long: 'int',
  float: 'float',
  double: 'float',
  boolean: 'bool',
  datetime: 'datetime',
};

function isScalar(v: unknown): boolean {
  return v === null || v === undefined || (typeof v !== 'object' && typeof v !== 'function');
}

/**
 * `convert_data_type(data, ColSpec(DataType))`: `np.array(data, dtype)` for a list, `np.array([data], dtype)[0]`
 * for a scalar; for boolean, string and binary, missing values are kept as `None` (an object array), as
 * MLflow does so that schema enforcement can report them.
 */
export function npArrayOfType(value: unknown, type: DataType): NdArray | unknown {
  const convert = SCALAR_CONVERTERS[type];
  if (type === 'boolean' || type === 'string' || type === 'binary') {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value) && value.some((x) => x === null || x === undefined)) {
      if (value.filter((x) => x !== null && x !== undefined).every(isScalar)) {
        return new NdArray(
          value.map((x) => (x === null || x === undefined ? null : convert(x))),
          1,
          'object',
        );
      }
    }
  }
  if (!Array.isArray(value)) {
    if (isPlainObject(value)) throw typeError(type === 'string' ? 'str' : 'float', value);
    return convert(value);
  }
  const shape = shapeOf(value);
  return new NdArray(mapLeaves(value, shape.length, convert), shape.length, DATA_TYPE_KIND[type]);
}

/** `np.array(data, dtype=<tensor dtype>)` for a tensor spec's numpy dtype name. */
export function npArrayOfDtype(value: unknown, dtype: string): NdArray {
  const d = dtype.toLowerCase();
  const type: DataType | undefined =
    d.startsWith('int') || d.startsWith('uint')
      ? 'long'
      : d.startsWith('float')
        ? 'double'
        : d === 'bool'
          ? 'boolean'
          : d === 'str' || d.startsWith('<u')
            ? 'string'
            : undefined;
  if (type === undefined) return npArray(value);
  const shape = shapeOf(value);
  return new NdArray(mapLeaves(value, shape.length, SCALAR_CONVERTERS[type]), shape.length, DATA_TYPE_KIND[type]);
}

/** The plain value a model receives for a converted input: arrays as `tolist()` gives them, recursively. */
export function unwrapNumpy(value: unknown): unknown {
  if (value instanceof NdArray) return value.value;
  if (Array.isArray(value)) return value.map(unwrapNumpy);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapNumpy(v);
    return out;
  }
  return value;
}
