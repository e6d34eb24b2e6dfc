import { createHash, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { readEnv } from '../config/env.js';
import { flushTraces, startSpan, updateCurrentTrace, withActiveSpan, withSpan } from '../tracing/api.js';
import type { ActiveSpan } from '../tracing/span.js';
import type { MlflowClient } from '../tracking/client.js';
import { currentUser } from '../tracking/context.js';
import {
  type Assessment,
  AssessmentMetadataKey,
  AssessmentSourceType,
  Expectation,
  Feedback,
  RunStatus,
  type Span,
  SpanType,
  type Trace,
  TraceMetadataKey,
  TraceTagKey,
} from '../tracking/entities/index.js';
import { InvalidParameterError, MlflowError } from '../tracking/errors.js';
import { type ActiveRun, activeRun, getClient, withRun } from '../tracking/fluent.js';
import { MLFLOW_RUN_TYPE } from '../tracking/tags.js';
import { computeAggregatedMetrics, feedbackValueToNumber } from './aggregate.js';
import { type EvalData, type EvalItem, loadEvalData } from './data.js';
import { EvaluationProgress } from './progress.js';
import { logResultsTable } from './results-table.js';
import { isScorer } from './scorer.js';
import { codeSource, standardizeScorerValue } from './standardize.js';
import type { EvaluationResult, EvaluationRow, PredictFn, Scorer, ScorerInput } from './types.js';

/** `MLFLOW_RUN_TYPE_GENAI_EVALUATE`: the `mlflow.runType` tag of an evaluation run. */
export const RUN_TYPE_GENAI_EVALUATE = 'genai_evaluate';
/** Lineage tags of an evaluation run (`mlflow.utils.mlflow_tags`). */
export const EvaluationRunTag = {
  SCORERS_DIGEST: 'mlflow.genaiEvaluate.scorersDigest',
  AGENT_FUNCTION: 'mlflow.genaiEvaluate.agent.function',
  AGENT_URI: 'mlflow.genaiEvaluate.agent.uri',
  AGENT_DIGEST: 'mlflow.genaiEvaluate.agent.digest',
} as const;
/** `MLFLOW_GENAI_EVAL_MAX_WORKERS`: rows evaluated at once (10 by default, as in MLflow). */
export const EVAL_MAX_WORKERS_ENV = 'MLFLOW_GENAI_EVAL_MAX_WORKERS';
const DEFAULT_CONCURRENCY = 10;
const LINK_BATCH = 100;
const MAX_TAG_VALUE = 8000;

/** Options of {@link evaluate}, mirroring `mlflow.genai.evaluate`. */
export interface EvaluateOptions {
  /** Records `{inputs, outputs?, expectations?}`, traces, a trace search page, a JSON/JSONL/CSV path, or a dataset. */
  data: EvalData;
  /** The scorers to run on every row (custom, built-in or LLM judges). */
  scorers: readonly Scorer[];
  /** Called with each row's `inputs` (and a context with an AbortSignal) under a root span; may be async. */
  predictFn?: PredictFn;
  /**
   * Instead of `predictFn`: a model to load with `loadModel` (`runs:/`, `models:/`, a path...); each row's
   * `inputs` is its one-row input, and a one-item list answer is unwrapped.
   */
  modelUri?: string;
  /** Rows evaluated at once; `MLFLOW_GENAI_EVAL_MAX_WORKERS`, else 10. */
  concurrency?: number;
  /** Name of the evaluation run (when no run is active). */
  runName?: string;
  /** Experiment of the evaluation run (when no run is active); the current experiment by default. */
  experimentId?: string;
  /**
   * Also record each row in a nested run of the evaluation run, with the row's feedback values as
   * metrics and the row (inputs, outputs, expectations, assessments) as a `row.json` artifact.
   * A function names each nested run (`row-<index>` by default).
   */
  perRowRuns?: boolean | ((row: EvaluationRow) => string);
  /** Cancels the evaluation: no new row starts, rows in flight see the signal; `evaluate` rejects with its reason. */
  signal?: AbortSignal;
  /** No progress output. On a TTY a bar is redrawn in place; otherwise a line per tenth is printed. */
  quiet?: boolean;
  /** Where progress goes (stderr by default). */
  progressStream?: NodeJS.WriteStream;
  /** Log the `eval_results_table.json` and `eval_report.html` (self-contained HTML report) artifacts; true by default. */
  logResults?: boolean;
}

interface RowState {
  item: EvalItem;
  row: EvaluationRow;
  rootSpanId: string | null;
  trace: Trace | null;
}

/**
 * Evaluate a GenAI application on a dataset (`mlflow.genai.evaluate`). Each row runs `predictFn` under
 * a root span (one trace per row; recorded outputs get a minimal `root_span` trace; given traces are
 * reused), then every scorer scores it; each result is logged on the row's trace as a Feedback (CODE
 * or LLM_JUDGE source), and the row's expectations as HUMAN Expectations, as MLflow stores them. The
 * aggregates are logged as run metrics (`<name>/mean` and the scorer's other aggregations), the run is
 * tagged `mlflow.runType = genai_evaluate` and the traces are linked to it.
 *
 * Uses the active run if there is one, else starts a run that ends when the evaluation does. A scorer
 * that throws yields a Feedback carrying the error; a failing `predictFn` is recorded on its row and
 * trace. Both leave the evaluation going.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const scorers = validateOptions(options);
  const concurrency = resolveConcurrency(options.concurrency);
  options.signal?.throwIfAborted();
  const items = await loadEvalData(options.data);
  let predictFn = options.predictFn;
  let modelId: string | null = null;
  if (options.modelUri !== undefined) {
    const { loadModel } = await import('../pyfunc/index.js');
    const model = await loadModel(options.modelUri);
    modelId = model.metadata.modelId ?? null;
    // One row in, one prediction out: a model answering a one-row input with a one-item list gives that item.
    const predict = async (inputs: Record<string, unknown>) => {
      const out = await model.predict(inputs);
      return Array.isArray(out) && out.length === 1 ? out[0] : out;
    };
    predictFn = Object.defineProperty(predict, 'name', { value: 'predict' });
  }
  if (predictFn && items.some((i) => i.trace)) {
    throw new InvalidParameterError(
      'predictFn cannot be used with trace rows: a row with a `trace` is evaluated on that trace.',
    );
  }

  const current = activeRun();
  if (current) {
    if (options.experimentId !== undefined && options.experimentId !== current.info.experimentId) {
      throw new InvalidParameterError(
        `experimentId '${options.experimentId}' differs from the experiment of the active run ` +
          `${current.info.runId} ('${current.info.experimentId}'); end the run or drop experimentId.`,
      );
    }
    return runHarness(current, items, scorers, predictFn, modelId, concurrency, options);
  }
  let aborted: unknown;
  const result = await withRun(
    {
      ...(options.experimentId === undefined ? {} : { experimentId: options.experimentId }),
      ...(options.runName === undefined ? {} : { runName: options.runName }),
    },
    async (run) => {
      try {
        return await runHarness(run, items, scorers, predictFn, modelId, concurrency, options);
      } catch (err) {
        if (!options.signal?.aborted) throw err;
        aborted = err;
        return run.info.runId;
      }
    },
  );
  if (aborted !== undefined) {
    // A cancelled evaluation ends KILLED, not FAILED: nothing went wrong, it was stopped.
    await getClient().setTerminated(result as string, RunStatus.KILLED);
    throw aborted;
  }
  return result as EvaluationResult;
}

function validateOptions(options: EvaluateOptions): Scorer[] {
  if (!options || typeof options !== 'object') throw new InvalidParameterError('evaluate() expects an options object.');
  if (!Array.isArray(options.scorers)) {
    throw new InvalidParameterError(
      'The `scorers` argument must be a list of scorers. Pass `scorers: []` to only run the predict function.',
    );
  }
  options.scorers.forEach((s, i) => {
    if (!isScorer(s)) {
      throw new InvalidParameterError(
        `The scorer at index ${i} is not a scorer (it needs a string \`name\` and a \`run\` function): ${String(s)}.`,
      );
    }
  });
  if (options.predictFn !== undefined && options.modelUri !== undefined) {
    throw new InvalidParameterError('Pass either `predictFn` or `modelUri`, not both.');
  }
  if (options.predictFn !== undefined && typeof options.predictFn !== 'function') {
    throw new InvalidParameterError(`\`predictFn\` must be a function, got ${typeof options.predictFn}.`);
  }
  return [...options.scorers];
}

function resolveConcurrency(given: number | undefined): number {
  let value = given;
  let source = 'concurrency';
  if (value === undefined) {
    const env = readEnv(EVAL_MAX_WORKERS_ENV);
    if (env !== undefined) {
      value = Number(env);
      source = EVAL_MAX_WORKERS_ENV;
    }
  }
  value ??= DEFAULT_CONCURRENCY;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for ${source}: must be an integer >= 1.`);
  }
  return value;
}

async function runHarness(
  run: ActiveRun,
  items: EvalItem[],
  scorers: Scorer[],
  predictFn: PredictFn | undefined,
  modelId: string | null,
  concurrency: number,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const client = getClient();
  const runId = run.info.runId;
  const experimentId = run.info.experimentId;
  await tagEvaluationRun(client, run, scorers, predictFn, options.modelUri);

  const signal = options.signal ?? new AbortController().signal;
  const progress = new EvaluationProgress(items.length, {
    quiet: options.quiet ?? false,
    ...(options.progressStream ? { stream: options.progressStream } : {}),
  });
  // Cleared on abort: rows not started yet are rejected, and are awaited with the rows in flight.
  const limit = pLimit({ concurrency, rejectOnClear: true });
  const states: Array<RowState | undefined> = new Array(items.length);
  const onAbort = () => limit.clearQueue();
  signal.addEventListener('abort', onAbort, { once: true });
  const userName = currentUser();
  let settled: PromiseSettledResult<void>[];
  try {
    settled = await Promise.allSettled(
      items.map((item) =>
        limit(async () => {
          if (signal.aborted) return;
          const body = async (rowRunId: string | null) => {
            const state = await evaluateRow(item, {
              scorers,
              predictFn,
              modelId,
              runId,
              experimentId,
              signal,
              userName,
              client,
              rowRunId,
            });
            states[item.index] = state;
            return state;
          };
          if (options.perRowRuns) {
            await withRun({ nested: true, runName: `row-${item.index}` }, async (rowRun) => {
              const state = await body(rowRun.info.runId);
              try {
                await logRowRun(client, rowRun.info.runId, state, options.perRowRuns);
              } catch (err) {
                warn(`Failed to log the row run of row ${item.index}: ${errorText(err)}`);
              }
            });
          } else {
            await body(null);
          }
          progress.tick();
        }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.close(signal.aborted ? 'cancelled' : undefined);
  }
  signal.throwIfAborted();
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const done = states.filter((s): s is RowState => s !== undefined);
  await linkTraces(client, runId, done);
  const rows = done.map((s) => s.row);
  const metrics = computeAggregatedMetrics(
    rows.flatMap((r) => r.feedbacks),
    scorers,
    (m) => warn(m),
  );
  const timestamp = Date.now();
  const metricList = Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 }));
  for (let i = 0; i < metricList.length; i += 1000) {
    await client.logBatch(runId, { metrics: metricList.slice(i, i + 1000) });
  }
  logScorerFailures(rows);
  const result: EvaluationResult = { runId, experimentId, metrics, rows };
  if (options.logResults ?? true) await logResultsTable(client, runId, result);
  return result;
}

/** The run's type tag (unless set) and lineage tags, as `mlflow.genai.evaluate` writes them. */
async function tagEvaluationRun(
  client: MlflowClient,
  run: ActiveRun,
  scorers: Scorer[],
  predictFn: PredictFn | undefined,
  modelUri: string | undefined,
): Promise<void> {
  const tags: Array<{ key: string; value: string }> = [];
  if (run.data.tags[MLFLOW_RUN_TYPE] === undefined) tags.push({ key: MLFLOW_RUN_TYPE, value: RUN_TYPE_GENAI_EVALUATE });
  if (modelUri !== undefined) tags.push({ key: EvaluationRunTag.AGENT_URI, value: modelUri });
  else if (predictFn) {
    if (predictFn.name) tags.push({ key: EvaluationRunTag.AGENT_FUNCTION, value: predictFn.name });
    tags.push({ key: EvaluationRunTag.AGENT_DIGEST, value: sha256(Function.prototype.toString.call(predictFn)) });
  }
  if (scorers.length > 0) {
    const digests = scorers.map(scorerDigest).sort();
    const value = `{"digest": "${sha256(digests.join('\n'))}", "hashed": ${digests.length}, "total": ${scorers.length}}`;
    tags.push({ key: EvaluationRunTag.SCORERS_DIGEST, value });
  }
  const kept = tags.filter((t) => t.value.length <= MAX_TAG_VALUE);
  if (kept.length > 0) await client.logBatch(run.info.runId, { tags: kept });
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** A scorer's definition digest: its name, aggregations and code. */
function scorerDigest(scorer: Scorer): string {
  const aggs = (scorer.aggregations ?? []).map((a) => (typeof a === 'string' ? a : a.name)).join(',');
  const code = typeof scorer === 'function' ? Function.prototype.toString.call(scorer) : String(scorer.run);
  return sha256(`${scorer.name}\n${aggs}\n${code}`);
}

interface RowContext {
  scorers: Scorer[];
  predictFn: PredictFn | undefined;
  modelId: string | null;
  runId: string;
  experimentId: string;
  signal: AbortSignal;
  userName: string;
  client: MlflowClient;
  rowRunId: string | null;
}

async function evaluateRow(item: EvalItem, ctx: RowContext): Promise<RowState> {
  const row: EvaluationRow = {
    index: item.index,
    requestId: item.requestId,
    traceId: null,
    inputs: item.inputs,
    outputs: item.outputs,
    expectations: item.expectations,
    tags: item.tags,
    feedbacks: [],
    expectationAssessments: [],
    assessments: [],
    error: null,
    executionTimeMs: null,
    runId: ctx.rowRunId,
  };
  const state: RowState = { item, row, rootSpanId: null, trace: null };

  // 1. The row's trace: a new one around predictFn (or a minimal one for recorded outputs), or the given one.
  if (item.trace && item.trace.info.experimentId !== ctx.experimentId) {
    // A trace of another experiment is copied into the run's experiment, as `_should_clone_trace` does.
    await copyTrace(item.trace, state, ctx);
  } else if (item.trace) {
    state.trace = item.trace;
    row.traceId = item.trace.info.traceId;
    row.executionTimeMs = item.trace.info.executionDuration;
    state.rootSpanId = item.trace.data.spans.find((s) => s.parentId === null)?.spanId ?? null;
  } else {
    await recordTrace(item, state, ctx);
  }

  // 2. Scores.
  const input: ScorerInput = {
    inputs: row.inputs,
    outputs: row.outputs,
    expectations: row.expectations,
    trace: state.trace,
  };
  const perScorer = await Promise.all(ctx.scorers.map((s) => runScorer(s, input)));
  row.feedbacks = perScorer.flat();

  // 3. Expectations not on the trace already, as HUMAN expectations from the current user.
  const existing = new Set(
    (state.trace?.info.assessments ?? []).filter((a) => a.kind === 'expectation').map((a) => a.name),
  );
  const expectations: Expectation[] = [];
  if (row.traceId) {
    for (const [name, value] of Object.entries(row.expectations)) {
      if (existing.has(name) || value === null || value === undefined) continue;
      expectations.push(
        new Expectation({
          name,
          value,
          source: { sourceType: AssessmentSourceType.HUMAN, sourceId: ctx.userName || 'unknown' },
        }),
      );
    }
  }
  row.expectationAssessments = expectations;

  // 4. Log everything on the trace.
  if (row.traceId) {
    if (item.trace) await setTraceTags(ctx.client, row.traceId, item.tags);
    const logged = await logAssessments(ctx, row.traceId, state.rootSpanId, [...row.feedbacks, ...expectations]);
    row.expectationAssessments = logged.slice(row.feedbacks.length) as Expectation[];
    row.feedbacks = logged.slice(0, row.feedbacks.length) as Feedback[];
  } else {
    // Once per message: with tracing disabled every row lands here.
    warn(
      'Skipping logging tags and assessments to MLflow because no trace is available' +
        (row.error ? `: ${row.error}` : ' (is tracing disabled, sampled out, or exporting elsewhere than MLflow?).'),
    );
  }
  row.assessments = [...row.feedbacks, ...row.expectationAssessments];
  return state;
}

async function recordTrace(item: EvalItem, state: RowState, ctx: RowContext): Promise<void> {
  const { row } = state;
  const evalRequestId = ctx.predictFn ? randomUUID() : item.requestId;
  const predictFn = ctx.predictFn;
  const started = performance.now();
  let traceId = '';
  try {
    await withSpan(
      {
        name: predictFn ? predictFn.name || 'predict_fn' : 'root_span',
        ...(predictFn ? {} : { spanType: SpanType.CHAIN }),
        inputs: item.inputs,
        parent: null,
        experimentId: ctx.experimentId,
      },
      async (span) => {
        traceId = span.traceId;
        state.rootSpanId = span.spanId || null;
        if (traceId) {
          const metadata: Record<string, string> = {};
          if (ctx.modelId) metadata[TraceMetadataKey.MODEL_ID] = ctx.modelId;
          const tags = { [TraceTagKey.EVAL_REQUEST_ID]: evalRequestId, ...tagsOf(item) };
          updateCurrentTrace(Object.keys(metadata).length > 0 ? { tags, metadata } : { tags });
        }
        if (!predictFn) {
          span.setOutputs(item.outputs);
          return item.outputs;
        }
        const outputs = await predictFn(item.inputs, { signal: ctx.signal, index: item.index });
        row.outputs = outputs;
        return outputs;
      },
    );
  } catch (err) {
    row.error = `Failed to invoke the predict_fn with ${safeJson(item.inputs)}: ${errorText(err)}`;
    row.outputs = null;
  }
  row.executionTimeMs = performance.now() - started;
  if (!traceId) return;
  row.traceId = traceId;
  // The trace is exported in the background: wait until the store has it, then read it back whole.
  try {
    await flushTraces();
    // The store has the spans (they were just logged there); the client's artifact fallback is for old traces.
    state.trace = await ctx.client.store.getTrace(traceId).catch(() => ctx.client.getTrace(traceId));
    row.executionTimeMs = state.trace.info.executionDuration ?? row.executionTimeMs;
  } catch (err) {
    warn(`Failed to read back the trace ${traceId} of row ${item.index}: ${errorText(err)}`);
    row.traceId = null;
    state.trace = null;
  }
}

/** Span attributes the tracing engine writes itself; the others are copied. */
const ENGINE_ATTRIBUTES = new Set([
  'mlflow.traceRequestId',
  'mlflow.spanType',
  'mlflow.spanInputs',
  'mlflow.spanOutputs',
]);

/**
 * `copy_trace_to_experiment`: the spans re-recorded under a new trace in the run's experiment (same
 * names, types, inputs, outputs, attributes, events, status and times), with the trace's user tags and
 * its metadata; then read back like a new row trace.
 */
async function copyTrace(source: Trace, state: RowState, ctx: RowContext): Promise<void> {
  const { row } = state;
  const spans = source.data.spans;
  const root = spans.find((s) => s.parentId === null || s.parentId === undefined);
  if (!root) {
    row.error = `Failed to clone trace to the current experiment: trace ${source.info.traceId} has no root span.`;
    return;
  }
  const byParent = new Map<string, Span[]>();
  for (const s of spans) {
    if (s === root || !s.parentId) continue;
    const list = byParent.get(s.parentId) ?? [];
    list.push(s);
    byParent.set(s.parentId, list);
  }
  const start = (s: Span, parent: ActiveSpan | null): ActiveSpan => {
    const live = startSpan({
      name: s.name,
      parent,
      ...(s.spanType ? { spanType: s.spanType } : {}),
      startTimeNs: s.startTimeNs,
      ...(parent === null ? { experimentId: ctx.experimentId } : {}),
    });
    const attributes: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.attributes)) if (!ENGINE_ATTRIBUTES.has(k)) attributes[k] = v;
    live.setAttributes(attributes);
    if (s.inputs !== undefined && s.inputs !== null) live.setInputs(s.inputs);
    for (const e of s.events) {
      live.addEvent({ name: e.name, attributes: e.attributes as never, timestampNs: e.timestampNs });
    }
    return live;
  };
  const end = (s: Span, live: ActiveSpan) => {
    const code = s.status.statusCode;
    live.end({
      ...(s.outputs !== undefined && s.outputs !== null ? { outputs: s.outputs } : {}),
      status: code === 'ERROR' ? { statusCode: 'ERROR', description: s.status.description ?? '' } : code,
      ...(s.endTimeNs !== null ? { endTimeNs: s.endTimeNs } : {}),
    });
  };
  const rootLive = start(root, null);
  if (!rootLive.traceId) return;
  // Parents first, then children; children end before their parents, the root last (which exports the trace).
  const order: Array<[Span, ActiveSpan]> = [];
  const queue: Array<[Span, ActiveSpan]> = [[root, rootLive]];
  while (queue.length > 0) {
    const [s, live] = queue.shift() as [Span, ActiveSpan];
    for (const child of byParent.get(s.spanId) ?? []) {
      const childLive = start(child, live);
      order.push([child, childLive]);
      queue.push([child, childLive]);
    }
  }
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(source.info.tags)) if (!k.startsWith('mlflow.')) tags[k] = v;
  Object.assign(tags, tagsOf(state.item), { [TraceTagKey.EVAL_REQUEST_ID]: state.item.requestId });
  const metadata = { ...source.info.traceMetadata };
  delete metadata[TraceMetadataKey.SOURCE_RUN];
  withActiveSpan(rootLive, () => updateCurrentTrace({ tags, metadata }));
  for (const [s, live] of order.reverse()) end(s, live);
  end(root, rootLive);
  row.traceId = rootLive.traceId;
  state.rootSpanId = rootLive.spanId || null;
  try {
    await flushTraces();
    state.trace = await ctx.client.store.getTrace(row.traceId).catch(() => ctx.client.getTrace(row.traceId as string));
    row.executionTimeMs = state.trace.info.executionDuration;
  } catch (err) {
    row.error = `Cloned trace could not be read back from the tracking store (trace_id=${row.traceId}): ${errorText(err)}`;
    row.traceId = null;
    state.trace = null;
  }
}

