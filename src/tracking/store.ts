import type {
  Assessment,
  AssessmentError,
  CreateLoggedModelArgs,
  Experiment,
  FeedbackValueType,
  LoggedModel,
  LoggedModelRef,
  LoggedModelStatus,
  Metric,
  PagedList,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
  SearchLoggedModelsQuery,
  Span,
  Trace,
  TraceInfo,
  ViewType,
} from './entities/index.js';

/** Arguments of {@link TrackingStore.searchExperiments}. */
export interface SearchExperimentsQuery {
  /** Which lifecycle stages to return; ACTIVE_ONLY by default. */
  viewType?: ViewType;
  /** Page size; MLflow's default is 1000 for this call when unset. */
  maxResults?: number;
  /** MLflow filter string over `name`, `tags.<key>`, `creation_time`, `last_update_time`. */
  filterString?: string;
  /** e.g. `['name ASC', 'last_update_time DESC']`. */
  orderBy?: string[];
  /** Token from a previous page. */
  pageToken?: string;
}

/** Arguments of {@link TrackingStore.searchRuns}. */
export interface SearchRunsQuery {
  /** Experiments to search in. */
  experimentIds: string[];
  /** MLflow search filter, e.g. `metrics.acc > 0.9 AND params.model = 'gpt2'`. */
  filterString?: string;
  /** Which lifecycle stages to return; ACTIVE_ONLY by default. */
  runViewType?: ViewType;
  /** Page size (at most 50,000); 1000 by default. */
  maxResults?: number;
  /** e.g. `['metrics.acc DESC', 'attributes.start_time ASC']`. */
  orderBy?: string[];
  /** Token from a previous page. */
  pageToken?: string;
}

/** Arguments of {@link TrackingStore.createRun}. */
export interface CreateRunArgs {
  experimentId: string;
  userId: string;
  /** Milliseconds since the Unix epoch. */
  startTime: number;
  tags: RunTag[];
  /** When absent, the `mlflow.runName` tag or a generated name is used. */
  runName?: string | null;
}

/** Arguments of {@link TrackingStore.updateRunInfo}. */
export interface UpdateRunInfoArgs {
  status?: RunStatus;
  /** Milliseconds since the Unix epoch. */
  endTime?: number | null;
  runName?: string | null;
}

/** Arguments of {@link TrackingStore.searchTraces}. */
export interface SearchTracesQuery {
  /** Experiments to search in. */
  experimentIds: string[];
  /**
   * MLflow trace filter, e.g. `tags.env = 'prod' AND attributes.status = 'OK'`; `attributes.run_id`
   * matches traces made under the run or linked to it.
   */
  filterString?: string;
  /** Page size; 100 by default (MLflow's `SEARCH_TRACES_DEFAULT_MAX_RESULTS`). */
  maxResults?: number;
  /** e.g. `['timestamp_ms DESC']` (the default). */
  orderBy?: string[];
  /** Token from a previous page. */
  pageToken?: string;
}

/** Arguments of {@link TrackingStore.deleteTraces}: either a cut-off (time and/or count) or ids. */
export interface DeleteTracesArgs {
  experimentId: string;
  /** Delete traces that started at or before this time (ms since the epoch). */
  maxTimestampMillis?: number;
  /** With `maxTimestampMillis`: delete at most this many, oldest first. */
  maxTraces?: number;
  /** Delete exactly these traces. */
  traceIds?: string[];
}

/**
 * What {@link TrackingStore.updateAssessment} changes (`update_assessment`): fields left undefined are
 * kept. The source and span are immutable; metadata is merged into the existing metadata.
 */
export interface UpdateAssessmentArgs {
  name?: string;
  /** A new expectation value (expectations only). */
  expectation?: { value: unknown };
  /** A new feedback value and error (feedback only). */
  feedback?: { value: FeedbackValueType; error?: AssessmentError | null };
  /** A new rationale (feedback only: updating an expectation clears it, as MLflow does). */
  rationale?: string;
  /** Merged into the existing metadata, the new keys winning. */
  metadata?: Record<string, string>;
}

