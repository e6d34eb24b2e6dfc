import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { storageFor } from '../../storage/resolve.js';
import { VERSION } from '../../version.js';
import {
  type PagedList,
  parseSpanJson,
  SPANS_LOCATION_TRACKING_STORE,
  Span,
  type SpanDict,
  spanDictToJson,
  type Trace,
  type TraceInfo,
  TraceTagKey,
} from '../entities/index.js';
import { ErrorCode, hasErrorCode, InvalidParameterError, MlflowError } from '../errors.js';
import { encodeExportTraceServiceRequest } from '../otlp/encode.js';
import { parseJsonLossless } from '../otlp/json.js';
import { otlpSpanFromJson, spanFromOtlp, spanToOtlp, toOtlpAnyValue } from '../otlp/spans.js';
import type { OtlpResource } from '../otlp/types.js';
import type { DeleteTracesArgs, SearchTracesQuery } from '../store.js';
import { parseResponse, responseSchemas, toTraceInfo, traceInfoToJson } from './convert.js';
import type { RestClient, RestEndpoint } from './http.js';

const V2 = '/api/2.0/mlflow/traces';
const V3 = '/api/3.0/mlflow/traces';

/**
 * The trace endpoints MLflow 3.18's Python client calls. `idempotent` follows MLflow's retry rules:
 * StartTraceV3 and SearchTracesV3 are in `_RETRY_SAFE_POST_RESPONSES`, deletes and links are not;
 * GET, PATCH and DELETE are always retried, and so is the OTLP POST (sent outside `call_endpoint`).
 */
export const TRACE_ENDPOINTS = {
  startTrace: { method: 'POST', path: V3, idempotent: true },
  searchTraces: { method: 'POST', path: `${V3}/search`, idempotent: true },
  getTrace: { method: 'GET', path: `${V3}/get`, idempotent: true },
  batchGetTraces: { method: 'GET', path: `${V3}/batchGet`, idempotent: true },
  deleteTraces: { method: 'POST', path: `${V2}/delete-traces`, idempotent: false },
  linkTracesToRun: { method: 'POST', path: `${V2}/link-to-run`, idempotent: false },
  linkPromptsToTrace: { method: 'POST', path: `${V2}/link-prompts`, idempotent: false },
  logSpans: { method: 'POST', path: '/v1/traces', idempotent: true },
  serverVersion: { method: 'GET', path: '/version', idempotent: true },
} as const satisfies Record<string, RestEndpoint>;

/** `GET /api/3.0/mlflow/traces/{trace_id}` (GetTraceInfoV3). */
function traceInfoEndpoint(traceId: string): RestEndpoint {
  return { method: 'GET', path: `${V3}/${encodeURIComponent(traceId)}`, idempotent: true };
}

/** `PATCH|DELETE /api/2.0/mlflow/traces/{trace_id}/tags`: MLflow's client always uses the v2 path. */
function traceTagEndpoint(traceId: string, method: 'PATCH' | 'DELETE'): RestEndpoint {
  return { method, path: `${V2}/${encodeURIComponent(traceId)}/tags`, idempotent: true };
}

/** `MLFLOW_EXPERIMENT_ID_HEADER`: the experiment OTLP spans are logged to. */
const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id';
/** What an MLflow server answers OTLP with when its store cannot hold spans (e.g. a file store). */
const OTLP_UNSUPPORTED = 'REST OTLP span logging is not supported';
/** `_MLFLOW_DELETE_TRACES_MAX_BATCH_SIZE`. */
const DELETE_TRACES_BATCH_SIZE = 100;
/** `SEARCH_TRACES_DEFAULT_MAX_RESULTS`. */
const SEARCH_TRACES_DEFAULT_MAX_RESULTS = 100;
/** `TRACE_DATA_FILE_NAME`: where spans live in a trace's artifact directory when not in the store. */
const TRACE_DATA_FILE = 'traces.json';
/** `SpansLocation.ARCHIVE_REPO`: spans archived by the server, which it still serves through GetTrace. */
const SPANS_LOCATION_ARCHIVE_REPO = 'ARCHIVE_REPO';
/** How many traces' spans are held for an artifact upload while the server cannot take OTLP. */
const MAX_PENDING_TRACES = 1000;
/** MLflow's client probes `/version` with a 3-second timeout and no retries before the first OTLP call. */
const VERSION_PROBE_TIMEOUT_MS = 3000;

