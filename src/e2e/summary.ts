/** The typed result of {@link runE2E}: what ran, what failed and why, and where everything landed. */

/** The pipeline's modes: `experiment` is phases 1-4, `deploy` phase 5 and the deployment workflow, `test`
 * tests the registered model, `all` does everything. */
export type E2EMode = 'all' | 'experiment' | 'deploy' | 'test';

/** A progress report: a step of a phase starting, finishing, failing or being skipped. */
export interface E2EProgressEvent {
  phase: string;
  step: string;
  status: 'start' | 'done' | 'failed' | 'skipped';
  detail?: string;
  current?: number;
  total?: number;
}

/** The outcome of one phase. */
export interface E2EPhaseResult {
  /** Phase name: `data`, `tracking`, `experiment`, `model`, `prompts`, `chain`, `test`, `evaluation`,
   * `log-model`, `deployment`, `deployment-test`, `load-registered`. */
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Whether the mode needs this phase: a required phase that failed makes `ok` false. */
  required: boolean;
  /** Why it failed, or why it was skipped. */
  error?: string;
  durationMs: number;
}

/** One test question's result (phase 4, or the deployment test). */
export interface E2EQuestionResult {
  question: string;
  answer: string;
  latencyMs: number;
  /** Tokens of the answer, by the model's tokenizer. */
  tokens: number;
  /** The answer is non-empty. */
  success: boolean;
  /** The question's nested run. */
  runId?: string;
  error?: string;
}

/** Everything {@link runE2E} did. */
export interface E2ESummary {
  /** False when a required phase failed. */
  ok: boolean;
  mode: E2EMode;
  phases: E2EPhaseResult[];
  trackingUri: string;
  registryUri: string;
  /** The data directory (a folder, or `s3://bucket/prefix`). */
  dataDir: string;
  /** Where experiments' artifacts go. */
  artifactRoot: string;
  experimentName: string;
  experimentId?: string;
  /** The pipeline's parent run. */
  runId?: string;
  /** The model that was loaded: where from, and its local directory. */
  model?: { source: string; dir: string; loadMs: number };
  /** The registered prompt (or the fallback that was used) and where it came from. */
  prompt?: { name: string; version: number; uri: string; origin: string; template: string };
  /** The chain's parameters. */
  chain?: { template: string; generation: Record<string, unknown> };
  /** Phase 4's answers. */
  questions?: E2EQuestionResult[];
  /** Metrics logged on the parent run (success rate, latencies, evaluation aggregates). */
  metrics: Record<string, number>;
  /** The evaluation run and its metrics. */
  evaluation?: { runId: string; metrics: Record<string, number>; traces: number };
  /** The logged model. */
  loggedModel?: { modelId: string; modelUri: string; runUri?: string };
  /** The registered version and its alias. */
  registeredModel?: { name: string; version: string; alias: string; modelUri: string };
  /** The registered model tested by alias. */
  deploymentTest?: { runId?: string; passed: number; total: number; successRate: number; answers: E2EQuestionResult[] };
  /** The command that serves the registered model, when it was registered. */
  servingCommand?: string;
  /** How to open MLflow's UI on this data. */
  ui: string;
  /** Wall time of the whole pipeline. */
  durationMs: number;
}
