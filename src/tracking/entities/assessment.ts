import { randomUUID } from 'node:crypto';
import { InvalidParameterError } from '../errors.js';

/** Where an assessment came from (`mlflow.entities.AssessmentSourceType`). */
export const AssessmentSourceType = {
  SOURCE_TYPE_UNSPECIFIED: 'SOURCE_TYPE_UNSPECIFIED',
  /** A person (reviewer, labeller, end user). */
  HUMAN: 'HUMAN',
  /** An LLM used as a judge. */
  LLM_JUDGE: 'LLM_JUDGE',
  /** Deterministic code (heuristics, custom scorers). */
  CODE: 'CODE',
} as const;
/** One of {@link AssessmentSourceType}'s values. */
export type AssessmentSourceType = (typeof AssessmentSourceType)[keyof typeof AssessmentSourceType];

/** The `AssessmentSource.SourceType` enum numbers of `assessments.proto`, by name. */
export const ASSESSMENT_SOURCE_TYPE_NUMBERS: Readonly<Record<AssessmentSourceType, number>> = {
  SOURCE_TYPE_UNSPECIFIED: 0,
  HUMAN: 1,
  LLM_JUDGE: 2,
  CODE: 3,
};

/**
 * Who or what produced an assessment (`mlflow.entities.AssessmentSource`): a type and an id such as a
 * user's email, a judge model or a scorer name.
 */
export interface AssessmentSource {
  sourceType: AssessmentSourceType;
  /** `"default"` when not given, as in MLflow; null when a store returned none. */
  sourceId: string | null;
}

/**
 * An {@link AssessmentSource}, with the type standardised as MLflow does: case-insensitive, the legacy
 * `AI_JUDGE` read as `LLM_JUDGE`. An unknown type is an INVALID_PARAMETER_VALUE error.
 */
export function assessmentSource(sourceType: string, sourceId: string | null = 'default'): AssessmentSource {
  return { sourceType: parseAssessmentSourceType(sourceType), sourceId };
}

/** `AssessmentSourceType._parse`: upper-cased, `AI_JUDGE` mapped to `LLM_JUDGE`, validated. */
export function parseAssessmentSourceType(value: unknown): AssessmentSourceType {
  if (typeof value === 'number') {
    const found = Object.entries(ASSESSMENT_SOURCE_TYPE_NUMBERS).find(([, n]) => n === value);
    if (found) return found[0] as AssessmentSourceType;
  }
  if (typeof value !== 'string') {
    throw new InvalidParameterError(`Invalid assessment source type: ${String(value)}. Valid source types: ${VALID}`);
  }
  let upper = value.toUpperCase();
  if (upper === 'AI_JUDGE') upper = AssessmentSourceType.LLM_JUDGE;
  if (!Object.hasOwn(AssessmentSourceType, upper)) {
    throw new InvalidParameterError(`Invalid assessment source type: ${upper}. Valid source types: ${VALID}`);
  }
  return upper as AssessmentSourceType;
}

const VALID = "['SOURCE_TYPE_UNSPECIFIED', 'LLM_JUDGE', 'HUMAN', 'CODE']";

/** An error met while producing a feedback (`mlflow.entities.AssessmentError`). */
export interface AssessmentError {
  errorCode: string;
  errorMessage: string | null;
  stackTrace: string | null;
}

/**
 * An {@link AssessmentError} from what a scorer threw or a caller passed, as MLflow's `Feedback` converts
 * its `error` argument: an `Error` gives its class name as the code, its message and its stack; a string
 * gives code `ASSESSMENT_ERROR`; an AssessmentError is kept.
 */
export function toAssessmentError(error: unknown, errorCode?: string): AssessmentError {
  if (isAssessmentErrorLike(error)) {
    return {
      errorCode: error.errorCode,
      errorMessage: error.errorMessage ?? null,
      stackTrace: error.stackTrace ?? null,
    };
  }
  if (typeof error === 'string')
    return { errorCode: errorCode ?? 'ASSESSMENT_ERROR', errorMessage: error, stackTrace: null };
  if (error instanceof Error) {
    return {
      errorCode: errorCode ?? (error.constructor?.name || error.name || 'Error'),
      errorMessage: error.message,
      stackTrace: error.stack ?? null,
    };
  }
  return { errorCode: errorCode ?? 'ASSESSMENT_ERROR', errorMessage: String(error), stackTrace: null };
}

function isAssessmentErrorLike(value: unknown): value is AssessmentError {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as { errorCode?: unknown }).errorCode === 'string'
  );
}

