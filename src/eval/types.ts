import type { Assessment, Expectation, Feedback } from '../tracking/entities/assessment.js';
import type { Trace } from '../tracking/entities/index.js';

/**
 * One row of evaluation data, as `mlflow.genai.evaluate` takes it: the inputs (passed to the predict
 * function), the outputs when they are already known, and the expectations (ground truth) by name.
 */
export interface EvalRecord {
  /** Field names and values; the predict function receives this object. */
  inputs: Record<string, unknown>;
  /** The application's answer, when evaluating recorded outputs (no predict function). */
  outputs?: unknown;
  /** Ground truth by name (`expected_response`, `expected_facts`, ...), logged as HUMAN expectations. */
  expectations?: Record<string, unknown>;
  /** Tags set on the row's trace. */
  tags?: Record<string, string>;
  /** A recorded trace to evaluate instead of calling a predict function (inputs/outputs come from it). */
  trace?: Trace;
}

/** The aggregations MLflow computes over a scorer's values (`mlflow.genai.scorers.aggregation`). */
export type AggregationName = 'min' | 'max' | 'mean' | 'median' | 'variance' | 'p90';

/**
 * An aggregation: one of MLflow's names, or a named function from the list of values to one number
 * (the metric is `<scorer>/<function name>`).
 */
export type Aggregation = AggregationName | ((values: number[]) => number);

/** What a scorer receives for one row (MLflow passes the same four keyword arguments). */
export interface ScorerInput {
  inputs: Record<string, unknown>;
  /** The predict function's result, or the recorded outputs. */
  outputs: unknown;
  /** The row's expectations by name; `{}` when it has none. */
  expectations: Record<string, unknown>;
  /** The row's trace (spans included), or null when none could be recorded. */
  trace: Trace | null;
}

/** A primitive scorer value. */
export type ScorerPrimitive = number | string | boolean;

/**
 * What a scorer may return, as in MLflow: a number, boolean or string (one CODE feedback named after
 * the scorer), a {@link Feedback}, a list (one assessment per item: Feedbacks as they are, primitives as
 * CODE feedbacks named after the scorer, as MLflow's `standardize_scorer_value` does), or null/undefined
 * (no assessment).
 */
export type ScorerReturn = ScorerPrimitive | Feedback | Array<Feedback | ScorerPrimitive> | null | undefined;

/**
 * A scorer (`mlflow.genai.scorers.Scorer`): a name, the aggregations to log as run metrics, and the
 * function that scores one row. Custom ones come from {@link scorer}; LLM judges implement it too.
 */
export interface Scorer {
  /** The assessment name and the metric prefix (`<name>/mean`). */
  readonly name: string;
  /** Aggregations logged as run metrics; `['mean']` when undefined. */
  readonly aggregations?: readonly Aggregation[] | undefined;
  /** Scores one row. A throw (or rejection) becomes a Feedback carrying the error; evaluation goes on. */
  run(input: ScorerInput): ScorerReturn | Promise<ScorerReturn>;
}

/** A Python-style predict function: receives a row's `inputs` object; may be async. */
export type PredictFn = (inputs: Record<string, unknown>, context: PredictContext) => unknown;

/** The second argument of a {@link PredictFn}. */
export interface PredictContext {
  /** Aborted when the evaluation is cancelled. */
  signal: AbortSignal;
  /** Index of the row in the data. */
  index: number;
}

/** One evaluated row: what went in, what came out, and every assessment logged on its trace. */
export interface EvaluationRow {
  /** Position in the input data. */
  index: number;
  /** MLflow's eval request id (the `mlflow.eval.requestId` trace tag). */
  requestId: string;
  /** The row's trace id, or null when no trace could be recorded. */
  traceId: string | null;
  inputs: Record<string, unknown>;
  outputs: unknown;
  expectations: Record<string, unknown>;
  tags: Record<string, string>;
  /** Feedback from every scorer, in scorer order (errors included). */
  feedbacks: Feedback[];
  /** The expectations logged on the trace (HUMAN source). */
  expectationAssessments: Expectation[];
  /** Every assessment of the row: feedbacks then expectations. */
  assessments: Assessment[];
  /** Why the predict function failed for this row, if it did. */
  error: string | null;
  /** Duration of the predict function (or of the recorded trace), ms. */
  executionTimeMs: number | null;
  /** With `perRowRuns`, the row's nested run. */
  runId: string | null;
}

/** What `evaluate` returns (`mlflow.genai.evaluation.entities.EvaluationResult`). */
export interface EvaluationResult {
  /** The evaluation run (tagged `mlflow.runType = genai_evaluation`). */
  runId: string;
  experimentId: string;
  /** Aggregates logged on the run: `<assessment name>/<aggregation>` -> value. */
  metrics: Record<string, number>;
  /** One per input row, in input order. */
  rows: EvaluationRow[];
}
