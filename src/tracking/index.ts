export { MlflowClient, stringifyValue } from './client.js';
export type { CreateRunOptions, LoggableValue, MlflowClientOptions } from './client.js';
export { currentUser, defaultRunContextTags } from './context.js';
export * from './entities/index.js';
export {
  ERROR_CODE_TO_HTTP_STATUS,
  ErrorCode,
  InvalidParameterError,
  MlflowError,
  ResourceAlreadyExistsError,
  ResourceDoesNotExistError,
  errorCodeForHttpStatus,
  hasErrorCode,
  isMlflowError,
} from './errors.js';
export type { HttpErrorDetails, MlflowErrorOptions } from './errors.js';
export {
  activeRun,
  deleteTag,
  endRun,
  getClient,
  getTrackingUri,
  logMetric,
  logMetrics,
  logParam,
  logParams,
  resetFluentState,
  setExperiment,
  setTag,
  setTags,
  setTrackingUri,
  startRun,
  withRun,
} from './fluent.js';
export type { ActiveRun, StartRunOptions } from './fluent.js';
export { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, SqliteTrackingStore } from './sqlite/store.js';
export type { SqliteStoreOptions } from './sqlite/store.js';
export type { CreateRunArgs, SearchExperimentsQuery, SearchRunsQuery, TrackingStore, UpdateRunInfoArgs } from './store.js';
export { closeAllTrackingStores, openTrackingStore } from './stores.js';
export type { OpenStoreOptions } from './stores.js';
export * as MlflowTags from './tags.js';
