/**
 * One OTLP/HTTP trace export (`POST <endpoint>/v1/traces`, `application/x-protobuf`) to any
 * OpenTelemetry collector, configured as OpenTelemetry SDKs are: explicit options first, then the
 * `OTEL_EXPORTER_OTLP_*` environment variables.
 */

import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Span } from '../../tracking/entities/index.js';
import { ErrorCode, errorCodeForHttpStatus, InvalidParameterError, MlflowError } from '../../tracking/errors.js';
import { decodeExportTraceServiceResponse, encodeExportTraceServiceRequest } from '../../tracking/otlp/encode.js';
import { type OtlpAttributeMode, spanToOtlp, toOtlpAnyValue } from '../../tracking/otlp/spans.js';
import type { OtlpKeyValue, OtlpResource } from '../../tracking/otlp/types.js';
import { VERSION } from '../../version.js';

/** The signal path OTLP/HTTP appends to a base endpoint. */
export const OTLP_TRACES_PATH = '/v1/traces';
/** OpenTelemetry's default export timeout. */
export const OTLP_DEFAULT_TIMEOUT_MS = 10_000;

/** The environment variables read here, as OpenTelemetry names them. */
export const OTLP_ENV = {
  TRACES_ENDPOINT: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  ENDPOINT: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  TRACES_HEADERS: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  HEADERS: 'OTEL_EXPORTER_OTLP_HEADERS',
  TRACES_TIMEOUT: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  TIMEOUT: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  TRACES_COMPRESSION: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  COMPRESSION: 'OTEL_EXPORTER_OTLP_COMPRESSION',
  TRACES_PROTOCOL: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  PROTOCOL: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  SERVICE_NAME: 'OTEL_SERVICE_NAME',
  RESOURCE_ATTRIBUTES: 'OTEL_RESOURCE_ATTRIBUTES',
} as const;

/** Statuses the OTLP specification says to retry (with backoff); everything else is final. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Arguments of {@link postOtlpTraces}. */
export interface PostOtlpTracesOptions {
  /**
   * Collector base URL; `/v1/traces` is appended unless the URL already ends with it. Unset:
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
   */
  endpoint?: string;
  /** Request headers, over those of `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /** The spans to send (one request, however many traces they belong to). */
  spans: readonly Span[];
  /** `fetch` to use (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
  /** Per-request timeout; else `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` / `OTEL_EXPORTER_OTLP_TIMEOUT` (ms); else 10 s. */
  timeoutMs?: number;
  /** `gzip` or `none`; else `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION` / `OTEL_EXPORTER_OTLP_COMPRESSION`; else none. */
  compression?: 'gzip' | 'none';
  /**
   * How MLflow's JSON-encoded attribute values are sent: `raw` (default) as the JSON text MLflow stores,
   * which is what MLflow's Python SDK sends to a collector; `decoded` as structured values.
   */
  attributes?: OtlpAttributeMode;
  /** Resource attributes, over `service.name` (`OTEL_SERVICE_NAME`), `OTEL_RESOURCE_ATTRIBUTES` and the SDK's own. */
  resourceAttributes?: Record<string, unknown>;
  /** Environment to read instead of `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** What a collector answered: how many spans it rejected, when it said so. */
export interface PostOtlpTracesResult {
  /** The URL posted to. */
  url: string;
  /** Spans sent. */
  spanCount: number;
  /** The collector's `partial_success`, when it rejected some spans. */
  rejectedSpans?: number;
  errorMessage?: string;
}

/** Where OTLP traces go: the explicit endpoint, else the OpenTelemetry environment; undefined when neither is set. */
export function resolveOtlpTracesEndpoint(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (endpoint) return endpoint.replace(/\/+$/, '').endsWith(OTLP_TRACES_PATH) ? endpoint : withTracesPath(endpoint);
  const traces = env[OTLP_ENV.TRACES_ENDPOINT];
  if (traces) return traces;
  const base = env[OTLP_ENV.ENDPOINT];
  return base ? withTracesPath(base) : undefined;
}

function withTracesPath(base: string): string {
  return base.replace(/\/+$/, '') + OTLP_TRACES_PATH;
}

/**
 * OpenTelemetry's header list (`key1=value1,key2=value2`, values percent-encoded, as in
 * `OTEL_EXPORTER_OTLP_HEADERS`). Malformed entries are skipped, as OpenTelemetry SDKs skip them.
 */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  return parseKeyValueList(text, true);
}

function parseKeyValueList(text: string | undefined, lowerCaseKeys: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const rawKey = part.slice(0, eq).trim();
    const key = lowerCaseKeys ? rawKey.toLowerCase() : rawKey;
    if (!key) continue;
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep it as written
    }
    out[key] = value;
  }
  return out;
}

