import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Span as OTelSpan,
  context as otelContext,
  trace as otelTrace,
  ROOT_CONTEXT,
  type Tracer,
} from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { currentUser, sourceName } from '../tracking/context.js';
import {
  hexToBase64,
  Span,
  SpanAttributeKey,
  TRACE_ID_PREFIX,
  TRACE_SCHEMA_VERSION,
  type Trace,
  type TraceInfo,
  TraceMetadataKey,
  TraceState,
  TraceTagKey,
} from '../tracking/entities/index.js';
import {
  activeRun,
  currentExperimentIdSync,
  getClient,
  getTrackingUri,
  resolveExperimentId,
} from '../tracking/fluent.js';
import { RestTrackingStore } from '../tracking/rest/store.js';
import type { TrackingStore } from '../tracking/store.js';
import { openTrackingStore } from '../tracking/stores.js';
import { MLFLOW_SOURCE_NAME, MLFLOW_SOURCE_TYPE, MLFLOW_USER } from '../tracking/tags.js';
import type { TraceExporter } from './export/exporter.js';
import { MlflowTraceExporter } from './export/mlflow.js';
import { OtlpTraceExporter } from './export/otlp.js';
import { ExportQueue, type ExportStats } from './export/queue.js';
import { markRemoteTrace } from './export/remote.js';
import { aggregateTokenUsage, truncatedPreview, truncateMetadata } from './finalize.js';
import { newTraceId, RecordingSpan, type SpanLimits, spanLimitsFromEnv } from './recording-span.js';
import type { ResolvedTracingSettings } from './settings.js';
import {
  type ActiveSpan,
  hrTimeToNs,
  LiveSpan,
  NOOP_SPAN,
  NoOpSpan,
  type SpanOwner,
  toSpanDict,
  warn,
} from './span.js';

/** @internal A trace being recorded. */
interface TraceEntry {
  info: TraceInfo;
  traceIdJson: string;
  spans: LiveSpan[];
  open: number;
  root: LiveSpan | null;
  rootEnded: boolean;
  /** Spans of a trace whose root lives in another process (distributed tracing): only they are exported. */
  remote?: boolean;
}

/**
 * @internal The span of another process that spans started here nest under (a W3C `traceparent` received
 * with a request): what MLflow's `set_tracing_context_from_http_request_headers` makes current.
 */
export class RemoteParent {
  constructor(
    /** 32 lowercase hex digits. */
    readonly otelTraceId: string,
    /** 16 lowercase hex digits. */
    readonly spanId: string,
    /** The trace flags, 2 lowercase hex digits as received. */
    readonly flags: string,
  ) {}
  /** The `sampled` flag (bit 0). */
  get sampled(): boolean {
    return (Number.parseInt(this.flags, 16) & 1) === 1;
  }
  get traceId(): string {
    return TRACE_ID_PREFIX + this.otelTraceId;
  }
}

/** @internal Arguments of {@link TracingEngine.startSpan}. */
export interface StartSpanArgs {
  name: string;
  spanType?: string | undefined;
  /** The parent; the active span when undefined; `null` forces a new trace. */
  parent?: ActiveSpan | null | undefined;
  inputs?: unknown;
  attributes?: Record<string, unknown> | undefined;
  /** Nanoseconds since the Unix epoch. */
  startTimeNs?: bigint | undefined;
  /** Root spans only: the experiment the trace goes to. */
  experimentId?: string | undefined;
}

/** The active span of the current async context (ours alone: the host's OTel context is untouched). */
export const activeSpanStorage = new AsyncLocalStorage<ActiveSpan | RemoteParent>();

// The trace whose root span ended last in this process (MLflow's `_LAST_ACTIVE_TRACE_ID_GLOBAL`).
let lastActiveTraceId: string | undefined;

/** @internal The id of the trace whose root span ended last, if any. */
export function lastActiveTraceIdValue(): string | undefined {
  return lastActiveTraceId;
}

/**
 * A framework's own notion of "the code of this run is executing": LangChain.js keeps the running
 * Runnable's config in its own AsyncLocalStorage, and its tracer maps that run to the span recording it.
 * Set by an integration when it loads; undefined otherwise (then the active span is ours alone).
 */
