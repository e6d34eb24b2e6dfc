/**
 * `logModel` and `registerModel`: MLflow 3's `Model.log` and `mlflow.register_model` in TypeScript.
 *
 * `logModel` creates a LoggedModel (`m-<32 hex>`, PENDING), links it to the run as a model output, copies the
 * run's metrics at `step` onto the model, saves the model directory (MLmodel with `artifact_path` = the
 * model's artifact location and `model_id`), uploads it to the model's artifact location, logs the model
 * config as run params, finalizes the model READY (FAILED when anything throws), and registers a version when
 * asked. Python's `mlflow.pyfunc.load_model` cannot run our `nodejs_function` flavor, but every piece of
 * metadata (LoggedModel, run outputs, model version source/run/model id, the `mlflow.modelVersions` tag) is
 * what Python writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pyJsonDumps } from '../internal/python-json.js';
import type { LoggableValue, MlflowClient } from '../tracking/client.js';
import { stringifyValue } from '../tracking/client.js';
import { defaultRunContextTags } from '../tracking/context.js';
import type { LoggedModel } from '../tracking/entities/logged-model.js';
import type { ModelVersion } from '../tracking/entities/model-registry.js';
import { ErrorCode, hasErrorCode, InvalidParameterError, invalidParameter, MlflowError } from '../tracking/errors.js';
import { activeRun, getClient, resolveExperimentId } from '../tracking/fluent.js';
import { parseModelUri, uriScheme } from '../tracking/registry/model-uri.js';
import { MLMODEL_FILE_NAME, type MlflowModel } from './mlmodel.js';
import type { ModelWrapper } from './model-wrapper.js';
import { type ModelCode, type SaveModelOptions, saveModel } from './save.js';

/** Tag on a LoggedModel listing the registered versions made from it (`mlflow.modelVersions`). */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** Where a model directory is saved by a flavor: the path plus the logged model's identity. */
export interface SaveTarget {
  /** Empty local directory to write the model into. */
  path: string;
  /** The LoggedModel's artifact location (written as `artifact_path` in MLmodel, as MLflow does). */
  artifactPath: string;
  /** Run the model is logged to, if any. */
  runId?: string;
  /** The LoggedModel id. */
  modelId: string;
}

/** Options of {@link logModel}. */
export interface LogModelOptions
  extends Omit<SaveModelOptions, 'path' | 'artifactPath' | 'runId' | 'modelId' | 'code' | 'model'> {
  /** Name of the LoggedModel (and the `runs:/<run>/<name>` path). */
  name: string;
  /**
   * The wrapper's code, bundled into the model so it loads in a fresh process: a module path (its default
   * export is the wrapper class or instance) or `{path, exportName}`. Not needed when `saveWith` is given.
   */
  code?: string | ModelCode;
  /** An in-process instance of the wrapper, used to infer the output signature from the input example. */
  model?: ModelWrapper;
  /** Writes the model directory instead of {@link saveModel} (flavors use this). */
  saveWith?: (target: SaveTarget) => Promise<MlflowModel>;
  /** When given, a version of this registered model is created from the logged model. */
  registeredModelName?: string;
  /** Run to log to; the active run by default; none when there is no active run. */
  runId?: string;
  /** Experiment of the LoggedModel; the run's, else the active experiment. */
  experimentId?: string;
  /** User-defined model type (e.g. `agent`). */
  modelType?: string;
  /** Params of the LoggedModel (the run's params are added, as MLflow does). */
  params?: Record<string, LoggableValue>;
  /** Tags of the LoggedModel (also put on the registered version). */
  tags?: Record<string, LoggableValue>;
  /** Step of the run's metrics copied onto the model. */
  step?: number;
  /** Client to use; the fluent API's client by default. */
  client?: MlflowClient;
}

