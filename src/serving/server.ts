/**
 * The scoring server: `mlflow models serve` for models saved by this SDK, on fastify (imported on first
 * use), speaking MLflow 3.18's protocol (see {@link invocations}). Beyond MLflow's server it bounds the
 * request body and the number of concurrent predictions, logs one access line per request, can trace each
 * invocation, and shuts down gracefully: on close (or SIGTERM, with {@link runScoringServer}) it stops
 * accepting connections, answers requests that still arrive on open connections with 503, lets in-flight
 * requests finish, then resolves.
 *
 * `workers > 1` runs a node:cluster of processes sharing the port. As with any cluster, each worker runs
 * the program from the start, so the program must reach the same `serve()` call in the workers (the
 * `mlflow-genai serve` command does); the worker loads the model and serves, the primary supervises.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LimitFunction } from 'p-limit';
import { readEnv } from '../config/env.js';
import { loadModel } from '../pyfunc/load.js';
import { runUnderRemoteParent, withSpan } from '../tracing/api.js';
import { parseTraceparent } from '../tracing/distributed.js';
import type { MlflowClient } from '../tracking/client.js';
import { SpanType } from '../tracking/entities/index.js';
import { ErrorCode, invalidParameter, MlflowError } from '../tracking/errors.js';
import { MLFLOW_REFERENCE_VERSION } from '../version.js';
import { ScoringError } from './errors.js';
import { unwrapNumpy } from './numpy.js';
import {
  CONTENT_TYPE_JSON,
  errorResponse,
  isScoringResponse,
  parseInvocation,
  predictInvocation,
  type ScorableModel,
  type ScoringResponse,
} from './protocol.js';

/** Environment variables the server reads, as MLflow's `mlflow models serve` names them. */
export const SERVING_ENV = {
  /** Request timeout in seconds (MLflow's default 60). */
  REQUEST_TIMEOUT: 'MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT',
  /** Interface to bind (default 127.0.0.1). */
  HOST: 'MLFLOW_HOST',
  /** Port (default 5000). */
  PORT: 'MLFLOW_PORT',
  /** Worker processes (default 1). */
  WORKERS: 'MLFLOW_MODELS_WORKERS',
} as const;

/** Set in the environment of the cluster workers the primary forks (with the port they share). */
const WORKER_ENV = 'MLFLOW_GENAI_SERVING_WORKER_PORT';

/** Default body-size limit: 100 MiB (MLflow's server has none; fastify's default of 1 MiB is too small for batches). */
export const DEFAULT_BODY_LIMIT_BYTES = 100 * 1024 * 1024;
/** Default bound on concurrent predictions: 40, the size of the thread pool MLflow's server predicts on. */
export const DEFAULT_MAX_CONCURRENCY = 40;

