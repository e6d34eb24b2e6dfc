import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { experimentFromEnv, resolveTrackingUri } from '../config/settings.js';
import { appendToUriPath } from '../config/uri.js';
import type { FileInfo } from '../storage/backend.js';
import { normalizeArtifactPath } from '../storage/paths.js';
import { type LoggableValue, MlflowClient, stringifyValue } from './client.js';
import { defaultRunContextTags } from './context.js';
import type { Experiment, Run } from './entities/index.js';
import { LifecycleStage, RunStatus } from './entities/index.js';
import { ErrorCode, InvalidParameterError, MlflowError, ResourceDoesNotExistError } from './errors.js';
import { DEFAULT_EXPERIMENT_ID } from './sqlite/store.js';
import {
  MLFLOW_GENAI_ERROR_MESSAGE,
  MLFLOW_GENAI_ERROR_TYPE,
  MLFLOW_PARENT_RUN_ID,
  MLFLOW_RUN_NAME,
  MLFLOW_RUN_NOTE,
} from './tags.js';

/** Options of {@link startRun} and {@link withRun}. */
export interface StartRunOptions {
  /** Resume this existing run instead of creating one. */
  runId?: string;
  /** Experiment for a new run; else the one set by {@link setExperiment}, the environment, or `0`. */
  experimentId?: string;
  /** Display name of a new run. */
  runName?: string;
  /** Start the run as a child of the active run (`mlflow.parentRunId`). */
  nested?: boolean;
  /** Explicit parent run id (implies nesting under that run). */
  parentRunId?: string;
  /** Extra tags for the run. */
  tags?: Record<string, LoggableValue>;
  /** Run description (`mlflow.note.content`). */
  description?: string;
}

/** The run a fluent call writes to, with the data it had when it started. */
export interface ActiveRun extends Run {}

interface Scope {
  stack: ActiveRun[];
}

const state: {
  trackingUri: string | undefined;
  experimentId: string | undefined;
  globalScope: Scope;
  clients: Map<string, MlflowClient>;
  exitHook: boolean;
} = {
  trackingUri: undefined,
  experimentId: undefined,
  globalScope: { stack: [] },
  clients: new Map(),
  exitHook: false,
};

const runScope = new AsyncLocalStorage<Scope>();

function scope(): Scope {
  return runScope.getStore() ?? state.globalScope;
}

/** Sets the tracking URI for the fluent API (`mlflow.set_tracking_uri`). */
export function setTrackingUri(uri: string): void {
  state.trackingUri = resolveTrackingUri(uri);
}

/** The tracking URI the fluent API uses (`mlflow.get_tracking_uri`). */
export function getTrackingUri(): string {
  return state.trackingUri ?? resolveTrackingUri();
}

/** The client bound to the current tracking URI (one per URI per process). */
export function getClient(): MlflowClient {
  const uri = getTrackingUri();
  let client = state.clients.get(uri);
  if (!client) {
    client = new MlflowClient({ trackingUri: uri });
    state.clients.set(uri, client);
  }
  return client;
}

/**
 * Makes an experiment active for new runs, creating it when no experiment has that name
 * (`mlflow.set_experiment`). Give a name or `{experimentId}`.
 */