/** What {@link logModel} returns (`mlflow.models.model.ModelInfo`). */
export interface ModelInfo {
  /** The LoggedModel id, `m-<32 hex>`. */
  modelId: string;
  /** `models:/<model id>`: loads the model. */
  modelUri: string;
  /** The model's name. */
  name: string;
  /** Run the model was logged to, if any. */
  runId: string | undefined;
  /** Experiment of the LoggedModel. */
  experimentId: string;
  /** Where the model's files are stored. */
  artifactLocation: string;
  /** The MLmodel written. */
  mlmodel: MlflowModel;
  /** The LoggedModel after finalization (READY). */
  loggedModel: LoggedModel;
  /** The registered version, when `registeredModelName` was given. */
  registeredModelVersion?: ModelVersion;
}

function stringMap(values: Record<string, LoggableValue> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, stringifyValue(v)]));
}

/** `_flatten_nested_params(config, sep='/')`: nested dicts become `a/b` keys. */
function flattenParams(value: Record<string, unknown>, prefix = ''): Record<string, LoggableValue> {
  const out: Record<string, LoggableValue> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    } else {
      out[key] = v as LoggableValue;
    }
  }
  return out;
}

function normalizeCode(code: string | ModelCode | undefined): ModelCode | undefined {
  if (code === undefined) return undefined;
  if (typeof code === 'string') return { path: code, exportName: 'default' };
  return code;
}

function validateLogOptions(options: LogModelOptions): void {
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    throw invalidParameter(`logModel: 'name' must be a non-empty string, got ${JSON.stringify(options.name)}.`);
  }
  if (/[/\\:]/.test(options.name) || options.name.includes('..')) {
    throw invalidParameter(
      `logModel: invalid model name '${options.name}': it may not contain '/', '\\', ':' or '..'.`,
    );
  }
  if (!options.saveWith && options.code === undefined) {
    throw invalidParameter(
      'logModel: give `code` (the module exporting the ModelWrapper, bundled into the model so it loads in a ' +
        'fresh process) or `saveWith`.',
    );
  }
  if (options.step !== undefined && !Number.isInteger(options.step)) {
    throw invalidParameter(`logModel: 'step' must be an integer, got ${options.step}.`);
  }
}

/**
 * Logs a model (`mlflow.pyfunc.log_model` / `Model.log`): a new LoggedModel holding the model directory, linked
 * to the active (or given) run, optionally registered. Returns its {@link ModelInfo}; load it back with
 * `loadModel(info.modelUri)` or `loadModel('runs:/<run>/<name>')`.
 */
