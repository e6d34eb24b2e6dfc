/**
 * MLflow's proto JSON (snake_case, int64 as numbers or strings, doubles with `"NaN"` /
 * `"Infinity"` / `"-Infinity"`, enums by name) to and from our camelCase entities, shaped exactly as
 * the embedded store returns them. Response bodies are checked with zod at this edge.
 */

import { z } from 'zod';
import {
  type DatasetInput,
  type Experiment,
  LifecycleStage,
  type LoggedModelRef,
  type Metric,
  type Param,
  type Run,
  type RunInfo,
  RunStatus,
  type RunTag,
  type TraceInfo,
  TraceState,
} from '../entities/index.js';
import { ErrorCode, MlflowError } from '../errors.js';
import { assessmentFromJson, assessmentJson, assessmentToJson } from './assessments.js';

// ------------------------------------------------------------------------------------------ scalars

/** A proto JSON double as MLflow's clients write it: NaN and ±Infinity as strings, like protobuf's printer. */
export function doubleToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** Reads a proto JSON double: a number, or a string protobuf's parser accepts (`"NaN"`, `"Infinity"`, `"1.5"`). */
export function doubleFromJson(value: number | string): number {
  if (typeof value === 'number') return value;
  const s = value.trim();
  if (s === 'NaN' || s === 'nan') return Number.NaN;
  if (s === 'Infinity' || s === 'inf') return Number.POSITIVE_INFINITY;
  if (s === '-Infinity' || s === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(s);
  if (s === '' || Number.isNaN(n)) throw new Error(`not a double: ${JSON.stringify(value)}`);
  return n;
}

// JS numbers cannot carry int64 exactly past 2^53; MLflow's millisecond times and steps stay far below.
/** @internal An int64 field of proto JSON (a number, or digits in a string). */
export const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
/** @internal A double field of proto JSON (a number, or `NaN`/`Infinity`/digits in a string). */
export const double = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return doubleFromJson(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a double: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
});

const RUN_STATUS_BY_NUMBER: Readonly<Record<number, RunStatus>> = {
  1: RunStatus.RUNNING,
  2: RunStatus.SCHEDULED,
  3: RunStatus.FINISHED,
  4: RunStatus.FAILED,
  5: RunStatus.KILLED,
};
const runStatus = z
  .union([z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]]), z.number().int()])
  .transform((v, ctx) => {
    if (typeof v === 'string') return v;
    const s = RUN_STATUS_BY_NUMBER[v];
    if (!s) {
      ctx.addIssue({ code: 'custom', message: `unknown run status ${v}` });
      return z.NEVER;
    }
    return s;
  });

// ------------------------------------------------------------------------------------------ schemas

const keyValue = z.object({ key: z.string(), value: z.string().optional() });
/** @internal A repeated key/value field (tags, params). */
export const keyValues = z.array(keyValue).optional();

const experimentJson = z.object({
  experiment_id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
  last_update_time: int64.optional(),
  creation_time: int64.optional(),
  tags: keyValues,
});

const metricJson = z.object({
  key: z.string(),
  value: double,
  timestamp: int64.optional(),
  step: int64.optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
  model_id: z.string().optional(),
  run_id: z.string().optional(),
});

const runInfoJson = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  experiment_id: z.union([z.string(), z.number()]).transform(String),
  user_id: z.string().optional(),
  status: runStatus.optional(),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});

