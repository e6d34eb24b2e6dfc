/**
 * MLflow 3.18's scoring protocol (`mlflow/pyfunc/scoring_server/__init__.py`), independent of any HTTP
 * framework: {@link invocations} turns the body and content type of a `POST /invocations` into the status,
 * content type and body MLflow's server answers with.
 *
 * - Content types: `application/json` and `text/csv`, with an optional `charset=utf-8` parameter; any other
 *   charset, parameter or type is 415 with a plain-text message.
 * - JSON: a dictionary with exactly one of `dataframe_split`, `dataframe_records`, `instances`, `inputs`,
 *   plus optional `params`; or an "unified LLM" payload (a `messages`, `prompt` or `input` key), whose keys
 *   declared in the params schema are params and the rest the data, answered without the `predictions` wrapper.
 * - The model's input is built as MLflow builds it: frames for `dataframe_*` and CSV (cast to the input schema),
 *   numpy arrays (as plain values) for `instances` and `inputs`, a frame from column dicts when the model has
 *   a column-based signature.
 * - Errors are MLflow's error JSON with MLflow's messages and status codes.
 */

import { pyJsonLoads } from '../internal/python-json.js';
import { Frame, isPlainObject } from '../pyfunc/frame.js';
import {
  type ColSpec,
  hasInputNames,
  isTensorSchema,
  type ModelSignature,
  type Schema,
  type TensorSpec,
} from '../pyfunc/schema.js';
import { ErrorCode, MlflowError } from '../tracking/errors.js';
import { errorToJson, invalidInput, ScoringError } from './errors.js';
import { dumpPythonJson, predictionsToJson } from './json.js';
import { NdArray, npArray, npArrayOfDtype, npArrayOfType, PythonError, unwrapNumpy } from './numpy.js';
import {
  castFrameToSchema,
  FailedTypeConversion,
  frameFromConvertedDict,
  frameFromRecords,
  frameFromSplit,
  readCsv,
} from './pandas.js';
import { pyRepr, pySetRepr, pyStr, pyStrRepr } from './repr.js';

/** `text/csv`. */
export const CONTENT_TYPE_CSV = 'text/csv';
/** `application/json`. */
export const CONTENT_TYPE_JSON = 'application/json';
/** `application/vnd.apache.parquet`: listed by MLflow, not read by this server (no pandas in Node.js). */
export const CONTENT_TYPE_PARQUET = 'application/vnd.apache.parquet';
/** The content types MLflow's server names in its 415 message, in its order. */
export const CONTENT_TYPES = [CONTENT_TYPE_CSV, CONTENT_TYPE_JSON, CONTENT_TYPE_PARQUET] as const;

/** The four input keys of a JSON payload. */
export const INPUT_FORMATS = ['inputs', 'dataframe_split', 'dataframe_records', 'instances'] as const;
/** One of the JSON payload's input keys. */
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** The key holding inference params. */
export const SERVING_PARAMS_KEY = 'params';
/** Keys that make a JSON payload an "unified LLM" payload (chat, completions, embeddings). */
export const LLM_INPUT_KEYS = ['messages', 'prompt', 'input'] as const;

const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields ${pySetRepr(INPUT_FORMATS)}`;

/** MLflow's note appended to errors about the pre-2.0 request format. */
export const SCORING_PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are' +
  ' seeing this error, you are likely using an outdated scoring request format. To resolve the' +
  " error, either update your request format or adjust your MLflow Model's requirements file to" +
  " specify an older version of MLflow (for example, change the 'mlflow' requirement specifier" +
  " to 'mlflow==1.30.0'). If you are making a request using the MLflow client" +
  ' (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in' +
  ' order to use the new request format. For more information about the updated MLflow' +
  ' Model scoring protocol in MLflow 2.0, see' +
  ' https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.';

/** What the scoring server needs of a model: a `predict` that enforces the signature, and the signature. */
export interface ScorableModel {
  /** The model's signature, if any (its params schema decides the params of LLM payloads). */
  readonly signature: ModelSignature | undefined;
  /** Predicts, enforcing the signature (MLflow error codes on failure). */
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown>;
}

/** A response of the scoring server. */
export interface ScoringResponse {
  /** HTTP status. */
  status: number;
  /** `Content-Type` header value. */
  contentType: string;
  /** Body text. */
  body: string;
  /** The model's output, on a successful prediction (before serialisation). */
  predictions?: unknown;
}

/** A request parsed into what the model receives. */
export interface ParsedInvocation {
  /** The model input (a {@link Frame}, plain arrays/objects, or the LLM payload's data). */
  data: unknown;
  /** The params, as sent (enforced by the model's `predict`). */
  params: Record<string, unknown> | undefined;
  /** True for an "unified LLM" payload: the answer is not wrapped in `{"predictions": ...}`. */
  unwrapped: boolean;
}

/** Content type of MLflow's plain-text answers (Starlette adds the charset to `text/*`). */
const TEXT_PLAIN = 'text/plain; charset=utf-8';

