export { ENV, readBoolEnv, readEnv } from './env.js';
export { experimentFromEnv, resolveDefaultArtifactRoot, resolveRegistryUri, resolveTrackingUri } from './settings.js';
export {
  DEFAULT_ARTIFACT_ROOT,
  DEFAULT_TRACKING_URI,
  appendToUriPath,
  parseTrackingUri,
  pathToSqliteUri,
  redactUri,
  resolveUriIfLocal,
} from './uri.js';
export type { TrackingUriTarget } from './uri.js';