function tagsOf(item: EvalItem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(item.tags)) if (!k.startsWith('mlflow.')) out[k] = v;
  return out;
}

async function setTraceTags(client: MlflowClient, traceId: string, tags: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith('mlflow.')) continue;
    try {
      await client.setTraceTag(traceId, key, value);
    } catch (err) {
      warn(`Failed to log tag ${key} to MLflow: ${errorText(err)}`);
    }
  }
}

/** Runs one scorer; a throw (or an unsupported return value) becomes a Feedback carrying the error. */
async function runScorer(scorer: Scorer, input: ScorerInput): Promise<Feedback[]> {
  try {
    const value = await scorer.run(input);
    return standardizeScorerValue(scorer.name, value);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return [
      new Feedback({
        name: scorer.name,
        source: codeSource(scorer.name),
        error: { errorCode: 'SCORER_ERROR', errorMessage: e.message, stackTrace: e.stack ?? null },
      }),
    ];
  }
}

/** `_log_assessments`: each on the trace, with the run as source and the root span as target. */
async function logAssessments(
  ctx: RowContext,
  traceId: string,
  rootSpanId: string | null,
  assessments: Assessment[],
): Promise<Assessment[]> {
  if (assessments.length === 0) return [];
  for (const a of assessments) {
    a.traceId = traceId;
    a.metadata = { ...(a.metadata ?? {}), [AssessmentMetadataKey.SOURCE_RUN_ID]: ctx.runId };
    if (rootSpanId) a.spanId = rootSpanId;
  }
  try {
    // One transaction per row on the embedded store; one request each over REST.
    return await ctx.client.store.createAssessments(assessments);
  } catch (err) {
    warn(`Failed to log trace and assessments to MLflow: ${errorText(err)}`);
    return assessments;
  }
}