function text(status: number, body: string): ScoringResponse {
  return { status, contentType: TEXT_PLAIN, body };
}

/** The response for an {@link MlflowError}: MLflow's error JSON, status from the error code. */
export function errorResponse(error: MlflowError): ScoringResponse {
  return { status: error.httpStatus, contentType: CONTENT_TYPE_JSON, body: errorToJson(error) };
}

/** Python's `repr(type(value))`. */
function pyClass(value: unknown): string {
  if (value === null || value === undefined) return "<class 'NoneType'>";
  if (typeof value === 'string') return "<class 'str'>";
  if (typeof value === 'boolean') return "<class 'bool'>";
  if (typeof value === 'number') return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
  if (Array.isArray(value)) return "<class 'list'>";
  return "<class 'dict'>";
}

/** Python's `repr(bytes)` of a request body, cut after 10,000 bytes. */
function bytesRepr(body: Uint8Array): string {
  const LIMIT = 10_000;
  let out = "b'";
  const n = Math.min(body.length, LIMIT);
  for (let i = 0; i < n; i++) {
    const c = body[i] as number;
    if (c === 0x27) out += "\\'";
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out}'${body.length > LIMIT ? `... (${body.length} bytes)` : ''}`;
}

/** V8's JSON syntax errors, by their start, and the message Python's `json` gives for the same mistake. */
const JSON_ERROR_MESSAGES: Array<[RegExp, string]> = [
  [/^Unexpected end of JSON input/, 'Expecting value'],
  [/^Expected double-quoted property name/, 'Expecting property name enclosed in double quotes'],
  [/^Expected ',' or '\]' after array element/, "Expecting ',' delimiter"],
  [/^Expected ',' or '\}' after property value/, "Expecting ',' delimiter"],
  [/^Expected ':' after property name/, "Expecting ':' delimiter"],
  [/^Unexpected non-whitespace character after JSON/, 'Extra data'],
  [/^Unterminated string/, 'Unterminated string starting at'],
  [/^Bad control character in string literal/, 'Invalid control character at'],
  [/^Bad escaped character/, 'Invalid \\escape'],
  [/^(Unexpected token|Unexpected character|"\S)/, 'Expecting value'],
];

/** `JSONDecodeError('msg: line L column C (char N)')` for V8's error on `text`. */
function jsonDecodeErrorRepr(err: unknown, text: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(raw);
  const pos = m ? Number(m[1]) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  const msg =
    text.trim() === ''
      ? 'Expecting value'
      : (JSON_ERROR_MESSAGES.find(([re]) => re.test(raw))?.[1] ?? raw.replace(/\s*in JSON at position \d+.*$/s, ''));
  return `JSONDecodeError(${pyStrRepr(`${msg}: line ${line} column ${col} (char ${pos})`)})`;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return UTF8.decode(body);
  } catch {
    return undefined;
  }
}

/** `_decode_json_input`: the payload must be a JSON object. */
function decodeJsonInput(body: Uint8Array): Record<string, unknown> {
  const text = decodeUtf8(body);
  if (text === undefined) {
    throw invalidInput(
      'Ensure that input is a valid JSON formatted string. ' +
        `Error: 'UnicodeDecodeError('utf-8', <body>, 'invalid utf-8 sequence')'\nInput: \n${bytesRepr(body)}\n`,
    );
  }
  let decoded: unknown;
  try {
    decoded = pyJsonLoads(text);
  } catch (e) {
    throw invalidInput(
      `Ensure that input is a valid JSON formatted string. Error: '${jsonDecodeErrorRepr(e, text)}'\nInput: \n${bytesRepr(body)}\n`,
    );
  }
  if (isPlainObject(decoded)) return decoded;
  if (Array.isArray(decoded)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${pyClass(decoded)}.`);
}

/** Input name -> spec, for a schema with named inputs (empty otherwise). */
function specsOf(schema: Schema | undefined): Map<string, ColSpec | TensorSpec> {
  const out = new Map<string, ColSpec | TensorSpec>();
  if (schema && hasInputNames(schema)) for (const s of schema.inputs) out.set(String(s.name), s);
  return out;
}

/** `convert_data_type(data, spec)`; conversion failures are `Invalid input. <error>`. */
function convertDataType(data: unknown, spec: ColSpec | TensorSpec | undefined): unknown {
  try {
    if (spec === undefined) return npArray(data);
    if (spec.kind === 'tensor') return npArrayOfDtype(data, spec.dtype);
    if (typeof spec.type === 'string') return npArrayOfType(data, spec.type);
    if (spec.type.type === 'array') return npArray(data);
    return data;
  } catch (e) {
    if (e instanceof PythonError) throw invalidInput(e.message);
    throw e;
  }
}

function isNpScalar(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

/** `_cast_schema_type`: the `inputs` payload (and non-record `instances`) as numpy values. */
function castSchemaType(input: unknown, schema: Schema | undefined): unknown {
  const types = specsOf(schema);
  let data = input;
  if (schema) {
    if (types.size === 1 && Array.isArray(data) && !data.some((x) => isPlainObject(x))) {
      data = { [[...types.keys()][0]!]: data };
    } else if (!hasInputNames(schema) && !(Array.isArray(data) || isNpScalar(data))) {
      throw invalidInput(
        'Failed to parse input data. This model contains an un-named  model signature which expects a single ' +
          `n-dimensional array or a single value as input, however, an input of type ${pyClass(data)} was found.`,
      );
    }
  }
  if (isPlainObject(data)) {
    const out: Record<string, unknown> = {};
    for (const [col, v] of Object.entries(data)) out[col] = convertDataType(v, types.get(col));
    return out;
  }
  const first = schema?.inputs[0];
  if (Array.isArray(data)) {
    if (data.every((x) => isPlainObject(x))) {
      return (data as Array<Record<string, unknown>>).map((rec) => {
        const out: Record<string, unknown> = {};
        for (const [col, v] of Object.entries(rec)) out[col] = convertDataType(v, types.get(col));
        return out;
      });
    }
    return convertDataType(data, first);
  }
  try {
    return convertDataType(data, first);
  } catch (e) {
    if (!(e instanceof MlflowError)) throw e;
    const spec = first ? pyRepr(first.kind === 'column' ? first.type : first.dtype) : 'None';
    throw invalidInput(
      `Failed to convert data \`${pyRepr(data)}\` to type \`${spec}\` defined in the model signature.`,
    );
  }
}

