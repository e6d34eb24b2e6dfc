/**
 * `loadModel(uri)`: `mlflow.pyfunc.load_model` for models saved by this SDK. Resolves the URI to the model's
 * files as MLflow's artifact repositories do, downloads them when they are remote, and loads the directory.
 *
 * - a local path or `file://` URI;
 * - `runs:/<run_id>/<name>`: the run's artifacts at that path when they hold an MLmodel, else the LoggedModel of
 *   that name logged by the run (MLflow 3's `RunsArtifactRepository`);
 * - `models:/<model_id>`: the LoggedModel's artifact location;
 * - `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>`:
 *   the registered version's download URI;
 * - any artifact URI (`s3://`, `mlflow-artifacts:/`, ...).
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MlflowClient } from '../tracking/client.js';
import { ErrorCode, invalidParameter, MlflowError } from '../tracking/errors.js';
import { getClient } from '../tracking/fluent.js';
import { parseModelUri, uriScheme } from '../tracking/registry/model-uri.js';
import { loggedModelsOfRun, parseRunsUri } from './log.js';
import { MLMODEL_FILE_NAME } from './mlmodel.js';
import { loadModelFromPath, type PyFuncModel } from './save.js';

/** Options of {@link loadModel} and {@link downloadModel}. */
export interface LoadModelOptions {
  /** Local directory to download a remote model into (a new temporary directory by default). */
  dstPath?: string;
  /** Client to use; the fluent API's client by default. */
  client?: MlflowClient;
}

/** What a model URI resolved to. */
export interface ResolvedModelUri {
  /** The artifact URI (or local path) holding the model's files. */
  artifactUri: string;
  /** The LoggedModel id, when the model is a LoggedModel. */
  modelId?: string;
  /** Registered model name and version, for `models:/<name>/...` URIs. */
  name?: string;
  version?: string;
}

/** Latest version of `name`, overall or in `stage` (`_get_latest_model_version`). */
async function latestVersion(client: MlflowClient, name: string, stage?: string): Promise<string> {
  const latest = await client.getLatestVersions(name, stage === undefined ? undefined : [stage]);
  if (latest.length === 0) {
    throw new MlflowError(
      stage === undefined
        ? `No versions of model with name '${name}' found`
        : `No versions of model with name '${name}' and stage '${stage}' found`,
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
    );
  }
  return String(Math.max(...latest.map((v) => Number(v.version))));
}

/** Resolves a model URI to the artifact URI of its files, without downloading. */
export async function resolveModelUri(uri: string, options: { client?: MlflowClient } = {}): Promise<ResolvedModelUri> {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw invalidParameter(`loadModel: 'modelUri' must be a non-empty string, got ${JSON.stringify(uri)}.`);
  }
  const scheme = uriScheme(uri);
  // A Windows drive letter reads as a one-letter scheme.
  if (scheme === '' || scheme.length === 1) return { artifactUri: resolve(uri) };
  if (scheme === 'file') return { artifactUri: fileURLToPath(uri) };
  const client = options.client ?? getClient();
  if (scheme === 'models') {
    const parsed = parseModelUri(uri);
    if (parsed.modelId !== undefined) {
      const model = await client.getLoggedModel(parsed.modelId);
      return { artifactUri: model.artifactLocation, modelId: model.modelId };
    }
    const name = parsed.name as string;
    let version: string;
    if (parsed.alias !== undefined) version = (await client.getModelVersionByAlias(name, parsed.alias)).version;
    else if (parsed.version !== undefined) version = parsed.version;
    else version = await latestVersion(client, name, parsed.stage);
    const mv = await client.getModelVersion(name, version);
    const artifactUri = await client.getModelVersionDownloadUri(name, version);
    const out: ResolvedModelUri = { artifactUri, name, version: String(mv.version) };
    if (mv.modelId) out.modelId = mv.modelId;
    return out;
  }
  if (scheme === 'runs') {
    const { runId, path } = parseRunsUri(uri);
    const run = await client.getRun(runId);
    const listing = await client.listArtifacts(runId, path || undefined).catch(() => []);
    const mlmodelPath = path ? `${path}/${MLMODEL_FILE_NAME}` : MLMODEL_FILE_NAME;
    if (listing.some((f) => f.path === mlmodelPath)) {
      return { artifactUri: path ? `${run.info.artifactUri}/${path}` : run.info.artifactUri };
    }
    const [name, ...rest] = path.split('/');
    const models = name ? await loggedModelsOfRun(client, runId, name) : [];
    const model = models[0];
    if (!model) {
      throw new MlflowError(
        `Failed to download artifacts from path '${path}' of run ${runId}: the run has no artifact or ` +
          `logged model named '${name ?? ''}'.`,
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
      );
    }
    const sub = rest.join('/');
    return { artifactUri: sub ? `${model.artifactLocation}/${sub}` : model.artifactLocation, modelId: model.modelId };
  }
  return { artifactUri: uri };
}

/**
 * Downloads a model's files to a local directory and returns its path (`mlflow.artifacts.download_artifacts`
 * for a model URI). Local models are used in place.
 */
export async function downloadModel(uri: string, options: LoadModelOptions = {}): Promise<string> {
  const client = options.client ?? (uriScheme(uri).length > 1 && uriScheme(uri) !== 'file' ? getClient() : undefined);
  const resolved = await resolveModelUri(uri, client ? { client } : {});
  const scheme = uriScheme(resolved.artifactUri);
  if (scheme === '' || scheme.length === 1 || scheme === 'file') {
    const path = scheme === 'file' ? fileURLToPath(resolved.artifactUri) : resolved.artifactUri;
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory()) {
      throw new MlflowError(`No model directory at '${path}' (from '${uri}')`, ErrorCode.RESOURCE_DOES_NOT_EXIST);
    }
    return path;
  }
  const repo = (client ?? getClient()).storageForUri(resolved.artifactUri);
  const dst = options.dstPath ?? (await mkdtemp(join(tmpdir(), 'mlflow-genai-model-')));
  const local = await repo.downloadArtifacts('', dst);
  return local;
}

/**
 * Loads a model saved by this SDK (`mlflow.pyfunc.load_model`) from a local path, `runs:/`, `models:/` or
 * artifact URI. The returned model's `predict(input, params)` enforces the signature.
 */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<PyFuncModel> {
  const dir = await downloadModel(uri, options);
  return loadModelFromPath(dir);
}
