import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join as joinPath, resolve as resolvePath } from 'node:path';
import { resolveRegistryUri, resolveTrackingUri } from '../config/settings.js';
import { redactUri } from '../config/uri.js';
import type { FileInfo, StorageBackend, StorageOptions } from '../storage/backend.js';
import { dictArtifactText } from '../storage/dict-artifact.js';
import { normalizeArtifactPath } from '../storage/paths.js';
import { storageFor } from '../storage/resolve.js';
import type {
  Assessment,
  AssessmentSource,
  CreateLoggedModelArgs,
  Experiment,
  FeedbackValueType,
  LoggedModel,
  LoggedModelRef,
  LoggedModelStatus,
  Metric,
  ModelVersion,
  PagedList,
  Param,
  RegisteredModel,
  Run,
  RunInfo,
  RunTag,
  SearchLoggedModelsQuery,
  Trace,
  TraceInfo,
} from './entities/index.js';
import {
  Expectation,
  Feedback,
  isAssessment,
  isRunStatus,
  parseSpanJson,
  RunStatus,
  SPANS_LOCATION_TRACKING_STORE,
  Span,
  TERMINATED_STATUSES,
  TraceTagKey,
  ViewType,
} from './entities/index.js';
import { ErrorCode, InvalidParameterError, MlflowError, ResourceDoesNotExistError } from './errors.js';
import { addPromptFilterString } from './registry/search.js';
import type { ModelRegistryStore, SearchRegistryQuery } from './registry/store.js';
import { openRegistryStore, registryOfTrackingStore } from './registry/stores.js';
import { hasPromptTag, isBlank, validateAliasName, validateModelName } from './registry/validation.js';
import type {
  DeleteTracesArgs,
  SearchExperimentsQuery,
  SearchRunsQuery,
  SearchTracesQuery,
  TrackingStore,
  UpdateAssessmentArgs,
} from './store.js';
import { openTrackingStore } from './stores.js';
import { MLFLOW_USER } from './tags.js';
import { pythonFormat } from './validation.js';

/** Options of {@link MlflowClient.logFeedback} (`mlflow.log_feedback`). */
export interface LogFeedbackOptions {
  traceId: string;
  /** `"feedback"` by default. */
  name?: string;
  value?: FeedbackValueType;
  /** CODE (`sourceId: "default"`) by default. */
  source?: AssessmentSource;
  /** What prevented a value: an Error, a message, or an AssessmentError. */
  error?: unknown;
  rationale?: string | null;
  metadata?: Record<string, string> | null;
  spanId?: string | null;
}

/** Options of {@link MlflowClient.logExpectation} (`mlflow.log_expectation`). */
export interface LogExpectationOptions {
  traceId: string;
  name: string;
  /** Any JSON value but null. */
  value: unknown;
  /** HUMAN (`sourceId: "default"`) by default. */
  source?: AssessmentSource;
  metadata?: Record<string, string> | null;
  spanId?: string | null;
}

/** Options of {@link MlflowClient.overrideFeedback} (`mlflow.override_feedback`). */
export interface OverrideFeedbackOptions {
  traceId: string;
  /** The feedback being overridden. */
  assessmentId: string;
  value: FeedbackValueType;
  rationale?: string | null;
  source?: AssessmentSource;
  metadata?: Record<string, string> | null;
}

function checkTraceId(traceId: unknown): void {
  if (typeof traceId !== 'string' || traceId === '') {
    throw new InvalidParameterError(
      `Invalid value ${JSON.stringify(traceId ?? null)} for parameter 'trace_id' supplied: must be a trace id.`,
    );
  }
}

/** Options of {@link MlflowClient}. */
export interface MlflowClientOptions {
  /** Tracking URI; else `MLFLOW_TRACKING_URI`; else `sqlite:///mlflow.db` in the working directory. */
  trackingUri?: string;
  /** Registry URI; else `MLFLOW_REGISTRY_URI`; else the tracking URI. */
  registryUri?: string;
  /** Artifact root for experiments the embedded store creates; else `MLFLOW_DEFAULT_ARTIFACT_ROOT` or `./mlruns`. */
  defaultArtifactRoot?: string;
  /** A store to use instead of the one the URI selects (tests, custom backends). */
  store?: TrackingStore;
  /**
   * A model registry to use instead of the one the registry URI selects. By default the registry is
   * opened on first use: the tracking store's own when both URIs are the same, else the registry URI's.
   */
  registryStore?: ModelRegistryStore;
  /**
   * How run artifact URIs are opened: S3 endpoint and credentials, and where `MLFLOW_*`/`AWS_*` settings are
   * read (`process.env` by default). `mlflow-artifacts:` URIs always resolve against this client's tracking URI.
   */
  artifactStorage?: Omit<StorageOptions, 'trackingUri'>;
}

