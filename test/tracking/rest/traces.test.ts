// The trace calls of the REST store: proto JSON conversion of trace infos (checked against protobuf's own
// Timestamp / Duration JSON), and, with a fake server on a loopback port, the faults a real `mlflow server`
// will not produce on demand: old servers (no OTLP, no GetTrace), a failed version probe, transient errors,
// missing or corrupted traces.json. The real-server behaviour is in test/interop/traces-rest.test.ts.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Span, type SpanDict, type TraceInfo, TraceState } from '../../../src/tracking/entities/index.js';
import { ErrorCode, isMlflowError, type MlflowError } from '../../../src/tracking/errors.js';
import { decodeExportTraceServiceRequest } from '../../../src/tracking/otlp/encode.js';
import {
  durationJsonToMillis,
  millisToDurationJson,
  millisToTimestampJson,
  timestampJsonToMillis,
  toTraceInfo,
  traceInfoToJson,
} from '../../../src/tracking/rest/convert.js';
import { RestClient, type RestStoreOptions } from '../../../src/tracking/rest/http.js';
import { RestTraceStore } from '../../../src/tracking/rest/traces.js';
import { makeTempDir } from '../../helpers/paths.js';
import { runPython } from '../../helpers/python.js';

const TRACE_HEX = '0af7651916cd43dd8448eb211c80319c';
const TRACE_ID = `tr-${TRACE_HEX}`;

function info(overrides: Partial<TraceInfo> = {}): TraceInfo {
  return {
    traceId: TRACE_ID,
    experimentId: '7',
    requestTime: 1_795_828_287_769,
    executionDuration: 180,
    state: TraceState.OK,
    requestPreview: '{"x": 3}',
    responsePreview: '6',
    clientRequestId: null,
    traceMetadata: { 'mlflow.trace_schema.version': '3' },
    tags: { 'mlflow.traceName': 'outer' },
    ...overrides,
  };
}

function span(): Span {
  const d: SpanDict = {
    trace_id: Buffer.from(TRACE_HEX, 'hex').toString('base64'),
    span_id: Buffer.from('b7ad6b7169203331', 'hex').toString('base64'),
    parent_span_id: null,
    name: 'outer',
    kind: 'SPAN_KIND_INTERNAL',
    start_time_unix_nano: 1_795_828_287_769_016_152n,
    end_time_unix_nano: 1_795_828_287_949_493_701n,
    events: [],
    status: { code: 'STATUS_CODE_OK', message: '' },
    attributes: { 'mlflow.traceRequestId': `"${TRACE_ID}"`, 'mlflow.spanInputs': '{"x": 3}' },
    links: [],
  };
  return new Span(d);
}

