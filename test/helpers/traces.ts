import type { Span, Trace, TraceInfo } from '../../src/index.js';

/** A trace in the canonical JSON form test/interop/py/tracing_roundtrip.py prints for Python's reads. */
export interface CanonTrace {
  info: Record<string, unknown>;
  spans: Array<Record<string, unknown>>;
}

function sortKeys(rec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function canonInfo(i: TraceInfo): Record<string, unknown> {
  return {
    trace_id: i.traceId,
    experiment_id: i.experimentId,
    request_time: i.requestTime,
    execution_duration: i.executionDuration,
    state: i.state,
    request_preview: i.requestPreview,
    response_preview: i.responsePreview,
    client_request_id: i.clientRequestId,
    trace_metadata: sortKeys(i.traceMetadata),
    tags: sortKeys(i.tags),
  };
}

export function canonSpan(s: Span): Record<string, unknown> {
  const status = s.status;
  return {
    name: s.name,
    span_id: s.spanId,
    parent_id: s.parentId,
    trace_id: s.traceId,
    span_type: s.spanType,
    inputs: s.inputs ?? null,
    outputs: s.outputs ?? null,
    status: [status.statusCode, status.description],
    start_time_ns: String(s.startTimeNs),
    end_time_ns: s.endTimeNs === null ? null : String(s.endTimeNs),
    attributes: sortKeys(s.attributes),
    events: s.events.map((e) => ({ name: e.name, time_ns: String(e.timestampNs), attributes: sortKeys(e.attributes) })),
  };
}

export function canonTrace(t: Trace): CanonTrace {
  return { info: canonInfo(t.info), spans: t.data.spans.map(canonSpan) };
}

/** Names, parents (by name) and types of a canonical trace: its shape without ids and times. */
export function shape(t: CanonTrace): Array<[string, string | null, unknown]> {
  const names = new Map(t.spans.map((s) => [s.span_id as string, s.name as string]));
  return t.spans.map((s) => [
    s.name as string,
    s.parent_id ? (names.get(s.parent_id as string) ?? '?') : null,
    s.span_type,
  ]);
}
