import type { z } from 'zod';
import {
  type CreateLoggedModelArgs,
  isLoggedModelStatus,
  keyValueList,
  type LoggedModel,
  type LoggedModelRef,
  type LoggedModelStatus,
  loggedModelStatusToProto,
  type PagedList,
  type SearchLoggedModelsQuery,
} from '../entities/index.js';
import { InvalidParameterError } from '../errors.js';
import { validateLoggedModelName } from '../sqlite/logged-models.js';
import { parseResponse } from './convert.js';
import type { RestClient, RestEndpoint } from './http.js';
import { loggedModelResponses, orderByToJson, toLoggedModel } from './logged-models-convert.js';

const BASE = '/api/2.0/mlflow/logged-models';
/** `_MLFLOW_CREATE_LOGGED_MODEL_PARAMS_BATCH_SIZE` / `_MLFLOW_LOG_LOGGED_MODEL_PARAMS_BATCH_SIZE`. */
const PARAMS_BATCH_SIZE = 100;

/**
 * The LoggedModel endpoints MLflow 3.18's RestStore calls. Only SearchLoggedModels is in MLflow's
 * `_RETRY_SAFE_POST_RESPONSES`; GET, PATCH and DELETE are always retried.
 */
export const LOGGED_MODEL_ENDPOINTS = {
  createLoggedModel: { method: 'POST', path: BASE, idempotent: false },
  searchLoggedModels: { method: 'POST', path: `${BASE}/search`, idempotent: true },
  logOutputs: { method: 'POST', path: '/api/2.0/mlflow/runs/outputs', idempotent: false },
  logInputs: { method: 'POST', path: '/api/2.0/mlflow/runs/log-inputs', idempotent: false },
  logModel: { method: 'POST', path: '/api/2.0/mlflow/runs/log-model', idempotent: false },
} as const satisfies Record<string, RestEndpoint>;

function modelPath(modelId: string, suffix = ''): string {
  return `${BASE}/${encodeURIComponent(modelId)}${suffix}`;
}

/**
 * LoggedModels on an MLflow tracking server (MLflow 3.18 `RestStore`'s logged-model methods and
 * `log_outputs`). Results map to the entities the embedded {@link SqliteLoggedModelStore} returns.
 */
export class RestLoggedModelStore {
  readonly #http: RestClient;

  constructor(http: RestClient) {
    this.#http = http;
  }