/** Reserved assessment metadata keys (`mlflow.tracing.constant.AssessmentMetadataKey`). */
export const AssessmentMetadataKey = {
  /** The evaluation run that produced the assessment. */
  SOURCE_RUN_ID: 'mlflow.assessment.sourceRunId',
  JUDGE_COST: 'mlflow.assessment.judgeCost',
  JUDGE_INPUT_TOKENS: 'mlflow.assessment.judgeInputTokens',
  JUDGE_OUTPUT_TOKENS: 'mlflow.assessment.judgeOutputTokens',
  SCORER_TRACE_ID: 'mlflow.assessment.scorerTraceId',
  SCORER_NAME: 'mlflow.assessment.scorerName',
  SCORER_VERSION: 'mlflow.assessment.scorerVersion',
  SCORER_DIGEST: 'mlflow.assessment.scorerDigest',
  ONLINE_SCORING_SESSION_ID: 'mlflow.assessment.onlineScoringSessionId',
} as const;

/** `DEFAULT_FEEDBACK_NAME`: the name of a feedback created without one. */
export const DEFAULT_FEEDBACK_NAME = 'feedback';

/** `ASSESSMENT_ID_PREFIX`. */
export const ASSESSMENT_ID_PREFIX = 'a-';

/** A new assessment id as MLflow's backend generates it: `a-` + 32 hex digits. */
export function generateAssessmentId(): string {
  return ASSESSMENT_ID_PREFIX + randomUUID().replaceAll('-', '');
}

/**
 * A feedback value: a number, string or boolean, a list of them, or an object of them (MLflow's
 * `FeedbackValueType`); null when the feedback carries an error instead.
 */
export type FeedbackValueType =
  | number
  | string
  | boolean
  | null
  | Array<number | string | boolean | null>
  | { [key: string]: number | string | boolean | null };

/** Fields every assessment kind accepts at construction; all optional. */
export interface AssessmentInit {
  /** The source; CODE for feedback, HUMAN for expectations, LLM_JUDGE for issues by default. */
  source?: AssessmentSource;
  traceId?: string | null;
  /** The run that produced the assessment; taken from `metadata[mlflow.assessment.sourceRunId]` when absent. */
  runId?: string | null;
  rationale?: string | null;
  /** String key/values (MLflow's `metadata: dict[str, str]`). */
  metadata?: Record<string, string> | null;
  /** The span the assessment is about, when not the whole trace. */
  spanId?: string | null;
  /** Milliseconds since the epoch; now by default. */
  createTimeMs?: number;
  /** Milliseconds since the epoch; now by default. */
  lastUpdateTimeMs?: number;
  /** Assigned by the store; set it only when copying an assessment that already exists. */
  assessmentId?: string | null;
  /** The id of the assessment this one replaces (see `overrideFeedback`). */
  overrides?: string | null;
  /** False once another assessment overrides this one; set by the store. */
  valid?: boolean;
}

const BRAND = Symbol.for('mlflow-genai.assessment');

/**
 * What every assessment has (`mlflow.entities.Assessment`): a name, a source, the trace (and span) it
 * is attached to, rationale, metadata, times, and the override bookkeeping. Fields are mutable, as in
 * MLflow, so the evaluation harness can attach assessments to the trace it logs them on.
 */
export abstract class AssessmentBase {
  /** Which of the three kinds this is. */
  abstract readonly kind: 'feedback' | 'expectation' | 'issue';
  name: string;
  source: AssessmentSource;
  traceId: string | null;
  runId: string | null;
  rationale: string | null;
  metadata: Record<string, string> | null;
  spanId: string | null;
  createTimeMs: number;
  lastUpdateTimeMs: number;
  assessmentId: string | null;
  overrides: string | null;
  valid: boolean;

