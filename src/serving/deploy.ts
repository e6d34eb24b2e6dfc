/**
 * The deployment workflow: {@link deployModel} registers a model version and points an alias (e.g.
 * `champion`) at it; {@link testDeployedModel} loads the model by that alias the way a consumer would,
 * asks it test questions, validates the answers (non-empty, latency bound, optional scorers) and records
 * the results in a run (metrics and a JSON artifact).
 */
import { isPlainObject } from '../pyfunc/frame.js';
import { loadModel } from '../pyfunc/load.js';
import { registerModel } from '../pyfunc/log.js';
import type { MlflowClient } from '../tracking/client.js';
import { RunStatus } from '../tracking/entities/index.js';
import type { ModelVersion } from '../tracking/entities/model-registry.js';
import { invalidParameter } from '../tracking/errors.js';
import { activeRun, getClient, resolveExperimentId, withRun } from '../tracking/fluent.js';
import { validateAliasName, validateAliasNameReserved, validateModelName } from '../tracking/registry/validation.js';

/** Options of {@link deployModel}. */
export interface DeployModelOptions {
  /** The model to deploy: `models:/<model id>`, `runs:/<run>/<name>` or an artifact URI. */
  modelUri?: string;
  /** Instead of `modelUri`: the run that logged the model (with `artifactPath`). */
  runId?: string;
  /** With `runId`: the logged model's name in the run; default `model`. */
  artifactPath?: string;
  /** Registered model to create a version of (created when missing). */
  registeredModelName: string;
  /** Alias pointed at the new version; default `champion`. */
  alias?: string;
  /** Tags of the new version. */
  tags?: Record<string, string>;
  /** Seconds to wait for the version to become READY (default 300). */
  awaitRegistrationFor?: number;
  /** Client to use; the fluent API's client by default. */
  client?: MlflowClient;
}

/** What {@link deployModel} did. */
export interface Deployment {
  /** Registered model name. */
  name: string;
  /** The new version. */
  version: string;
  /** The alias now pointing at it. */
  alias: string;
  /** `models:/<name>@<alias>`: what consumers load. */
  modelUri: string;
  /** `models:/<name>/<version>`. */
  versionUri: string;
  /** The URI the version was registered from. */
  sourceUri: string;
  /** The registered version. */
  modelVersion: ModelVersion;
}

/**
 * Registers `modelUri` (or the model `artifactPath` of `runId`) as a new version of `registeredModelName`
 * and points `alias` at it: the seed pipeline's `run_deployment_workflow`. Throws an
 * `INVALID_PARAMETER_VALUE` error naming a bad option, and the registry's errors.
 */
export async function deployModel(options: DeployModelOptions): Promise<Deployment> {
  if (options === null || typeof options !== 'object') {
    throw invalidParameter(`deployModel: options must be an object, got ${JSON.stringify(options)}.`);
  }
  if ((options.modelUri === undefined) === (options.runId === undefined)) {
    throw invalidParameter(
      `deployModel: give exactly one of 'modelUri' and 'runId' (got ${options.modelUri === undefined ? 'neither' : 'both'}).`,
    );
  }
  if (options.modelUri !== undefined && (typeof options.modelUri !== 'string' || options.modelUri.trim() === '')) {
    throw invalidParameter(
      `deployModel: 'modelUri' must be a non-empty string, got ${JSON.stringify(options.modelUri)}.`,
    );
  }
  if (options.runId !== undefined && (typeof options.runId !== 'string' || !/^[\w-]+$/.test(options.runId))) {
    throw invalidParameter(`deployModel: 'runId' must be a run id, got ${JSON.stringify(options.runId)}.`);
  }
  validateModelName(options.registeredModelName);
  const alias = options.alias ?? 'champion';
  validateAliasName(alias);
  validateAliasNameReserved(alias);
  const sourceUri = options.modelUri ?? `runs:/${options.runId}/${options.artifactPath ?? 'model'}`;
  const name = options.registeredModelName;
  const client = options.client ?? getClient();
  const modelVersion = await registerModel(sourceUri, name, {
    client,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.awaitRegistrationFor === undefined ? {} : { awaitRegistrationFor: options.awaitRegistrationFor }),
  });
  await client.setRegisteredModelAlias(name, alias, modelVersion.version);
  return {
    name,
    version: modelVersion.version,
    alias,
    modelUri: `models:/${name}@${alias}`,
    versionUri: `models:/${name}/${modelVersion.version}`,
    sourceUri,
    modelVersion: { ...modelVersion, aliases: [...new Set([...modelVersion.aliases, alias])] },
  };
}

