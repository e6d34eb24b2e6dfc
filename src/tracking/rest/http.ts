/**
 * HTTP to an MLflow server, as MLflow 3.18's Python client does it (`mlflow/utils/rest_utils.py`,
 * `mlflow/utils/request_utils.py`, `mlflow/utils/credentials.py`): the same environment variables,
 * auth headers, TLS options, retry rules and error mapping, over ky. Per-call timeouts, a total time
 * cap across retries, and typed {@link MlflowError}s that never carry credentials.
 */

import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ky, { type KyInstance, TimeoutError } from 'ky';
import { redactUri } from '../../config/uri.js';
import { MLFLOW_REFERENCE_VERSION, VERSION } from '../../version.js';
import {
  ErrorCode,
  errorCodeForHttpStatus,
  type HttpErrorDetails,
  InvalidParameterError,
  MlflowError,
} from '../errors.js';

/** The environment variables the REST transport reads, as MLflow names them. */
export const REST_ENV = {
  TRACKING_USERNAME: 'MLFLOW_TRACKING_USERNAME',
  TRACKING_PASSWORD: 'MLFLOW_TRACKING_PASSWORD',
  TRACKING_TOKEN: 'MLFLOW_TRACKING_TOKEN',
  TRACKING_INSECURE_TLS: 'MLFLOW_TRACKING_INSECURE_TLS',
  TRACKING_SERVER_CERT_PATH: 'MLFLOW_TRACKING_SERVER_CERT_PATH',
  TRACKING_CLIENT_CERT_PATH: 'MLFLOW_TRACKING_CLIENT_CERT_PATH',
  TRACKING_AUTH: 'MLFLOW_TRACKING_AUTH',
  TRACKING_AWS_SIGV4: 'MLFLOW_TRACKING_AWS_SIGV4',
  HTTP_REQUEST_TIMEOUT: 'MLFLOW_HTTP_REQUEST_TIMEOUT',
  HTTP_REQUEST_MAX_RETRIES: 'MLFLOW_HTTP_REQUEST_MAX_RETRIES',
  HTTP_REQUEST_BACKOFF_FACTOR: 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR',
  HTTP_REQUEST_BACKOFF_JITTER: 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER',
  HTTP_RESPECT_RETRY_AFTER_HEADER: 'MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER',
  HTTP_REQUEST_MAX_RETRIES_LIMIT: '_MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT',
  HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT: '_MLFLOW_HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT',
  /** This SDK's own: the total time cap across retries, in milliseconds. */
  HTTP_TOTAL_TIMEOUT_MS: 'MLFLOW_GENAI_HTTP_TOTAL_TIMEOUT_MS',
} as const;

/** MLflow's defaults (`mlflow/environment_variables.py`), in milliseconds where MLflow uses seconds. */
export const REST_DEFAULTS = {
  requestTimeoutMs: 120_000,
  maxRetries: 7,
  backoffFactorMs: 2_000,
  backoffJitterMs: 1_000,
  respectRetryAfter: true,
  maxRetriesLimit: 10,
  maxBackoffFactorMs: 120_000,
  /** urllib3's `Retry.DEFAULT_BACKOFF_MAX`: no single backoff wait is longer. */
  maxBackoffMs: 120_000,
  /** Ours: seven retries with MLflow's backoff take ~4 min; long per-call timeouts could take 16. */
  totalTimeoutMs: 600_000,
} as const;

/** Statuses MLflow retries (`_TRANSIENT_FAILURE_RESPONSE_CODES`). */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** Statuses that prove the server did not process the request (`_UNPROCESSED_REQUEST_RESPONSE_CODES`). */
const UNPROCESSED_STATUSES: ReadonlySet<number> = new Set([408, 429]);
/** Statuses whose `Retry-After` urllib3 honours (`Retry.RETRY_AFTER_STATUS_CODES`). */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([413, 429, 503]);
/** Failures before a connection exists: the server cannot have seen the request. */
const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
/** The peer closed the connection: on a reused keep-alive socket, usually its idle timeout. */
const CLOSED_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);
const TLS_ERROR = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;
const MAX_TIMER_MS = 2_147_483_647;

