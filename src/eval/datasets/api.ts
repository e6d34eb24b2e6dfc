import type { MlflowClient } from '../../tracking/client.js';
import { currentUser } from '../../tracking/context.js';
import { invalidParameter, ResourceDoesNotExistError } from '../../tracking/errors.js';
import { getClient, resolveExperimentId } from '../../tracking/fluent.js';
import { MLFLOW_USER } from '../../tracking/tags.js';
import { EvaluationDataset } from './dataset.js';
import type { EvaluationDatasetInfo } from './entities.js';
import { type EvaluationDatasetStore, SEARCH_EVALUATION_DATASETS_MAX_RESULTS } from './store.js';
import { datasetStoreOf } from './stores.js';

/** Where the dataset functions read and write: a client (its tracking store) or a dataset store. */
export interface DatasetTarget {
  /** The client whose tracking store holds the datasets; the fluent client by default. */
  client?: MlflowClient;
  /** A dataset store to use directly (wins over `client`). */
  store?: EvaluationDatasetStore;
}

/** Arguments of {@link createDataset}. */
export interface CreateDatasetOptions extends DatasetTarget {
  /** Dataset name (names are not unique; look datasets up by id when several share one). */
  name: string;
  /**
   * Experiment id(s) to associate the dataset with; by default the active experiment (the one set
   * by `setExperiment`, `MLFLOW_EXPERIMENT_ID` / `MLFLOW_EXPERIMENT_NAME`, else Default).
   */
  experimentId?: string | string[];
  /** Alias of `experimentId` for a list. */
  experimentIds?: string[];
  /** Dataset tags; `mlflow.user` is added (the current user) unless given. */
  tags?: Record<string, string>;
}

/** Arguments of {@link searchDatasets}. */
export interface SearchDatasetsOptions extends DatasetTarget {
  /** Only datasets associated with one of these experiments. */
  experimentIds?: string | string[];
  /**
   * AND-ed comparisons over `name`, `created_by`, `last_updated_by`, `created_time`,
   * `last_update_time` and `tags.<key>`. Default (as MLflow): datasets created in the last 7 days.
   */
  filterString?: string;
  /** How many datasets to return at most; all that match by default. */
  maxResults?: number;
  /** Over `name`, `created_time`, `last_update_time` with ASC/DESC; `created_time DESC` by default. */
  orderBy?: string[];
}

const DATASET_ID_RE = /^d-[0-9a-f]{32}$/;

function storeOf(target: DatasetTarget = {}): EvaluationDatasetStore {
  if (target.store) return target.store;
  return datasetStoreOf((target.client ?? getClient()).store);
}

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(name)} for parameter '${field}': a non-empty string is required.`,
    );
  }
  return name;
}

function checkTags(tags: unknown): Record<string, string> {
  if (tags === undefined || tags === null) return {};
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(tags)} for parameter 'tags': expected an object of strings.`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

/**
 * Creates an evaluation dataset (`mlflow.genai.datasets.create_dataset`) associated with the given
 * experiments (the active experiment by default), tagged with the creating user.
 */
export async function createDataset(options: CreateDatasetOptions): Promise<EvaluationDataset> {
  const name = checkName(options?.name);
  const store = storeOf(options);
  let experimentIds: string[] | undefined;
  if (options.experimentIds !== undefined) experimentIds = options.experimentIds.map(String);
  else if (Array.isArray(options.experimentId)) experimentIds = options.experimentId.map(String);
  else if (options.experimentId !== undefined) experimentIds = [String(options.experimentId)];
  else experimentIds = [await resolveExperimentId()];
  const tags = checkTags(options.tags);
  if (!(MLFLOW_USER in tags)) tags[MLFLOW_USER] = currentUser();
  const info = await store.createDataset({ name, tags, experimentIds });
  return new EvaluationDataset(info, store);
}

/**
 * Loads a dataset's metadata (`mlflow.genai.datasets.get_dataset`) by id (`d-<32 hex>`) or by name.
 * A name must match exactly one dataset: none is RESOURCE_DOES_NOT_EXIST, several are
 * INVALID_PARAMETER_VALUE (use the id then). Records load on first use.
 */
export async function getDataset(
  idOrName: string | { datasetId?: string; name?: string },
  target: DatasetTarget = {},
): Promise<EvaluationDataset> {
  let datasetId: string | undefined;
  let name: string | undefined;
  if (typeof idOrName === 'string') {
    if (DATASET_ID_RE.test(idOrName)) datasetId = idOrName;
    else name = idOrName;
  } else if (idOrName && typeof idOrName === 'object') {
    datasetId = idOrName.datasetId;
    name = idOrName.name;
    if (datasetId !== undefined && name !== undefined) {
      throw invalidParameter("Cannot specify both 'name' and 'dataset_id'. Use only one parameter.");
    }
  }
  if (datasetId === undefined && name === undefined) {
    throw invalidParameter("Either 'name' or 'dataset_id' must be provided.");
  }
  const store = storeOf(target);
  if (datasetId !== undefined)
    return new EvaluationDataset(await store.getDataset(checkName(datasetId, 'dataset_id')), store);
  const info = await getByName(store, checkName(name, 'name'));
  return new EvaluationDataset(info, store);
}

