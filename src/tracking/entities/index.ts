export type {
  Assessment,
  AssessmentError,
  AssessmentInit,
  AssessmentSource,
  ExpectationInit,
  FeedbackInit,
  FeedbackValueType,
  IssueReferenceInit,
} from './assessment.js';
export {
  ASSESSMENT_ID_PREFIX,
  AssessmentBase,
  AssessmentMetadataKey,
  AssessmentSourceType,
  assessmentAggregate,
  assessmentSource,
  DEFAULT_FEEDBACK_NAME,
  Expectation,
  Feedback,
  generateAssessmentId,
  IssueReference,
  isAssessment,
  isExpectation,
  isFeedback,
  parseAssessmentSourceType,
  toAssessmentError,
} from './assessment.js';
export { isRunStatus, LifecycleStage, RunStatus, stagesForViewType, TERMINATED_STATUSES, ViewType } from './enums.js';
export type { Experiment } from './experiment.js';
export type {
  CreateLoggedModelArgs,
  LoggedModel,
  LoggedModelDatasetFilter,
  LoggedModelOrderBy,
  SearchLoggedModelsQuery,
} from './logged-model.js';
export {
  isLoggedModelStatus,
  keyValueList,
  LoggedModelStatus,
  loggedModelStatusFromInt,
  loggedModelStatusFromProto,
  loggedModelStatusToInt,
  loggedModelStatusToProto,
} from './logged-model.js';
export type { Metric } from './metric.js';
export type { ModelVersion, RegisteredModel, RegisteredModelAlias } from './model-registry.js';
export { ModelVersionStatus } from './model-registry.js';
export type { PagedList } from './paged.js';
export type { Param } from './param.js';
export type { DatasetInput, LoggedModelRef, Run, RunData, RunInfo } from './run.js';
export type { SpanDict, SpanEvent, SpanStatus, SpanStatusCode } from './span.js';
export {
  decodeAttribute,
  hexToBase64,
  idToHex,
  parseSpanJson,
  Span,
  spanDictToJson,
  statusCodeFromProtoName,
  statusCodeToProtoName,
} from './span.js';
export type { ExperimentTag, RunTag } from './tag.js';
export type { Trace, TraceInfo } from './trace.js';
export { isTraceState, TraceState } from './trace.js';
export {
  MAX_CHARS_IN_TRACE_METADATA,
  SPANS_LOCATION_TRACKING_STORE,
  SpanAttributeKey,
  SpanLogLevel,
  SpanType,
  STREAM_CHUNK_EVENT_PREFIX,
  STREAM_CHUNK_EVENT_VALUE_KEY,
  TokenUsageKey,
  TRACE_ID_PREFIX,
  TRACE_PREVIEW_MAX_LENGTH,
  TRACE_SCHEMA_VERSION,
  TraceMetadataKey,
  TraceTagKey,
} from './trace-keys.js';