/** Options of {@link MlflowClient.createRun}. */
export interface CreateRunOptions {
  /** Experiment to create the run in. */
  experimentId: string;
  /** Display name; a random name like `swift-otter-417` when absent. */
  runName?: string;
  /** Milliseconds since the Unix epoch; now by default. */
  startTime?: number;
  /** Run tags; `mlflow.user` also sets the run's user id. */
  tags?: Record<string, string>;
}

/** A value MLflow accepts as a param or tag: stored as its string form. */
export type LoggableValue = string | number | boolean | bigint | null | undefined | object;

/**
 * The tracking client: a camelCase mirror of Python's `mlflow.MlflowClient` (tracking methods).
 * A client is a value bound to one tracking store; create several for several URIs.
 */
export class MlflowClient {
  /** The tracking URI this client writes to. */
  readonly trackingUri: string;
  /** The registry URI this client uses for models and prompts. */
  readonly registryUri: string;
  /** The store behind this client. */
  readonly store: TrackingStore;
  readonly #artifactStorage: Omit<StorageOptions, 'trackingUri'>;
  // The URI as given, credentials included, for resolving `mlflow-artifacts:` against the server.
  readonly #fullTrackingUri: string;
  readonly #fullRegistryUri: string;
  readonly #defaultArtifactRoot: string | undefined;
  #registryStore: ModelRegistryStore | undefined;

