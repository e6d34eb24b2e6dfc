/**
 * MLflow's LoggedModel proto JSON (`LoggedModel{info, data}`) to and from our entity, checked with zod.
 */

import { z } from 'zod';
import {
  type LoggedModel,
  type LoggedModelOrderBy,
  LoggedModelStatus,
  loggedModelStatusFromProto,
  type Metric,
} from '../entities/index.js';
import { double, int64, keyValues } from './convert.js';

const status = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = loggedModelStatusFromProto(v);
  if (s === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown logged model status ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return s;
});

const metricJson = z.object({
  key: z.string(),
  value: double.optional(),
  timestamp: int64.optional(),
  step: int64.optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
  model_id: z.string().optional(),
  run_id: z.string().optional(),
});

/** `LoggedModel` as MLflow's server writes it. */
export const loggedModelJson = z.object({
  info: z.object({
    model_id: z.string(),
    experiment_id: z.union([z.string(), z.number()]).transform(String),
    name: z.string().optional(),
    creation_timestamp_ms: int64.optional(),
    last_updated_timestamp_ms: int64.optional(),
    artifact_uri: z.string().optional(),
    status: status.optional(),
    model_type: z.string().optional(),
    source_run_id: z.string().optional(),
    status_message: z.string().optional(),
    tags: keyValues,
  }),
  data: z.object({ params: keyValues, metrics: z.array(metricJson).optional() }).optional(),
});

/** Response bodies of the logged-model endpoints. */
export const loggedModelResponses = {
  model: z.object({ model: loggedModelJson }),
  search: z.object({ models: z.array(loggedModelJson).optional(), next_page_token: z.string().optional() }),
  empty: z.object({}).passthrough(),
};

function record(items: Array<{ key: string; value?: string | undefined }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of items ?? []) out[i.key] = i.value ?? '';
  return out;
}

/**
 * Our entity from the proto JSON, reading empty proto strings as null the way the embedded store
 * stores absent values (MLflow's `from_proto` keeps `''`; a server never sends unset fields).
 */
export function toLoggedModel(json: z.output<typeof loggedModelJson>): LoggedModel {
  const { info, data } = json;
  return {
    modelId: info.model_id,
    experimentId: info.experiment_id,
    name: info.name ?? '',
    artifactLocation: info.artifact_uri ?? '',
    creationTimestamp: info.creation_timestamp_ms ?? 0,
    lastUpdatedTimestamp: info.last_updated_timestamp_ms ?? 0,
    modelType: info.model_type || null,
    sourceRunId: info.source_run_id || null,
    status: info.status ?? LoggedModelStatus.UNSPECIFIED,
    statusMessage: info.status_message || null,
    tags: record(info.tags),
    params: record(data?.params),
    metrics: (data?.metrics ?? []).map((m) => {
      const metric: Metric = {
        key: m.key,
        value: m.value ?? 0,
        timestamp: m.timestamp ?? 0,
        step: m.step ?? 0,
      };
      if (m.run_id) metric.runId = m.run_id;
      if (m.model_id) metric.modelId = m.model_id;
      if (m.dataset_name) metric.datasetName = m.dataset_name;
      if (m.dataset_digest) metric.datasetDigest = m.dataset_digest;
      return metric;
    }),
  };
}

/** `SearchLoggedModels.OrderBy` as MLflow's RestStore sends it (ascending defaults to true). */
export function orderByToJson(ob: LoggedModelOrderBy): Record<string, unknown> {
  const out: Record<string, unknown> = { field_name: ob.fieldName, ascending: ob.ascending ?? true };
  if (ob.datasetName) out.dataset_name = ob.datasetName;
  if (ob.datasetDigest) out.dataset_digest = ob.datasetDigest;
  return out;
}
