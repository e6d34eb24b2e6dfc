/**
 * What the CLI needs from the pipeline and the scoring server, stated structurally so the CLI can be run
 * (and tested) with any implementation of `runE2E` and `serve` injected through {@link CliDeps}.
 */

import type { E2EConfig } from '../config/e2e.js';

/** The pipeline modes `runE2E` runs (the CLI's `serve` and `server-config` modes are handled by the CLI). */
export type PipelineMode = 'all' | 'experiment' | 'deploy' | 'test';

/** Every value of the CLI's `--mode`. */
export type CliMode = PipelineMode | 'serve' | 'server-config';

/** The CLI's modes, in the order `--help` lists them. */
export const CLI_MODES: readonly CliMode[] = Object.freeze([
  'all',
  'experiment',
  'deploy',
  'test',
  'serve',
  'server-config',
]);

/** A progress report from the pipeline: a step of a phase starting, finishing, failing or being skipped. */
export interface CliProgressEvent {
  /** Phase name, e.g. `model`, `prompts`, `test`. */
  phase: string;
  /** Step within the phase, e.g. `load`, `question`. */
  step: string;
  /** What happened to the step. */
  status: 'start' | 'done' | 'failed' | 'skipped';
  /** A short human detail (a model id, an error message, a metric). */
  detail?: string;
  /** For counted steps (questions): the 1-based item. */
  current?: number;
  /** For counted steps: how many items in all. */
  total?: number;
}

/** The outcome of one phase in the pipeline's summary. */
export interface CliPhaseResult {
  /** Phase name. */
  name: string;
  /** `ok`, `failed` or `skipped`. */
  status: string;
  /** False for a phase the mode can do without: its failure does not fail the run. */
  required?: boolean;
  /** Why the phase failed (or was skipped). */
  error?: string;
  /** Wall time of the phase. */
  durationMs: number;
}

/**
 * The part of the pipeline's summary the CLI relies on; every other field is printed generically
 * (and in full with `--json`).
 */
export interface CliSummary {
  /** False when a required phase failed: the CLI then exits with 1. */
  ok: boolean;
  /** Each phase that was considered, in order. */
  phases: readonly CliPhaseResult[];
  /** The experiment recorded into. */
  experimentId?: string;
  /** The parent run of the pipeline. */
  runId?: string;
}

/** Options the CLI passes to `runE2E`. */
export interface CliRunE2EOptions {
  /** Which part of the lifecycle to run. */
  mode: PipelineMode;
  /** Receives progress events (not given with `--quiet`). */
  onProgress?: (event: CliProgressEvent) => void;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** The pipeline as the CLI calls it: `runE2E(config, {mode, onProgress, signal})`. */
export type CliRunE2E = (config: E2EConfig, options: CliRunE2EOptions) => Promise<CliSummary>;

/** Options the CLI passes to `serve`. */
export interface CliServeOptions {
  /** The model to serve: `models:/<name>@<alias>`, `models:/<name>/<version>`, `runs:/...` or a folder. */
  modelUri: string;
  /** Port to listen on (0: any free port). */
  port: number;
  /** Interface to listen on. */
  host?: string;
  /** Tracking URI the model URI is resolved against. */
  trackingUri?: string;
  /** Registry URI `models:/` URIs are resolved against. */
  registryUri?: string;
  /** S3-compatible endpoint for `s3://` artifacts. */
  s3EndpointUrl?: string;
}

/** What a running scoring server may offer the CLI: where it listens, and how to stop it. */
export interface CliServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:5001`. */
  url?: string;
  /** Stops accepting requests and drains the ones in flight. */
  close?: () => unknown;
}

/** The scoring server as the CLI calls it. */
export type CliServe = (options: CliServeOptions) => Promise<CliServerHandle | undefined | unknown>;

/** A place the CLI writes to: `process.stdout`/`stderr`, or a test's buffer. */
export interface CliStream {
  /** Writes text as-is. */
  write(text: string): unknown;
  /** True on a terminal: progress is then drawn live. */
  isTTY?: boolean;
  /** Terminal width, for the progress line. */
  columns?: number;
}

/** Everything {@link runCli} uses from the outside world, so it can run in tests with stubs. */
export interface CliDeps {
  /** The pipeline. */
  runE2E: CliRunE2E;
  /** The scoring server. */
  serve: CliServe;
  /** Summary and command output; `process.stdout` by default. */
  stdout?: CliStream;
  /** Progress and errors; `process.stderr` by default. */
  stderr?: CliStream;
  /** Environment the configuration is read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Folder relative paths are resolved against; the working directory by default. */
  cwd?: string;
  /** Aborts a running pipeline (the entry point wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** Resolves when a running server should stop; SIGINT or SIGTERM by default. */
  waitForShutdown?: () => Promise<unknown>;
  /**
   * Built-in scorer names accepted in `scorers` (or a loader of them), checked before the pipeline modes
   * run; unchecked when absent.
   */
  knownScorers?: readonly string[] | (() => Promise<readonly string[]>);
}
