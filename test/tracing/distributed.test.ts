import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  closeAllTrackingStores,
  configureTracing,
  flushTraces,
  getTracingContextHeadersForHttpRequest,
  InvalidParameterError,
  isRemoteTrace,
  logFeedback,
  MlflowClient,
  resetTracing,
  trace,
  updateCurrentTrace,
  withSpan,
  withTracingContextFromHttpRequestHeaders,
} from '../../src/index.js';
import { makeTempDir } from '../helpers/paths.js';
import { useTracingSink } from '../helpers/tracing-sink.js';

const tracing = useTracingSink();
const traces = () => tracing.traces();

afterEach(() => {
  vi.restoreAllMocks();
});

const REMOTE_TRACE = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN = 'b7ad6b7169203331';
const HEADER = `00-${REMOTE_TRACE}-${REMOTE_SPAN}-01`;

describe('getTracingContextHeadersForHttpRequest()', () => {
  it("is the active span's W3C traceparent", async () => {
    let headers: Record<string, string> = {};
    let ids: [string, string] = ['', ''];
    await withSpan({ name: 'client' }, (span) => {
      headers = getTracingContextHeadersForHttpRequest();
      ids = [span.traceId, span.spanId];
    });
    expect(headers).toEqual({ traceparent: `00-${ids[0].slice(3)}-${ids[1]}-03` });
    expect(Object.keys(headers)).toEqual(['traceparent']);
  });

  it('outside a span: a warning and no header; with tracing disabled: no header', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(getTracingContextHeadersForHttpRequest()).toEqual({});
    expect(String(warning.mock.calls[0]?.[0])).toMatch(/No active span found/);
    await configureTracing({
      enabled: false,
      destination: { type: 'custom', exporter: tracing.sink },
      flushOnExit: false,
    });
    expect(withSpan({ name: 'off' }, () => getTracingContextHeadersForHttpRequest())).toEqual({});
  });
});