/** Options of the REST tracking store and its transport; each falls back to MLflow's environment variable, then MLflow's default. */
export interface RestStoreOptions {
  /** Basic-auth user (`MLFLOW_TRACKING_USERNAME`, `~/.mlflow/credentials`, the URI's user info); used only with a password, as MLflow does. */
  username?: string;
  /** Basic-auth password (`MLFLOW_TRACKING_PASSWORD`, `~/.mlflow/credentials`, the URI's user info). */
  password?: string;
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`); as in MLflow, a username and password take precedence. */
  token?: string;
  /** Skip TLS certificate verification (`MLFLOW_TRACKING_INSECURE_TLS`); never together with `serverCertPath`. */
  insecureTls?: boolean;
  /** PEM CA bundle that replaces the default trust store (`MLFLOW_TRACKING_SERVER_CERT_PATH`). */
  serverCertPath?: string;
  /** PEM file with the client certificate and its private key (`MLFLOW_TRACKING_CLIENT_CERT_PATH`). */
  clientCertPath?: string;
  /** Timeout of one HTTP attempt (`MLFLOW_HTTP_REQUEST_TIMEOUT`, seconds there; 120 s by default). */
  requestTimeoutMs?: number;
  /** Retries after the first attempt (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, 7 by default, at most 10). */
  maxRetries?: number;
  /** Exponential backoff base (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`, seconds there; 2 s by default). */
  backoffFactorMs?: number;
  /** Extra random wait added to each backoff (`MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`, seconds there; 1 s by default). */
  backoffJitterMs?: number;
  /** Wait as long as a 413/429/503 `Retry-After` asks (`MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER`, true by default). */
  respectRetryAfter?: boolean;
  /** Cap on one call's attempts and waits together (`MLFLOW_GENAI_HTTP_TOTAL_TIMEOUT_MS`, 10 min by default). */
  totalTimeoutMs?: number;
  /** Extra request headers (e.g. for a proxy in front of the server). */
  headers?: Record<string, string>;
  /** MLflow's credentials file; null to ignore it. `~/.mlflow/credentials` by default. */
  credentialsFile?: string | null;
  /** Environment to read instead of `process.env` (tests, embedding). */
  env?: NodeJS.ProcessEnv;
}

/** One MLflow REST endpoint and whether repeating it after the server processed it is harmless. */
export interface RestEndpoint {
  /** HTTP method; GET sends the payload as query parameters, the others as a JSON body. */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the server URL, e.g. `/api/2.0/mlflow/runs/get`. */
  path: string;
  /**
   * True for reads and for writes the server applies idempotently (MLflow's `_RETRY_SAFE_POST_RESPONSES`):
   * they are retried on 5xx, timeouts and dropped connections. Other writes are retried only when
   * the request provably was not processed (408, 429, connection refused).
   */
  idempotent: boolean;
}

/** Per-call options of {@link RestClient.call}, for the calls that are not plain proto JSON. */
export interface RestCallOptions<T> {
  /** A body sent as is instead of the JSON payload (e.g. OTLP protobuf), with its content type. */
  body?: { data: Uint8Array; contentType: string };
  /** Extra request headers for this call. */
  headers?: Record<string, string>;
  /** Reads a successful response's text; by default a JSON object (`{}` when empty). */
  parse?: (text: string, requestLine: string) => T;
  /** This call's attempt timeout, instead of the client's. */
  requestTimeoutMs?: number;
  /** This call's retries, instead of the client's. */
  maxRetries?: number;
}

/** Settings in force for a {@link RestClient}, after options, environment and defaults. */
export interface RestHttpSettings {
  requestTimeoutMs: number;
  maxRetries: number;
  backoffFactorMs: number;
  backoffJitterMs: number;
  respectRetryAfter: boolean;
  totalTimeoutMs: number;
  /** `basic`, `bearer` or none; the secret itself is never exposed. */
  auth: 'basic' | 'bearer' | 'none';
  insecureTls: boolean;
  serverCertPath: string | undefined;
  clientCertPath: string | undefined;
}

type Failure =
  | { kind: 'status'; status: number; headers: Record<string, string>; text: string; retryAfterMs: number | undefined }
  | { kind: 'network'; code: string; connect: boolean; stale: boolean; tls: boolean; error: unknown }
  | { kind: 'timeout'; timeoutMs: number; byCap: boolean; error: unknown };