  constructor(options: MlflowClientOptions = {}) {
    if (options.store) {
      this.store = options.store;
      this.#fullTrackingUri = options.store.trackingUri;
    } else {
      this.#fullTrackingUri = resolveTrackingUri(options.trackingUri);
      this.store = openTrackingStore(
        this.#fullTrackingUri,
        options.defaultArtifactRoot === undefined ? {} : { defaultArtifactRoot: options.defaultArtifactRoot },
      );
    }
    this.trackingUri = redactUri(this.#fullTrackingUri);
    this.#fullRegistryUri = resolveRegistryUri(options.registryUri, this.#fullTrackingUri);
    this.registryUri = redactUri(this.#fullRegistryUri);
    this.#artifactStorage = options.artifactStorage ?? {};
    this.#defaultArtifactRoot = options.defaultArtifactRoot;
    this.#registryStore = options.registryStore;
  }

  /** The model registry behind this client, opened on first use. */
  get registryStore(): ModelRegistryStore {
    if (!this.#registryStore) {
      const own = this.#fullRegistryUri === this.#fullTrackingUri ? registryOfTrackingStore(this.store) : undefined;
      this.#registryStore =
        own ??
        openRegistryStore(
          this.#fullRegistryUri,
          this.#defaultArtifactRoot === undefined ? {} : { defaultArtifactRoot: this.#defaultArtifactRoot },
        );
    }
    return this.#registryStore;
  }

  // ------------------------------------------------------------ experiments

  /** Creates an experiment and returns its id (`create_experiment`). */
  createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: Record<string, string> } = {},
  ): Promise<string> {
    const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value: stringifyValue(value) }));
    return this.store.createExperiment(name, options.artifactLocation ?? null, tags);
  }

  /** Fetches an experiment by id; throws RESOURCE_DOES_NOT_EXIST when there is none. */
  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  /** Fetches an experiment by name, or null. */
  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.store.getExperimentByName(name);
  }

  /** Searches experiments (`search_experiments`), one page at a time. */
  searchExperiments(query: SearchExperimentsQuery = {}): Promise<PagedList<Experiment>> {
    return this.store.searchExperiments(query);
  }

  /** Sets a tag on an experiment. */
  setExperimentTag(experimentId: string, key: string, value: LoggableValue): Promise<void> {
    return this.store.setExperimentTag(experimentId, key, stringifyValue(value));
  }

  /** Deletes a tag from an experiment. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return this.store.deleteExperimentTag(experimentId, key);
  }

  /** Marks an experiment and its runs deleted (restorable). */
  deleteExperiment(experimentId: string): Promise<void> {
    return this.store.deleteExperiment(experimentId);
  }

  /** Restores a deleted experiment and its runs. */
  restoreExperiment(experimentId: string): Promise<void> {
    return this.store.restoreExperiment(experimentId);
  }

  /** Renames an active experiment. */
  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return this.store.renameExperiment(experimentId, newName);
  }

  // ------------------------------------------------------------ runs

  /** Creates a run (`create_run`): `createRun({experimentId, runName, startTime, tags})` or `createRun(experimentId, {...})`. */
  createRun(options: CreateRunOptions): Promise<Run>;
  createRun(experimentId: string, options?: Omit<CreateRunOptions, 'experimentId'>): Promise<Run>;
  createRun(first: string | CreateRunOptions, rest: Omit<CreateRunOptions, 'experimentId'> = {}): Promise<Run> {
    const options: CreateRunOptions = typeof first === 'string' ? { ...rest, experimentId: first } : first;
    const tags = options.tags ?? {};
    return this.store.createRun({
      experimentId: options.experimentId,
      userId: tags[MLFLOW_USER] ?? 'unknown',
      startTime: options.startTime ?? Date.now(),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value: stringifyValue(value) })),
      runName: options.runName ?? null,
    });
  }

  /** Fetches a run with its latest metrics, params and tags. */
  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  /** Updates a run's status and/or name (`update_run`). A terminal status also sets the end time. */
  async updateRun(runId: string, options: { status?: RunStatus; name?: string } = {}): Promise<RunInfo> {
    if (options.status !== undefined) checkStatus(options.status);
    const endTime = options.status && TERMINATED_STATUSES.has(options.status) ? Date.now() : undefined;
    return this.store.updateRunInfo(runId, {
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(endTime === undefined ? {} : { endTime }),
      ...(options.name === undefined ? {} : { runName: options.name }),
    });
  }

  /** Ends a run with a status (FINISHED by default) and end time (`set_terminated`). */
  async setTerminated(runId: string, status: RunStatus = RunStatus.FINISHED, endTime?: number): Promise<void> {
    checkStatus(status);
    await this.store.updateRunInfo(runId, { status, endTime: endTime ?? Date.now() });
  }

  /** Marks a run deleted (restorable). */
  deleteRun(runId: string): Promise<void> {
    return this.store.deleteRun(runId);
  }

  /** Restores a deleted run. */
  restoreRun(runId: string): Promise<void> {
    return this.store.restoreRun(runId);
  }

  // ------------------------------------------------------------ run data

  /** Logs a parameter and returns the value as stored (params are immutable once logged). */
  async logParam(runId: string, key: string, value: LoggableValue): Promise<string> {
    const param: Param = { key, value: stringifyValue(value) };
    await this.store.logBatch(runId, { params: [param] });
    return param.value;
  }

  /** Logs one metric value (`log_metric`); timestamp defaults to now, step to 0. */
  logMetric(
    runId: string,
    key: string,
    value: number,
    options: { timestamp?: number; step?: number } = {},
  ): Promise<void> {
    const metric: Metric = { key, value, timestamp: options.timestamp ?? Date.now(), step: options.step ?? 0 };
    return this.store.logBatch(runId, { metrics: [metric] });
  }

  /** Logs metrics, params and tags in one transaction (`log_batch`). */
  logBatch(
    runId: string,
    batch: { metrics?: Array<Omit<Metric, 'step'> & { step?: number }>; params?: Param[]; tags?: RunTag[] },
  ): Promise<void> {
    return this.store.logBatch(runId, {
      metrics: (batch.metrics ?? []).map(withStep),
      params: (batch.params ?? []).map((p) => ({ key: p.key, value: stringifyValue(p.value) })),
      tags: (batch.tags ?? []).map((t) => ({ key: t.key, value: stringifyValue(t.value) })),
    });
  }

  /** Sets a run tag. */
  setTag(runId: string, key: string, value: LoggableValue): Promise<void> {
    return this.store.setTag(runId, key, stringifyValue(value));
  }

  /** Deletes a run tag. */
  deleteTag(runId: string, key: string): Promise<void> {
    return this.store.deleteTag(runId, key);
  }

  /** Every logged value of a metric, ordered by timestamp, step and value (`get_metric_history`). */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.getMetricHistory(
        runId,
        key,
        pageToken ? { maxResults: 25000, pageToken } : { maxResults: 25000 },
      );
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Searches runs with MLflow's filter grammar (`search_runs`), one page at a time. */
  searchRuns(query: SearchRunsQuery): Promise<PagedList<Run>> {
    return this.store.searchRuns({ runViewType: ViewType.ACTIVE_ONLY, ...query });
  }

  // ------------------------------------------------------------ artifacts

  /** The storage backend holding a run's artifacts, from its `artifactUri` (`_get_artifact_repo`). */
  async artifactRepository(runId: string): Promise<StorageBackend> {
    const run = await this.store.getRun(runId);
    return this.storageForUri(run.info.artifactUri);
  }

  /** The storage backend for any artifact URI, resolved with this client's tracking URI and storage options. */
  storageForUri(artifactUri: string): StorageBackend {
    return storageFor(artifactUri, { ...this.#artifactStorage, trackingUri: this.#fullTrackingUri });
  }

  /**
   * Logs a local file or directory as artifacts of a run (`log_artifact`). A directory lands under its own
   * name (inside `artifactPath` when given), as in MLflow.
   */
  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const repo = await this.artifactRepository(runId);
    const info = await stat(localPath).catch(() => null);
    if (!info) throw new InvalidParameterError(`Cannot log artifact '${localPath}': no such file or directory.`);
    if (info.isDirectory()) {
      const dirName = basename(resolvePath(localPath));
      const base = normalizeArtifactPath(artifactPath);
      await repo.logArtifacts(localPath, base ? `${base}/${dirName}` : dirName);
    } else {
      await repo.logArtifact(localPath, artifactPath);
    }
  }

  /** Logs the contents of a local directory as artifacts of a run, under `artifactPath` (`log_artifacts`). */
  async logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    await (await this.artifactRepository(runId)).logArtifacts(localDir, artifactPath);
  }

  /** Writes `text` as the artifact file `artifactFile` (e.g. `dir/notes.txt`) of a run (`log_text`). */
  async logText(runId: string, text: string, artifactFile: string): Promise<void> {
    await (await this.artifactRepository(runId)).logText(text, artifactFile);
  }

  /**
   * Logs a JSON/YAML-serialisable object as an artifact file (`log_dict`): YAML for `.yaml`/`.yml`, JSON
   * (indent 2) otherwise, byte for byte what Python MLflow writes for the same data.
   */
  async logDict(runId: string, dict: unknown, artifactFile: string): Promise<void> {
    await this.logText(runId, dictArtifactText(dict, artifactFile), artifactFile);
  }

  /** Lists a run's artifacts directly under `path` (the root by default) (`list_artifacts`). */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return (await this.artifactRepository(runId)).listArtifacts(path);
  }

  /**
   * Downloads a run's artifact file or directory to `dstPath` (created if missing) and returns the local
   * path (`download_artifacts`). Without `dstPath`: a new temporary directory for remote stores, the file
   * itself for local ones, as MLflow does.
   */
  async downloadArtifacts(runId: string, path: string, dstPath?: string): Promise<string> {
    const repo = await this.artifactRepository(runId);
    if (dstPath !== undefined) await mkdir(dstPath, { recursive: true });
    return repo.downloadArtifacts(path, dstPath);
  }

  // ------------------------------------------------------------ logged models

  /**
   * Create an MLflow 3 LoggedModel (`create_logged_model`): an `m-<32 hex>` id, PENDING until
   * {@link finalizeLoggedModel}, artifacts under `<experiment artifact root>/models/<id>/artifacts`.
   */
  createLoggedModel(args: CreateLoggedModelArgs): Promise<LoggedModel> {
    return this.store.createLoggedModel(args);
  }

  /** A LoggedModel by id, with its tags, params and metrics (`get_logged_model`). */
  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.store.getLoggedModel(modelId);
  }

  /** LoggedModels matching a filter over attributes, `metrics.`, `params.` and `tags.` (`search_logged_models`). */
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>> {
    return this.store.searchLoggedModels(query);
  }

  /** Mark a LoggedModel READY or FAILED (`finalize_logged_model`). */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.store.finalizeLoggedModel(modelId, status);
  }

  /** Set tags on a LoggedModel (`set_logged_model_tags`); values are stored as strings. */
  setLoggedModelTags(modelId: string, tags: Record<string, LoggableValue>): Promise<void> {
    return this.store.setLoggedModelTags(
      modelId,
      Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, stringifyValue(v)])),
    );
  }

  /** Delete a tag of a LoggedModel (`delete_logged_model_tag`). */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.store.deleteLoggedModelTag(modelId, key);
  }

  /** Delete a LoggedModel (`delete_logged_model`). */
  deleteLoggedModel(modelId: string): Promise<void> {
    return this.store.deleteLoggedModel(modelId);
  }

  /** Log params of a LoggedModel (`log_model_params`); values are stored as strings. */
  logModelParams(modelId: string, params: Record<string, LoggableValue>): Promise<void> {
    return this.store.logLoggedModelParams(
      modelId,
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, stringifyValue(v)])),
    );
  }

  /** Record that a run produced these LoggedModels (`log_outputs`). */
  logOutputs(runId: string, models: LoggedModelRef[]): Promise<void> {
    return this.store.logOutputs(runId, models);
  }

  // ------------------------------------------------------------ traces

  /** A trace's info (tags, metadata, state, timing) without its spans. */
  getTraceInfo(traceId: string): Promise<TraceInfo> {
    return this.store.getTraceInfo(traceId);
  }

  /**
   * A trace with its spans (`MlflowClient.get_trace`): from the tracking store when the trace says its
   * spans are there, else from `traces.json` under the trace's artifact location, as MLflow reads traces
   * logged by older clients.
   */
  async getTrace(traceId: string): Promise<Trace> {
    const info = await this.store.getTraceInfo(traceId);
    if (info.tags[TraceTagKey.SPANS_LOCATION] === SPANS_LOCATION_TRACKING_STORE) {
      return this.store.getTrace(traceId);
    }
    return { info, data: { spans: await this.#spansFromArtifacts(info) } };
  }

  async #spansFromArtifacts(info: TraceInfo): Promise<Span[]> {
    const location = info.tags[TraceTagKey.ARTIFACT_LOCATION];
    if (!location) {
      throw new MlflowError(
        `Trace ${info.traceId} has no spans in the tracking store and no artifact location.`,
        ErrorCode.INVALID_STATE,
      );
    }
    const dir = await mkdtemp(joinPath(tmpdir(), 'mlflow-genai-trace-'));
    try {
      let local: string;
      try {
        local = await this.storageForUri(location).downloadArtifacts(TRACE_DATA_FILE, dir);
      } catch (err) {
        throw new MlflowError(
          `Trace data of ${info.traceId} is missing at ${location}/${TRACE_DATA_FILE}: ${(err as Error).message}`,
          ErrorCode.RESOURCE_DOES_NOT_EXIST,
          { cause: err },
        );
      }
      const parsed = parseSpanJson(await readFile(local, 'utf8')) as { spans?: Array<Record<string, unknown>> };
      return (parsed.spans ?? []).map((d) => Span.fromDict(d));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Traces matching a filter, one page at a time, with their spans unless `includeSpans` is false
   * (`MlflowClient.search_traces`). `runId` keeps the traces made under, or linked to, that run.
   */
  async searchTraces(query: SearchTracesQuery & { runId?: string; includeSpans?: boolean }): Promise<PagedList<Trace>> {
    const { runId, includeSpans = true, ...rest } = query;
    let filterString = rest.filterString;
    if (runId) {
      if (filterString && /\battributes?\.run_id\b/.test(filterString)) {
        throw new InvalidParameterError('You cannot filter by run_id when it is already part of the filter string.');
      }
      const clause = `attribute.run_id = '${runId}'`;
      filterString = filterString ? `${filterString} AND ${clause}` : clause;
    }
    const page = await this.store.searchTraces({ ...rest, ...(filterString === undefined ? {} : { filterString }) });
    const items: Trace[] = [];
    for (const info of page.items) {
      items.push(includeSpans ? await this.getTrace(info.traceId) : { info, data: { spans: [] } });
    }
    return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
  }

  /** Set a tag on a trace (`set_trace_tag`). */
  setTraceTag(traceId: string, key: string, value: LoggableValue): Promise<void> {
    return this.store.setTraceTag(traceId, key, stringifyValue(value));
  }

  /** Delete a tag of a trace (`delete_trace_tag`). */
  deleteTraceTag(traceId: string, key: string): Promise<void> {
    return this.store.deleteTraceTag(traceId, key);
  }

  /** Delete traces by id, or by age and count (`delete_traces`); returns how many were deleted. */
  deleteTraces(args: DeleteTracesArgs): Promise<number> {
    const byIds = args.traceIds !== undefined;
    const byTime = args.maxTimestampMillis !== undefined;
    if (byIds === byTime) {
      throw new InvalidParameterError('Exactly one of traceIds and maxTimestampMillis must be given to deleteTraces.');
    }
    if (args.maxTraces !== undefined && byIds) {
      throw new InvalidParameterError('maxTraces can only be used with maxTimestampMillis.');
    }
    return this.store.deleteTraces(args);
  }

  /** Link traces to a run (`link_traces_to_run`), so searching the run's traces finds them. */
  linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    return this.store.linkTracesToRun(traceIds, runId);
  }

  // ------------------------------------------------------------ assessments

  /**
   * Attach a Feedback or Expectation to a trace (`TracingClient.log_assessment`); returns it as stored,
   * with its `a-...` id.
   */
  async logAssessment(traceId: string, assessment: Assessment): Promise<Assessment> {
    if (!isAssessment(assessment)) {
      throw new InvalidParameterError(
        `logAssessment() expects a Feedback or Expectation, got ${pythonFormat.repr(assessment as never)}.`,
      );
    }
    checkTraceId(traceId);
    assessment.traceId = traceId;
    return this.store.createAssessment(assessment);
  }

  /** One assessment of a trace (`get_assessment`). */
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return this.store.getAssessment(traceId, assessmentId);
  }

  /**
   * Change an assessment in place (`update_assessment`): pass a Feedback or Expectation whose name,
   * value, rationale and metadata replace the stored ones (metadata is merged), or just the fields to
   * change. To keep the original, use {@link overrideFeedback}.
   */
  updateAssessment(
    traceId: string,
    assessmentId: string,
    update: Assessment | UpdateAssessmentArgs,
  ): Promise<Assessment> {
    let args: UpdateAssessmentArgs;
    if (isAssessment(update)) {
      args = { name: update.name };
      if (update.kind === 'feedback') args.feedback = { value: update.value, error: update.error };
      else if (update.kind === 'expectation') args.expectation = { value: update.value };
      if (update.rationale !== null) args.rationale = update.rationale;
      if (update.metadata !== null) args.metadata = update.metadata;
    } else {
      args = update;
    }
    return this.store.updateAssessment(traceId, assessmentId, args);
  }

  /** Delete an assessment (`delete_assessment`); the one it overrode becomes valid again. */
  deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    return this.store.deleteAssessment(traceId, assessmentId);
  }

  /** Log a feedback on a trace (`mlflow.log_feedback`): source CODE and name `feedback` by default. */
  logFeedback(options: LogFeedbackOptions): Promise<Assessment> {
    const { traceId, ...init } = options;
    return this.logAssessment(traceId, new Feedback(init));
  }

  /** Log an expectation (ground truth) on a trace (`mlflow.log_expectation`): source HUMAN by default. */
  logExpectation(options: LogExpectationOptions): Promise<Assessment> {
    const { traceId, ...init } = options;
    return this.logAssessment(traceId, new Expectation(init));
  }

  /**
   * Replace a feedback with a new one that overrides it (`mlflow.override_feedback`): the original stays,
   * marked invalid, so it can be compared or restored (deleting the override restores it).
   */
  async overrideFeedback(options: OverrideFeedbackOptions): Promise<Assessment> {
    const old = await this.store.getAssessment(options.traceId, options.assessmentId);
    if (old.kind !== 'feedback') {
      throw new InvalidParameterError(`The assessment with ID ${options.assessmentId} is not a feedback assessment.`);
    }
    return this.logAssessment(
      options.traceId,
      new Feedback({
        name: old.name,
        spanId: old.spanId,
        value: options.value,
        rationale: options.rationale ?? null,
        ...(options.source === undefined ? {} : { source: options.source }),
        metadata: options.metadata ?? null,
        overrides: old.assessmentId,
      }),
    );
  }

  // ------------------------------------------------------------ model registry

  /** Prompts live in the registry too; the model APIs act as if they did not exist (`_raise_if_prompt`). */
  async #raiseIfPrompt(name: string): Promise<void> {
    await this.getRegisteredModel(name);
  }

  /** Registers a new model name (`create_registered_model`); tag values are stored as their string form. */
  createRegisteredModel(
    name: string,
    options: { tags?: Record<string, LoggableValue>; description?: string | null } = {},
  ): Promise<RegisteredModel> {
    const tags = stringifyTags(options.tags);
    if (hasPromptTag(tags)) return Promise.reject(new InvalidParameterError('Prompts cannot be registered as models.'));
    return this.registryStore.createRegisteredModel(name, { tags, description: options.description ?? null });
  }

  /** Fetches a registered model; a prompt of that name reads as RESOURCE_DOES_NOT_EXIST (`get_registered_model`). */
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const model = await this.registryStore.getRegisteredModel(name);
    if (hasPromptTag(model.tags)) throw modelNotFound(name);
    return model;
  }

  /**
   * Renames a registered model; its versions, tags and aliases follow (`rename_registered_model`).
   * Returns the renamed model, where Python's client returns None.
   */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    await this.#raiseIfPrompt(name);
    if (isBlank(newName)) throw new MlflowError('The name must not be an empty string.');
    return this.registryStore.renameRegisteredModel(name, newName);
  }

  /** Sets a registered model's description (`update_registered_model`). */
  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.updateRegisteredModel(name, description);
  }

  /** Deletes a registered model with its versions, tags and aliases (`delete_registered_model`). */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.deleteRegisteredModel(name);
  }

  /**
   * Searches registered models (`search_registered_models`), 100 per page by default. Prompts are
   * left out unless the filter names the prompt tag, as MLflow's client does.
   */
  searchRegisteredModels(query: SearchRegistryQuery = {}): Promise<PagedList<RegisteredModel>> {
    return this.registryStore.searchRegisteredModels({
      ...query,
      filterString: addPromptFilterString(query.filterString, false),
    });
  }

  /** The latest version in each of `stages` (every stage by default) (`get_latest_versions`). */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.getLatestVersions(name, stages);
  }

  /** Sets a tag on a registered model (`set_registered_model_tag`). */
  async setRegisteredModelTag(name: string, key: string, value: LoggableValue): Promise<void> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.setRegisteredModelTag(name, key, stringifyValue(value));
  }

  /** Deletes a registered model tag; a missing tag is not an error (`delete_registered_model_tag`). */
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.deleteRegisteredModelTag(name, key);
  }

  /**
   * Creates the next version of a registered model from `source` (`create_model_version`):
   * `runs:/<run_id>/<path>`, `models:/<model_id>` (its artifact location becomes the download URI
   * and its run the version's run), `models:/<name>/<version>`, or any artifact URI.
   */
  createModelVersion(
    name: string,
    source: string,
    options: {
      runId?: string | null;
      tags?: Record<string, LoggableValue>;
      runLink?: string | null;
      description?: string | null;
      modelId?: string | null;
    } = {},
  ): Promise<ModelVersion> {
    const tags = stringifyTags(options.tags);
    if (hasPromptTag(tags)) return Promise.reject(new InvalidParameterError('Prompts cannot be registered as models.'));
    return this.registryStore.createModelVersion({
      name,
      source,
      runId: options.runId ?? null,
      tags,
      runLink: options.runLink ?? null,
      description: options.description ?? null,
      modelId: options.modelId ?? null,
    });
  }

  /** Fetches a model version; prompt versions read as RESOURCE_DOES_NOT_EXIST (`get_model_version`). */
  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const mv = await this.registryStore.getModelVersion(name, String(version));
    if (hasPromptTag(mv.tags)) throw modelNotFound(name);
    return mv;
  }

  /** Sets a model version's description, which must be given (`update_model_version`). */
  async updateModelVersion(name: string, version: string | number, description: string | null): Promise<ModelVersion> {
    if (description === null || description === undefined) {
      throw new MlflowError('Attempting to update model version with no new field values.');
    }
    await this.#raiseIfPrompt(name);
    return this.registryStore.updateModelVersion(name, String(version), description);
  }

  /** Deletes a model version (MLflow keeps a redacted row so numbers are never reused) (`delete_model_version`). */
  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.deleteModelVersion(name, String(version));
  }

  /** Searches model versions (`search_model_versions`), 10,000 per page by default; results carry no aliases. */
  searchModelVersions(query: SearchRegistryQuery = {}): Promise<PagedList<ModelVersion>> {
    return this.registryStore.searchModelVersions(query);
  }

  /** Sets a tag on a model version (`set_model_version_tag`). */
  async setModelVersionTag(name: string, version: string | number, key: string, value: LoggableValue): Promise<void> {
    checkVersionGiven(version);
    await this.#raiseIfPrompt(name);
    return this.registryStore.setModelVersionTag(name, String(version), key, stringifyValue(value));
  }

  /** Deletes a model version tag; a missing tag is not an error (`delete_model_version_tag`). */
  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    checkVersionGiven(version);
    await this.#raiseIfPrompt(name);
    return this.registryStore.deleteModelVersionTag(name, String(version), key);
  }

  /** Points `alias` at a version; `latest` and `v<n>` are reserved (`set_registered_model_alias`). */
  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.setRegisteredModelAlias(name, alias, String(version));
  }

  /** Removes an alias; a missing alias is not an error (`delete_registered_model_alias`). */
  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    await this.#raiseIfPrompt(name);
    return this.registryStore.deleteRegisteredModelAlias(name, alias);
  }

  /** The version an alias points at; `latest` is the highest version (`get_model_version_by_alias`). */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    const mv = await this.registryStore.getModelVersionByAlias(name, alias);
    if (hasPromptTag(mv.tags)) throw modelNotFound(name);
    return mv;
  }

  /** Where a version's artifacts are read from (`get_model_version_download_uri`). */
  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    await this.#raiseIfPrompt(name);
    return this.registryStore.getModelVersionDownloadUri(name, String(version));
  }

  /**
   * Moves a version to `None`, `Staging`, `Production` or `Archived` (any case), optionally
   * archiving the versions already in that stage (`transition_model_version_stage`; stages are
   * deprecated in MLflow in favour of aliases).
   */
  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    await this.#raiseIfPrompt(name);
    if (isBlank(stage)) throw new MlflowError('The stage must not be an empty string.');
    return this.registryStore.transitionModelVersionStage(name, String(version), stage, archiveExistingVersions);
  }
}