/** `parse_instances_data`: records become columns (`{name: array}`), and columns must have one length. */
function parseInstances(instances: unknown, schema: Schema | undefined): unknown {
  let data: unknown;
  if (Array.isArray(instances) && instances.length > 0 && isPlainObject(instances[0])) {
    const types = specsOf(schema);
    const columns = new Map<string, unknown[]>();
    for (const item of instances) {
      if (!isPlainObject(item)) {
        throw new PythonError('AttributeError', `'${pyClass(item).slice(8, -2)}' object has no attribute 'items'`);
      }
      for (const [col, v] of Object.entries(item)) {
        let list = columns.get(col);
        if (!list) {
          list = [];
          columns.set(col, list);
        }
        list.push(unwrapNumpy(convertDataType(v, types.get(col))));
      }
    }
    const out: Record<string, unknown> = {};
    for (const [col, values] of columns) out[col] = npArray(values);
    data = out;
  } else {
    data = castSchemaType(instances, schema);
  }
  if (isPlainObject(data)) {
    const arrays = Object.entries(data).filter(([, v]) => v instanceof NdArray && v.ndim >= 1) as Array<
      [string, NdArray]
    >;
    let check = arrays;
    if (schema && hasInputNames(schema)) {
      const required = new Set(
        schema.inputs
          .filter((s): s is ColSpec => s.kind === 'column' && s.required)
          .filter((s) => !(typeof s.type === 'object' && s.type.type === 'array'))
          .map((s) => String(s.name)),
      );
      check = arrays.filter(([k]) => required.has(k));
    }
    if (check.length > 0 && check.some(([, v]) => v.length !== check[0]![1].length)) {
      throw invalidInput('The length of values for each input/column name are not the same');
    }
  }
  return data;
}