/**
 * A transport bound to one MLflow server: resolves auth and TLS once, then sends requests with
 * MLflow's retry rules under a per-attempt timeout and a total cap. Settings are fixed at construction.
 */
export class RestClient {
  /** Server URL without credentials or trailing slash. */
  readonly baseUrl: string;
  /** The settings in force (no secrets). */
  readonly settings: Readonly<RestHttpSettings>;
  readonly #ky: KyInstance;
  readonly #agents: Agents;
  #closed = false;

  constructor(uri: string, options: RestStoreOptions = {}) {
    const env = options.env ?? process.env;
    const { base, urlUser, urlPassword } = splitCredentials(uri);
    this.baseUrl = base;

    const insecureTls = options.insecureTls ?? readBool(env, REST_ENV.TRACKING_INSECURE_TLS, false);
    const serverCertPath = options.serverCertPath ?? readStr(env, REST_ENV.TRACKING_SERVER_CERT_PATH);
    const clientCertPath = options.clientCertPath ?? readStr(env, REST_ENV.TRACKING_CLIENT_CERT_PATH);
    if (insecureTls && serverCertPath !== undefined) {
      // MLflow's MlflowHostCreds refuses the same pair, with this explanation.
      throw new InvalidParameterError(
        "When 'ignore_tls_verification' is true then 'server_cert_path' must not be set! This error may have " +
          "occurred because the 'MLFLOW_TRACKING_INSECURE_TLS' and 'MLFLOW_TRACKING_SERVER_CERT_PATH' environment " +
          'variables are both set - only one of these environment variables may be set.',
      );
    }
    if (readStr(env, REST_ENV.TRACKING_AUTH) !== undefined) {
      throw new MlflowError(
        `${REST_ENV.TRACKING_AUTH} names a Python request-auth plugin, which mlflow-genai cannot load. ` +
          `Unset it and use ${REST_ENV.TRACKING_TOKEN} or ${REST_ENV.TRACKING_USERNAME}/${REST_ENV.TRACKING_PASSWORD}.`,
        ErrorCode.NOT_IMPLEMENTED,
      );
    }
    if (readBool(env, REST_ENV.TRACKING_AWS_SIGV4, false)) {
      throw new MlflowError(
        `${REST_ENV.TRACKING_AWS_SIGV4} (AWS SigV4 request signing) is not supported by mlflow-genai yet.`,
        ErrorCode.NOT_IMPLEMENTED,
      );
    }

    const fileCreds = readCredentialsFile(
      options.credentialsFile === undefined ? defaultCredentialsFile() : options.credentialsFile,
    );
    // MLflow: environment before the credentials file; the URI's user info is what requests falls back to.
    const username = options.username ?? readStr(env, REST_ENV.TRACKING_USERNAME) ?? fileCreds.username ?? urlUser;
    const password = options.password ?? readStr(env, REST_ENV.TRACKING_PASSWORD) ?? fileCreds.password ?? urlPassword;
    const token = options.token ?? readStr(env, REST_ENV.TRACKING_TOKEN);
    let authorization: string | undefined;
    let auth: RestHttpSettings['auth'] = 'none';
    // MLflow's http_request: basic auth when both halves are set, else the bearer token.
    if (username && password) {
      authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
      auth = 'basic';
    } else if (token) {
      authorization = `Bearer ${token}`;
      auth = 'bearer';
    }

    const maxRetriesLimit = readInt(env, REST_ENV.HTTP_REQUEST_MAX_RETRIES_LIMIT) ?? REST_DEFAULTS.maxRetriesLimit;
    const maxBackoffFactorMs =
      secondsToMs(readNum(env, REST_ENV.HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT)) ?? REST_DEFAULTS.maxBackoffFactorMs;
    const settings: RestHttpSettings = {
      requestTimeoutMs:
        options.requestTimeoutMs ??
        secondsToMs(readNum(env, REST_ENV.HTTP_REQUEST_TIMEOUT)) ??
        REST_DEFAULTS.requestTimeoutMs,
      maxRetries: options.maxRetries ?? readInt(env, REST_ENV.HTTP_REQUEST_MAX_RETRIES) ?? REST_DEFAULTS.maxRetries,
      backoffFactorMs:
        options.backoffFactorMs ??
        secondsToMs(readNum(env, REST_ENV.HTTP_REQUEST_BACKOFF_FACTOR)) ??
        REST_DEFAULTS.backoffFactorMs,
      backoffJitterMs:
        options.backoffJitterMs ??
        secondsToMs(readNum(env, REST_ENV.HTTP_REQUEST_BACKOFF_JITTER)) ??
        REST_DEFAULTS.backoffJitterMs,
      respectRetryAfter:
        options.respectRetryAfter ??
        readBool(env, REST_ENV.HTTP_RESPECT_RETRY_AFTER_HEADER, REST_DEFAULTS.respectRetryAfter),
      totalTimeoutMs:
        options.totalTimeoutMs ?? readNum(env, REST_ENV.HTTP_TOTAL_TIMEOUT_MS) ?? REST_DEFAULTS.totalTimeoutMs,
      auth,
      insecureTls,
      serverCertPath,
      clientCertPath,
    };
    checkSettings(settings, maxRetriesLimit, maxBackoffFactorMs);
    this.settings = Object.freeze(settings);

    this.#agents = { http: new http.Agent({ keepAlive: true }), https: makeTlsAgent(settings) };
    const headers: Record<string, string> = {
      'User-Agent': `mlflow-genai/${VERSION} (mlflow ${MLFLOW_REFERENCE_VERSION})`,
      ...options.headers,
    };
    if (authorization) headers.Authorization = authorization;
    this.#ky = ky.create({
      headers,
      // Retries, timeouts and error mapping are ours (below): ky sends one attempt and hands back any status.
      retry: 0,
      throwHttpErrors: false,
      fetch: nodeFetch(this.#agents),
    });
  }

  /** The server URL with credentials removed, for messages. */
  get redactedUrl(): string {
    return redactUri(this.baseUrl);
  }

  /**
   * Calls an endpoint and returns its parsed JSON object (`{}` for an empty 200). Throws the server's
   * MlflowError (with status, headers, body and request kept), or TEMPORARILY_UNAVAILABLE /
   * DEADLINE_EXCEEDED when the server cannot be reached within the retry budget. `options` send a
   * raw body or extra headers, read a non-JSON answer, or change this call's timeout and retries.
   */
  async call<T = Record<string, unknown>>(
    endpoint: RestEndpoint,
    payload: Record<string, unknown> = {},
    options: RestCallOptions<T> = {},
  ): Promise<T> {
    if (this.#closed) {
      throw new MlflowError(`The REST tracking store for ${this.redactedUrl} is closed.`, ErrorCode.INVALID_STATE);
    }
    const s = {
      ...this.settings,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    };
    const url = this.baseUrl + endpoint.path;
    const requestLine = `${endpoint.method} ${new URL(url).pathname}`;
    // GET sends the payload as query parameters; every other method as a JSON body, as requests does.
    const body = endpoint.method === 'GET' ? undefined : options.body ? options.body.data : JSON.stringify(payload);
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['Content-Type'] = options.body ? options.body.contentType : 'application/json';
    const searchParams = endpoint.method === 'GET' ? toSearchParams(payload) : undefined;
    const parse = options.parse ?? parseOk<T>;
    const started = Date.now();
    const deadline = started + s.totalTimeoutMs;
    let attempts = 0;
    let staleRetried = false;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining < 1) throw deadlineError(requestLine, attempts, s.totalTimeoutMs, undefined);
      const timeoutMs = Math.min(s.requestTimeoutMs, remaining, MAX_TIMER_MS);
      attempts += 1;
      let failure: Failure;
      try {
        const res = await this.#ky(url, {
          method: endpoint.method,
          timeout: timeoutMs,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(searchParams ? { searchParams } : {}),
        });
        const text = await res.text();
        if (res.ok) return parse(text, requestLine);
        failure = {
          kind: 'status',
          status: res.status,
          headers: Object.fromEntries(res.headers),
          text,
          retryAfterMs:
            s.respectRetryAfter && RETRY_AFTER_STATUSES.has(res.status)
              ? parseRetryAfter(res.headers.get('retry-after'))
              : undefined,
        };
      } catch (err) {
        failure = classifyThrown(err, timeoutMs, timeoutMs < s.requestTimeoutMs);
      }
      if (failure.kind === 'timeout' && failure.byCap) {
        throw deadlineError(requestLine, attempts, s.totalTimeoutMs, failure);
      }
      // A reused keep-alive connection the server had already closed: the request never reached
      // it, so even a create is sent again, once, on a fresh connection (as browsers do).
      const stale = failure.kind === 'network' && failure.stale && !endpoint.idempotent && !staleRetried;
      if (stale) staleRetried = true;
      if ((!stale && !isRetryable(failure, endpoint.idempotent)) || attempts > s.maxRetries) {
        throw finalError(failure, requestLine, attempts, this.redactedUrl, Date.now() - started);
      }
      const wait = stale
        ? 0
        : failure.kind === 'status' && failure.retryAfterMs !== undefined
          ? failure.retryAfterMs
          : this.#backoff(attempts);
      if (Date.now() + wait >= deadline) throw deadlineError(requestLine, attempts, s.totalTimeoutMs, failure, wait);
      if (wait > 0) await sleep(wait);
    }
  }

  /**
   * Wait before retry `n` (1-based): urllib3's exponential ceiling (none before the first retry,
   * then factor·2^(n-1), at most 120 s), drawn with full jitter so that many SDK processes hitting
   * one server do not retry in lockstep, plus MLflow's additive jitter.
   */
  #backoff(retry: number): number {
    const s = this.settings;
    const ceiling = retry <= 1 ? 0 : Math.min(REST_DEFAULTS.maxBackoffMs, s.backoffFactorMs * 2 ** (retry - 1));
    return Math.random() * ceiling + Math.random() * s.backoffJitterMs;
  }

  /** Frees pooled connections; later calls fail with INVALID_STATE. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

// ------------------------------------------------------------------------------------------ retry

function isRetryable(failure: Failure, idempotent: boolean): boolean {
  switch (failure.kind) {
    case 'status':
      if (idempotent) return TRANSIENT_STATUSES.has(failure.status) || failure.retryAfterMs !== undefined;
      return UNPROCESSED_STATUSES.has(failure.status);
    case 'network':
      // A certificate problem does not heal by retrying.
      if (failure.tls) return false;
      return failure.connect || idempotent;
    case 'timeout':
      // The request may have been processed: only reads and idempotent writes are sent again.
      return idempotent;
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function classifyThrown(err: unknown, timeoutMs: number, byCap: boolean): Failure {
  if (err instanceof TimeoutError || (err as Error | null)?.name === 'TimeoutError') {
    return { kind: 'timeout', timeoutMs, byCap, error: err };
  }
  if (err instanceof MlflowError) throw err;
  const code = errorCode(err);
  if (code === undefined) {
    // Not a network failure (a bug, or an abort we did not ask for): surface it as is.
    throw new MlflowError(`REST request failed: ${(err as Error)?.message ?? String(err)}`, ErrorCode.INTERNAL_ERROR, {
      cause: err,
    });
  }
  return {
    kind: 'network',
    code,
    connect: CONNECT_ERROR_CODES.has(code),
    stale: CLOSED_ERROR_CODES.has(code) && onReusedSocket(err),
    tls: TLS_ERROR.test(code),
    error: err,
  };
}

/** True when the failed request went out on a keep-alive socket that had carried an earlier exchange. */
function onReusedSocket(err: unknown): boolean {
  return (err as { reusedSocket?: unknown } | null)?.reusedSocket === true;
}

