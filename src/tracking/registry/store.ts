import type { ModelVersion, PagedList, RegisteredModel } from '../entities/index.js';

/** MLflow's page size for registered model searches (`SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT`). */
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100;
/** Largest registered model page (`SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD`). */
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD = 1000;
/** MLflow's page size for model version searches (`SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT`). */
export const SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10_000;
/** Largest model version page (`SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD`). */
export const SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD = 200_000;

/** Arguments of {@link ModelRegistryStore.searchRegisteredModels} and `searchModelVersions`. */
export interface SearchRegistryQuery {
  /** MLflow's registry filter grammar, e.g. `name LIKE 'chat%' AND tags.team = 'a'`. */
  filterString?: string;
  /** Page size; MLflow's defaults when unset: 100 models (at most 1000), 10,000 versions (at most 200,000). */
  maxResults?: number;
  /** e.g. `['name ASC']`, `['version_number DESC']`. */
  orderBy?: string[];
  /** The `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** Arguments of {@link ModelRegistryStore.createModelVersion}. */
export interface CreateModelVersionArgs {
  /** The registered model; it must exist. */
  name: string;
  /**
   * Where the version's artifacts are: any artifact URI, `runs:/<run_id>/<path>`,
   * `models:/<model_id>` (the LoggedModel's artifact location becomes the download URI) or
   * `models:/<name>/<version>` (that version's download URI).
   */
  source: string;
  /** The run that produced the model; for `models:/<model_id>` sources, the LoggedModel's run by default. */
  runId?: string | null;
  /** Version tags. */
  tags?: Record<string, string>;
  /** A link to the run, stored as given. */
  runLink?: string | null;
  /** Version description. */
  description?: string | null;
  /** The LoggedModel promoted to this version; gives the run when `runId` is absent. */
  modelId?: string | null;
}

/**
 * The model registry (MLflow's `mlflow.store.model_registry.AbstractStore`): registered models,
 * versions, tags and aliases, in the embedded database or on an MLflow server. Prompts are stored
 * here too, as MLflow stores them (registered models and versions carrying prompt tags); the
 * store does not hide them except from searches, the model-only checks are `MlflowClient`'s.
 * Methods throw {@link MlflowError}s with MLflow's codes and messages.
 */
export interface ModelRegistryStore {
  /** The registry URI (credentials removed). */
  readonly registryUri: string;

  /** Registers a name; RESOURCE_ALREADY_EXISTS (worded for models or prompts) when taken. */
  createRegisteredModel(
    name: string,
    options?: { tags?: Record<string, string>; description?: string | null },
  ): Promise<RegisteredModel>;
  /** A registered model (prompts included); RESOURCE_DOES_NOT_EXIST when missing. */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Sets the description (null clears it). */
  updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel>;
  /** Renames a model; its versions, tags and aliases follow. */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  /** Deletes a model with its versions, tags and aliases. */
  deleteRegisteredModel(name: string): Promise<void>;
  /** MLflow excludes prompts from this search unless the filter asks for them. */
  searchRegisteredModels(query?: SearchRegistryQuery): Promise<PagedList<RegisteredModel>>;
  /** Sets (or replaces) a model tag. */
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  /** Deletes a model tag; a missing tag is not an error. */
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  /** The latest version per stage, for the stages given (all stages when none are). */
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;

  /** Creates the next version (numbers are never reused, deleted versions included). */
  createModelVersion(args: CreateModelVersionArgs): Promise<ModelVersion>;
  /** A live version; deleted versions do not exist. */
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Sets a version's description (null clears it). */
  updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion>;
  /** Deletes a version (MLflow's SQL store keeps a redacted row) and the aliases pointing at it. */
  deleteModelVersion(name: string, version: string): Promise<void>;
  /** MLflow excludes prompt versions from this search unless the filter asks for them. */
  searchModelVersions(query?: SearchRegistryQuery): Promise<PagedList<ModelVersion>>;
  /** Sets (or replaces) a version tag. */
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  /** Deletes a version tag; a missing tag is not an error. */
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  /** Where the version's artifacts are read from (its resolved source). */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  /** Moves a version to a stage (any case), optionally archiving the others in that stage. */
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion>;

  /** Points an alias at a version; `latest` and `v<digits>` are reserved. */
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  /** Removes an alias; a missing alias is not an error. */
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** `latest` resolves to the highest version, as MLflow 3 does. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** Releases what the store owns (a shared connection or transport stays with its owner). */
  close(): Promise<void>;
}