/**
 * The tracking store: where experiments, runs and their data live. One implementation per backend
 * (`sqlite:` embedded, `http(s):` REST); everything above it is backend-agnostic. Methods mirror
 * `mlflow.store.tracking.abstract_store.AbstractStore` and throw {@link MlflowError}s with MLflow's codes.
 */
export interface TrackingStore {
  /** The tracking URI this store was opened on (credentials removed). */
  readonly trackingUri: string;

  createExperiment(
    name: string,
    artifactLocation?: string | null,
    tags?: Array<{ key: string; value: string }>,
  ): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Null when no experiment has that name (deleted ones included, as MLflow does). */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(query?: SearchExperimentsQuery): Promise<PagedList<Experiment>>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  createRun(args: CreateRunArgs): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRunInfo(runId: string, args: UpdateRunInfoArgs): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;

  /** All-or-nothing: either every entity is written or none is. */
  logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  getMetricHistory(
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<PagedList<Metric>>;
  searchRuns(query: SearchRunsQuery): Promise<PagedList<Run>>;

  /**
   * Record a finished trace's info (MLflow's `StartTraceV3`): creates it, or completes the row
   * {@link logSpans} created. Adds the `mlflow.artifactLocation` tag; returns the stored info.
   */
  startTrace(info: TraceInfo): Promise<TraceInfo>;
  /** Store spans of one or more traces in an experiment (MLflow's `log_spans` / OTLP ingest). */
  logSpans(experimentId: string, spans: Span[]): Promise<void>;
  getTraceInfo(traceId: string): Promise<TraceInfo>;
  /** Info and spans of a trace whose spans are in the tracking store. */
  getTrace(traceId: string, options?: { allowPartial?: boolean }): Promise<Trace>;
  searchTraces(query: SearchTracesQuery): Promise<PagedList<TraceInfo>>;
  setTraceTag(traceId: string, key: string, value: string): Promise<void>;
  deleteTraceTag(traceId: string, key: string): Promise<void>;
  /** Returns how many traces were deleted. */
  deleteTraces(args: DeleteTracesArgs): Promise<number>;
  /** Link traces (at most 100) to a run, as MLflow's entity associations do. */
  linkTracesToRun(traceIds: string[], runId: string): Promise<void>;
  /** Link prompt versions to a trace (`link_prompts_to_trace`), which the `prompt = 'name/1'` filter reads. */
  linkPromptsToTrace(
    traceId: string,
    prompts: ReadonlyArray<{ name: string; version: string | number }>,
  ): Promise<void>;

  /**
   * Attach an assessment to its trace (`create_assessment`); returns it with its backend-generated
   * `a-...` id. An assessment with `overrides` marks the one it overrides invalid.
   */
  createAssessment(assessment: Assessment): Promise<Assessment>;
  /**
   * {@link createAssessment} for several assessments (of any traces), returned in order. All or nothing
   * on the embedded store (one transaction); one request each over REST, which has no batch call.
   */
  createAssessments(assessments: readonly Assessment[]): Promise<Assessment[]>;
  /** One assessment of a trace; RESOURCE_DOES_NOT_EXIST when the trace or assessment is missing. */
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment>;
  /** Change an assessment in place (`update_assessment`); returns the updated assessment. */
  updateAssessment(traceId: string, assessmentId: string, updates: UpdateAssessmentArgs): Promise<Assessment>;
  /**
   * Delete an assessment (`delete_assessment`); one that overrode another makes that one valid again.
   * Deleting an assessment that does not exist does nothing.
   */
  deleteAssessment(traceId: string, assessmentId: string): Promise<void>;

  /** MLflow 3 LoggedModels (`create_logged_model`): `m-<32 hex>` ids, artifacts under the experiment. */
  createLoggedModel(args: CreateLoggedModelArgs): Promise<LoggedModel>;
  getLoggedModel(modelId: string, allowDeleted?: boolean): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  /** Mark a LoggedModel READY or FAILED once its artifacts are uploaded. */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void>;
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>>;
  /** Record that a run produced these models (`log_outputs`). */
  logOutputs(runId: string, models: LoggedModelRef[]): Promise<void>;

  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
