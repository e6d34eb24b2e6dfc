import { pyJsonDumps } from '../../internal/python-json.js';
import { type Span, spanDictToJson, type Trace, TraceMetadataKey, TraceTagKey } from '../../tracking/entities/index.js';
import { ErrorCode, isMlflowError } from '../../tracking/errors.js';
import type { TrackingStore } from '../../tracking/store.js';
import { warn } from '../span.js';
import { PartialExportError, type TraceExporter } from './exporter.js';
import { isRemoteTrace } from './remote.js';

const START_TRACE_CONCURRENCY = 4;

/** @internal True for failures worth retrying: the store is unreachable, busy or failed internally. */
export function isRetryable(err: unknown): boolean {
  if (!isMlflowError(err)) return true;
  return err.errorCode === ErrorCode.TEMPORARILY_UNAVAILABLE || err.errorCode === ErrorCode.INTERNAL_ERROR;
}

/**
 * Exports to an MLflow tracking store, making the calls MLflow 3.18's `MlflowV3SpanExporter` makes:
 * the spans first (`log_spans`, OTLP to a server), then the trace info (`StartTraceV3`), with the size
 * statistics MLflow adds to the metadata.
 */
export class MlflowTraceExporter implements TraceExporter {
  readonly #store: () => TrackingStore;
  readonly #resolveExperimentId: () => Promise<string>;
  readonly #onShutdown: (() => Promise<void>) | undefined;

  constructor(
    store: () => TrackingStore,
    resolveExperimentId: () => Promise<string>,
    onShutdown?: () => Promise<void>,
  ) {
    this.#store = store;
    this.#resolveExperimentId = resolveExperimentId;
    this.#onShutdown = onShutdown;
  }

  async shutdown(): Promise<void> {
    await this.#onShutdown?.();
  }

  async export(traces: Trace[]): Promise<void> {
    const store = this.#store();
    const byExperiment = new Map<string, Trace[]>();
    for (const t of traces) {
      if (!t.info.experimentId) t.info.experimentId = await this.#resolveExperimentId();
      // A remote trace's info belongs to the process holding its root: only its spans go from here.
      if (!isRemoteTrace(t)) addSizeStats(t);
      const list = byExperiment.get(t.info.experimentId);
      if (list) list.push(t);
      else byExperiment.set(t.info.experimentId, [t]);
    }
    let dropped = 0;
    const reasons: string[] = [];
    for (const [experimentId, list] of byExperiment) {
      try {
        await store.logSpans(
          experimentId,
          list.flatMap((t) => t.data.spans),
        );
      } catch (err) {
        if (isRetryable(err)) throw err;
        dropped += list.length;
        reasons.push(`experiment ${experimentId}: ${(err as Error).message}`);
        continue;
      }
      // A remote trace's info is the caller's to record; what was attached to it here (assessments logged
      // inside the request, prompts loaded there) goes to the trace its spans have just joined.
      for (const t of list) {
        if (!isRemoteTrace(t)) continue;
        try {
          if (t.info.assessments?.length) await store.createAssessments(t.info.assessments);
        } catch (err) {
          if (isRetryable(err)) throw err;
          warn(`Failed to log the assessments of trace ${t.info.traceId}: ${(err as Error).message}`);
        }
        await linkPrompts(store, t);
      }
      // Trace infos go in parallel (a few at a time): over REST each is its own request.
      const infos = list.filter((t) => !isRemoteTrace(t));
      let next = 0;
      let retryable: unknown;
      const worker = async () => {
        while (next < infos.length && retryable === undefined) {
          const t = infos[next++] as Trace;
          try {
            await store.startTrace(t.info);
            await linkPrompts(store, t);
          } catch (err) {
            if (isRetryable(err)) retryable ??= err;
            else {
              dropped++;
              reasons.push(`${t.info.traceId}: ${(err as Error).message}`);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(START_TRACE_CONCURRENCY, infos.length) }, worker));
      if (retryable !== undefined) throw retryable;
    }
    if (dropped > 0) {
      warn(`MLflow refused ${dropped} trace(s): ${reasons.slice(0, 3).join('; ')}`);
      throw new PartialExportError(dropped, reasons.join('; '));
    }
  }
}

// MLflow's `try_link_prompts_to_trace`: the prompts a trace loaded (its `mlflow.linkedPrompts` tag) become
// entity associations; a failure is reported, never a reason to drop the trace.
async function linkPrompts(store: TrackingStore, trace: Trace): Promise<void> {
  const tag = trace.info.tags[TraceTagKey.LINKED_PROMPTS];
  if (!tag) return;
  try {
    const prompts = JSON.parse(tag) as Array<{ name?: unknown; version?: unknown }>;
    const refs = prompts
      .filter((p) => typeof p?.name === 'string' && p.version !== undefined)
      .map((p) => ({ name: p.name as string, version: String(p.version) }));
    await store.linkPromptsToTrace(trace.info.traceId, refs);
  } catch (err) {
    warn(`Failed to link prompts to trace ${trace.info.traceId}: ${(err as Error).message}`);
  }
}

/** MLflow's `add_size_stats_to_trace_metadata`: span sizes as Python's `json.dumps` writes them. */
export function addSizeStats(trace: Trace): void {
  try {
    const sizes = trace.data.spans.map((s: Span) => Buffer.byteLength(spanDictToJson(s.toDict(), true), 'utf8'));
    if (sizes.length === 0) return;
    const infoJson = traceInfoJsonSizeApprox(trace);
    const total = sizes.reduce((a, b) => a + b, 0) + infoJson + (sizes.length - 1) * 2;
    const sorted = [...sizes].sort((a, b) => a - b);
    const stats = {
      total_size_bytes: total,
      num_spans: sizes.length,
      max: sorted[sorted.length - 1],
      p25: Math.trunc(percentile(sorted, 0.25)),
      p50: Math.trunc(percentile(sorted, 0.5)),
      p75: Math.trunc(percentile(sorted, 0.75)),
    };
    trace.info.traceMetadata[TraceMetadataKey.SIZE_STATS] = pyJsonDumps(stats);
    trace.info.traceMetadata[TraceMetadataKey.SIZE_BYTES] = String(total);
  } catch (err) {
    warn(`Failed to add size stats to trace metadata: ${(err as Error).message}`);
  }
}

function percentile(sorted: number[], p: number): number {
  const n = sorted.length;
  const index = p * (n - 1);
  const lower = Math.floor(index);
  const upper = Math.min(lower + 1, n - 1);
  const weight = index - lower;
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

// `len(Trace(info, TraceData([])).to_json())`: the trace without spans, as MLflow measures it.
function traceInfoJsonSizeApprox(trace: Trace): number {
  const i = trace.info;
  const info: Record<string, unknown> = {
    trace_id: i.traceId,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: i.experimentId } },
    request_time: new Date(i.requestTime)
      .toISOString()
      .replace(/\.(\d{3})Z$/, (_m, ms) => (ms === '000' ? 'Z' : `.${ms}Z`)),
    state: i.state,
    trace_metadata: i.traceMetadata,
    tags: i.tags,
  };
  if (i.requestPreview !== null) info.request_preview = i.requestPreview;
  if (i.responsePreview !== null) info.response_preview = i.responsePreview;
  if (i.clientRequestId !== null) info.client_request_id = i.clientRequestId;
  if (i.executionDuration !== null) info.execution_duration_ms = i.executionDuration;
  return Buffer.byteLength(asciiDump({ info, data: { spans: [] } }), 'utf8');
}

function asciiDump(v: unknown): string {
  return pyJsonDumps(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