/** One access-log entry. */
export interface AccessLogEntry {
  /** Client address and port. */
  remoteAddress: string;
  remotePort: number | undefined;
  /** HTTP method and path (with query). */
  method: string;
  url: string;
  /** HTTP version, e.g. `1.1`. */
  httpVersion: string;
  /** Response status. */
  status: number;
  /** Time from the request's arrival to the response's end, in milliseconds. */
  durationMs: number;
  /** The formatted line, `127.0.0.1:50123 - "POST /invocations HTTP/1.1" 200 1.2ms`. */
  line: string;
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /**
   * The model to serve: a local path, `runs:/<run>/<name>`, `models:/<name>/<version>`,
   * `models:/<name>@<alias>`, `models:/<model id>` or an artifact URI (loaded with `loadModel`).
   */
  modelUri?: string;
  /** A loaded model to serve instead of `modelUri` (single process only). */
  model?: ScorableModel;
  /** Client resolving `runs:/` and `models:/` URIs; the fluent API's client by default. */
  client?: MlflowClient;
  /** Interface to bind; `MLFLOW_HOST`, else `127.0.0.1`. */
  host?: string;
  /** Port; `MLFLOW_PORT`, else 5000. `0` picks a free port (see the returned `port`). */
  port?: number;
  /** Worker processes (node:cluster); `MLFLOW_MODELS_WORKERS`, else 1. */
  workers?: number;
  /**
   * Seconds a request may take, queueing included, before it is answered 504 (`Request processing time
   * exceeded limit`); `MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT`, else 60.
   */
  timeoutSeconds?: number;
  /** Largest request body accepted; larger ones get 413 in MLflow's error JSON. Default 100 MiB. */
  bodyLimitBytes?: number;
  /** Predictions running at once; further requests wait their turn (within the timeout). Default 40. */
  maxConcurrency?: number;
  /**
   * One line per request: `true` (default) writes it with `log`, `false` disables it, a function receives
   * each {@link AccessLogEntry}.
   */
  accessLog?: boolean | ((entry: AccessLogEntry) => void);
  /** Where the server's own lines go (startup, shutdown, access log); default standard error; `false` for none. */
  log?: ((line: string) => void) | false;
  /**
   * Record a trace per invocation (a root `CHAIN` span named `/invocations` with the model input, params
   * and predictions) with the tracing configuration in effect. Default false.
   */
  tracing?: boolean;
  /**
   * With `tracing`: an invocation whose request carries a W3C `traceparent` header (from
   * `getTracingContextHeadersForHttpRequest()`, or Python MLflow's `get_tracing_context_headers_for_http_request()`)
   * records its `/invocations` span into the caller's trace, under the caller's span (distributed tracing).
   * A malformed header is ignored, as W3C Trace Context says: that invocation starts its own trace.
   * Default false: each invocation is a trace of its own.
   */
  joinCallerTrace?: boolean;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
  /** Longest wait for in-flight requests at shutdown before their connections are closed; default the timeout. */
  shutdownTimeoutSeconds?: number;
}

/** A running scoring server. */
export interface ScoringServer {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  /** Host it is bound to. */
  readonly host: string;
  /** Port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  /**
   * Shuts down gracefully: stops accepting connections, answers 503 to requests that still arrive on open
   * connections, waits for in-flight requests (up to the shutdown timeout), then resolves. Idempotent.
   */
  close(): Promise<void>;
  /** Resolves once the server has shut down (by `close()`, the abort signal or, in a worker, SIGTERM). */
  readonly closed: Promise<void>;
}

interface Settings {
  modelUri: string | undefined;
  client: MlflowClient | undefined;
  model: ScorableModel | undefined;
  host: string;
  port: number;
  workers: number;
  timeoutMs: number;
  bodyLimit: number;
  maxConcurrency: number;
  accessLog: ((entry: AccessLogEntry) => void) | undefined;
  log: (line: string) => void;
  tracing: boolean;
  joinCallerTrace: boolean;
  signal: AbortSignal | undefined;
  shutdownTimeoutMs: number;
}

function numberOption(
  name: string,
  given: number | undefined,
  envName: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  expected: string,
): number {
  let value: unknown = given;
  let from = `'${name}'`;
  let shown = JSON.stringify(given);
  if (value === undefined && envName !== undefined) {
    const raw = readEnv(envName);
    if (raw !== undefined) {
      value = Number(raw);
      from = envName;
      shown = JSON.stringify(raw);
    }
  }
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw invalidParameter(`serve: ${from} must be ${expected}, got ${shown}.`);
  }
  return value;
}

