/**
 * `mlflow-genai --mode server-config`: how to run `mlflow server` (MLflow's own tracking server and UI) on
 * the data a configuration points at, with every path filled in.
 */

import { type E2EConfig, resolveE2ELayout } from '../config/e2e.js';

/** MLflow server's default host and port (`mlflow server --host 127.0.0.1 --port 5000`). */
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 5000;

/** Placeholder backend URI of the PostgreSQL variant. */
export const POSTGRES_URI_PLACEHOLDER = 'postgresql://USER:PASSWORD@HOST:5432/mlflow';

/** A way to run `mlflow server`, as argv and with the environment it needs. */
export interface MlflowServerCommand {
  /** What this variant is for. */
  title: string;
  /** Python packages the server needs beyond `mlflow`. */
  pipInstall: string[];
  /** Environment the server needs (values in `<angle brackets>` are placeholders). */
  env: Record<string, string>;
  /** The command, e.g. `['mlflow', 'server', '--backend-store-uri', ...]`. */
  argv: string[];
}

/** How to run MLflow's server on the data of a configuration (see {@link planMlflowServer}). */
export interface MlflowServerPlan {
  /** The tracking store the pipeline writes: `sqlite:///<abs path>`, or the MLflow server it talks to. */
  trackingUri: string;
  /** `sqlite` when the pipeline writes a database file, `rest` when it talks to a server already. */
  trackingKind: 'sqlite' | 'rest';
  /** The registry store, when it differs from the tracking store. */
  registryUri?: string;
  /** Where artifacts are: the local folder or `s3://bucket/prefix/mlruns`. */
  artifactRoot: string;
  /** `local` or `s3`. */
  artifactKind: 'local' | 's3';
  /** S3-compatible endpoint (MinIO, moto), when configured. */
  s3EndpointUrl?: string;
  /** The URL the server will answer on, and the tracking URI clients then use. */
  serverUrl: string;
  /** SQLite backend on the pipeline's own database (absent when the pipeline talks to a server). */
  sqlite?: MlflowServerCommand;
  /** The artifact flags to use instead of the proxy, when clients should write to the artifact store themselves. */
  noProxyArtifactFlags: string[];
  /** PostgreSQL backend (a template: the SQLite data is not copied). */
  postgresql: MlflowServerCommand;
  /** Runs the pipeline through the server. */
  pipelineThroughServer: string[];
}

/** Options of {@link planMlflowServer}. */
export interface PlanMlflowServerOptions {
  /** Folder relative paths are resolved against. */
  cwd?: string;
  /** Interface the server binds to; 127.0.0.1 by default. */
  host?: string;
  /** Port of the server; 5000 by default. */
  port?: number;
}

/**
 * Plans `mlflow server` on the data of `config`: the SQLite database and the artifact folder or S3
 * prefix it resolves to, served with MLflow's artifact proxy, plus the PostgreSQL variant.
 */
