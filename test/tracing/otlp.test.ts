// The OTLP protobuf encoder against MLflow 3.18's own conversion: the bytes we write for a set of spans are
// the bytes Python's `Span.to_otel_proto` + `ExportTraceServiceRequest.SerializeToString()` give, Python's
// opentelemetry-proto reads them back, and our reading of OTLP spans matches `Span.from_otel_proto`.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter } from '../../src/internal/protobuf.js';
import {
  decodeExportTraceServiceRequest,
  encodeExportTraceServiceRequest,
  jsonToOtlpAnyValue,
  otlpAnyValueToPyJson,
  otlpResource,
  otlpSpanFromJson,
  parseJsonLossless,
  parseOtlpHeaders,
  postOtlpTraces,
  resolveOtlpTracesEndpoint,
  spanFromOtlp,
  spanToOtlp,
} from '../../src/tracing/otlp/index.js';
import { Span, type SpanDict, spanDictToJson } from '../../src/tracking/entities/index.js';
import { ErrorCode, isMlflowError, type MlflowError } from '../../src/tracking/errors.js';
import { runPython } from '../helpers/python.js';

const TRACE_HEX = '0af7651916cd43dd8448eb211c80319c';
const TRACE_ID = `tr-${TRACE_HEX}`;
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** Spans in MLflow's `Span.to_dict()` form covering what attribute decoding has to get right. */
function sampleSpans(): SpanDict[] {
  const common = { 'mlflow.traceRequestId': JSON.stringify(TRACE_ID) };
  return [
    {
      trace_id: b64(TRACE_HEX),
      span_id: b64('b7ad6b7169203331'),
      parent_span_id: null,
      name: 'root ✓',
      kind: 'SPAN_KIND_SERVER',
      start_time_unix_nano: 1_795_828_287_769_016_152n,
      end_time_unix_nano: 1_795_828_287_949_493_701n,
      events: [],
      // OpenTelemetry keeps a status description only for errors.
      status: { code: 'STATUS_CODE_OK', message: 'dropped' },
      attributes: {
        ...common,
        'mlflow.spanType': '"CHAIN"',
        'mlflow.spanInputs':
          '{"b": 1, "2": [1, 2.5, "x", null, true], "f": 1.0, "neg": -0.0, "exp": 1e+16, "big": 1234567890123456789, "uni": "h\\u00e9llo \\u2713 \\ud83d\\ude00", "lone": "\\ud800"}',
        'mlflow.spanOutputs': '"plain string"',
        'mlflow.spanFunctionName': '"root"',
        notjson: 'not json {',
        nan: 'NaN',
        inf: '-Infinity',
        emptyobj: '{}',
        emptyarr: '[]',
        emptystr: '""',
        empty: '',
        rawnumber: 5,
        rawbool: true,
        rawzero: 0,
        rawfalse: false,
        dup: '{"a": 1, "b": 2, "a": 3}',
        jsonInString: '"{\\"a\\": 1}"',
        'mlflow.chat.tokenUsage': '{"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}',
      },
      links: [],
    },
    {
      trace_id: b64(TRACE_HEX),
      span_id: b64('00f067aa0ba902b7'),
      parent_span_id: b64('b7ad6b7169203331'),
      name: 'failing tool',
      start_time_unix_nano: 1_795_828_287_860_732_963n,
      end_time_unix_nano: 1_795_828_287_863_126_561n,
      events: [
        {
          name: 'exception',
          time_unix_nano: 1_795_828_287_862_758_400n,
          attributes: {
            'exception.type': 'ValueError',
            'exception.message': 'boom',
            'exception.stacktrace': 'Traceback...\nValueError: boom',
            'exception.escaped': 'False',
            count: 3,
            ratio: 0.5,
            tags: ['a', 'b'],
          },
        },
      ],
      status: { code: 'STATUS_CODE_ERROR', message: 'ValueError: boom' },
      attributes: { ...common, 'mlflow.spanType': '"TOOL"', 'mlflow.spanInputs': '{"q": "hi"}' },
      links: [{ trace_id: `tr-${'1'.repeat(32)}`, span_id: '2'.repeat(16), attributes: { why: 'retry', n: 2 } }],
    },
    {
      trace_id: b64(TRACE_HEX),
      span_id: b64('1111111111111111'),
      parent_span_id: b64('b7ad6b7169203331'),
      name: 'still open',
      kind: 'SPAN_KIND_CLIENT',
      start_time_unix_nano: 1_795_828_287_900_000_000n,
      end_time_unix_nano: null,
      events: [],
      status: { code: 'STATUS_CODE_UNSET', message: '' },
      attributes: { ...common, 'mlflow.spanType': '"LLM"' },
      links: [],
    },
  ];
}