// `_get_dataset_by_name`: the filter quoted so any name round-trips.
async function getByName(store: EvaluationDatasetStore, name: string): Promise<EvaluationDatasetInfo> {
  let filterString: string;
  if (!name.includes('"')) filterString = `name = "${name}"`;
  else if (!name.includes("'")) filterString = `name = '${name}'`;
  else filterString = `name = '${name.replaceAll("'", "''")}'`;
  const page = await store.searchDatasets({ filterString, maxResults: 2, orderBy: ['created_time DESC'] });
  if (page.items.length === 0) throw new ResourceDoesNotExistError(`Dataset with name '${name}' not found.`);
  if (page.items.length > 1) {
    throw invalidParameter(`Multiple datasets found with name '${name}'. Use 'dataset_id' for unambiguous retrieval.`);
  }
  return page.items[0] as EvaluationDatasetInfo;
}

/**
 * Searches datasets (`mlflow.genai.datasets.search_datasets`), paging through the store. As in
 * MLflow, no filter means datasets created in the last 7 days, newest first.
 */
export async function searchDatasets(options: SearchDatasetsOptions = {}): Promise<EvaluationDataset[]> {
  const store = storeOf(options);
  const experimentIds =
    typeof options.experimentIds === 'string' ? [options.experimentIds] : options.experimentIds?.map(String);
  const filterString = options.filterString || `created_time >= ${Date.now() - 7 * 24 * 60 * 60 * 1000}`;
  const orderBy = options.orderBy ?? ['created_time DESC'];
  const limit = options.maxResults;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw invalidParameter(`Invalid value ${limit} for parameter 'max_results': it must be a positive integer.`);
  }
  const out: EvaluationDataset[] = [];
  let pageToken: string | undefined;
  do {
    const pageSize =
      limit === undefined
        ? SEARCH_EVALUATION_DATASETS_MAX_RESULTS
        : Math.min(limit - out.length, SEARCH_EVALUATION_DATASETS_MAX_RESULTS);
    const page = await store.searchDatasets({
      ...(experimentIds ? { experimentIds } : {}),
      filterString,
      orderBy,
      maxResults: pageSize,
      ...(pageToken ? { pageToken } : {}),
    });
    for (const info of page.items) out.push(new EvaluationDataset(info, store));
    pageToken = page.nextPageToken;
  } while (pageToken && (limit === undefined || out.length < limit));
  return out;
}

/** Deletes a dataset with its records and tags (`mlflow.genai.datasets.delete_dataset`). Permanent. */
export async function deleteDataset(datasetId: string, target: DatasetTarget = {}): Promise<void> {
  if (datasetId === undefined || datasetId === null) {
    throw invalidParameter(
      "Parameter 'dataset_id' is required. Use search_datasets() to find the dataset ID by name if needed.",
    );
  }
  await storeOf(target).deleteDataset(checkName(datasetId, 'dataset_id'));
}

/** Sets dataset tags, merged with the existing ones (`set_dataset_tags`); a null value is ignored. */
export async function setDatasetTags(
  datasetId: string,
  tags: Record<string, string | null>,
  target: DatasetTarget = {},
): Promise<void> {
  if (tags === undefined || tags === null) throw invalidParameter("'tags' must be provided");
  await storeOf(target).setDatasetTags(checkName(datasetId, 'dataset_id'), tags);
}

/** Deletes one dataset tag (`delete_dataset_tag`); a missing tag is not an error. */
export async function deleteDatasetTag(datasetId: string, key: string, target: DatasetTarget = {}): Promise<void> {
  await storeOf(target).deleteDatasetTag(checkName(datasetId, 'dataset_id'), checkName(key, 'key'));
}

/** Associates a dataset with more experiments (`add_dataset_to_experiments`). */
export async function addDatasetToExperiments(
  datasetId: string,
  experimentIds: string[],
  target: DatasetTarget = {},
): Promise<EvaluationDataset> {
  const store = storeOf(target);
  return new EvaluationDataset(
    await store.addDatasetToExperiments(checkName(datasetId, 'dataset_id'), experimentIds),
    store,
  );
}

/** Removes experiment associations (`remove_dataset_from_experiments`); unknown ones are ignored. */
export async function removeDatasetFromExperiments(
  datasetId: string,
  experimentIds: string[],
  target: DatasetTarget = {},
): Promise<EvaluationDataset> {
  const store = storeOf(target);
  return new EvaluationDataset(
    await store.removeDatasetFromExperiments(checkName(datasetId, 'dataset_id'), experimentIds),
    store,
  );
}