export async function setExperiment(name?: string, options: { experimentId?: string } = {}): Promise<Experiment> {
  if ((name === undefined) === (options.experimentId === undefined)) {
    throw new InvalidParameterError('Must specify exactly one of: `experiment_id` or `experiment_name`.');
  }
  const client = getClient();
  let experiment: Experiment | null;
  if (options.experimentId !== undefined) {
    experiment = await client.getExperiment(options.experimentId);
  } else {
    experiment = await client.getExperimentByName(name!);
    if (!experiment) {
      const id = await client.createExperiment(name!);
      experiment = await client.getExperiment(id);
    }
  }
  if (experiment.lifecycleStage !== LifecycleStage.ACTIVE) {
    throw new MlflowError(
      `Cannot set a deleted experiment '${experiment.name}' as the active experiment. You can restore the experiment, ` +
        'or permanently delete the experiment to create a new one.',
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  state.experimentId = experiment.experimentId;
  return experiment;
}

/**
 * @internal The experiment id set by `setExperiment`, if any (no I/O, no environment read: callers
 * resolve the rest later with {@link resolveExperimentId}).
 */
export function currentExperimentIdSync(): string | undefined {
  return state.experimentId;
}

/** @internal The experiment the fluent API uses: explicit, set, from the environment, else Default. */
export async function resolveExperimentId(explicit?: string): Promise<string> {
  if (explicit !== undefined) return explicit;
  if (state.experimentId !== undefined) return state.experimentId;
  const env = experimentFromEnv();
  if (env.id !== undefined) return env.id;
  if (env.name !== undefined) return (await setExperiment(env.name)).experimentId;
  return DEFAULT_EXPERIMENT_ID;
}

/** The innermost active run in this async context, or undefined (`mlflow.active_run`). */
export function activeRun(): ActiveRun | undefined {
  const { stack } = scope();
  return stack[stack.length - 1];
}

/**
 * Starts a run (or resumes `runId`) and makes it active in the current async context
 * (`mlflow.start_run`). Prefer {@link withRun}, which also ends it.
 */
export async function startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
  const run = await createOrResumeRun(options);
  scope().stack.push(run);
  registerExitHook();
  return run;
}

async function createOrResumeRun(options: StartRunOptions): Promise<ActiveRun> {
  const client = getClient();
  const current = activeRun();
  if (current && !options.nested && !options.parentRunId) {
    throw new MlflowError(
      `Run with UUID ${current.info.runId} is already active. To start a new run, first end the current run with ` +
        'endRun(). To start a nested run, call startRun with {nested: true}',
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  if (options.runId) {
    const existing = await client.getRun(options.runId);
    if (existing.info.lifecycleStage === LifecycleStage.DELETED) {
      throw new MlflowError(
        `Cannot start run with ID ${options.runId} because it is in the deleted state.`,
        ErrorCode.INVALID_PARAMETER_VALUE,
      );
    }
    if (options.experimentId && options.experimentId !== existing.info.experimentId) {
      throw new InvalidParameterError(
        `The run ${options.runId} belongs to experiment ${existing.info.experimentId}, not ${options.experimentId}.`,
      );
    }
    await client.updateRun(options.runId, { status: RunStatus.RUNNING });
    const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value: stringifyValue(value) }));
    if (tags.length) await client.logBatch(options.runId, { tags });
    return client.getRun(options.runId);
  }
  const parentRunId = options.parentRunId ?? (options.nested ? current?.info.runId : undefined);
  if (parentRunId && options.parentRunId) {
    try {
      await client.getRun(parentRunId);
    } catch (err) {
      if (err instanceof ResourceDoesNotExistError)
        throw new InvalidParameterError(`Parent run ${parentRunId} does not exist.`);
      throw err;
    }
  }
  const tags: Record<string, string> = { ...defaultRunContextTags() };
  for (const [k, v] of Object.entries(options.tags ?? {})) tags[k] = stringifyValue(v);
  if (parentRunId) tags[MLFLOW_PARENT_RUN_ID] = parentRunId;
  if (options.description !== undefined) tags[MLFLOW_RUN_NOTE] = options.description;
  if (options.runName !== undefined) tags[MLFLOW_RUN_NAME] = options.runName;
  const experimentId = await resolveExperimentId(options.experimentId);
  return client.createRun({
    experimentId,
    tags,
    ...(options.runName === undefined ? {} : { runName: options.runName }),
  });
}

/** Ends the innermost active run with `status` (FINISHED by default) (`mlflow.end_run`). */
export async function endRun(status: RunStatus = RunStatus.FINISHED): Promise<void> {
  const { stack } = scope();
  const run = stack[stack.length - 1];
  if (!run) return;
  await getClient().setTerminated(run.info.runId, status);
  stack.pop();
}

/**
 * Runs `fn` inside a new (or resumed) run that is active only for `fn`'s async context, so
 * concurrent `withRun` calls never cross. Ends FINISHED when `fn` resolves; when it throws, records the
 * error (tags and an `error.txt` artifact), ends FAILED and rethrows the same error.
 */