/** `parse_tf_serving_input` for `instances` / `inputs`. */
function parseTfServingInput(format: 'instances' | 'inputs', value: unknown, schema: Schema | undefined): unknown {
  try {
    return format === 'instances' ? parseInstances(value, schema) : castSchemaType(value, schema);
  } catch (e) {
    if (e instanceof MlflowError) throw e;
    const repr = e instanceof PythonError ? e.repr : `Exception(${JSON.stringify(String(e))})`;
    throw invalidInput(`Ensure that the input is a valid JSON-formatted string.\nError: ${repr}`);
  }
}

/** `dataframe_from_parsed_json`, then `cast_df_types_according_to_schema`. */
function parseDataframe(
  format: 'dataframe_split' | 'dataframe_records',
  value: unknown,
  schema: Schema | undefined,
): Frame {
  let frame: Frame;
  const orient = format === 'dataframe_split' ? 'split' : 'records';
  if (orient === 'records') {
    if (!Array.isArray(value)) {
      const what = isPlainObject(value) ? 'dictionary' : `type ${pyClass(value)}`;
      throw invalidInput(`Dataframe records format must be a list of records. Got ${what}.`);
    }
    try {
      frame = frameFromRecords(value);
    } catch (e) {
      throw invalidInput(
        `Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '${(e as Error).message}'`,
      );
    }
  } else {
    if (!isPlainObject(value)) {
      const what = Array.isArray(value) ? 'list' : `type ${pyClass(value)}`;
      throw invalidInput(`Dataframe split format must be a dictionary. Got ${what}.`);
    }
    const keys = Object.keys(value);
    if (!keys.includes('data') || keys.some((k) => k !== 'columns' && k !== 'data' && k !== 'index')) {
      throw invalidInput(
        `Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got ${pySetRepr(keys)}.'`,
      );
    }
    try {
      frame = frameFromSplit(value);
    } catch (e) {
      throw invalidInput(
        `Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${(e as Error).message}'`,
      );
    }
  }
  if (!schema) return frame;
  try {
    return castFrameToSchema(frame, schema);
  } catch (e) {
    if (e instanceof FailedTypeConversion) throw invalidInput(e.message);
    throw e;
  }
}

/** `infer_and_parse_data`: exactly one input key, parsed by its format. */
function inferAndParseData(data: Record<string, unknown>, schema: Schema | undefined): unknown {
  const keys = Object.keys(data);
  if (keys.length !== 1) {
    throw new ScoringError(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyRepr(keys)}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
      ErrorCode.BAD_REQUEST,
    );
  }
  const format = keys[0] as InputFormat;
  if (format === 'instances' || format === 'inputs') return parseTfServingInput(format, data[format], schema);
  return parseDataframe(format, data[format], schema);
}

/** The model input MLflow's `_enforce_schema` would build from converted numpy values, for a column schema. */
function modelInput(data: unknown, schema: Schema | undefined): unknown {
  if (
    schema &&
    !isTensorSchema(schema) &&
    isPlainObject(data) &&
    Object.values(data).some((v) => v instanceof NdArray)
  ) {
    try {
      const frame = frameFromConvertedDict(data, schema);
      if (frame instanceof Frame) return frame;
    } catch (e) {
      if (!(e instanceof PythonError)) throw e;
      throw new ScoringError(
        'Failed to enforce model input schema. Error: This model contains a column-based signature, which suggests ' +
          `a DataFrame input. There was an error casting the input data to a DataFrame: ${e.message}`,
        ErrorCode.INVALID_PARAMETER_VALUE,
        { errorClass: 'SCHEMA_ENFORCEMENT_FAILED' },
      );
    }
  }
  return unwrapNumpy(data);
}

/** `_parse_json_data`: the JSON payload split into model input and params. */
function parseJsonData(body: Uint8Array, signature: ModelSignature | undefined): ParsedInvocation {
  const json = decodeJsonInput(body);
  if (LLM_INPUT_KEYS.some((k) => Object.hasOwn(json, k))) {
    const declared = new Set(signature?.params?.params.map((p) => p.name) ?? []);
    const data: Record<string, unknown> = {};
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) {
      if (declared.has(k)) params[k] = v;
      else data[k] = v;
    }
    return { data, params, unwrapped: true };
  }
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if ((INPUT_FORMATS as readonly string[]).includes(k)) data[k] = v;
  const params = json[SERVING_PARAMS_KEY] as Record<string, unknown> | undefined;
  const parsed = inferAndParseData(data, signature?.inputs);
  return { data: parsed, params: params ?? undefined, unwrapped: false };
}

