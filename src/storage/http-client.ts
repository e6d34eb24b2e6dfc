// Internal: the small HTTP layer the artifact-proxy repository needs. node:http rather than fetch because
// uploads must stream a file with an exact Content-Length (the MLflow server reads the body by length), and
// TLS settings (MLFLOW_TRACKING_INSECURE_TLS, certificate paths) map directly onto agent options.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { readEnv } from '../config/env.js';
import { redactUri } from '../config/uri.js';
import { ErrorCode, errorCodeForHttpStatus, MlflowError } from '../tracking/errors.js';
import { envFlag, readIntEnv, STORAGE_ENV } from './settings.js';

/** A request body: bytes, or a factory of fresh streams (so a retried upload starts again from byte 0). */
export type HttpBody = { bytes: Buffer } | { stream: () => Readable; length: number };

/** One HTTP request. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: HttpBody;
  /** Retry transient failures (network errors, 429/500/502/503/504); only for idempotent requests. */
  retry?: boolean;
  /** Send the MLflow tracking credentials (false for presigned cloud-storage URLs). */
  auth?: boolean;
  /** Overall timeout in milliseconds; MLFLOW_HTTP_REQUEST_TIMEOUT (120 s) by default. */
  timeoutMs?: number;
}

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const agents = new Map<string, HttpAgent>();

/** HTTP settings from `env`, as MLflow's `get_default_host_creds` reads them. Credentials stay in here. */
export class HttpSettings {
  readonly #env: NodeJS.ProcessEnv;
  readonly #urlAuth: string | undefined;

  constructor(env: NodeJS.ProcessEnv, urlUserInfo?: { username: string; password: string }) {
    this.#env = env;
    this.#urlAuth =
      urlUserInfo && (urlUserInfo.username || urlUserInfo.password)
        ? `Basic ${Buffer.from(`${decodeURIComponent(urlUserInfo.username)}:${decodeURIComponent(urlUserInfo.password)}`).toString('base64')}`
        : undefined;
  }

