// The trace calls of the REST store against real `mlflow server`s (MLflow 3.18.0): traces the SDK logs
// (OTLP spans, then StartTraceV3) read identically with Python's `mlflow.get_trace` / `search_traces` and
// the UI's endpoints; traces Python logs (spans in the store, or only in traces.json as older clients
// leave them) read identically with ours; tags, deletes and run links round-trip; bad calls fail with the
// error codes Python's client gets; and a server that cannot store spans (a file store) gets traces.json.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pyJsonDumps } from '../../src/internal/python-json.js';
import { Span, type SpanDict, type Trace, type TraceInfo, TraceState } from '../../src/tracking/entities/index.js';
import { isMlflowError, type MlflowError } from '../../src/tracking/errors.js';
import { parseJsonLossless } from '../../src/tracking/otlp/json.js';
import { RestTrackingStore } from '../../src/tracking/rest/store.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

// The job runner's worker processes are of no use here and cost a 2-core machine dearly.
const SERVER_ENV = { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };

type Json = Record<string, unknown>;
interface TraceDump {
  info: Json;
  spans: Json[];
}
interface ReadResult {
  traces: Record<string, TraceDump>;
  infos: Record<string, Json>;
  search_fluent?: string[];
  search_client?: string[];
  search_client_dumps?: Record<string, TraceDump>;
  search_filter?: string[] | null;
  search_run?: string[] | null;
}

// ------------------------------------------------------------------------------------------ canonical form

function dumpInfo(i: TraceInfo): Json {
  return {
    trace_id: i.traceId,
    experiment_id: i.experimentId,
    request_time: i.requestTime,
    execution_duration: i.executionDuration,
    state: i.state,
    request_preview: i.requestPreview,
    response_preview: i.responsePreview,
    client_request_id: i.clientRequestId,
    trace_metadata: i.traceMetadata,
    tags: i.tags,
  };
}

