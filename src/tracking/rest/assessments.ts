import { z } from 'zod';
import { pyJsonDumps, pyJsonLoads } from '../../internal/python-json.js';
import {
  type Assessment,
  type AssessmentError,
  Expectation,
  Feedback,
  IssueReference,
  parseAssessmentSourceType,
} from '../entities/assessment.js';
import { ErrorCode, InvalidParameterError, MlflowError } from '../errors.js';
import type { UpdateAssessmentArgs } from '../store.js';
import { millisToTimestampJson, parseResponse, timestampJsonToMillis } from './convert.js';
import type { RestClient, RestEndpoint } from './http.js';

const V3 = '/api/3.0/mlflow/traces';
/** `_STACK_TRACE_TRUNCATION_LENGTH` / `_PREFIX` of `AssessmentError.to_proto`. */
const STACK_TRACE_MAX = 10000;
const STACK_TRACE_PREFIX = '[Stack trace is truncated]\n...\n';
const JSON_FORMAT = 'JSON_FORMAT';

/**
 * The JSON of an `mlflow.assessments.Assessment` proto (`Assessment.to_dictionary`, MessageToDict with
 * field names kept). Values are free JSON (`google.protobuf.Value`).
 */
export const assessmentJson = z.object({
  assessment_id: z.string().optional(),
  assessment_name: z.string().optional(),
  trace_id: z.string().optional(),
  span_id: z.string().optional(),
  source: z
    .object({
      source_type: z.union([z.string(), z.number()]).optional(),
      source_id: z.string().optional(),
    })
    .optional(),
  create_time: z.string().optional(),
  last_update_time: z.string().optional(),
  feedback: z
    .object({
      value: z.unknown().optional(),
      error: z
        .object({
          error_code: z.string().optional(),
          error_message: z.string().optional(),
          stack_trace: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  expectation: z
    .object({
      value: z.unknown().optional(),
      serialized_value: z
        .object({ serialization_format: z.string().optional(), value: z.string().optional() })
        .optional(),
    })
    .optional(),
  issue: z.object({ issue_name: z.string().optional() }).optional(),
  rationale: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  overrides: z.string().optional(),
  valid: z.boolean().optional(),
});

const assessmentResponse = z.object({ assessment: assessmentJson });

/**
 * An assessment as its proto JSON (`Assessment.to_proto` then `message_to_json`): RFC 3339 times, the
 * source type by name, a feedback value as a free JSON value, an expectation value that is not a
 * scalar as a JSON string (`serialized_value`), a stack trace cut to 10,000 characters.
 */
export function assessmentToJson(a: Assessment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.assessmentId !== null) out.assessment_id = a.assessmentId;
  out.assessment_name = a.name;
  out.trace_id = a.traceId ?? '';
  if (a.spanId !== null) out.span_id = a.spanId;
  const source: Record<string, unknown> = { source_type: a.source.sourceType };
  if (a.source.sourceId !== null) source.source_id = a.source.sourceId;
  out.source = source;
  out.create_time = millisToTimestampJson(a.createTimeMs);
  out.last_update_time = millisToTimestampJson(a.lastUpdateTimeMs);
  if (a.kind === 'feedback') {
    const feedback: Record<string, unknown> = { value: jsonValue(a.value) };
    if (a.error) feedback.error = errorToJson(a.error);
    out.feedback = feedback;
  } else if (a.kind === 'expectation') {
    out.expectation = expectationValueToJson(a.value);
  } else {
    out.issue = { issue_name: a.issueName };
  }
  if (a.rationale !== null) out.rationale = a.rationale;
  if (a.metadata && Object.keys(a.metadata).length > 0) out.metadata = { ...a.metadata };
  if (a.overrides) out.overrides = a.overrides;
  // Python leaves `valid` unset on expectations and issue references.
  if (a.kind === 'feedback') out.valid = a.valid;
  return out;
}

/** `ExpectationValue.to_proto`: scalars as a free value, anything else as JSON text. */
function expectationValueToJson(value: unknown): Record<string, unknown> {
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return { value };
  }
  return { serialized_value: { serialization_format: JSON_FORMAT, value: pyJsonAsciiDumps(value) } };
}

/** A value as protobuf's `Value` carries it: JSON with NaN/Infinity unrepresentable (sent as strings). */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value ?? null;
}

function errorToJson(e: AssessmentError): Record<string, unknown> {
  const out: Record<string, unknown> = { error_code: e.errorCode };
  if (e.errorMessage) out.error_message = e.errorMessage;
  if (e.stackTrace) {
    out.stack_trace =
      e.stackTrace.length > STACK_TRACE_MAX
        ? STACK_TRACE_PREFIX + e.stackTrace.slice(-(STACK_TRACE_MAX - STACK_TRACE_PREFIX.length))
        : e.stackTrace;
  }
  return out;
}

/** An assessment from its proto JSON (`Assessment.from_proto`). */
export function assessmentFromJson(json: z.output<typeof assessmentJson>): Assessment {
  const common = {
    source: {
      sourceType: parseAssessmentSourceType(json.source?.source_type ?? 'SOURCE_TYPE_UNSPECIFIED'),
      sourceId: json.source?.source_id || null,
    },
    traceId: json.trace_id || null,
    metadata: json.metadata && Object.keys(json.metadata).length > 0 ? { ...json.metadata } : null,
    spanId: json.span_id || null,
    createTimeMs: json.create_time ? timestampJsonToMillis(json.create_time) : 0,
    lastUpdateTimeMs: json.last_update_time ? timestampJsonToMillis(json.last_update_time) : 0,
    assessmentId: json.assessment_id || null,
    overrides: json.overrides || null,
    valid: json.valid ?? false,
  };
  const name = json.assessment_name ?? '';
  if (json.feedback) {
    const err = json.feedback.error;
    const error: AssessmentError | null = err
      ? {
          errorCode: err.error_code ?? '',
          errorMessage: err.error_message || null,
          stackTrace: err.stack_trace || null,
        }
      : null;
    return new Feedback({
      ...common,
      name,
      value: (json.feedback.value ?? null) as Feedback['value'],
      error,
      rationale: json.rationale || null,
    });
  }
  if (json.expectation) {
    const sv = json.expectation.serialized_value;
    let value: unknown;
    if (sv) {
      if (sv.serialization_format !== JSON_FORMAT) {
        throw new InvalidParameterError(
          `Unknown serialization format: ${sv.serialization_format}. Only JSON_FORMAT is supported.`,
        );
      }
      value = pyJsonLoads(sv.value ?? 'null');
    } else {
      value = json.expectation.value ?? null;
    }
    return new Expectation({ ...common, name, value });
  }
  if (json.issue) {
    return new IssueReference({
      ...common,
      issueId: name,
      issueName: json.issue.issue_name ?? '',
      rationale: json.rationale || null,
    });
  }
  throw new MlflowError(`Unknown assessment type: ${name}`, ErrorCode.INVALID_PARAMETER_VALUE);
}

function pyJsonAsciiDumps(value: unknown): string {
  return pyJsonDumps(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function assessmentsEndpoint(traceId: string): RestEndpoint {
  // CreateAssessment is not in MLflow's `_RETRY_SAFE_POST_RESPONSES`: a retry could log it twice.
  return { method: 'POST', path: `${V3}/${encodeURIComponent(traceId)}/assessments`, idempotent: false };
}

function assessmentEndpoint(traceId: string, assessmentId: string, method: 'GET' | 'PATCH' | 'DELETE'): RestEndpoint {
  return {
    method,
    path: `${V3}/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`,
    idempotent: true,
  };
}

/** protobuf's FieldMask JSON: lowerCamelCase paths joined by commas. */
function fieldMaskJson(paths: string[]): string {
  return paths.map((p) => p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())).join(',');
}

/** MLflow 3.18's assessment endpoints (`/api/3.0/mlflow/traces/{trace_id}/assessments`), as its REST store calls them. */
export class RestAssessmentStore {
  readonly #http: RestClient;

  constructor(http: RestClient) {
    this.#http = http;
  }

  async #call(endpoint: RestEndpoint, payload: Record<string, unknown>): Promise<Assessment> {
    const body = await this.#http.call(endpoint, payload);
    const res = parseResponse(assessmentResponse, body, `${endpoint.method} ${endpoint.path}`);
    return assessmentFromJson(res.assessment);
  }

  /** `CreateAssessment`. */
  async createAssessment(assessment: Assessment): Promise<Assessment> {
    if (!assessment.traceId) {
      throw new InvalidParameterError(
        `Invalid value ${JSON.stringify(assessment.traceId)} for parameter 'trace_id' supplied: an assessment must name its trace.`,
      );
    }
    return this.#call(assessmentsEndpoint(assessment.traceId), { assessment: assessmentToJson(assessment) });
  }

  /** `GetAssessmentRequest`. */
  async getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return this.#call(assessmentEndpoint(traceId, assessmentId, 'GET'), {
      trace_id: traceId,
      assessment_id: assessmentId,
    });
  }

  /** `UpdateAssessment` with the field mask of what changes. */
  async updateAssessment(traceId: string, assessmentId: string, updates: UpdateAssessmentArgs): Promise<Assessment> {
    if (updates.expectation !== undefined && updates.feedback !== undefined) {
      throw new InvalidParameterError('Exactly one of `expectation` or `feedback` should be specified.');
    }
    const assessment: Record<string, unknown> = { assessment_id: assessmentId, trace_id: traceId };
    const paths: string[] = [];
    if (updates.name !== undefined) {
      assessment.assessment_name = updates.name;
      paths.push('assessment_name');
    }
    if (updates.expectation !== undefined) {
      assessment.expectation = expectationValueToJson(updates.expectation.value);
      paths.push('expectation');
    }
    if (updates.feedback !== undefined) {
      const feedback: Record<string, unknown> = { value: jsonValue(updates.feedback.value) };
      if (updates.feedback.error) feedback.error = errorToJson(updates.feedback.error);
      assessment.feedback = feedback;
      paths.push('feedback');
    }
    if (updates.rationale !== undefined) {
      assessment.rationale = updates.rationale;
      paths.push('rationale');
    }
    if (updates.metadata !== undefined) {
      assessment.metadata = { ...updates.metadata };
      paths.push('metadata');
    }
    return this.#call(assessmentEndpoint(traceId, assessmentId, 'PATCH'), {
      assessment,
      update_mask: fieldMaskJson(paths),
    });
  }

  /** `DeleteAssessment`. */
  async deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    await this.#http.call(assessmentEndpoint(traceId, assessmentId, 'DELETE'), {
      trace_id: traceId,
      assessment_id: assessmentId,
    });
  }
}