export async function withRun<T>(options: StartRunOptions, fn: (run: ActiveRun) => T | Promise<T>): Promise<T> {
  const run = await createOrResumeRun(options);
  const inner: Scope = { stack: [...scope().stack, run] };
  const client = getClient();
  let result: T;
  try {
    result = await runScope.run(inner, () => fn(run));
  } catch (err) {
    await recordRunFailure(client, run, err);
    throw err;
  }
  await client.setTerminated(run.info.runId, RunStatus.FINISHED);
  return result;
}

async function recordRunFailure(client: MlflowClient, run: ActiveRun, err: unknown): Promise<void> {
  const e = err instanceof Error ? err : new Error(String(err));
  try {
    await client.logBatch(run.info.runId, {
      tags: [
        { key: MLFLOW_GENAI_ERROR_TYPE, value: e.name || 'Error' },
        { key: MLFLOW_GENAI_ERROR_MESSAGE, value: (e.message || String(err)).slice(0, 5000) },
      ],
    });
    await client.storageForUri(run.info.artifactUri).logText(e.stack ?? `${e.name}: ${e.message}`, 'error.txt');
  } catch (recordErr) {
    // Recording must not mask the user's error; say so instead of losing it silently.
    console.warn(`[mlflow-genai] could not record the failure of run ${run.info.runId}: ${String(recordErr)}`);
  } finally {
    await client.setTerminated(run.info.runId, RunStatus.FAILED);
  }
}

function registerExitHook(): void {
  if (state.exitHook) return;
  state.exitHook = true;
  // Runs left open by startRun() end FINISHED when the event loop drains, as MLflow's atexit hook does.
  process.once('beforeExit', () => {
    state.exitHook = false;
    void (async () => {
      while (state.globalScope.stack.length > 0) await endRun();
    })();
  });
}

async function runIdForLogging(): Promise<string> {
  const run = activeRun();
  if (run) return run.info.runId;
  // As in MLflow, logging with no active run starts one.
  return (await startRun()).info.runId;
}

/** Logs a param to the active run, starting one if none is active (`mlflow.log_param`). */
export async function logParam(key: string, value: LoggableValue): Promise<string> {
  return getClient().logParam(await runIdForLogging(), key, value);
}

/** Logs several params in one batch (`mlflow.log_params`). */
export async function logParams(params: Record<string, LoggableValue>): Promise<void> {
  const list = Object.entries(params).map(([key, value]) => ({ key, value: stringifyValue(value) }));
  await getClient().logBatch(await runIdForLogging(), { params: list });
}

/** Logs a metric value (`mlflow.log_metric`); step 0 and now by default. */
export async function logMetric(
  key: string,
  value: number,
  options: { step?: number; timestamp?: number } = {},
): Promise<void> {
  await getClient().logMetric(await runIdForLogging(), key, value, options);
}

/** Logs several metrics at one step and time in one batch (`mlflow.log_metrics`). */
export async function logMetrics(
  metrics: Record<string, number>,
  options: { step?: number; timestamp?: number } = {},
): Promise<void> {
  const timestamp = options.timestamp ?? Date.now();
  const step = options.step ?? 0;
  const list = Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step }));
  await getClient().logBatch(await runIdForLogging(), { metrics: list });
}

/** Sets a tag on the active run (`mlflow.set_tag`). */
export async function setTag(key: string, value: LoggableValue): Promise<void> {
  await getClient().setTag(await runIdForLogging(), key, value);
}

/** Sets several tags in one batch (`mlflow.set_tags`). */
export async function setTags(tags: Record<string, LoggableValue>): Promise<void> {
  const list = Object.entries(tags).map(([key, value]) => ({ key, value: stringifyValue(value) }));
  await getClient().logBatch(await runIdForLogging(), { tags: list });
}

/** Deletes a tag from the active run (`mlflow.delete_tag`). */
export async function deleteTag(key: string): Promise<void> {
  await getClient().deleteTag(await runIdForLogging(), key);
}