export function planMlflowServer(config: E2EConfig, options: PlanMlflowServerOptions = {}): MlflowServerPlan {
  const layout = resolveE2ELayout(config, options.cwd === undefined ? {} : { cwd: options.cwd });
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const serverUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const s3 = layout.kind === 's3';
  const pipInstall = s3 ? ['boto3'] : [];
  const env: Record<string, string> = {};
  if (s3) {
    if (config.s3EndpointUrl !== undefined) env.MLFLOW_S3_ENDPOINT_URL = config.s3EndpointUrl;
    env.AWS_ACCESS_KEY_ID = '<access key id>';
    env.AWS_SECRET_ACCESS_KEY = '<secret access key>';
  }
  const artifactFlags = ['--serve-artifacts', '--artifacts-destination', layout.artifactRoot];
  const listen = ['--host', host, '--port', String(port)];
  const registryDiffers = layout.registryUri !== layout.trackingUri;
  const plan: MlflowServerPlan = {
    trackingUri: layout.trackingUri,
    trackingKind: layout.trackingKind,
    ...(registryDiffers ? { registryUri: layout.registryUri } : {}),
    artifactRoot: layout.artifactRoot,
    artifactKind: layout.kind,
    ...(config.s3EndpointUrl === undefined ? {} : { s3EndpointUrl: config.s3EndpointUrl }),
    serverUrl,
    noProxyArtifactFlags: ['--no-serve-artifacts', '--default-artifact-root', layout.artifactRoot],
    postgresql: {
      title: 'PostgreSQL backend',
      pipInstall: ['psycopg2-binary', ...pipInstall],
      env,
      argv: ['mlflow', 'server', '--backend-store-uri', POSTGRES_URI_PLACEHOLDER, ...artifactFlags, ...listen],
    },
    pipelineThroughServer: ['mlflow-genai', '--tracking-uri', serverUrl],
  };
  if (layout.trackingKind === 'sqlite') {
    const registryFlags =
      registryDiffers && layout.registryUri.startsWith('sqlite:') ? ['--registry-store-uri', layout.registryUri] : [];
    plan.sqlite = {
      title: 'SQLite backend',
      pipInstall,
      env,
      argv: [
        'mlflow',
        'server',
        '--backend-store-uri',
        layout.trackingUri,
        ...registryFlags,
        ...artifactFlags,
        ...listen,
      ],
    };
  }
  return plan;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_/.:@%+=,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Renders argv as a shell command, breaking lines before each flag. */
function renderCommand(argv: readonly string[], indent: string): string {
  const lines: string[] = [];
  let current = '';
  for (const word of argv) {
    const quoted = shellQuote(word);
    if (word.startsWith('--') && current !== '' && !/^(mlflow|mlflow-genai)( server)?$/.test(current)) {
      lines.push(current);
      current = quoted;
    } else {
      current = current === '' ? quoted : `${current} ${quoted}`;
    }
  }
  if (current !== '') lines.push(current);
  // Keep `--host H --port P` on one line.
  const merged: string[] = [];
  for (const line of lines) {
    const last = merged[merged.length - 1];
    if (line.startsWith('--port ') && last?.startsWith('--host ')) merged[merged.length - 1] = `${last} ${line}`;
    else merged.push(line);
  }
  return merged.map((line, i) => `${indent}${i === 0 ? '' : '  '}${line}`).join(' \\\n');
}

function renderSetup(command: MlflowServerCommand, indent: string): string[] {
  const out: string[] = [];
  if (command.pipInstall.length > 0) out.push(`${indent}pip install ${command.pipInstall.join(' ')}`);
  for (const [name, value] of Object.entries(command.env)) {
    out.push(`${indent}export ${name}=${value.startsWith('<') ? value : shellQuote(value)}`);
  }
  return out;
}

/** The plan as the text `mlflow-genai --mode server-config` prints. */
export function formatMlflowServerPlan(plan: MlflowServerPlan): string {
  const lines: string[] = [];
  const artifacts =
    plan.artifactKind === 's3'
      ? `${plan.artifactRoot} (S3${plan.s3EndpointUrl ? `, endpoint ${plan.s3EndpointUrl}` : ''})`
      : `${plan.artifactRoot} (local folder)`;
  lines.push('MLflow server on the data of mlflow-genai');
  lines.push(`  Tracking store  ${plan.trackingUri}${plan.trackingKind === 'rest' ? ' (an MLflow server)' : ''}`);
  if (plan.registryUri) lines.push(`  Registry store  ${plan.registryUri}`);
  lines.push(
    plan.trackingKind === 'rest'
      ? `  Artifacts       decided by that server (below: ${artifacts})`
      : `  Artifacts       ${artifacts}`,
  );
  lines.push('');

  let section = 1;
  if (plan.sqlite) {
    lines.push(`${section++}. SQLite backend: the database the pipeline writes, artifacts through the server's proxy`);
    lines.push('');
    lines.push(...renderSetup(plan.sqlite, '  '));
    lines.push(renderCommand(plan.sqlite.argv, '  '));
    lines.push('');
    lines.push(`  Then open ${plan.serverUrl}: experiments, runs, traces with their assessments, prompts and`);
    lines.push('  registered models appear as the pipeline recorded them. Runs recorded so far keep their artifact');
    lines.push(`  location under ${plan.artifactRoot}, which the server reads directly; clients that log through the`);
    lines.push(`  server (MLFLOW_TRACKING_URI=${plan.serverUrl}) upload through the proxy into the same place.`);
    lines.push('  For clients that write artifacts to the store themselves, use instead of the two artifact flags:');
    lines.push(`    ${plan.noProxyArtifactFlags.map(shellQuote).join(' ')}`);
    lines.push('  `mlflow ui` accepts the same flags.');
    lines.push('');
  } else {
    lines.push(`The pipeline already talks to the MLflow server at ${plan.trackingUri}: open it in a browser.`);
    lines.push('That server decides where data and artifacts live. To run one yourself:');
    lines.push('');
  }

  lines.push(`${section}. PostgreSQL backend: several writers, production`);
  lines.push('');
  lines.push(...renderSetup(plan.postgresql, '  '));
  lines.push(renderCommand(plan.postgresql.argv, '  '));
  lines.push('');
  lines.push('  The SDK writes SQLite itself but reaches PostgreSQL only through the server, so run the pipeline with');
  lines.push(`    ${plan.pipelineThroughServer.map(shellQuote).join(' ')}`);
  if (plan.sqlite) lines.push('  (data already in the SQLite database is not copied into PostgreSQL).');
  return `${lines.join('\n')}\n`;
}