/** A test question: the text, and optional expectations for scorers (`expected_response`, ...). */
export interface DeploymentQuestion {
  question: string;
  expectations?: Record<string, unknown>;
}

/**
 * A scorer run on each answer: anything with a `name` and a `run({inputs, outputs, expectations, trace})`
 * returning a value (number, boolean, string, or an object with a `value`, like a Feedback); the evaluation
 * layer's scorers fit. A `false` or `"no"` value fails the question.
 */
export interface DeploymentScorer {
  readonly name: string;
  run(input: {
    inputs: Record<string, unknown>;
    outputs: unknown;
    expectations: Record<string, unknown>;
    trace: null;
  }): unknown;
}

/** The checks {@link testDeployedModel} applies to each answer. */
export interface DeploymentChecks {
  /** The answer must not be empty (default true). */
  nonEmpty?: boolean;
  /** The prediction must take at most this long, in milliseconds. */
  maxLatencyMs?: number;
  /** Scorers run on each answer. */
  scorers?: DeploymentScorer[];
}

/** Options of {@link testDeployedModel}. */
export interface TestDeployedModelOptions {
  /** The deployed model, as consumers load it: `models:/<name>@<alias>` (any model URI works). */
  modelUri: string;
  /** Questions to ask: strings or `{question, expectations}`. At least one. */
  questions: Array<string | DeploymentQuestion>;
  /** Checks on each answer; by default only non-emptiness. */
  checks?: DeploymentChecks;
  /** Builds the model input from a question; default `[{question}]` (one row with a `question` column). */
  toInput?: (question: string) => unknown;
  /** Inference params passed with every question. */
  params?: Record<string, unknown>;
  /**
   * Record the results in a run: a new run named `runName` (nested under the active run, if any), or the
   * existing `runId`. Default true.
   */
  logResults?: boolean;
  /** Name of the run recording the results; default `test-deployed-model`. */
  runName?: string;
  /** Log into this existing run instead of a new one. */
  runId?: string;
  /** Experiment of the new run; the active run's, else the active experiment. */
  experimentId?: string;
  /** Client to load the model and record the results with; the fluent API's client by default. */
  client?: MlflowClient;
}

/** The outcome for one question. */
export interface DeploymentQuestionResult {
  question: string;
  /** The answer as text (the first prediction when the model returns a list). */
  answer: string;
  /** The raw prediction. */
  prediction: unknown;
  /** Prediction time in milliseconds. */
  latencyMs: number;
  /** The checks' verdicts: `non_empty`, `latency`, and one per scorer. */
  checks: Record<string, boolean>;
  /** Scorer values by scorer name. */
  scores: Record<string, unknown>;
  /** The error message when the prediction failed. */
  error?: string;
  /** True when every check passed. */
  passed: boolean;
}

/** What {@link testDeployedModel} found. */
export interface DeploymentTestResult {
  modelUri: string;
  /** The run the results were recorded in, if any. */
  runId: string | undefined;
  /** One entry per question. */
  results: DeploymentQuestionResult[];
  /** Questions passing every check. */
  passed: number;
  failed: number;
  /** Aggregates logged as metrics (`deployment_test/pass_rate`, latency stats, per-scorer means). */
  metrics: Record<string, number>;
  /** True when every question passed. */
  success: boolean;
}