function requestLine(endpoint: RestEndpoint): string {
  return `${endpoint.method} ${endpoint.path}`;
}

/** `packaging.version.Version(v) >= Version("3.4")`, for the release strings MLflow servers report. */
function supportsLogSpans(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(version.trim());
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 3) return major > 3;
  if (minor !== 4) return minor > 4;
  // 3.4.0rc1 / 3.4.0.dev0 come before 3.4; 3.4.0 and 3.4.0.post1 do not.
  return !(Number(m[3] ?? 0) === 0 && /^(?:\.?(?:a|b|rc|dev|alpha|beta|c|pre|preview))/i.test(m[4] ?? ''));
}

/**
 * The OTLP resource sent with spans. MLflow's Python client sends its tracer provider's resource: the
 * SDK identity (which the server ignores) plus `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` when set,
 * which the server stores as trace tags.
 */
function sdkResource(env: NodeJS.ProcessEnv = process.env): OtlpResource {
  const attrs = new Map<string, unknown>();
  for (const part of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep it as written
    }
    if (key) attrs.set(key, value);
  }
  if (env.OTEL_SERVICE_NAME) attrs.set('service.name', env.OTEL_SERVICE_NAME);
  attrs.set('telemetry.sdk.language', 'nodejs');
  attrs.set('telemetry.sdk.name', 'mlflow-genai');
  attrs.set('telemetry.sdk.version', VERSION);
  return { attributes: [...attrs].map(([key, value]) => ({ key, value: toOtlpAnyValue(value) })) };
}

/** Parses a successful body keeping int64 values exact (span times are bare JSON numbers past 2^53). */
function parseLossless<T>(text: string, line: string): T {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '200 OK') return {} as T;
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    throw new MlflowError(
      `API request to endpoint ${line} was successful but the response body was not in a valid JSON format. Response body: '${shown}'`,
      ErrorCode.INTERNAL_ERROR,
    );
  }
  return parsed as T;
}

/** The span dict in `Span.to_dict()`'s key order, with the `kind` and `links` MLflow always writes. */
function pythonOrderedDict(d: SpanDict): SpanDict {
  return {
    trace_id: d.trace_id,
    span_id: d.span_id,
    parent_span_id: d.parent_span_id,
    name: d.name,
    kind: d.kind ?? 'SPAN_KIND_INTERNAL',
    start_time_unix_nano: d.start_time_unix_nano,
    end_time_unix_nano: d.end_time_unix_nano,
    events: d.events,
    status: d.status,
    attributes: d.attributes,
    links: d.links ?? [],
  };
}

function traceDataMissing(traceId: string): MlflowError {
  return new InvalidParameterError(
    `Trace with ID ${traceId} cannot be loaded because it is missing span data. Please try creating or loading another trace.`,
    {},
    ErrorCode.BAD_REQUEST,
  );
}

function traceDataCorrupted(traceId: string): MlflowError {
  return new InvalidParameterError(
    `Trace with ID ${traceId} cannot be loaded because its span data is corrupted. Please try creating or loading another trace.`,
    {},
    ErrorCode.BAD_REQUEST,
  );
}

/**
 * The trace calls of MLflow 3.18's REST API, as its Python client makes them: spans over OTLP/HTTP
 * protobuf, trace infos over the v3 trace API, tags and deletes over the v2 one. Traces whose spans are
 * not in the server's store (older clients, servers that cannot take OTLP) are read from and written to
 * `traces.json` in the trace's artifact directory, as MLflow's `TracingClient` does.
 */
export class RestTraceStore {
  readonly #http: RestClient;
  #versionProbe: Promise<boolean> | undefined;
  #otlpUnsupported = false;
  /** Spans held until their trace's `startTrace`, when the server cannot store spans. */
  readonly #pending = new Map<string, SpanDict[]>();
  #pendingDropped = 0;

  constructor(http: RestClient) {
    this.#http = http;
  }

