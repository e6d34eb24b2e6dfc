import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join as joinPath, resolve as resolvePath } from 'node:path';
import { resolveRegistryUri, resolveTrackingUri } from '../config/settings.js';
import { redactUri } from '../config/uri.js';
import type { FileInfo, StorageBackend, StorageOptions } from '../storage/backend.js';
import { dictArtifactText } from '../storage/dict-artifact.js';
import { normalizeArtifactPath } from '../storage/paths.js';
import { storageFor } from '../storage/resolve.js';
import type { Experiment, Metric, PagedList, Param, Run, RunInfo, RunTag, Trace, TraceInfo } from './entities/index.js';
import {
  isRunStatus,
  parseSpanJson,
  RunStatus,
  SPANS_LOCATION_TRACKING_STORE,
  Span,
  TERMINATED_STATUSES,
  TraceTagKey,
  ViewType,
} from './entities/index.js';
import { ErrorCode, InvalidParameterError, MlflowError } from './errors.js';
import type {
  DeleteTracesArgs,
  SearchExperimentsQuery,
  SearchRunsQuery,
  SearchTracesQuery,
  TrackingStore,
} from './store.js';
import { openTrackingStore } from './stores.js';
import { MLFLOW_USER } from './tags.js';

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
    this.registryUri = redactUri(resolveRegistryUri(options.registryUri, this.#fullTrackingUri));
    this.#artifactStorage = options.artifactStorage ?? {};
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
      metrics: (batch.metrics ?? []).map((m) => ({ ...m, step: m.step ?? 0 })),
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
