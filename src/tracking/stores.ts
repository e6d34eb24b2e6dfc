import { resolveDefaultArtifactRoot } from '../config/settings.js';
import { parseTrackingUri } from '../config/uri.js';
import { RestTrackingStore } from './rest/store.js';
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
 * Opens (or reuses) the tracking store a URI selects: `sqlite:///...` gives the embedded store,
 * `http(s)://...` the REST store of that MLflow server (auth, TLS and retries from MLflow's
 * environment variables).
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
    store = new RestTrackingStore(target.uri);
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
