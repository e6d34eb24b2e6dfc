import type { z } from 'zod';
import type {
  Assessment,
  CreateLoggedModelArgs,
  Experiment,
  LoggedModel,
  LoggedModelRef,
  LoggedModelStatus,
  Metric,
  PagedList,
  Param,
  Run,
  RunInfo,
  RunTag,
  SearchLoggedModelsQuery,
  Span,
  Trace,
  TraceInfo,
} from '../entities/index.js';
import { ViewType } from '../entities/index.js';
import { ErrorCode, hasErrorCode } from '../errors.js';
import { SEARCH_MAX_RESULTS_DEFAULT, validateMaxResults } from '../search/page-token.js';
import type {
  CreateRunArgs,
  DeleteTracesArgs,
  SearchExperimentsQuery,
  SearchRunsQuery,
  SearchTracesQuery,
  TrackingStore,
  UpdateAssessmentArgs,
  UpdateRunInfoArgs,
} from '../store.js';
import {
  validateBatchLogData,
  validateBatchLogLimits,
  validateExperimentName,
  validateExperimentTag,
  validateParamKeysUnique,
  validateRunId,
  validateTag,
} from '../validation.js';
import { RestAssessmentStore } from './assessments.js';
import {
  keyValuesToJson,
  metricToJson,
  parseResponse,
  responseSchemas,
  toExperiment,
  toMetric,
  toRun,
  toRunInfo,
} from './convert.js';
import { RestClient, type RestEndpoint, type RestStoreOptions } from './http.js';
import { RestLoggedModelStore } from './logged-models.js';
import { RestTraceStore } from './traces.js';

const API = '/api/2.0/mlflow';

function get(path: string): RestEndpoint {
  return { method: 'GET', path: API + path, idempotent: true };
}

function post(path: string, idempotent: boolean): RestEndpoint {
  return { method: 'POST', path: API + path, idempotent };
}

/**
 * The endpoints of MLflow 3.18's `MlflowService` this store calls (`service.proto`). `idempotent`
 * follows MLflow's `_RETRY_SAFE_POST_RESPONSES`: creates, experiment delete/restore/rename and tag
 * deletes are not, because a retry after a lost response would create a duplicate run or
 * experiment, or fail on a delete that in fact succeeded.
 */
export const ENDPOINTS = {
  createExperiment: post('/experiments/create', false),
  getExperiment: get('/experiments/get'),
  getExperimentByName: get('/experiments/get-by-name'),
  searchExperiments: post('/experiments/search', true),
  deleteExperiment: post('/experiments/delete', false),
  restoreExperiment: post('/experiments/restore', false),
  updateExperiment: post('/experiments/update', false),
  setExperimentTag: post('/experiments/set-experiment-tag', true),
  deleteExperimentTag: post('/experiments/delete-experiment-tag', false),
  createRun: post('/runs/create', false),
  getRun: get('/runs/get'),
  updateRun: post('/runs/update', true),
  deleteRun: post('/runs/delete', true),
  restoreRun: post('/runs/restore', true),
  logBatch: post('/runs/log-batch', true),
  setTag: post('/runs/set-tag', true),
  deleteTag: post('/runs/delete-tag', false),
  getMetricHistory: get('/metrics/get-history'),
  searchRuns: post('/runs/search', true),
} as const satisfies Record<string, RestEndpoint>;

function requestLine(endpoint: RestEndpoint): string {
  return `${endpoint.method} ${endpoint.path}`;
}

/**
 * The tracking store of an MLflow tracking server, over MLflow 3.18's REST API
 * (`mlflow.store.tracking.rest_store.RestStore`). Inputs are validated as the embedded store
 * validates them, so bad input fails before any request with the same error; results map to the
 * same entities the embedded store returns.
 */
export class RestTrackingStore implements TrackingStore {
  /** The server URL, credentials removed. */
  readonly trackingUri: string;
  /**
   * The HTTP transport (auth, TLS, retries), for the other REST-backed parts of the SDK.
   * @internal
   */
  readonly http: RestClient;

  constructor(uri: string, options: RestStoreOptions = {}) {
    this.http = new RestClient(uri, options);
    this.trackingUri = this.http.baseUrl;
    this.#traces = new RestTraceStore(this.http);
    this.#assessments = new RestAssessmentStore(this.http);
    this.#loggedModels = new RestLoggedModelStore(this.http);
  }

  readonly #traces: RestTraceStore;
  readonly #assessments: RestAssessmentStore;
  readonly #loggedModels: RestLoggedModelStore;