let contextSpanSource: (() => LiveSpan | undefined) | undefined;

/** @internal Install (or remove) the framework source of {@link activeSpan}. */
export function setContextSpanSource(source: (() => LiveSpan | undefined) | undefined): void {
  contextSpanSource = source;
}

/**
 * @internal The span new spans nest under and `getCurrentActiveSpan()` returns: ours (`trace()`,
 * `withSpan()`, `withActiveSpan()`), unless a framework's running run has a span nested inside it (or
 * there is no span of ours): then that run's span, as MLflow's LangChain tracer makes a run's span the
 * active one for the code the run calls.
 */
export function activeSpan(): ActiveSpan | RemoteParent | undefined {
  const own = activeSpanStorage.getStore();
  if (contextSpanSource === undefined || own instanceof NoOpSpan) return own;
  let framework: LiveSpan | undefined;
  try {
    framework = contextSpanSource();
  } catch {
    return own;
  }
  if (!framework || framework === own || framework.isEnded) return own;
  if (own === undefined) return framework;
  // A run inside a caller's context (a chain invoked by a request handler) is in the caller's trace.
  if (own instanceof RemoteParent) return framework.otelTraceId === own.otelTraceId ? framework : own;
  return isAncestor(own, framework) ? framework : own;
}

/** True when `ancestor` is `span`'s parent, or its parent's parent, and so on, in a trace still recording. */
function isAncestor(ancestor: LiveSpan, span: LiveSpan): boolean {
  if (ancestor.otelTraceId !== span.otelTraceId) return false;
  const owner = span.owner;
  if (!(owner instanceof TracingEngine)) return false;
  return owner.isAncestor(ancestor, span);
}

// A sampled-out trace: its children are dropped too, so a trace is recorded whole or not at all.
const SAMPLED_OUT = new NoOpSpan();

let envMetadataCache: Record<string, string> | undefined;
function envMetadata(): Record<string, string> {
  envMetadataCache ??= {
    [MLFLOW_USER]: currentUser(),
    [MLFLOW_SOURCE_NAME]: sourceName(),
    [MLFLOW_SOURCE_TYPE]: 'LOCAL',
  };
  return envMetadataCache;
}

/**
 * @internal The tracing engine: an OpenTelemetry tracer (our own isolated provider unless the host's
 * was given), the in-memory traces being recorded, and the export queue.
 */
export class TracingEngine implements SpanOwner {
  readonly settings: ResolvedTracingSettings;
  /** The host's tracer when attached; our spans are {@link RecordingSpan}s otherwise. */
  readonly #tracer: Tracer | undefined;
  readonly #limits: SpanLimits;
  readonly #queue: ExportQueue;
  readonly #traces = new Map<string, TraceEntry>();
  readonly #attached: boolean;

  constructor(settings: ResolvedTracingSettings) {
    this.settings = settings;
    this.#limits = spanLimitsFromEnv();
    if (settings.tracerProvider) {
      this.#tracer = settings.tracerProvider.getTracer('mlflow-genai');
      this.#attached = true;
    } else {
      // Not attached: nothing else sees our spans, so no OpenTelemetry tracer, sampler or processor is
      // needed to record them; RecordingSpan keeps the SDK's span semantics at a fraction of the cost.
      this.#tracer = undefined;
      this.#attached = false;
    }
    this.#queue = new ExportQueue(createExporter(settings), settings);
  }

