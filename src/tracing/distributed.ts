/**
 * Distributed tracing (MLflow's `mlflow.tracing.get_tracing_context_headers_for_http_request` and
 * `set_tracing_context_from_http_request_headers`): one trace across processes, the trace context carried in
 * a W3C Trace Context `traceparent` header, so a Node service and a Python one (or two Node ones) record
 * their spans into the same MLflow trace.
 */
import { InvalidParameterError } from '../tracking/errors.js';
import { runUnderRemoteParent } from './api.js';
import { activeSpan, RemoteParent } from './engine.js';
import { LiveSpan, warn } from './span.js';

/** HTTP request headers: a fetch `Headers`, Node's `IncomingHttpHeaders`, or a plain record. */
export type HttpHeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

const TRACEPARENT_HEADER = 'traceparent';
// version-traceid-parentid-flags; a future version may append fields (W3C Trace Context, section 3.2).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The headers that carry the active span's trace context to another process (`{ traceparent }`), to send
 * with an HTTP request: the receiving side passes them to {@link withTracingContextFromHttpRequestHeaders}
 * (or Python MLflow's `set_tracing_context_from_http_request_headers`), and its spans join this trace under
 * the active span. Outside any span: a warning and `{}`; with tracing disabled or the trace sampled out: `{}`.
 */
export function getTracingContextHeadersForHttpRequest(): Record<string, string> {
  const span = activeSpan();
  // Flags 03: sampled, and a random trace id (W3C Trace Context level 2), as MLflow's OpenTelemetry writes them.
  if (span instanceof LiveSpan) return { [TRACEPARENT_HEADER]: `00-${span.otelTraceId}-${span.spanId}-03` };
  if (span instanceof RemoteParent)
    return { [TRACEPARENT_HEADER]: `00-${span.otelTraceId}-${span.spanId}-${span.flags}` };
  if (span === undefined) {
    warn('No active span found for fetching the trace context from. Returning an empty header.');
  }
  return {};
}

/**
 * Run `fn` in the trace context a request's headers carry (their `traceparent`, as
 * {@link getTracingContextHeadersForHttpRequest} or Python MLflow's
 * `get_tracing_context_headers_for_http_request` writes it): spans started in `fn` without a parent
 * (`trace()`, `withSpan()`, LangChain runs) join that trace as children of the caller's span. They are
 * exported here as spans only (MLflow's `log_spans`) once they have all ended; the caller's process records
 * the trace itself. Returns what `fn` returns (a promise as is).
 *
 * Throws an {@link InvalidParameterError} when there is no `traceparent` header or it is malformed. A
 * caller's trace that was sampled out there (flag `00`) is not recorded here either.
 *
 * ```ts
 * http.createServer((req, res) =>
 *   withTracingContextFromHttpRequestHeaders(req.headers, () =>
 *     withSpan({ name: 'handle' }, async () => res.end(await answer(req))),
 *   ),
 * );
 * ```
 */
export function withTracingContextFromHttpRequestHeaders<T>(headers: HttpHeadersLike, fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new InvalidParameterError(
      `withTracingContextFromHttpRequestHeaders() expects a function to run, got ${fn === null ? 'null' : typeof fn}.`,
    );
  }
  return runUnderRemoteParent(remoteParentOf(headers), fn);
}

function remoteParentOf(headers: HttpHeadersLike): RemoteParent {
  if (headers === null || typeof headers !== 'object') {
    throw new InvalidParameterError(
      `Invalid headers: expected an object of HTTP request headers, got ${headers === null ? 'null' : typeof headers}.`,
    );
  }
  const raw = headerValue(headers, TRACEPARENT_HEADER);
  if (raw === undefined) {
    throw new InvalidParameterError(
      "The http request headers do not contain the required key 'traceparent', please generate the request " +
        "headers by getTracingContextHeadersForHttpRequest() (or MLflow's " +
        "'mlflow.tracing.distributed.get_tracing_context_headers_for_http_request' API).",
    );
  }
  const parent = parseTraceparent(raw);
  if (!parent) {
    throw new InvalidParameterError(
      `Invalid traceparent header '${raw}': expected the W3C Trace Context form ` +
        '00-<32 hex digits trace id>-<16 hex digits parent span id>-<2 hex digits flags>, ids not all zeros.',
    );
  }
  return parent;
}

/** @internal The caller's span a `traceparent` value names, or undefined when it is malformed. */
export function parseTraceparent(value: string): RemoteParent | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest !== undefined) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    return undefined;
  }
  return new RemoteParent(traceId, spanId, flags);
}

function headerValue(headers: HttpHeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const value = record[key];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}