/** The system error code behind a failed request (possibly wrapped in `cause` or an AggregateError). */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    e = inner ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  let message = (err as Error)?.message ?? String(err);
  for (let depth = 0; depth < 6 && e; depth++) {
    const m = (e as Error).message;
    if (m && m !== 'fetch failed') message = m;
    e = (e as { errors?: unknown[] }).errors?.[0] ?? (e as { cause?: unknown }).cause;
  }
  return message;
}

// ------------------------------------------------------------------------------------------ errors

function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'status':
      return `HTTP ${failure.status}${failure.retryAfterMs === undefined ? '' : ` (Retry-After ${Math.round(failure.retryAfterMs / 1000)} s)`}`;
    case 'network':
      return rootMessage(failure.error);
    case 'timeout':
      return `no response within ${failure.timeoutMs} ms`;
  }
}

function deadlineError(
  requestLine: string,
  attempts: number,
  capMs: number,
  last: Failure | undefined,
  nextWaitMs?: number,
): MlflowError {
  const parts = [
    `${requestLine} did not succeed within the total time cap of ${formatSeconds(capMs)}`,
    `${attempts} attempt${attempts === 1 ? '' : 's'}`,
  ];
  if (last) parts.push(`last error: ${describeFailure(last)}`);
  if (nextWaitMs !== undefined) parts.push(`the next retry would have waited ${formatSeconds(nextWaitMs)}`);
  const message = `${parts[0]} (${parts.slice(1).join('; ')}). Raise the cap with the totalTimeoutMs option or ${REST_ENV.HTTP_TOTAL_TIMEOUT_MS}.`;
  const http = last?.kind === 'status' ? httpDetails(last, requestLine) : undefined;
  return new MlflowError(message, ErrorCode.DEADLINE_EXCEEDED, {
    ...(http ? { http } : {}),
    ...(last && last.kind !== 'status' ? { cause: last.error } : {}),
  });
}

