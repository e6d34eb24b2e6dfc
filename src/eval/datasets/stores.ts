import { ErrorCode, MlflowError } from '../../tracking/errors.js';
import { RestTrackingStore } from '../../tracking/rest/store.js';
import { SqliteTrackingStore } from '../../tracking/sqlite/store.js';
import type { TrackingStore } from '../../tracking/store.js';
import { type OpenStoreOptions, openTrackingStore } from '../../tracking/stores.js';
import { RestEvaluationDatasetStore } from './rest.js';
import { hostOfSqliteStore, SqliteEvaluationDatasetStore } from './sqlite.js';
import type { EvaluationDatasetStore } from './store.js';

// One dataset store per tracking store: it shares that store's connection or transport, and goes with it.
const datasetStores = new WeakMap<TrackingStore, EvaluationDatasetStore>();

/**
 * The evaluation-dataset part of a tracking store: the embedded store's database (same connection)
 * or the REST store's server (same transport). Throws NOT_IMPLEMENTED for other stores.
 */
export function datasetStoreOf(store: TrackingStore): EvaluationDatasetStore {
  const cached = datasetStores.get(store);
  if (cached) return cached;
  let datasets: EvaluationDatasetStore;
  if (store instanceof SqliteTrackingStore) {
    datasets = new SqliteEvaluationDatasetStore(hostOfSqliteStore(store));
  } else if (store instanceof RestTrackingStore) {
    datasets = new RestEvaluationDatasetStore(store.http);
  } else {
    throw new MlflowError(
      `Evaluation datasets need the embedded (sqlite:) or REST (http:) tracking store; ${store.trackingUri} has neither.`,
      ErrorCode.NOT_IMPLEMENTED,
    );
  }
  datasetStores.set(store, datasets);
  return datasets;
}

/**
 * Opens (or reuses) the dataset store of a tracking URI, riding on {@link openTrackingStore}'s
 * per-URI cache, so datasets and runs on one URI share one SQLite connection or HTTP transport.
 */
export function openDatasetStore(trackingUri: string, options: OpenStoreOptions = {}): EvaluationDatasetStore {
  return datasetStoreOf(openTrackingStore(trackingUri, options));
}