const datasetInputJson = z.object({
  tags: keyValues,
  dataset: z.object({
    name: z.string(),
    digest: z.string(),
    source_type: z.string(),
    source: z.string(),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});

const runJson = z.object({
  info: runInfoJson,
  data: z.object({ metrics: z.array(metricJson).optional(), params: keyValues, tags: keyValues }).optional(),
  inputs: z
    .object({
      dataset_inputs: z.array(datasetInputJson).optional(),
      model_inputs: z.array(z.object({ model_id: z.string() })).optional(),
    })
    .optional(),
  outputs: z
    .object({ model_outputs: z.array(z.object({ model_id: z.string(), step: int64.optional() })).optional() })
    .optional(),
});

// Trace infos (`TraceInfoV3`): times are protobuf Timestamp / Duration JSON text, metadata and tags maps.
const TRACE_STATES = ['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const;
const traceInfoJson = z.object({
  trace_id: z.string(),
  client_request_id: z.string().optional(),
  trace_location: z
    .object({
      type: z.union([z.string(), z.number()]).optional(),
      mlflow_experiment: z.object({ experiment_id: z.union([z.string(), z.number()]).transform(String) }).optional(),
    })
    .optional(),
  request_preview: z.string().optional(),
  response_preview: z.string().optional(),
  request_time: z.string().optional(),
  execution_duration: z.string().optional(),
  state: z
    .union([z.enum(TRACE_STATES), z.number().int()])
    .transform((v) => (typeof v === 'number' ? (TRACE_STATES[v] ?? 'STATE_UNSPECIFIED') : v))
    .optional(),
  trace_metadata: z.record(z.string(), z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  // Parsed by `toTraceInfo` (the assessment schema lives with the assessment endpoints).
  assessments: z.array(z.unknown()).optional(),
});
const traceJson = z.object({ trace_info: traceInfoJson, spans: z.array(z.unknown()).optional() });

/** JSON shapes of the responses the REST store reads, keyed by what they carry. */
export const responseSchemas = {
  createExperiment: z.object({ experiment_id: z.union([z.string(), z.number()]).transform(String) }),
  experiment: z.object({ experiment: experimentJson }),
  searchExperiments: z.object({
    experiments: z.array(experimentJson).optional(),
    next_page_token: z.string().optional(),
  }),
  run: z.object({ run: runJson }),
  updateRun: z.object({ run_info: runInfoJson }),
  searchRuns: z.object({ runs: z.array(runJson).optional(), next_page_token: z.string().optional() }),
  metricHistory: z.object({ metrics: z.array(metricJson).optional(), next_page_token: z.string().optional() }),
  trace: z.object({ trace: traceJson }),
  searchTraces: z.object({ traces: z.array(traceInfoJson).optional(), next_page_token: z.string().optional() }),
  batchGetTraces: z.object({ traces: z.array(traceJson).optional() }),
  deleteTraces: z.object({ traces_deleted: int64.optional() }),
} as const;

/** Parses a response body with `schema`; a body of the wrong shape is an INTERNAL_ERROR naming the request. */
export function parseResponse<S extends z.ZodType>(schema: S, body: unknown, requestLine: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new MlflowError(
    `Unexpected response from the MLflow server for ${requestLine}: ${where}: ${issue?.message ?? 'invalid'}`,
    ErrorCode.INTERNAL_ERROR,
    { cause: result.error },
  );
}

// ------------------------------------------------------------------------------------------ to entities

function toRecord(items: Array<{ key: string; value?: string | undefined }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of items ?? []) out[t.key] = t.value ?? '';
  return out;
}

function toStage(stage: string | undefined): LifecycleStage {
  return (stage || LifecycleStage.ACTIVE) as LifecycleStage;
}

/** An experiment from its proto JSON; absent times read as null, as the embedded store's NULL columns do. */
export function toExperiment(json: z.output<typeof experimentJson>): Experiment {
  return {
    experimentId: json.experiment_id,
    name: json.name,
    artifactLocation: json.artifact_location ?? '',
    lifecycleStage: toStage(json.lifecycle_stage),
    tags: toRecord(json.tags),
    creationTime: json.creation_time ?? null,
    lastUpdateTime: json.last_update_time ?? null,
  };
}

/** Run metadata from its proto JSON; a missing end time is null (the run has not ended). */
export function toRunInfo(json: z.output<typeof runInfoJson>): RunInfo {
  const runId = json.run_id ?? json.run_uuid ?? '';
  return {
    runId,
    runUuid: json.run_uuid ?? runId,
    experimentId: json.experiment_id,
    runName: json.run_name ?? '',
    userId: json.user_id ?? '',
    // proto2's default for the enum is RUNNING.
    status: json.status ?? RunStatus.RUNNING,
    startTime: json.start_time ?? 0,
    endTime: json.end_time ?? null,
    artifactUri: json.artifact_uri ?? '',
    lifecycleStage: toStage(json.lifecycle_stage),
  };
}

/** A metric value from proto JSON; `runId` is set when given (metric histories), as the embedded store does. */
export function toMetric(json: z.output<typeof metricJson>, runId?: string): Metric {
  const m: Metric = { key: json.key, value: json.value, timestamp: json.timestamp ?? 0, step: json.step ?? 0 };
  if (runId !== undefined) m.runId = runId;
  if (json.model_id) m.modelId = json.model_id;
  if (json.dataset_name) m.datasetName = json.dataset_name;
  if (json.dataset_digest) m.datasetDigest = json.dataset_digest;
  return m;
}

function toDatasetInput(json: z.output<typeof datasetInputJson>): DatasetInput {
  const d = json.dataset;
  return {
    dataset: {
      name: d.name,
      digest: d.digest,
      sourceType: d.source_type,
      source: d.source,
      ...(d.schema === undefined ? {} : { schema: d.schema }),
      ...(d.profile === undefined ? {} : { profile: d.profile }),
    },
    tags: toRecord(json.tags),
  };
}

/** A run from its proto JSON: latest metrics as values and objects, params and tags as records. */
export function toRun(json: z.output<typeof runJson>): Run {
  const metricObjects = (json.data?.metrics ?? []).map((m) => toMetric(m));
  const metrics: Record<string, number> = {};
  for (const m of metricObjects) metrics[m.key] = m.value;
  return {
    info: toRunInfo(json.info),
    data: { metrics, params: toRecord(json.data?.params), tags: toRecord(json.data?.tags), metricObjects },
    inputs: {
      datasetInputs: (json.inputs?.dataset_inputs ?? []).map(toDatasetInput),
      modelInputs: (json.inputs?.model_inputs ?? []).map((m): LoggedModelRef => ({ modelId: m.model_id })),
    },
    outputs: {
      modelOutputs: (json.outputs?.model_outputs ?? []).map(
        (m): LoggedModelRef => (m.step === undefined ? { modelId: m.model_id } : { modelId: m.model_id, step: m.step }),
      ),
    },
  };
}

// ------------------------------------------------------------------------------------------ to JSON

/** A metric as the `Metric` proto JSON MLflow's client sends (int64 as numbers, doubles protobuf-style). */
export function metricToJson(m: Metric): Record<string, unknown> {
  const out: Record<string, unknown> = {
    key: m.key,
    value: doubleToJson(Number(m.value)),
    timestamp: Number(m.timestamp),
    step: Number(m.step),
  };
  if (m.modelId) out.model_id = m.modelId;
  if (m.datasetName) out.dataset_name = m.datasetName;
  if (m.datasetDigest) out.dataset_digest = m.datasetDigest;
  return out;
}

/** Params or tags as the `[{key, value}]` lists of MLflow's protos. */
export function keyValuesToJson(items: ReadonlyArray<Param | RunTag>): Array<{ key: string; value: string }> {
  return items.map((t) => ({ key: t.key, value: t.value }));
}

// ------------------------------------------------------------------------------------------ traces

/** `MAX_CHARS_IN_TRACE_INFO_METADATA` and the tag limits MLflow's `TraceInfo.to_proto` cuts to. */
const TRACE_METADATA_MAX_CHARS = 250;
const TRACE_TAG_KEY_MAX_CHARS = 250;
const TRACE_TAG_VALUE_MAX_CHARS = 4096;

/** `s[:n]` in Python: n code points, not UTF-16 units. */
function sliceCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  return Array.from(s).slice(0, n).join('');
}

function truncateEntries(
  record: Record<string, string>,
  keyChars: number,
  valueChars: number,
): Record<string, string> | undefined {
  const entries = Object.entries(record);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([k, v]) => [sliceCodePoints(k, keyChars), sliceCodePoints(String(v), valueChars)]),
  );
}

