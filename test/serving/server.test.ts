// The scoring server in-process: routes and their exact answers, body limit, timeout, bounded concurrency,
// access log, traces, graceful close, option validation; and getServingCommand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessLogEntry,
  configureTracing,
  flushTraces,
  getServingCommand,
  InMemoryTraceExporter,
  isRemoteTrace,
  MLFLOW_REFERENCE_VERSION,
  resetTracing,
  type ScoringServer,
  serve,
} from '../../src/index.js';
import { echoModel, inFlight } from './models.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

async function post(server: ScoringServer, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
  const res = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), headers: res.headers };
}

describe('serve(): routes and protocol', () => {
  const access: AccessLogEntry[] = [];
  const lines: string[] = [];
  let server: ScoringServer;

  beforeAll(async () => {
    server = await serve({
      model: echoModel(),
      port: 0,
      bodyLimitBytes: 64 * 1024,
      accessLog: (e) => access.push(e),
      log: (l) => lines.push(l),
    });
  });
  afterAll(() => server.close());

  it('listens on a free port and says so', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(lines[0]).toMatch(/^Scoring server for the given model running on http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)$/);
  });

  it('answers /ping, /health and /version as MLflow does', async () => {
    for (const path of ['/ping', '/health']) {
      const res = await fetch(server.url + path);
      expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([200, 'application/json', '\n']);
    }
    const version = await fetch(`${server.url}/version`);
    expect([version.headers.get('content-type'), await version.text()]).toEqual([
      'application/json',
      MLFLOW_REFERENCE_VERSION,
    ]);
  });

  it('answers unknown paths and methods as FastAPI does', async () => {
    const notFound = await fetch(`${server.url}/nope`);
    expect([notFound.status, await notFound.text()]).toEqual([404, '{"detail":"Not Found"}']);
    const get = await fetch(`${server.url}/invocations`);
    expect([get.status, get.headers.get('allow'), await get.text()]).toEqual([
      405,
      'POST',
      '{"detail":"Method Not Allowed"}',
    ]);
    const postPing = await fetch(`${server.url}/ping`, { method: 'POST' });
    expect([postPing.status, postPing.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('predicts with the exact content type and body of MLflow', async () => {
    const res = await post(server, { dataframe_records: [{ question: 'hi' }] });
    expect([res.status, res.type, res.body]).toEqual([
      200,
      'application/json',
      '{"predictions": [{"question": "hi"}]}',
    ]);
    const csv = await post(server, 'question\nhi\n', { 'content-type': 'text/csv; charset=utf-8' });
    expect(csv.body).toBe('{"predictions": [{"question": "hi"}]}');
    const wrong = await post(server, '{}', { 'content-type': 'text/plain' });
    expect([wrong.status, wrong.type]).toEqual([415, 'text/plain; charset=utf-8']);
    const none = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      body: new Uint8Array(Buffer.from('{"inputs": [1]}')),
    });
    expect(none.status).toBe(415);
  });

  it('refuses a body over the limit with 413 in MLflow error JSON', async () => {
    const big = JSON.stringify({ inputs: ['x'.repeat(70 * 1024)] });
    const res = await post(server, big);
    expect(res.status).toBe(413);
    expect(res.type).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: "The request body is larger than the server's limit of 65536 bytes (bodyLimitBytes).",
    });
    expect((await post(server, { inputs: ['x'.repeat(60 * 1024)] })).status).toBe(200);
  });

  it('logs one access line per request', async () => {
    access.length = 0;
    await post(server, { inputs: [1] });
    await fetch(`${server.url}/ping`);
    expect(access.map((e) => [e.method, e.url, e.status])).toEqual([
      ['POST', '/invocations', 200],
      ['GET', '/ping', 200],
    ]);
    expect(access[0]!.line).toMatch(/^127\.0\.0\.1:\d+ - "POST \/invocations HTTP\/1\.1" 200 \d+\.\dms$/);
  });
});

