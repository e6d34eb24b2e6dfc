/**
 * The DataFrames MLflow's scoring server builds from a request, as {@link Frame}s: `pd.DataFrame(records)`
 * for `dataframe_records`, `pd.DataFrame(index, columns, data)` for `dataframe_split`, `pd.read_csv` for CSV,
 * then `cast_df_types_according_to_schema` when the model has an input schema. Missing values follow
 * pandas: a key absent from a record is `NaN`; an explicit `null` becomes `NaN` in a numeric or string
 * column and stays `None` elsewhere.
 */
import { Frame, isPlainObject } from '../pyfunc/frame.js';
import { type ColSpec, type DataType, hasInputNames, isTensorSchema, type Schema } from '../pyfunc/schema.js';
import { NdArray, npArrayOfType, PythonError } from './numpy.js';

/** A cell with no value at all (a key missing from a record, a short row): always `NaN` in pandas. */
const ABSENT = Symbol('absent');

function isNullish(v: unknown): boolean {
  return v === null || v === undefined || v === ABSENT || (typeof v === 'number' && Number.isNaN(v));
}

/** pandas' dtype inference for one column, applied to its missing values. */
function normalizeColumn(values: unknown[]): unknown[] {
  let present = 0;
  let numbers = 0;
  let strings = 0;
  for (const v of values) {
    if (isNullish(v)) continue;
    present++;
    if (typeof v === 'number') numbers++;
    else if (typeof v === 'string') strings++;
  }
  const nanForNull = present > 0 && (numbers === present || strings === present);
  return values.map((v) => (v === ABSENT || (nanForNull && (v === null || v === undefined)) ? Number.NaN : v));
}

function normalizedFrame(columns: Array<string | number>, rows: unknown[][]): Frame {
  const cols = columns.map((_, c) => normalizeColumn(rows.map((r) => r[c])));
  return new Frame(
    columns,
    rows.map((_, r) => cols.map((col) => col[r])),
  );
}

function recordsFrame(records: Array<Record<string, unknown>>, selected?: Array<string | number>): Frame {
  let columns: Array<string | number>;
  if (selected) columns = selected;
  else {
    const seen = new Set<string>();
    columns = [];
    for (const rec of records) {
      for (const k of Object.keys(rec)) {
        if (!seen.has(k)) {
          seen.add(k);
          columns.push(k);
        }
      }
    }
  }
  return normalizedFrame(
    columns,
    records.map((rec) => columns.map((c) => (Object.hasOwn(rec, String(c)) ? rec[String(c)] : ABSENT))),
  );
}

/** `pd.DataFrame(data=rows, columns=columns)` for a list; throws pandas' error as a {@link PythonError}. */
function dataFrame(rows: unknown[], columns: Array<string | number> | undefined): Frame {
  if (rows.length === 0) return new Frame(columns ?? [], []);
  const dicts = rows.filter((r) => isPlainObject(r)).length;
  const lists = rows.filter((r) => Array.isArray(r)).length;
  if (dicts === rows.length) return recordsFrame(rows as Array<Record<string, unknown>>, columns);
  if (dicts > 0) {
    const other = rows.find((r) => !isPlainObject(r));
    if (Array.isArray(other)) {
      throw new PythonError('TypeError', 'cannot convert dictionary update sequence element #0 to a sequence');
    }
    throw new PythonError('TypeError', `'${pyTypeName(other)}' object is not iterable`);
  }
  if (lists > 0 && lists < rows.length) {
    throw new PythonError(
      'TypeError',
      `object of type '${pyTypeName(rows.find((r) => !Array.isArray(r)))}' has no len()`,
    );
  }
  const matrix: unknown[][] = lists === 0 ? rows.map((r) => [r]) : (rows as unknown[][]);
  const width = Math.max(...matrix.map((r) => r.length));
  if (columns && columns.length !== width) {
    if (lists === 0) {
      throw new PythonError(
        'ValueError',
        `Shape of passed values is (${rows.length}, 1), indices imply (${rows.length}, ${columns.length})`,
      );
    }
    throw new PythonError('ValueError', `${columns.length} columns passed, passed data had ${width} columns`);
  }
  const names = columns ?? Array.from({ length: width }, (_, i) => i);
  return normalizedFrame(
    names,
    matrix.map((r) => Array.from({ length: width }, (_, i) => (i < r.length ? r[i] : ABSENT))),
  );
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** `pd.DataFrame(data=records)` for a `dataframe_records` list. */
export function frameFromRecords(records: unknown[]): Frame {
  return dataFrame(records, undefined);
}

/**
 * `pd.DataFrame(index=..., columns=..., data=...)` for a `dataframe_split` object whose keys were
 * already checked (`data` plus optional `columns` and `index`).
 */
export function frameFromSplit(split: Record<string, unknown>): Frame {
  const { data, columns, index } = split;
  if (!Array.isArray(data)) {
    if (isPlainObject(data)) {
      const cols = Object.entries(data);
      const n = Math.max(0, ...cols.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
      return normalizedFrame(
        cols.map(([k]) => k),
        Array.from({ length: n }, (_, r) => cols.map(([, v]) => (Array.isArray(v) ? v[r] : v))),
      );
    }
    throw new PythonError('ValueError', 'DataFrame constructor not properly called!');
  }
  if (columns !== undefined && columns !== null && !Array.isArray(columns)) {
    throw new PythonError(
      'TypeError',
      `Index(...) must be called with a collection of some kind, ${pyTypeName(columns) === 'str' ? `'${columns}'` : String(columns)} was passed`,
    );
  }
  const frame = dataFrame(data, (columns ?? undefined) as Array<string | number> | undefined);
  if (Array.isArray(index) && index.length !== frame.length) {
    throw new PythonError(
      'ValueError',
      `Length of values (${frame.length}) does not match length of index (${index.length})`,
    );
  }
  return frame;
}

// ---------------------------------------------------------------- CSV

/** pandas' default `na_values`. */
const NA_VALUES = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);
const CSV_INT = /^\s*[+-]?\d+\s*$/;
const CSV_FLOAT = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity)\s*$/i;
const CSV_TRUE = new Set(['True', 'TRUE', 'true']);
const CSV_FALSE = new Set(['False', 'FALSE', 'false']);