function finalError(
  failure: Failure,
  requestLine: string,
  attempts: number,
  server: string,
  elapsedMs: number,
): MlflowError {
  const tries = attempts > 1 ? ` after ${attempts} attempts over ${formatSeconds(elapsedMs)}` : '';
  switch (failure.kind) {
    case 'status': {
      const err = mlflowErrorFromResponse(failure, requestLine);
      if (!tries) return err;
      return MlflowError.fromCode(
        err.errorCode,
        `${err.message} (${requestLine}${tries})`,
        err.http ? { http: err.http } : {},
      );
    }
    case 'timeout':
      return new MlflowError(
        `${requestLine} to ${server} timed out: no response within ${formatSeconds(failure.timeoutMs)}${tries}. ` +
          `To increase the timeout, set the environment variable ${REST_ENV.HTTP_REQUEST_TIMEOUT} (seconds) to a larger value.`,
        ErrorCode.DEADLINE_EXCEEDED,
        { cause: failure.error },
      );
    case 'network':
      if (failure.tls) {
        return new MlflowError(
          `${requestLine} to ${server} failed TLS verification: ${rootMessage(failure.error)}. Point ` +
            `${REST_ENV.TRACKING_SERVER_CERT_PATH} at the server's CA bundle, or (tests only) set ${REST_ENV.TRACKING_INSECURE_TLS}=true.`,
          ErrorCode.INTERNAL_ERROR,
          { cause: failure.error },
        );
      }
      return new MlflowError(
        `Could not reach the MLflow server at ${server}: ${requestLine} failed${tries || ' after 1 attempt'}: ${rootMessage(failure.error)}`,
        ErrorCode.TEMPORARILY_UNAVAILABLE,
        { cause: failure.error },
      );
  }
}

