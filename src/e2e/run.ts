/**
 * `runE2E(config)`: the whole GenAI lifecycle in one call (the seed's `e2e_mlflow.py`). Each phase is timed,
 * traced where it does work, reported through `onProgress`, and recorded on the pipeline's parent run; a failed
 * phase leaves its error as run tags and an `errors/<phase>.txt` artifact and the pipeline degrades as the
 * seed did (inline prompt when the registry is down, no deployment when registration failed).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type E2EConfig,
  type E2EConfigInput,
  type E2ELayout,
  parseE2EConfig,
  resolveE2ELayout,
  type TestQuestion,
} from '../config/e2e.js';
import { writeTinyGpt2Model } from '../internal/tiny-model/index.js';
import { writeEntryModule } from '../pyfunc/flavors/generated-code.js';
import type { RunnableLike } from '../pyfunc/flavors/langchain-model.js';
import { langChainModelArgs } from '../pyfunc/flavors/langchain-model.js';
import {
  type GenerationParams,
  loadLocalTextGenerationPipeline,
  type TextGenerationPipelineLike,
} from '../pyfunc/flavors/transformers-js.js';
import { saveTransformersModel } from '../pyfunc/flavors/transformers-model-dir.js';
import { inferSignature } from '../pyfunc/infer.js';
import { logModel } from '../pyfunc/log.js';
import { loadPrompt, registerPrompt } from '../registry/prompts/api.js';
import { getServingCommand } from '../serving/command.js';
import { deployModel, testDeployedModel } from '../serving/deploy.js';
import { prepareDataDir } from '../storage/data-dir.js';
import { configureTracing, flushTraces, withSpan } from '../tracing/api.js';
import { createLangChainTracer } from '../tracing/integrations/langchain.js';
import { RunStatus } from '../tracking/entities/enums.js';
import { SpanType } from '../tracking/entities/trace-keys.js';
import {
  activeRun,
  endRun,
  getClient,
  logDict,
  logMetrics,
  logParams,
  setExperiment,
  setTag,
  setTags,
  setTrackingUri,
  startRun,
  withRun,
} from '../tracking/fluent.js';
import { buildQaChain, E2E_PROMPT_NAME, E2E_QA_TEMPLATE } from './chain.js';
import { E2E_SCORER_NAMES, evaluateAnswers } from './evaluation.js';
import type { E2EMode, E2EPhaseResult, E2EProgressEvent, E2EQuestionResult, E2ESummary } from './summary.js';

/** Options of {@link runE2E}. */
export interface RunE2EOptions {
  /** Which part of the lifecycle to run; `all` by default. */
  mode?: E2EMode;
  /** Receives progress events. */
  onProgress?: (event: E2EProgressEvent) => void;
  /** Stops the pipeline between steps. */
  signal?: AbortSignal;
  /** Folder relative paths are resolved against; the working directory by default. */
  cwd?: string;
  /**
   * @internal Fault injection for tests: throw in the named phase (`model`, `prompts`, `chain`, `test`,
   * `evaluation`, `log-model`, `deployment`, `deployment-test`, `load-registered`).
   */
  failPhase?: string;
}

/** Tag keys the pipeline sets on its parent run. */
export const E2E_TAGS = {
  mode: 'mlflow-genai.e2e.mode',
  phaseStatus: (phase: string) => `mlflow-genai.e2e.phase.${phase}`,
  phaseError: (phase: string) => `mlflow-genai.e2e.error.${phase}`,
} as const;

const SKIPPED = Symbol('skipped');

class PhaseSkipped extends Error {}

interface Ctx {
  config: E2EConfig;
  layout: E2ELayout;
  mode: E2EMode;
  summary: E2ESummary;
  options: RunE2EOptions;
  progress: (event: E2EProgressEvent) => void;
  modelDir?: string;
  pipeline?: TextGenerationPipelineLike & { tokenizer?: unknown };
  template: string;
  chain?: RunnableLike;
  generation: GenerationParams;
}

