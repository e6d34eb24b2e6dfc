/**
 * The one tabular form every model input is normalised to, as MLflow's pyfunc turns each input into a
 * pandas DataFrame before schema enforcement: a string is one row of column 0, an array of strings one
 * column 0, an array of records a row per record, a split frame its own columns and rows, a plain object
 * one row (or a column per key when its values are lists of non-strings).
 */
import { invalidParameter } from '../tracking/errors.js';

/** A data frame in pandas' `split` orientation: column names and rows. */
export interface SplitFrame {
  columns: Array<string | number>;
  data: unknown[][];
}

/** Every input form a pyfunc model accepts. */
export type ModelInput =
  | string
  | string[]
  | Array<Record<string, unknown>>
  | SplitFrame
  | Frame
  | Record<string, unknown>;

/** True for a `{columns, data}` split frame (and nothing more than that, plus an optional `index`). */
export function isSplitFrame(value: unknown): value is SplitFrame {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Frame) return false;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).filter((k) => k !== 'index');
  return (
    keys.length === 2 && Array.isArray(v.columns) && Array.isArray(v.data) && v.data.every((r) => Array.isArray(r))
  );
}

/** True for a plain object (not an array, frame, Date, Buffer or class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Scalar in numpy's sense: not a list, object or map. */
function isScalar(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value !== 'object' && typeof value !== 'function') ||
    value instanceof Date
  );
}

/** A column-oriented view of rows: what a pyfunc `predict` receives when the model has a column signature. */
export class Frame {
  /** Column names; unnamed columns are numbered from 0, as pandas numbers them. */
  readonly columns: Array<string | number>;
  /** Rows, each with one value per column (`undefined` never appears: a missing value is `null`). */
  readonly data: unknown[][];

  constructor(columns: Array<string | number>, data: unknown[][]) {
    this.columns = columns;
    this.data = data;
  }

  /** Number of rows. */
  get length(): number {
    return this.data.length;
  }

  /** The values of one column, or throws when there is no such column. */
  column(name: string | number): unknown[] {
    const i = this.columns.indexOf(name);
    if (i < 0) throw invalidParameter(`The frame has no column '${name}'; columns: ${JSON.stringify(this.columns)}`);
    return this.data.map((row) => row[i]);
  }

  /** True when the frame has the column. */
  hasColumn(name: string | number): boolean {
    return this.columns.includes(name);
  }

  /** Rows as records (pandas `to_dict(orient="records")`). */
  toRecords(): Array<Record<string, unknown>> {
    return this.data.map((row) => Object.fromEntries(this.columns.map((c, i) => [String(c), row[i]])));
  }

  /** The frame in `split` orientation, as `dataframe_split` payloads carry it. */
  toSplit(): SplitFrame {
    return { columns: [...this.columns], data: this.data.map((r) => [...r]) };
  }

  /** Builds a frame from named columns of equal length. */
  static fromColumns(columns: Array<[string | number, unknown[]]>, length?: number): Frame {
    const n = length ?? columns[0]?.[1].length ?? 0;
    const data: unknown[][] = [];
    for (let r = 0; r < n; r++) data.push(columns.map(([, values]) => values[r] ?? null));
    return new Frame(
      columns.map(([name]) => name),
      data,
    );
  }
}

/**
 * Normalises any accepted input to a {@link Frame}, the way `_enforce_schema` builds its DataFrame:
 * `pd.DataFrame([s])`, `pd.DataFrame(list)`, `pd.DataFrame(records)`, `pd.DataFrame(data, columns)`,
 * `pd.DataFrame([dict])` or `pd.DataFrame(dict)`.
 */
export function toFrame(input: unknown, options: { hasCompositeColumns?: boolean } = {}): Frame {
  if (input instanceof Frame) return input;
  if (isScalar(input)) return new Frame([0], [[input ?? null]]);
  if (isSplitFrame(input)) {
    const width = input.columns.length;
    for (const [i, row] of input.data.entries()) {
      if (row.length !== width) {
        throw invalidParameter(`Row ${i} of the split frame has ${row.length} values but there are ${width} columns.`);
      }
    }
    return new Frame(
      [...input.columns],
      input.data.map((r) => r.map((v) => v ?? null)),
    );
  }
  if (Array.isArray(input)) {
    if (input.length > 0 && input.every((r) => isPlainObject(r))) {
      // pd.DataFrame(records): columns in order of first appearance, missing keys as None.
      const columns: string[] = [];
      for (const rec of input as Array<Record<string, unknown>>) {
        for (const k of Object.keys(rec)) if (!columns.includes(k)) columns.push(k);
      }
      return new Frame(
        columns,
        (input as Array<Record<string, unknown>>).map((rec) => columns.map((c) => rec[c] ?? null)),
      );
    }
    if (input.length > 0 && input.every((r) => Array.isArray(r))) {
      // A list of lists is a 2-D frame with numbered columns.
      const width = Math.max(...(input as unknown[][]).map((r) => r.length));
      return new Frame(
        Array.from({ length: width }, (_, i) => i),
        (input as unknown[][]).map((r) => Array.from({ length: width }, (_, i) => r[i] ?? null)),
      );
    }
    return new Frame(
      [0],
      input.map((v) => [v ?? null]),
    );
  }
  if (isPlainObject(input)) {
    const values = Object.values(input);
    const oneRow =
      options.hasCompositeColumns === true ||
      values.every((v) => isScalar(v) || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
    if (oneRow) return new Frame(Object.keys(input), [values.map((v) => v ?? null)]);
    // pd.DataFrame(dict): each value a column; scalars broadcast, lists must share one length.
    const lengths = new Set(values.filter((v) => Array.isArray(v)).map((v) => (v as unknown[]).length));
    if (lengths.size > 1) {
      throw invalidParameter(
        'This model contains a column-based signature, which suggests a DataFrame input. There was an error ' +
          'casting the input data to a DataFrame: All arrays must be of the same length',
      );
    }
    const n = [...lengths][0] ?? 1;
    return Frame.fromColumns(
      Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? v : Array.from({ length: n }, () => v)]),
    );
  }
  throw invalidParameter(`Expected input to be DataFrame. Found: ${describeType(input)}`);
}

/** A value's type named as Python would name the equivalent (`str`, `int`, `float`, `bool`, `list`, `dict`). */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (value instanceof Date) return 'datetime';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Frame) return 'DataFrame';
  if (isPlainObject(value)) return 'dict';
  return (value as object).constructor?.name ?? typeof value;
}