interface PyCheck {
  python: unknown;
  ours: unknown;
  same_bytes: boolean;
  python_b64: string;
  from_otel_proto: Array<Record<string, unknown>>;
}

async function checkWithPython(spans: SpanDict[], ours: Uint8Array, resource: Record<string, unknown> | null) {
  const input = `{"spans": [${spans.map((s) => spanDictToJson(s)).join(', ')}], "ours": ${JSON.stringify(
    Buffer.from(ours).toString('base64'),
  )}, "resource": ${JSON.stringify(resource)}}`;
  const { stdout } = await runPython('traces_rest_otlp.py', [], { input });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as PyCheck;
}

describe('OTLP encoding against MLflow 3.18', () => {
  it('writes the exact bytes of Span.to_otel_proto + SerializeToString, with and without a resource', async () => {
    const spans = sampleSpans();
    const otlp = spans.map((d) => spanToOtlp(Span.fromDict(d as unknown as Record<string, unknown>)));
    const bare = encodeExportTraceServiceRequest({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: otlp }] }],
    });
    const r1 = await checkWithPython(spans, bare, null);
    expect(r1.ours).toEqual(r1.python);
    expect(r1.same_bytes).toBe(true);

    const resourceAttrs = { 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'mlflow-genai', n: 3 };
    const withResource = encodeExportTraceServiceRequest({
      resourceSpans: [
        {
          resource: otlpResource({}, resourceAttrs),
          scopeSpans: [{ spans: otlp }],
        },
      ],
    });
    const r2 = await checkWithPython(spans, withResource, {
      'service.name': 'unknown_service:node',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'mlflow-genai',
      'telemetry.sdk.version': (otlpResource({}).attributes[3]!.value as { value: string }).value,
      n: 3,
    });
    expect(r2.ours).toEqual(r2.python);
    expect(r2.same_bytes).toBe(true);
  }, 120_000);

  it('reads OTLP spans back as Span.from_otel_proto does: Python-dumped attribute values, derived request id', async () => {
    const spans = sampleSpans();
    const bytes = encodeExportTraceServiceRequest({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: spans.map((d) => spanToOtlp(d)) }] }],
    });
    const py = await checkWithPython(spans, bytes, null);
    const decoded = decodeExportTraceServiceRequest(bytes).resourceSpans[0]!.scopeSpans[0]!.spans;
    const ours = decoded.map((s) => spanFromOtlp(s).toDict());
    expect(ours).toHaveLength(py.from_otel_proto.length);
    for (const [i, d] of ours.entries()) {
      const p = py.from_otel_proto[i]!;
      expect(d.trace_id).toBe(p.trace_id);
      expect(d.span_id).toBe(p.span_id);
      expect(d.parent_span_id).toBe(p.parent_span_id);
      expect(d.name).toBe(p.name);
      expect(d.kind).toBe(p.kind);
      expect(d.start_time_unix_nano.toString()).toBe(p.start_time_unix_nano);
      expect((d.end_time_unix_nano ?? 0n).toString()).toBe(p.end_time_unix_nano);
      expect(d.status).toEqual(p.status);
      // Attribute values are JSON text: compare the exact strings.
      expect(d.attributes).toEqual(p.attributes);
      expect(d.events.map((e) => ({ ...e, time_unix_nano: e.time_unix_nano.toString() }))).toEqual(p.events);
      expect(d.links).toEqual(p.links);
    }
  }, 120_000);

  it('round-trips every message field through our own decoder', () => {
    const otlp = sampleSpans().map((d) => spanToOtlp(d));
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { kind: 'string' as const, value: 'svc' } }] },
          scopeSpans: [{ scope: { name: 'scope', version: '1' }, spans: otlp, schemaUrl: 'https://x' }],
          schemaUrl: 'https://y',
        },
      ],
    };
    const back = decodeExportTraceServiceRequest(encodeExportTraceServiceRequest(request));
    expect(back).toEqual(request);
  });

  it('sends raw attribute values (the JSON text MLflow stores) in raw mode, as MLflow does to a collector', () => {
    const s = spanToOtlp(sampleSpans()[0]!, 'raw');
    const inputs = s.attributes.find((a) => a.key === 'mlflow.spanInputs')!.value;
    expect(inputs.kind).toBe('string');
    expect(s.attributes.find((a) => a.key === 'rawnumber')!.value).toEqual({ kind: 'int', value: 5n });
  });
});

