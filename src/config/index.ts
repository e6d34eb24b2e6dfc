export * from './e2e.js';
export { ENV, readBoolEnv, readEnv } from './env.js';
export { experimentFromEnv, resolveDefaultArtifactRoot, resolveRegistryUri, resolveTrackingUri } from './settings.js';
export type { TrackingUriTarget } from './uri.js';
export {
  appendToUriPath,
  DEFAULT_ARTIFACT_ROOT,
  DEFAULT_TRACKING_URI,
  parseTrackingUri,
  pathToSqliteUri,
  redactUri,
  resolveUriIfLocal,
} from './uri.js';
