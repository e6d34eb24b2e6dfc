// Internal: which model registry store a PromptRegistry talks to.
import { resolveRegistryUri } from '../../config/settings.js';
import type { MlflowClient } from '../../tracking/client.js';
import { getClient } from '../../tracking/fluent.js';
import type { ModelRegistryStore } from '../../tracking/registry/store.js';
import { openRegistryStore, registryOfTrackingStore } from '../../tracking/registry/stores.js';

/**
 * The registry store for a registry URI, or for a client: the registry inside the client's own tracking
 * store when its registry URI is its tracking URI (one SQLite connection, one HTTP transport), else the
 * store the registry URI selects.
 */
export function openDefaultRegistryStore(
  registryUri: string | undefined,
  client: MlflowClient | undefined,
): ModelRegistryStore {
  if (registryUri !== undefined) return openRegistryStore(resolveRegistryUri(registryUri));
  const c = client ?? getClient();
  if (c.registryUri === c.trackingUri) {
    const own = registryOfTrackingStore(c.store);
    if (own) return own;
  }
  return openRegistryStore(c.registryUri);
}