describe('attribute values', () => {
  it('reads JSON as Python does: ints vs floats, big ints, key order, NaN, duplicates', () => {
    const v = jsonToOtlpAnyValue(
      '{"2": 1, "a": 1.0, "big": 9223372036854775807, "over": 9223372036854775808, "n": NaN, "a": 2}',
    );
    expect(v).toEqual({
      kind: 'kvlist',
      values: [
        { key: '2', value: { kind: 'int', value: 1n } },
        { key: 'a', value: { kind: 'int', value: 2n } },
        { key: 'big', value: { kind: 'int', value: 9223372036854775807n } },
        { key: 'over', value: { kind: 'double', value: 2 ** 63 } },
        { key: 'n', value: { kind: 'double', value: Number.NaN } },
      ],
    });
    expect(jsonToOtlpAnyValue('not json')).toBeUndefined();
    expect(jsonToOtlpAnyValue('{"a": 1} x')).toBeUndefined();
  });

  it("dumps OTLP values as Python's json.dumps(ensure_ascii=False) would", () => {
    const text = '{"a": [1, 2.5, 1.0, 1e+16, 1e-05, -0.0, "é\\n", null, true], "b": {}}';
    expect(otlpAnyValueToPyJson(jsonToOtlpAnyValue(text)!)).toBe(
      '{"a": [1, 2.5, 1.0, 1e+16, 1e-05, -0.0, "é\\n", null, true], "b": {}}',
    );
  });

  it('parses server JSON without losing nanosecond precision', () => {
    const parsed = parseJsonLossless(
      '{"t": 1795828287769016152, "s": 12, "f": 1.5, "x": [-9007199254740993]}',
    ) as Record<string, unknown>;
    expect(parsed).toEqual({ t: 1795828287769016152n, s: 12, f: 1.5, x: [-9007199254740993n] });
  });

  it('reads the proto JSON spans of a GetTrace answer', () => {
    const json = parseJsonLossless(
      JSON.stringify({
        trace_id: b64(TRACE_HEX),
        span_id: b64('b7ad6b7169203331'),
        name: 'outer',
        kind: 'SPAN_KIND_INTERNAL',
        attributes: [
          { key: 'mlflow.spanInputs', value: { kvlist_value: { values: [{ key: 'x', value: { int_value: 3 } }] } } },
          { key: 'd', value: { double_value: 1.0 } },
        ],
        status: { code: 'STATUS_CODE_OK' },
      }).replace(
        '"name"',
        '"start_time_unix_nano": 1795828287769016152, "end_time_unix_nano": 1795828287949493701, "name"',
      ),
    );
    const span = spanFromOtlp(otlpSpanFromJson(json));
    expect(span.startTimeNs).toBe(1795828287769016152n);
    expect(span.endTimeNs).toBe(1795828287949493701n);
    expect(span.toDict().attributes).toEqual({
      'mlflow.spanInputs': '{"x": 3}',
      d: '1.0',
      'mlflow.traceRequestId': `"${TRACE_ID}"`,
    });
    expect(span.parentId).toBeNull();
    expect(span.status).toEqual({ statusCode: 'OK', description: '' });
  });
});

