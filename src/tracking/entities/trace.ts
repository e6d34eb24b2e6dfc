import type { Assessment } from './assessment.js';
import type { Span } from './span.js';

/** A trace's state (`mlflow.entities.TraceState`). */
export const TraceState = {
  STATE_UNSPECIFIED: 'STATE_UNSPECIFIED',
  OK: 'OK',
  ERROR: 'ERROR',
  IN_PROGRESS: 'IN_PROGRESS',
} as const;
/** One of {@link TraceState}'s values. */
export type TraceState = (typeof TraceState)[keyof typeof TraceState];

/** True when `value` is one of MLflow's trace states. */
export function isTraceState(value: unknown): value is TraceState {
  return typeof value === 'string' && Object.hasOwn(TraceState, value);
}

/**
 * Metadata of a trace (`mlflow.entities.TraceInfo`, MLflow 3's V3 form): id, experiment, timing, state,
 * previews, immutable metadata and mutable tags.
 */
export interface TraceInfo {
  /** `tr-` + 32 lowercase hex digits. */
  traceId: string;
  /** The experiment the trace is stored in (`trace_location.mlflow_experiment.experiment_id`). */
  experimentId: string;
  /** Start of the root span, ms since the Unix epoch. */
  requestTime: number;
  /** Duration of the root span in ms; null while in progress. */
  executionDuration: number | null;
  state: TraceState;
  /** The root span's inputs, JSON, cut to 1000 characters. */
  requestPreview: string | null;
  /** The root span's outputs, JSON, cut to 1000 characters. */
  responsePreview: string | null;
  clientRequestId: string | null;
  /** Immutable key/values such as `mlflow.sourceRun`, `mlflow.trace.tokenUsage`. */
  traceMetadata: Record<string, string>;
  /** Mutable key/values such as `mlflow.traceName`. */
  tags: Record<string, string>;
  /**
   * Feedback and expectations logged on the trace, as stores return them (`TraceInfo.assessments`);
   * absent when it has none. Assessments set here before the trace is recorded are stored with it.
   */
  assessments?: Assessment[];
}

/** A trace: its info and its spans (root first is not guaranteed; use `parentId`). */
export interface Trace {
  info: TraceInfo;
  data: { spans: Span[] };
}
