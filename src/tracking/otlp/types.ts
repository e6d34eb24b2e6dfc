/**
 * The OTLP trace data model (`opentelemetry/proto/trace/v1/trace.proto`, `common/v1/common.proto`,
 * `resource/v1/resource.proto`, `collector/trace/v1/trace_service.proto`) as plain TypeScript values: ids
 * as bytes, nanosecond times as bigint, attribute values as tagged unions.
 */

/** An OTLP `AnyValue`; `empty` is a value with no field set (Python's `None`). */
export type OtlpAnyValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'array'; values: OtlpAnyValue[] }
  | { kind: 'kvlist'; values: OtlpKeyValue[] }
  | { kind: 'empty' };

/** An OTLP `KeyValue`: one attribute. */
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

/** `Span.SpanKind`. */
export const OtlpSpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

/** The enum names of {@link OtlpSpanKind}, by number (`SPAN_KIND_INTERNAL`, ...). */
export const OTLP_SPAN_KIND_NAMES: readonly string[] = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

/** `Status.StatusCode`. */
export const OtlpStatusCode = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
} as const;

/** The enum names of {@link OtlpStatusCode}, by number. */
export const OTLP_STATUS_CODE_NAMES: readonly string[] = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** `Status`: code and, for errors, a message. */
export interface OtlpStatus {
  code: number;
  message: string;
}

/** `Span.Event`. */
export interface OtlpEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

/** `Span.Link`. */
export interface OtlpLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

/** `Span`. Zero times and empty strings are protobuf's defaults and are not written. */
export interface OtlpSpan {
  /** 16 bytes. */
  traceId: Uint8Array;
  /** 8 bytes. */
  spanId: Uint8Array;
  traceState?: string;
  /** 8 bytes; absent or empty for a root span. */
  parentSpanId?: Uint8Array;
  flags?: number;
  name: string;
  /** One of {@link OtlpSpanKind}. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
  events: OtlpEvent[];
  droppedEventsCount?: number;
  links: OtlpLink[];
  droppedLinksCount?: number;
  /** Absent when the span carries no status message at all. */
  status?: OtlpStatus;
}

/** `Resource`: who produced the spans. */
export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

/** `InstrumentationScope`: the library that made the spans. */
export interface OtlpScope {
  name: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

/** `ScopeSpans`. */
export interface OtlpScopeSpans {
  scope?: OtlpScope;
  spans: OtlpSpan[];
  schemaUrl?: string;
}

/** `ResourceSpans`. */
export interface OtlpResourceSpans {
  resource?: OtlpResource;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl?: string;
}

/** `ExportTraceServiceRequest`: the body of an OTLP/HTTP trace export. */
export interface OtlpExportRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** `ExportTraceServiceResponse`: a collector's answer; `partialSuccess` when it rejected some spans. */
export interface OtlpExportResponse {
  partialSuccess?: { rejectedSpans: bigint; errorMessage: string };
}
