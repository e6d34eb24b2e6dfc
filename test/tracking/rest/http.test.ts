// Fault injection for the REST transport. A tiny node:http server on an ephemeral loopback port
// produces what a real `mlflow server` will not produce on demand (503s, Retry-After, dropped
// connections, silence); the real-server behaviour is covered in test/interop/rest-store.test.ts.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  errorCodeForHttpStatus,
  InvalidParameterError,
  isMlflowError,
  type MlflowError,
  ResourceDoesNotExistError,
  RestTrackingStore,
} from '../../../src/index.js';
import { ENDPOINTS, parseRetryAfter, RestClient, type RestStoreOptions } from '../../../src/tracking/rest/index.js';
import { freePort } from '../../helpers/mlflow-server.js';
import { makeTempDir } from '../../helpers/paths.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

interface Fake {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function listen(server: Server, handler: Handler, scheme: 'http' | 'https'): Promise<Fake> {
  const seen: Seen[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      handler(req, res, seen.length, body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const fake: Fake = {
        url: `${scheme}://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      };
      servers.push(fake);
      resolve(fake);
    });
  });
}

/** A fake MLflow server: `handler` answers the n-th request (1-based). */
function fakeServer(handler: Handler): Promise<Fake> {
  return listen(createServer(), handler, 'http');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Fast retry settings and no ambient environment or credentials file. */
const FAST: RestStoreOptions = { env: {}, credentialsFile: null, backoffFactorMs: 10, backoffJitterMs: 0 };

async function caught(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => {
      throw new Error('expected an MlflowError');
    },
    (e: unknown) => e,
  );
  expect(isMlflowError(err)).toBe(true);
  return err as MlflowError;
}

function caughtSync(fn: () => unknown): MlflowError {
  try {
    fn();
  } catch (e) {
    expect(isMlflowError(e)).toBe(true);
    return e as MlflowError;
  }
  throw new Error('expected an MlflowError');
}

const RUN_JSON = {
  run: {
    info: {
      run_id: 'abc',
      run_uuid: 'abc',
      experiment_id: '1',
      run_name: 'r',
      status: 'RUNNING',
      start_time: 1,
      lifecycle_stage: 'active',
    },
    data: {},
  },
};

describe('retries', () => {
  it('503 twice then 200 succeeds, after exactly 3 attempts', async () => {
    const fake = await fakeServer((_req, res, n) =>
      n <= 2 ? json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }) : json(res, 200, {}),
    );
    const client = new RestClient(fake.url, FAST);
    await expect(client.call(ENDPOINTS.logBatch, { run_id: 'abc' })).resolves.toEqual({});
    expect(fake.seen).toHaveLength(3);
    expect(fake.seen.every((s) => s.method === 'POST' && s.url === '/api/2.0/mlflow/runs/log-batch')).toBe(true);
  });

  it('honours Retry-After in seconds on a 429, without jitter', async () => {
    const fake = await fakeServer((_req, res, n) =>
      n === 1
        ? json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '1' })
        : json(res, 200, {}),
    );
    const client = new RestClient(fake.url, FAST);
    await client.call(ENDPOINTS.searchRuns, { experiment_ids: ['0'] });
    expect(fake.seen).toHaveLength(2);
    const waited = fake.seen[1]!.at - fake.seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(1500);
  });

  it('honours Retry-After as an HTTP date on a 503', async () => {
    const until = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const fake = await fakeServer((_req, res, n) =>
      n === 1
        ? json(
            res,
            503,
            { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'x' },
            { 'retry-after': until.toUTCString() },
          )
        : json(res, 200, {}),
    );
    const client = new RestClient(fake.url, FAST);
    await client.call(ENDPOINTS.getRun, { run_id: 'abc' });
    expect(fake.seen).toHaveLength(2);
    // The date has one-second resolution: the retry goes out at (not before) that second.
    expect(fake.seen[1]!.at).toBeGreaterThanOrEqual(until.getTime() - 50);
    expect(fake.seen[1]!.at - fake.seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('parses Retry-After values as urllib3 does', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('a Retry-After beyond the total cap fails at once with DEADLINE_EXCEEDED', async () => {
    const fake = await fakeServer((_req, res) =>
      json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }, { 'retry-after': '60' }),
    );
    const client = new RestClient(fake.url, { ...FAST, totalTimeoutMs: 2000 });
    const started = Date.now();
    const err = await caught(client.call(ENDPOINTS.getRun, { run_id: 'abc' }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toContain('GET /api/2.0/mlflow/runs/get');
    expect(err.message).toContain('1 attempt');
    expect(err.message).toContain('HTTP 429 (Retry-After 60 s); the next retry would have waited 60 s');
    expect(err.http?.status).toBe(429);
  });

  it('a 429 is retried even for create-run: the server did not process it', async () => {
    const fake = await fakeServer((_req, res, n) =>
      n === 1 ? json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }) : json(res, 200, RUN_JSON),
    );
    const store = new RestTrackingStore(fake.url, FAST);
    const run = await store.createRun({ experimentId: '1', userId: 'u', startTime: 1, tags: [] });
    expect(run.info.runId).toBe('abc');
    expect(fake.seen).toHaveLength(2);
  });

  it('create-run is not retried on a 503: a retry after a lost response would duplicate the run', async () => {
    const fake = await fakeServer((_req, res) =>
      json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'overloaded' }),
    );
    const store = new RestTrackingStore(fake.url, FAST);
    const err = await caught(store.createRun({ experimentId: '1', userId: 'u', startTime: 1, tags: [] }));
    expect(fake.seen).toHaveLength(1);
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toBe('overloaded');
    expect(err.http).toMatchObject({ status: 503, request: 'POST /api/2.0/mlflow/runs/create' });
  });

  it('a connection dropped mid-request is retried for log-batch but not for create-experiment', async () => {
    const handler: Handler = (req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { experiment_id: '7' }));
    const a = await fakeServer(handler);
    await new RestClient(a.url, FAST).call(ENDPOINTS.logBatch, { run_id: 'abc' });
    expect(a.seen).toHaveLength(2);

    const b = await fakeServer(handler);
    const err = await caught(new RestTrackingStore(b.url, FAST).createExperiment('e'));
    expect(b.seen).toHaveLength(1);
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toContain('POST /api/2.0/mlflow/experiments/create');
  });

  it('a create that meets a reused keep-alive connection closed under it is sent once more, on a fresh one', async () => {
    // What a server's idle timeout does to a pooled connection (seen with uvicorn while the event
    // loop was blocked): the second request on a connection is dropped without an answer.
    const perSocket = new WeakMap<object, number>();
    const fake = await fakeServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n === 2) req.socket.destroy();
      else json(res, 200, { experiment_id: '7' });
    });
    const store = new RestTrackingStore(fake.url, FAST);
    await store.http.call(ENDPOINTS.getRun, { run_id: 'a' });
    // Let the connection go back to the pool.
    await new Promise((r) => setTimeout(r, 20));
    await expect(store.createExperiment('x')).resolves.toBe('7');
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.seen.map((r) => r.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it('that second chance is given once: a drop on the fresh connection is final for a create', async () => {
    const fake = await fakeServer((req, res) => (req.method === 'POST' ? req.socket.destroy() : json(res, 200, {})));
    const store = new RestTrackingStore(fake.url, FAST);
    await store.http.call(ENDPOINTS.getRun, { run_id: 'a' });
    await new Promise((r) => setTimeout(r, 20));
    const err = await caught(store.createExperiment('y'));
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toContain('POST /api/2.0/mlflow/experiments/create failed after 2 attempts');
    expect(fake.seen.map((r) => r.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it('stops after maxRetries and surfaces the server error with the attempt count', async () => {
    const fake = await fakeServer((_req, res) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'db down' }));
    const client = new RestClient(fake.url, { ...FAST, maxRetries: 2 });
    const err = await caught(client.call(ENDPOINTS.searchExperiments, {}));
    expect(fake.seen).toHaveLength(3);
    expect(err.errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(err.message).toMatch(/^db down \(POST \/api\/2\.0\/mlflow\/experiments\/search after 3 attempts over /);
    expect(err.http?.status).toBe(500);
  });

  it('a refused connection gives a typed error within the total time cap', async () => {
    const port = await freePort();
    const client = new RestClient(`http://127.0.0.1:${port}`, { ...FAST, backoffFactorMs: 200, totalTimeoutMs: 1500 });
    const started = Date.now();
    const err = await caught(client.call(ENDPOINTS.getRun, { run_id: 'abc' }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1500 + 250);
    expect(err.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toContain('GET /api/2.0/mlflow/runs/get did not succeed within the total time cap of 1.5 s');
    expect(err.message).toMatch(/\d+ attempts; last error: connect ECONNREFUSED/);
  });

  it('a refused connection is retried maxRetries times, even for a create, then TEMPORARILY_UNAVAILABLE', async () => {
    const port = await freePort();
    const client = new RestClient(`http://127.0.0.1:${port}`, { ...FAST, maxRetries: 2 });
    const err = await caught(client.call(ENDPOINTS.createRun, {}));
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toMatch(
      new RegExp(
        `^Could not reach the MLflow server at http://127\\.0\\.0\\.1:${port}: POST /api/2\\.0/mlflow/runs/create failed after 3 attempts over .*ECONNREFUSED`,
      ),
    );
  });

  it('a silent server times each attempt out; reads are retried, creates are not', async () => {
    const fake = await fakeServer(() => {
      // never answers
    });
    const client = new RestClient(fake.url, { ...FAST, requestTimeoutMs: 300, maxRetries: 1 });
    const started = Date.now();
    const err = await caught(client.call(ENDPOINTS.getRun, { run_id: 'abc' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect(fake.seen).toHaveLength(2);
    expect(err.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toContain('no response within 0.3 s after 2 attempts');
    expect(err.message).toContain('MLFLOW_HTTP_REQUEST_TIMEOUT');

    const create = await caught(client.call(ENDPOINTS.createExperiment, { name: 'x' }));
    expect(create.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(fake.seen).toHaveLength(3);
  });

  it('a server that stalls in the middle of the body times out too', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"run": ');
    });
    const client = new RestClient(fake.url, { ...FAST, requestTimeoutMs: 300, maxRetries: 1 });
    const started = Date.now();
    const err = await caught(client.call(ENDPOINTS.getRun, { run_id: 'abc' }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(fake.seen).toHaveLength(2);
    expect(err.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toContain('no response within 0.3 s after 2 attempts');
  });

  it('the per-attempt timeout is cut to what remains of the total cap', async () => {
    const fake = await fakeServer(() => {
      // never answers
    });
    const client = new RestClient(fake.url, { ...FAST, requestTimeoutMs: 60_000, totalTimeoutMs: 400 });
    const started = Date.now();
    const err = await caught(client.call(ENDPOINTS.getRun, { run_id: 'abc' }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.errorCode).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(err.message).toContain('total time cap of 0.4 s (1 attempt; last error: no response within 400 ms)');
  });
});

describe('auth', () => {
  const secret = 's3cret-pa55';
  const token = 'tok-XYZ-123';

  async function authHeaderFor(options: RestStoreOptions, base?: (url: string) => string): Promise<string | undefined> {
    const fake = await fakeServer((_req, res) => json(res, 200, {}));
    await new RestClient(base ? base(fake.url) : fake.url, { ...FAST, ...options }).call(ENDPOINTS.getRun, {
      run_id: 'a',
    });
    return fake.seen[0]!.headers.authorization;
  }

  it('sends basic auth from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD', async () => {
    const header = await authHeaderFor({
      env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: secret },
    });
    expect(header).toBe(`Basic ${Buffer.from(`alice:${secret}`).toString('base64')}`);
  });

  it('sends a bearer token from MLFLOW_TRACKING_TOKEN', async () => {
    expect(await authHeaderFor({ env: { MLFLOW_TRACKING_TOKEN: token } })).toBe(`Bearer ${token}`);
  });

  it('prefers basic auth when a token is also set, as MLflow does', async () => {
    const header = await authHeaderFor({
      env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: secret, MLFLOW_TRACKING_TOKEN: token },
    });
    expect(header).toBe(`Basic ${Buffer.from(`alice:${secret}`).toString('base64')}`);
  });

  it('sends no Authorization for a user name alone (it only names the run user)', async () => {
    expect(await authHeaderFor({ env: { MLFLOW_TRACKING_USERNAME: 'alice' } })).toBeUndefined();
  });

  it("takes the URI's user info as basic auth and sends the request without it", async () => {
    const header = await authHeaderFor({}, (url) =>
      url.replace('http://', `http://bob:${encodeURIComponent('p@ss word')}@`),
    );
    expect(header).toBe(`Basic ${Buffer.from('bob:p@ss word').toString('base64')}`);
  });

  it("reads MLflow's credentials file", async () => {
    const tmp = makeTempDir();
    const file = join(tmp.dir, 'credentials');
    writeFileSync(
      file,
      `[other]\nmlflow_tracking_username = nope\n\n[mlflow]\nmlflow_tracking_username = carol\nmlflow_tracking_password = ${secret}\n`,
    );
    try {
      expect(await authHeaderFor({ credentialsFile: file })).toBe(
        `Basic ${Buffer.from(`carol:${secret}`).toString('base64')}`,
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('follows redirects as fetch does, keeping credentials for the same origin only', async () => {
    const other = await fakeServer((_req, res) => json(res, 200, { where: 'other' }));
    const fake = await fakeServer((req, res) => {
      if (req.url?.startsWith('/moved/')) return json(res, 200, { where: 'moved' });
      if (req.url?.includes('log-batch')) {
        res.writeHead(308, { location: `/moved${req.url}` });
        return res.end();
      }
      res.writeHead(307, { location: `${other.url}${req.url}` });
      res.end();
    });
    const client = new RestClient(fake.url, { ...FAST, env: { MLFLOW_TRACKING_TOKEN: token } });
    await expect(client.call(ENDPOINTS.logBatch, { run_id: 'a' })).resolves.toEqual({ where: 'moved' });
    expect(fake.seen[1]).toMatchObject({
      method: 'POST',
      url: '/moved/api/2.0/mlflow/runs/log-batch',
      body: '{"run_id":"a"}',
    });
    expect(fake.seen[1]!.headers.authorization).toBe(`Bearer ${token}`);
    await expect(client.call(ENDPOINTS.searchRuns, { experiment_ids: ['0'] })).resolves.toEqual({ where: 'other' });
    expect(other.seen[0]).toMatchObject({ method: 'POST', body: '{"experiment_ids":["0"]}' });
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('credentials never appear in error messages, error details or the tracking URI', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('You are not authenticated. Please see the docs.');
    });
    const base = fake.url.replace('http://', `http://alice:${secret}@`);
    const store = new RestTrackingStore(base, { ...FAST, env: { MLFLOW_TRACKING_TOKEN: token } });
    expect(store.trackingUri).toBe(fake.url);
    const err = await caught(store.getRun('abc'));
    expect(err.httpStatus).toBe(401);
    expect(err.message).toContain("failed with error code 401 != 200. Response body: 'You are not authenticated.");
    const refused = new RestTrackingStore(`http://alice:${secret}@127.0.0.1:${await freePort()}`, {
      ...FAST,
      maxRetries: 0,
      env: { MLFLOW_TRACKING_TOKEN: token },
    });
    const netErr = await caught(refused.getRun('abc'));
    for (const e of [err, netErr]) {
      const everything = `${e.message} ${e.stack} ${JSON.stringify(e)} ${JSON.stringify(e.http ?? {})} ${String(e.cause)}`;
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(Buffer.from(`alice:${secret}`).toString('base64'));
    }
    expect(JSON.stringify(store.http.settings)).not.toContain(secret);
  });
});

describe('construction', () => {
  it('refuses insecure TLS together with a server certificate path, as MLflow does', () => {
    const err = caughtSync(
      () =>
        new RestClient('https://h', {
          env: { MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem' },
          credentialsFile: null,
        }),
    );
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err.message).toContain(
      "'MLFLOW_TRACKING_INSECURE_TLS' and 'MLFLOW_TRACKING_SERVER_CERT_PATH' environment variables are both set",
    );
  });

  it('refuses a Python auth plugin and SigV4 signing instead of sending unauthenticated requests', () => {
    expect(caughtSync(() => new RestClient('http://h', { env: { MLFLOW_TRACKING_AUTH: 'my_plugin' } })).errorCode).toBe(
      ErrorCode.NOT_IMPLEMENTED,
    );
    expect(caughtSync(() => new RestClient('http://h', { env: { MLFLOW_TRACKING_AWS_SIGV4: 'true' } })).errorCode).toBe(
      ErrorCode.NOT_IMPLEMENTED,
    );
  });

  it("reads MLflow's HTTP environment variables in MLflow's units and checks MLflow's limits", () => {
    const c = new RestClient('http://h', {
      credentialsFile: null,
      env: {
        MLFLOW_HTTP_REQUEST_TIMEOUT: '5',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '1',
        MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.5',
        MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: 'false',
        MLFLOW_GENAI_HTTP_TOTAL_TIMEOUT_MS: '9000',
      },
    });
    expect(c.settings).toMatchObject({
      requestTimeoutMs: 5000,
      maxRetries: 3,
      backoffFactorMs: 1000,
      backoffJitterMs: 500,
      respectRetryAfter: false,
      totalTimeoutMs: 9000,
      auth: 'none',
    });
    expect(new RestClient('http://h', { env: {}, credentialsFile: null }).settings).toMatchObject({
      requestTimeoutMs: 120_000,
      maxRetries: 7,
      backoffFactorMs: 2000,
      backoffJitterMs: 1000,
      respectRetryAfter: true,
      totalTimeoutMs: 600_000,
    });
    expect(
      caughtSync(() => new RestClient('http://h', { env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '11' } })).message,
    ).toBe('The configured max_retries value (11) is in excess of the maximum allowable retries (10)');
    expect(
      caughtSync(() => new RestClient('http://h', { env: { MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' } })).message,
    ).toContain("Invalid value 'soon' for environment variable MLFLOW_HTTP_REQUEST_TIMEOUT");
    expect(caughtSync(() => new RestClient('http://h', { env: {}, backoffFactorMs: -1 })).errorCode).toBe(
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  });
});

describe('error mapping and request format', () => {
  it("an MLflow error JSON becomes the matching subclass with the response's details kept", async () => {
    const body = { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=nope not found' };
    const fake = await fakeServer((_req, res) => json(res, 404, body, { 'x-request-id': 'r-1' }));
    const err = await caught(new RestTrackingStore(fake.url, FAST).getRun('nope'));
    expect(err).toBeInstanceOf(ResourceDoesNotExistError);
    expect(err.errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
    expect(err.message).toBe('Run with id=nope not found');
    expect(err.http).toMatchObject({ status: 404, body, request: 'GET /api/2.0/mlflow/runs/get' });
    expect(err.http?.headers?.['x-request-id']).toBe('r-1');
  });

  it('maps a non-JSON error body by HTTP status, and odd error codes as MLflow does', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url?.includes('runs/get')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>Bad gateway</html>');
      } else if (req.url?.includes('experiments/get')) json(res, 403, { error_code: 403, message: 'nope' });
      else json(res, 418, { error_code: 'TEAPOT', message: 'short and stout' });
    });
    const client = new RestClient(fake.url, { ...FAST, maxRetries: 0 });
    const gateway = await caught(client.call(ENDPOINTS.getRun, { run_id: 'a' }));
    expect(gateway.errorCode).toBe(errorCodeForHttpStatus(502));
    expect(gateway.message).toBe(
      "API request to endpoint /api/2.0/mlflow/runs/get failed with error code 502 != 200. Response body: '<html>Bad gateway</html>'",
    );
    expect(gateway.http?.body).toBe('<html>Bad gateway</html>');
    expect((await caught(client.call(ENDPOINTS.getExperiment, {}))).errorCode).toBe(ErrorCode.PERMISSION_DENIED);
    const teapot = await caught(client.call(ENDPOINTS.deleteTag, {}));
    expect(teapot.errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(teapot.message).toBe('TEAPOT: short and stout');
  });

  it('an empty 200 reads as {}, a non-JSON 200 is an INTERNAL_ERROR', async () => {
    const fake = await fakeServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url?.includes('log-batch') ? '' : 'hello');
    });
    const client = new RestClient(fake.url, FAST);
    await expect(client.call(ENDPOINTS.logBatch, {})).resolves.toEqual({});
    const err = await caught(client.call(ENDPOINTS.setTag, {}));
    expect(err.errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(err.message).toContain('not in a valid JSON format');
  });

  it('logBatch sends proto JSON as MLflow does: NaN and infinities as strings, int64 as numbers', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, {}));
    const store = new RestTrackingStore(fake.url, FAST);
    await store.logBatch('abc', {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1700000000000, step: 0 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1700000000001, step: 1 },
        { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1700000000002, step: 2 },
        { key: 'x', value: 0.5, timestamp: 1700000000003, step: 3 },
      ],
      params: [{ key: 'p', value: '1' }],
      tags: [{ key: 't', value: 'v' }],
    });
    const seen = fake.seen[0]!;
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['user-agent']).toMatch(/^mlflow-genai\//);
    expect(seen.body).toBe(
      '{"run_id":"abc","metrics":[' +
        '{"key":"nan","value":"NaN","timestamp":1700000000000,"step":0},' +
        '{"key":"inf","value":"Infinity","timestamp":1700000000001,"step":1},' +
        '{"key":"ninf","value":"-Infinity","timestamp":1700000000002,"step":2},' +
        '{"key":"x","value":0.5,"timestamp":1700000000003,"step":3}],' +
        '"params":[{"key":"p","value":"1"}],"tags":[{"key":"t","value":"v"}]}',
    );
  });

  it('GETs carry the request as query parameters, and response doubles parse back to NaN / ±Infinity', async () => {
    const fake = await fakeServer((_req, res) =>
      json(res, 200, {
        metrics: [
          { key: 'm', value: 'NaN', timestamp: '5', step: 0 },
          { key: 'm', value: '-Infinity', timestamp: 6, step: '1' },
        ],
        next_page_token: 'tok',
      }),
    );
    const page = await new RestTrackingStore(fake.url, FAST).getMetricHistory('abc', 'm', { maxResults: 2 });
    expect(fake.seen[0]!.url).toBe(
      '/api/2.0/mlflow/metrics/get-history?run_id=abc&run_uuid=abc&metric_key=m&max_results=2',
    );
    expect(page).toEqual({
      items: [
        { key: 'm', value: Number.NaN, timestamp: 5, step: 0, runId: 'abc' },
        { key: 'm', value: Number.NEGATIVE_INFINITY, timestamp: 6, step: 1, runId: 'abc' },
      ],
      nextPageToken: 'tok',
    });
  });

  it('invalid input fails before any request, with the embedded store’s error', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, {}));
    const store = new RestTrackingStore(fake.url, FAST);
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const err = await caught(store.logBatch('abc', { metrics }));
    expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(err.message).toContain('A batch logging request can contain at most 1000 metrics. Got 1001 metrics.');
    expect(
      (
        await caught(
          store.logBatch('abc', {
            params: [
              { key: 'a', value: '1' },
              { key: 'a', value: '2' },
            ],
          }),
        )
      ).message,
    ).toContain('Duplicate parameter keys have been submitted');
    expect((await caught(store.createExperiment('  '))).errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(fake.seen).toHaveLength(0);
  });

  it('a closed store refuses further calls', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, RUN_JSON));
    const store = new RestTrackingStore(fake.url, FAST);
    await store.close();
    await store.close();
    expect((await caught(store.getRun('abc'))).errorCode).toBe(ErrorCode.INVALID_STATE);
  });
});

describe('TLS', () => {
  // The certificates are made with the openssl CLI (Debian's openssl, on every machine of this kind);
  // fail loudly rather than skip, so lost TLS coverage cannot go unnoticed.
  it('has the openssl CLI to make test certificates', () => {
    expect(() => execFileSync('openssl', ['version'], { stdio: 'ignore' })).not.toThrow();
  });

  const tmp = makeTempDir();
  const serverPem = { key: join(tmp.dir, 'server-key.pem'), cert: join(tmp.dir, 'server-cert.pem') };
  const clientPem = {
    key: join(tmp.dir, 'client-key.pem'),
    cert: join(tmp.dir, 'client-cert.pem'),
    both: join(tmp.dir, 'client.pem'),
  };
  let fake: Fake;

  function selfSigned(key: string, cert: string, cn: string): void {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  }

  beforeAll(async () => {
    selfSigned(serverPem.key, serverPem.cert, '127.0.0.1');
    selfSigned(clientPem.key, clientPem.cert, 'mlflow-genai-client');
    const { readFileSync } = await import('node:fs');
    writeFileSync(clientPem.both, readFileSync(clientPem.cert, 'utf8') + readFileSync(clientPem.key, 'utf8'));
    const server = createHttpsServer({
      key: readFileSync(serverPem.key),
      cert: readFileSync(serverPem.cert),
      ca: readFileSync(clientPem.cert),
      requestCert: true,
      rejectUnauthorized: false,
    });
    fake = await listen(
      server as unknown as Server,
      (req, res) =>
        json(res, 200, {
          client_cert: (req.socket as TLSSocket).authorized
            ? (req.socket as TLSSocket).getPeerCertificate().subject?.CN
            : null,
        }),
      'https',
    );
    servers.splice(servers.indexOf(fake), 1);
  });
  afterAll(async () => {
    await fake?.close();
    tmp.cleanup();
  });

  it('refuses an unknown certificate at once, without retrying, and says how to trust it', async () => {
    const err = await caught(new RestClient(fake.url, FAST).call(ENDPOINTS.getRun, { run_id: 'a' }));
    expect(err.errorCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(err.message).toContain('failed TLS verification');
    expect(err.message).toContain('MLFLOW_TRACKING_SERVER_CERT_PATH');
    expect(fake.seen).toHaveLength(0);
  });

  it('trusts the CA bundle in MLFLOW_TRACKING_SERVER_CERT_PATH', async () => {
    const client = new RestClient(fake.url, { ...FAST, env: { MLFLOW_TRACKING_SERVER_CERT_PATH: serverPem.cert } });
    await expect(client.call(ENDPOINTS.getRun, { run_id: 'a' })).resolves.toEqual({ client_cert: null });
    client.close();
  });

  it('skips verification with MLFLOW_TRACKING_INSECURE_TLS', async () => {
    const client = new RestClient(fake.url, { ...FAST, env: { MLFLOW_TRACKING_INSECURE_TLS: 'true' } });
    await expect(client.call(ENDPOINTS.getRun, { run_id: 'a' })).resolves.toEqual({ client_cert: null });
    client.close();
  });

  it('presents the client certificate in MLFLOW_TRACKING_CLIENT_CERT_PATH (certificate and key in one PEM)', async () => {
    const client = new RestClient(fake.url, {
      ...FAST,
      env: { MLFLOW_TRACKING_SERVER_CERT_PATH: serverPem.cert, MLFLOW_TRACKING_CLIENT_CERT_PATH: clientPem.both },
    });
    await expect(client.call(ENDPOINTS.getRun, { run_id: 'a' })).resolves.toEqual({
      client_cert: 'mlflow-genai-client',
    });
    client.close();
  });
});
