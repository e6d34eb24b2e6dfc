/**
 * Distributed tracing with Python MLflow 3.18, both directions, on one embedded store (each side writes the
 * same SQLite database) and through a real `mlflow server` (spans over OTLP, `/v1/traces`), as two services
 * sharing an MLflow would: a Python client calls an SDK HTTP handler
 * with `get_tracing_context_headers_for_http_request()`'s headers; the SDK calls a Python handler with
 * `getTracingContextHeadersForHttpRequest()`'s. Each time, one trace holds both sides' spans, and Python's
 * `get_trace` and the SDK's `getTrace` read the same tree with the same ids.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  flushTraces,
  getTrace,
  getTracingContextHeadersForHttpRequest,
  resetFluentState,
  resetTracing,
  SpanType,
  serve,
  setExperiment,
  setTrackingUri,
  withSpan,
  withTracingContextFromHttpRequestHeaders,
} from '../../src/index.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { echoModel } from '../serving/models.js';

type PySpan = [
  name: string,
  spanId: string,
  parentId: string | null,
  spanType: string,
  inputs: unknown,
  outputs: unknown,
];
interface PyTrace {
  info: { trace_id: string; experiment_id: string; state: string; request_preview: string | null };
  spans: PySpan[];
}

const EXPERIMENT = 'distributed-tracing';

describe.each(['embedded store', 'mlflow server'] as const)('distributed tracing with Python MLflow (%s)', (where) => {
  const tmp = makeTempDir('distributed-');
  let uri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
  let mlflowServer: MlflowServer | undefined;
  let server: Server;
  let url: string;
  let experimentId: string;

  beforeAll(async () => {
    if (where === 'mlflow server') {
      mlflowServer = await startMlflowServer({
        backendStoreUri: uri,
        args: ['--artifacts-destination', join(tmp.dir, 'artifacts')],
      });
      uri = mlflowServer.url;
    }
    resetFluentState();
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    setTrackingUri(uri);
    experimentId = (await setExperiment(EXPERIMENT)).experimentId;
    await configureTracing({ flushOnExit: false });
    // The SDK service: its handler joins the caller's trace.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        void withTracingContextFromHttpRequestHeaders(req.headers, () =>
          withSpan({ name: 'ts-handler', spanType: SpanType.CHAIN, inputs: JSON.parse(body) }, () =>
            withSpan({ name: 'ts-step', spanType: SpanType.LLM }, async () => 'an answer from node'),
          ),
        ).then((answer) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ answer }));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoke`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await resetTracing();
    resetFluentState();
    delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
    await closeAllTrackingStores();
    await mlflowServer?.stop();
    tmp.cleanup();
  });

  /** The trace as both sides read it: Python's spans, and ours in the same canonical form. */
  async function readBoth(traceId: string): Promise<{ py: PyTrace; ours: PySpan[] }> {
    const py = await runPythonJson<PyTrace>('distributed_tracing.py', {
      op: 'read',
      tracking_uri: uri,
      trace_id: traceId,
    });
    const t = await getTrace(traceId);
    const ours = t.data.spans.map(
      (s) => [s.name, s.spanId, s.parentId, s.spanType ?? '', s.inputs ?? null, s.outputs ?? null] as PySpan,
    );
    expect(t.info.traceId).toBe(py.info.trace_id);
    expect(t.info.state).toBe(py.info.state);
    return { py, ours };
  }

  function tree(spans: PySpan[]): Array<[string, string | null, string]> {
    const names = new Map(spans.map((s) => [s[1], s[0]]));
    return spans.map((s) => [s[0], s[2] === null ? null : (names.get(s[2]) ?? '?'), s[3]]);
  }

  it("a Python client's trace holds the spans of the SDK handler it called", async () => {
    const got = await runPythonJson<{ trace_id: string; answer: unknown; headers: Record<string, string> }>(
      'distributed_tracing.py',
      { op: 'client', tracking_uri: uri, experiment_name: EXPERIMENT, url },
    );
    expect(got.answer).toEqual({ answer: 'an answer from node' });
    expect(got.headers.traceparent).toMatch(new RegExp(`^00-${got.trace_id.slice(3)}-[0-9a-f]{16}-03$`));
    await flushTraces();
    const { py, ours } = await readBoth(got.trace_id);
    expect(py.info.experiment_id).toBe(experimentId);
    expect(py.info.state).toBe('OK');
    expect(tree(py.spans)).toEqual([
      ['py-client', null, 'AGENT'],
      ['ts-handler', 'py-client', 'CHAIN'],
      ['ts-step', 'ts-handler', 'LLM'],
    ]);
    // The handler's parent is the span whose id the header carried.
    expect(got.headers.traceparent).toContain(`-${py.spans[1]![2]}-`);
    expect(py.spans[1]!.slice(4)).toEqual([{ question: 'from python' }, 'an answer from node']);
    expect(ours).toEqual(py.spans);
  });

  it("a Python client's call to the SDK's scoring server (joinCallerTrace) lands in the client's trace", async () => {
    const scoring = await serve({ model: echoModel(), port: 0, log: false, tracing: true, joinCallerTrace: true });
    try {
      const got = await runPythonJson<{ trace_id: string; answer: unknown }>('distributed_tracing.py', {
        op: 'client',
        tracking_uri: uri,
        experiment_name: EXPERIMENT,
        url: `${scoring.url}/invocations`,
        body: { inputs: ['scored'] },
      });
      expect(got.answer).toEqual({ predictions: ['scored'] });
      await flushTraces();
      const { py, ours } = await readBoth(got.trace_id);
      expect(tree(py.spans)).toEqual([
        ['py-client', null, 'AGENT'],
        ['/invocations', 'py-client', 'CHAIN'],
      ]);
      expect(py.spans[1]!.slice(4)).toEqual([{ data: ['scored'], params: null }, ['scored']]);
      expect(ours).toEqual(py.spans);
    } finally {
      await scoring.close();
    }
  });

  it("the SDK client's trace holds the spans of the Python handler it called", async () => {
    let traceId = '';
    let clientSpanId = '';
    await withSpan({ name: 'ts-client', spanType: SpanType.AGENT, inputs: { question: 'from node' } }, async (span) => {
      traceId = span.traceId;
      clientSpanId = span.spanId;
      const headers = getTracingContextHeadersForHttpRequest();
      expect(headers).toEqual({ traceparent: `00-${traceId.slice(3)}-${clientSpanId}-03` });
      await runPythonJson('distributed_tracing.py', {
        op: 'server',
        tracking_uri: uri,
        experiment_name: EXPERIMENT,
        headers,
      });
      span.setOutputs('done');
    });
    await flushTraces();
    const { py, ours } = await readBoth(traceId);
    expect(py.info.experiment_id).toBe(experimentId);
    expect(py.info.state).toBe('OK');
    expect(tree(py.spans)).toEqual([
      ['ts-client', null, 'AGENT'],
      ['py-handler', 'ts-client', 'CHAIN'],
      ['py-step', 'py-handler', 'TOOL'],
    ]);
    expect(py.spans[1]![2]).toBe(clientSpanId);
    expect(py.spans[0]!.slice(4)).toEqual([{ question: 'from node' }, 'done']);
    expect(ours).toEqual(py.spans);
  });
});