function httpDetails(failure: Extract<Failure, { kind: 'status' }>, requestLine: string): HttpErrorDetails {
  let body: unknown = failure.text;
  try {
    body = JSON.parse(failure.text);
  } catch {
    // not JSON: keep the text
  }
  return { status: failure.status, headers: failure.headers, body, request: requestLine };
}

/**
 * The MlflowError for a non-2xx response, as MLflow's `verify_rest_response` builds it: the server's
 * `{error_code, message}` when the body is a JSON object (an unknown code becomes INTERNAL_ERROR,
 * a numeric one is read as an HTTP status), else a code chosen by the HTTP status.
 */
export function mlflowErrorFromResponse(
  response: { status: number; headers?: Record<string, string>; text: string },
  requestLine: string,
): MlflowError {
  const http = httpDetails(
    {
      kind: 'status',
      status: response.status,
      headers: response.headers ?? {},
      text: response.text,
      retryAfterMs: undefined,
    },
    requestLine,
  );
  const json = http.body;
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const obj = json as Record<string, unknown>;
    const rawCode = obj.error_code;
    const message = typeof obj.message === 'string' ? obj.message : `Response: ${response.text}`;
    let code: string = ErrorCode.INTERNAL_ERROR;
    let shown = message;
    if (typeof rawCode === 'string' && Object.hasOwn(ErrorCode, rawCode)) code = rawCode;
    else if (rawCode !== undefined && rawCode !== null && /^\d{3}$/.test(String(rawCode)))
      code = errorCodeForHttpStatus(Number(rawCode));
    else if (rawCode !== undefined && rawCode !== null && rawCode !== '') shown = `${String(rawCode)}: ${message}`;
    return MlflowError.fromCode(code, shown, { http });
  }
  const path = requestLine.slice(requestLine.indexOf(' ') + 1);
  const text = response.text.length > 1000 ? `${response.text.slice(0, 1000)}...` : response.text;
  return MlflowError.fromCode(
    errorCodeForHttpStatus(response.status),
    `API request to endpoint ${path} failed with error code ${response.status} != 200. Response body: '${text}'`,
    { http },
  );
}