/**
 * Logs a local file or directory as artifacts of the active run (`mlflow.log_artifact`), starting a run
 * if none is active. A directory lands under its own name.
 */
export async function logArtifact(localPath: string, artifactPath?: string): Promise<void> {
  await getClient().logArtifact(await runIdForLogging(), localPath, artifactPath);
}

/** Logs a local directory's contents as artifacts of the active run (`mlflow.log_artifacts`). */
export async function logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
  await getClient().logArtifacts(await runIdForLogging(), localDir, artifactPath);
}

/** Writes `text` as the artifact file `artifactFile` of the active run (`mlflow.log_text`). */
export async function logText(text: string, artifactFile: string): Promise<void> {
  await getClient().logText(await runIdForLogging(), text, artifactFile);
}

/** Logs an object as a JSON or YAML artifact file of the active run, as `mlflow.log_dict` writes it. */
export async function logDict(dict: unknown, artifactFile: string): Promise<void> {
  await getClient().logDict(await runIdForLogging(), dict, artifactFile);
}

/** The artifact URI of the active run, or of `artifactPath` inside it (`mlflow.get_artifact_uri`). */
export async function getArtifactUri(artifactPath?: string): Promise<string> {
  const run = await getClient().getRun(await runIdForLogging());
  const rel = normalizeArtifactPath(artifactPath);
  return rel ? appendToUriPath(run.info.artifactUri, rel) : run.info.artifactUri;
}

/** Where {@link listArtifacts} and {@link downloadArtifacts} read: a run (the active one by default) or a URI. */
export interface ArtifactLocation {
  /** An artifact URI (`s3://...`, `mlflow-artifacts:/...`, a path, or `runs:/<run_id>/<path>`). */
  artifactUri?: string;
  /** A run id; the active run when neither this nor `artifactUri` is given. */
  runId?: string;
  /** Path inside the run's artifacts (with `runId`). */
  artifactPath?: string;
}

async function locate(where: ArtifactLocation): Promise<{ runId?: string; uri?: string; path: string }> {
  if (where.artifactUri !== undefined && (where.runId !== undefined || where.artifactPath !== undefined)) {
    throw new InvalidParameterError('Give either `artifactUri`, or `runId` with an optional `artifactPath`, not both.');
  }
  const runs = where.artifactUri ? /^runs:\/+([^/]+)\/?(.*)$/.exec(where.artifactUri) : null;
  if (runs) return { runId: runs[1]!, path: runs[2] ?? '' };
  if (where.artifactUri !== undefined) return { uri: where.artifactUri, path: '' };
  const runId = where.runId ?? activeRun()?.info.runId;
  if (!runId)
    throw new InvalidParameterError('No run to read artifacts from: give `runId` or `artifactUri`, or start a run.');
  return { runId, path: where.artifactPath ?? '' };
}

/** Lists artifacts directly under a location (`mlflow.artifacts.list_artifacts`). */
export async function listArtifacts(where: ArtifactLocation = {}): Promise<FileInfo[]> {
  const client = getClient();
  const { runId, uri, path } = await locate(where);
  if (uri !== undefined) return client.storageForUri(uri).listArtifacts();
  return client.listArtifacts(runId!, path || undefined);
}

/**
 * Downloads artifacts to `dstPath` (created if missing; a temporary directory for remote stores by
 * default) and returns the local path (`mlflow.artifacts.download_artifacts`).
 */
export async function downloadArtifacts(where: ArtifactLocation & { dstPath?: string } = {}): Promise<string> {
  const client = getClient();
  const { runId, uri, path } = await locate(where);
  if (uri !== undefined) {
    if (where.dstPath !== undefined) await mkdir(where.dstPath, { recursive: true });
    return client.storageForUri(uri).downloadArtifacts('', where.dstPath);
  }
  return client.downloadArtifacts(runId!, path, where.dstPath);
}

/** Forgets the fluent state (tracking URI, experiment, runs): for tests and long-lived hosts. */
export function resetFluentState(): void {
  state.trackingUri = undefined;
  state.experimentId = undefined;
  state.globalScope = { stack: [] };
  state.clients.clear();
}