function generationOf(config: E2EConfig): GenerationParams {
  const g: GenerationParams = {
    max_new_tokens: config.maxNewTokens,
    do_sample: config.doSample,
    repetition_penalty: config.repetitionPenalty,
  };
  if (config.doSample) {
    g.temperature = config.temperature;
    g.top_k = config.topK;
    g.top_p = config.topP;
  }
  return g;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function recordPhaseFailure(phase: string, err: unknown): Promise<void> {
  if (!activeRun()) return;
  const e = err instanceof Error ? err : new Error(String(err));
  try {
    await setTags({
      [E2E_TAGS.phaseStatus(phase)]: 'failed',
      [E2E_TAGS.phaseError(phase)]: `${e.name}: ${e.message}`.slice(0, 5000),
    });
    await getClient().logText(activeRun()!.info.runId, e.stack ?? `${e.name}: ${e.message}`, `errors/${phase}.txt`);
  } catch (recordErr) {
    console.warn(`[mlflow-genai] could not record the failure of phase ${phase}: ${errorText(recordErr)}`);
  }
}

/** Runs one phase: times it, reports it, records a failure, and returns SKIPPED when it did not complete. */
async function phase<T>(
  ctx: Ctx,
  name: string,
  required: boolean,
  fn: () => Promise<T>,
  skipReason?: string,
): Promise<T | typeof SKIPPED> {
  const result: E2EPhaseResult = { name, status: 'ok', required, durationMs: 0 };
  ctx.summary.phases.push(result);
  if (skipReason !== undefined) {
    result.status = 'skipped';
    result.error = skipReason;
    ctx.progress({ phase: name, step: name, status: 'skipped', detail: skipReason });
    if (activeRun()) await setTag(E2E_TAGS.phaseStatus(name), 'skipped').catch(() => undefined);
    return SKIPPED;
  }
  ctx.progress({ phase: name, step: name, status: 'start' });
  const t0 = performance.now();
  try {
    if (ctx.options.signal?.aborted) throw new Error(`Aborted before phase ${name}`);
    if (ctx.options.failPhase === name) throw new Error(`Injected failure in phase ${name}`);
    const value = await fn();
    result.durationMs = Math.round(performance.now() - t0);
    ctx.progress({ phase: name, step: name, status: 'done', detail: `${result.durationMs} ms` });
    if (activeRun()) await setTag(E2E_TAGS.phaseStatus(name), 'ok').catch(() => undefined);
    return value;
  } catch (err) {
    result.durationMs = Math.round(performance.now() - t0);
    if (err instanceof PhaseSkipped) {
      result.status = 'skipped';
      result.error = err.message;
      ctx.progress({ phase: name, step: name, status: 'skipped', detail: err.message });
      return SKIPPED;
    }
    result.status = 'failed';
    result.error = errorText(err);
    if (required) ctx.summary.ok = false;
    ctx.progress({ phase: name, step: name, status: 'failed', detail: result.error });
    await recordPhaseFailure(name, err);
    return SKIPPED;
  }
}

function skip(ctx: Ctx, name: string, required: boolean, reason: string): Promise<typeof SKIPPED> {
  return phase(ctx, name, required, async () => SKIPPED, reason) as Promise<typeof SKIPPED>;
}

/** Phase 1: the model directory (tiny generated, copied or downloaded) and its text-generation pipeline. */
async function modelPhase(ctx: Ctx): Promise<void> {
  const source = ctx.layout.model;
  const t0 = performance.now();
  let dir: string;
  if (source.kind === 'tiny') {
    dir = source.dir;
    ctx.progress({ phase: 'model', step: 'generate tiny GPT-2', status: 'start', detail: dir });
    await writeTinyGpt2Model(dir);
  } else {
    dir = join(
      ctx.layout.localDir,
      'models',
      (source.kind === 'local' ? source.path : source.id).replace(/[^\w.-]+/g, '_'),
    );
    ctx.progress({ phase: 'model', step: 'save model', status: 'start', detail: dir });
    await saveTransformersModel(source.kind === 'local' ? source.path : source.id, dir);
  }
  ctx.progress({ phase: 'model', step: 'load pipeline', status: 'start' });
  ctx.pipeline = await loadLocalTextGenerationPipeline(dir);
  ctx.modelDir = dir;
  const loadMs = Math.round(performance.now() - t0);
  ctx.summary.model = {
    source: source.kind === 'hub' ? source.id : source.kind === 'local' ? source.path : 'tiny-gpt2',
    dir,
    loadMs,
  };
  await logParams({ model_source: ctx.summary.model.source, model_kind: source.kind });
  await logMetrics({ model_load_ms: loadMs });
}

/** Phase 2: the prompt template in the registry (reused when unchanged), with the registry's fallback. */
async function promptsPhase(ctx: Ctx): Promise<void> {
  const existing = await loadPrompt(`prompts:/${E2E_PROMPT_NAME}@latest`, {
    allowMissing: true,
    cacheTtlSeconds: 0,
  }).catch(() => null);
  const pv =
    existing && existing.template === E2E_QA_TEMPLATE
      ? existing
      : await registerPrompt({
          name: E2E_PROMPT_NAME,
          template: E2E_QA_TEMPLATE,
          commitMessage: 'mlflow-genai e2e question-answering prompt',
          tags: { task: 'question-answering', source: 'mlflow-genai-e2e' },
        });
  const template = typeof pv.template === 'string' ? pv.template : E2E_QA_TEMPLATE;
  ctx.template = template;
  ctx.summary.prompt = { name: pv.name, version: pv.version, uri: pv.uri, origin: pv.origin, template };
  await logParams({ prompt_uri: pv.uri, prompt_source: pv.origin });
}

/** Phase 3: prompt -> TransformersLLM -> parser over the loaded pipeline. */
async function chainPhase(ctx: Ctx): Promise<void> {
  if (!ctx.pipeline) throw new PhaseSkipped('no model was loaded (phase model failed)');
  ctx.chain = await buildQaChain({
    pipeline: ctx.pipeline,
    template: ctx.template,
    generation: ctx.generation,
    modelName: ctx.summary.model?.source ?? 'transformers.js',
  });
  ctx.summary.chain = { template: ctx.template, generation: { ...ctx.generation } };
  await logParams(Object.fromEntries(Object.entries(ctx.generation).map(([k, v]) => [`generation.${k}`, v])));
}

function countTokens(ctx: Ctx, text: string): number {
  const tokenizer = (ctx.pipeline as { tokenizer?: { encode?: (t: string) => number[] } } | undefined)?.tokenizer;
  if (tokenizer?.encode) {
    try {
      return tokenizer.encode(text).length;
    } catch {
      // fall through to a whitespace count
    }
  }
  return text.split(/\s+/).filter(Boolean).length;
}

/** Phase 4: a nested run per question with its answer, latency and token metrics and an answer artifact. */
async function testPhase(ctx: Ctx): Promise<void> {
  const chain = ctx.chain;
  if (!chain) throw new PhaseSkipped('no chain was built (phase chain failed)');
  const questions = ctx.config.testQuestions;
  const results: E2EQuestionResult[] = [];
  const callbacks = ctx.config.tracing ? [await createLangChainTracer()] : [];
  for (const [i, q] of questions.entries()) {
    if (ctx.options.signal?.aborted) throw new Error('Aborted during the test questions');
    ctx.progress({
      phase: 'test',
      step: 'question',
      status: 'start',
      current: i + 1,
      total: questions.length,
      detail: q.question,
    });
    const result = await withRun({ runName: `question-${i + 1}`, nested: true }, async (run) => {
      const t0 = performance.now();
      let answer = '';
      let error: string | undefined;
      try {
        answer = String(
          await withSpan(
            { name: 'e2e.question', spanType: SpanType.CHAIN, inputs: { question: q.question } },
            async (span) => {
              const out = await chain.invoke({ question: q.question }, { callbacks });
              span.setOutputs(out);
              return out;
            },
          ),
        );
      } catch (err) {
        error = errorText(err);
      }
      const latencyMs = performance.now() - t0;
      const tokens = countTokens(ctx, answer);
      const success = !error && answer.trim().length > 0;
      await logParams({ question: q.question.slice(0, 6000), question_index: i });
      await logMetrics({
        latency_ms: latencyMs,
        answer_chars: answer.length,
        answer_tokens: tokens,
        success: success ? 1 : 0,
      });
      await logDict(
        {
          question: q.question,
          answer,
          latency_ms: latencyMs,
          answer_tokens: tokens,
          success,
          ...(error ? { error } : {}),
          ...(q.expectations ? { expectations: q.expectations } : {}),
        },
        'answer.json',
      );
      return {
        question: q.question,
        answer,
        latencyMs,
        tokens,
        success,
        runId: run.info.runId,
        ...(error ? { error } : {}),
      };
    });
    results.push(result);
    ctx.progress({
      phase: 'test',
      step: 'question',
      status: result.success ? 'done' : 'failed',
      current: i + 1,
      total: questions.length,
      detail: `${Math.round(result.latencyMs)} ms`,
    });
  }
  ctx.summary.questions = results;
  const ok = results.filter((r) => r.success).length;
  const metrics = {
    'test/success_rate': ok / results.length,
    'test/questions': results.length,
    'test/avg_latency_ms': results.reduce((s, r) => s + r.latencyMs, 0) / results.length,
    'test/avg_answer_tokens': results.reduce((s, r) => s + r.tokens, 0) / results.length,
  };
  Object.assign(ctx.summary.metrics, metrics);
  await logMetrics(metrics);
  if (ok === 0) throw new Error(`No test question got a non-empty answer (${results.length} asked)`);
}

/** Evaluation: the configured scorers over the answers, in a nested evaluation run with a trace per row. */
async function evaluationPhase(ctx: Ctx): Promise<void> {
  const answers = ctx.summary.questions;
  if (!answers || answers.length === 0) throw new PhaseSkipped('no answers to evaluate (phase test failed)');
  if (ctx.config.scorers.length === 0) throw new PhaseSkipped('no scorers configured');
  const expectations = new Map<string, TestQuestion>(ctx.config.testQuestions.map((q) => [q.question, q]));
  const chain = ctx.chain;
  const callbacks = ctx.config.tracing ? [await createLangChainTracer()] : [];
  const result = await evaluateAnswers({
    answers,
    ...(chain ? { predict: async (question: string) => String(await chain.invoke({ question }, { callbacks })) } : {}),
    expectations,
    scorerNames: ctx.config.scorers,
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  });
  ctx.summary.evaluation = result;
  const prefixed = Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [`eval/${k}`, v]));
  Object.assign(ctx.summary.metrics, prefixed);
  if (Object.keys(prefixed).length > 0) await logMetrics(prefixed);
}

