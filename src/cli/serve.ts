/**
 * The CLI's serve mode: what to serve, where, and the command that does it (`--print`).
 */

import { type E2EConfig, resolveE2ELayout } from '../config/e2e.js';
import { shellQuote } from './server-config.js';

/** Interface the scoring server binds to unless told otherwise. */
export const DEFAULT_SERVE_HOST = '127.0.0.1';

/** What serve mode serves and how to reproduce it from a shell. */
export interface ServingPlan {
  /** The model served. */
  modelUri: string;
  /** Interface listened on. */
  host: string;
  /** Port listened on. */
  port: number;
  /** Base URL of the server. */
  url: string;
  /** Tracking URI `runs:/` and `models:/` URIs are resolved against. */
  trackingUri: string;
  /** Registry URI `models:/` URIs are resolved against. */
  registryUri: string;
  /** S3-compatible endpoint for `s3://` artifacts, when configured. */
  s3EndpointUrl?: string;
  /** `mlflow-genai serve ...` as argv. */
  argv: string[];
  /** Shell lines a client can try once the server is up. */
  clientExamples: string[];
}

/** Plans serve mode for `config`: the model URI defaults to `models:/<registeredModelName>@<alias>`. */
export function planServing(
  config: E2EConfig,
  options: { modelUri?: string; host?: string; cwd?: string } = {},
): ServingPlan {
  const layout = resolveE2ELayout(config, options.cwd === undefined ? {} : { cwd: options.cwd });
  const modelUri = options.modelUri ?? layout.servingModelUri;
  const host = options.host ?? DEFAULT_SERVE_HOST;
  const port = config.servePort;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const argv = ['mlflow-genai', 'serve', '-m', modelUri, '--port', String(port)];
  if (host !== DEFAULT_SERVE_HOST) argv.push('--host', host);
  argv.push('--tracking-uri', layout.trackingUri);
  if (layout.registryUri !== layout.trackingUri) argv.push('--registry-uri', layout.registryUri);
  if (config.s3EndpointUrl !== undefined) argv.push('--s3-endpoint-url', config.s3EndpointUrl);
  const question = config.testQuestions[0]?.question ?? 'What is MLflow?';
  // The pipeline's model takes a `question` column (its signature), as MLflow's tabular input formats carry it.
  const payload = JSON.stringify({ dataframe_records: [{ question }] });
  return {
    modelUri,
    host,
    port,
    url,
    trackingUri: layout.trackingUri,
    registryUri: layout.registryUri,
    ...(config.s3EndpointUrl === undefined ? {} : { s3EndpointUrl: config.s3EndpointUrl }),
    argv,
    clientExamples: [
      `curl ${url}/ping`,
      `curl -X POST ${url}/invocations -H 'Content-Type: application/json' -d ${shellQuote(payload)}`,
    ],
  };
}

/** The text `mlflow-genai --mode serve --print` prints. */
export function formatServingPlan(plan: ServingPlan): string {
  return [
    `# Serve ${plan.modelUri} with MLflow's scoring protocol (/ping, /health, /version, /invocations):`,
    plan.argv.map(shellQuote).join(' '),
    '',
    '# Then, from another shell:',
    ...plan.clientExamples,
    '',
  ].join('\n');
}