describe('serve(): timeout and bounded concurrency', () => {
  it('runs at most maxConcurrency predictions at once; the others wait their turn', async () => {
    const server = await serve({ model: echoModel(), port: 0, maxConcurrency: 2, log: false });
    try {
      inFlight.max = 0;
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => post(server, { inputs: [1], params: { mode: 'sleep', seconds: 0.05 } })),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(inFlight.max).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('answers 504 past the timeout, and does not run a request that timed out while queued', async () => {
    const server = await serve({ model: echoModel(), port: 0, maxConcurrency: 1, timeoutSeconds: 0.3, log: false });
    try {
      const slow = post(server, { inputs: [1], params: { mode: 'sleep', seconds: 0.8 } });
      await new Promise((r) => setTimeout(r, 50));
      const callsBefore = inFlight.calls;
      const queued = await post(server, { inputs: [2] });
      const first = await slow;
      for (const res of [first, queued]) {
        expect([res.status, res.type, res.body]).toEqual([
          504,
          'application/json',
          'Request processing time exceeded limit',
        ]);
      }
      await new Promise((r) => setTimeout(r, 700));
      expect(inFlight.calls).toBe(callsBefore);
    } finally {
      await server.close();
    }
  });

  it('reads MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT and refuses a bad value naming it', async () => {
    process.env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT = 'soon';
    try {
      await expect(serve({ model: echoModel(), port: 0, log: false })).rejects.toThrow(
        'serve: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT must be a number of seconds greater than 0, got "soon".',
      );
    } finally {
      delete process.env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT;
    }
  });
});

describe('serve(): graceful close', () => {
  it('lets in-flight requests finish, refuses new connections, then resolves closed', async () => {
    const server = await serve({ model: echoModel(), port: 0, log: false });
    const inflight = post(server, { inputs: ['late'], params: { mode: 'sleep', seconds: 0.5 } });
    await new Promise((r) => setTimeout(r, 100));
    const closing = server.close();
    const res = await inflight;
    expect([res.status, res.body]).toEqual([200, '{"predictions": ["late"]}']);
    expect(res.headers.get('connection')).toBe('close');
    await closing;
    await server.closed;
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
    await server.close(); // idempotent
  });

  it('closes when the abort signal fires', async () => {
    const controller = new AbortController();
    const server = await serve({ model: echoModel(), port: 0, log: false, signal: controller.signal });
    controller.abort();
    await server.closed;
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });
});

describe('serve(): traces', () => {
  const sink = new InMemoryTraceExporter();
  beforeAll(() =>
    configureTracing({ destination: { type: 'custom', exporter: sink }, mode: 'immediate', flushOnExit: false }),
  );
  afterAll(() => resetTracing());

  it('records one trace per invocation when tracing is on', async () => {
    const server = await serve({ model: echoModel(), port: 0, log: false, tracing: true });
    try {
      await post(server, { inputs: ['traced'], params: { times: 2 } });
      await post(server, { inputs: ['bad'], params: { times: 'x' } });
      await flushTraces();
      expect(sink.traces).toHaveLength(2);
      const [ok, bad] = sink.traces.map((t) => t.data.spans[0]!);
      expect(ok!.name).toBe('/invocations');
      expect(ok!.spanType).toBe('CHAIN');
      expect(ok!.inputs).toEqual({ data: ['traced'], params: { times: 2 } });
      expect(ok!.outputs).toEqual(['traced']);
      expect(ok!.attributes['http.status_code']).toBe(200);
      expect(sink.traces[1]!.info.state).toBe('ERROR');
      expect(bad!.attributes['http.status_code']).toBe(400);
    } finally {
      await server.close();
    }
  });

  it("records an invocation carrying a traceparent into the caller's trace; a malformed one starts its own", async () => {
    sink.clear();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const traceparent = `00-${callerTrace}-${callerSpan}-01`;
    const joining = await serve({ model: echoModel(), port: 0, log: false, tracing: true, joinCallerTrace: true });
    const plain = await serve({ model: echoModel(), port: 0, log: false, tracing: true });
    try {
      await post(joining, { inputs: ['joined'] }, { ...JSON_HEADERS, traceparent });
      await post(joining, { inputs: ['bad header'] }, { ...JSON_HEADERS, traceparent: 'not-a-traceparent' });
      await post(joining, { inputs: ['no header'] });
      await post(plain, { inputs: ['option off'] }, { ...JSON_HEADERS, traceparent });
      await flushTraces();
      const got = sink.traces.map((t) => [
        t.info.traceId === `tr-${callerTrace}`,
        isRemoteTrace(t),
        t.data.spans.map((s) => [s.name, s.inputs, s.parentId === callerSpan]),
      ]);
      expect(got).toEqual([
        [true, true, [['/invocations', { data: ['joined'], params: null }, true]]],
        [false, false, [['/invocations', { data: ['bad header'], params: null }, false]]],
        [false, false, [['/invocations', { data: ['no header'], params: null }, false]]],
        [false, false, [['/invocations', { data: ['option off'], params: null }, false]]],
      ]);
      await expect(serve({ model: echoModel(), joinCallerTrace: 'yes' as never })).rejects.toThrow(
        `serve: 'joinCallerTrace' must be a boolean, got "yes".`,
      );
    } finally {
      await joining.close();
      await plain.close();
    }
  });
});

describe('serve(): options', () => {
  it('refuses bad options with messages naming them', async () => {
    const model = echoModel();
    await expect(serve({})).rejects.toThrow("serve: give exactly one of 'modelUri' and 'model' (got neither).");
    await expect(serve({ model, modelUri: '/x' })).rejects.toThrow(
      "serve: give exactly one of 'modelUri' and 'model' (got both).",
    );
    await expect(serve({ model, port: 70000 })).rejects.toThrow(
      "serve: 'port' must be a port number (0-65535), got 70000.",
    );
    await expect(serve({ model, workers: 0 })).rejects.toThrow("serve: 'workers' must be a positive integer, got 0.");
    await expect(serve({ model, workers: 2 })).rejects.toThrow(
      "serve: 'workers' (2) needs 'modelUri': each worker process loads the model itself.",
    );
    await expect(serve({ model, maxConcurrency: 0.5 })).rejects.toThrow(
      "serve: 'maxConcurrency' must be a positive integer, got 0.5.",
    );
    await expect(serve({ model, timeoutSeconds: 0 })).rejects.toThrow(
      "serve: 'timeoutSeconds' must be a number of seconds greater than 0, got 0.",
    );
    await expect(serve({ modelUri: '' })).rejects.toThrow('serve: \'modelUri\' must be a non-empty string, got "".');
  });

  it('fails with the loader error when the model does not exist', async () => {
    await expect(serve({ modelUri: '/nonexistent/model', port: 0, log: false })).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
  });
});

describe('getServingCommand', () => {
  it('gives the command, a curl line and a Python requests snippet', () => {
    const cmd = getServingCommand('models:/my model@champion', { port: 5001 });
    expect(cmd.command).toBe("npx mlflow-genai serve -m 'models:/my model@champion' --port 5001");
    expect(cmd.argv).toEqual(['npx', 'mlflow-genai', 'serve', '-m', 'models:/my model@champion', '--port', '5001']);
    expect(cmd.invocationsUrl).toBe('http://127.0.0.1:5001/invocations');
    expect(cmd.curl).toBe(
      'curl -X POST http://127.0.0.1:5001/invocations -H \'Content-Type: application/json\' -d \'{"inputs": ["What is MLflow?"]}\'',
    );
    expect(cmd.python).toBe(
      [
        'import requests',
        '',
        'response = requests.post(',
        '    "http://127.0.0.1:5001/invocations",',
        '    json={"inputs": ["What is MLflow?"]},',
        '    timeout=60,',
        ')',
        'response.raise_for_status()',
        'print(response.json()["predictions"])',
      ].join('\n'),
    );
    expect(cmd.text).toContain(`  ${cmd.command}\n`);
    expect(cmd.text).toContain(`  ${cmd.curl}\n`);
    const remote = getServingCommand('runs:/abc/model', {
      host: '0.0.0.0',
      port: 8080,
      workers: 4,
      exampleRequest: { inputs: [true, null] },
    });
    expect(remote.command).toBe('npx mlflow-genai serve -m runs:/abc/model --port 8080 --host 0.0.0.0 --workers 4');
    expect(remote.python).toContain('json={"inputs": [True, None]},');
    expect(() => getServingCommand('', {})).toThrow(
      'getServingCommand: \'modelUri\' must be a non-empty string, got "".',
    );
    expect(() => getServingCommand('m', { port: 0 })).toThrow(
      "getServingCommand: 'port' must be a port number (1-65535), got 0.",
    );
  });
});