let chainEntry: Promise<string> | undefined;

/** The module the logged model's code is: the SDK's own chain factory, served by the loading process's SDK. */
function chainEntryModule(): Promise<string> {
  chainEntry ??= writeEntryModule(
    "// Generated by mlflow-genai: the e2e pipeline's chain factory.\nexport { e2eChain as chain } from 'mlflow-genai';\n",
  );
  return chainEntry;
}

/** Phase 5: log the chain as a LangChain model (its model directory as an artifact). */
async function logModelPhase(ctx: Ctx): Promise<void> {
  if (!ctx.modelDir) throw new PhaseSkipped('no model was loaded (phase model failed)');
  const first = ctx.config.testQuestions[0]!.question;
  const args = await langChainModelArgs({
    code: await chainEntryModule(),
    exportName: 'chain',
    artifacts: { model: ctx.modelDir },
    modelConfig: { template: ctx.template, generation: { ...ctx.generation }, model_name: ctx.summary.model?.source },
    signature: inferSignature([{ question: first }], ['answer']),
  });
  const info = await logModel({
    name: 'model',
    ...args,
    inputExample: [{ question: first }],
    metadata: { pipeline: 'mlflow-genai-e2e', prompt: ctx.summary.prompt?.uri ?? null },
    tags: { 'mlflow-genai.e2e': 'true' },
  });
  ctx.summary.loggedModel = {
    modelId: info.modelId,
    modelUri: info.modelUri,
    ...(info.runId ? { runUri: `runs:/${info.runId}/model` } : {}),
  };
}

