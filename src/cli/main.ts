/**
 * `mlflow-genai`: the command line of the lifecycle pipeline. {@link runCli} takes its collaborators
 * (`runE2E`, `serve`, the output streams) as arguments, so the entry point wires the real ones and tests
 * pass stubs.
 */

import { type E2EConfig, resolveE2EConfig } from '../config/e2e.js';
import { ErrorCode, InvalidParameterError, isMlflowError } from '../tracking/errors.js';
import { MLFLOW_REFERENCE_VERSION, VERSION } from '../version.js';
import { type CliCommand, mainHelp, parseCliArgs, serveHelp } from './args.js';
import { progressReporter } from './progress.js';
import { formatServingPlan, planServing } from './serve.js';
import { formatMlflowServerPlan, planMlflowServer } from './server-config.js';
import { formatSummary } from './summary.js';
import type { CliDeps, CliServerHandle, CliStream, PipelineMode } from './types.js';

/** Exit code of a run whose required phase failed, or of an unexpected error. */
export const EXIT_FAILED = 1;
/** Exit code of an invalid command line or configuration. */
export const EXIT_USAGE = 2;
/** Exit code after Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

interface Io {
  stdout: CliStream;
  stderr: CliStream;
  json: boolean;
}

/**
 * Runs the CLI on `argv` (the arguments after the script name) and resolves to the exit code: 0 on
 * success, 1 when a required phase failed (`summary.ok` false) or on an unexpected error, 2 for an
 * invalid command line or configuration (reported before any work), 130 when interrupted.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const io: Io = { stdout: deps.stdout ?? process.stdout, stderr: deps.stderr ?? process.stderr, json: false };
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (err) {
    return reportError(err, io, deps);
  }
  io.json = command.args.json === true;
  if (command.help) {
    io.stdout.write(command.help === 'serve' ? serveHelp() : mainHelp());
    return 0;
  }
  if (command.version) {
    io.stdout.write(`mlflow-genai ${VERSION} (MLflow ${MLFLOW_REFERENCE_VERSION} formats)\n`);
    return 0;
  }

  let config: E2EConfig;
  try {
    // Scorer names matter only to the pipeline modes; their list is loaded only for those.
    const pipeline = command.mode !== 'serve' && command.mode !== 'server-config';
    const knownScorers =
      !pipeline || deps.knownScorers === undefined
        ? undefined
        : typeof deps.knownScorers === 'function'
          ? await deps.knownScorers()
          : deps.knownScorers;
    config = await resolveE2EConfig({
      args: command.args,
      env: deps.env ?? process.env,
      argLabels: command.argLabels,
      ...(command.configFile === undefined ? {} : { configFile: command.configFile }),
      ...(deps.cwd === undefined ? {} : { cwd: deps.cwd }),
      ...(knownScorers === undefined ? {} : { knownScorers }),
    });
  } catch (err) {
    return reportError(err, io, deps);
  }
  io.json = config.json;

  try {
    if (command.mode === 'server-config') return serverConfigMode(command, config, io, deps);
    if (command.mode === 'serve') return await serveMode(command, config, io, deps);
    return await pipelineMode(command.mode, config, io, deps);
  } catch (err) {
    return reportError(err, io, deps);
  }
}

function serverConfigMode(command: CliCommand, config: E2EConfig, io: Io, deps: CliDeps): number {
  const port = command.port === undefined ? undefined : parsePort(command.port, 1);
  const plan = planMlflowServer(config, {
    ...(deps.cwd === undefined ? {} : { cwd: deps.cwd }),
    ...(command.host === undefined ? {} : { host: command.host }),
    ...(port === undefined ? {} : { port }),
  });
  io.stdout.write(io.json ? `${JSON.stringify(plan, null, 2)}\n` : formatMlflowServerPlan(plan));
  return 0;
}

async function serveMode(command: CliCommand, config: E2EConfig, io: Io, deps: CliDeps): Promise<number> {
  const plan = planServing(config, {
    ...(command.modelUri === undefined ? {} : { modelUri: command.modelUri }),
    ...(command.host === undefined ? {} : { host: command.host }),
    ...(deps.cwd === undefined ? {} : { cwd: deps.cwd }),
  });
  if (command.print) {
    io.stdout.write(io.json ? `${JSON.stringify(plan, null, 2)}\n` : formatServingPlan(plan));
    return 0;
  }
  if (!config.quiet) io.stderr.write(`Starting the scoring server for ${plan.modelUri} on ${plan.url} ...\n`);
  const started = await deps.serve({
    modelUri: plan.modelUri,
    port: plan.port,
    host: plan.host,
    trackingUri: plan.trackingUri,
    registryUri: plan.registryUri,
    ...(plan.s3EndpointUrl === undefined ? {} : { s3EndpointUrl: plan.s3EndpointUrl }),
  });
  const handle = (typeof started === 'object' && started !== null ? started : {}) as CliServerHandle;
  const url = typeof handle.url === 'string' ? handle.url : plan.url;
  io.stdout.write(
    io.json
      ? `${JSON.stringify({ modelUri: plan.modelUri, url })}\n`
      : `Serving ${plan.modelUri} at ${url} (Ctrl-C to stop)\n`,
  );
  await (deps.waitForShutdown ?? (() => waitForShutdown(deps.signal)))();
  if (!config.quiet) io.stderr.write('Stopping the scoring server ...\n');
  await handle.close?.();
  return 0;
}

async function pipelineMode(mode: PipelineMode, config: E2EConfig, io: Io, deps: CliDeps): Promise<number> {
  const reporter = progressReporter(io.stderr, { quiet: config.quiet });
  const onAbort = () => io.stderr.write('\nInterrupted: stopping after the current step (Ctrl-C again to quit now).\n');
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  let summary: Awaited<ReturnType<CliDeps['runE2E']>>;
  try {
    summary = await deps.runE2E(config, {
      mode,
      ...(reporter === undefined
        ? {}
        : {
            onProgress: (event) => {
              // Drawing progress must never break the pipeline.
              try {
                reporter.onProgress(event);
              } catch {
                // ignored
              }
            },
          }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
  } finally {
    reporter?.stop();
    deps.signal?.removeEventListener('abort', onAbort);
  }
  io.stdout.write(io.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, { mode }));
  return summary.ok ? 0 : EXIT_FAILED;
}

function parsePort(text: string, min: number): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < min || port > 65_535) {
    throw new InvalidParameterError(`--port: expected a port number (${min}-65535), got '${text}'`);
  }
  return port;
}

/** Resolves when `signal` aborts or, without one, on the first SIGINT or SIGTERM. */
function waitForShutdown(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** Prints an error and picks the exit code: 2 for bad input, 130 when interrupted, 1 otherwise. */
function reportError(err: unknown, io: Io, deps: CliDeps): number {
  const usage = isMlflowError(err) && err.errorCode === ErrorCode.INVALID_PARAMETER_VALUE;
  const interrupted = deps.signal?.aborted === true;
  const code = usage ? EXIT_USAGE : interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`mlflow-genai: ${interrupted && !usage ? `interrupted: ${message}` : message}\n`);
  if (usage) io.stderr.write('Run mlflow-genai --help for usage.\n');
  else if (!isMlflowError(err) && !interrupted && err instanceof Error && err.stack) {
    io.stderr.write(`${err.stack.split('\n').slice(1).join('\n')}\n`);
  }
  if (io.json) {
    const errorCode = isMlflowError(err) ? err.errorCode : interrupted ? ErrorCode.CANCELLED : ErrorCode.INTERNAL_ERROR;
    io.stdout.write(`${JSON.stringify({ ok: false, error: { errorCode, message } }, null, 2)}\n`);
  }
  return code;
}
