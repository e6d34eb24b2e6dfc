export type { CreateRunOptions, LoggableValue, MlflowClientOptions } from './client.js';
export { MlflowClient, stringifyValue } from './client.js';
export { currentUser, defaultRunContextTags } from './context.js';
export * from './entities/index.js';
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