/** The resource MLflow-genai reports: SDK identity, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`, then `extra`. */
export function otlpResource(env: NodeJS.ProcessEnv = process.env, extra: Record<string, unknown> = {}): OtlpResource {
  const attrs = new Map<string, unknown>([
    ['service.name', 'unknown_service:node'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.name', 'mlflow-genai'],
    ['telemetry.sdk.version', VERSION],
  ]);
  for (const [k, v] of Object.entries(parseKeyValueList(env[OTLP_ENV.RESOURCE_ATTRIBUTES], false))) attrs.set(k, v);
  const service = env[OTLP_ENV.SERVICE_NAME];
  if (service) attrs.set('service.name', service);
  for (const [k, v] of Object.entries(extra)) attrs.set(k, v);
  const attributes: OtlpKeyValue[] = [...attrs].map(([key, value]) => ({ key, value: toOtlpAnyValue(value) }));
  return { attributes };
}

function readTimeout(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[OTLP_ENV.TRACES_TIMEOUT] || env[OTLP_ENV.TIMEOUT];
  if (!raw) return undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

const gzipAsync = promisify(gzip);

/**
 * POSTs spans to an OTLP/HTTP collector as one protobuf `ExportTraceServiceRequest`. Resolves with the
 * collector's partial-success report; throws an {@link MlflowError}: TEMPORARILY_UNAVAILABLE for what
 * OTLP says to retry (429, 502, 503, 504, network failures, timeouts), the status's code otherwise.
 */
export async function postOtlpTraces(options: PostOtlpTracesOptions): Promise<PostOtlpTracesResult> {
  const env = options.env ?? process.env;
  const url = resolveOtlpTracesEndpoint(options.endpoint, env);
  if (!url) {
    throw new InvalidParameterError(
      `No OTLP endpoint: pass one, or set ${OTLP_ENV.TRACES_ENDPOINT} or ${OTLP_ENV.ENDPOINT}.`,
    );
  }
  const protocol = env[OTLP_ENV.TRACES_PROTOCOL] || env[OTLP_ENV.PROTOCOL];
  if (protocol && protocol !== 'http/protobuf') {
    throw new MlflowError(
      `OTLP protocol '${protocol}' is not supported by mlflow-genai; use 'http/protobuf'.`,
      ErrorCode.NOT_IMPLEMENTED,
    );
  }
  const spanCount = options.spans.length;
  if (spanCount === 0) return { url, spanCount };

  const body = encodeExportTraceServiceRequest({
    resourceSpans: [
      {
        resource: otlpResource(env, options.resourceAttributes),
        scopeSpans: [
          {
            scope: { name: 'mlflow-genai', version: VERSION },
            spans: options.spans.map((s) => spanToOtlp(s, options.attributes ?? 'raw')),
          },
        ],
      },
    ],
  });
  const compression =
    options.compression ??
    ((env[OTLP_ENV.TRACES_COMPRESSION] || env[OTLP_ENV.COMPRESSION]) === 'gzip' ? 'gzip' : 'none');
  const headers: Record<string, string> = {
    ...parseOtlpHeaders(env[OTLP_ENV.HEADERS]),
    ...parseOtlpHeaders(env[OTLP_ENV.TRACES_HEADERS]),
    ...lowerKeys(options.headers ?? {}),
    'content-type': 'application/x-protobuf',
  };
  const payload = compression === 'gzip' ? new Uint8Array(await gzipAsync(body)) : body;
  if (compression === 'gzip') headers['content-encoding'] = 'gzip';

  const timeoutMs = options.timeoutMs ?? readTimeout(env) ?? OTLP_DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const shown = redact(url);
  let res: Response;
  try {
    res = await doFetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
    throw new MlflowError(
      timedOut
        ? `OTLP export to ${shown} timed out after ${timeoutMs} ms`
        : `OTLP export to ${shown} failed: ${(err as Error)?.message ?? String(err)}`,
      ErrorCode.TEMPORARILY_UNAVAILABLE,
      { cause: err },
    );
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    const text = Buffer.from(bytes).toString('utf8');
    const shownText = text.length > 500 ? `${text.slice(0, 500)}...` : text;
    throw new MlflowError(
      `OTLP export to ${shown} failed with HTTP ${res.status}: ${shownText}`,
      RETRYABLE_STATUSES.has(res.status) ? ErrorCode.TEMPORARILY_UNAVAILABLE : errorCodeForHttpStatus(res.status),
      {
        http: {
          status: res.status,
          headers: Object.fromEntries(res.headers),
          body: text,
          request: `POST ${new URL(url).pathname}`,
        },
      },
    );
  }
  const result: PostOtlpTracesResult = { url, spanCount };
  // A JSON answer (some collectors ignore the request's encoding) or an unparsable body is a success.
  if (!(res.headers.get('content-type') ?? '').includes('json')) {
    try {
      const partial = decodeExportTraceServiceResponse(bytes).partialSuccess;
      if (partial && (partial.rejectedSpans > 0n || partial.errorMessage)) {
        result.rejectedSpans = Number(partial.rejectedSpans);
        result.errorMessage = partial.errorMessage;
      }
    } catch {
      // not protobuf: nothing more to learn
    }
  }
  return result;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
