import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { newSpanId, newTraceId, RecordingSpan, spanLimitsFromEnv } from '../../src/tracing/recording-span.js';

const LIMIT_VARS = [
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT',
  'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
];

function newSpan(startTime?: [number, number]): RecordingSpan {
  return new RecordingSpan('s', newTraceId(), undefined, spanLimitsFromEnv(), startTime);
}

/** The OpenTelemetry SDK's own span, as the reference for every behaviour below. */
function sdkSpan() {
  return new BasicTracerProvider().getTracer('t').startSpan('s') as unknown as RecordingSpan;
}

afterEach(() => {
  for (const v of LIMIT_VARS) delete process.env[v];
});

describe('RecordingSpan (the span record when tracing is not attached to a host provider)', () => {
  it('ids are lowercase hex of the right length, never all zeros, and unique', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      expect(/^0+$/.test(t) || /^0+$/.test(s)).toBe(false);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(5000);
    expect(spans.size).toBe(5000);
  });

  it('keeps its trace id and parent, with kind INTERNAL and sampled flags', () => {
    const limits = spanLimitsFromEnv();
    const root = new RecordingSpan('root', newTraceId(), undefined, limits);
    const child = new RecordingSpan(
      'child',
      root.spanContext().traceId,
      { traceId: root.spanContext().traceId, spanId: root.spanContext().spanId },
      limits,
    );
    expect(child.spanContext()).toMatchObject({ traceId: root.spanContext().traceId, traceFlags: 1 });
    expect(child.parentSpanContext).toMatchObject({ spanId: root.spanContext().spanId });
    expect(root.parentSpanContext).toBeUndefined();
    expect(child.kind).toBe(0);
  });

  it('times like the SDK: start from the wall clock, end = start + monotonic duration, never before the start', async () => {
    const before = Date.now();
    const span = newSpan();
    await new Promise((r) => setTimeout(r, 20));
    span.end();
    const startMs = span.startTime[0] * 1000 + span.startTime[1] / 1e6;
    const endMs = span.endTime[0] * 1000 + span.endTime[1] / 1e6;
    expect(startMs).toBeGreaterThanOrEqual(before);
    expect(endMs - startMs).toBeGreaterThanOrEqual(19);
    expect(span.endTime[1]).toBeLessThan(1e9);

    const given = newSpan([1_700_000_000, 500]);
    given.end([1_600_000_000, 0]);
    expect(given.endTime).toEqual([1_700_000_000, 500]);
  });

  it('attributes: invalid values skipped, the count limit drops new keys but updates existing ones, as the SDK', () => {
    process.env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT = '3';
    const ours = newSpan();
    const sdk = sdkSpan();
    expect(spanLimitsFromEnv().attributeCountLimit).toBe(3);
    for (const span of [ours, sdk]) {
      span.setAttribute('a', '1');
      span.setAttribute('b', { nested: true } as never);
      span.setAttribute('c', [1, 'x'] as never);
      span.setAttribute('d', [1, 2]);
      span.setAttribute('e', true);
      span.setAttribute('f', 'dropped');
      span.setAttribute('a', 'updated');
      span.setAttribute('', 'empty key');
    }
    expect(ours.attributes).toEqual({ a: 'updated', d: [1, 2], e: true });
    expect(ours.attributes).toEqual(sdk.attributes);
    expect(ours.droppedAttributesCount).toBe(sdk.droppedAttributesCount);
  });

  it('the value length limit truncates strings, as OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT does', () => {
    process.env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT = '4';
    const pair = [newSpan(), sdkSpan()];
    for (const span of pair) {
      span.setAttribute('s', 'abcdefgh');
      span.setAttribute('l', ['abcdef', 'ab']);
    }
    expect(pair[0]!.attributes).toEqual({ s: 'abcd', l: ['abcd', 'ab'] });
    expect(pair[0]!.attributes).toEqual(pair[1]!.attributes);
  });

  it('events keep the newest when over the limit, with their own attribute limit and times', () => {
    process.env.OTEL_SPAN_EVENT_COUNT_LIMIT = '2';
    process.env.OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT = '1';
    const span = newSpan();
    const sdk = sdkSpan();
    for (const s of [span, sdk]) {
      s.addEvent('one');
      s.addEvent('two', { x: 1, y: 2 });
      s.addEvent('three', [1_700_000_000, 5]);
    }
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual(sdk.events.map((e) => [e.name, e.attributes]));
    expect(span.events.map((e) => e.name)).toEqual(['two', 'three']);
    expect(span.events[0]).toMatchObject({ attributes: { x: 1 }, droppedAttributesCount: 1 });
    expect(span.events[1]!.time).toEqual([1_700_000_000, 5]);
    expect(span.droppedEventsCount).toBe(1);
  });

  it('status: UNSET ignored, OK final, a message kept only on ERROR, as the SDK', () => {
    const pairs = [newSpan(), sdkSpan()];
    for (const span of pairs) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      span.setStatus({ code: SpanStatusCode.UNSET });
    }
    expect(pairs[0]!.status).toEqual(pairs[1]!.status);
    expect(pairs[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    const ok = [newSpan(), sdkSpan()];
    for (const span of ok) {
      span.setStatus({ code: SpanStatusCode.OK, message: 'ignored' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'too late' });
    }
    expect(ok[0]!.status).toEqual(ok[1]!.status);
    expect(ok[0]!.status).toEqual({ code: SpanStatusCode.OK });
  });

  it('recordException records what the SDK records', () => {
    const err = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    const pair = [newSpan(), sdkSpan()];
    for (const span of pair) span.recordException(err);
    expect(pair[0]!.events.map((e) => [e.name, e.attributes])).toEqual(
      pair[1]!.events.map((e) => [e.name, e.attributes]),
    );
  });

  it('ignores every change once ended, and ends once', () => {
    const span = newSpan();
    span.setAttribute('a', '1');
    span.end();
    const end = span.endTime;
    span.setAttribute('b', '2');
    span.addEvent('late');
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.updateName('renamed');
    span.end();
    expect(span.attributes).toEqual({ a: '1' });
    expect(span.events).toEqual([]);
    expect(span.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span.name).toBe('s');
    expect(span.endTime).toBe(end);
    expect(span.isRecording()).toBe(false);
  });
});
