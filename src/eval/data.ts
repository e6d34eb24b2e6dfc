import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { pyJsonDumps } from '../internal/python-json.js';
import type { PagedList, Trace } from '../tracking/entities/index.js';
import { InvalidParameterError } from '../tracking/errors.js';
import type { EvalRecord } from './types.js';

/** Something with records to evaluate, such as an evaluation dataset (`EvaluationDataset.toRecords`). */
export interface EvalRecordSource {
  toRecords(): Promise<EvalRecord[]> | EvalRecord[];
}

/**
 * What `evaluate` takes as data: records, traces (or a page of them from a trace search), a path to a
 * JSON (an array of records), JSONL or CSV file, or an evaluation dataset.
 */
export type EvalData = ReadonlyArray<EvalRecord> | ReadonlyArray<Trace> | PagedList<Trace> | string | EvalRecordSource;

/** @internal A row ready for the harness. */
export interface EvalItem {
  index: number;
  requestId: string;
  inputs: Record<string, unknown>;
  outputs: unknown;
  hasOutputs: boolean;
  expectations: Record<string, unknown>;
  tags: Record<string, string>;
  trace: Trace | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTrace(value: unknown): value is Trace {
  return (
    isObject(value) &&
    isObject(value.info) &&
    typeof (value.info as { traceId?: unknown }).traceId === 'string' &&
    isObject(value.data)
  );
}

/** Rows from any accepted {@link EvalData}, in order; an empty dataset or a malformed row is an error. */
export async function loadEvalData(data: EvalData): Promise<EvalItem[]> {
  let rows: unknown[];
  if (typeof data === 'string') rows = await readDataFile(data);
  else if (Array.isArray(data)) rows = [...data];
  else if (isObject(data) && Array.isArray((data as PagedList<Trace>).items))
    rows = [...(data as PagedList<Trace>).items];
  else if (isObject(data) && typeof (data as EvalRecordSource).toRecords === 'function') {
    rows = [...(await (data as EvalRecordSource).toRecords())];
  } else {
    throw new InvalidParameterError(
      'Invalid type for parameter `data`. Expected a list of records, a list of traces, a trace search result, ' +
        `a JSON/JSONL/CSV file path or an evaluation dataset. Got: ${data === null ? 'null' : typeof data}`,
    );
  }
  if (rows.length === 0) {
    throw new InvalidParameterError('The dataset is empty. Please provide a non-empty dataset.');
  }
  return rows.map((row, index) => toItem(row, index));
}

function toItem(row: unknown, index: number): EvalItem {
  if (isTrace(row)) row = { trace: row };
  if (!isObject(row)) {
    throw new InvalidParameterError(
      `Every item in the list must be a dictionary: row ${index} is ${JSON.stringify(row)}.`,
    );
  }
  const trace = isTrace(row.trace) ? row.trace : null;
  let inputs = parseJsonField(row.inputs, 'inputs', index);
  let outputs = row.outputs;
  let hasOutputs = Object.hasOwn(row, 'outputs') && row.outputs !== undefined;
  let expectations = parseJsonField(row.expectations, 'expectations', index);
  if (trace) {
    const root = rootSpanAttributes(trace);
    if (inputs === undefined) inputs = root.inputs;
    if (!hasOutputs) {
      outputs = root.outputs;
      hasOutputs = true;
    }
    if (expectations === undefined) {
      const fromTrace: Record<string, unknown> = {};
      for (const a of trace.info.assessments ?? []) if (a.kind === 'expectation') fromTrace[a.name] = a.value;
      expectations = fromTrace;
    }
  }
  if (inputs === undefined) {
    throw new InvalidParameterError(
      `Either \`inputs\` or \`trace\` column is required in the dataset: row ${index} has neither.`,
    );
  }
  if (!trace && !isObject(inputs)) {
    throw new InvalidParameterError(
      `The 'inputs' column must be a dictionary of field names and values. For example: {'query': 'What is MLflow?'}. ` +
        `Row ${index} has ${JSON.stringify(inputs)}.`,
    );
  }
  if (expectations !== undefined && expectations !== null && !isObject(expectations)) {
    throw new InvalidParameterError(
      `The 'expectations' column must be a dictionary of names and values: row ${index} has ${JSON.stringify(expectations)}.`,
    );
  }
  const tags = row.tags ?? {};
  if (!isObject(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
    throw new InvalidParameterError(`Tags must be a dictionary of strings: row ${index} has ${JSON.stringify(tags)}.`);
  }
  const requestId =
    typeof row.request_id === 'string'
      ? row.request_id
      : createHash('sha256')
          .update(pyJsonDumps(inputs ?? outputs ?? null))
          .digest('hex');
  return {
    index,
    requestId,
    inputs: (isObject(inputs) ? inputs : { inputs }) as Record<string, unknown>,
    outputs,
    hasOutputs,
    expectations: (expectations ?? {}) as Record<string, unknown>,
    tags: tags as Record<string, string>,
    trace,
  };
}

/** `inputs` / `expectations` given as JSON text (CSV cells, Spark exports) are decoded, as MLflow does. */
function parseJsonField(value: unknown, field: string, index: number): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    if (field === 'inputs') {
      throw new InvalidParameterError(
        `Failed to parse \`inputs\` column of row ${index}: ${(err as Error).message}. The \`inputs\` column must ` +
          "be a valid JSON string of field names and values. For example, `{'question': 'What is the capital of France?'}`",
      );
    }
    throw new InvalidParameterError(
      `Failed to parse \`${field}\` column of row ${index}: ${(err as Error).message}. It must be a valid JSON string.`,
    );
  }
}

