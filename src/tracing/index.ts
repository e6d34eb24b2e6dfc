export type { AnyFn, SpanOptions, StartSpanOptions, TraceOptions, UpdateTraceOptions } from './api.js';
export {
  configureTracing,
  flushTraces,
  getActiveTraceId,
  getCurrentActiveSpan,
  getLastActiveTraceId,
  resetTracing,
  startSpan,
  trace,
  tracingStats,
  updateCurrentTrace,
  withActiveSpan,
  withSpan,
} from './api.js';
export type { HttpHeadersLike } from './distributed.js';
export { getTracingContextHeadersForHttpRequest, withTracingContextFromHttpRequestHeaders } from './distributed.js';
export type { TraceExporter } from './export/exporter.js';
export { InMemoryTraceExporter, PartialExportError } from './export/exporter.js';
export { MlflowTraceExporter } from './export/mlflow.js';
export type { OtlpExporterOptions } from './export/otlp.js';
export { OtlpTraceExporter } from './export/otlp.js';
export type { ExportStats } from './export/queue.js';
export { isRemoteTrace } from './export/remote.js';
export type { AutologLangChainOptions, MlflowLangChainTracer } from './integrations/langchain.js';
export { autologLangChain, createLangChainTracer, getLangChainRunSpan } from './integrations/langchain.js';
export type { TraceTransformersPipelineOptions } from './integrations/transformers.js';
export { traceTransformersPipeline } from './integrations/transformers.js';
export type { SearchTracesOptions } from './read.js';
export {
  deleteTraces,
  deleteTraceTag,
  getTrace,
  searchTraces,
  setTraceTag,
} from './read.js';
export type { TraceDestination, TracingOptions } from './settings.js';
export { TRACING_ENV } from './settings.js';
export type { ActiveSpan, EndSpanOptions, SpanEventInput, SpanStatusInput } from './span.js';
export { LiveSpan, NoOpSpan } from './span.js';
