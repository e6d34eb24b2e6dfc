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
} from '../entities/index.js';
import { ErrorCode, MlflowError } from '../errors.js';

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
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const double = z.union([z.number(), z.string()]).transform((v, ctx) => {
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
const keyValues = z.array(keyValue).optional();

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
