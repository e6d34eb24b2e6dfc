export type { CreateRunOptions, LoggableValue, MlflowClientOptions } from './client.js';
export { MlflowClient, stringifyValue } from './client.js';
export { currentUser, defaultRunContextTags } from './context.js';
export * from './entities/index.js';
export {
  ACTIVE_MODEL_VERSION_STAGES,
  ALL_MODEL_VERSION_STAGES,
  ModelVersionStage,
  STAGE_DELETED_INTERNAL,
} from './entities/model-registry.js';
export type { HttpErrorDetails, MlflowErrorOptions } from './errors.js';
export {
  ERROR_CODE_TO_HTTP_STATUS,
  ErrorCode,
  errorCodeForHttpStatus,
  hasErrorCode,
  InvalidParameterError,
  isMlflowError,
  MlflowError,
  ResourceAlreadyExistsError,
  ResourceDoesNotExistError,
} from './errors.js';
export type { ActiveRun, ArtifactLocation, StartRunOptions } from './fluent.js';
export {
  activeRun,
  deleteTag,
  downloadArtifacts,
  endRun,
  getArtifactUri,
  getClient,
  getTrackingUri,
  listArtifacts,
  logArtifact,
  logArtifacts,
  logDict,
  logMetric,
  logMetrics,
  logParam,
  logParams,
  logText,
  resetFluentState,
  setExperiment,
  setTag,
  setTags,
  setTrackingUri,
  startRun,
  withRun,
} from './fluent.js';
export { RestRegistryStore } from './registry/rest.js';
export {
  addPromptFilterString,
  DEFAULT_MODEL_VERSION_ORDER_BY,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  type RegistryFilterClause,
  type RegistryNumericComparator,
  type RegistryOrderByClause,
  type RegistryStringComparator,
} from './registry/search.js';
export type { SqliteRegistryStoreHost } from './registry/sqlite.js';
export { SqliteRegistryStore } from './registry/sqlite.js';
export type { CreateModelVersionArgs, ModelRegistryStore, SearchRegistryQuery } from './registry/store.js';
export {
  SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
  SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
} from './registry/store.js';
export { openRegistryStore, registryOfTrackingStore } from './registry/stores.js';
export {
  getCanonicalStage,
  MAX_MODEL_REGISTRY_TAG_KEY_LENGTH,
  MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH,
  MAX_REGISTERED_MODEL_ALIAS_LENGTH,
  REGISTERED_MODEL_ALIAS_LATEST,
} from './registry/validation.js';
export type { RestStoreOptions } from './rest/index.js';
export { RestTrackingStore } from './rest/index.js';
export type { SqliteStoreOptions } from './sqlite/store.js';
export { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, SqliteTrackingStore } from './sqlite/store.js';
export type {
  CreateRunArgs,
  DeleteTracesArgs,
  SearchExperimentsQuery,
  SearchRunsQuery,
  SearchTracesQuery,
  TrackingStore,
  UpdateRunInfoArgs,
} from './store.js';
export type { OpenStoreOptions } from './stores.js';
export { closeAllTrackingStores, openTrackingStore } from './stores.js';
export * as MlflowTags from './tags.js';
