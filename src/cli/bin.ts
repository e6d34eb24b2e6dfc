#!/usr/bin/env node
// The `mlflow-genai` executable (dist/cli.js): wires the real pipeline and scoring server into `runCli`,
// Ctrl-C and SIGTERM into an AbortSignal, and the exit code into the process. The pipeline and the server
// are imported only when a mode needs them, so `--help`, `--version` and `server-config` start fast.

import { runCli } from './main.js';
import type { CliRunE2E, CliServe } from './types.js';

const runE2E: CliRunE2E = async (config, options) => {
  const { runE2E: run } = await import('../e2e/index.js');
  return run(config, options);
};

const serve: CliServe = async (options) => {
  const [{ serve: start }, { MlflowClient }] = await Promise.all([
    import('../serving/index.js'),
    import('../tracking/client.js'),
  ]);
  // models:/ and runs:/ URIs resolve against the configured stores (and S3 endpoint), not the process defaults.
  const client = new MlflowClient({
    ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
    ...(options.registryUri === undefined ? {} : { registryUri: options.registryUri }),
    ...(options.s3EndpointUrl === undefined ? {} : { artifactStorage: { s3: { endpointUrl: options.s3EndpointUrl } } }),
  });
  return start({
    modelUri: options.modelUri,
    port: options.port,
    client,
    ...(options.host === undefined ? {} : { host: options.host }),
  });
};

// Output piped into a reader that went away (`| head`) must not crash the pipeline halfway: progress and
// the summary are best-effort once nobody reads them.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  // The first signal lets the pipeline stop after its current step, or the server drain; a second quits at once.
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runCli(process.argv.slice(2), {
  runE2E,
  serve,
  signal: controller.signal,
  knownScorers: async () => (await import('../e2e/evaluation.js')).E2E_SCORER_NAMES,
}).then(
  (code) => {
    process.exitCode = code;
    // Everything has been flushed by now; do not let a stray handle keep the process alive for long.
    setTimeout(() => process.exit(code), 10_000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`mlflow-genai: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