/** The deployment workflow: register a version and point the alias at it. */
async function deploymentPhase(ctx: Ctx): Promise<void> {
  const logged = ctx.summary.loggedModel;
  if (!logged) throw new PhaseSkipped('no model was logged (phase log-model failed)');
  const deployment = await deployModel({
    modelUri: logged.modelUri,
    registeredModelName: ctx.config.registeredModelName,
    alias: ctx.config.alias,
    tags: { 'mlflow-genai.e2e': 'true' },
  });
  ctx.summary.registeredModel = {
    name: deployment.name,
    version: deployment.version,
    alias: deployment.alias,
    modelUri: deployment.modelUri,
  };
  await setTags({
    'mlflow-genai.e2e.registered_model': `${deployment.name}/${deployment.version}@${deployment.alias}`,
  });
}

/** Load the registered model by alias the way a consumer would and ask it the test questions. */
async function deploymentTestPhase(ctx: Ctx, phaseName: string): Promise<void> {
  if (phaseName === 'deployment-test' && !ctx.summary.registeredModel) {
    throw new PhaseSkipped('no model was registered (phase deployment failed)');
  }
  const modelUri = ctx.summary.registeredModel?.modelUri ?? ctx.layout.servingModelUri;
  const result = await testDeployedModel({
    modelUri,
    questions: ctx.config.testQuestions,
    checks: { nonEmpty: true },
    runName: phaseName === 'load-registered' ? 'test-registered-model' : 'deployment-test',
  });
  const total = result.results.length;
  const answers: E2EQuestionResult[] = result.results.map((q) => ({
    question: q.question,
    answer: q.answer,
    latencyMs: q.latencyMs,
    tokens: countTokens(ctx, q.answer),
    success: q.passed,
    ...(q.error ? { error: q.error } : {}),
  }));
  ctx.summary.deploymentTest = {
    ...(result.runId ? { runId: result.runId } : {}),
    passed: result.passed,
    total,
    successRate: total > 0 ? result.passed / total : 0,
    answers,
  };
  ctx.summary.metrics['deployment/success_rate'] = ctx.summary.deploymentTest.successRate;
  await logMetrics({ 'deployment/success_rate': ctx.summary.deploymentTest.successRate });
  if (result.passed === 0) throw new Error(`The deployed model answered none of the ${total} test questions`);
}

