import { RestTrackingStore } from '../rest/store.js';
import { SqliteTrackingStore } from '../sqlite/store.js';
import type { TrackingStore } from '../store.js';
import { type OpenStoreOptions, openTrackingStore } from '../stores.js';
import { RestRegistryStore } from './rest.js';
import type { ModelRegistryStore } from './store.js';

// One REST registry store per tracking store: it shares that store's transport, and goes with it.
const restRegistries = new WeakMap<TrackingStore, RestRegistryStore>();

/**
 * The registry part of a tracking store: the embedded store's own registry (same connection and
 * transactions), or a REST registry over the REST store's transport. Other stores have none.
 */
export function registryOfTrackingStore(store: TrackingStore): ModelRegistryStore | undefined {
  if (store instanceof SqliteTrackingStore) return store.registry;
  if (store instanceof RestTrackingStore) {
    let registry = restRegistries.get(store);
    if (!registry) {
      registry = new RestRegistryStore(store.http);
      restRegistries.set(store, registry);
    }
    return registry;
  }
  return undefined;
}

/**
 * Opens (or reuses) the model registry a registry URI selects: `sqlite:///...` gives the registry
 * inside the embedded store of that file, `http(s)://...` the registry of that MLflow server. It
 * rides on {@link openTrackingStore}'s per-URI cache, so a registry and a tracking store on one
 * URI share one SQLite connection or one HTTP transport, and {@link closeAllTrackingStores} closes
 * both.
 */
export function openRegistryStore(registryUri: string, options: OpenStoreOptions = {}): ModelRegistryStore {
  const store = openTrackingStore(registryUri, options);
  const registry = registryOfTrackingStore(store);
  // openTrackingStore only makes the two store kinds above.
  if (!registry) throw new TypeError(`No model registry for ${store.trackingUri}`);
  return registry;
}