  async #call<S extends z.ZodType>(
    endpoint: RestEndpoint,
    payload: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const body = await this.#http.call(endpoint, payload);
    return parseResponse(schema, body, `${endpoint.method} ${endpoint.path}`);
  }

  /** `create_logged_model`: the first 100 params go with the request, the rest through LogLoggedModelParams. */
  async createLoggedModel(args: CreateLoggedModelArgs): Promise<LoggedModel> {
    validateLoggedModelName(args.name);
    const params = keyValueList(args.params);
    const payload: Record<string, unknown> = {
      experiment_id: String(args.experimentId),
      params: params.slice(0, PARAMS_BATCH_SIZE),
      tags: keyValueList(args.tags),
    };
    if (args.name) payload.name = args.name;
    if (args.modelType) payload.model_type = args.modelType;
    if (args.sourceRunId) payload.source_run_id = args.sourceRunId;
    const res = await this.#call(LOGGED_MODEL_ENDPOINTS.createLoggedModel, payload, loggedModelResponses.model);
    const model = toLoggedModel(res.model);
    if (params.length > PARAMS_BATCH_SIZE) {
      await this.logLoggedModelParams(model.modelId, params.slice(PARAMS_BATCH_SIZE));
      return this.getLoggedModel(model.modelId);
    }
    return model;
  }

  /** `get_logged_model`. */
  async getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const endpoint: RestEndpoint = { method: 'GET', path: modelPath(modelId), idempotent: true };
    const res = await this.#call(endpoint, allowDeleted ? { allow_deleted: 'true' } : {}, loggedModelResponses.model);
    return toLoggedModel(res.model);
  }

  /** `delete_logged_model`. */
  async deleteLoggedModel(modelId: string): Promise<void> {
    const endpoint: RestEndpoint = { method: 'DELETE', path: modelPath(modelId), idempotent: true };
    await this.#http.call(endpoint, { model_id: modelId });
  }

  /** `finalize_logged_model`. */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!isLoggedModelStatus(status)) throw new InvalidParameterError(`Unknown model status: ${String(status)}`);
    const endpoint: RestEndpoint = { method: 'PATCH', path: modelPath(modelId), idempotent: true };
    const res = await this.#call(
      endpoint,
      { model_id: modelId, status: loggedModelStatusToProto(status) },
      loggedModelResponses.model,
    );
    return toLoggedModel(res.model);
  }

  /** `set_logged_model_tags`. */
  async setLoggedModelTags(
    modelId: string,
    tags: Record<string, string> | ReadonlyArray<{ key: string; value: string }>,
  ): Promise<void> {
    const endpoint: RestEndpoint = { method: 'PATCH', path: modelPath(modelId, '/tags'), idempotent: true };
    await this.#http.call(endpoint, { tags: keyValueList(tags) });
  }

  /** `delete_logged_model_tag`. */
  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    const endpoint: RestEndpoint = {
      method: 'DELETE',
      path: modelPath(modelId, `/tags/${encodeURIComponent(key)}`),
      idempotent: true,
    };
    await this.#http.call(endpoint, {});
  }

  /** `log_logged_model_params`, in batches of 100. */
  async logLoggedModelParams(
    modelId: string,
    params: Record<string, string> | ReadonlyArray<{ key: string; value: string }>,
  ): Promise<void> {
    const list = keyValueList(params);
    const endpoint: RestEndpoint = { method: 'POST', path: modelPath(modelId, '/params'), idempotent: false };
    for (let i = 0; i < list.length; i += PARAMS_BATCH_SIZE) {
      await this.#http.call(endpoint, { model_id: modelId, params: list.slice(i, i + PARAMS_BATCH_SIZE) });
    }
  }

  /** `search_logged_models`. */
  async searchLoggedModels(query: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>> {
    // Protobuf omits empty repeated fields, but MLflow's client keeps this required scope explicit.
    const payload: Record<string, unknown> = { experiment_ids: query.experimentIds.map(String) };
    if (query.filterString) payload.filter = query.filterString;
    if (query.datasets && query.datasets.length > 0) {
      payload.datasets = query.datasets.map((d) => {
        const out: Record<string, unknown> = { dataset_name: d.datasetName };
        if (d.datasetDigest) out.dataset_digest = d.datasetDigest;
        return out;
      });
    }
    if (query.maxResults) payload.max_results = query.maxResults;
    if (query.orderBy && query.orderBy.length > 0) payload.order_by = query.orderBy.map(orderByToJson);
    if (query.pageToken) payload.page_token = query.pageToken;
    const res = await this.#call(LOGGED_MODEL_ENDPOINTS.searchLoggedModels, payload, loggedModelResponses.search);
    const page: PagedList<LoggedModel> = { items: (res.models ?? []).map(toLoggedModel) };
    if (res.next_page_token) page.nextPageToken = res.next_page_token;
    return page;
  }

  /** `log_outputs`: the run produced these models. */
  async logOutputs(runId: string, models: readonly LoggedModelRef[]): Promise<void> {
    await this.#http.call(LOGGED_MODEL_ENDPOINTS.logOutputs, {
      run_id: runId,
      models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })),
    });
  }

  /** `log_inputs(models=...)`: the run consumed these models. */
  async logModelInputs(runId: string, models: readonly LoggedModelRef[]): Promise<void> {
    await this.#http.call(LOGGED_MODEL_ENDPOINTS.logInputs, {
      run_id: runId,
      models: models.map((m) => ({ model_id: m.modelId })),
    });
  }

  /** `record_logged_model`: appends `modelDict` to the run's `mlflow.log-model.history` tag (LogModel). */
  async recordLoggedModel(runId: string, modelDict: Record<string, unknown>): Promise<void> {
    await this.#http.call(LOGGED_MODEL_ENDPOINTS.logModel, { run_id: runId, model_json: JSON.stringify(modelDict) });
  }
}