export async function logModel(options: LogModelOptions): Promise<ModelInfo> {
  validateLogOptions(options);
  const client = options.client ?? getClient();
  const active = activeRun();
  const runId = options.runId ?? active?.info.runId;
  const run = runId ? await client.getRun(runId) : undefined;
  const experimentId = options.experimentId ?? run?.info.experimentId ?? (await resolveExperimentId());
  const params = { ...stringMap(options.params), ...(run ? run.data.params : {}) };
  const tags = { ...defaultRunContextTags(), ...stringMap(options.tags) };

  const model = await client.createLoggedModel({
    experimentId,
    name: options.name,
    sourceRunId: runId ?? null,
    tags,
    params,
    modelType: options.modelType ?? null,
  });
  const step = options.step ?? 0;
  let mlmodel: MlflowModel;
  const tmp = await mkdtemp(join(tmpdir(), 'mlflow-genai-log-model-'));
  try {
    if (runId) {
      await client.logOutputs(runId, [{ modelId: model.modelId, step }]);
      await copyRunMetricsToModel(client, runId, model.modelId, step);
    }
    const target: SaveTarget = {
      path: join(tmp, 'model'),
      artifactPath: model.artifactLocation,
      modelId: model.modelId,
      ...(runId ? { runId } : {}),
    };
    if (options.saveWith) {
      mlmodel = await options.saveWith(target);
    } else {
      const { name: _n, code, saveWith: _s, registeredModelName: _r, client: _c, ...rest } = options;
      mlmodel = await saveModel({
        ...rest,
        code: normalizeCode(code) as ModelCode,
        ...target,
      });
    }
    await client.storageForUri(model.artifactLocation).logArtifacts(target.path);
    if (runId && options.modelConfig && Object.keys(options.modelConfig).length > 0) {
      try {
        const flat = flattenParams(options.modelConfig);
        await client.logBatch(runId, {
          params: Object.entries(flat).map(([key, value]) => ({ key, value: stringifyValue(value) })),
        });
      } catch (e) {
        // As MLflow: a config that cannot be logged as params (e.g. a clash) is a warning, not a failure.
        process.emitWarning(`Failed to log the model config as params: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    await client.finalizeLoggedModel(model.modelId, 'FAILED').catch(() => undefined);
    throw e;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const loggedModel = await client.finalizeLoggedModel(model.modelId, 'READY');
  const info: ModelInfo = {
    modelId: model.modelId,
    modelUri: `models:/${model.modelId}`,
    name: options.name,
    runId,
    experimentId,
    artifactLocation: model.artifactLocation,
    mlmodel,
    loggedModel,
  };
  if (options.registeredModelName !== undefined) {
    info.registeredModelVersion = await registerModel(info.modelUri, options.registeredModelName, {
      client,
      tags: options.tags,
    });
  }
  return info;
}

/** `log_model_metrics_for_step`: the run's metric values at `step` (not yet tied to a model) copied onto it. */
async function copyRunMetricsToModel(client: MlflowClient, runId: string, modelId: string, step: number) {
  const run = await client.getRun(runId);
  const metrics = [];
  for (const key of Object.keys(run.data.metrics)) {
    for (const m of await client.getMetricHistory(runId, key)) {
      if (m.step === step && m.modelId === undefined) {
        metrics.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step, modelId });
      }
    }
  }
  if (metrics.length > 0) await client.logBatch(runId, { metrics });
}

/** Options of {@link registerModel}. */
export interface RegisterModelOptions {
  /** Tags of the new version. */
  tags?: Record<string, LoggableValue>;
  /** Client to use; the fluent API's client by default. */
  client?: MlflowClient;
  /** Seconds to wait for the version to become READY (MLflow's default 300; 0 to not wait). */
  awaitRegistrationFor?: number;
}

/**
 * Registers a model (`mlflow.register_model`): creates the registered model if needed and a new version from
 * `modelUri` (`models:/<model id>`, `runs:/<run>/<name>`, or any artifact URI). A version made from a
 * LoggedModel gets its run and model id, and the model's `mlflow.modelVersions` tag lists it.
 */
export async function registerModel(
  modelUri: string,
  name: string,
  options: RegisterModelOptions = {},
): Promise<ModelVersion> {
  if (typeof modelUri !== 'string' || modelUri.trim() === '') {
    throw invalidParameter(`registerModel: 'modelUri' must be a non-empty string, got ${JSON.stringify(modelUri)}.`);
  }
  const client = options.client ?? getClient();
  try {
    await client.createRegisteredModel(name);
  } catch (e) {
    if (!hasErrorCode(e, ErrorCode.RESOURCE_ALREADY_EXISTS)) throw e;
  }
  let source = modelUri;
  let runId: string | undefined;
  let modelId: string | undefined;
  if (uriScheme(modelUri) === 'runs') {
    const parsed = parseRunsUri(modelUri);
    runId = parsed.runId;
    const hasMlmodel = (await client.listArtifacts(parsed.runId, parsed.path).catch(() => [])).some(
      (f) => f.path === (parsed.path ? `${parsed.path}/${MLMODEL_FILE_NAME}` : MLMODEL_FILE_NAME),
    );
    if (hasMlmodel) {
      const run = await client.getRun(parsed.runId);
      source = parsed.path ? `${run.info.artifactUri}/${parsed.path}` : run.info.artifactUri;
    } else {
      const found = await loggedModelsOfRun(client, parsed.runId, parsed.path);
      if (found.length === 0) {
        throw new MlflowError(
          `Unable to find a logged_model with artifact_path ${parsed.path} under run ${parsed.runId}`,
          ErrorCode.RESOURCE_DOES_NOT_EXIST,
        );
      }
      modelId = found.length === 1 ? found[0]!.modelId : await latestByStep(client, parsed.runId, found);
      source = `models:/${modelId}`;
    }
  } else if (uriScheme(modelUri) === 'models') {
    modelId = parseModelUri(modelUri).modelId;
  }
  let version = await client.createModelVersion(name, source, {
    runId: runId ?? null,
    tags: options.tags,
    modelId: modelId ?? null,
  });
  const waitSeconds = options.awaitRegistrationFor ?? 300;
  const deadline = Date.now() + waitSeconds * 1000;
  while (version.status === 'PENDING_REGISTRATION' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    version = await client.getModelVersion(name, version.version);
  }
  if (version.status === 'FAILED_REGISTRATION') {
    throw new MlflowError(
      `Model version ${name}/${version.version} failed to register: ${version.statusMessage ?? ''}`,
      ErrorCode.INVALID_STATE,
    );
  }
  if (modelId) await addModelVersionTag(client, modelId, version);
  return version;
}

async function addModelVersionTag(client: MlflowClient, modelId: string, version: ModelVersion): Promise<void> {
  try {
    const model = await client.getLoggedModel(modelId);
    // MLflow's embedded store gives the version as a number; a REST server has already set the tag itself.
    const entry = { name: version.name, version: Number(version.version) };
    let entries: Array<{ name: string; version: unknown }> = [];
    const existing = model.tags[MODEL_VERSIONS_TAG];
    if (existing) {
      try {
        const parsed = JSON.parse(existing) as unknown;
        if (Array.isArray(parsed)) entries = parsed as typeof entries;
      } catch {
        entries = [];
      }
    }
    if (entries.some((e) => e.name === entry.name && String(e.version) === String(entry.version))) return;
    entries.push(entry);
    await client.setLoggedModelTags(modelId, { [MODEL_VERSIONS_TAG]: pyJsonDumps(entries) });
  } catch (e) {
    if (!hasErrorCode(e, ErrorCode.RESOURCE_DOES_NOT_EXIST)) throw e;
  }
}

/** `runs:/<run_id>/<path>` split into run id and path (`RunsArtifactRepository.parse_runs_uri`). */
export function parseRunsUri(uri: string): { runId: string; path: string } {
  const m = /^runs:\/+([^/]+)(?:\/(.*))?$/i.exec(uri);
  if (!m?.[1]) {
    throw new InvalidParameterError(
      `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    );
  }
  return { runId: m[1], path: (m[2] ?? '').replace(/\/+$/, '') };
}

/** LoggedModels named `name` whose source run is `runId` (`_get_logged_models_from_run`). */
export async function loggedModelsOfRun(client: MlflowClient, runId: string, name: string): Promise<LoggedModel[]> {
  const run = await client.getRun(runId);
  const out: LoggedModel[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchLoggedModels({
      experimentIds: [run.info.experimentId],
      filterString: `name = '${name.replace(/'/g, "\\'")}'`,
      ...(pageToken ? { pageToken } : {}),
    });
    out.push(...page.items.filter((m) => m.sourceRunId === runId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

async function latestByStep(client: MlflowClient, runId: string, models: LoggedModel[]): Promise<string> {
  const run = await client.getRun(runId);
  const outputs = run.outputs?.modelOutputs ?? [];
  if (outputs.length === 0) {
    throw invalidParameter(
      `Multiple logged models found for run ${runId}. Cannot determine which model to register. ` +
        'Please use `models:/<model_id>` instead.',
    );
  }
  const stepOf = new Map(outputs.map((o) => [o.modelId, o.step]));
  let best = models[0]!;
  for (const m of models) if ((stepOf.get(m.modelId) ?? -1) > (stepOf.get(best.modelId) ?? -1)) best = m;
  return best.modelId;
}