/** Splits CSV text into records of fields (RFC 4180 quoting; blank lines skipped, as pandas does). */
function csvRecords(text: string): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let sawAny = false;
  let line = 1;
  let startLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !sawAny)) out.push({ fields, line: startLine });
    fields = [];
    field = '';
    sawAny = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      sawAny = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      sawAny = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else field += ch;
  }
  if (field !== '' || fields.length > 0 || sawAny) endRecord();
  return out;
}

function csvColumn(raw: string[], type: DataType | undefined): unknown[] {
  const values = raw.map((v) => (NA_VALUES.has(v) ? null : v));
  const present = values.filter((v): v is string => v !== null);
  if (type === 'string' || type === 'binary') return values.map((v) => v ?? Number.NaN);
  if (present.length === 0) return values.map(() => Number.NaN);
  if (present.every((v) => CSV_INT.test(v))) {
    return values.map((v) => (v === null ? Number.NaN : Number(v)));
  }
  if (present.every((v) => CSV_INT.test(v) || CSV_FLOAT.test(v) || /^\s*[+-]?nan\s*$/i.test(v))) {
    return values.map((v) => {
      if (v === null) return Number.NaN;
      const t = v.trim().toLowerCase();
      if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
      return t.endsWith('nan') ? Number.NaN : Number(t);
    });
  }
  if (present.every((v) => CSV_TRUE.has(v) || CSV_FALSE.has(v))) {
    return values.map((v) => (v === null ? Number.NaN : CSV_TRUE.has(v)));
  }
  return values.map((v) => v ?? Number.NaN);
}

/**
 * `pd.read_csv(text)` (with the schema's column dtypes when the model has a named input schema): a header
 * row, numeric, boolean and string columns inferred per column, pandas' NA markers as `NaN`.
 */
export function readCsv(text: string, schema?: Schema): Frame {
  const records = csvRecords(text);
  const header = records.shift();
  if (!header) throw new PythonError('EmptyDataError', 'No columns to parse from file');
  const seen = new Map<string, number>();
  const columns = header.fields.map((name, i) => {
    let n = name === '' ? `Unnamed: ${i}` : name;
    const count = seen.get(n) ?? 0;
    seen.set(n, count + 1);
    if (count > 0) n = `${n}.${count}`;
    return n;
  });
  const width = columns.length;
  // As pandas: when the first data row has more fields than the header, the extra leading fields are the index.
  const indexWidth = Math.max(0, (records[0]?.fields.length ?? 0) - width);
  if (indexWidth > 0) {
    for (const r of records) {
      if (r.fields.length !== width + indexWidth) {
        throw new PythonError(
          'ParserError',
          `Error tokenizing data. C error: Expected ${width + indexWidth} fields in line ${r.line}, saw ${r.fields.length}\n`,
        );
      }
      r.fields.splice(0, indexWidth);
    }
  }
  for (const r of records) {
    if (r.fields.length > width) {
      throw new PythonError(
        'ParserError',
        `Error tokenizing data. C error: Expected ${width} fields in line ${r.line}, saw ${r.fields.length}\n`,
      );
    }
  }
  const types = new Map<string, DataType>();
  if (schema && hasInputNames(schema)) {
    for (const s of schema.inputs) {
      if (s.kind === 'column' && typeof s.type === 'string') types.set(String(s.name), s.type);
    }
  }
  const cols = columns.map((name, c) =>
    csvColumn(
      records.map((r) => r.fields[c] ?? ''),
      types.get(name),
    ),
  );
  return new Frame(
    columns,
    records.map((_, r) => cols.map((col) => col[r])),
  );
}

// ---------------------------------------------------------------- schema casts