describe('trace info proto JSON', () => {
  it('writes times as protobuf does: RFC 3339 request time, seconds-with-fraction duration', async () => {
    const cases = [0, 1, 999, 1000, 1500, 180, 60_000, 1_795_828_287_769, 1_795_828_287_000];
    const ours = cases.map((ms) => [millisToTimestampJson(ms), millisToDurationJson(ms)]);
    const { stdout } = await runPython('traces_rest_times.py', [], { input: JSON.stringify(cases) });
    expect(ours).toEqual(JSON.parse(stdout.trim().split('\n').pop()!));
    for (const [i, ms] of cases.entries()) {
      expect(timestampJsonToMillis(ours[i]![0]!)).toBe(ms);
      expect(durationJsonToMillis(ours[i]![1]!)).toBe(ms);
    }
  });

  it('reads any RFC 3339 form protobuf accepts, cutting to milliseconds as Timestamp.ToMilliseconds does', () => {
    expect(timestampJsonToMillis('2026-11-28T01:11:27.769999999Z')).toBe(Date.UTC(2026, 10, 28, 1, 11, 27, 769));
    expect(timestampJsonToMillis('2026-11-28T02:11:27.5+01:00')).toBe(Date.UTC(2026, 10, 28, 1, 11, 27, 500));
    expect(durationJsonToMillis('-1.5s')).toBe(-1500);
    expect(durationJsonToMillis('0.000999s')).toBe(0);
  });

  it('sends TraceInfoV3 as MLflow does, cutting metadata and tags to its limits by code point', () => {
    const long = '😀'.repeat(300);
    const json = traceInfoToJson(
      info({ clientRequestId: 'req', traceMetadata: { k: long }, tags: { [long]: 'v', t: 'x'.repeat(5000) } }),
    );
    expect(json).toEqual({
      trace_id: TRACE_ID,
      client_request_id: 'req',
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '7' } },
      request_preview: '{"x": 3}',
      response_preview: '6',
      request_time: '2026-11-28T01:11:27.769Z',
      execution_duration: '0.180s',
      state: 'OK',
      trace_metadata: { k: '😀'.repeat(250) },
      tags: { ['😀'.repeat(250)]: 'v', t: 'x'.repeat(4096) },
    });
    const back = toTraceInfo({
      ...(json as { trace_id: string }),
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '7' } },
      request_time: '2026-11-28T01:11:27.769Z',
      execution_duration: '0.180s',
      state: 'OK',
    });
    expect(back.requestTime).toBe(1_795_828_287_769);
    expect(back.executionDuration).toBe(180);
    expect(back.clientRequestId).toBe('req');
    // Absent fields read as MLflow's from_proto reads them.
    expect(toTraceInfo({ trace_id: 'tr-1' })).toEqual({
      traceId: 'tr-1',
      experimentId: '',
      requestTime: 0,
      executionDuration: null,
      state: 'STATE_UNSPECIFIED',
      requestPreview: null,
      responsePreview: null,
      clientRequestId: null,
      traceMetadata: {},
      tags: {},
    });
  });
});

