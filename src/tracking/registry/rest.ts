import type { z } from 'zod';
import type { PagedList } from '../entities/index.js';
import type { ModelVersion, RegisteredModel } from '../entities/model-registry.js';
import { ErrorCode, hasErrorCode } from '../errors.js';
import { parseResponse } from '../rest/convert.js';
import { RestClient, type RestEndpoint, type RestStoreOptions } from '../rest/http.js';
import { registryResponseSchemas, toModelVersion, toRegisteredModel } from './convert.js';
import {
  type CreateModelVersionArgs,
  type ModelRegistryStore,
  SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
  type SearchRegistryQuery,
} from './store.js';

const API = '/api/2.0/mlflow';

function endpoint(method: RestEndpoint['method'], path: string, idempotent: boolean): RestEndpoint {
  return { method, path: API + path, idempotent };
}

/**
 * The endpoints of MLflow 3.18's `ModelRegistryService` (`model_registry.proto`) the store calls.
 * `idempotent` follows MLflow's client: reads, PATCH and DELETE are retried like any request;
 * POSTs only when their response is in `_RETRY_SAFE_POST_RESPONSES` (tag and alias upserts, the
 * latest-versions read). Creates, renames and stage transitions are retried only when the request
 * provably was not processed.
 */
export const REGISTRY_ENDPOINTS = {
  createRegisteredModel: endpoint('POST', '/registered-models/create', false),
  renameRegisteredModel: endpoint('POST', '/registered-models/rename', false),
  updateRegisteredModel: endpoint('PATCH', '/registered-models/update', true),
  deleteRegisteredModel: endpoint('DELETE', '/registered-models/delete', true),
  getRegisteredModel: endpoint('GET', '/registered-models/get', true),
  searchRegisteredModels: endpoint('GET', '/registered-models/search', true),
  getLatestVersions: endpoint('POST', '/registered-models/get-latest-versions', true),
  getLatestVersionsGet: endpoint('GET', '/registered-models/get-latest-versions', true),
  setRegisteredModelTag: endpoint('POST', '/registered-models/set-tag', true),
  deleteRegisteredModelTag: endpoint('DELETE', '/registered-models/delete-tag', true),
  setRegisteredModelAlias: endpoint('POST', '/registered-models/alias', true),
  deleteRegisteredModelAlias: endpoint('DELETE', '/registered-models/alias', true),
  getModelVersionByAlias: endpoint('GET', '/registered-models/alias', true),
  createModelVersion: endpoint('POST', '/model-versions/create', false),
  updateModelVersion: endpoint('PATCH', '/model-versions/update', true),
  transitionModelVersionStage: endpoint('POST', '/model-versions/transition-stage', false),
  deleteModelVersion: endpoint('DELETE', '/model-versions/delete', true),
  getModelVersion: endpoint('GET', '/model-versions/get', true),
  searchModelVersions: endpoint('GET', '/model-versions/search', true),
  getModelVersionDownloadUri: endpoint('GET', '/model-versions/get-download-uri', true),
  setModelVersionTag: endpoint('POST', '/model-versions/set-tag', true),
  deleteModelVersionTag: endpoint('DELETE', '/model-versions/delete-tag', true),
} as const satisfies Record<string, RestEndpoint>;

function requestLine(e: RestEndpoint): string {
  return `${e.method} ${e.path}`;
}

function tagsToJson(tags: Record<string, string> | undefined): Array<{ key: string; value: string }> {
  return Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));
}

/** Sets `payload[key]` unless `value` is null or undefined, as `message_to_json` skips unset fields. */
function put(payload: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) payload[key] = value;
}

/**
 * The model registry of an MLflow tracking server, over MLflow 3.18's REST API: the requests
 * `mlflow.store.model_registry.rest_store.RestStore` makes, with the same bodies and methods.
 * Validation is the server's, so errors carry its codes and messages; results map to the same
 * entities the embedded store returns.
 */
export class RestRegistryStore implements ModelRegistryStore {
  readonly registryUri: string;
  /**
   * The HTTP transport (auth, TLS, retries).
   * @internal
   */
  readonly http: RestClient;
  readonly #ownsClient: boolean;

  /** Talks to the MLflow server at `uri` (auth, TLS and retries from the options or MLflow's environment). */
  constructor(uri: string, options?: RestStoreOptions);
  /**
   * Talks through an existing transport (a REST tracking store's), which it does not close.
   * @internal
   */
  constructor(http: RestClient);
  constructor(uriOrClient: string | RestClient, options: RestStoreOptions = {}) {
    this.#ownsClient = typeof uriOrClient === 'string';
    this.http = typeof uriOrClient === 'string' ? new RestClient(uriOrClient, options) : uriOrClient;
    this.registryUri = this.http.baseUrl;
  }

