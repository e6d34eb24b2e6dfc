import {
  AssessmentSourceType,
  DEFAULT_FEEDBACK_NAME,
  Feedback,
  isAssessment,
  isFeedback,
} from '../tracking/entities/assessment.js';
import { InvalidParameterError } from '../tracking/errors.js';

/** `USER_DEFINED_ASSESSMENT_NAME_KEY`: metadata a judge sets to `"false"` to take the scorer's name. */
export const USER_DEFINED_ASSESSMENT_NAME_KEY = '_user_defined_assessment_name';

/** `make_code_type_assessment_source`: CODE, with the scorer name as the id. */
export function codeSource(scorerName: string): { sourceType: 'CODE'; sourceId: string } {
  return { sourceType: AssessmentSourceType.CODE, sourceId: scorerName };
}

function isPrimitive(value: unknown): value is number | string | boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

/** `_get_custom_assessment_name`: the feedback's own name unless it is the default one. */
function customName(feedback: Feedback, scorerName: string): string {
  if (feedback.name === DEFAULT_FEEDBACK_NAME || feedback.metadata?.[USER_DEFINED_ASSESSMENT_NAME_KEY] === 'false') {
    return scorerName;
  }
  return feedback.name;
}

/**
 * `standardize_scorer_value`: a scorer's return value as feedbacks. Nothing gives none; a number,
 * boolean or string one CODE feedback named after the scorer; a Feedback keeps its own name unless it
 * is the default `feedback`; a list gives one feedback per item. Anything else is an
 * INVALID_PARAMETER_VALUE error (which the harness records as the scorer's error).
 */
export function standardizeScorerValue(scorerName: string, value: unknown): Feedback[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'bigint') value = Number(value);
  if (isPrimitive(value)) return [new Feedback({ name: scorerName, source: codeSource(scorerName), value })];
  if (isFeedback(value)) {
    value.name = customName(value, scorerName);
    return [value];
  }
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (isFeedback(item)) {
        item.name = customName(item, scorerName);
        return item;
      }
      if (isPrimitive(item) || item === null) {
        return new Feedback({ name: scorerName, source: codeSource(scorerName), value: item });
      }
      throw unsupported(scorerName, value);
    });
  }
  throw unsupported(scorerName, value);
}

function unsupported(scorerName: string, value: unknown): InvalidParameterError {
  let shown: string;
  try {
    shown = isAssessment(value) ? `a ${value.kind}` : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  return new InvalidParameterError(
    `Got unsupported result from scorer '${scorerName}'. Expected the metric value to be a number, or a boolean, ` +
      `or a string, or an Feedback, or a list of Feedbacks. Got ${shown}.`,
  );
}
