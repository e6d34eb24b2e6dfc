import type { PagedList } from '../../tracking/entities/index.js';
import type { DatasetRecord, EvaluationDatasetInfo } from './entities.js';

/** Page size of `search_datasets` when paging through all results (`SEARCH_EVALUATION_DATASETS_MAX_RESULTS`). */
export const SEARCH_EVALUATION_DATASETS_MAX_RESULTS = 50;
/** Default page size of record loads (`LOAD_DATASET_RECORDS_MAX_RESULTS`). */
export const LOAD_DATASET_RECORDS_MAX_RESULTS = 1000;

/** Arguments of {@link EvaluationDatasetStore.createDataset}. */
export interface CreateDatasetArgs {
  /** Dataset name (not unique). */
  name: string;
  /** Dataset tags; `mlflow.user` also sets `created_by`. */
  tags?: Record<string, string>;
  /** Experiments to associate the dataset with. */
  experimentIds?: string[];
}

/** Arguments of {@link EvaluationDatasetStore.searchDatasets}. */
export interface SearchDatasetsQuery {
  /** Only datasets associated with one of these experiments. */
  experimentIds?: string[];
  /**
   * AND-ed comparisons over `name`, `created_by`, `last_updated_by` (`=`, `!=`, `LIKE`, `ILIKE`;
   * `name IN (...)`), `created_time`, `last_update_time` (numeric) and `tags.<key>`.
   */
  filterString?: string;
  /** Page size; 1000 by default (at most 50,000). */
  maxResults?: number;
  /** Over `name`, `created_time`, `last_update_time`; `created_time DESC` by default. */
  orderBy?: string[];
  /** The `nextPageToken` of the previous page. */
  pageToken?: string;
}

/**
 * A record to upsert, as the store receives it (after `mergeRecords` inferred sources and added
 * the user tag). Keys are MLflow's; `outputs` absent and `outputs: null` differ (null clears).
 */
export interface UpsertRecord {
  inputs: Record<string, unknown>;
  outputs?: unknown;
  expectations?: Record<string, unknown> | null;
  tags?: Record<string, string> | null;
  source?: { source_type: string; source_data?: Record<string, unknown> | null } | null;
}

/** One page of records; `nextPageToken` is MLflow's `base64("<created_time>:<record_id>")` cursor. */
export interface DatasetRecordsPage {
  records: DatasetRecord[];
  nextPageToken?: string;
}

/**
 * Where evaluation datasets live: the dataset methods of MLflow 3.18's tracking store
 * (`create_dataset`, `get_dataset`, `search_datasets`, `upsert_dataset_records`, ...), in the
 * embedded database or on an MLflow server. Methods throw `MlflowError`s with MLflow's codes.
 */
export interface EvaluationDatasetStore {
  /** The tracking URI (credentials removed). */
  readonly trackingUri: string;

  /** Creates a dataset (`d-<32 hex>` id) with its tags and experiment associations. */
  createDataset(args: CreateDatasetArgs): Promise<EvaluationDatasetInfo>;
  /** A dataset's metadata; RESOURCE_DOES_NOT_EXIST when missing. */
  getDataset(datasetId: string): Promise<EvaluationDatasetInfo>;
  /** Deletes a dataset with its records, tags and associations; a missing dataset is not an error. */
  deleteDataset(datasetId: string): Promise<void>;
  /** One page of datasets. */
  searchDatasets(query?: SearchDatasetsQuery): Promise<PagedList<EvaluationDatasetInfo>>;
  /**
   * Inserts or updates records by their inputs (sha256 of the sorted-key JSON), then refreshes the
   * dataset's schema, profile, digest and update time, all in one transaction.
   */
  upsertDatasetRecords(datasetId: string, records: UpsertRecord[]): Promise<{ inserted: number; updated: number }>;
  /** Deletes records by id; returns how many were deleted. */
  deleteDatasetRecords(datasetId: string, recordIds: string[]): Promise<number>;
  /**
   * Records ordered by creation time then id. `maxResults` null loads every record; otherwise one
   * page of at most `maxResults` (1000 by default).
   */
  loadDatasetRecords(
    datasetId: string,
    options?: { maxResults?: number | null; pageToken?: string },
  ): Promise<DatasetRecordsPage>;
  /** Upserts tags; a null value is skipped (MLflow's store ignores it). RESOURCE_DOES_NOT_EXIST when missing. */
  setDatasetTags(datasetId: string, tags: Record<string, string | null>): Promise<void>;
  /** Deletes a tag; a missing dataset or tag is not an error. */
  deleteDatasetTag(datasetId: string, key: string): Promise<void>;
  /** The experiments a dataset is associated with. */
  getDatasetExperimentIds(datasetId: string): Promise<string[]>;
  /** Associates a dataset with more experiments (each must exist). */
  addDatasetToExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo>;
  /** Removes experiment associations; unknown ones are ignored. */
  removeDatasetFromExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo>;
}
