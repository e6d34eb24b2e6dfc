/** A model version's lifecycle status (`ModelVersionStatus`). */
export const ModelVersionStatus = {
  PENDING_REGISTRATION: 'PENDING_REGISTRATION',
  FAILED_REGISTRATION: 'FAILED_REGISTRATION',
  READY: 'READY',
} as const;
/** One of {@link ModelVersionStatus}'s values. */
export type ModelVersionStatus = (typeof ModelVersionStatus)[keyof typeof ModelVersionStatus];

/** An alias pointing at a version (`RegisteredModelAlias`). */
export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

/** A registered model (`mlflow.entities.model_registry.RegisteredModel`); prompts are registered models too. */
export interface RegisteredModel {
  name: string;
  /** ms since the Unix epoch. */
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  /** The latest version per stage, as MLflow returns it. */
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  aliases: RegisteredModelAlias[];
  deploymentJobId: string | null;
}

/** A model version (`mlflow.entities.model_registry.ModelVersion`). */
export interface ModelVersion {
  name: string;
  /** A positive integer as a string, as MLflow's REST API gives it. */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  userId: string | null;
  currentStage: string;
  source: string;
  runId: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  tags: Record<string, string>;
  runLink: string | null;
  aliases: string[];
  /** The LoggedModel (`m-...`) this version was registered from, if any. */
  modelId: string | null;
}

/**
 * The stages a model version can be in (`model_version_stages.py`). Stages are deprecated in
 * MLflow in favour of aliases but still stored and served.
 */
export const ModelVersionStage = {
  NONE: 'None',
  STAGING: 'Staging',
  PRODUCTION: 'Production',
  ARCHIVED: 'Archived',
} as const;
/** One of {@link ModelVersionStage}'s values. */
export type ModelVersionStage = (typeof ModelVersionStage)[keyof typeof ModelVersionStage];

/** Every stage a caller may ask for, in MLflow's order (`ALL_STAGES`). */
export const ALL_MODEL_VERSION_STAGES: readonly ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];
/** The stages `archive_existing_versions` may move into (`DEFAULT_STAGES_FOR_GET_LATEST_VERSIONS`). */
export const ACTIVE_MODEL_VERSION_STAGES: readonly ModelVersionStage[] = ['Staging', 'Production'];
/** The stage MLflow's SQL store gives a deleted version, which no read returns (`STAGE_DELETED_INTERNAL`). */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';
