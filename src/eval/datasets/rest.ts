import { z } from 'zod';
import type { PagedList } from '../../tracking/entities/index.js';
import { parseResponse } from '../../tracking/rest/convert.js';
import type { RestClient, RestEndpoint } from '../../tracking/rest/http.js';
import {
  type DatasetRecord,
  type EvaluationDatasetInfo,
  normalizeRecordSource,
  parseDatasetRecordSourceType,
  sourceIdOf,
} from './entities.js';
import {
  type CreateDatasetArgs,
  type DatasetRecordsPage,
  type EvaluationDatasetStore,
  LOAD_DATASET_RECORDS_MAX_RESULTS,
  type SearchDatasetsQuery,
  type UpsertRecord,
} from './store.js';

const API = '/api/3.0/mlflow/datasets';
const enc = encodeURIComponent;

function endpoint(method: RestEndpoint['method'], path: string, idempotent: boolean): RestEndpoint {
  return { method, path: API + path, idempotent };
}

const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);

const datasetSchema = z.object({
  dataset_id: z.string(),
  name: z.string().optional().default(''),
  tags: z.string().optional(),
  schema: z.string().optional(),
  profile: z.string().optional(),
  digest: z.string().optional().default(''),
  created_time: int64.optional(),
  last_update_time: int64.optional(),
  created_by: z.string().optional(),
  last_updated_by: z.string().optional(),
  experiment_ids: z.array(z.string()).optional(),
});

const schemas = {
  dataset: z.object({ dataset: datasetSchema }),
  search: z.object({ datasets: z.array(datasetSchema).optional(), next_page_token: z.string().optional() }),
  upsert: z.object({ inserted_count: int64.optional(), updated_count: int64.optional() }),
  deleteRecords: z.object({ deleted_count: int64.optional() }),
  experimentIds: z.object({ experiment_ids: z.array(z.string()).optional() }),
  records: z.object({ records: z.string().optional(), next_page_token: z.string().optional() }),
};

type DatasetJson = z.output<typeof datasetSchema>;

function toInfo(d: DatasetJson): EvaluationDatasetInfo {
  const info: EvaluationDatasetInfo = {
    datasetId: d.dataset_id,
    name: d.name,
    digest: d.digest,
    createdTime: d.created_time ?? 0,
    lastUpdateTime: d.last_update_time ?? 0,
    tags: d.tags === undefined ? {} : ((JSON.parse(d.tags) as Record<string, string> | null) ?? {}),
    schema: d.schema ?? null,
    profile: d.profile ?? null,
    createdBy: d.created_by ?? null,
    lastUpdatedBy: d.last_updated_by ?? null,
  };
  if (d.experiment_ids && d.experiment_ids.length > 0) info.experimentIds = d.experiment_ids;
  return info;
}

/** `DatasetRecord.from_dict` over the records JSON MLflow's `GetDatasetRecords` returns. */
function recordFromDict(r: Record<string, unknown>): DatasetRecord {
  const source = r.source ? normalizeRecordSource(r.source) : null;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    datasetRecordId: String(r.dataset_record_id),
    datasetId: String(r.dataset_id),
    inputs: (r.inputs as Record<string, unknown>) ?? {},
    outputs: r.outputs ?? null,
    expectations: (r.expectations as Record<string, unknown> | undefined) ?? null,
    tags: (r.tags as Record<string, string> | undefined) ?? {},
    source,
    sourceId: str(r.source_id) ?? sourceIdOf(source),
    sourceType:
      source?.sourceType ?? (typeof r.source_type === 'string' ? parseDatasetRecordSourceType(r.source_type) : null),
    createdTime: Number(r.created_time ?? 0),
    lastUpdateTime: Number(r.last_update_time ?? 0),
    createdBy: str(r.created_by),
    lastUpdatedBy: str(r.last_updated_by),
  };
}

/**
 * Evaluation datasets on an MLflow server, over MLflow 3.18's `/api/3.0/mlflow/datasets` endpoints
 * with the bodies `RestStore` sends (tags and records as JSON text fields). Validation and ids are
 * the server's.
 */
export class RestEvaluationDatasetStore implements EvaluationDatasetStore {
  readonly trackingUri: string;
  readonly #http: RestClient;

  /** Talks through a REST tracking store's transport (auth, TLS, retries), which it does not close. */
  constructor(http: RestClient) {
    this.#http = http;
    this.trackingUri = http.baseUrl;
  }