/** Milliseconds as protobuf's `Timestamp` JSON (`Timestamp.FromMilliseconds(ms).ToJsonString()`). */
export function millisToTimestampJson(ms: number): string {
  return new Date(Math.trunc(ms)).toISOString().replace(/\.000Z$/, 'Z');
}

/** Milliseconds as protobuf's `Duration` JSON (`Duration.FromMilliseconds(ms).ToJsonString()`): `0.180s`, `2s`. */
export function millisToDurationJson(ms: number): string {
  const whole = Math.trunc(ms);
  const abs = Math.abs(whole);
  const frac = abs % 1000;
  return `${whole < 0 ? '-' : ''}${Math.floor(abs / 1000)}${frac ? `.${String(frac).padStart(3, '0')}` : ''}s`;
}

const TIMESTAMP_JSON =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** protobuf `Timestamp` JSON (RFC 3339) as milliseconds, cut as `Timestamp.ToMilliseconds` does. */
export function timestampJsonToMillis(text: string): number {
  const m = TIMESTAMP_JSON.exec(text.trim());
  if (!m) throw new MlflowError(`Invalid timestamp: ${JSON.stringify(text)}`, ErrorCode.INTERNAL_ERROR);
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number(y) < 100) ms = new Date(ms).setUTCFullYear(Number(y));
  ms += Math.floor(Number((frac ?? '').padEnd(9, '0') || '0') / 1e6);
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return ms;
}