async function linkTraces(client: MlflowClient, runId: string, states: RowState[]): Promise<void> {
  const ids = [...new Set(states.map((s) => s.row.traceId).filter((id): id is string => id !== null))];
  for (let i = 0; i < ids.length; i += LINK_BATCH) {
    try {
      await client.linkTracesToRun(ids.slice(i, i + LINK_BATCH), runId);
    } catch (err) {
      warn(`Failed to link batch of traces to run: ${errorText(err)}`);
    }
  }
}

/** A row's nested run: its numeric feedback values as metrics, the row as `row.json`, its trace linked. */
async function logRowRun(
  client: MlflowClient,
  rowRunId: string,
  state: RowState,
  perRowRuns: EvaluateOptions['perRowRuns'],
): Promise<void> {
  const { row } = state;
  if (typeof perRowRuns === 'function') {
    const name = perRowRuns(row);
    if (name) await client.updateRun(rowRunId, { name });
  }
  const timestamp = Date.now();
  const metrics = new Map<string, number>();
  for (const f of row.feedbacks) {
    const n = feedbackValueToNumber(f.value);
    if (n !== null && !metrics.has(f.name)) metrics.set(f.name, n);
  }
  if (row.executionTimeMs !== null) metrics.set('latency_ms', row.executionTimeMs);
  const batch = [...metrics].map(([key, value]) => ({ key, value, timestamp, step: 0 }));
  if (batch.length > 0) await client.logBatch(rowRunId, { metrics: batch });
  await client.logDict(rowRunId, rowDict(row), 'row.json');
  if (row.traceId) await client.linkTracesToRun([row.traceId], rowRunId);
}