/** Name of the JSON artifact holding the per-question results. */
export const DEPLOYMENT_TEST_ARTIFACT = 'deployment_test_results.json';

function answerText(prediction: unknown): string {
  let p = prediction;
  if (Array.isArray(p)) p = p[0];
  if (p !== null && typeof p === 'object' && 'toRecords' in p && typeof p.toRecords === 'function') {
    const rec = (p.toRecords() as Array<Record<string, unknown>>)[0];
    p = rec ? Object.values(rec)[0] : undefined;
  }
  if (p === null || p === undefined) return '';
  if (typeof p === 'string') return p;
  if (isPlainObject(p)) {
    for (const key of ['answer', 'output', 'text', 'content', 'response']) {
      if (typeof p[key] === 'string') return p[key] as string;
    }
  }
  return JSON.stringify(p) ?? '';
}

function scoreValue(raw: unknown): unknown {
  let v = Array.isArray(raw) ? raw[0] : raw;
  if (v !== null && typeof v === 'object' && 'value' in v) v = (v as { value: unknown }).value;
  return v;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/**
 * Tests a deployed model the way a consumer uses it: loads `modelUri` (e.g. `models:/name@champion`) with
 * `loadModel`, predicts each question, checks each answer (non-empty, latency, scorers) and, unless
 * `logResults` is false, records in a run the params (`model_uri`, `num_questions`), metrics
 * (`deployment_test/pass_rate`, `.../latency_ms_mean`, `.../latency_ms_p50`, `.../latency_ms_max`,
 * `.../non_empty_rate`, `.../<scorer>/mean`) and the per-question results as {@link DEPLOYMENT_TEST_ARTIFACT}.
 * A failing question does not throw: see `success` and each result's `checks`.
 */
export async function testDeployedModel(options: TestDeployedModelOptions): Promise<DeploymentTestResult> {
  if (options === null || typeof options !== 'object') {
    throw invalidParameter(`testDeployedModel: options must be an object, got ${JSON.stringify(options)}.`);
  }
  if (typeof options.modelUri !== 'string' || options.modelUri.trim() === '') {
    throw invalidParameter(
      `testDeployedModel: 'modelUri' must be a non-empty string, got ${JSON.stringify(options.modelUri)}.`,
    );
  }
  if (!Array.isArray(options.questions) || options.questions.length === 0) {
    throw invalidParameter(
      `testDeployedModel: 'questions' must be a non-empty list, got ${JSON.stringify(options.questions)}.`,
    );
  }
  const questions: DeploymentQuestion[] = options.questions.map((q, i) => {
    if (typeof q === 'string') return { question: q };
    if (isPlainObject(q) && typeof q.question === 'string') return q;
    throw invalidParameter(
      `testDeployedModel: questions[${i}] must be a string or {question, expectations}, got ${JSON.stringify(q)}.`,
    );
  });
  const checks = options.checks ?? {};
  const maxLatency = checks.maxLatencyMs;
  if (maxLatency !== undefined && !(typeof maxLatency === 'number' && maxLatency > 0)) {
    throw invalidParameter(
      `testDeployedModel: 'checks.maxLatencyMs' must be a positive number, got ${JSON.stringify(maxLatency)}.`,
    );
  }
  const nonEmpty = checks.nonEmpty ?? true;
  const scorers = checks.scorers ?? [];
  const toInput = options.toInput ?? ((question: string) => [{ question }]);

  const model = await loadModel(options.modelUri, options.client ? { client: options.client } : {});
  const results: DeploymentQuestionResult[] = [];
  for (const { question, expectations } of questions) {
    const started = performance.now();
    let prediction: unknown;
    let error: string | undefined;
    try {
      prediction = await model.predict(toInput(question), options.params);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const latencyMs = performance.now() - started;
    const answer = error === undefined ? answerText(prediction) : '';
    const verdicts: Record<string, boolean> = { prediction: error === undefined };
    if (nonEmpty) verdicts.non_empty = answer.trim().length > 0;
    if (maxLatency !== undefined) verdicts.latency = latencyMs <= maxLatency;
    const scores: Record<string, unknown> = {};
    for (const s of scorers) {
      try {
        const value = scoreValue(
          await s.run({ inputs: { question }, outputs: answer, expectations: expectations ?? {}, trace: null }),
        );
        scores[s.name] = value;
        verdicts[s.name] = value !== false && value !== 'no' && value !== null && value !== undefined;
      } catch (e) {
        scores[s.name] = null;
        verdicts[s.name] = false;
        error ??= `scorer ${s.name}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const result: DeploymentQuestionResult = {
      question,
      answer,
      prediction,
      latencyMs,
      checks: verdicts,
      scores,
      passed: Object.values(verdicts).every(Boolean),
    };
    if (error !== undefined) result.error = error;
    results.push(result);
  }

  const passed = results.filter((r) => r.passed).length;
  const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  const metrics: Record<string, number> = {
    'deployment_test/pass_rate': passed / results.length,
    'deployment_test/latency_ms_mean': latencies.reduce((a, b) => a + b, 0) / latencies.length,
    'deployment_test/latency_ms_p50': percentile(latencies, 0.5),
    'deployment_test/latency_ms_max': latencies[latencies.length - 1] ?? 0,
  };
  if (nonEmpty)
    metrics['deployment_test/non_empty_rate'] = results.filter((r) => r.checks.non_empty).length / results.length;
  for (const s of scorers) {
    const values = results.map((r) => r.scores[s.name]).map((v) => (typeof v === 'boolean' ? Number(v) : v));
    const numeric = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (numeric.length > 0)
      metrics[`deployment_test/${s.name}/mean`] = numeric.reduce((a, b) => a + b, 0) / numeric.length;
  }

  let runId: string | undefined;
  if (options.logResults !== false) {
    const client = options.client ?? getClient();
    const record = async (id: string) => {
      const now = Date.now();
      await client.logBatch(id, {
        params: [
          { key: 'model_uri', value: options.modelUri },
          { key: 'num_questions', value: String(results.length) },
        ],
        metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
      });
      await client.logDict(
        id,
        {
          model_uri: options.modelUri,
          checks: { non_empty: nonEmpty, max_latency_ms: maxLatency ?? null, scorers: scorers.map((s) => s.name) },
          results: results.map((r) => ({
            question: r.question,
            answer: r.answer,
            latency_ms: r.latencyMs,
            checks: r.checks,
            scores: r.scores,
            passed: r.passed,
            ...(r.error === undefined ? {} : { error: r.error }),
          })),
          passed,
          failed: results.length - passed,
        },
        DEPLOYMENT_TEST_ARTIFACT,
      );
    };
    const runName = options.runName ?? 'test-deployed-model';
    const parent = activeRun();
    if (options.runId !== undefined) {
      await record(options.runId);
      runId = options.runId;
    } else if (options.client === undefined) {
      runId = await withRun(
        {
          runName,
          nested: parent !== undefined,
          ...(options.experimentId === undefined ? {} : { experimentId: options.experimentId }),
        },
        async (run) => {
          await record(run.info.runId);
          return run.info.runId;
        },
      );
    } else {
      const experimentId = options.experimentId ?? parent?.info.experimentId ?? (await resolveExperimentId());
      const tags: Record<string, string> = { 'mlflow.runName': runName };
      if (parent) tags['mlflow.parentRunId'] = parent.info.runId;
      const run = await client.createRun({ experimentId, runName, tags });
      runId = run.info.runId;
      try {
        await record(runId);
      } catch (e) {
        await client.setTerminated(runId, RunStatus.FAILED);
        throw e;
      }
      await client.setTerminated(runId, RunStatus.FINISHED);
    }
  }
  return {
    modelUri: options.modelUri,
    runId,
    results,
    passed,
    failed: results.length - passed,
    metrics,
    success: passed === results.length,
  };
}