function resolveSettings(options: ServeOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw invalidParameter(`serve: options must be an object, got ${JSON.stringify(options)}.`);
  }
  const hasUri = options.modelUri !== undefined;
  const hasModel = options.model !== undefined;
  if (hasUri === hasModel) {
    throw invalidParameter(`serve: give exactly one of 'modelUri' and 'model' (got ${hasUri ? 'both' : 'neither'}).`);
  }
  if (hasUri && (typeof options.modelUri !== 'string' || options.modelUri.trim() === '')) {
    throw invalidParameter(`serve: 'modelUri' must be a non-empty string, got ${JSON.stringify(options.modelUri)}.`);
  }
  if (hasModel && typeof options.model?.predict !== 'function') {
    throw invalidParameter("serve: 'model' must be a loaded model (a PyFuncModel, with a predict method).");
  }
  const host = options.host ?? readEnv(SERVING_ENV.HOST) ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw invalidParameter(`serve: 'host' must be a non-empty string, got ${JSON.stringify(options.host)}.`);
  }
  const int = (n: number) => Number.isInteger(n);
  const port = numberOption(
    'port',
    options.port,
    SERVING_ENV.PORT,
    5000,
    (n) => int(n) && n >= 0 && n <= 65535,
    'a port number (0-65535)',
  );
  const workers = numberOption(
    'workers',
    options.workers,
    SERVING_ENV.WORKERS,
    1,
    (n) => int(n) && n >= 1,
    'a positive integer',
  );
  if (workers > 1 && hasModel) {
    throw invalidParameter(
      `serve: 'workers' (${workers}) needs 'modelUri': each worker process loads the model itself.`,
    );
  }
  const timeoutSeconds = numberOption(
    'timeoutSeconds',
    options.timeoutSeconds,
    SERVING_ENV.REQUEST_TIMEOUT,
    60,
    (n) => n > 0,
    'a number of seconds greater than 0',
  );
  const bodyLimit = numberOption(
    'bodyLimitBytes',
    options.bodyLimitBytes,
    undefined,
    DEFAULT_BODY_LIMIT_BYTES,
    (n) => int(n) && n > 0,
    'a positive integer',
  );
  const maxConcurrency = numberOption(
    'maxConcurrency',
    options.maxConcurrency,
    undefined,
    DEFAULT_MAX_CONCURRENCY,
    (n) => int(n) && n >= 1,
    'a positive integer',
  );
  const shutdownSeconds = numberOption(
    'shutdownTimeoutSeconds',
    options.shutdownTimeoutSeconds,
    undefined,
    timeoutSeconds,
    (n) => n >= 0,
    'a number of seconds (0 or more)',
  );
  if (options.log !== undefined && options.log !== false && typeof options.log !== 'function') {
    throw invalidParameter(`serve: 'log' must be a function or false, got ${JSON.stringify(options.log)}.`);
  }
  if (options.joinCallerTrace !== undefined && typeof options.joinCallerTrace !== 'boolean') {
    throw invalidParameter(
      `serve: 'joinCallerTrace' must be a boolean, got ${JSON.stringify(options.joinCallerTrace)}.`,
    );
  }
  const log = options.log === false ? () => {} : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  let accessLog: Settings['accessLog'];
  if (options.accessLog === undefined || options.accessLog === true) accessLog = (e) => log(e.line);
  else if (typeof options.accessLog === 'function') accessLog = options.accessLog;
  else if (options.accessLog !== false) {
    throw invalidParameter(
      `serve: 'accessLog' must be a boolean or a function, got ${JSON.stringify(options.accessLog)}.`,
    );
  }
  return {
    modelUri: options.modelUri,
    client: options.client,
    model: options.model,
    host,
    port,
    workers,
    timeoutMs: timeoutSeconds * 1000,
    bodyLimit,
    maxConcurrency,
    accessLog,
    log,
    tracing: options.tracing === true,
    joinCallerTrace: options.joinCallerTrace === true,
    signal: options.signal,
    shutdownTimeoutMs: shutdownSeconds * 1000,
  };
}

const TIMEOUT_BODY = 'Request processing time exceeded limit';
const JSON_HEADERS = { 'content-type': CONTENT_TYPE_JSON };
const EMPTY = new Uint8Array(0);
// Bodies are sent as buffers so that fastify keeps MLflow's content types as they are (no added charset).
const PING_BODY = Buffer.from('\n');
const VERSION_BODY = Buffer.from(MLFLOW_REFERENCE_VERSION);

function send(reply: FastifyReply, response: ScoringResponse): FastifyReply {
  return reply.code(response.status).header('content-type', response.contentType).send(Buffer.from(response.body));
}

function plain(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(Buffer.from(body));
}