  protected constructor(name: string, defaultSource: AssessmentSourceType, init: AssessmentInit) {
    if (typeof name !== 'string') {
      throw new InvalidParameterError(`Invalid value ${JSON.stringify(name)} for parameter 'name': must be a string.`);
    }
    const source = init.source ?? { sourceType: defaultSource, sourceId: 'default' };
    if (typeof source !== 'object' || source === null) {
      throw new InvalidParameterError(
        `\`source\` must be an AssessmentSource ({sourceType, sourceId}). Got ${JSON.stringify(source)} instead.`,
      );
    }
    const now = Date.now();
    this.name = name;
    this.source = { sourceType: parseAssessmentSourceType(source.sourceType), sourceId: source.sourceId ?? null };
    this.traceId = init.traceId ?? null;
    this.rationale = init.rationale ?? null;
    this.metadata = init.metadata ? checkMetadata(init.metadata) : null;
    this.spanId = init.spanId ?? null;
    this.createTimeMs = init.createTimeMs ?? now;
    this.lastUpdateTimeMs = init.lastUpdateTimeMs ?? now;
    this.assessmentId = init.assessmentId ?? null;
    this.overrides = init.overrides ?? null;
    this.valid = init.valid ?? true;
    this.runId = init.runId ?? this.metadata?.[AssessmentMetadataKey.SOURCE_RUN_ID] ?? null;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

function checkMetadata(metadata: Record<string, string>): Record<string, string> {
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidParameterError(
      `Invalid value ${JSON.stringify(metadata)} for parameter 'metadata': must be an object of strings.`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

/** Arguments of the {@link Feedback} constructor. */
export interface FeedbackInit extends AssessmentInit {
  /** `"feedback"` by default; the evaluation harness renames it after the scorer. */
  name?: string;
  value?: FeedbackValueType;
  /** What went wrong producing the feedback: an Error, a message, or an {@link AssessmentError}. */
  error?: unknown;
}

/**
 * A judgement of a trace's quality (`mlflow.entities.Feedback`): from a person, an LLM judge or code,
 * with a value (or the error that prevented one) and a rationale. The source is CODE by default.
 */
export class Feedback extends AssessmentBase {
  readonly kind = 'feedback' as const;
  value: FeedbackValueType;
  error: AssessmentError | null;

  constructor(init: FeedbackInit = {}) {
    super(init.name ?? DEFAULT_FEEDBACK_NAME, AssessmentSourceType.CODE, init);
    // Not validated, as in MLflow: stores may hold richer JSON than FeedbackValueType describes.
    this.value = init.value === undefined ? null : init.value;
    this.error = init.error === undefined || init.error === null ? null : toAssessmentError(init.error);
  }
}

/** Arguments of the {@link Expectation} constructor. */
export interface ExpectationInit extends AssessmentInit {
  name: string;
  /** Any JSON value except null (MLflow refuses `None`). */
  value: unknown;
}

/**
 * The expected outcome of an operation, such as a ground-truth answer (`mlflow.entities.Expectation`).
 * The source is HUMAN by default; the value is any JSON value but null.
 */
export class Expectation extends AssessmentBase {
  readonly kind = 'expectation' as const;
  value: unknown;

  constructor(init: ExpectationInit) {
    super(init.name, AssessmentSourceType.HUMAN, init);
    if (init.value === null || init.value === undefined) {
      throw new InvalidParameterError('The `value` field must be specified.');
    }
    this.value = init.value;
  }
}

/** Arguments of the {@link IssueReference} constructor. */
export interface IssueReferenceInit extends AssessmentInit {
  /** The issue's id, stored as the assessment name. */
  issueId: string;
  issueName: string;
}

/**
 * A link from a trace to a known issue (`mlflow.entities.IssueReference`), read back from stores that
 * hold them. The source is LLM_JUDGE by default.
 */
export class IssueReference extends AssessmentBase {
  readonly kind = 'issue' as const;
  issueName: string;

  constructor(init: IssueReferenceInit) {
    super(init.issueId, AssessmentSourceType.LLM_JUDGE, init);
    if (typeof init.issueName !== 'string')
      throw new InvalidParameterError('The `issue_name` field must be specified.');
    this.issueName = init.issueName;
  }

  /** The issue id (the assessment name). */
  get issueId(): string {
    return this.name;
  }
}

/** Any assessment: a {@link Feedback}, an {@link Expectation} or an {@link IssueReference}. */
export type Assessment = Feedback | Expectation | IssueReference;

/** True for assessments made by this package (also across bundled copies of it). */
export function isAssessment(value: unknown): value is Assessment {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True for a {@link Feedback}. */
export function isFeedback(value: unknown): value is Feedback {
  return isAssessment(value) && value.kind === 'feedback';
}

/** True for an {@link Expectation}. */
export function isExpectation(value: unknown): value is Expectation {
  return isAssessment(value) && value.kind === 'expectation';
}

/**
 * `assessment_aggregate`: the number MLflow's analytics aggregate for a value (booleans as 1/0, finite
 * numbers, "yes"/"no"), and whether the value is a finite number.
 */
export function assessmentAggregate(value: unknown): { aggregateValue: number | null; isNumeric: boolean } {
  if (typeof value === 'boolean') return { aggregateValue: value ? 1 : 0, isNumeric: false };
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? { aggregateValue: value, isNumeric: true }
      : { aggregateValue: null, isNumeric: false };
  }
  if (typeof value === 'string') {
    const normalized = value.trim().toLowerCase();
    if (normalized === 'yes' || normalized === 'no')
      return { aggregateValue: normalized === 'yes' ? 1 : 0, isNumeric: false };
  }
  return { aggregateValue: null, isNumeric: false };
}