  get stats(): ExportStats & { inProgress: number } {
    return { ...this.#queue.stats, inProgress: this.#traces.size };
  }

  /** The span that `fn` should see as active: ours in our storage, and the host's context when attached. */
  run<T>(span: ActiveSpan | RemoteParent, fn: () => T): T {
    if (this.#attached && span instanceof LiveSpan) {
      const ctx = otelTrace.setSpan(otelContext.active(), span.otelSpan);
      return activeSpanStorage.run(span, () => otelContext.with(ctx, fn));
    }
    if (this.#attached && span instanceof RemoteParent) {
      const ctx = otelTrace.setSpanContext(otelContext.active(), {
        traceId: span.otelTraceId,
        spanId: span.spanId,
        traceFlags: span.sampled ? 1 : 0,
        isRemote: true,
      });
      return activeSpanStorage.run(span, () => otelContext.with(ctx, fn));
    }
    return activeSpanStorage.run(span, fn);
  }

  startSpan(args: StartSpanArgs): ActiveSpan {
    const found = args.parent === undefined ? activeSpan() : args.parent;
    if (found instanceof RemoteParent) return this.#startUnderRemote(args, found);
    const parent = found;
    if (parent instanceof NoOpSpan) return parent === SAMPLED_OUT ? SAMPLED_OUT : NOOP_SPAN;
    // A parent that already ended (a span outliving its function) still parents, as in MLflow.
    let entry: TraceEntry | undefined;
    if (parent) {
      entry = this.#traces.get(parent.otelTraceId);
      if (!entry) {
        warn('A span was started under a parent whose trace has already been exported; it starts a new trace.');
      }
    }
    if (!entry && this.settings.samplingRatio < 1 && Math.random() >= this.settings.samplingRatio) return SAMPLED_OUT;
    const spanType = args.spanType ?? 'UNKNOWN';
    const startTime = args.startTimeNs === undefined ? undefined : nsToHr(args.startTimeNs);
    let otelSpan: OTelSpan;
    if (this.#tracer) {
      let parentCtx = ROOT_CONTEXT;
      if (entry && parent) {
        // One OTel context per parent, reused by all its children.
        parent.otelContext ??= otelTrace.setSpan(ROOT_CONTEXT, parent.otelSpan);
        parentCtx = parent.otelContext;
      }
      otelSpan = this.#tracer.startSpan(args.name, { root: !entry, startTime }, parentCtx);
    } else {
      const parentIds = entry && parent ? { traceId: parent.otelTraceId, spanId: parent.spanId } : undefined;
      otelSpan = new RecordingSpan(args.name, parentIds?.traceId ?? newTraceId(), parentIds, this.#limits, startTime);
    }
    const otelTraceId = otelSpan.spanContext().traceId;
    const traceId = entry ? entry.info.traceId : TRACE_ID_PREFIX + otelTraceId;
    const span = new LiveSpan({
      otelSpan,
      traceId,
      parentId: entry && parent ? parent.spanId : null,
      name: args.name,
      spanType,
      owner: this,
      traceIdJson: entry ? entry.traceIdJson : JSON.stringify(traceId),
    });
    if (!entry) {
      entry = this.#newTrace(span, args.experimentId);
      this.#traces.set(otelTraceId, entry);
    }
    entry.spans.push(span);
    entry.open++;
    if (args.attributes) span.setAttributes(args.attributes);
    if (args.inputs !== undefined) span.setInputs(args.inputs);
    return span;
  }

  /**
   * A span whose parent is another process's span: same trace id, that span as parent. Its trace here
   * holds only this process's spans and is exported as spans alone (MLflow's `log_spans`) once they have
   * all ended; the other process owns the trace info. A trace recorded in this very process (a request
   * to itself) is joined instead. A parent not sampled there is not sampled here either.
   */
  #startUnderRemote(args: StartSpanArgs, remote: RemoteParent): ActiveSpan {
    if (!remote.sampled) return SAMPLED_OUT;
    let entry = this.#traces.get(remote.otelTraceId);
    const otelSpan: OTelSpan = this.#tracer
      ? this.#tracer.startSpan(
          args.name,
          { startTime: args.startTimeNs === undefined ? undefined : nsToHr(args.startTimeNs) },
          otelTrace.setSpanContext(ROOT_CONTEXT, {
            traceId: remote.otelTraceId,
            spanId: remote.spanId,
            traceFlags: 1,
            isRemote: true,
          }),
        )
      : new RecordingSpan(
          args.name,
          remote.otelTraceId,
          { traceId: remote.otelTraceId, spanId: remote.spanId },
          this.#limits,
          args.startTimeNs === undefined ? undefined : nsToHr(args.startTimeNs),
        );
    const span = new LiveSpan({
      otelSpan,
      traceId: remote.traceId,
      parentId: remote.spanId,
      name: args.name,
      spanType: args.spanType ?? 'UNKNOWN',
      owner: this,
      traceIdJson: entry ? entry.traceIdJson : JSON.stringify(remote.traceId),
    });
    if (!entry) {
      entry = this.#newTrace(span, args.experimentId);
      entry.root = null;
      entry.rootEnded = true;
      entry.remote = true;
      this.#traces.set(remote.otelTraceId, entry);
    }
    entry.spans.push(span);
    entry.open++;
    if (args.attributes) span.setAttributes(args.attributes);
    if (args.inputs !== undefined) span.setInputs(args.inputs);
    return span;
  }