describe('protobuf primitives', () => {
  it('writes and reads 64-bit varints, fixed64 and doubles exactly', () => {
    const bytes = new ProtoWriter()
      .varint(1, -1n)
      .varint(2, 18446744073709551615n)
      .fixed64(3, 1795828287769016152n)
      .double(4, -0.1)
      .finish();
    const r = new ProtoReader(bytes);
    const fields = [];
    while (r.more) fields.push(r.next());
    expect(fields.map((f) => [f.field, f.wire])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 1],
    ]);
    expect(fields[0]!.value).toBe(18446744073709551615n);
    expect(() => new ProtoReader(Uint8Array.from([0x0a, 0x05, 1])).next()).toThrow(RangeError);
  });
});

describe('postOtlpTraces', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function collector(status = 200, body: Uint8Array = new Uint8Array()) {
    const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(status, { 'content-type': 'application/x-protobuf' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('resolves endpoints and headers as the OpenTelemetry environment variables say', () => {
    expect(resolveOtlpTracesEndpoint('http://c:4318')).toBe('http://c:4318/v1/traces');
    expect(resolveOtlpTracesEndpoint('http://c:4318/v1/traces')).toBe('http://c:4318/v1/traces');
    expect(
      resolveOtlpTracesEndpoint(undefined, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b',
      }),
    ).toBe('http://t/custom');
    expect(resolveOtlpTracesEndpoint(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://b/' })).toBe(
      'http://b/v1/traces',
    );
    expect(resolveOtlpTracesEndpoint(undefined, {})).toBeUndefined();
    expect(parseOtlpHeaders('Api-Key=a%20b, x=1=2,bad,=v')).toEqual({ 'api-key': 'a b', x: '1=2' });
  });

  it('POSTs one protobuf request with the headers of the environment and the options', async () => {
    const c = await collector();
    const spans = sampleSpans().map((d) => Span.fromDict(d as unknown as Record<string, unknown>));
    const result = await postOtlpTraces({
      spans,
      headers: { Authorization: 'Bearer t' },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: c.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=ml,authorization=ignored',
        OTEL_SERVICE_NAME: 'my-app',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      },
    });
    expect(result).toEqual({ url: `${c.url}/v1/traces`, spanCount: 3 });
    const req = c.seen[0]!;
    expect(req.url).toBe('/v1/traces');
    expect(req.headers['content-type']).toBe('application/x-protobuf');
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(req.headers.authorization).toBe('Bearer t');
    expect(req.headers['x-team']).toBe('ml');
    const decoded = decodeExportTraceServiceRequest(gunzipSync(req.body));
    const rs = decoded.resourceSpans[0]!;
    expect(rs.resource!.attributes.find((a) => a.key === 'service.name')!.value).toEqual({
      kind: 'string',
      value: 'my-app',
    });
    expect(rs.scopeSpans[0]!.scope!.name).toBe('mlflow-genai');
    expect(rs.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['root ✓', 'failing tool', 'still open']);
  });

  it('reports a partial success and maps failures to retryable or final errors', async () => {
    const partial = new ProtoWriter().message(1, (w) => w.varint(1, 2).string(2, 'too big')).finish();
    const ok = await collector(200, partial);
    const spans = [Span.fromDict(sampleSpans()[0] as unknown as Record<string, unknown>)];
    expect(await postOtlpTraces({ endpoint: ok.url, spans })).toMatchObject({
      rejectedSpans: 2,
      errorMessage: 'too big',
    });

    const busy = await collector(503);
    const e1 = (await postOtlpTraces({ endpoint: busy.url, spans }).catch((e) => e)) as MlflowError;
    expect(isMlflowError(e1) && e1.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    const bad = await collector(400);
    const e2 = (await postOtlpTraces({ endpoint: bad.url, spans }).catch((e) => e)) as MlflowError;
    expect(isMlflowError(e2) && e2.errorCode).toBe(ErrorCode.BAD_REQUEST);
    const e3 = (await postOtlpTraces({ spans, env: {} }).catch((e) => e)) as MlflowError;
    expect(isMlflowError(e3) && e3.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
  });
});
