/**
 * Input validation for the tracking API: the rules, limits, error codes and message texts of
 * MLflow 3.18's `mlflow/utils/validation.py` (plus the param-overwrite messages of its SQL store),
 * so that clients comparing messages see the same text from this SDK as from MLflow.
 *
 * Where MLflow renders a value with Python's `json.dumps`, `repr` or `str`, this module renders it
 * the same way (see the `py*` helpers at the bottom); lengths are counted in code points, as
 * Python's `len` counts them.
 */

import { ENV } from '../config/env.js';
import { pyJsonString } from '../internal/python-json.js';
import type { Metric } from './entities/metric.js';
import type { Param } from './entities/param.js';
import type { DatasetInput } from './entities/run.js';
import type { RunTag } from './entities/tag.js';
import { InvalidParameterError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Limits (MLflow 3.18 `mlflow/utils/validation.py`)
// ---------------------------------------------------------------------------------------------

/** Most params, and separately most tags, one `log_batch` request may carry. */
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
/** Most metrics one `log_batch` request may carry. */
export const MAX_METRICS_PER_BATCH = 1000;
/** Most datasets one batch may carry. */
export const MAX_DATASETS_PER_BATCH = 1000;
/** Most metrics, params and tags together one `log_batch` request may carry. */
export const MAX_ENTITIES_PER_BATCH = 1000;
/** Largest `log_batch` request MLflow accepts (compared against Python `len` of the parsed JSON). */
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
/** Longest param value, in characters; longer ones are truncated when truncation is on. */
export const MAX_PARAM_VAL_LENGTH = 6000;
/** Longest run tag value, in characters; longer ones are truncated when truncation is on. */
export const MAX_TAG_VAL_LENGTH = 8000;
/** Longest experiment name, in characters. */
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
/** Longest experiment tag key, in characters. */
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
/** Longest experiment tag value, in characters (never truncated). */
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 20000;
/** Longest metric, param or run tag key, in characters. */
export const MAX_ENTITY_KEY_LENGTH = 250;
/** Longest dataset name, in characters. */
export const MAX_DATASET_NAME_SIZE = 500;
/** Longest dataset digest, in characters. */
export const MAX_DATASET_DIGEST_SIZE = 36;
/** Longest dataset schema, in characters (1 MB - 1). */
export const MAX_DATASET_SCHEMA_SIZE = 1048575;
/** Longest dataset source, in characters (64 KB - 1). */
export const MAX_DATASET_SOURCE_SIZE = 65535;
/** Longest dataset profile, in characters (16 MB - 1). */
export const MAX_DATASET_PROFILE_SIZE = 16777215;
/** Longest dataset input tag key, in characters. */
export const MAX_INPUT_TAG_KEY_SIZE = 255;
/** Longest dataset input tag value, in characters. */
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
/** Longest trace tag key, in characters. */
export const MAX_TRACE_TAG_KEY_LENGTH = 250;
/** Longest trace tag value, in characters; longer ones are truncated when truncation is on. */
export const MAX_TRACE_TAG_VAL_LENGTH = 8000;
/** Longest trace archival retention duration string, in characters. */
export const MAX_TRACE_ARCHIVAL_RETENTION_LENGTH = 32;
/** Default of `MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH`, the longest experiment artifact location. */
export const DEFAULT_ARTIFACT_LOCATION_MAX_LENGTH = 2048;

/** Environment variable capping experiment artifact location length (MLflow's name). */
export const ARTIFACT_LOCATION_MAX_LENGTH_ENV = 'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH';

/** Experiment tag key holding a trace archival retention config (`TraceExperimentTagKey`). */
export const TRACE_ARCHIVAL_RETENTION_TAG = 'mlflow.trace.archivalRetention';
/** Experiment tag key holding a trace "archive now" request (`TraceExperimentTagKey`). */
export const TRACE_ARCHIVE_NOW_TAG = 'mlflow.trace.archiveNow';

// Run IDs: alphanumeric first, then up to 255 word characters or dashes. `\w` is Python's Unicode
// `\w` (letters, numbers, underscore), hence \p{L}\p{N}_ here.
const RUN_ID_REGEX = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,255}$/u;
// Experiment IDs: alphanumeric first, then up to 63 word characters or dashes.
const EXPERIMENT_ID_REGEX = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,63}$/u;
// Metric / param / tag names: slashes, word characters, periods, dashes, spaces, and (except on
// Windows) colons.
const NAME_REGEX_POSIX = /^[/\p{L}\p{N}_.\- :]*$/u;
const NAME_REGEX_WINDOWS = /^[/\p{L}\p{N}_.\- ]*$/u;
const TRACE_ARCHIVAL_RETENTION_REGEX = /^[1-9][0-9]*[mhd]$/;

