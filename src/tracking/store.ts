import type {
  Experiment,
  Metric,
  PagedList,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
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

  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