  async #call<S extends z.ZodType>(
    endpoint: RestEndpoint,
    payload: Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const body = await this.http.call(endpoint, payload);
    return parseResponse(schema, body, requestLine(endpoint));
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(
    name: string,
    artifactLocation?: string | null,
    tags: Array<{ key: string; value: string }> = [],
  ): Promise<string> {
    validateExperimentName(name);
    for (const tag of tags) validateExperimentTag(tag.key, tag.value);
    const payload: Record<string, unknown> = { name, tags: keyValuesToJson(tags) };
    // Sent as given, as MLflow's RestStore does: the server resolves it against its own file system.
    if (artifactLocation) payload.artifact_location = artifactLocation;
    const res = await this.#call(ENDPOINTS.createExperiment, payload, responseSchemas.createExperiment);
    return res.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    // The embedded store reads an empty id as the Default experiment; so do we.
    const res = await this.#call(
      ENDPOINTS.getExperiment,
      { experiment_id: experimentId || '0' },
      responseSchemas.experiment,
    );
    return toExperiment(res.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const res = await this.#call(
        ENDPOINTS.getExperimentByName,
        { experiment_name: name },
        responseSchemas.experiment,
      );
      return toExperiment(res.experiment);
    } catch (err) {
      // MLflow's RestStore: "no such experiment" is null, every other error propagates.
      if (hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST)) return null;
      throw err;
    }
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<PagedList<Experiment>> {
    const maxResults = query.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    validateMaxResults(maxResults);
    const payload: Record<string, unknown> = {
      view_type: query.viewType ?? ViewType.ACTIVE_ONLY,
      max_results: maxResults,
    };
    if (query.filterString) payload.filter = query.filterString;
    if (query.orderBy?.length) payload.order_by = query.orderBy;
    if (query.pageToken) payload.page_token = query.pageToken;
    const res = await this.#call(ENDPOINTS.searchExperiments, payload, responseSchemas.searchExperiments);
    const items = (res.experiments ?? []).map(toExperiment);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.http.call(ENDPOINTS.deleteExperiment, { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.call(ENDPOINTS.restoreExperiment, { experiment_id: experimentId });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    await this.http.call(ENDPOINTS.updateExperiment, { experiment_id: experimentId, new_name: newName });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    await this.http.call(ENDPOINTS.setExperimentTag, { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.http.call(ENDPOINTS.deleteExperimentTag, { experiment_id: experimentId, key });
  }

  // ---------------------------------------------------------------- runs

  async createRun(args: CreateRunArgs): Promise<Run> {
    // Over-long tag values are truncated (or refused) here exactly as the embedded store does.
    const tags = args.tags.map((t) => ({ key: t.key, value: validateTag(t.key, t.value) }));
    const payload: Record<string, unknown> = {
      experiment_id: args.experimentId,
      user_id: args.userId,
      start_time: args.startTime,
      tags,
    };
    if (args.runName) payload.run_name = args.runName;
    const res = await this.#call(ENDPOINTS.createRun, payload, responseSchemas.run);
    return toRun(res.run);
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.#call(ENDPOINTS.getRun, { run_uuid: runId, run_id: runId }, responseSchemas.run);
    return toRun(res.run);
  }

  async updateRunInfo(runId: string, args: UpdateRunInfoArgs): Promise<RunInfo> {
    const payload: Record<string, unknown> = { run_id: runId, run_uuid: runId };
    if (args.status !== undefined) payload.status = args.status;
    if (args.endTime !== undefined && args.endTime !== null) payload.end_time = args.endTime;
    if (args.runName) payload.run_name = args.runName;
    const res = await this.#call(ENDPOINTS.updateRun, payload, responseSchemas.updateRun);
    return toRunInfo(res.run_info);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.http.call(ENDPOINTS.deleteRun, { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.http.call(ENDPOINTS.restoreRun, { run_id: runId });
  }

  // ---------------------------------------------------------------- run data

  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }): Promise<void> {
    // MLflow's RestStore sends one request; the limits are checked first so an oversized or invalid
    // batch fails here with the embedded store's error instead of as a server round trip.
    validateRunId(runId);
    const checked = validateBatchLogData(batch.metrics ?? [], batch.params ?? [], batch.tags ?? []);
    validateBatchLogLimits(checked.metrics, checked.params, checked.tags);
    validateParamKeysUnique(checked.params);
    const payload: Record<string, unknown> = { run_id: runId };
    if (checked.metrics.length) payload.metrics = checked.metrics.map(metricToJson);
    if (checked.params.length) payload.params = keyValuesToJson(checked.params);
    if (checked.tags.length) payload.tags = keyValuesToJson(checked.tags);
    await this.http.call(ENDPOINTS.logBatch, payload);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    const checked = validateTag(key, value);
    await this.http.call(ENDPOINTS.setTag, { run_id: runId, run_uuid: runId, key, value: checked });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.call(ENDPOINTS.deleteTag, { run_id: runId, key });
  }

  async getMetricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<PagedList<Metric>> {
    const payload: Record<string, unknown> = { run_id: runId, run_uuid: runId, metric_key: key };
    if (options.maxResults !== undefined) payload.max_results = options.maxResults;
    if (options.pageToken) payload.page_token = options.pageToken;
    const res = await this.#call(ENDPOINTS.getMetricHistory, payload, responseSchemas.metricHistory);
    const items = (res.metrics ?? []).map((m) => toMetric(m, runId));
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  async searchRuns(query: SearchRunsQuery): Promise<PagedList<Run>> {
    const maxResults = query.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    validateMaxResults(maxResults);
    const payload: Record<string, unknown> = {
      experiment_ids: query.experimentIds.map(String),
      run_view_type: query.runViewType ?? ViewType.ACTIVE_ONLY,
      max_results: maxResults,
    };
    if (query.filterString) payload.filter = query.filterString;
    if (query.orderBy?.length) payload.order_by = query.orderBy;
    if (query.pageToken) payload.page_token = query.pageToken;
    const res = await this.#call(ENDPOINTS.searchRuns, payload, responseSchemas.searchRuns);
    const items = (res.runs ?? []).map(toRun);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  // ---------------------------------------------------------------- assessments

  createAssessment(assessment: Assessment): Promise<Assessment> {
    return this.#assessments.createAssessment(assessment);
  }
  async createAssessments(assessments: readonly Assessment[]): Promise<Assessment[]> {
    const out: Assessment[] = [];
    for (const a of assessments) out.push(await this.#assessments.createAssessment(a));
    return out;
  }
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return this.#assessments.getAssessment(traceId, assessmentId);
  }
  updateAssessment(traceId: string, assessmentId: string, updates: UpdateAssessmentArgs): Promise<Assessment> {
    return this.#assessments.updateAssessment(traceId, assessmentId, updates);
  }
  deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    return this.#assessments.deleteAssessment(traceId, assessmentId);
  }

  // ---------------------------------------------------------------- traces

  startTrace(info: TraceInfo): Promise<TraceInfo> {
    return this.#traces.startTrace(info);
  }
  logSpans(experimentId: string, spans: Span[]): Promise<void> {
    return this.#traces.logSpans(experimentId, spans);
  }
  getTraceInfo(traceId: string): Promise<TraceInfo> {
    return this.#traces.getTraceInfo(traceId);
  }
  getTrace(traceId: string, options: { allowPartial?: boolean } = {}): Promise<Trace> {
    return this.#traces.getTrace(traceId, options);
  }
  searchTraces(query: SearchTracesQuery): Promise<PagedList<TraceInfo>> {
    return this.#traces.searchTraces(query);
  }
  setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    return this.#traces.setTraceTag(traceId, key, value);
  }
  deleteTraceTag(traceId: string, key: string): Promise<void> {
    return this.#traces.deleteTraceTag(traceId, key);
  }
  deleteTraces(args: DeleteTracesArgs): Promise<number> {
    return this.#traces.deleteTraces(args);
  }
  linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    return this.#traces.linkTracesToRun(traceIds, runId);
  }
  linkPromptsToTrace(
    traceId: string,
    prompts: ReadonlyArray<{ name: string; version: string | number }>,
  ): Promise<void> {
    return this.#traces.linkPromptsToTrace(traceId, prompts);
  }

  // ---------------------------------------------------------------- logged models

  createLoggedModel(args: CreateLoggedModelArgs): Promise<LoggedModel> {
    return this.#loggedModels.createLoggedModel(args);
  }
  getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    return this.#loggedModels.getLoggedModel(modelId, allowDeleted);
  }
  deleteLoggedModel(modelId: string): Promise<void> {
    return this.#loggedModels.deleteLoggedModel(modelId);
  }
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.#loggedModels.finalizeLoggedModel(modelId, status);
  }
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    return this.#loggedModels.setLoggedModelTags(modelId, tags);
  }
  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.#loggedModels.deleteLoggedModelTag(modelId, key);
  }
  logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    return this.#loggedModels.logLoggedModelParams(modelId, params);
  }
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>> {
    return this.#loggedModels.searchLoggedModels(query);
  }
  logOutputs(runId: string, models: LoggedModelRef[]): Promise<void> {
    return this.#loggedModels.logOutputs(runId, models);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
