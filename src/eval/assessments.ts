import { getActiveTraceInfo } from '../tracing/api.js';
import type { LogExpectationOptions, LogFeedbackOptions, OverrideFeedbackOptions } from '../tracking/client.js';
import {
  type Assessment,
  Expectation,
  Feedback,
  generateAssessmentId,
  isAssessment,
} from '../tracking/entities/index.js';
import { InvalidParameterError } from '../tracking/errors.js';
import { getClient } from '../tracking/fluent.js';
import type { UpdateAssessmentArgs } from '../tracking/store.js';

/**
 * Attach an assessment to a trace of the current tracking URI (`mlflow.log_assessment`). Logged on the
 * trace being recorded (inside its root span), it is kept with the trace and stored when the trace is
 * exported, as MLflow does; otherwise it is stored now.
 */
export async function logAssessment(traceId: string, assessment: Assessment): Promise<Assessment> {
  if (!isAssessment(assessment)) {
    throw new InvalidParameterError('logAssessment() expects a Feedback or Expectation.');
  }
  const active = getActiveTraceInfo();
  if (active && active.traceId === traceId) {
    assessment.traceId = traceId;
    // An id now, so an export retried after the server stored the trace updates rather than duplicates.
    assessment.assessmentId ??= generateAssessmentId();
    active.assessments ??= [];
    active.assessments.push(assessment);
    return assessment;
  }
  return getClient().logAssessment(traceId, assessment);
}

/** Log a feedback on a trace (`mlflow.log_feedback`): name `feedback` and source CODE by default. */
export function logFeedback(options: LogFeedbackOptions): Promise<Assessment> {
  const { traceId, ...init } = options;
  return logAssessment(traceId, new Feedback(init));
}

/** Log an expectation (ground truth) on a trace (`mlflow.log_expectation`): source HUMAN by default. */
export function logExpectation(options: LogExpectationOptions): Promise<Assessment> {
  const { traceId, ...init } = options;
  return logAssessment(traceId, new Expectation(init));
}

/** One assessment of a trace (`mlflow.get_assessment`). */
export function getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
  return getClient().getAssessment(traceId, assessmentId);
}

/** Change an assessment in place (`mlflow.update_assessment`); see `MlflowClient.updateAssessment`. */
export function updateAssessment(
  traceId: string,
  assessmentId: string,
  update: Assessment | UpdateAssessmentArgs,
): Promise<Assessment> {
  return getClient().updateAssessment(traceId, assessmentId, update);
}

/** Delete an assessment (`mlflow.delete_assessment`). */
export function deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
  return getClient().deleteAssessment(traceId, assessmentId);
}

/** Override a feedback with a new value, keeping the original marked invalid (`mlflow.override_feedback`). */
export function overrideFeedback(options: OverrideFeedbackOptions): Promise<Assessment> {
  return getClient().overrideFeedback(options);
}
