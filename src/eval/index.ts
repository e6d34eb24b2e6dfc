// The option types of the assessment functions live with MlflowClient; exported here too.
export type { LogExpectationOptions, LogFeedbackOptions, OverrideFeedbackOptions } from '../tracking/client.js';
export type { UpdateAssessmentArgs } from '../tracking/store.js';
export { AGGREGATE_FUNCTIONS, computeAggregatedMetrics, feedbackValueToNumber } from './aggregate.js';
export {
  deleteAssessment,
  getAssessment,
  logAssessment,
  logExpectation,
  logFeedback,
  overrideFeedback,
  updateAssessment,
} from './assessments.js';
export * from './builtin/index.js';
export type { EvalData, EvalRecordSource } from './data.js';
export { parseCsv } from './data.js';
export type { EvaluateOptions } from './evaluate.js';
export { EVAL_MAX_WORKERS_ENV, EvaluationRunTag, evaluate, RUN_TYPE_GENAI_EVALUATE, rowDict } from './evaluate.js';
export { EVAL_RESULTS_TABLE, MLFLOW_LOGGED_ARTIFACTS, resultsTable } from './results-table.js';
export type { CustomScorer, ScorerDecorator, ScorerFn, ScorerOptions } from './scorer.js';
export { AGGREGATION_NAMES, isScorer, scorer, validateAggregations } from './scorer.js';
export { standardizeScorerValue, USER_DEFINED_ASSESSMENT_NAME_KEY } from './standardize.js';
export type {
  Aggregation,
  AggregationName,
  EvalRecord,
  EvaluationResult,
  EvaluationRow,
  PredictContext,
  PredictFn,
  Scorer,
  ScorerInput,
  ScorerPrimitive,
  ScorerReturn,
} from './types.js';
