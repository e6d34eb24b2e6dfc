import { createReadStream, createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveTrackingUri } from '../config/settings.js';
import { redactUri } from '../config/uri.js';
import { ErrorCode, InvalidParameterError, isMlflowError, MlflowError } from '../tracking/errors.js';
import type { FileInfo } from './backend.js';
import { ArtifactRepositoryBase } from './base.js';
import { type HttpResponse, HttpSettings, httpError, raiseForStatus, readText, sendHttp } from './http-client.js';
import { guessMimeType } from './mime.js';
import { mapLimit, normalizeArtifactPath } from './paths.js';
import { optionalEnvFlag, readIntEnv, STORAGE_ENV } from './settings.js';

/** Path of MLflow's artifact service on a tracking server (`_ARTIFACTS_SERVICE_ROOT`). */
export const ARTIFACTS_SERVICE_ROOT = '/api/2.0/mlflow-artifacts/artifacts';
const SERVER_INFO_ENDPOINT = '/api/3.0/mlflow/server-info';
/** How an MLflow server says its artifact repository cannot do multipart uploads (`_UnsupportedMultipartUploadException`). */
const UNSUPPORTED_MPU_MESSAGE = 'Multipart upload is not supported for the current artifact repository';

/** Python's `urllib.parse.urlparse`, for the parts MLflow's URI resolution reads. */
function urlparse(uri: string): { scheme: string; netloc: string; path: string } {
  let rest = uri;
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
  }
  const cut = rest.search(/[?#]/);
  return { scheme, netloc, path: cut < 0 ? rest : rest.slice(0, cut) };
}

function hostnameOf(netloc: string): { hostname: string; port: string | undefined } {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  return { hostname: (m?.[1] ?? '').toLowerCase(), port: m?.[2] || undefined };
}

/**
 * Resolves an `mlflow-artifacts:` URI against the tracking URI exactly as MLflow's
 * `MlflowArtifactsRepository.resolve_uri` does, e.g. `mlflow-artifacts:/0/abc/artifacts` with
 * `http://host:5000` gives `http://host:5000/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts`.
 */
export function resolveMlflowArtifactsUri(artifactUri: string, trackingUri: string): string {
  const track = urlparse(trackingUri);
  const uri = urlparse(artifactUri);
  const { hostname, port } = hostnameOf(uri.netloc);
  if (hostname && !Number.isNaN(Number(hostname)) && !port) {
    throw new MlflowError(
      `The mlflow-artifacts uri was supplied with a port number: ${hostname}, but no host was defined.`,
    );
  }
  if (track.scheme !== 'http' && track.scheme !== 'https') {
    const shown = `${track.scheme ? `${track.scheme}:` : ''}${track.netloc ? `//${track.netloc.slice(track.netloc.lastIndexOf('@') + 1)}` : ''}${track.path}`;
    throw new MlflowError(
      'When an mlflow-artifacts URI was supplied, the tracking URI must be a valid http or https URI, but it was ' +
        `currently set to ${shown}. Perhaps you forgot to set the tracking URI to the running MLflow server. ` +
        'Set MLFLOW_TRACKING_URI (e.g. `export MLFLOW_TRACKING_URI=http://localhost:5000`) or call ' +
        "setTrackingUri('http://localhost:5000').",
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  let resolved: string;
  if (uri.path === '/') resolved = `${ARTIFACTS_SERVICE_ROOT}${uri.path}`;
  else if (uri.path === ARTIFACTS_SERVICE_ROOT) resolved = ARTIFACTS_SERVICE_ROOT;
  else resolved = `${track.path}/${ARTIFACTS_SERVICE_ROOT}/${uri.path}`;
  resolved = resolved.replace(/\/\/+/g, '/');
  const netloc = uri.netloc || track.netloc;
  const path = resolved && !resolved.startsWith('/') ? `/${resolved}` : resolved;
  return `${track.scheme}://${netloc}${path}`.replace('///', '/').replace(/\/+$/, '');
}

/** Splits an http(s) URL into a credential-free base and its user info (sent as a header, never shown). */
function splitCredentials(uri: string): { base: string; userInfo?: { username: string; password: string } } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidParameterError(`Invalid artifact URI '${redactUri(uri)}': not a valid URL.`);
  }
  const userInfo = url.username || url.password ? { username: url.username, password: url.password } : undefined;
  url.username = '';
  url.password = '';
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return userInfo ? { base, userInfo } : { base };
}

function encodePath(rel: string): string {
  return rel
    .split('/')
    .filter(Boolean)
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** The artifact capabilities a server advertises in its server-info. */
interface Capabilities {
  multipartUploads: boolean;
  presignedOnly: boolean;
}
const NO_CAPABILITIES: Capabilities = { multipartUploads: false, presignedOnly: false };
const serverInfoCache = new Map<string, { value: Capabilities; expires: number }>();

/** One part of a presigned multipart upload, as MLflow's server returns it. */
interface MultipartCredential {
  url: string;
  part_number: number;
  headers?: Record<string, string>;
}

/** Options of {@link HttpArtifactRepository}. */
export interface HttpArtifactRepositoryOptions {
  /** Where `MLFLOW_*` settings (auth, TLS, retries, multipart) are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Artifacts behind an MLflow tracking server's artifact proxy (`mlflow server --serve-artifacts`), over
 * `http(s)://host/api/2.0/mlflow-artifacts/artifacts/...` (`mlflow.store.artifact.http_artifact_repo`).
 * Large files use the server's presigned multipart upload routes when it advertises them, falling back
 * to a proxied PUT when its destination cannot do multipart.
 */
export class HttpArtifactRepository extends ArtifactRepositoryBase {
  /** The root URL (credentials removed). */
  readonly artifactUri: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #http: HttpSettings;
  #capabilities: Promise<Capabilities> | undefined;

  constructor(artifactUri: string, options: HttpArtifactRepositoryOptions = {}) {
    super();
    const { base, userInfo } = splitCredentials(artifactUri);
    this.artifactUri = base;
    this.#env = options.env ?? process.env;
    this.#http = new HttpSettings(this.#env, userInfo);
  }

  /** `http://host[/prefix]/api/2.0` and the root's path under the artifact service, when the URL is MLflow's. */
  #service(): { api: string; root: string } | undefined {
    const i = this.artifactUri.indexOf('/mlflow-artifacts/artifacts');
    if (i < 0) return undefined;
    const tail = this.artifactUri.slice(i + '/mlflow-artifacts/artifacts'.length);
    if (tail && !tail.startsWith('/')) return undefined;
    return { api: this.artifactUri.slice(0, i), root: decodeURIComponent(tail).replace(/^\/+|\/+$/g, '') };
  }

  #requireService(what: string): { api: string; root: string } {
    const s = this.#service();
    if (!s) {
      throw new MlflowError(
        `Cannot ${what} at '${this.artifactUri}': the URL is not under an MLflow artifact service ('${ARTIFACTS_SERVICE_ROOT}').`,
        ErrorCode.INVALID_PARAMETER_VALUE,
      );
    }
    return s;
  }

  #fileUrl(rel: string): URL {
    return new URL(rel ? `${this.artifactUri}/${encodePath(rel)}` : `${this.artifactUri}/`);
  }

  async #send(
    method: string,
    url: URL,
    init: Omit<Parameters<typeof sendHttp>[0], 'method' | 'url'> = {},
  ): Promise<HttpResponse> {
    const res = await sendHttp({ method, url, ...init }, this.#http);
    await raiseForStatus(res, method, url);
    return res;
  }

  /** What the server advertises at /api/3.0/mlflow/server-info (cached per server for 60 s; failures count as "nothing"). */
  #serverCapabilities(): Promise<Capabilities> {
    this.#capabilities ??= (async () => {
      const i = this.artifactUri.indexOf(ARTIFACTS_SERVICE_ROOT);
      const after = i < 0 ? '' : this.artifactUri.slice(i + ARTIFACTS_SERVICE_ROOT.length);
      if (i < 0 || (after && !after.startsWith('/'))) return NO_CAPABILITIES;
      const url = `${this.artifactUri.slice(0, i)}${SERVER_INFO_ENDPOINT}`;
      const cached = serverInfoCache.get(url);
      if (cached && cached.expires > Date.now()) return cached.value;
      try {
        const res = await sendHttp({ method: 'GET', url: new URL(url), timeoutMs: 3000 }, this.#http);
        if (res.status !== 200) {
          res.body.resume();
          return NO_CAPABILITIES;
        }
        const data = JSON.parse(await readText(res)) as Record<string, unknown>;
        const value = {
          multipartUploads: data.multipart_uploads_enabled === true,
          presignedOnly: data.artifacts_presigned_only === true,
        };
        // Like MLflow's client, remember a successful answer for a minute: every artifact call would ask otherwise.
        serverInfoCache.set(url, { value, expires: Date.now() + 60_000 });
        return value;
      } catch {
        return NO_CAPABILITIES;
      }
    })();
    return this.#capabilities;
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const dir = normalizeArtifactPath(artifactPath);
    const name = basename(localFile);
    await this.uploadFile(localFile, dir ? `${dir}/${name}` : name);
  }

  protected async uploadFile(localFile: string, remoteFile: string): Promise<void> {
    const info = await stat(localFile).catch(() => null);
    if (!info?.isFile()) throw new InvalidParameterError(`Cannot log artifact '${localFile}': it is not a file.`);
    const slash = remoteFile.lastIndexOf('/');
    const dir = slash < 0 ? '' : remoteFile.slice(0, slash);
    const name = remoteFile.slice(slash + 1);
    const caps = await this.#serverCapabilities();
    // MLflow's `_should_multipart_upload`: the client's MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD overrides what
    // the server advertises; only files of at least MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE qualify.
    const enabled = optionalEnvFlag(STORAGE_ENV.ENABLE_PROXY_MULTIPART_UPLOAD, this.#env) ?? caps.multipartUploads;
    const minimum = readIntEnv(STORAGE_ENV.MULTIPART_UPLOAD_MINIMUM_FILE_SIZE, 500 * 1024 * 1024, this.#env);
    if (caps.presignedOnly || (enabled && info.size >= minimum)) {
      try {
        await this.#multipartUpload(localFile, info.size, dir, name);
        return;
      } catch (err) {
        if (!(err instanceof UnsupportedMultipartUpload) || caps.presignedOnly) throw err;
      }
    }
    const url = this.#fileUrl(remoteFile);
    await this.#send('PUT', url, {
      headers: { 'Content-Type': guessMimeType(name) },
      body: { stream: () => createReadStream(localFile), length: info.size },
      retry: true,
    });
  }

  async #multipartUpload(localFile: string, size: number, dir: string, name: string): Promise<void> {
    const { api, root } = this.#requireService('upload in parts');
    const chunk = readIntEnv(STORAGE_ENV.MULTIPART_UPLOAD_CHUNK_SIZE, 10 * 1024 * 1024, this.#env);
    const numParts = Math.max(1, Math.ceil(size / chunk));
    const route = (action: string) =>
      new URL(`${api}/mlflow-artifacts/mpu/${action}/${encodePath([root, dir].filter(Boolean).join('/'))}`);
    const post = (action: string, body: unknown) =>
      sendHttp(
        {
          method: 'POST',
          url: route(action),
          headers: { 'Content-Type': 'application/json' },
          body: { bytes: Buffer.from(JSON.stringify(body)) },
        },
        this.#http,
      );
    const created = await post('create', { path: name, num_parts: numParts });
    if (created.status === 501) {
      created.body.resume();
      throw new UnsupportedMultipartUpload();
    }
    if (created.status >= 400) {
      const text = await readText(created);
      let message = '';
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? '';
      } catch {
        // not JSON
      }
      if (message.startsWith(UNSUPPORTED_MPU_MESSAGE)) throw new UnsupportedMultipartUpload();
      throw httpError(created.status, text, 'POST', route('create'));
    }
    const { upload_id: uploadId, credentials } = JSON.parse(await readText(created)) as {
      upload_id?: string;
      credentials: MultipartCredential[];
    };
    try {
      const workers = Math.min(20, Math.max(4, 2 * availableParallelism()));
      const parts = await mapLimit(credentials, workers, async (cred, i) => {
        const start = chunk * i;
        const length = Math.max(0, Math.min(chunk, size - start));
        const url = new URL(cred.url);
        // Parts go straight to cloud storage through presigned URLs: never send MLflow credentials there.
        const res = await sendHttp(
          {
            method: 'PUT',
            url,
            headers: { ...(cred.headers ?? {}) },
            body: {
              stream: () =>
                length ? createReadStream(localFile, { start, end: start + length - 1 }) : Readable.from([]),
              length,
            },
            retry: true,
            auth: false,
          },
          this.#http,
          true,
        );
        await raiseForStatus(res, 'PUT', url);
        res.body.resume();
        return { part_number: cred.part_number, etag: String(res.headers.etag ?? ''), url: cred.url };
      });
      parts.sort((a, b) => a.part_number - b.part_number);
      const done = await post('complete', { path: name, upload_id: uploadId, parts });
      await raiseForStatus(done, 'POST', route('complete'));
      done.body.resume();
    } catch (err) {
      const aborted = await post('abort', { path: name, upload_id: uploadId }).catch(() => undefined);
      aborted?.body.resume();
      throw err;
    }
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const { api, root } = this.#requireService('list artifacts');
    const url = new URL(`${api}/mlflow-artifacts/artifacts`);
    url.searchParams.set('path', [root, rel].filter(Boolean).join('/'));
    const res = await this.#send('GET', url, { retry: true });
    const data = JSON.parse((await readText(res)) || '{}') as {
      files?: Array<{ path: string; is_dir?: boolean; file_size?: number | string }>;
    };
    const infos: FileInfo[] = (data.files ?? []).map((f) => {
      // A listing is data from the network: a name that climbs out of the folder is refused here.
      const name = normalizeArtifactPath(f.path);
      const p = rel ? `${rel}/${name}` : name;
      return f.file_size === undefined || f.is_dir
        ? { path: p, isDir: !!f.is_dir }
        : { path: p, isDir: false, fileSize: Number(f.file_size) };
    });
    // The API lists a file as itself; MLflow reports [] for a file unless a same-named folder holds it.
    const only = infos[0];
    if (infos.length === 1 && only && !only.isDir && rel && only.path === `${rel}/${rel.split('/').pop()}`) {
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : undefined;
      if (!(await this.listArtifacts(parent)).some((f) => f.isDir && f.path === rel)) return [];
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  protected async downloadFile(remotePath: string, localPath: string): Promise<void> {
    const url = this.#fileUrl(remotePath);
    const res = await this.#send('GET', url, { retry: true });
    try {
      await pipeline(res.body, createWriteStream(localPath));
    } catch (err) {
      await unlink(localPath).catch(() => undefined);
      throw isMlflowError(err)
        ? err
        : new MlflowError(
            `Downloading '${remotePath}' from ${this.artifactUri} failed: ${(err as Error).message}`,
            ErrorCode.IO_ERROR,
            {
              cause: err,
            },
          );
    }
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const rel = normalizeArtifactPath(path);
    const res = await this.#send('DELETE', this.#fileUrl(rel), { retry: true });
    res.body.resume();
  }
}

/** Thrown inside the multipart path when the server's repository cannot do it: fall back to a proxied PUT. */
class UnsupportedMultipartUpload extends Error {}

/**
 * `mlflow-artifacts:` URIs (`MlflowArtifactsRepository`): the artifact proxy of the tracking server, found
 * by resolving the URI against the tracking URI.
 */
export class MlflowArtifactsRepository extends HttpArtifactRepository {
  /** The `mlflow-artifacts:` URI this repository was made from. */
  readonly sourceUri: string;

  constructor(artifactUri: string, options: HttpArtifactRepositoryOptions & { trackingUri?: string } = {}) {
    const trackingUri = options.trackingUri ?? resolveTrackingUri(undefined, options.env ?? process.env);
    super(resolveMlflowArtifactsUri(artifactUri, trackingUri), options);
    this.sourceUri = artifactUri;
  }
}
