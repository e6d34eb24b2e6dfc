import { resolveDefaultArtifactRoot } from '../config/settings.js';
import { parseTrackingUri } from '../config/uri.js';
import { ErrorCode, MlflowError } from './errors.js';
import { SqliteTrackingStore } from './sqlite/store.js';
import type { TrackingStore } from './store.js';

/** Options for opening a tracking store. */
export interface OpenStoreOptions {
  /** Artifact root for the embedded store (`MLFLOW_DEFAULT_ARTIFACT_ROOT` or `./mlruns`). */
  defaultArtifactRoot?: string;
}

// One store per URI and artifact root per process: SQLite handles are shared, not reopened per client.
const cache = new Map<string, TrackingStore>();

/**
 * Opens (or reuses) the tracking store a URI selects: `sqlite:///...` gives the embedded store.
 * `http(s)://` (the REST store) is not available yet and fails with a clear message.
 */
export function openTrackingStore(trackingUri: string, options: OpenStoreOptions = {}): TrackingStore {
  const target = parseTrackingUri(trackingUri);
  const root = resolveDefaultArtifactRoot(options.defaultArtifactRoot);
  const key = `${target.uri}\u0000${root}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let store: TrackingStore;
  if (target.kind === 'sqlite') {
    store = new SqliteTrackingStore(target.path, { defaultArtifactRoot: root });
  } else {
    throw new MlflowError(
      `Tracking URI '${target.url.origin}' selects an MLflow tracking server (REST store), which this version of ` +
        "mlflow-genai does not support yet. Use 'sqlite:///mlflow.db' for now.",
      ErrorCode.NOT_IMPLEMENTED,
    );
  }
  cache.set(key, store);
  return store;
}

/** Closes every store opened by {@link openTrackingStore} (tests, and shutdown hooks). */
export async function closeAllTrackingStores(): Promise<void> {
  const stores = [...cache.values()];
  cache.clear();
  await Promise.all(stores.map((s) => s.close()));
}