function pandasTypeName(type: DataType): string {
  switch (type) {
    case 'string':
    case 'binary':
      return 'object';
    case 'integer':
      return 'int32';
    case 'long':
      return 'int64';
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'datetime64[ns]';
  }
}

function castColumn(values: unknown[], type: DataType): unknown[] {
  switch (type) {
    case 'string':
      return values;
    case 'binary':
      // Binary columns arrive base64-encoded.
      return values.map((v) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : v));
    case 'boolean':
      if (values.some(isNullish)) return values;
      return (npArrayOfType(values, 'boolean') as NdArray).value as unknown[];
    default: {
      if (type === 'integer' || type === 'long') {
        // An object column (None kept) fails in int(); a float column with NaN in pandas' own check.
        const none = values.find((v) => v === null || v === undefined);
        if (none !== undefined || values.some((v) => v === null)) {
          throw new PythonError(
            'TypeError',
            "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
          );
        }
        if (values.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
          throw new PythonError(
            'IntCastingNaNError',
            'Cannot convert non-finite values (NA or inf) to integer. Replace or remove non-finite values or cast ' +
              "to an integer type that supports these values (e.g. 'Int64')",
          );
        }
      }
      const out = npArrayOfType(values, type);
      return out instanceof NdArray ? (out.value as unknown[]) : values;
    }
  }
}

/**
 * `cast_df_types_according_to_schema`: casts the frame's columns to the schema's scalar types (numbers,
 * booleans, datetimes; base64-decoded binary). Composite and string columns are left to schema
 * enforcement. Throws a {@link PythonError} naming the column, as MLflow's `MlflowFailedTypeConversion`.
 */
export function castFrameToSchema(frame: Frame, schema: Schema): Frame {
  if (isTensorSchema(schema)) return frame;
  const specs = schema.inputs.filter((s): s is ColSpec => s.kind === 'column');
  const pairs: Array<[string | number, ColSpec]> = hasInputNames(schema)
    ? specs.filter((s) => frame.hasColumn(s.name!)).map((s) => [s.name!, s])
    : specs.slice(0, Math.min(specs.length, frame.columns.length)).map((s, i) => [frame.columns[i]!, s]);
  if (pairs.length === 0) return frame;
  const columns = frame.columns.map((c) => frame.column(c));
  for (const [name, spec] of pairs) {
    if (typeof spec.type !== 'string') continue;
    const i = frame.columns.indexOf(name);
    try {
      columns[i] = castColumn(columns[i]!, spec.type);
    } catch (e) {
      const repr = e instanceof PythonError ? e.repr : `Exception(${JSON.stringify(String(e))})`;
      throw new FailedTypeConversion(
        `Data is not compatible with model signature. Failed to convert column ${name} to type ` +
          `'${pandasTypeName(spec.type)}'. Error: '${repr}'`,
      );
    }
  }
  return new Frame(
    [...frame.columns],
    frame.data.map((_, r) => columns.map((col) => col[r])),
  );
}

/** A column could not be cast to its schema type (`MlflowFailedTypeConversion`). */
export class FailedTypeConversion extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailedTypeConversion';
  }
}

/**
 * The frame `_enforce_schema` builds from a dict of converted inputs (`{column: ndarray}`): one row when a
 * column is an array or object type, or when every value is a scalar or a list of strings, or when every
 * value is a 0-d string array; otherwise `pd.DataFrame(dict)`, a column per key.
 */
export function frameFromConvertedDict(
  input: Record<string, unknown>,
  schema: Schema,
): Frame | Record<string, unknown> {
  const entries = Object.entries(input);
  const composite = schema.inputs.some(
    (s) => s.kind === 'column' && typeof s.type === 'object' && (s.type.type === 'array' || s.type.type === 'object'),
  );
  const plain = (v: unknown) => (v instanceof NdArray ? v.value : v);
  const isNpScalar = (v: unknown) => !(v instanceof NdArray) && (v === null || typeof v !== 'object');
  if (
    composite ||
    entries.every(
      ([, v]) =>
        isNpScalar(v) ||
        (Array.isArray(v) && v.every((x) => typeof x === 'string')) ||
        (v instanceof NdArray && v.ndim === 0 && v.kind === 'str'),
    )
  ) {
    return new Frame(
      entries.map(([k]) => k),
      [entries.map(([, v]) => plain(v))],
    );
  }
  const lengths = new Set<number>();
  for (const [, v] of entries) if (v instanceof NdArray && v.ndim >= 1) lengths.add(v.length);
  if (lengths.size === 0) {
    throw new PythonError('ValueError', 'If using all scalar values, you must pass an index');
  }
  if (lengths.size > 1) throw new PythonError('ValueError', 'All arrays must be of the same length');
  const n = [...lengths][0]!;
  return new Frame(
    entries.map(([k]) => k),
    Array.from({ length: n }, (_, r) =>
      entries.map(([, v]) => (v instanceof NdArray && v.ndim >= 1 ? (v.value as unknown[])[r] : plain(v))),
    ),
  );
}
