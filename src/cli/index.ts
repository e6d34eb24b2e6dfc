export type { CliCommand } from './args.js';
export { mainHelp, parseCliArgs, serveHelp } from './args.js';
export { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, runCli } from './main.js';
export type { ProgressReporter } from './progress.js';
export { formatProgressLine, plainProgress, progressBar, progressReporter, ttyProgress } from './progress.js';
export type { ServingPlan } from './serve.js';
export { DEFAULT_SERVE_HOST, formatServingPlan, planServing } from './serve.js';
export type { MlflowServerCommand, MlflowServerPlan, PlanMlflowServerOptions } from './server-config.js';
export { formatMlflowServerPlan, POSTGRES_URI_PLACEHOLDER, planMlflowServer, shellQuote } from './server-config.js';
export { formatSummary, humanizeKey } from './summary.js';
export type {
  CliDeps,
  CliMode,
  CliPhaseResult,
  CliProgressEvent,
  CliRunE2E,
  CliRunE2EOptions,
  CliServe,
  CliServeOptions,
  CliServerHandle,
  CliStream,
  CliSummary,
  PipelineMode,
} from './types.js';
export { CLI_MODES } from './types.js';