function urlOf(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** Answers one invocation: parse, predict within the concurrency bound, optionally traced. */
function makeInvoker(model: ScorableModel, settings: Settings, limit: LimitFunction) {
  const predict = (
    parsed: Exclude<ReturnType<typeof parseInvocation>, ScoringResponse>,
    abandoned: () => boolean,
    traceparent: string | undefined,
  ) =>
    limit(async (): Promise<ScoringResponse> => {
      // A request that timed out while queued is not run at all.
      if (abandoned()) return { status: 504, contentType: CONTENT_TYPE_JSON, body: TIMEOUT_BODY };
      if (!settings.tracing) return predictInvocation(model, parsed);
      // A malformed traceparent is ignored, as W3C Trace Context says: the invocation starts its own trace.
      const caller = settings.joinCallerTrace && traceparent !== undefined ? parseTraceparent(traceparent) : undefined;
      if (caller === undefined) return tracedPrediction(model, parsed, null);
      return runUnderRemoteParent(caller, () => tracedPrediction(model, parsed, undefined));
    });
  return async (body: Uint8Array, contentType: string | undefined, traceparent?: string): Promise<ScoringResponse> => {
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ScoringResponse>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve({ status: 504, contentType: CONTENT_TYPE_JSON, body: TIMEOUT_BODY });
      }, settings.timeoutMs);
    });
    const work = (async () => {
      const parsed = parseInvocation(body, contentType, model.signature);
      if (isScoringResponse(parsed)) return parsed;
      return predict(parsed, () => timedOut, traceparent);
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The root `/invocations` span around a prediction: a trace of its own (`parent: null`), or under the caller's context. */
function tracedPrediction(
  model: ScorableModel,
  parsed: Exclude<ReturnType<typeof parseInvocation>, ScoringResponse>,
  parent: null | undefined,
): Promise<ScoringResponse> {
  return withSpan(
    {
      name: '/invocations',
      spanType: SpanType.CHAIN,
      parent,
      inputs: { data: unwrapNumpy(parsed.data), params: parsed.params ?? null },
    },
    async (span) => {
      const response = await predictInvocation(model, parsed);
      span.setAttribute('http.status_code', response.status);
      if (response.status === 200) span.setOutputs(response.predictions ?? null);
      else {
        span.setOutputs(null);
        span.setStatus({ statusCode: 'ERROR', description: response.body.slice(0, 1000) });
      }
      return response;
    },
  );
}

async function loadServedModel(settings: Settings): Promise<ScorableModel> {
  if (settings.model) return settings.model;
  return loadModel(settings.modelUri as string, settings.client ? { client: settings.client } : {});
}

/** Builds the fastify app (routes, body parsing, errors, access log, drain behaviour). */
async function buildApp(
  model: ScorableModel,
  settings: Settings,
  isClosing: () => boolean,
  stats: { inflight: number },
): Promise<FastifyInstance> {
  // Both loaded on first use: fastify is only needed to serve, and p-limit is ESM-only (the CJS build requires lazily).
  const [{ default: Fastify }, { default: pLimit }] = await Promise.all([import('fastify'), import('p-limit')]);
  const app = Fastify({
    logger: false,
    bodyLimit: settings.bodyLimit,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    exposeHeadRoutes: false,
    requestTimeout: 0,
  });
  const invoke = makeInvoker(model, settings, pLimit(settings.maxConcurrency));
  const originalContentType = new WeakMap<object, string>();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    // The protocol judges the Content-Type itself (MLflow's 415 messages): keep the client's, and let fastify
    // read every body as bytes, whatever type it names.
    const contentType = req.headers['content-type'];
    if (contentType !== undefined) {
      originalContentType.set(req.raw, contentType);
      req.headers['content-type'] = 'application/octet-stream';
    }
    if (!isClosing()) return;
    reply.header('connection', 'close');
    const e = new ScoringError('The scoring server is shutting down.', ErrorCode.TEMPORARILY_UNAVAILABLE);
    await send(reply, { ...errorResponse(e), status: 503 });
    return reply;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (isClosing()) reply.header('connection', 'close');
    return payload;
  });
  if (settings.accessLog) {
    const accessLog = settings.accessLog;
    app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
      const durationMs = reply.elapsedTime;
      const remoteAddress = req.socket.remoteAddress ?? '-';
      const remotePort = req.socket.remotePort;
      const entry: AccessLogEntry = {
        remoteAddress,
        remotePort,
        method: req.method,
        url: req.url,
        httpVersion: req.raw.httpVersion,
        status: reply.statusCode,
        durationMs,
        line: `${remoteAddress}:${remotePort ?? '-'} - "${req.method} ${req.url} HTTP/${req.raw.httpVersion}" ${reply.statusCode} ${durationMs.toFixed(1)}ms`,
      };
      try {
        accessLog(entry);
      } catch {
        // A failing access log never fails the request.
      }
    });
  }

  const ping = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(200).headers(JSON_HEADERS).send(PING_BODY);
  app.get('/ping', ping);
  app.get('/health', ping);
  app.get('/version', async (_req, reply) => reply.code(200).headers(JSON_HEADERS).send(VERSION_BODY));
  app.post('/invocations', async (req, reply) => {
    const body = (req.body as Buffer | undefined) ?? EMPTY;
    stats.inflight++;
    try {
      const traceparent = req.headers.traceparent;
      return send(
        reply,
        await invoke(body, originalContentType.get(req.raw), Array.isArray(traceparent) ? traceparent[0] : traceparent),
      );
    } finally {
      stats.inflight--;
    }
  });
  // FastAPI's answers for other methods on known paths and for unknown paths.
  const allowed: Record<string, string> = {
    '/ping': 'GET',
    '/health': 'GET',
    '/version': 'GET',
    '/invocations': 'POST',
  };
  for (const [path, allow] of Object.entries(allowed)) {
    const others = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].filter((m) => m !== allow);
    app.route({
      method: others as Array<'GET'>,
      url: path,
      handler: async (_req, reply) =>
        reply
          .code(405)
          .headers({ ...JSON_HEADERS, allow })
          .send(Buffer.from('{"detail":"Method Not Allowed"}')),
    });
  }
  app.setNotFoundHandler(async (_req, reply) =>
    reply.code(404).headers(JSON_HEADERS).send(Buffer.from('{"detail":"Not Found"}')),
  );
  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = new ScoringError(
        `The request body is larger than the server's limit of ${settings.bodyLimit} bytes (bodyLimitBytes).`,
        ErrorCode.REQUEST_LIMIT_EXCEEDED,
      );
      return send(reply, { ...errorResponse(e), status: 413 });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return plain(reply, err.statusCode ?? 400, err.message);
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return plain(reply, err.statusCode, err.message);
    }
    settings.log(`Exception in /invocations: ${err.stack ?? err.message}`);
    return plain(reply, 500, 'Internal Server Error');
  });
  return app;
}