// ------------------------------------------------------------------------------------------ fault injection

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
type Handler = (req: Seen, res: ServerResponse, n: number) => void;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function fakeServer(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      handler(s, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const FAST: RestStoreOptions = { env: {}, credentialsFile: null, backoffFactorMs: 10, backoffJitterMs: 0 };

function traceStore(url: string, options: RestStoreOptions = {}): RestTraceStore {
  const http = new RestClient(url, { ...FAST, ...options });
  closers.push(async () => http.close());
  return new RestTraceStore(http);
}

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

const tmp = makeTempDir('mlflow-genai-rest-traces-');
afterAll(() => tmp.cleanup());

/** A StartTraceV3 answer: the info back, with the artifact location a server adds. */
function startTraceAnswer(artifactDir: string, spansInStore: boolean) {
  const trace_info = {
    ...traceInfoToJson(info()),
    tags: {
      'mlflow.traceName': 'outer',
      'mlflow.artifactLocation': artifactDir,
      ...(spansInStore ? { 'mlflow.trace.spansLocation': 'TRACKING_STORE' } : {}),
    },
  };
  return { trace: { trace_info } };
}

describe('logSpans against servers that cannot take OTLP', () => {
  it('sends one OTLP protobuf request with the experiment header to a 3.4+ server', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url === '/version') return void res.end('3.18.0');
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
    const store = traceStore(fake.url);
    await store.logSpans('7', [span()]);
    await store.logSpans('7', [span()]);
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /version',
      'POST /v1/traces',
      'POST /v1/traces',
    ]);
    const post = fake.seen[1]!;
    expect(post.headers['content-type']).toBe('application/x-protobuf');
    expect(post.headers['x-mlflow-experiment-id']).toBe('7');
    const req = decodeExportTraceServiceRequest(new Uint8Array(post.body));
    const attrs = req.resourceSpans[0]!.resource!.attributes.map((a) => a.key);
    expect(attrs).toEqual(['telemetry.sdk.language', 'telemetry.sdk.name', 'telemetry.sdk.version']);
    expect(req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes[1]).toEqual({
      key: 'mlflow.spanInputs',
      value: { kind: 'kvlist', values: [{ key: 'x', value: { kind: 'int', value: 3n } }] },
    });
  });

  for (const [what, version] of [
    ['older than 3.4', '3.3.2'],
    ['a 3.4 pre-release', '3.4.0rc1'],
    ['unreadable', null],
  ] as const) {
    it(`a server whose version is ${what} gets the spans as traces.json after StartTraceV3`, async () => {
      const artifactDir = join(tmp.dir, `artifacts-${what.replace(/\W+/g, '-')}`);
      mkdirSync(artifactDir, { recursive: true });
      const fake = await fakeServer((req, res) => {
        if (req.url === '/version') {
          if (version === null) return json(res, 503, 'down');
          return void res.end(version);
        }
        json(res, 200, startTraceAnswer(artifactDir, false));
      });
      const store = traceStore(fake.url);
      await store.logSpans('7', [span()]);
      const stored = await store.startTrace(info());
      expect(stored.tags['mlflow.artifactLocation']).toBe(artifactDir);
      // One probe, not retried; no OTLP.
      expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /version', 'POST /api/3.0/mlflow/traces']);
      const written = readFileSync(join(artifactDir, 'traces.json'), 'utf8');
      expect(written.startsWith('{"spans": [{"trace_id": ')).toBe(true);
      const data = JSON.parse(written) as { spans: Array<Record<string, unknown>> };
      expect(data.spans[0]).toMatchObject({ name: 'outer', kind: 'SPAN_KIND_INTERNAL', links: [] });
      expect(written).toContain('"start_time_unix_nano": 1795828287769016152');
    });
  }

  it('a server answering 501 "REST OTLP span logging is not supported" is not sent OTLP again', async () => {
    const artifactDir = join(tmp.dir, 'artifacts-501');
    mkdirSync(artifactDir, { recursive: true });
    const fake = await fakeServer((req, res) => {
      if (req.url === '/version') return void res.end('3.18.0');
      if (req.url === '/v1/traces') {
        return json(res, 501, { detail: 'REST OTLP span logging is not supported by FileStore' });
      }
      json(res, 200, startTraceAnswer(artifactDir, false));
    });
    const store = traceStore(fake.url);
    await store.logSpans('7', [span()]);
    await store.logSpans('7', [span()]);
    await store.startTrace(info());
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /version',
      'POST /v1/traces',
      'POST /api/3.0/mlflow/traces',
    ]);
    const data = JSON.parse(readFileSync(join(artifactDir, 'traces.json'), 'utf8')) as { spans: unknown[] };
    expect(data.spans).toHaveLength(2);
  });

  it('nothing is uploaded when the server says it holds the spans', async () => {
    const artifactDir = join(tmp.dir, 'artifacts-held');
    mkdirSync(artifactDir, { recursive: true });
    const fake = await fakeServer((req, res) => {
      if (req.url === '/version') return void res.end('3.18.0');
      if (req.url === '/v1/traces') return json(res, 503, 'busy');
      json(res, 200, startTraceAnswer(artifactDir, true));
    });
    const store = traceStore(fake.url, { maxRetries: 1 });
    // A transient failure is the caller's to retry (the exporter's queue does): it surfaces.
    expect((await caught(store.logSpans('7', [span()]))).errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(fake.seen.filter((s) => s.url === '/v1/traces')).toHaveLength(2);
    await store.startTrace(info());
    expect(existsSync(join(artifactDir, 'traces.json'))).toBe(false);
  });
});

