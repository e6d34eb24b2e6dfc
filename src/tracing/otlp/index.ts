export {
  decodeExportTraceServiceRequest,
  decodeExportTraceServiceResponse,
  decodeSpan,
  encodeExportTraceServiceRequest,
} from '../../tracking/otlp/encode.js';
export type { JsonBuilder } from '../../tracking/otlp/json.js';
export { isIntegerLiteral, parseJsonLossless, parseJsonWith } from '../../tracking/otlp/json.js';
export type { OtlpAttributeMode } from '../../tracking/otlp/spans.js';
export {
  jsonToOtlpAnyValue,
  mlflowAttributeToOtlp,
  otlpAnyValueFromJson,
  otlpAnyValueToJs,
  otlpAnyValueToPyJson,
  otlpSpanFromJson,
  sanitizeOtelString,
  spanFromOtlp,
  spanToOtlp,
  toOtlpAnyValue,
} from '../../tracking/otlp/spans.js';
export type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpExportRequest,
  OtlpExportResponse,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
} from '../../tracking/otlp/types.js';
export {
  OTLP_SPAN_KIND_NAMES,
  OTLP_STATUS_CODE_NAMES,
  OtlpSpanKind,
  OtlpStatusCode,
} from '../../tracking/otlp/types.js';
export type { PostOtlpTracesOptions, PostOtlpTracesResult } from './exporter.js';
export {
  OTLP_DEFAULT_TIMEOUT_MS,
  OTLP_ENV,
  OTLP_TRACES_PATH,
  otlpResource,
  parseOtlpHeaders,
  postOtlpTraces,
  resolveOtlpTracesEndpoint,
} from './exporter.js';