const MISSING_KEY_NAME_MESSAGE = 'A key name must be provided.';

/**
 * Suffix MLflow's client appends to INVALID_PARAMETER_VALUE errors of `log_param`, explaining
 * that a param cannot be logged twice with different values.
 */
export const PARAM_VALIDATION_MSG = `

The cause of this error is typically due to repeated calls
to an individual run_id event logging.

Incorrect Example:
---------------------------------------
with mlflow.start_run():
    mlflow.log_param("depth", 3)
    mlflow.log_param("depth", 5)
---------------------------------------

Which will throw an MlflowException for overwriting a
logged parameter.

Correct Example:
---------------------------------------
with mlflow.start_run():
    with mlflow.start_run(nested=True):
        mlflow.log_param("depth", 3)
    with mlflow.start_run(nested=True):
        mlflow.log_param("depth", 5)
---------------------------------------

Which will create a new nested run for each individual
model and prevent parameter key collisions within the
tracking store.`;

// ---------------------------------------------------------------------------------------------
// Warning sink and environment
// ---------------------------------------------------------------------------------------------

/** Receives the warnings validation emits (currently: value truncation). */
export type ValidationWarn = (message: string) => void;

const defaultWarn: ValidationWarn = (message) => console.warn(message);
let warn: ValidationWarn = defaultWarn;

/** Replaces the warning sink (default `console.warn`); `null` restores the default. Returns the previous sink. */
export function setValidationWarn(fn: ValidationWarn | null): ValidationWarn {
  const previous = warn;
  warn = fn ?? defaultWarn;
  return previous;
}

/**
 * Whether over-long param/tag values are truncated (`MLFLOW_TRUNCATE_LONG_VALUES`, default true).
 * As in MLflow, a set value other than true/false/1/0 (case-insensitive, empty included) throws.
 */
export function truncateLongValuesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[ENV.TRUNCATE_LONG_VALUES];
  if (raw === undefined) return true;
  const lower = raw.toLowerCase();
  if (lower !== 'true' && lower !== 'false' && lower !== '1' && lower !== '0') {
    throw new Error(
      `${ENV.TRUNCATE_LONG_VALUES} value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got ${raw}`,
    );
  }
  return lower === 'true' || lower === '1';
}