describe('retries follow MLflow: StartTraceV3, search, tags are retried; delete and link are not', () => {
  it('StartTraceV3 and PATCH tags are sent again after a 503; delete-traces and link-to-run are not', async () => {
    const fake = await fakeServer((req, res, n) => {
      const alwaysBusy = req.url.endsWith('/delete-traces') || req.url.endsWith('/link-to-run');
      if (alwaysBusy || n % 2 === 1) return json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      if (req.url === '/api/3.0/mlflow/traces') return json(res, 200, startTraceAnswer(tmp.dir, true));
      json(res, 200, {});
    });
    const store = traceStore(fake.url);
    await store.startTrace(info());
    await store.setTraceTag(TRACE_ID, 'k', 'v');
    await store.deleteTraceTag(TRACE_ID, 'k');
    expect(fake.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'PATCH', 'PATCH', 'DELETE', 'DELETE']);
    expect(JSON.parse(fake.seen[5]!.body.toString())).toEqual({ key: 'k' });
    const n = fake.seen.length;
    expect((await caught(store.deleteTraces({ experimentId: '7', traceIds: [TRACE_ID] }))).errorCode).toBe(
      ErrorCode.TEMPORARILY_UNAVAILABLE,
    );
    expect((await caught(store.linkTracesToRun([TRACE_ID], 'r'))).errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(fake.seen.length - n).toBe(2);
  });
});

describe('getTrace', () => {
  it('falls back to BatchGetTraces on a server without GetTrace, as MLflow does', async () => {
    const spanJson =
      `{"trace_id": "${Buffer.from(TRACE_HEX, 'hex').toString('base64')}", "span_id": "t61rcWkgMzE=", "name": "outer",` +
      ' "start_time_unix_nano": 1795828287769016152, "end_time_unix_nano": 1795828287949493701,' +
      ' "attributes": [{"key": "mlflow.spanInputs", "value": {"kvlist_value": {"values": [{"key": "x", "value": {"int_value": 3}}]}}}],' +
      ' "status": {"code": "STATUS_CODE_OK"}}';
    const fake = await fakeServer((req, res) => {
      if (req.url.startsWith('/api/3.0/mlflow/traces/get')) {
        return json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Trace with ID 'get' not found." });
      }
      if (req.url.startsWith('/api/3.0/mlflow/traces/batchGet')) {
        return json(
          res,
          200,
          `{"traces": [{"trace_info": ${JSON.stringify(startTraceAnswer(tmp.dir, true).trace.trace_info)}, "spans": [${spanJson}]}]}`,
        );
      }
      json(res, 200, startTraceAnswer(tmp.dir, true));
    });
    const trace = await traceStore(fake.url).getTrace(TRACE_ID, { allowPartial: true });
    expect(fake.seen.map((s) => s.url)).toEqual([
      `/api/3.0/mlflow/traces/${TRACE_ID}`,
      `/api/3.0/mlflow/traces/get?trace_id=${TRACE_ID}&allow_partial=true`,
      `/api/3.0/mlflow/traces/batchGet?trace_ids=${TRACE_ID}`,
    ]);
    const s = trace.data.spans[0]!;
    expect(s.startTimeNs).toBe(1_795_828_287_769_016_152n);
    expect(s.inputs).toEqual({ x: 3 });
    expect(s.traceId).toBe(TRACE_ID);
  });

  it('a trace whose traces.json is missing or corrupted is a BAD_REQUEST naming the trace, as in MLflow', async () => {
    const missingDir = join(tmp.dir, 'no-trace-data');
    const corruptDir = join(tmp.dir, 'corrupt-trace-data');
    mkdirSync(missingDir, { recursive: true });
    mkdirSync(corruptDir, { recursive: true });
    writeFileSync(join(corruptDir, 'traces.json'), '{"spans": [');
    for (const [dir, words] of [
      [missingDir, 'it is missing span data'],
      [corruptDir, 'its span data is corrupted'],
    ] as const) {
      const fake = await fakeServer((_req, res) => json(res, 200, startTraceAnswer(dir, false)));
      const err = await caught(traceStore(fake.url).getTrace(TRACE_ID));
      expect(err.errorCode).toBe(ErrorCode.BAD_REQUEST);
      expect(err.message).toBe(
        `Trace with ID ${TRACE_ID} cannot be loaded because ${words}. Please try creating or loading another trace.`,
      );
      // Only the info was asked for: the spans are not the server's.
      expect(fake.seen).toHaveLength(1);
    }
  });
});
