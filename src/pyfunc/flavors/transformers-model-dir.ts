/**
 * `saveTransformersModel`: puts a transformers.js model into a directory of its own, ready to be logged
 * as an artifact (the seed's `download_and_save_model`). A local directory is copied; a Hugging Face Hub
 * id is downloaded with transformers.js's own settings (`env.remoteHost`, `env.remotePathTemplate`,
 * `env.fetch`, its file cache, `HF_TOKEN`); offline, only a local directory is accepted and nothing is
 * fetched. The target appears complete or not at all: files go to a sibling staging directory first.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { readBoolEnv } from '../../config/env.js';
import { ErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';
import { assertModelDirectory, loadTransformers } from './transformers-js.js';

/** Options of {@link saveTransformersModel}. */
export interface SaveTransformersModelOptions {
  /**
   * Refuse to download: only a local directory can be saved. Defaults to true when `HF_HUB_OFFLINE` or
   * `TRANSFORMERS_OFFLINE` is set (`1`/`true`), as in Hugging Face's libraries.
   */
  offline?: boolean;
  /** Hub revision (branch, tag or commit) to download; `main` by default. Ignored for a local directory. */
  revision?: string;
  /**
   * transformers.js `dtype` (`fp32`, `fp16`, `q8`, `q4`, ...): which ONNX weights to download; the
   * model's (or transformers.js's) default when omitted. Ignored for a local directory. Load the saved
   * model with the same dtype.
   */
  dtype?: string;
}

/** What {@link saveTransformersModel} wrote. */
export interface SavedTransformersModel {
  /** Absolute path of the saved model directory. */
  path: string;
  /** `local` when copied from a directory, `hub` when downloaded. */
  source: 'local' | 'hub';
  /** The model id or local path it was saved from. */
  modelId: string;
  /** The hub revision downloaded (hub only). */
  revision?: string;
  /** The dtype asked for, if any. */
  dtype?: string;
  /** Files of the saved directory, relative, sorted. */
  files: string[];
}

const HUB_ID = /^[\w.-]+(\/[\w.-]+)?$/;

function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.startsWith('.') || value.startsWith('~') || value.includes('\\');
}

/** Offline by the Hugging Face environment variables. */
function offlineFromEnv(): boolean {
  return readBoolEnv('HF_HUB_OFFLINE', false) || readBoolEnv('TRANSFORMERS_OFFLINE', false);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** Throws RESOURCE_ALREADY_EXISTS when `dir` exists and is not an empty directory. */
async function assertEmptyTarget(dir: string, given: string): Promise<void> {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory() || (await readdir(dir)).length > 0) {
    throw new MlflowError(`Path '${given}' already exists and is not empty`, ErrorCode.RESOURCE_ALREADY_EXISTS);
  }
}

/** Fills a staging directory next to `target` with `fill`, then renames it into place. */
async function writeAtomically(target: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = join(dirname(target), `.${randomBytes(6).toString('hex')}.partial`);
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    if (existsSync(target)) await rmdir(target); // an empty directory, checked before
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** `pathJoin` as transformers.js builds hub URLs: parts joined by single slashes, the scheme's kept. */
function joinUrl(...parts: string[]): string {
  return parts
    .map((p, i) => {
      let s = p;
      if (i > 0) s = s.replace(/^\/+/, '');
      if (i < parts.length - 1) s = s.replace(/\/+$/, '');
      return s;
    })
    .filter((s) => s.length > 0)
    .join('/');
}

function httpError(status: number, url: string, modelId: string): MlflowError {
  const code =
    status === 404
      ? ErrorCode.RESOURCE_DOES_NOT_EXIST
      : status === 401 || status === 403
        ? ErrorCode.PERMISSION_DENIED
        : ErrorCode.IO_ERROR;
  const hint = status === 401 || status === 403 ? ' (a gated or private model needs HF_TOKEN)' : '';
  return new MlflowError(`Downloading model '${modelId}' failed: HTTP ${status} for ${url}${hint}.`, code);
}

async function downloadFromHub(
  modelId: string,
  staging: string,
  revision: string,
  dtype: string | undefined,
): Promise<void> {
  const tf = await loadTransformers();
  const { env } = tf;
  let files: string[];
  try {
    // The config is read at the revision first: the registry would otherwise read it from `main`.
    const config = await tf.AutoConfig.from_pretrained(modelId, { revision });
    const listOptions: Record<string, unknown> = { revision, config };
    if (dtype !== undefined) listOptions.dtype = dtype;
    files = await tf.ModelRegistry.get_pipeline_files('text-generation', modelId, listOptions as never);
  } catch (err) {
    const missing = err instanceof tf.ModelFileNotFoundError || /Could not locate file/.test(String(err));
    throw new MlflowError(
      `Could not list the files of model '${modelId}' (revision '${revision}'): ${(err as Error).message}`,
      missing ? ErrorCode.RESOURCE_DOES_NOT_EXIST : ErrorCode.IO_ERROR,
      { cause: err },
    );
  }
  const cacheDir = env.useFSCache && env.cacheDir ? env.cacheDir : undefined;
  const token = process.env.HF_TOKEN ?? process.env.HF_ACCESS_TOKEN;
  for (const file of [...new Set(files)]) {
    const out = join(staging, file);
    await mkdir(dirname(out), { recursive: true });
    // transformers.js's file cache keys: `<id>/<file>` for main, `<id>/<revision>/<file>` otherwise.
    const cached = cacheDir
      ? join(cacheDir, revision === 'main' ? join(modelId, file) : join(modelId, revision, file))
      : undefined;
    if (cached && existsSync(cached)) {
      await copyFile(cached, out);
      continue;
    }
    const url = joinUrl(
      env.remoteHost,
      env.remotePathTemplate.replaceAll('{model}', modelId).replaceAll('{revision}', encodeURIComponent(revision)),
      file,
    );
    const headers: Record<string, string> = { 'User-Agent': `transformers.js/${env.version}` };
    if (token && /^https?:\/\/([^/]*\.)?(huggingface\.co|hf\.co)(\/|$)/.test(url)) {
      headers.Authorization = `Bearer ${token}`;
    }
    const response = (await env.fetch(url, { headers })) as Response;
    if (!response.ok || !response.body) throw httpError(response.status, url, modelId);
    await streamPipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(out));
  }
}