/**
 * Parses a request into the model's input, or returns the response that refuses it (415 for content
 * types; MLflow's error JSON for bad payloads).
 */
export function parseInvocation(
  body: Uint8Array,
  contentType: string | undefined,
  signature: ModelSignature | undefined,
): ParsedInvocation | ScoringResponse {
  const parts = (contentType ?? '').split(';').map((p) => p.trim());
  const mimeType = parts[0] ?? '';
  const parameters = new Map<string, string>();
  for (const pair of parts.slice(1)) {
    const eq = pair.indexOf('=');
    parameters.set(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
  }
  if ((parameters.get('charset') ?? 'utf-8').toLowerCase() !== 'utf-8') {
    return text(415, 'The scoring server only supports UTF-8');
  }
  const unexpected = [...parameters.keys()].filter((k) => k !== 'charset');
  if (unexpected.length > 0) {
    return text(415, `Unrecognized content type parameters: ${unexpected.join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  try {
    if (mimeType === CONTENT_TYPE_CSV) {
      const csv = decodeUtf8(body);
      if (csv === undefined) {
        throw invalidInput("Ensure that input is a valid UTF-8 encoded string. Error: 'UnicodeDecodeError('utf-8')'");
      }
      try {
        return { data: readCsv(csv, signature?.inputs), params: undefined, unwrapped: false };
      } catch (e) {
        if (!(e instanceof PythonError)) throw e;
        throw new ScoringError(
          'Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas ' +
            `DataFrame produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${e.message}'`,
          ErrorCode.BAD_REQUEST,
          { stackTrace: e.stack ?? String(e) },
        );
      }
    }
    if (mimeType === CONTENT_TYPE_JSON) return parseJsonData(body, signature);
  } catch (e) {
    if (e instanceof MlflowError) return errorResponse(e);
    throw e;
  }
  const got = contentType === undefined ? 'None' : contentType;
  const note =
    mimeType === CONTENT_TYPE_PARQUET ? ' Parquet input is not supported by the Node.js scoring server.' : '';
  return text(
    415,
    `This predictor only supports the following content types: Types: ['${CONTENT_TYPES.join("', '")}']. Got '${got}'.${note}`,
  );
}

/** True when `value` is a {@link ScoringResponse} rather than a parsed request. */
export function isScoringResponse(value: ParsedInvocation | ScoringResponse): value is ScoringResponse {
  return (value as ScoringResponse).status !== undefined;
}

/**
 * Runs the model on a parsed request and serialises the answer as MLflow does, or the error: an
 * {@link MlflowError} from the model (schema enforcement included) keeps its code, with the message
 * `Failed to predict data '<data>'. \nError: <message>`; any other error is `BAD_REQUEST` with a stack trace.
 */
export async function predictInvocation(model: ScorableModel, parsed: ParsedInvocation): Promise<ScoringResponse> {
  let predictions: unknown;
  try {
    predictions = await model.predict(modelInput(parsed.data, model.signature?.inputs), parsed.params);
  } catch (e) {
    if (e instanceof MlflowError) {
      const schemaFailure = e.message.startsWith('Failed to enforce');
      return errorResponse(
        new ScoringError(
          `Failed to predict data '${pyStr(unwrapNumpy(parsed.data))}'. \nError: ${e.message}`,
          e.errorCode,
          {
            errorClass:
              e instanceof ScoringError ? e.errorClass : schemaFailure ? 'SCHEMA_ENFORCEMENT_FAILED' : undefined,
            cause: e,
          },
        ),
      );
    }
    return errorResponse(
      new ScoringError(
        'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is ' +
          'compatible with the model for inference.',
        ErrorCode.BAD_REQUEST,
        { stackTrace: e instanceof Error ? (e.stack ?? String(e)) : String(e), cause: e },
      ),
    );
  }
  const body = parsed.unwrapped ? dumpPythonJson(predictions) : predictionsToJson(predictions);
  return { status: 200, contentType: CONTENT_TYPE_JSON, body, predictions };
}

/**
 * One `POST /invocations`, start to end: parse the body by its content type, predict, serialise. Never
 * throws for bad input: every failure is the response MLflow's server gives.
 */
export async function invocations(
  body: Uint8Array,
  contentType: string | undefined,
  model: ScorableModel,
): Promise<ScoringResponse> {
  const parsed = parseInvocation(body, contentType, model.signature);
  if (isScoringResponse(parsed)) return parsed;
  return predictInvocation(model, parsed);
}