describe('withTracingContextFromHttpRequestHeaders()', () => {
  it("nests spans under the caller's span in its trace, and exports them as a remote trace (spans only)", async () => {
    const handle = trace(async (q: string) => withSpan({ name: 'step' }, () => `answer to ${q}`), { name: 'handle' });
    const out = await withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, () => handle('q'));
    expect(out).toBe('answer to q');
    const ts = await traces();
    expect(ts).toHaveLength(1);
    const [t] = ts;
    expect(isRemoteTrace(t!)).toBe(true);
    expect(t!.info.traceId).toBe(`tr-${REMOTE_TRACE}`);
    expect(t!.data.spans.map((s) => [s.name, s.traceId, s.parentId])).toEqual([
      ['handle', `tr-${REMOTE_TRACE}`, REMOTE_SPAN],
      ['step', `tr-${REMOTE_TRACE}`, t!.data.spans[0]!.spanId],
    ]);
    // Inside, the outgoing headers point at this process's span, in the same trace.
    const inner = withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, () =>
      withSpan({ name: 'fwd' }, (s) => [s.spanId, getTracingContextHeadersForHttpRequest()] as const),
    );
    expect(inner[1]).toEqual({ traceparent: `00-${REMOTE_TRACE}-${inner[0]}-03` });
    // And with no span of its own, they pass the caller's context on.
    expect(
      withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, getTracingContextHeadersForHttpRequest),
    ).toEqual({
      traceparent: HEADER,
    });
  });

  it('each group of spans is exported once all of it has ended; concurrent requests stay apart', async () => {
    const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    await Promise.all(
      [HEADER, other].map((h, i) =>
        withTracingContextFromHttpRequestHeaders({ traceparent: h }, async () => {
          await withSpan({ name: `a${i}` }, () => new Promise((r) => setTimeout(r, 5)));
          await withSpan({ name: `b${i}` }, () => undefined);
        }),
      ),
    );
    const ts = await traces();
    expect(ts.map((t) => [t.info.traceId, t.data.spans.map((s) => s.name)]).sort()).toEqual([
      [`tr-${REMOTE_TRACE}`, ['a0']],
      [`tr-${REMOTE_TRACE}`, ['b0']],
      [`tr-${'1'.repeat(32)}`, ['a1']],
      [`tr-${'1'.repeat(32)}`, ['b1']],
    ]);
    expect(ts.every(isRemoteTrace)).toBe(true);
  });

  it('a request to this same process joins the local trace, exported whole with its root', async () => {
    await withSpan({ name: 'client' }, () => {
      const headers = getTracingContextHeadersForHttpRequest();
      return withTracingContextFromHttpRequestHeaders(headers, () => withSpan({ name: 'server' }, () => 1));
    });
    const ts = await traces();
    expect(ts).toHaveLength(1);
    expect(isRemoteTrace(ts[0]!)).toBe(false);
    const [client, server] = ts[0]!.data.spans;
    expect([client!.name, server!.name, server!.parentId]).toEqual(['client', 'server', client!.spanId]);
  });

  it("a caller's trace not sampled (flag 00) is not recorded here", async () => {
    const out = withTracingContextFromHttpRequestHeaders({ traceparent: HEADER.replace(/-01$/, '-00') }, () =>
      withSpan({ name: 'skipped' }, (s) => s.isRecording),
    );
    expect(out).toBe(false);
    expect(await traces()).toHaveLength(0);
  });

  it('reads fetch Headers, Node header records (any case, array values)', async () => {
    const forms = [
      new Headers({ TraceParent: HEADER }),
      { Traceparent: HEADER },
      { traceparent: [HEADER] },
      { traceparent: ` ${HEADER} ` },
    ];
    for (const headers of forms) {
      withTracingContextFromHttpRequestHeaders(headers, () => withSpan({ name: 'x' }, () => undefined));
    }
    const ts = await traces();
    expect(ts.map((t) => t.data.spans[0]!.parentId)).toEqual(Array(4).fill(REMOTE_SPAN));
  });

  it('refuses missing or malformed headers with a typed error naming the value', () => {
    const run = (headers: unknown) => () => withTracingContextFromHttpRequestHeaders(headers as never, () => 1);
    expect(run({})).toThrow(InvalidParameterError);
    expect(run({})).toThrow(/do not contain the required key 'traceparent'/);
    expect(run(null)).toThrow(/Invalid headers: expected an object of HTTP request headers, got null/);
    for (const bad of [
      'garbage',
      `ff-${REMOTE_TRACE}-${REMOTE_SPAN}-01`,
      `00-${'0'.repeat(32)}-${REMOTE_SPAN}-01`,
      `00-${REMOTE_TRACE}-${'0'.repeat(16)}-01`,
      `00-${REMOTE_TRACE.toUpperCase()}-${REMOTE_SPAN}-01`,
      `${HEADER}-extra`,
    ]) {
      expect(run({ traceparent: bad }), bad).toThrow(`Invalid traceparent header '${bad}'`);
    }
    // A later version may append fields.
    expect(run({ traceparent: `01-${REMOTE_TRACE}-${REMOTE_SPAN}-01-more` })()).toBe(1);
    expect(() => withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, 'x' as never)).toThrow(
      /expects a function to run, got string/,
    );
  });

  it("updateCurrentTrace() there warns: the trace's info is the caller's process to record", async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    await withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, () =>
      withSpan({ name: 'h' }, () => updateCurrentTrace({ tags: { a: '1' } })),
    );
    expect(String(warning.mock.calls.at(-1)?.[0])).toMatch(/root span is in another process/);
    const [t] = await traces();
    expect(t!.info.tags.a).toBeUndefined();
  });
});

describe('a remote trace in the embedded store', () => {
  it('stores the spans and what was attached to the trace here (an assessment) without a trace info of its own', async () => {
    const tmp = makeTempDir('distributed-store-');
    const uri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
    try {
      const client = new MlflowClient({ trackingUri: uri });
      const experimentId = await client.createExperiment('remote');
      await configureTracing({ destination: { type: 'mlflow', trackingUri: uri, experimentId }, flushOnExit: false });
      await withTracingContextFromHttpRequestHeaders({ traceparent: HEADER }, () =>
        withSpan({ name: 'handler', inputs: { q: 1 } }, async (span) => {
          await logFeedback({ traceId: span.traceId, name: 'helpful', value: true });
          span.setOutputs('ok');
        }),
      );
      await flushTraces();
      const t = await client.getTrace(`tr-${REMOTE_TRACE}`);
      expect(t.data.spans.map((s) => [s.name, s.parentId, s.inputs, s.outputs])).toEqual([
        ['handler', REMOTE_SPAN, { q: 1 }, 'ok'],
      ]);
      expect(t.info.experimentId).toBe(experimentId);
      expect(t.info.assessments?.map((a) => [a.name, (a as { value?: unknown }).value])).toEqual([['helpful', true]]);
    } finally {
      await resetTracing();
      await closeAllTrackingStores();
      delete process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT;
      tmp.cleanup();
    }
  });
});
