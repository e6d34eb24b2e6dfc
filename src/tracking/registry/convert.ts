/**
 * The model registry's proto JSON (`model_registry.proto`) to our entities, checked with zod at
 * this edge. Absent optional fields become null, as the embedded store's NULL columns do.
 */

import { z } from 'zod';
import { type ModelVersion, ModelVersionStatus, type RegisteredModel } from '../entities/model-registry.js';

// JS numbers cannot carry int64 exactly past 2^53; MLflow's millisecond times stay far below.
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const keyValues = z.array(z.object({ key: z.string(), value: z.string().optional() })).optional();

const STATUS_BY_NUMBER: Readonly<Record<number, ModelVersionStatus>> = {
  1: ModelVersionStatus.PENDING_REGISTRATION,
  2: ModelVersionStatus.FAILED_REGISTRATION,
  3: ModelVersionStatus.READY,
};
const status = z
  .union([z.enum(Object.values(ModelVersionStatus) as [ModelVersionStatus, ...ModelVersionStatus[]]), z.number().int()])
  .transform((v, ctx) => {
    if (typeof v === 'string') return v;
    const s = STATUS_BY_NUMBER[v];
    if (!s) {
      ctx.addIssue({ code: 'custom', message: `unknown model version status ${v}` });
      return z.NEVER;
    }
    return s;
  });

const modelVersionJson = z.object({
  name: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  user_id: z.string().optional(),
  current_stage: z.string().optional(),
  description: z.string().optional(),
  source: z.string().optional(),
  run_id: z.string().optional(),
  status: status.optional(),
  status_message: z.string().optional(),
  tags: keyValues,
  run_link: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  model_id: z.string().optional(),
});

const registeredModelJson = z.object({
  name: z.string(),
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  description: z.string().optional(),
  latest_versions: z.array(modelVersionJson).optional(),
  tags: keyValues,
  aliases: z
    .array(z.object({ alias: z.string(), version: z.union([z.string(), z.number()]).transform(String) }))
    .optional(),
  deployment_job_id: z.string().optional(),
});

/** JSON shapes of the registry responses the REST store reads. */
export const registryResponseSchemas = {
  registeredModel: z.object({ registered_model: registeredModelJson }),
  searchRegisteredModels: z.object({
    registered_models: z.array(registeredModelJson).optional(),
    next_page_token: z.string().optional(),
  }),
  modelVersion: z.object({ model_version: modelVersionJson }),
  modelVersions: z.object({ model_versions: z.array(modelVersionJson).optional() }),
  searchModelVersions: z.object({
    model_versions: z.array(modelVersionJson).optional(),
    next_page_token: z.string().optional(),
  }),
  downloadUri: z.object({ artifact_uri: z.string().optional() }),
  empty: z.object({}),
} as const;

function toRecord(items: Array<{ key: string; value?: string | undefined }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of items ?? []) out[t.key] = t.value ?? '';
  return out;
}

/** A model version from its proto JSON. */
export function toModelVersion(json: z.output<typeof modelVersionJson>): ModelVersion {
  return {
    name: json.name,
    version: json.version,
    creationTimestamp: json.creation_timestamp ?? 0,
    lastUpdatedTimestamp: json.last_updated_timestamp ?? 0,
    description: json.description ?? null,
    userId: json.user_id ?? null,
    currentStage: json.current_stage ?? 'None',
    source: json.source ?? '',
    runId: json.run_id ?? null,
    // proto2's default for the enum is its first value.
    status: json.status ?? ModelVersionStatus.PENDING_REGISTRATION,
    statusMessage: json.status_message ?? null,
    tags: toRecord(json.tags),
    runLink: json.run_link ?? null,
    aliases: json.aliases ?? [],
    modelId: json.model_id ?? null,
  };
}

/** A registered model from its proto JSON. */
export function toRegisteredModel(json: z.output<typeof registeredModelJson>): RegisteredModel {
  return {
    name: json.name,
    creationTimestamp: json.creation_timestamp ?? 0,
    lastUpdatedTimestamp: json.last_updated_timestamp ?? 0,
    description: json.description ?? null,
    latestVersions: (json.latest_versions ?? []).map(toModelVersion),
    tags: toRecord(json.tags),
    aliases: json.aliases ?? [],
    deploymentJobId: json.deployment_job_id ?? null,
  };
}
