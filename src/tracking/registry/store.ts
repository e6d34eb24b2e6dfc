import type { ModelVersion, PagedList, RegisteredModel } from '../entities/index.js';

/** Arguments of {@link ModelRegistryStore.searchRegisteredModels} and `searchModelVersions`. */
export interface SearchRegistryQuery {
  /** MLflow's registry filter grammar, e.g. `name LIKE 'chat%' AND tags.team = 'a'`. */
  filterString?: string;
  /** Page size; MLflow's defaults (100 models, 10,000 versions... see MLflow) when unset. */
  maxResults?: number;
  /** e.g. `['name ASC']`, `['version_number DESC']`. */
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of {@link ModelRegistryStore.createModelVersion}. */
export interface CreateModelVersionArgs {
  name: string;
  source: string;
  runId?: string | null;
  tags?: Record<string, string>;
  runLink?: string | null;
  description?: string | null;
  modelId?: string | null;
}

/**
 * The model registry (MLflow's `mlflow.store.model_registry.AbstractStore`): registered models,
 * versions, tags and aliases, in the embedded database or on an MLflow server. Prompts are stored
 * here too, as MLflow stores them (registered models and versions carrying prompt tags). Methods
 * throw {@link MlflowError}s with MLflow's codes and messages.
 */
export interface ModelRegistryStore {
  /** The registry URI (credentials removed). */
  readonly registryUri: string;

  createRegisteredModel(name: string, options?: { tags?: Record<string, string>; description?: string | null }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  /** MLflow excludes prompts from this search unless the filter asks for them. */
  searchRegisteredModels(query?: SearchRegistryQuery): Promise<PagedList<RegisteredModel>>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;

  createModelVersion(args: CreateModelVersionArgs): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  /** MLflow excludes prompt versions from this search unless the filter asks for them. */
  searchModelVersions(query?: SearchRegistryQuery): Promise<PagedList<ModelVersion>>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion>;

  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** `latest` resolves to the highest version, as MLflow 3 does. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  close(): Promise<void>;
}