/** The artifact location length cap (`MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH`, default 2048). */
export function artifactLocationMaxLength(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ARTIFACT_LOCATION_MAX_LENGTH_ENV];
  if (raw === undefined) return DEFAULT_ARTIFACT_LOCATION_MAX_LENGTH;
  const parsed = parsePyInt(raw);
  if (parsed === undefined) {
    throw new Error(
      `Failed to convert ${pyRepr(raw)} for ${ARTIFACT_LOCATION_MAX_LENGTH_ENV}: invalid literal for int() with base 10: ${pyRepr(raw)}`,
    );
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Message builders (MLflow's wording)
// ---------------------------------------------------------------------------------------------

/** MLflow's `invalid_value`: `Invalid value <json> for parameter '<path>' supplied[: <message>]`. */
export function invalidValue(path: string, value: unknown, message?: string): string {
  const formatted = pyJsonDumps(value);
  return message
    ? `Invalid value ${formatted} for parameter '${path}' supplied: ${message}`
    : `Invalid value ${formatted} for parameter '${path}' supplied.`;
}

/** MLflow's `missing_value`: `Missing value for required parameter '<path>'.` */
export function missingValue(path: string): string {
  return `Missing value for required parameter '${path}'.`;
}

/** MLflow's `not_integer_value`: `Parameter '<path>' must be an integer, got '<value>'.` */
export function notIntegerValue(path: string, value: unknown): string {
  return `Parameter '${path}' must be an integer, got '${pyStr(value)}'.`;
}

/** MLflow's `exceeds_maximum_length`: `'<path>' exceeds the maximum length of <limit> characters`. */
export function exceedsMaximumLength(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}

/** MLflow's `append_to_json_path`: `a` + `b` → `a.b`, `a` + `[0]` → `a[0]`, `` + `b` → `b`. */
export function appendToJsonPath(currentPath: string, value: string): string {
  if (!currentPath) return value;
  if (value.startsWith('[')) return `${currentPath}${value}`;
  return `${currentPath}.${value}`;
}

/** MLflow's `bad_path_message`: why a name that normalises to another path is refused. */
export function badPathMessage(name: string): string {
  return (
    'Names may be treated as files in certain cases, and must not resolve to other names' +
    ` when treated as such. This name would resolve to ${pyRepr(posixNormpath(name))}`
  );
}

/** MLflow's `bad_character_message`: the characters names may contain (no colon on Windows). */
export function badCharacterMessage(): string {
  const colon = isWindows() ? '' : ', colon(:)';
  return `Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( )${colon} and slashes (/).`;
}

/** MLflow's `path_not_unique`: true when `name` read as a POSIX path normalises to something else. */
export function pathNotUnique(name: string): boolean {
  // Without a slash, normpath only changes '', '.' and names starting with '..' (same verdict, no work).
  if (!name.includes('/')) return name === '' || name === '.' || name.startsWith('..');
  const norm = posixNormpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/** MLflow's `validate_param_and_metric_name`: true when `name` only has allowed characters. */
export function isValidParamOrMetricName(name: string): boolean {
  return (isWindows() ? NAME_REGEX_WINDOWS : NAME_REGEX_POSIX).test(name);
}

/** Message of the SQL store's `log_param` when a param is re-logged with a different value. */
export function paramValueChangedMessage(key: string, oldValue: unknown, runId: string, newValue: unknown): string {
  return (
    `Changing param values is not allowed. Param with key='${pyStr(key)}' was already` +
    ` logged with value='${pyStr(oldValue)}' for run ID='${pyStr(runId)}'. Attempted logging new value` +
    ` '${pyStr(newValue)}'.`
  );
}

/** One param whose re-logged value differs, as the SQL store's `log_batch` reports it. */
export interface ChangedParam {
  /** Param key. */
  key: string;
  /** Value already stored. */
  oldValue: unknown;
  /** Value the request tried to log. */
  newValue: unknown;
}

/** Message of the SQL store's `log_batch` when params are re-logged with different values. */
export function paramValuesChangedMessage(changed: readonly ChangedParam[], runId: string): string {
  const rendered = changed.map((c) => ({ key: c.key, old_value: c.oldValue, new_value: c.newValue }));
  return `Changing param values is not allowed. Params were already logged='${pyStr(rendered)}' for run ID='${pyStr(runId)}'.`;
}

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

// Names that passed checkName: logging repeats the same few keys thousands of times.
const goodNames = new Set<string>();
const GOOD_NAMES_MAX = 10_000;

function checkName(name: unknown, path: string): void {
  if (typeof name === 'string' && goodNames.has(name)) return;
  if (typeof name !== 'string' || !isValidParamOrMetricName(name)) {
    // Python would raise a TypeError for a non-string name; we refuse it like a bad character.
    fail(invalidValue(path, name, badCharacterMessage()));
  }
  if (pathNotUnique(name)) fail(invalidValue(path, name, badPathMessage(name)));
  if (goodNames.size >= GOOD_NAMES_MAX) goodNames.clear();
  goodNames.add(name);
}

/** Checks a metric name: present, allowed characters, and a path that normalises to itself. */
export function validateMetricName(name: string | null | undefined, path = 'name'): void {
  if (name === null || name === undefined) {
    fail(invalidValue(path, null, `Metric name cannot be None. ${MISSING_KEY_NAME_MESSAGE}`));
  }
  checkName(name, path);
}

/** Checks a param name: present, allowed characters, and a path that normalises to itself. */
export function validateParamName(name: string | null | undefined, path = 'key'): void {
  if (name === null || name === undefined) fail(invalidValue(path, '', MISSING_KEY_NAME_MESSAGE));
  checkName(name, path);
}

/** Checks a tag name: present, allowed characters, and a path that normalises to itself. */
export function validateTagName(name: string | null | undefined, path = 'key'): void {
  if (name === null || name === undefined) fail(missingValue(path));
  checkName(name, path);
}

// ---------------------------------------------------------------------------------------------
// Lengths
// ---------------------------------------------------------------------------------------------

/**
 * MLflow's `_validate_length_limit`: `value` unchanged when within `limit` characters (null passes);
 * else, with `truncate` and `MLFLOW_TRUNCATE_LONG_VALUES` on, its first `limit` characters and a
 * warning; else an INVALID_PARAMETER_VALUE error naming `entityName`.
 */
export function validateLengthLimit<T extends string | null | undefined>(
  entityName: string,
  limit: number,
  value: T,
  options: { truncate?: boolean } = {},
): T {
  if (value === null || value === undefined) return value;
  const str = typeof value === 'string' ? value : String(value);
  // Cheap exit: a string of n UTF-16 units never has more than n code points.
  if (str.length <= limit) return value;
  const length = pyLen(str);
  if (length <= limit) return value;
  if (options.truncate && truncateLongValuesEnabled()) {
    warn(
      `${entityName} '${pySlice(str, 100)}...' (${length} characters) is truncated to ` +
        `${limit} characters to meet the length limit.`,
    );
    return pySlice(str, limit) as T;
  }
  fail(exceedsMaximumLength(entityName, limit));
}

// ---------------------------------------------------------------------------------------------
// Metrics, params, tags
// ---------------------------------------------------------------------------------------------

/** Python `numbers.Number` minus `bool`: what MLflow accepts as a metric value. */
function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** Python `isinstance(x, numbers.Number)`: booleans included, as `bool` subclasses `int` there. */
function isPyNumber(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/** Renders a metric value as MLflow's f-strings do: a double (`1.0`, `nan`, `inf`). */
function metricValueStr(value: unknown): string {
  return typeof value === 'number' ? pyFloatRepr(value) : pyStr(value);
}

/**
 * Checks one metric as MLflow's `_validate_metric` does: name; value present and numeric (not a
 * boolean; NaN and ±Infinity allowed); timestamp a number ≥ 0; step a number; key length.
 * Like MLflow 3.18, timestamp and step need only be numbers, not integers (1.5 and NaN pass).
 */
export function validateMetric(key: string, value: unknown, timestamp: unknown, step: unknown, path = ''): void {
  validateMetricName(key, appendToJsonPath(path, 'name'));
  if (value === null || value === undefined) fail(missingValue(appendToJsonPath(path, 'value')));
  if (!isNumeric(value)) {
    fail(
      invalidValue(
        appendToJsonPath(path, 'value'),
        value,
        `(timestamp=${pyStr(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
      ),
    );
  }
  // `bool` is a Number in Python and True/False are never negative; NaN passes too (NaN < 0 is false).
  if (!isPyNumber(timestamp) || (typeof timestamp !== 'boolean' && (timestamp as number | bigint) < 0)) {
    fail(
      invalidValue(
        appendToJsonPath(path, 'timestamp'),
        timestamp,
        `metric '${key}' (value=${metricValueStr(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
      ),
    );
  }
  if (!isPyNumber(step)) {
    fail(
      invalidValue(
        appendToJsonPath(path, 'step'),
        step,
        `metric '${key}' (value=${metricValueStr(value)}). Step must be a valid long (64-bit integer).`,
      ),
    );
  }
  validateLengthLimit('Metric name', MAX_ENTITY_KEY_LENGTH, key);
}

/**
 * Checks a param (name, key length ≤ 250) and returns its value, truncated to 6000 characters with
 * a warning when over-long and truncation is on (else an error).
 */
export function validateParam(key: string, value: string, path = ''): string {
  validateParamName(key, appendToJsonPath(path, 'key'));
  validateLengthLimit('Param key', MAX_ENTITY_KEY_LENGTH, key);
  return validateLengthLimit('Param value', MAX_PARAM_VAL_LENGTH, value, { truncate: true });
}

/**
 * Checks a run tag (name, key length ≤ 250) and returns its value, truncated to 8000 characters
 * with a warning when over-long and truncation is on (else an error).
 */
export function validateTag(key: string, value: string, path = ''): string {
  validateTagName(key, appendToJsonPath(path, 'key'));
  validateLengthLimit(appendToJsonPath(path, 'key'), MAX_ENTITY_KEY_LENGTH, key);
  return validateLengthLimit(appendToJsonPath(path, 'value'), MAX_TAG_VAL_LENGTH, value, { truncate: true });
}

/**
 * Checks an experiment tag: name, key ≤ 250 and value ≤ 20000 characters (never truncated), and
 * the JSON configs of the trace archival tags.
 */
export function validateExperimentTag(key: string, value: string | null | undefined): void {
  validateTagName(key);
  validateLengthLimit('key', MAX_EXPERIMENT_TAG_KEY_LENGTH, key);
  validateLengthLimit('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value);
  validateTraceExperimentTag(key, value);
}

/** Checks a trace tag (name, key ≤ 250) and returns it with its value truncated to 8000 characters when on. */
export function validateTraceTag(key: string, value: string): { key: string; value: string } {
  validateTagName(key);
  const k = validateLengthLimit('key', MAX_TRACE_TAG_KEY_LENGTH, key);
  const v = validateLengthLimit('value', MAX_TRACE_TAG_VAL_LENGTH, value, { truncate: true });
  return { key: k, value: v };
}

const RETENTION_FORM_MESSAGE =
  "Trace archival retention must be in the form `<int><unit>`, where unit is one of 'm', 'h', or 'd'.";

/** MLflow's `_validate_trace_archival_retention_string`: a trimmed `<int><unit>` duration such as `30d`. */
export function validateTraceArchivalRetention(value: unknown): string {
  if (typeof value !== 'string') fail(RETENTION_FORM_MESSAGE);
  const trimmed = pyStrip(value);
  if (pyLen(trimmed) > MAX_TRACE_ARCHIVAL_RETENTION_LENGTH) {
    fail('Trace archival duration must be at most 32 characters.');
  }
  if (!TRACE_ARCHIVAL_RETENTION_REGEX.test(trimmed)) fail(RETENTION_FORM_MESSAGE);
  return trimmed;
}

function parseTraceArchivalDurationConfig(
  value: string | null | undefined,
  durationKey: string,
  expectedType: string | undefined,
  allowMissingDuration: boolean,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(value);
  } catch {
    fail('Trace archival config must be encoded as a JSON object.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    fail('Trace archival config must be encoded as a JSON object.');
  }
  const record = payload as Record<string, unknown>;
  if (expectedType !== undefined && record.type !== expectedType) {
    fail(`Trace archival config must use type '${expectedType}'.`);
  }
  const duration = Object.hasOwn(record, durationKey) ? record[durationKey] : null;
  if (duration === null && allowMissingDuration) return undefined;
  return validateTraceArchivalRetention(duration);
}

function validateTraceExperimentTag(key: string, value: string | null | undefined): void {
  if (key === TRACE_ARCHIVAL_RETENTION_TAG) {
    parseTraceArchivalDurationConfig(value, 'value', 'duration', false);
  } else if (key === TRACE_ARCHIVE_NOW_TAG) {
    parseTraceArchivalDurationConfig(value, 'older_than', undefined, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------

function validateBatchLimit(entityName: string, limit: number, length: number): void {
  if (length > limit) {
    fail(
      `A batch logging request can contain at most ${limit} ${entityName}. ` +
        `Got ${length} ${entityName}. Please split up ${entityName} across multiple requests and try again.`,
    );
  }
}

/** Checks batch sizes: ≤ 1000 metrics, ≤ 100 params, ≤ 100 tags, ≤ 1000 entities in all. */
export function validateBatchLogLimits(
  metrics: readonly unknown[],
  params: readonly unknown[],
  tags: readonly unknown[],
): void {
  validateBatchLimit('metrics', MAX_METRICS_PER_BATCH, metrics.length);
  validateBatchLimit('params', MAX_PARAMS_TAGS_PER_BATCH, params.length);
  validateBatchLimit('tags', MAX_PARAMS_TAGS_PER_BATCH, tags.length);
  validateBatchLimit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics.length + params.length + tags.length);
}

/** The fields of a metric that validation reads. */
export type MetricInput = Pick<Metric, 'key' | 'value' | 'timestamp' | 'step'>;

/**
 * Checks every metric, param and tag of a batch (errors name `metrics[i].…`, `params[i].…`,
 * `tags[i].…`) and returns the batch with over-long param/tag values truncated (new objects).
 */
export function validateBatchLogData<M extends MetricInput, P extends Param, T extends RunTag>(
  metrics: readonly M[],
  params: readonly P[],
  tags: readonly T[],
): { metrics: M[]; params: P[]; tags: T[] } {
  metrics.forEach((m, i) => {
    validateMetric(m.key, m.value, m.timestamp, m.step, `metrics[${i}]`);
  });
  return {
    metrics: [...metrics],
    params: params.map((p, i) => ({ ...p, value: validateParam(p.key, p.value, `params[${i}]`) })),
    tags: tags.map((t, i) => ({ ...t, value: validateTag(t.key, t.value, `tags[${i}]`) })),
  };
}

/** Refuses a batch that repeats a param key, listing every repeat as MLflow does. */
export function validateParamKeysUnique(params: readonly Pick<Param, 'key'>[]): void {
  const seen = new Set<unknown>();
  const dupes: unknown[] = [];
  for (const p of params) {
    if (seen.has(p.key)) dupes.push(p.key);
    else seen.add(p.key);
  }
  if (dupes.length > 0) {
    fail(
      `Duplicate parameter keys have been submitted: ${pyStr(dupes)}. Please ensure ` +
        'the request contains only one param value per param key.',
    );
  }
}

/**
 * MLflow's `_validate_batch_log_api_req`: refuses a request whose Python `len` exceeds 1e6. MLflow's
 * server passes the *parsed* JSON, so for an object this counts its top-level keys (a string
 * counts characters); other values are not checked.
 */
export function validateBatchLogApiReq(jsonReq: unknown): void {
  let size: number;
  if (typeof jsonReq === 'string') size = pyLen(jsonReq);
  else if (Array.isArray(jsonReq)) size = jsonReq.length;
  else if (typeof jsonReq === 'object' && jsonReq !== null) size = Object.keys(jsonReq).length;
  else return;
  if (size > MAX_BATCH_LOG_REQUEST_SIZE) {
    fail(
      `Batched logging API requests must be at most ${MAX_BATCH_LOG_REQUEST_SIZE} bytes, got a request of size ${size}.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// IDs, experiments, datasets
// ---------------------------------------------------------------------------------------------

/** Checks a run ID: alphanumeric first, then up to 255 word characters or dashes. */
export function validateRunId(runId: string, path = 'run_id'): void {
  if (typeof runId !== 'string' || !RUN_ID_REGEX.test(runId)) fail(invalidValue(path, runId));
}

/** Checks an experiment ID (null passes): alphanumeric first, then up to 63 word characters or dashes. */
export function validateExperimentId(experimentId: string | number | null | undefined): void {
  if (experimentId === null || experimentId === undefined) return;
  const id = typeof experimentId === 'number' && Number.isInteger(experimentId) ? String(experimentId) : experimentId;
  if (typeof id !== 'string' || !EXPERIMENT_ID_REGEX.test(id)) {
    fail(`Invalid experiment ID: '${pyStr(experimentId)}'`);
  }
}

/** MLflow's `_parse_experiment_id`: the ID as an integer (Python `int()` rules), else an error. */
export function parseExperimentId(experimentId: string | number): number {
  let parsed: number | undefined;
  if (typeof experimentId === 'number') parsed = Number.isFinite(experimentId) ? Math.trunc(experimentId) : undefined;
  else if (typeof experimentId === 'string') parsed = parsePyInt(experimentId);
  if (parsed === undefined) {
    fail(`Invalid experiment ID '${pyStr(experimentId)}'. Experiment ID must be a valid integer.`);
  }
  return parsed;
}

/** Checks an experiment name: a string, not blank, at most 500 characters. */
export function validateExperimentName(name: unknown): asserts name is string {
  if (name === null || name === undefined || (typeof name === 'string' && pyStrip(name) === '')) {
    fail(`Invalid experiment name: '${pyStr(name)}'`);
  }
  if (typeof name !== 'string') fail(`Invalid experiment name: ${pyStr(name)}. Expects a string.`);
  if (pyLen(name) > MAX_EXPERIMENT_NAME_LENGTH) {
    fail(exceedsMaximumLength('name', MAX_EXPERIMENT_NAME_LENGTH));
  }
}

/** Refuses an experiment artifact location that is a `runs:` URI (null passes). */
export function validateExperimentArtifactLocation(artifactLocation: string | null | undefined): void {
  if (artifactLocation?.startsWith('runs:')) {
    fail(`Artifact location cannot be a runs:/ URI. Given: '${artifactLocation}'`);
  }
}

/** Refuses an experiment artifact location longer than `MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH` (2048). */
export function validateExperimentArtifactLocationLength(artifactLocation: string): void {
  const maxLength = artifactLocationMaxLength();
  if (pyLen(artifactLocation) > maxLength) {
    fail(
      'Invalid artifact path length. The length of the artifact path cannot be ' +
        `greater than ${maxLength} characters. To configure this limit, please set the ` +
        'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.',
    );
  }
}

/** Checks dataset inputs: required dataset fields present and within limits, input tags within limits. */
export function validateDatasetInputs(datasetInputs: readonly DatasetInput[]): void {
  for (const input of datasetInputs) {
    const dataset = input.dataset;
    if (dataset === null || dataset === undefined) fail('Dataset cannot be None');
    if (dataset.name === null || dataset.name === undefined) fail('Dataset name cannot be None');
    if (dataset.digest === null || dataset.digest === undefined) fail('Dataset digest cannot be None');
    if (dataset.sourceType === null || dataset.sourceType === undefined) fail('Dataset source_type cannot be None');
    if (dataset.source === null || dataset.source === undefined) fail('Dataset source cannot be None');
    if (pyLen(dataset.name) > MAX_DATASET_NAME_SIZE) fail(exceedsMaximumLength('name', MAX_DATASET_NAME_SIZE));
    if (pyLen(dataset.digest) > MAX_DATASET_DIGEST_SIZE) fail(exceedsMaximumLength('digest', MAX_DATASET_DIGEST_SIZE));
    if (pyLen(dataset.source) > MAX_DATASET_SOURCE_SIZE) fail(exceedsMaximumLength('source', MAX_DATASET_SOURCE_SIZE));
    if (dataset.schema !== null && dataset.schema !== undefined && pyLen(dataset.schema) > MAX_DATASET_SCHEMA_SIZE) {
      fail(exceedsMaximumLength('schema', MAX_DATASET_SCHEMA_SIZE));
    }
    if (
      dataset.profile !== null &&
      dataset.profile !== undefined &&
      pyLen(dataset.profile) > MAX_DATASET_PROFILE_SIZE
    ) {
      fail(exceedsMaximumLength('profile', MAX_DATASET_PROFILE_SIZE));
    }
    for (const [key, value] of Object.entries(input.tags ?? {})) {
      if (value === null || value === undefined) fail('InputTag value cannot be None');
      if (pyLen(key) > MAX_INPUT_TAG_KEY_SIZE) fail(exceedsMaximumLength('key', MAX_INPUT_TAG_KEY_SIZE));
      if (pyLen(value) > MAX_INPUT_TAG_VALUE_SIZE) fail(exceedsMaximumLength('value', MAX_INPUT_TAG_VALUE_SIZE));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Python semantics the messages depend on
// ---------------------------------------------------------------------------------------------

function isWindows(): boolean {
  return process.platform === 'win32';
}

/** Python's `posixpath.normpath`: collapses `//`, `.` and `..`; keeps exactly two leading slashes. */
export function posixNormpath(path: string): string {
  if (path === '') return '.';
  let initialSlashes = path.startsWith('/') ? 1 : 0;
  if (initialSlashes && path.startsWith('//') && !path.startsWith('///')) initialSlashes = 2;
  const comps: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (!initialSlashes && comps.length === 0) || comps[comps.length - 1] === '..') {
      comps.push(comp);
    } else if (comps.length > 0) {
      comps.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + comps.join('/');
  return joined || '.';
}

/** Python `len` of a string: its number of code points. */
function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Python `s[:n]`: the first `n` code points. */
function pySlice(s: string, n: number): string {
  let count = 0;
  let i = 0;
  while (i < s.length && count < n) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    i++;
    count++;
  }
  return s.slice(0, i);
}

// Python's str.isspace() characters (differs from JS trim: adds \x1c-\x1f and \x85, lacks \ufeff).
const PY_WHITESPACE = new Set(
  [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  ].map((c) => String.fromCharCode(c)),
);

/** Python `str.strip()` with no argument. */
function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PY_WHITESPACE.has(s.charAt(start))) start++;
  while (end > start && PY_WHITESPACE.has(s.charAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Python `int(str)` for base-10 ASCII literals (whitespace, sign, single underscores); undefined if invalid. */
function parsePyInt(s: string): number | undefined {
  const t = pyStrip(s);
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Python `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', expPart = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expPart);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** A JS number as Python would print it: integral values as ints, others as floats. */
function pyNumberStr(x: number): string {
  if (Number.isInteger(x)) return Object.is(x, -0) ? '0' : BigInt(x).toString();
  return pyFloatRepr(x);
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Python `repr(str)`. */
function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f) out += ch;
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      if (code <= 0xff) out += `\\x${hex(code, 2)}`;
      else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
      else out += `\\U${hex(code, 8)}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `repr(value)` for the JSON-like values messages contain. */
function pyRepr(value: unknown): string {
  return typeof value === 'string' ? pyStrRepr(value) : pyStr(value);
}

/** Python `str(value)` (what an f-string prints) for the JSON-like values messages contain. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumberStr(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** Python `json.dumps(s)` of a string (ensure_ascii: everything outside ' '..'~' escaped). */

/** Python `json.dumps(value, sort_keys=True, separators=(",", ":"))`. */
function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return pyNumberStr(value);
  }
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const rec = value as Record<string, unknown>;
    return `{${keys.map((k) => `${pyJsonString(k)}:${pyJsonDumps(rec[k])}`).join(',')}}`;
  }
  return pyJsonString(String(value));
}

/** Python-rendering helpers, exported for tests and for modules that build MLflow-worded messages. */
export const pythonFormat = {
  /** `json.dumps(value, sort_keys=True, separators=(",", ":"))`. */
  jsonDumps: pyJsonDumps,
  /** `repr(value)`. */
  repr: pyRepr,
  /** `str(value)`. */
  str: pyStr,
  /** `repr(float(x))`. */
  floatRepr: pyFloatRepr,
  /** `len(s)`. */
  len: pyLen,
  /** `s.strip()`. */
  strip: pyStrip,
} as const;