function plain(value: unknown): unknown {
  // JSON's view of a value, as Python's dump reaches us (bigint-free).
  return value === undefined
    ? null
    : JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

function dumpSpan(s: Span): Json {
  const d = s.toDict();
  return {
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_id: s.parentId,
    name: s.name,
    kind: d.kind ?? 'SPAN_KIND_INTERNAL',
    span_type: s.spanType,
    start_time_ns: s.startTimeNs.toString(),
    end_time_ns: s.endTimeNs === null ? null : s.endTimeNs.toString(),
    status_code: s.status.statusCode,
    status_description: s.status.description,
    inputs: plain(s.inputs),
    outputs: plain(s.outputs),
    attributes: d.attributes,
    events: s.events.map((e) => ({
      name: e.name,
      timestamp: e.timestampNs.toString(),
      attributes: plain(e.attributes),
    })),
  };
}

function sortSpans(spans: readonly Span[]): Span[] {
  return [...spans].sort((a, b) =>
    a.startTimeNs === b.startTimeNs ? a.spanId.localeCompare(b.spanId) : a.startTimeNs < b.startTimeNs ? -1 : 1,
  );
}

function dumpTrace(t: Trace): TraceDump {
  return { info: dumpInfo(t.info), spans: sortSpans(t.data.spans).map(dumpSpan) };
}

// ------------------------------------------------------------------------------------------ traces made here

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const b64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');

interface SpanSpec {
  id: string;
  parent?: string;
  name: string;
  type: string;
  startMs: number;
  endMs: number;
  inputs?: unknown;
  outputs?: unknown;
  /** Extra attributes, already JSON text. */
  attrs?: Record<string, string>;
  error?: string;
  kind?: string;
  events?: SpanDict['events'];
}

function makeTrace(spec: {
  base: bigint;
  specs: SpanSpec[];
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
  clientRequestId?: string;
  experimentId: string;
}): { spans: Span[]; info: TraceInfo } {
  const traceHex = hex(16);
  const traceId = `tr-${traceHex}`;
  const ns = (ms: number): bigint => spec.base + BigInt(Math.round(ms * 1000)) * 1000n + 123n;
  const spans = spec.specs.map((s) => {
    const attributes: Record<string, unknown> = {
      'mlflow.traceRequestId': pyJsonDumps(traceId),
      'mlflow.spanType': pyJsonDumps(s.type),
    };
    if (s.inputs !== undefined) attributes['mlflow.spanInputs'] = pyJsonDumps(s.inputs);
    if (s.outputs !== undefined) attributes['mlflow.spanOutputs'] = pyJsonDumps(s.outputs);
    Object.assign(attributes, s.attrs ?? {});
    const dict: SpanDict = {
      trace_id: b64(traceHex),
      span_id: b64(s.id),
      parent_span_id: s.parent ? b64(s.parent) : null,
      name: s.name,
      kind: s.kind ?? 'SPAN_KIND_INTERNAL',
      start_time_unix_nano: ns(s.startMs),
      end_time_unix_nano: ns(s.endMs),
      events: s.events ?? [],
      status: s.error ? { code: 'STATUS_CODE_ERROR', message: s.error } : { code: 'STATUS_CODE_OK', message: '' },
      attributes,
      links: [],
    };
    return new Span(dict);
  });
  const root = spans.find((s) => s.parentId === null)!;
  const rootSpec = spec.specs.find((s) => !s.parent)!;
  const info: TraceInfo = {
    traceId,
    experimentId: spec.experimentId,
    requestTime: Number(root.startTimeNs / 1_000_000n),
    executionDuration: Number((root.endTimeNs! - root.startTimeNs) / 1_000_000n),
    state: rootSpec.error ? TraceState.ERROR : TraceState.OK,
    requestPreview: rootSpec.inputs === undefined ? null : pyJsonDumps(rootSpec.inputs),
    responsePreview: rootSpec.outputs === undefined ? null : pyJsonDumps(rootSpec.outputs),
    clientRequestId: spec.clientRequestId ?? null,
    traceMetadata: {
      'mlflow.trace_schema.version': '3',
      'mlflow.user': 'alice',
      ...(rootSpec.inputs === undefined ? {} : { 'mlflow.traceInputs': pyJsonDumps(rootSpec.inputs) }),
      ...(rootSpec.outputs === undefined ? {} : { 'mlflow.traceOutputs': pyJsonDumps(rootSpec.outputs) }),
      ...spec.metadata,
    },
    tags: { 'mlflow.traceName': root.name, ...spec.tags },
  };
  return { spans, info };
}

function sampleTraces(experimentId: string): Array<{ spans: Span[]; info: TraceInfo }> {
  const base = BigInt(Date.now() - 60_000) * 1_000_000n;
  const [r1, c1, g1] = [hex(8), hex(8), hex(8)];
  const nested = makeTrace({
    base,
    experimentId,
    specs: [
      {
        id: r1,
        name: 'agent',
        type: 'AGENT',
        startMs: 0,
        endMs: 250.5,
        inputs: { question: 'What is MLflow?', n: 2 },
        outputs: 'MLflow is an open source platform.',
      },
      {
        id: c1,
        parent: r1,
        name: 'chat',
        type: 'CHAT_MODEL',
        startMs: 10,
        endMs: 200,
        inputs: [{ role: 'user', content: 'What is MLflow?' }],
        outputs: { choices: [{ message: { role: 'assistant', content: 'Héllo ✓ 😀' } }] },
        attrs: {
          'mlflow.chat.tokenUsage': '{"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}',
          // Python's json.dumps writes these; a float stays a float through OTLP.
          temperature: '0.5',
          ratio: '1.0',
          nested: '{"2": {"b": [1, 2.5, null, true]}, "a": -0.0}',
        },
        kind: 'SPAN_KIND_CLIENT',
      },
      {
        id: g1,
        parent: c1,
        name: 'retrieve',
        type: 'RETRIEVER',
        startMs: 20,
        endMs: 40,
        inputs: { query: 'mlflow' },
        outputs: [{ page_content: 'MLflow docs', metadata: { doc_uri: 'a.md', score: 0.75 } }],
      },
    ],
    metadata: {
      'mlflow.trace.tokenUsage': '{"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}',
      'custom.key': 'v1',
    },
    tags: { env: 'prod', team: 'ml' },
  });
  const [r2, c2] = [hex(8), hex(8)];
  const failing = makeTrace({
    base: base + 1_000_000_000n,
    experimentId,
    specs: [
      { id: r2, name: 'failing', type: 'CHAIN', startMs: 0, endMs: 30, inputs: { x: 3 }, error: 'ValueError: boom' },
      {
        id: c2,
        parent: r2,
        name: 'inner-tool',
        type: 'TOOL',
        startMs: 5,
        endMs: 25,
        inputs: { x: 3 },
        error: 'ValueError: boom',
        events: [
          {
            name: 'exception',
            time_unix_nano: base + 1_020_000_000n,
            attributes: {
              'exception.type': 'ValueError',
              'exception.message': 'boom',
              'exception.stacktrace': 'Traceback (most recent call last):\nValueError: boom',
            },
          },
        ],
      },
    ],
    tags: { env: 'dev' },
  });
  const simple = makeTrace({
    base: base + 2_000_000_000n,
    experimentId,
    clientRequestId: 'req-42',
    specs: [{ id: hex(8), name: 'échange', type: 'LLM', startMs: 0, endMs: 1, inputs: 'plain text ✓', outputs: null }],
  });
  return [nested, failing, simple];
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

function countRequests(server: MlflowServer, line: string): number {
  return server
    .output()
    .split('\n')
    .filter((l) => l.includes(line)).length;
}

// ------------------------------------------------------------------------------------------ tests

describe('REST trace calls against a real mlflow server (SQL store)', () => {
  const tmp = makeTempDir('mlflow-genai-traces-rest-');
  let server: MlflowServer;
  let store: RestTrackingStore;
  let experimentId: string;
  let written: Array<{ spans: Span[]; info: TraceInfo }> = [];

  beforeAll(async () => {
    // No --default-artifact-root: trace artifacts go through the server's mlflow-artifacts proxy.
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: ['--artifacts-destination', join(tmp.dir, 'artifacts')],
    });
    store = new RestTrackingStore(server.url);
    experimentId = await store.createExperiment('ts-traces');
    written = sampleTraces(experimentId);
    for (const t of written) {
      await store.logSpans(experimentId, t.spans);
      const stored = await store.startTrace(t.info);
      expect(stored.traceId).toBe(t.info.traceId);
      expect(stored.tags['mlflow.trace.spansLocation']).toBe('TRACKING_STORE');
      expect(stored.tags['mlflow.artifactLocation']).toMatch(/^mlflow-artifacts:\//);
    }
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('sends spans as OTLP protobuf after one /version probe, then the info with StartTraceV3', () => {
    expect(countRequests(server, '"GET /version')).toBe(1);
    expect(countRequests(server, '"POST /v1/traces')).toBe(written.length);
    expect(countRequests(server, '"POST /api/3.0/mlflow/traces HTTP')).toBe(written.length);
  });

  it('Python mlflow.get_trace / search_traces read the SDK-logged traces identically', async () => {
    const ids = written.map((t) => t.info.traceId);
    const py = await runPythonJson<ReadResult>(
      'traces_rest_read.py',
      { tracking_uri: server.url, trace_ids: ids, experiment_ids: [experimentId], filter: "tags.env = 'prod'" },
      { cwd: tmp.dir },
    );
    for (const t of written) {
      const theirs = py.traces[t.info.traceId]!;
      // Spans: names, parents, types, inputs, outputs, status, times and every attribute's JSON text.
      expect(theirs.spans).toEqual(sortSpans(t.spans).map(dumpSpan));
      const info = theirs.info;
      expect(info).toMatchObject({
        trace_id: t.info.traceId,
        experiment_id: experimentId,
        request_time: t.info.requestTime,
        execution_duration: t.info.executionDuration,
        state: t.info.state,
        request_preview: t.info.requestPreview,
        response_preview: t.info.responsePreview,
        client_request_id: t.info.clientRequestId,
      });
      expect(info.trace_metadata).toMatchObject(t.info.traceMetadata);
      expect(info.tags).toMatchObject({ ...t.info.tags, 'mlflow.trace.spansLocation': 'TRACKING_STORE' });
      expect(py.infos[t.info.traceId]).toEqual(info);
    }
    expect(new Set(py.search_fluent)).toEqual(new Set(ids));
    expect(new Set(py.search_client)).toEqual(new Set(ids));
    expect(py.search_filter).toEqual([written[0]!.info.traceId]);
    // The attribute JSON text kept a float a float and key order as written.
    const chat = py.traces[written[0]!.info.traceId]!.spans.find((s) => s.name === 'chat')!;
    expect((chat.attributes as Json).ratio).toBe('1.0');
    expect((chat.attributes as Json).nested).toBe('{"2": {"b": [1, 2.5, null, true]}, "a": -0.0}');
  });

  it('getTrace and searchTraces read them back as Python does', async () => {
    const ids = written.map((t) => t.info.traceId);
    const py = await runPythonJson<ReadResult>(
      'traces_rest_read.py',
      { tracking_uri: server.url, trace_ids: ids, experiment_ids: [experimentId] },
      { cwd: tmp.dir },
    );
    for (const id of ids) {
      expect(dumpTrace(await store.getTrace(id))).toEqual(py.traces[id]);
      expect(dumpInfo(await store.getTraceInfo(id))).toEqual(py.infos[id]);
    }
    const page = await store.searchTraces({ experimentIds: [experimentId] });
    expect(page.items.map((i) => i.traceId)).toEqual(py.search_client);
    expect(page.items.map(dumpInfo)).toEqual(py.search_client!.map((id) => py.search_client_dumps![id]!.info));
    const filtered = await store.searchTraces({ experimentIds: [experimentId], filterString: "tags.env = 'prod'" });
    expect(filtered.items.map((i) => i.traceId)).toEqual([written[0]!.info.traceId]);
    // Pages: one trace at a time, oldest first.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const p = await store.searchTraces({
        experimentIds: [experimentId],
        maxResults: 1,
        orderBy: ['timestamp_ms ASC'],
        ...(token ? { pageToken: token } : {}),
      });
      seen.push(...p.items.map((i) => i.traceId));
      token = p.nextPageToken;
    } while (token);
    expect(seen).toEqual(ids);
  });

  it("the UI's endpoints serve the SDK-logged traces with their spans", async () => {
    const t = written[0]!;
    const res = await fetch(
      `${server.url}/ajax-api/3.0/mlflow/traces/get?trace_id=${t.info.traceId}&allow_partial=true`,
    );
    expect(res.status).toBe(200);
    const body = parseJsonLossless(await res.text()) as { trace: { trace_info: Json; spans: Json[] } };
    expect(body.trace.trace_info.trace_id).toBe(t.info.traceId);
    expect(body.trace.spans.map((s) => s.name).sort()).toEqual(['agent', 'chat', 'retrieve']);

    const art = await fetch(`${server.url}/ajax-api/3.0/mlflow/get-trace-artifact?request_id=${t.info.traceId}`);
    expect(art.status).toBe(200);
    const data = parseJsonLossless(await art.text()) as { spans: Array<Record<string, unknown>> };
    const byName = new Map(data.spans.map((s) => [s.name as string, s]));
    for (const span of t.spans) {
      const served = Span.fromDict(byName.get(span.name)!);
      expect(dumpSpan(served)).toEqual(dumpSpan(span));
    }

    const search = await fetch(`${server.url}/ajax-api/3.0/mlflow/traces/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
      }),
    });
    const found = (await search.json()) as { traces: Json[] };
    expect(found.traces.map((x) => x.trace_id).sort()).toEqual(written.map((w) => w.info.traceId).sort());
  });

  it('reads traces Python logged, with spans in the store or only in traces.json, as Python reads them', async () => {
    for (const artifactOnly of [false, true]) {
      const py = await runPythonJson<{ experiment_id: string; trace_ids: string[]; traces: Record<string, TraceDump> }>(
        'traces_rest_write.py',
        { tracking_uri: server.url, experiment_name: `py-traces-${artifactOnly}`, artifact_only: artifactOnly },
        { cwd: tmp.dir },
      );
      expect(py.trace_ids).toHaveLength(3);
      for (const id of py.trace_ids) {
        const ours = await store.getTrace(id);
        expect(dumpTrace(ours)).toEqual(py.traces[id]);
        expect('mlflow.trace.spansLocation' in ours.info.tags).toBe(!artifactOnly);
      }
      const agent = py.traces[py.trace_ids[0]!]!;
      expect(agent.spans.map((s) => s.name)).toEqual(['agent', 'retrieve', 'chat']);
      const read = await runPythonJson<ReadResult>(
        'traces_rest_read.py',
        { tracking_uri: server.url, experiment_ids: [py.experiment_id] },
        { cwd: tmp.dir },
      );
      const page = await store.searchTraces({ experimentIds: [py.experiment_id] });
      expect(page.items.map((i) => i.traceId)).toEqual(read.search_client);
    }
  });

  it('tags, run links and deletes round-trip with Python', async () => {
    const [t1, t2, t3] = written.map((t) => t.info.traceId) as [string, string, string];
    await store.setTraceTag(t1, 'stage', 'reviewed ✓');
    await store.setTraceTag(t1, 'empty', '');
    await store.deleteTraceTag(t1, 'team');
    const run = await store.createRun({ experimentId, userId: 'alice', startTime: Date.now(), tags: [] });
    await store.linkTracesToRun([t2, t3], run.info.runId);
    let py = await runPythonJson<ReadResult>(
      'traces_rest_read.py',
      { tracking_uri: server.url, trace_ids: [t1], experiment_ids: [experimentId], run_id: run.info.runId },
      { cwd: tmp.dir },
    );
    const tags = py.infos[t1]!.tags as Record<string, string>;
    expect(tags.stage).toBe('reviewed ✓');
    expect(tags.empty).toBe('');
    expect('team' in tags).toBe(false);
    expect(new Set(py.search_run)).toEqual(new Set([t2, t3]));
    const linked = await store.searchTraces({
      experimentIds: [experimentId],
      filterString: `attributes.run_id = '${run.info.runId}'`,
    });
    expect(new Set(linked.items.map((i) => i.traceId))).toEqual(new Set([t2, t3]));

    // By ids, 100 per request as MLflow sends them.
    const before = countRequests(server, 'delete-traces');
    const ids = [t3, ...Array.from({ length: 149 }, () => `tr-${hex(16)}`)];
    expect(await store.deleteTraces({ experimentId, traceIds: ids })).toBe(1);
    expect(countRequests(server, 'delete-traces') - before).toBe(2);
    expect(await store.deleteTraces({ experimentId, traceIds: [t3] })).toBe(0);
    py = await runPythonJson<ReadResult>(
      'traces_rest_read.py',
      { tracking_uri: server.url, experiment_ids: [experimentId] },
      { cwd: tmp.dir },
    );
    expect(new Set(py.search_client)).toEqual(new Set([t1, t2]));
    // By time: the oldest one only.
    expect(await store.deleteTraces({ experimentId, maxTimestampMillis: Date.now(), maxTraces: 1 })).toBe(1);
    const left = await store.searchTraces({ experimentIds: [experimentId] });
    expect(left.items.map((i) => i.traceId)).toEqual([t2]);
  });

  it('bad calls fail with the error codes Python gets; bad arguments fail before any request', async () => {
    const t = written[1]!.info.traceId;
    const run = await store.createRun({ experimentId, userId: 'alice', startTime: Date.now(), tags: [] });
    const py = await runPythonJson<Record<string, string>>(
      'traces_rest_errors.py',
      { tracking_uri: server.url, trace_id: t, run_id: run.info.runId },
      { cwd: tmp.dir },
    );
    const missing = `tr-${'0'.repeat(31)}1`;
    const code = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'ok',
        (e: unknown) => (isMlflowError(e) ? e.errorCode : `not an MlflowError: ${String(e)}`),
      );
    const ours: Record<string, string> = {
      get_info_missing: await code(store.getTraceInfo(missing)),
      get_trace_missing: await code(store.getTrace(missing)),
      set_tag_missing_trace: await code(store.setTraceTag(missing, 'k', 'v')),
      set_tag_blocked: await code(store.setTraceTag(t, 'mlflow.artifactLocation', 'x')),
      set_tag_empty_key: await code(store.setTraceTag(t, '', 'v')),
      delete_tag_missing: await code(store.deleteTraceTag(t, 'no-such-tag')),
      link_missing_run: await code(store.linkTracesToRun([t], 'f'.repeat(32))),
      link_too_many: await code(
        store.linkTracesToRun(
          Array.from({ length: 101 }, (_, i) => `tr-${i.toString(16).padStart(32, '0')}`),
          run.info.runId,
        ),
      ),
      search_bad_filter: await code(store.searchTraces({ experimentIds: ['0'], filterString: 'foo bar baz' })),
      search_too_many: await code(store.searchTraces({ experimentIds: ['0'], maxResults: 501 })),
    };
    expect(ours).toEqual(py);
    expect(ours.get_info_missing).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(ours.set_tag_blocked).toBe('INVALID_PARAMETER_VALUE');

    const before = countRequests(server, 'delete-traces');
    for (const args of [
      { experimentId },
      { experimentId, maxTimestampMillis: 1, traceIds: [t] },
      { experimentId, traceIds: [t], maxTraces: 1 },
      { experimentId, maxTimestampMillis: 1, maxTraces: 0 },
    ]) {
      expect((await caught(store.deleteTraces(args))).errorCode).toBe('INVALID_PARAMETER_VALUE');
    }
    expect((await caught(store.searchTraces({ experimentIds: ['cat.schema'] }))).message).toContain(
      'Locations must be a list of experiment IDs',
    );
    expect(countRequests(server, 'delete-traces')).toBe(before);
  });
});

describe('REST trace calls against a server whose store cannot hold spans (file store)', () => {
  const tmp = makeTempDir('mlflow-genai-traces-filestore-');
  let server: MlflowServer;
  let store: RestTrackingStore;
  let experimentId: string;
  let written: Array<{ spans: Span[]; info: TraceInfo }> = [];

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: join(tmp.dir, 'mlruns'),
      cwd: tmp.dir,
      env: { ...SERVER_ENV, MLFLOW_ALLOW_FILE_STORE: 'true' },
      args: ['--artifacts-destination', join(tmp.dir, 'artifacts')],
    });
    store = new RestTrackingStore(server.url);
    experimentId = await store.createExperiment('ts-traces-fs');
    written = sampleTraces(experimentId);
    for (const t of written) {
      await store.logSpans(experimentId, t.spans);
      const stored = await store.startTrace(t.info);
      expect(stored.tags['mlflow.trace.spansLocation']).toBeUndefined();
    }
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('falls back as MLflow does: OTLP is tried once, then spans go to traces.json after StartTraceV3', async () => {
    expect(countRequests(server, '"POST /v1/traces')).toBe(1);
    expect(countRequests(server, '"POST /api/3.0/mlflow/traces HTTP')).toBe(written.length);
    const ids = written.map((t) => t.info.traceId);
    const py = await runPythonJson<ReadResult>(
      'traces_rest_read.py',
      { tracking_uri: server.url, trace_ids: ids },
      { cwd: tmp.dir, env: { MLFLOW_ALLOW_FILE_STORE: 'true' } },
    );
    for (const t of written) {
      expect(py.traces[t.info.traceId]!.spans).toEqual(sortSpans(t.spans).map(dumpSpan));
      expect(dumpTrace(await store.getTrace(t.info.traceId))).toEqual(py.traces[t.info.traceId]);
    }
  });
});