function uiHint(layout: E2ELayout): string {
  if (layout.trackingKind === 'rest') return `Open ${layout.trackingUri} in a browser.`;
  const root = layout.artifactRoot;
  return `mlflow server --backend-store-uri ${layout.trackingUri} --default-artifact-root ${root} --port 5000  # then open http://127.0.0.1:5000`;
}

/**
 * Runs the lifecycle pipeline and returns its {@link E2ESummary}. Never throws for a failing phase: the
 * summary says what ran, what failed and why (`ok` is false when a required phase failed). An invalid
 * configuration throws an MlflowError naming the field before any work.
 */
export async function runE2E(input: E2EConfig | E2EConfigInput = {}, options: RunE2EOptions = {}): Promise<E2ESummary> {
  const started = performance.now();
  const config = parseE2EConfig(input, { knownScorers: E2E_SCORER_NAMES });
  const mode = options.mode ?? 'all';
  const layout = resolveE2ELayout(config, options.cwd ? { cwd: options.cwd } : {});
  const summary: E2ESummary = {
    ok: true,
    mode,
    phases: [],
    trackingUri: layout.trackingUri,
    registryUri: layout.registryUri,
    dataDir: layout.dataDir,
    artifactRoot: layout.artifactRoot,
    experimentName: config.experimentName,
    metrics: {},
    ui: uiHint(layout),
    durationMs: 0,
  };
  const ctx: Ctx = {
    config,
    layout,
    mode,
    summary,
    options,
    progress: (event) => {
      try {
        options.onProgress?.(event);
      } catch {
        // a broken progress listener must not break the pipeline
      }
    },
    template: E2E_QA_TEMPLATE,
    generation: generationOf(config),
  };

  // Setup: data dir, tracking environment, experiment. Each is required: nothing else can run without it.
  const data = await phase(ctx, 'data', true, async () => {
    await mkdir(layout.localDir, { recursive: true });
    if (layout.trackingKind === 'sqlite') {
      await prepareDataDir(layout.dataDir, {
        ...(config.s3EndpointUrl ? { s3EndpointUrl: config.s3EndpointUrl } : {}),
        ...(layout.dbPath ? { dbPath: layout.dbPath } : {}),
      });
    }
  });
  if (data === SKIPPED) return finish(ctx, started);
  const tracking = await phase(ctx, 'tracking', true, async () => {
    // The pipeline configures the process as the seed did: these settings reach every client it opens.
    process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = layout.artifactRoot;
    if (config.s3EndpointUrl) process.env.MLFLOW_S3_ENDPOINT_URL = config.s3EndpointUrl;
    if (config.registryUri) process.env.MLFLOW_REGISTRY_URI = layout.registryUri;
    setTrackingUri(layout.trackingUri);
    configureTracing({ enabled: config.tracing });
  });
  if (tracking === SKIPPED) return finish(ctx, started);
  const experiment = await phase(ctx, 'experiment', true, async () => {
    const exp = await setExperiment(config.experimentName);
    summary.experimentId = exp.experimentId;
  });
  if (experiment === SKIPPED) return finish(ctx, started);

  const parent = await startRun({
    runName: `e2e-${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    tags: { [E2E_TAGS.mode]: mode },
  });
  summary.runId = parent.info.runId;
  try {
    await logParams({
      mode,
      model: config.model,
      experiment_name: config.experimentName,
      data_dir: layout.dataDir,
      registered_model_name: config.registeredModelName,
      alias: config.alias,
      test_questions: config.testQuestions.length,
      scorers: config.scorers.join(',') || '(none)',
    });
    const building = mode !== 'test';
    const experimenting = mode === 'all' || mode === 'experiment';
    const deploying = mode === 'all' || mode === 'deploy';
    if (building) {
      await phase(ctx, 'model', true, () =>
        withSpan({ name: 'e2e.model', spanType: SpanType.CHAIN }, () => modelPhase(ctx)),
      );
      if (config.prompts) {
        await phase(ctx, 'prompts', false, () =>
          withSpan({ name: 'e2e.prompts', spanType: SpanType.CHAIN }, () => promptsPhase(ctx)),
        );
      } else {
        await skip(ctx, 'prompts', false, 'disabled (prompts: false): the inline template is used');
      }
      if (!summary.prompt)
        summary.prompt = {
          name: E2E_PROMPT_NAME,
          version: 0,
          uri: '(inline)',
          origin: 'inline',
          template: E2E_QA_TEMPLATE,
        };
      await phase(ctx, 'chain', true, () => chainPhase(ctx));
    }
    if (experimenting) {
      await phase(ctx, 'test', true, () => testPhase(ctx));
      if (config.evaluation) await phase(ctx, 'evaluation', false, () => evaluationPhase(ctx));
      else await skip(ctx, 'evaluation', false, 'disabled (evaluation: false)');
    }
    if (deploying) {
      if (config.registration) {
        await phase(ctx, 'log-model', true, () =>
          withSpan({ name: 'e2e.log_model', spanType: SpanType.CHAIN }, () => logModelPhase(ctx)),
        );
        await phase(ctx, 'deployment', true, () => deploymentPhase(ctx));
        await phase(ctx, 'deployment-test', true, () => deploymentTestPhase(ctx, 'deployment-test'));
      } else {
        for (const name of ['log-model', 'deployment', 'deployment-test']) {
          await skip(ctx, name, false, 'disabled (registration: false)');
        }
      }
    }
    if (mode === 'test') {
      await phase(ctx, 'load-registered', true, () => deploymentTestPhase(ctx, 'load-registered'));
    }
    if (summary.registeredModel || (mode === 'test' && summary.deploymentTest)) {
      const serving = getServingCommand(summary.registeredModel?.modelUri ?? layout.servingModelUri, {
        port: config.servePort,
        exampleRequest: { dataframe_records: [{ question: config.testQuestions[0]!.question }] },
      });
      summary.servingCommand = serving.command;
    }
  } finally {
    await flushTraces().catch(() => undefined);
    await endRun(summary.ok ? RunStatus.FINISHED : RunStatus.FAILED).catch(() => undefined);
  }
  return finish(ctx, started);
}

function finish(ctx: Ctx, started: number): E2ESummary {
  ctx.summary.durationMs = Math.round(performance.now() - started);
  return ctx.summary;
}