/** A row as plain JSON (for artifacts and reports). */
export function rowDict(row: EvaluationRow): Record<string, unknown> {
  return {
    index: row.index,
    request_id: row.requestId,
    trace_id: row.traceId,
    inputs: row.inputs,
    outputs: row.outputs ?? null,
    expectations: row.expectations,
    error: row.error,
    execution_time_ms: row.executionTimeMs,
    assessments: row.assessments.map((a) => ({
      assessment_id: a.assessmentId,
      name: a.name,
      kind: a.kind,
      source: { source_type: a.source.sourceType, source_id: a.source.sourceId },
      value: a.kind === 'issue' ? a.issueName : (a.value ?? null),
      rationale: a.rationale,
      error:
        a.kind === 'feedback' && a.error
          ? { error_code: a.error.errorCode, error_message: a.error.errorMessage }
          : null,
    })),
  };
}

function logScorerFailures(rows: EvaluationRow[]): void {
  const stats = new Map<string, { failed: number; total: number }>();
  for (const r of rows) {
    for (const f of r.feedbacks) {
      const s = stats.get(f.name) ?? { failed: 0, total: 0 };
      s.total++;
      if (f.error) s.failed++;
      stats.set(f.name, s);
    }
  }
  const failures = [...stats]
    .filter(([, s]) => s.failed > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, s]) => `'${name}': ${s.failed}/${s.total} failed`);
  if (failures.length > 0) {
    warn(
      `Some scorer invocations failed during evaluation. Failure summary: ${failures.join(', ')}. ` +
        'Check individual trace assessments for detailed error messages.',
    );
  }
}

const warned = new Set<string>();

/** A process warning (`MlflowEvaluationWarning`), each message once. */
function warn(message: string): void {
  if (warned.has(message) || warned.size > 1000) return;
  warned.add(message);
  process.emitWarning(message, { type: 'MlflowEvaluationWarning' });
}

function errorText(err: unknown): string {
  if (err instanceof MlflowError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