  async #call<S extends z.ZodType>(
    endpoint: RestEndpoint,
    payload: Record<string, unknown>,
    schema: S,
    lossless = false,
  ): Promise<z.output<S>> {
    const body = await this.#http.call(endpoint, payload, lossless ? { parse: parseLossless } : {});
    return parseResponse(schema, body, requestLine(endpoint));
  }

  /**
   * Record a finished trace's info (`StartTraceV3`); the server adds the artifact location and, when it
   * holds the trace's spans, the spans-location tag. When it could not take the spans over OTLP, they are
   * uploaded to `traces.json` now, as MLflow's exporter does after `start_trace`.
   */
  async startTrace(info: TraceInfo): Promise<TraceInfo> {
    const res = await this.#call(
      TRACE_ENDPOINTS.startTrace,
      { trace: { trace_info: traceInfoToJson(info) } },
      responseSchemas.trace,
    );
    const stored = toTraceInfo(res.trace.trace_info);
    const pending = this.#pending.get(info.traceId);
    if (pending) {
      this.#pending.delete(info.traceId);
      if (stored.tags[TraceTagKey.SPANS_LOCATION] !== SPANS_LOCATION_TRACKING_STORE) {
        await this.#uploadTraceData(stored, pending);
      }
    }
    return stored;
  }

  /**
   * Log spans of one or more traces to an experiment: `POST /v1/traces` with an OTLP protobuf
   * `ExportTraceServiceRequest`, spans converted as `Span.to_otel_proto` does. A server older than 3.4,
   * one whose version cannot be read, or one answering that it cannot store spans gets them as
   * `traces.json` at {@link startTrace} instead, and is not sent OTLP again.
   */
  async logSpans(experimentId: string, spans: Span[]): Promise<void> {
    if (spans.length === 0) return;
    if (this.#otlpUnsupported || !(await this.#serverTakesOtlp())) {
      this.#otlpUnsupported = true;
      this.#hold(spans);
      return;
    }
    const body = encodeExportTraceServiceRequest({
      resourceSpans: [{ resource: sdkResource(), scopeSpans: [{ spans: spans.map((s) => spanToOtlp(s, 'decoded')) }] }],
    });
    try {
      await this.#http.call(
        TRACE_ENDPOINTS.logSpans,
        {},
        {
          body: { data: body, contentType: 'application/x-protobuf' },
          headers: { [EXPERIMENT_ID_HEADER]: experimentId },
          // The answer is an ExportTraceServiceResponse in protobuf: nothing in it MLflow reads.
          parse: () => ({}),
        },
      );
    } catch (err) {
      // MLflow's exporter reads this answer (a 501 from the server's OTLP route) as "no span logging".
      if (err instanceof MlflowError && err.message.includes(OTLP_UNSUPPORTED)) {
        this.#otlpUnsupported = true;
        this.#hold(spans);
        return;
      }
      throw err;
    }
  }

  /** `RestStore._get_server_version`, once per store: a failed probe counts as "too old", as in MLflow. */
  #serverTakesOtlp(): Promise<boolean> {
    this.#versionProbe ??= this.#http
      .call<string>(
        TRACE_ENDPOINTS.serverVersion,
        {},
        { parse: (text) => text, requestTimeoutMs: VERSION_PROBE_TIMEOUT_MS, maxRetries: 0 },
      )
      .then(
        (version) => supportsLogSpans(String(version)),
        () => false,
      );
    return this.#versionProbe;
  }

  #hold(spans: Span[]): void {
    for (const span of spans) {
      const traceId = span.traceId;
      let list = this.#pending.get(traceId);
      if (!list) {
        if (this.#pending.size >= MAX_PENDING_TRACES) {
          // A trace whose info never comes (e.g. a remote span): drop the oldest rather than grow forever.
          const oldest = this.#pending.keys().next().value as string;
          this.#pending.delete(oldest);
          this.#pendingDropped += 1;
          if (this.#pendingDropped === 1) {
            process.emitWarning(
              `The MLflow server at ${this.#http.redactedUrl} cannot store spans and more than ${MAX_PENDING_TRACES} traces ` +
                'had spans but no trace info; the oldest are dropped.',
              { type: 'MlflowTracingWarning' },
            );
          }
        }
        list = [];
        this.#pending.set(traceId, list);
      }
      list.push(span.toDict());
    }
  }

  /** `TracingClient._upload_trace_data`: `{"spans": [...]}` as Python's `json.dumps` writes it. */
  async #uploadTraceData(info: TraceInfo, spans: SpanDict[]): Promise<void> {
    const location = info.tags[TraceTagKey.ARTIFACT_LOCATION];
    if (!location) throw traceDataCorrupted(info.traceId);
    const text = `{"spans": [${spans.map((d) => spanDictToJson(pythonOrderedDict(d))).join(', ')}]}`;
    await storageFor(location, { trackingUri: this.#http.baseUrl }).logText(text, TRACE_DATA_FILE);
  }

  /** `TracingClient._download_trace_data`: the spans in the trace's `traces.json`. */
  async #downloadTraceData(info: TraceInfo): Promise<Span[]> {
    const location = info.tags[TraceTagKey.ARTIFACT_LOCATION];
    if (!location) throw traceDataCorrupted(info.traceId);
    const dir = await mkdtemp(join(tmpdir(), 'mlflow-genai-trace-'));
    let text: string;
    try {
      try {
        const local = await storageFor(location, { trackingUri: this.#http.baseUrl }).downloadArtifacts(
          TRACE_DATA_FILE,
          dir,
        );
        text = await readFile(local, 'utf8');
      } catch {
        throw traceDataMissing(info.traceId);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (!text) throw traceDataMissing(info.traceId);
    let data: unknown;
    try {
      data = parseSpanJson(text);
    } catch {
      throw traceDataCorrupted(info.traceId);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw traceDataCorrupted(info.traceId);
    const spans = (data as { spans?: unknown }).spans ?? [];
    if (!Array.isArray(spans)) throw traceDataCorrupted(info.traceId);
    return spans.map((s) => Span.fromDict(s as Record<string, unknown>));
  }

  /** `GetTraceInfoV3`. */
  async getTraceInfo(traceId: string): Promise<TraceInfo> {
    const res = await this.#call(traceInfoEndpoint(traceId), {}, responseSchemas.trace);
    return toTraceInfo(res.trace.trace_info);
  }

  /**
   * Info and spans of a trace, as `TracingClient.get_trace` loads them: the info first; then the spans
   * from the server (`GetTrace`, OTLP spans) when its spans-location tag says the store holds them, else
   * from `traces.json` in the trace's artifact directory.
   */
  async getTrace(traceId: string, options: { allowPartial?: boolean } = {}): Promise<Trace> {
    const info = await this.getTraceInfo(traceId);
    const location = info.tags[TraceTagKey.SPANS_LOCATION];
    if (location !== SPANS_LOCATION_TRACKING_STORE && location !== SPANS_LOCATION_ARCHIVE_REPO) {
      return { info, data: { spans: await this.#downloadTraceData(info) } };
    }
    const payload: Record<string, unknown> = { trace_id: traceId };
    // proto3 JSON leaves a false bool out, so MLflow sends `allow_partial` only when true.
    if (options.allowPartial) payload.allow_partial = true;
    let trace: z.output<typeof responseSchemas.trace>['trace'];
    try {
      trace = (await this.#call(TRACE_ENDPOINTS.getTrace, payload, responseSchemas.trace, true)).trace;
    } catch (err) {
      // A server without GetTrace routes `/traces/get` to GetTraceInfo of a trace named "get".
      if (
        !(hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST) && err.message.includes("Trace with ID 'get' not found"))
      ) {
        throw err;
      }
      const res = await this.#call(
        TRACE_ENDPOINTS.batchGetTraces,
        { trace_ids: [traceId] },
        responseSchemas.batchGetTraces,
        true,
      );
      const found = res.traces?.[0];
      if (!found) throw MlflowError.fromCode(ErrorCode.NOT_FOUND, `Trace with ID ${traceId} is not found.`);
      trace = found;
    }
    return {
      info: toTraceInfo(trace.trace_info),
      data: { spans: (trace.spans ?? []).map((s) => spanFromOtlp(otlpSpanFromJson(s))) },
    };
  }

  /** `SearchTracesV3` over experiments (MLflow's trace locations). */
  async searchTraces(query: SearchTracesQuery): Promise<PagedList<TraceInfo>> {
    const invalid = query.experimentIds.filter((id) => String(id).includes('.'));
    if (invalid.length) {
      let shown = invalid.join(', ');
      if (shown.length > 20) shown = `${shown.slice(0, 20)}...`;
      throw new InvalidParameterError(
        `Locations must be a list of experiment IDs. Found invalid experiment IDs: ${shown}.`,
      );
    }
    const payload: Record<string, unknown> = {
      locations: query.experimentIds.map((id) => ({
        type: 'MLFLOW_EXPERIMENT',
        mlflow_experiment: { experiment_id: String(id) },
      })),
      max_results: query.maxResults ?? SEARCH_TRACES_DEFAULT_MAX_RESULTS,
    };
    if (query.filterString) payload.filter = query.filterString;
    if (query.orderBy?.length) payload.order_by = query.orderBy;
    if (query.pageToken) payload.page_token = query.pageToken;
    const res = await this.#call(TRACE_ENDPOINTS.searchTraces, payload, responseSchemas.searchTraces);
    const items = (res.traces ?? []).map(toTraceInfo);
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items };
  }

  /** `SetTraceTag`; the server refuses system tags and validates the key and value. */
  async setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    const payload: Record<string, unknown> = { key };
    if (value !== '') payload.value = value;
    await this.#http.call(traceTagEndpoint(traceId, 'PATCH'), payload);
  }

  /** `DeleteTraceTag`. */
  async deleteTraceTag(traceId: string, key: string): Promise<void> {
    await this.#http.call(traceTagEndpoint(traceId, 'DELETE'), { key });
  }

  /**
   * `DeleteTraces`, checked as MLflow's store checks it: by ids (sent 100 at a time, as MLflow does) or by
   * a maximum timestamp with an optional count. Returns how many traces were deleted.
   */
  async deleteTraces(args: DeleteTracesArgs): Promise<number> {
    const { experimentId, maxTimestampMillis, maxTraces, traceIds } = args;
    const hasTime = maxTimestampMillis !== undefined && maxTimestampMillis !== null;
    const hasIds = traceIds !== undefined && traceIds !== null && traceIds.length > 0;
    const hasMax = maxTraces !== undefined && maxTraces !== null;
    if (!hasTime && !hasIds) {
      throw new InvalidParameterError('Either `max_timestamp_millis` or `trace_ids` must be specified.');
    }
    if (hasTime && hasIds) {
      throw new InvalidParameterError('Only one of `max_timestamp_millis` and `trace_ids` can be specified.');
    }
    if (hasIds && hasMax)
      throw new InvalidParameterError("`max_traces` can't be specified if `trace_ids` is specified.");
    if (hasMax && maxTraces <= 0) {
      throw new InvalidParameterError(`\`max_traces\` must be a positive integer, received ${maxTraces}.`);
    }
    if (hasIds) {
      let deleted = 0;
      for (let i = 0; i < traceIds.length; i += DELETE_TRACES_BATCH_SIZE) {
        const batch = traceIds.slice(i, i + DELETE_TRACES_BATCH_SIZE);
        const res = await this.#call(
          TRACE_ENDPOINTS.deleteTraces,
          { experiment_id: experimentId, request_ids: batch },
          responseSchemas.deleteTraces,
        );
        deleted += res.traces_deleted ?? 0;
      }
      return deleted;
    }
    const payload: Record<string, unknown> = { experiment_id: experimentId, max_timestamp_millis: maxTimestampMillis };
    if (hasMax) payload.max_traces = maxTraces;
    const res = await this.#call(TRACE_ENDPOINTS.deleteTraces, payload, responseSchemas.deleteTraces);
    return res.traces_deleted ?? 0;
  }

  /** `LinkTracesToRun`; the server allows at most 100 traces per call. */
  async linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    await this.#http.call(TRACE_ENDPOINTS.linkTracesToRun, { trace_ids: traceIds, run_id: runId });
  }

  /** `LinkPromptsToTrace`: trace → prompt-version associations on the server. */
  async linkPromptsToTrace(
    traceId: string,
    prompts: ReadonlyArray<{ name: string; version: string | number }>,
  ): Promise<void> {
    if (prompts.length === 0) return;
    await this.#http.call(TRACE_ENDPOINTS.linkPromptsToTrace, {
      trace_id: traceId,
      prompt_versions: prompts.map((p) => ({ name: p.name, version: String(p.version) })),
    });
  }
}