  async #call<S extends z.ZodType>(e: RestEndpoint, payload: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    const body = await this.#http.call(e, payload);
    return parseResponse(schema, body, `${e.method} ${e.path}`);
  }

  async createDataset(args: CreateDatasetArgs): Promise<EvaluationDatasetInfo> {
    const payload: Record<string, unknown> = { name: args.name };
    if (args.experimentIds && args.experimentIds.length > 0) payload.experiment_ids = args.experimentIds.map(String);
    if (args.tags && Object.keys(args.tags).length > 0) payload.tags = JSON.stringify(args.tags);
    const res = await this.#call(endpoint('POST', '/create', false), payload, schemas.dataset);
    return { ...toInfo(res.dataset), experimentIds: res.dataset.experiment_ids ?? [] };
  }

  async getDataset(datasetId: string): Promise<EvaluationDatasetInfo> {
    const res = await this.#call(endpoint('GET', `/${enc(datasetId)}`, true), {}, schemas.dataset);
    return toInfo(res.dataset);
  }

  async deleteDataset(datasetId: string): Promise<void> {
    await this.#http.call(endpoint('DELETE', `/${enc(datasetId)}`, true), {});
  }

  async searchDatasets(query: SearchDatasetsQuery = {}): Promise<PagedList<EvaluationDatasetInfo>> {
    const payload: Record<string, unknown> = { max_results: query.maxResults ?? 1000 };
    if (query.experimentIds && query.experimentIds.length > 0) payload.experiment_ids = query.experimentIds.map(String);
    if (query.filterString) payload.filter_string = query.filterString;
    if (query.orderBy && query.orderBy.length > 0) payload.order_by = query.orderBy;
    if (query.pageToken) payload.page_token = query.pageToken;
    const res = await this.#call(endpoint('POST', '/search', true), payload, schemas.search);
    const items = (res.datasets ?? []).map(toInfo);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  async upsertDatasetRecords(
    datasetId: string,
    records: UpsertRecord[],
  ): Promise<{ inserted: number; updated: number }> {
    const res = await this.#call(
      endpoint('POST', `/${enc(datasetId)}/records`, false),
      { records: JSON.stringify(records) },
      schemas.upsert,
    );
    return { inserted: res.inserted_count ?? 0, updated: res.updated_count ?? 0 };
  }

  async deleteDatasetRecords(datasetId: string, recordIds: string[]): Promise<number> {
    const res = await this.#call(
      endpoint('DELETE', `/${enc(datasetId)}/records`, true),
      { dataset_record_ids: recordIds },
      schemas.deleteRecords,
    );
    return res.deleted_count ?? 0;
  }

  async loadDatasetRecords(
    datasetId: string,
    options: { maxResults?: number | null; pageToken?: string } = {},
  ): Promise<DatasetRecordsPage> {
    const e = endpoint('GET', `/${enc(datasetId)}/records`, true);
    const page = async (maxResults: number, pageToken: string | undefined) => {
      const payload: Record<string, unknown> = { max_results: maxResults };
      if (pageToken) payload.page_token = pageToken;
      const res = await this.#call(e, payload, schemas.records);
      const dicts = res.records ? (JSON.parse(res.records) as Array<Record<string, unknown>>) : [];
      return { records: dicts.map(recordFromDict), nextPageToken: res.next_page_token || undefined };
    };
    if (options.maxResults === null) {
      // All records: pages of 1000, as MLflow's client does.
      const records: DatasetRecord[] = [];
      let token = options.pageToken;
      do {
        const p = await page(LOAD_DATASET_RECORDS_MAX_RESULTS, token);
        records.push(...p.records);
        token = p.nextPageToken;
      } while (token);
      return { records };
    }
    const p = await page(options.maxResults || LOAD_DATASET_RECORDS_MAX_RESULTS, options.pageToken);
    return p.nextPageToken ? p : { records: p.records };
  }

  async setDatasetTags(datasetId: string, tags: Record<string, string | null>): Promise<void> {
    await this.#http.call(endpoint('PATCH', `/${enc(datasetId)}/tags`, true), { tags: JSON.stringify(tags) });
  }

  async deleteDatasetTag(datasetId: string, key: string): Promise<void> {
    await this.#http.call(endpoint('DELETE', `/${enc(datasetId)}/tags/${enc(key)}`, true), {});
  }

  async getDatasetExperimentIds(datasetId: string): Promise<string[]> {
    const res = await this.#call(endpoint('GET', `/${enc(datasetId)}/experiment-ids`, true), {}, schemas.experimentIds);
    return res.experiment_ids ?? [];
  }

  async addDatasetToExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo> {
    const res = await this.#call(
      endpoint('POST', `/${enc(datasetId)}/add-experiments`, true),
      { dataset_id: datasetId, experiment_ids: experimentIds.map(String) },
      schemas.dataset,
    );
    return toInfo(res.dataset);
  }

  async removeDatasetFromExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo> {
    const res = await this.#call(
      endpoint('POST', `/${enc(datasetId)}/remove-experiments`, true),
      { dataset_id: datasetId, experiment_ids: experimentIds.map(String) },
      schemas.dataset,
    );
    return toInfo(res.dataset);
  }
}