  /** `Authorization` header: Basic from MLFLOW_TRACKING_USERNAME/PASSWORD, else Bearer MLFLOW_TRACKING_TOKEN. */
  authorization(): string | undefined {
    const user = readEnv(STORAGE_ENV.TRACKING_USERNAME, this.#env);
    const password = readEnv(STORAGE_ENV.TRACKING_PASSWORD, this.#env);
    if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const token = readEnv(STORAGE_ENV.TRACKING_TOKEN, this.#env);
    if (token) return `Bearer ${token}`;
    // Credentials written into the URL (http://user:pass@host) apply when nothing else is configured.
    return this.#urlAuth;
  }

  get maxRetries(): number {
    return readIntEnv(STORAGE_ENV.HTTP_REQUEST_MAX_RETRIES, 7, this.#env);
  }

  get backoffFactor(): number {
    return readIntEnv(STORAGE_ENV.HTTP_REQUEST_BACKOFF_FACTOR, 2, this.#env);
  }

  get timeoutMs(): number {
    return readIntEnv(STORAGE_ENV.HTTP_REQUEST_TIMEOUT, 120, this.#env) * 1000;
  }

  agent(url: URL, forStorage = false): HttpAgent {
    const https = url.protocol === 'https:';
    const insecure = forStorage
      ? envFlag(STORAGE_ENV.S3_IGNORE_TLS, this.#env)
      : envFlag(STORAGE_ENV.TRACKING_INSECURE_TLS, this.#env);
    const ca = forStorage ? undefined : readEnv(STORAGE_ENV.TRACKING_SERVER_CERT_PATH, this.#env);
    const cert = forStorage ? undefined : readEnv(STORAGE_ENV.TRACKING_CLIENT_CERT_PATH, this.#env);
    const key = `${https}|${insecure}|${ca ?? ''}|${cert ?? ''}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = https
        ? new HttpsAgent({
            keepAlive: true,
            maxSockets: 32,
            rejectUnauthorized: !insecure,
            ...(ca ? { ca: readFileSync(ca) } : {}),
            // requests' `cert=path` takes one PEM holding both certificate and key.
            ...(cert ? { cert: readFileSync(cert), key: readFileSync(cert) } : {}),
          })
        : new HttpAgent({ keepAlive: true, maxSockets: 32 });
      agents.set(key, agent);
    }
    return agent;
  }
}

/** `METHOD url` for messages: no credentials, no query string. */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${redactUri(`${url.origin}${url.pathname}`)}`;
}

function once(req: HttpRequest, settings: HttpSettings, forStorage: boolean): Promise<HttpResponse> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.auth !== false) {
      const auth = settings.authorization();
      if (auth) headers.Authorization = auth;
    }
    if (req.body) headers['Content-Length'] = String('bytes' in req.body ? req.body.bytes.length : req.body.length);
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = send(req.url, { method: req.method, headers, agent: settings.agent(req.url, forStorage) }, (res) => {
      resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    r.setTimeout(req.timeoutMs ?? settings.timeoutMs, () =>
      r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
    );
    r.on('error', reject);
    if (!req.body) r.end();
    else if ('bytes' in req.body) r.end(req.body.bytes);
    else {
      const stream = req.body.stream();
      stream.on('error', (err) => r.destroy(err));
      stream.pipe(r);
    }
  });
}

/**
 * Sends a request with MLflow's retry policy for idempotent calls: up to MLFLOW_HTTP_REQUEST_MAX_RETRIES (7)
 * retries with exponential backoff (MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR, 2 s) on network errors and
 * 429/500/502/503/504. Network failures end as TEMPORARILY_UNAVAILABLE naming the request (never credentials).
 */
export async function sendHttp(req: HttpRequest, settings: HttpSettings, forStorage = false): Promise<HttpResponse> {
  const retries = req.retry ? settings.maxRetries : 0;
  for (let attempt = 0; ; attempt++) {
    let res: HttpResponse | undefined;
    let error: unknown;
    try {
      res = await once(req, settings, forStorage);
    } catch (err) {
      error = err;
    }
    const transient = error !== undefined || (res !== undefined && RETRY_STATUSES.has(res.status));
    if (!transient || attempt >= retries) {
      if (res) return res;
      const code = (error as { code?: string }).code ?? 'ERROR';
      throw new MlflowError(
        `${describeRequest(req.method, req.url)} failed: ${code} (${(error as Error).message}). ` +
          'Check that the MLflow server is running and that the tracking URI points at it.',
        ErrorCode.TEMPORARILY_UNAVAILABLE,
        { cause: error },
      );
    }
    res?.body.resume();
    // urllib3's schedule: no wait before the first retry, then factor x 2^(n-1), capped at 120 s.
    const wait = attempt === 0 ? 0 : Math.min(120, settings.backoffFactor * 2 ** (attempt - 1)) * 1000;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Reads a whole response body as text. */
export async function readText(res: HttpResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The MlflowError a non-2xx response stands for: the server's `{error_code, message}` when it sent one,
 * else the code MLflow assumes for the status. The body is kept on the error; the URL carries no secrets.
 */
export function httpError(status: number, text: string, method: string, url: URL): MlflowError {
  let body: unknown = text;
  let code = errorCodeForHttpStatus(status);
  let message = text.trim() || `HTTP ${status}`;
  try {
    const json = JSON.parse(text) as { error_code?: string; message?: string };
    body = json;
    if (typeof json.error_code === 'string') code = json.error_code;
    if (typeof json.message === 'string') message = json.message;
  } catch {
    // not JSON: keep the text
  }
  const request = describeRequest(method, url);
  return MlflowError.fromCode(code, `${request} failed with HTTP ${status}: ${message.slice(0, 2000)}`, {
    http: { status, body, request },
  });
}

/** Throws {@link httpError} for a non-2xx response (reading its body); returns for 2xx. */
export async function raiseForStatus(res: HttpResponse, method: string, url: URL): Promise<void> {
  if (res.status >= 200 && res.status < 300) return;
  throw httpError(res.status, await readText(res), method, url);
}
