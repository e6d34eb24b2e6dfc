/**
 * MLflow 3.18's reserved keys for spans and traces (`mlflow/tracing/constant.py`). Values are MLflow's,
 * so traces written here read as Python MLflow's own.
 */

/** Span types MLflow knows (`mlflow.entities.SpanType`); any other string is allowed too. */
export const SpanType = {
  LLM: 'LLM',
  CHAIN: 'CHAIN',
  AGENT: 'AGENT',
  TOOL: 'TOOL',
  CHAT_MODEL: 'CHAT_MODEL',
  RETRIEVER: 'RETRIEVER',
  PARSER: 'PARSER',
  EMBEDDING: 'EMBEDDING',
  RERANKER: 'RERANKER',
  MEMORY: 'MEMORY',
  UNKNOWN: 'UNKNOWN',
  WORKFLOW: 'WORKFLOW',
  TASK: 'TASK',
  GUARDRAIL: 'GUARDRAIL',
  EVALUATOR: 'EVALUATOR',
} as const;
/** One of {@link SpanType}'s values, or a custom type name. */
export type SpanType = (typeof SpanType)[keyof typeof SpanType] | (string & {});

/** Reserved span attribute keys (`SpanAttributeKey`). */
export const SpanAttributeKey = {
  EXPERIMENT_ID: 'mlflow.experimentId',
  REQUEST_ID: 'mlflow.traceRequestId',
  INPUTS: 'mlflow.spanInputs',
  OUTPUTS: 'mlflow.spanOutputs',
  SPAN_TYPE: 'mlflow.spanType',
  LOG_LEVEL: 'mlflow.spanLogLevel',
  FUNCTION_NAME: 'mlflow.spanFunctionName',
  DESCRIPTION: 'mlflow.spanDescription',
  CHAT_TOOLS: 'mlflow.chat.tools',
  CHAT_USAGE: 'mlflow.chat.tokenUsage',
  LLM_COST: 'mlflow.llm.cost',
  MODEL: 'mlflow.llm.model',
  MODEL_PROVIDER: 'mlflow.llm.provider',
  MESSAGE_FORMAT: 'mlflow.message.format',
  LINKED_PROMPTS: 'mlflow.linkedPrompts',
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  TRACE_TAG_PREFIX: 'mlflow.traceTag.',
} as const;

/** Reserved trace metadata keys (`TraceMetadataKey`) and the schema-version key. */
export const TraceMetadataKey = {
  INPUTS: 'mlflow.traceInputs',
  OUTPUTS: 'mlflow.traceOutputs',
  SOURCE_RUN: 'mlflow.sourceRun',
  MODEL_ID: 'mlflow.modelId',
  SIZE_STATS: 'mlflow.trace.sizeStats',
  SIZE_BYTES: 'mlflow.trace.sizeBytes',
  TOKEN_USAGE: 'mlflow.trace.tokenUsage',
  TRACE_INFO_FINALIZED: 'mlflow.trace.infoFinalized',
  COST: 'mlflow.trace.cost',
  TRACE_USER: 'mlflow.trace.user',
  TRACE_SESSION: 'mlflow.trace.session',
  SCHEMA_VERSION: 'mlflow.trace_schema.version',
} as const;

/** Reserved trace tag keys (`TraceTagKey`) plus the artifact-location tag the store adds. */
export const TraceTagKey = {
  TRACE_NAME: 'mlflow.traceName',
  EVAL_REQUEST_ID: 'mlflow.eval.requestId',
  SPANS_LOCATION: 'mlflow.trace.spansLocation',
  SOURCE_SCORER_NAME: 'mlflow.trace.sourceScorer',
  LINKED_PROMPTS: 'mlflow.linkedPrompts',
  ARTIFACT_LOCATION: 'mlflow.artifactLocation',
} as const;

/** Keys of the `mlflow.chat.tokenUsage` attribute and `mlflow.trace.tokenUsage` metadata. */
export const TokenUsageKey = {
  INPUT_TOKENS: 'input_tokens',
  OUTPUT_TOKENS: 'output_tokens',
  TOTAL_TOKENS: 'total_tokens',
} as const;

/** `TRACE_SCHEMA_VERSION`: the value of `mlflow.trace_schema.version`. */
export const TRACE_SCHEMA_VERSION = '3';
/** `TRACE_REQUEST_ID_PREFIX`: trace ids are `tr-` + 32 lowercase hex digits. */
export const TRACE_ID_PREFIX = 'tr-';
/** `MAX_CHARS_IN_TRACE_INFO_METADATA`: the trace inputs/outputs metadata previews are cut to this. */
export const MAX_CHARS_IN_TRACE_METADATA = 250;
/** `TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS`. */
export const TRACE_PREVIEW_MAX_LENGTH = 1000;
/** `SpansLocation.TRACKING_STORE`: spans live in the tracking store's `spans` table. */
export const SPANS_LOCATION_TRACKING_STORE = 'TRACKING_STORE';
/** `STREAM_CHUNK_EVENT_NAME_FORMAT` and its value key. */
export const STREAM_CHUNK_EVENT_PREFIX = 'mlflow.chunk.item.';
export const STREAM_CHUNK_EVENT_VALUE_KEY = 'mlflow.chunk.value';
/** `SpanLogLevel` values MLflow 3.18 stores in `mlflow.spanLogLevel`. */
export const SpanLogLevel = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
/** One of {@link SpanLogLevel}'s names. */
export type SpanLogLevel = keyof typeof SpanLogLevel;