  async #call<S extends z.ZodType>(e: RestEndpoint, payload: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    const body = await this.http.call(e, payload);
    return parseResponse(schema, body, requestLine(e));
  }

  // -------------------------------------------------------------------------------- registered models

  async createRegisteredModel(
    name: string,
    options: { tags?: Record<string, string>; description?: string | null } = {},
  ): Promise<RegisteredModel> {
    const payload: Record<string, unknown> = { name };
    put(payload, 'tags', tagsToJson(options.tags));
    put(payload, 'description', options.description);
    const res = await this.#call(
      REGISTRY_ENDPOINTS.createRegisteredModel,
      payload,
      registryResponseSchemas.registeredModel,
    );
    return toRegisteredModel(res.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.getRegisteredModel,
      { name },
      registryResponseSchemas.registeredModel,
    );
    return toRegisteredModel(res.registered_model);
  }

  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    const payload: Record<string, unknown> = { name };
    put(payload, 'description', description);
    const res = await this.#call(
      REGISTRY_ENDPOINTS.updateRegisteredModel,
      payload,
      registryResponseSchemas.registeredModel,
    );
    return toRegisteredModel(res.registered_model);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.renameRegisteredModel,
      { name, new_name: newName },
      registryResponseSchemas.registeredModel,
    );
    return toRegisteredModel(res.registered_model);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.deleteRegisteredModel, { name });
  }

  async searchRegisteredModels(query: SearchRegistryQuery = {}): Promise<PagedList<RegisteredModel>> {
    const payload: Record<string, unknown> = {};
    put(payload, 'filter', query.filterString || undefined);
    payload.max_results = query.maxResults ?? SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT;
    put(payload, 'order_by', query.orderBy);
    put(payload, 'page_token', query.pageToken || undefined);
    const res = await this.#call(
      REGISTRY_ENDPOINTS.searchRegisteredModels,
      payload,
      registryResponseSchemas.searchRegisteredModels,
    );
    const items = (res.registered_models ?? []).map(toRegisteredModel);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.setRegisteredModelTag, { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.deleteRegisteredModelTag, { name, key });
  }

  /** POSTs, and falls back to GET on a server without the POST route, as MLflow's `call_endpoints` does. */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    const payload: Record<string, unknown> = { name };
    put(payload, 'stages', stages);
    let res: z.output<typeof registryResponseSchemas.modelVersions>;
    try {
      res = await this.#call(REGISTRY_ENDPOINTS.getLatestVersions, payload, registryResponseSchemas.modelVersions);
    } catch (err) {
      if (!hasErrorCode(err, ErrorCode.ENDPOINT_NOT_FOUND)) throw err;
      res = await this.#call(REGISTRY_ENDPOINTS.getLatestVersionsGet, payload, registryResponseSchemas.modelVersions);
    }
    return (res.model_versions ?? []).map(toModelVersion);
  }

  // -------------------------------------------------------------------------------- model versions

  async createModelVersion(args: CreateModelVersionArgs): Promise<ModelVersion> {
    const payload: Record<string, unknown> = { name: args.name, source: args.source };
    put(payload, 'run_id', args.runId);
    put(payload, 'run_link', args.runLink);
    put(payload, 'tags', tagsToJson(args.tags));
    put(payload, 'description', args.description);
    put(payload, 'model_id', args.modelId);
    const res = await this.#call(REGISTRY_ENDPOINTS.createModelVersion, payload, registryResponseSchemas.modelVersion);
    return toModelVersion(res.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.getModelVersion,
      { name, version: String(version) },
      registryResponseSchemas.modelVersion,
    );
    return toModelVersion(res.model_version);
  }

  async updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion> {
    const payload: Record<string, unknown> = { name, version: String(version) };
    put(payload, 'description', description);
    const res = await this.#call(REGISTRY_ENDPOINTS.updateModelVersion, payload, registryResponseSchemas.modelVersion);
    return toModelVersion(res.model_version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.deleteModelVersion, { name, version: String(version) });
  }

  async searchModelVersions(query: SearchRegistryQuery = {}): Promise<PagedList<ModelVersion>> {
    const payload: Record<string, unknown> = {};
    put(payload, 'filter', query.filterString || undefined);
    payload.max_results = query.maxResults ?? SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT;
    put(payload, 'order_by', query.orderBy);
    put(payload, 'page_token', query.pageToken || undefined);
    const res = await this.#call(
      REGISTRY_ENDPOINTS.searchModelVersions,
      payload,
      registryResponseSchemas.searchModelVersions,
    );
    const items = (res.model_versions ?? []).map(toModelVersion);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.setModelVersionTag, { name, version: String(version), key, value });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.deleteModelVersionTag, { name, version: String(version), key });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.getModelVersionDownloadUri,
      { name, version: String(version) },
      registryResponseSchemas.downloadUri,
    );
    return res.artifact_uri ?? '';
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.transitionModelVersionStage,
      { name, version: String(version), stage, archive_existing_versions: archiveExistingVersions },
      registryResponseSchemas.modelVersion,
    );
    return toModelVersion(res.model_version);
  }

  // -------------------------------------------------------------------------------- aliases

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.setRegisteredModelAlias, { name, alias, version: String(version) });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.http.call(REGISTRY_ENDPOINTS.deleteRegisteredModelAlias, { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const res = await this.#call(
      REGISTRY_ENDPOINTS.getModelVersionByAlias,
      { name, alias },
      registryResponseSchemas.modelVersion,
    );
    return toModelVersion(res.model_version);
  }

  /** Closes the transport when this store created it; a shared one belongs to its owner. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.http.close();
  }
}