/**
 * Saves a transformers.js model into `dir` (which must not exist, or be empty), the seed's
 * `download_and_save_model`:
 * - `modelIdOrPath` is a local directory (with a `config.json`): it is copied, and nothing is fetched;
 * - otherwise it is a Hugging Face Hub id (`org/name`): the files a text-generation pipeline needs
 *   (config, generation config, tokenizer, the ONNX weights for `dtype`) are taken from transformers.js's
 *   file cache or downloaded from `env.remoteHost` at `revision`, with `env.fetch`;
 * - offline (`offline: true`, `HF_HUB_OFFLINE`/`TRANSFORMERS_OFFLINE`, or transformers.js's
 *   `env.allowRemoteModels = false`) a hub id is refused with an INVALID_PARAMETER_VALUE MlflowError
 *   before anything is fetched.
 *
 * Log the directory as an artifact (`artifacts: { model: dir }`) of a {@link TransformersTextGenerationModel}.
 */
export async function saveTransformersModel(
  modelIdOrPath: string,
  dir: string,
  options: SaveTransformersModelOptions = {},
): Promise<SavedTransformersModel> {
  if (typeof modelIdOrPath !== 'string' || modelIdOrPath.trim() === '') {
    throw invalidParameter(`Invalid modelIdOrPath: ${JSON.stringify(modelIdOrPath)}; give a hub id or a directory.`);
  }
  if (typeof dir !== 'string' || dir === '') throw invalidParameter(`Invalid dir: ${JSON.stringify(dir)}.`);
  if (options.revision !== undefined && (typeof options.revision !== 'string' || options.revision === '')) {
    throw invalidParameter(`Invalid revision: ${JSON.stringify(options.revision)}.`);
  }
  const target = resolve(dir);
  await assertEmptyTarget(target, dir);

  if (existsSync(modelIdOrPath)) {
    const source = assertModelDirectory(modelIdOrPath, 'modelIdOrPath');
    if (target === source || target.startsWith(`${source}/`)) {
      throw invalidParameter(`dir '${dir}' is inside the model directory '${modelIdOrPath}' it would copy.`);
    }
    await writeAtomically(target, (staging) => cp(source, staging, { recursive: true }));
    return { path: target, source: 'local', modelId: modelIdOrPath, files: await listFiles(target) };
  }
  if (looksLikePath(modelIdOrPath)) {
    throw new MlflowError(
      `modelIdOrPath '${modelIdOrPath}' looks like a local path but does not exist.`,
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
    );
  }

  const offline = options.offline ?? offlineFromEnv();
  if (offline) {
    throw invalidParameter(
      `Cannot save model '${modelIdOrPath}' offline: it is not a local directory, and offline mode ` +
        `(${options.offline === undefined ? 'HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE' : 'offline: true'}) forbids downloading it. ` +
        'Give the path of a local model directory, or go online.',
    );
  }
  if (!HUB_ID.test(modelIdOrPath) || modelIdOrPath.includes('..') || modelIdOrPath.includes('--')) {
    throw invalidParameter(`Invalid Hugging Face model id '${modelIdOrPath}' (expected 'name' or 'org/name').`);
  }
  const tf = await loadTransformers();
  if (tf.env.allowRemoteModels === false) {
    throw invalidParameter(
      `Cannot download model '${modelIdOrPath}': transformers.js has remote models disabled ` +
        '(env.allowRemoteModels = false) and it is not a local directory.',
    );
  }
  const revision = options.revision ?? 'main';
  await writeAtomically(target, (staging) => downloadFromHub(modelIdOrPath, staging, revision, options.dtype));
  const saved: SavedTransformersModel = {
    path: target,
    source: 'hub',
    modelId: modelIdOrPath,
    revision,
    files: await listFiles(target),
  };
  if (options.dtype !== undefined) saved.dtype = options.dtype;
  return saved;
}