function parseOk<T>(text: string, requestLine: string): T {
  // MLflow accepts an empty 200 (some proxies answer "200 OK") as `{}`.
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '200 OK') return {} as T;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    throw new MlflowError(
      `API request to endpoint ${requestLine} was successful but the response body was not in a valid JSON format. Response body: '${shown}'`,
      ErrorCode.INTERNAL_ERROR,
    );
  }
  return parsed as T;
}

// ------------------------------------------------------------------------------------------ settings

function splitCredentials(uri: string): { base: string; urlUser: string | undefined; urlPassword: string | undefined } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidParameterError(`Invalid tracking URI '${redactUri(uri)}': not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidParameterError(`Invalid tracking URI '${redactUri(uri)}': the REST store needs http(s).`);
  }
  const urlUser = url.username ? decodeURIComponent(url.username) : undefined;
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  // fetch refuses URLs with user info; they become an Authorization header instead.
  url.username = '';
  url.password = '';
  return { base: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), urlUser, urlPassword };
}

function checkSettings(s: RestHttpSettings, maxRetriesLimit: number, maxBackoffFactorMs: number): void {
  // MLflow's _validate_max_retries / _validate_backoff_factor, with its messages.
  if (!Number.isInteger(s.maxRetries) || s.maxRetries < 0) {
    throw new InvalidParameterError(`The max_retries value must be either 0 a positive integer. Got ${s.maxRetries}`);
  }
  if (s.maxRetries > maxRetriesLimit) {
    throw new InvalidParameterError(
      `The configured max_retries value (${s.maxRetries}) is in excess of the maximum allowable retries (${maxRetriesLimit})`,
    );
  }
  if (!(s.backoffFactorMs >= 0)) {
    throw new InvalidParameterError(
      `The backoff_factor value must be either 0 a positive integer. Got ${s.backoffFactorMs / 1000}`,
    );
  }
  if (s.backoffFactorMs > maxBackoffFactorMs) {
    throw new InvalidParameterError(
      `The configured backoff_factor value (${s.backoffFactorMs / 1000}) is in excess of the maximum allowable backoff_factor limit (${maxBackoffFactorMs / 1000})`,
    );
  }
  for (const [name, value] of [
    ['requestTimeoutMs', s.requestTimeoutMs],
    ['totalTimeoutMs', s.totalTimeoutMs],
  ] as const) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new InvalidParameterError(`Invalid ${name} ${value}: it must be a positive number of milliseconds.`);
    }
  }
  if (!(s.backoffJitterMs >= 0) || !Number.isFinite(s.backoffJitterMs)) {
    throw new InvalidParameterError(
      `Invalid backoffJitterMs ${s.backoffJitterMs}: it must be a non-negative number of milliseconds.`,
    );
  }
}

function readStr(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function readNum(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = readStr(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidParameterError(`Invalid value '${raw}' for environment variable ${name}: expected a number.`);
  }
  return n;
}

function readInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = readNum(env, name);
  if (n !== undefined && !Number.isInteger(n)) {
    throw new InvalidParameterError(
      `Invalid value '${env[name]}' for environment variable ${name}: expected an integer.`,
    );
  }
  return n;
}

function readBool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = readStr(env, name);
  if (raw === undefined) return fallback;
  // MLflow's _BooleanEnvironmentVariable accepts exactly these and raises on anything else.
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new InvalidParameterError(
    `${name} value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got ${raw}`,
  );
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

function defaultCredentialsFile(): string {
  return join(homedir(), '.mlflow', 'credentials');
}

/** MLflow's `~/.mlflow/credentials`: an INI file whose `[mlflow]` section names the user and password. */
function readCredentialsFile(path: string | null): { username?: string; password?: string } {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const out: { username?: string; password?: string } = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'mlflow') continue;
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'mlflow_tracking_username') out.username = m[2]!;
    if (key === 'mlflow_tracking_password') out.password = m[2]!;
  }
  return out;
}

function toSearchParams(payload: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    // requests sends a list as the key repeated, as the server's GET parser expects.
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  return params;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

// ------------------------------------------------------------------------------------------ transport

/** Keep-alive connection pools, one per scheme. */
interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * The agent for HTTPS. Node's global fetch (undici) takes TLS options only through an undici
 * `Agent`, which cannot be imported without the undici package; a node:https Agent takes them as is.
 */
function makeTlsAgent(s: RestHttpSettings): https.Agent {
  const options: https.AgentOptions = { keepAlive: true };
  if (s.insecureTls) options.rejectUnauthorized = false;
  if (s.serverCertPath !== undefined) options.ca = readPem(s.serverCertPath, REST_ENV.TRACKING_SERVER_CERT_PATH);
  if (s.clientCertPath !== undefined) {
    // requests' `cert=<path>`: one PEM holding the certificate and its key; OpenSSL picks each block.
    const pem = readPem(s.clientCertPath, REST_ENV.TRACKING_CLIENT_CERT_PATH);
    options.cert = pem;
    options.key = pem;
  }
  return new https.Agent(options);
}

function readPem(path: string, what: string): string {
  try {
    if (statSync(path).isDirectory()) {
      throw new InvalidParameterError(`${what} '${path}' is a directory; give a PEM file.`);
    }
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    throw new InvalidParameterError(`Cannot read ${what} '${path}': ${(err as Error).message}`);
  }
}

const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

interface RawResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The fetch ky calls: node:http(s) on keep-alive agents. It carries the TLS options (see
 * makeTlsAgent), costs about half of undici's fetch per request on loopback, and reports
 * `reusedSocket`, which tells a stale keep-alive connection from a request the server dropped.
 * Bodies are read before the response resolves (MLflow's REST bodies are small JSON), so ky's
 * per-attempt timeout covers a server that stalls mid-body; redirects are followed as fetch does.
 */
function nodeFetch(agents: Agents): (input: Request | URL | string, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    let url = new URL(request.url);
    let method = request.method;
    let body: Buffer | undefined = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    for (let hop = 0; ; hop++) {
      if (body) headers['content-length'] = String(body.length);
      const res = await send(url, method, headers, body, request.signal, agents);
      const location = res.headers.location;
      if (!REDIRECT_STATUSES.has(res.status) || !location || hop >= MAX_REDIRECTS) {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const one of v) out.append(k, one);
          else if (v !== undefined) out.set(k, v);
        }
        return new Response(NULL_BODY_STATUSES.has(res.status) ? null : res.body, {
          status: res.status,
          statusText: res.statusText,
          headers: out,
        });
      }
      const next = new URL(location, url);
      // Fetch's rules: 303, and 301/302 after a POST, continue as a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      // Credentials are for the server they were configured for, not wherever it redirects to.
      if (next.origin !== url.origin) delete headers.authorization;
      url = next;
    }
  };
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal,
  agents: Agents,
): Promise<RawResponse> {
  const tls = url.protocol === 'https:';
  return new Promise<RawResponse>((resolve, reject) => {
    const req = (tls ? https : http).request(
      url,
      { method, headers, signal, agent: tls ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 500,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', (err: Error & { reusedSocket?: boolean }) => {
      // Node's documented signal for a keep-alive race; see onReusedSocket.
      err.reusedSocket = req.reusedSocket;
      reject(err);
    });
    req.end(body);
  });
}