  /** @internal True when `span` belongs to a trace whose root lives in another process. */
  isRemote(span: LiveSpan): boolean {
    return this.#traces.get(span.otelTraceId)?.remote === true;
  }

  #newTrace(root: LiveSpan, experimentId: string | undefined): TraceEntry {
    const run = activeRun();
    // Copied by assignment: a spread literal with keys added later gets a new hidden class per trace.
    const metadata: Record<string, string> = Object.assign({}, envMetadata());
    metadata[TraceMetadataKey.SCHEMA_VERSION] = TRACE_SCHEMA_VERSION;
    if (run) metadata[TraceMetadataKey.SOURCE_RUN] = run.info.runId;
    const destination = this.settings.destination;
    const expId =
      experimentId ??
      (destination.type === 'mlflow' ? destination.experimentId : undefined) ??
      run?.info.experimentId ??
      currentExperimentIdSync() ??
      // Resolved (environment, lookup) when the trace is exported, off the hot path.
      '';
    return {
      traceIdJson: JSON.stringify(root.traceId),
      info: {
        traceId: root.traceId,
        experimentId: expId,
        requestTime: Date.now(),
        executionDuration: null,
        state: TraceState.IN_PROGRESS,
        requestPreview: null,
        responsePreview: null,
        clientRequestId: null,
        traceMetadata: metadata,
        tags: { [TraceTagKey.TRACE_NAME]: root.name },
      },
      spans: [],
      open: 0,
      root,
      rootEnded: false,
    };
  }

  /** @internal True when `ancestor` is above `span` in the trace both belong to (a trace still recording). */
  isAncestor(ancestor: LiveSpan, span: LiveSpan): boolean {
    const entry = this.#traces.get(span.otelTraceId);
    if (!entry) return false;
    let parentId = span.parentId;
    // At most one step per span: a malformed chain cannot loop.
    for (let steps = entry.spans.length; parentId !== null && steps > 0; steps--) {
      if (parentId === ancestor.spanId) return true;
      const id: string = parentId;
      parentId = entry.spans.find((s) => s.spanId === id)?.parentId ?? null;
    }
    return false;
  }

  /** @internal The trace being recorded that `span` belongs to. */
  traceOf(span: LiveSpan): TraceInfo | undefined {
    return this.#traces.get(span.otelTraceId)?.info;
  }

  onSpanEnd(span: LiveSpan): void {
    try {
      const entry = this.#traces.get(span.otelTraceId);
      if (!entry) return;
      entry.open--;
      if (span === entry.root) {
        entry.rootEnded = true;
        // Set when the root ends, as MLflow does, so the id is there even while the trace waits for export.
        lastActiveTraceId = entry.info.traceId;
      }
      if (entry.rootEnded && entry.open <= 0) {
        this.#traces.delete(span.otelTraceId);
        this.#queue.enqueue(this.#finish(entry));
      }
    } catch (err) {
      warn(`Failed to finish a trace: ${(err as Error).message}`);
    }
  }

  #finish(entry: TraceEntry): Trace {
    const spans = spanViews(entry);
    const info = entry.info;
    if (entry.remote) {
      return markRemoteTrace({ info, data: { spans } });
    }
    let hasUsage = false;
    for (const s of entry.spans) if (s.tokenUsage !== undefined) hasUsage = true;
    const rootLive = entry.root ?? entry.spans[0];
    if (rootLive) {
      const otelRoot = rootLive.otelSpan as unknown as ReadableSpan;
      const start = otelRoot.startTime;
      const end = otelRoot.ended ? otelRoot.endTime : start;
      const startMs = start[0] * 1000 + Math.floor(start[1] / 1_000_000);
      info.requestTime = startMs;
      info.executionDuration = Number((hrTimeToNs(end) - hrTimeToNs(start)) / 1_000_000n);
      if (info.state === TraceState.IN_PROGRESS) {
        info.state = rootLive.status === 'ERROR' ? TraceState.ERROR : TraceState.OK;
      }
      const attrs = otelRoot.attributes;
      info.traceMetadata[TraceMetadataKey.INPUTS] = truncateMetadata(attrs[SpanAttributeKey.INPUTS]);
      info.traceMetadata[TraceMetadataKey.OUTPUTS] = truncateMetadata(attrs[SpanAttributeKey.OUTPUTS]);
      const usage = hasUsage
        ? aggregateTokenUsage(entry.spans.map((s) => ({ spanId: s.spanId, parentId: s.parentId, usage: s.tokenUsage })))
        : null;
      if (usage) info.traceMetadata[TraceMetadataKey.TOKEN_USAGE] = usageJson(usage);
      info.requestPreview ??= truncatedPreview(attrs[SpanAttributeKey.INPUTS], 'user');
      info.responsePreview ??= truncatedPreview(attrs[SpanAttributeKey.OUTPUTS], 'assistant');
    }
    return { info, data: { spans } };
  }

  async flush(): Promise<void> {
    await this.#queue.flush();
  }

  async shutdown(): Promise<void> {
    await this.#queue.shutdown();
  }

  abandon(): void {
    this.#queue.abandon();
  }
}