/** The root span's inputs and outputs (decoded from the span attributes). */
function rootSpanAttributes(trace: Trace): { inputs: unknown; outputs: unknown } {
  const spans = trace.data.spans;
  const root = spans.find((s) => s.parentId === null || s.parentId === undefined);
  if (!root) return { inputs: undefined, outputs: undefined };
  return { inputs: root.inputs, outputs: root.outputs };
}

async function readDataFile(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidParameterError(`Cannot read the evaluation data file '${path}': ${(err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') {
    return text
      .split(/\r?\n/)
      .map((line, i) => [line.trim(), i] as const)
      .filter(([line]) => line !== '')
      .map(([line, i]) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (err) {
          throw new InvalidParameterError(`Invalid JSON on line ${i + 1} of '${path}': ${(err as Error).message}`);
        }
      });
  }
  if (ext === '.csv') return csvRecords(text, path);
  if (ext === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new InvalidParameterError(`Invalid JSON in '${path}': ${(err as Error).message}`);
    }
    if (Array.isArray(parsed)) return parsed;
    // pandas' `orient="split"` tables (what `log_table` writes) and `{"records": [...]}`.
    if (isObject(parsed) && Array.isArray(parsed.columns) && Array.isArray(parsed.data)) {
      const columns = parsed.columns as string[];
      return (parsed.data as unknown[][]).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    }
    if (isObject(parsed) && Array.isArray(parsed.records)) return parsed.records;
    throw new InvalidParameterError(`'${path}' must hold a JSON array of records.`);
  }
  throw new InvalidParameterError(
    `Unsupported evaluation data file '${path}': the extension must be .json, .jsonl or .csv (got '${ext || 'none'}').`,
  );
}

/** RFC 4180 CSV: a header row, quoted fields with doubled quotes, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

function csvRecords(text: string, path: string): Array<Record<string, unknown>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new InvalidParameterError(`'${path}' is empty.`);
  return rows.map((cells) => {
    const record: Record<string, unknown> = {};
    header.forEach((column, i) => {
      const cell = cells[i] ?? '';
      // pandas reads an empty cell as NaN, which MLflow treats as missing.
      if (cell === '') return;
      record[column] = column === 'outputs' ? decodeCell(cell) : cell;
    });
    return record;
  });
}

/** An `outputs` cell holding JSON (an object or list) is decoded; plain text stays text. */
function decodeCell(cell: string): unknown {
  const t = cell.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return cell;
    }
  }
  return cell;
}