/** `_model_not_found`: how the model APIs answer for a name that is a prompt. */
function modelNotFound(name: string): ResourceDoesNotExistError {
  return new ResourceDoesNotExistError(`Registered Model with name=${pythonFormat.repr(name)} not found.`);
}

function stringifyTags(tags: Record<string, LoggableValue> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k, stringifyValue(v)]));
}

/** `_validate_model_version_or_stage_exists` without the deprecated stage form. */
function checkVersionGiven(version: string | number): void {
  if (version === '' || version === 0 || version === null || version === undefined) {
    throw new InvalidParameterError('version or stage must be set');
  }
}

/** MLflow's `TRACE_DATA_FILE_NAME`: spans of artifact-stored traces. */
const TRACE_DATA_FILE = 'traces.json';

function checkStatus(status: string): void {
  if (!isRunStatus(status)) {
    throw new InvalidParameterError(
      `Invalid run status '${status}'. Expected one of ${Object.values(RunStatus).join(', ')}.`,
    );
  }
}

/**
 * The string MLflow stores for a param or tag value. Strings pass through; booleans and null read
 * as Python renders them (`True`, `False`, `None`) so both languages log the same text.
 */
export function stringifyValue(value: LoggableValue): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/**
 * A copy of `m` with step 0 when it has none. Copied by assignment: `{ ...m, step }` on a metric without
 * a step gives each copy a new hidden class in V8, ~1 µs a metric.
 */
function withStep(m: Omit<Metric, 'step'> & { step?: number }): Metric {
  const copy = Object.assign({}, m) as Metric;
  if (copy.step === undefined || copy.step === null) copy.step = 0;
  return copy;
}