/** protobuf `Duration` JSON (`1.500s`) as milliseconds, rounded toward zero as `Duration.ToMilliseconds` does. */
export function durationJsonToMillis(text: string): number {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text.trim());
  if (!m) throw new MlflowError(`Invalid duration: ${JSON.stringify(text)}`, ErrorCode.INTERNAL_ERROR);
  const ms = Number(m[2]) * 1000 + Math.floor(Number((m[3] ?? '').padEnd(9, '0') || '0') / 1e6);
  return m[1] ? -ms : ms;
}

/**
 * A trace info as the `TraceInfoV3` proto JSON MLflow's client sends (`TraceInfo.to_proto`): RFC 3339
 * request time, `1.500s`-style duration, state by name, metadata and tags cut to MLflow's limits.
 */
export function traceInfoToJson(info: TraceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    trace_id: info.traceId,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: info.experimentId } },
    request_time: millisToTimestampJson(info.requestTime),
    state: info.state,
  };
  if (info.clientRequestId !== null && info.clientRequestId !== undefined) out.client_request_id = info.clientRequestId;
  if (info.requestPreview !== null && info.requestPreview !== undefined) out.request_preview = info.requestPreview;
  if (info.responsePreview !== null && info.responsePreview !== undefined) out.response_preview = info.responsePreview;
  if (info.executionDuration !== null && info.executionDuration !== undefined) {
    out.execution_duration = millisToDurationJson(info.executionDuration);
  }
  const metadata = truncateEntries(info.traceMetadata, TRACE_METADATA_MAX_CHARS, TRACE_METADATA_MAX_CHARS);
  if (metadata) out.trace_metadata = metadata;
  const tags = truncateEntries(info.tags, TRACE_TAG_KEY_MAX_CHARS, TRACE_TAG_VALUE_MAX_CHARS);
  if (tags) out.tags = tags;
  if (info.assessments && info.assessments.length > 0) out.assessments = info.assessments.map(assessmentToJson);
  return out;
}

/** A trace info from its `TraceInfoV3` proto JSON (`TraceInfo.from_proto`). */
export function toTraceInfo(json: z.output<typeof traceInfoJson>): TraceInfo {
  return {
    traceId: json.trace_id,
    experimentId: json.trace_location?.mlflow_experiment?.experiment_id ?? '',
    requestTime: json.request_time === undefined ? 0 : timestampJsonToMillis(json.request_time),
    executionDuration: json.execution_duration === undefined ? null : durationJsonToMillis(json.execution_duration),
    state: (json.state ?? TraceState.STATE_UNSPECIFIED) as TraceState,
    requestPreview: json.request_preview ?? null,
    responsePreview: json.response_preview ?? null,
    clientRequestId: json.client_request_id ?? null,
    traceMetadata: { ...(json.trace_metadata ?? {}) },
    tags: { ...(json.tags ?? {}) },
    // Absent when there are none (proto3 JSON leaves an empty list out), as the embedded store does.
    ...(json.assessments === undefined || json.assessments.length === 0
      ? {}
      : {
          assessments: json.assessments.map((a) =>
            assessmentFromJson(parseResponse(assessmentJson, a, `assessment of trace ${json.trace_id}`)),
          ),
        }),
  };
}