/** The spans of a trace as exported: each builds its span dict when first read (an exporter that never reads one never pays for it). */
function spanViews(entry: TraceEntry): Span[] {
  let traceIdBase64: string | undefined;
  const otelTraceId = entry.spans[0]?.otelTraceId ?? '';
  return entry.spans.map((s) => {
    const ids = { spanId: s.spanId, parentId: s.parentId };
    const otel = s.otelSpan;
    return new Span(() => {
      traceIdBase64 ??= hexToBase64(otelTraceId);
      return toSpanDict(otel as never, { traceIdBase64, spanId: ids.spanId, parentId: ids.parentId });
    }, ids);
  });
}

function usageJson(usage: Record<string, number>): string {
  return `{${Object.entries(usage)
    .map(([k, v]) => `"${k}": ${v}`)
    .join(', ')}}`;
}

/** Per-call retries of the exporter's REST store: brief, because the queue retries batches itself. */
const EXPORT_REST_OPTIONS = { maxRetries: 2, backoffFactorMs: 200, backoffJitterMs: 100, totalTimeoutMs: 30_000 };

function nsToHr(ns: bigint): [number, number] {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

function createExporter(settings: ResolvedTracingSettings): TraceExporter {
  const d = settings.destination;
  switch (d.type) {
    case 'custom':
      return d.exporter;
    case 'otlp':
      return new OtlpTraceExporter(d.endpoint === undefined ? {} : { endpoint: d.endpoint, headers: d.headers ?? {} });
    default: {
      // Over REST the exporter gets its own store with short per-call retries: the export queue
      // retries failed batches itself, so a call must not sit minutes in MLflow's long backoff while
      // the queue fills up behind it.
      const restStores = new Map<string, RestTrackingStore>();
      const storeFor = (): TrackingStore => {
        const uri = d.trackingUri ?? getTrackingUri();
        if (!/^https?:/i.test(uri)) return d.trackingUri ? openTrackingStore(uri) : getClient().store;
        let store = restStores.get(uri);
        if (!store) {
          store = new RestTrackingStore(uri, EXPORT_REST_OPTIONS);
          restStores.set(uri, store);
        }
        return store;
      };
      return new MlflowTraceExporter(
        storeFor,
        () => (d.experimentId !== undefined ? Promise.resolve(d.experimentId) : resolveExperimentId()),
        async () => {
          await Promise.all([...restStores.values()].map((st) => st.close()));
        },
      );
    }
  }
}