/** One process serving: load the model, listen, close gracefully. */
async function serveSingle(settings: Settings, inWorker: boolean): Promise<ScoringServer> {
  const model = await loadServedModel(settings);
  let closing = false;
  const stats = { inflight: 0 };
  const app = await buildApp(model, settings, () => closing, stats);
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = urlOf(settings.host, port);
  if (!inWorker)
    settings.log(`Scoring server for ${settings.modelUri ?? 'the given model'} running on ${url} (pid ${process.pid})`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closePromise: Promise<void> | undefined;
  const onAbort = () => void close();
  const onSigterm = () => void close();
  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      settings.signal?.removeEventListener('abort', onAbort);
      if (inWorker) process.removeListener('SIGTERM', onSigterm);
      settings.log(
        `Shutting down the scoring server on ${url}${inWorker ? ` (worker ${process.pid})` : ''}: ` +
          `${stats.inflight} invocation(s) in flight, new connections refused`,
      );
      // In-flight requests get until the shutdown timeout; then their connections are closed.
      const force = setTimeout(() => app.server.closeAllConnections(), settings.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
        if (!inWorker) settings.log(`Scoring server on ${url} shut down`);
        // A worker's IPC channel would keep it alive: let it go so the process can exit.
        if (inWorker) cluster.worker?.disconnect();
        resolveClosed();
      }
    })();
    return closePromise;
  };
  if (settings.signal) {
    if (settings.signal.aborted) void close();
    else settings.signal.addEventListener('abort', onAbort, { once: true });
  }
  // A worker shuts down when the primary (or the process group) sends SIGTERM.
  if (inWorker) process.on('SIGTERM', onSigterm);
  return { url, host: settings.host, port, close, closed };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The cluster primary: forks the workers, waits until each listens, restarts crashed ones, stops them on close. */
async function servePrimary(settings: Settings): Promise<ScoringServer> {
  const port = settings.port === 0 ? await freePort(settings.host) : settings.port;
  const url = urlOf(settings.host, port);
  const workers = new Set<Worker>();
  let closing = false;
  let started = false;
  const restarts: number[] = [];
  const fork = () => {
    const worker = cluster.fork({ [WORKER_ENV]: String(port) });
    workers.add(worker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (closing || !started) return;
      // Replace a crashed worker, but not in a loop: at most 10 restarts a minute, each after a second.
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length >= 10) {
        settings.log(
          `Scoring worker ${worker.process.pid} exited (${signal ?? code}); too many restarts, not replacing it`,
        );
        return;
      }
      restarts.push(now);
      settings.log(`Scoring worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      setTimeout(() => {
        if (!closing) fork();
      }, 1000);
    });
    return worker;
  };
  const waiting = Array.from({ length: settings.workers }, () => {
    const worker = fork();
    return new Promise<void>((resolve, reject) => {
      worker.once('listening', () => resolve());
      worker.once('exit', (code, signal) =>
        reject(
          new MlflowError(
            `Scoring worker ${worker.process.pid} exited (${signal ?? code}) before listening on ${url}; see its output above.`,
            ErrorCode.INTERNAL_ERROR,
          ),
        ),
      );
    });
  });
  try {
    await Promise.all(waiting);
  } catch (e) {
    closing = true;
    for (const w of workers) w.process.kill('SIGKILL');
    throw e;
  }
  started = true;
  settings.log(
    `Scoring server for ${settings.modelUri} running on ${url} with ${settings.workers} workers (primary pid ${process.pid})`,
  );

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closePromise: Promise<void> | undefined;
  const onAbort = () => void close();
  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      settings.signal?.removeEventListener('abort', onAbort);
      settings.log(`Shutting down the scoring server on ${url}: stopping ${workers.size} worker(s)`);
      const exits = [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      );
      const force = setTimeout(() => {
        for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      }, settings.shutdownTimeoutMs + 5000);
      await Promise.all(exits);
      clearTimeout(force);
      settings.log(`Scoring server on ${url} shut down`);
      resolveClosed();
    })();
    return closePromise;
  };
  if (settings.signal) {
    if (settings.signal.aborted) void close();
    else settings.signal.addEventListener('abort', onAbort, { once: true });
  }
  return { url, host: settings.host, port, close, closed };
}

/**
 * Serves a model with MLflow's scoring protocol (`mlflow models serve`): `GET /ping`, `GET /health`,
 * `GET /version`, `POST /invocations`. Resolves once the server listens (once every worker listens, with
 * `workers > 1`); shut it down with `close()` or the abort `signal`. Throws an `INVALID_PARAMETER_VALUE`
 * {@link MlflowError} naming a bad option, and the model loader's error when the model cannot be loaded.
 *
 * @example
 * ```ts
 * const server = await serve({ modelUri: 'models:/my-model@champion', port: 5001 });
 * // curl -X POST http://127.0.0.1:5001/invocations -H 'Content-Type: application/json' -d '{"inputs": ["hi"]}'
 * await server.close();
 * ```
 */
export async function serve(options: ServeOptions): Promise<ScoringServer> {
  const settings = resolveSettings(options);
  const workerPort = process.env[WORKER_ENV];
  if (cluster.isWorker && workerPort !== undefined) {
    return serveSingle({ ...settings, port: Number(workerPort), workers: 1 }, true);
  }
  if (settings.workers > 1) return servePrimary(settings);
  return serveSingle(settings, false);
}

/**
 * Serves until SIGTERM or SIGINT (or the abort `signal`), then shuts down gracefully and resolves: what the
 * `mlflow-genai serve` command runs. A second signal during the drain exits at once, as Node does by default.
 */
export async function runScoringServer(options: ServeOptions): Promise<void> {
  const server = await serve(options);
  const onSignal = () => void server.close();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await server.closed;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}
