import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planMlflowServer, runCli, shellQuote } from '../../src/cli/index.js';
import { parseE2EConfig } from '../../src/config/e2e.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-server-config-');
afterAll(() => tmp.cleanup());

async function serverConfig(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCli(['--mode', 'server-config', ...argv], {
    env,
    cwd: tmp.dir,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    runE2E: async () => {
      throw new Error('server-config must not run the pipeline');
    },
    serve: async () => {
      throw new Error('server-config must not serve');
    },
  });
  return { code, out };
}

const PROXY_NOTE = (root: string) => [
  '  Then open http://127.0.0.1:5000: experiments, runs, traces with their assessments, prompts and',
  '  registered models appear as the pipeline recorded them. Runs recorded so far keep their artifact',
  `  location under ${root}, which the server reads directly; clients that log through the`,
  '  server (MLFLOW_TRACKING_URI=http://127.0.0.1:5000) upload through the proxy into the same place.',
  '  For clients that write artifacts to the store themselves, use instead of the two artifact flags:',
  `    --no-serve-artifacts --default-artifact-root ${root}`,
  '  `mlflow ui` accepts the same flags.',
];

const POSTGRES_TAIL = [
  '  The SDK writes SQLite itself but reaches PostgreSQL only through the server, so run the pipeline with',
  '    mlflow-genai --tracking-uri http://127.0.0.1:5000',
];

describe('mlflow-genai --mode server-config', () => {
  it('local data directory: SQLite on its mlflow.db, artifacts served from its mlruns/', async () => {
    const data = join(tmp.dir, 'data');
    const { code, out } = await serverConfig(['--data-dir', 'data']);
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'MLflow server on the data of mlflow-genai',
        `  Tracking store  sqlite:///${data}/mlflow.db`,
        `  Artifacts       ${data}/mlruns (local folder)`,
        '',
        "1. SQLite backend: the database the pipeline writes, artifacts through the server's proxy",
        '',
        `  mlflow server --backend-store-uri sqlite:///${data}/mlflow.db \\`,
        '    --serve-artifacts \\',
        `    --artifacts-destination ${data}/mlruns \\`,
        '    --host 127.0.0.1 --port 5000',
        '',
        ...PROXY_NOTE(`${data}/mlruns`),
        '',
        '2. PostgreSQL backend: several writers, production',
        '',
        '  pip install psycopg2-binary',
        '  mlflow server --backend-store-uri postgresql://USER:PASSWORD@HOST:5432/mlflow \\',
        '    --serve-artifacts \\',
        `    --artifacts-destination ${data}/mlruns \\`,
        '    --host 127.0.0.1 --port 5000',
        '',
        ...POSTGRES_TAIL,
        '  (data already in the SQLite database is not copied into PostgreSQL).',
        '',
      ].join('\n'),
    );
  });

  it('S3/MinIO data directory: local database, S3 artifacts, endpoint and credential variables', async () => {
    const { out } = await serverConfig(['--data-dir', 's3://bucket/team/e2e'], {
      MLFLOW_S3_ENDPOINT_URL: 'http://localhost:9000',
      // Credentials in the environment are never printed.
      AWS_SECRET_ACCESS_KEY: 'do-not-print-me',
    });
    const s3Env = [
      '  export MLFLOW_S3_ENDPOINT_URL=http://localhost:9000',
      '  export AWS_ACCESS_KEY_ID=<access key id>',
      '  export AWS_SECRET_ACCESS_KEY=<secret access key>',
    ];
    expect(out).toBe(
      [
        'MLflow server on the data of mlflow-genai',
        `  Tracking store  sqlite:///${tmp.dir}/mlflow.db`,
        '  Artifacts       s3://bucket/team/e2e/mlruns (S3, endpoint http://localhost:9000)',
        '',
        "1. SQLite backend: the database the pipeline writes, artifacts through the server's proxy",
        '',
        '  pip install boto3',
        ...s3Env,
        `  mlflow server --backend-store-uri sqlite:///${tmp.dir}/mlflow.db \\`,
        '    --serve-artifacts \\',
        '    --artifacts-destination s3://bucket/team/e2e/mlruns \\',
        '    --host 127.0.0.1 --port 5000',
        '',
        ...PROXY_NOTE('s3://bucket/team/e2e/mlruns'),
        '',
        '2. PostgreSQL backend: several writers, production',
        '',
        '  pip install psycopg2-binary boto3',
        ...s3Env,
        '  mlflow server --backend-store-uri postgresql://USER:PASSWORD@HOST:5432/mlflow \\',
        '    --serve-artifacts \\',
        '    --artifacts-destination s3://bucket/team/e2e/mlruns \\',
        '    --host 127.0.0.1 --port 5000',
        '',
        ...POSTGRES_TAIL,
        '  (data already in the SQLite database is not copied into PostgreSQL).',
        '',
      ].join('\n'),
    );
    expect(out).not.toContain('do-not-print-me');
  });

  it('a tracking URI that is already a server: only the PostgreSQL template', async () => {
    const { out } = await serverConfig(['--tracking-uri', 'http://mlflow.internal:5000']);
    expect(out).toBe(
      [
        'MLflow server on the data of mlflow-genai',
        '  Tracking store  http://mlflow.internal:5000 (an MLflow server)',
        `  Artifacts       decided by that server (below: ${tmp.dir}/mlruns (local folder))`,
        '',
        'The pipeline already talks to the MLflow server at http://mlflow.internal:5000: open it in a browser.',
        'That server decides where data and artifacts live. To run one yourself:',
        '',
        '1. PostgreSQL backend: several writers, production',
        '',
        '  pip install psycopg2-binary',
        '  mlflow server --backend-store-uri postgresql://USER:PASSWORD@HOST:5432/mlflow \\',
        '    --serve-artifacts \\',
        `    --artifacts-destination ${tmp.dir}/mlruns \\`,
        '    --host 127.0.0.1 --port 5000',
        '',
        ...POSTGRES_TAIL,
        '',
      ].join('\n'),
    );
  });

  it('a separate registry database, a host and port, and paths that need quoting', async () => {
    const { out } = await serverConfig([
      '--data-dir',
      'my data',
      '--registry-uri',
      'sqlite:///registry.db',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
    ]);
    const data = join(tmp.dir, 'my data');
    expect(out.split('\n').slice(0, 12)).toEqual([
      'MLflow server on the data of mlflow-genai',
      `  Tracking store  sqlite:///${data}/mlflow.db`,
      `  Registry store  sqlite:///${tmp.dir}/registry.db`,
      `  Artifacts       ${data}/mlruns (local folder)`,
      '',
      "1. SQLite backend: the database the pipeline writes, artifacts through the server's proxy",
      '',
      `  mlflow server --backend-store-uri 'sqlite:///${data}/mlflow.db' \\`,
      `    --registry-store-uri sqlite:///${tmp.dir}/registry.db \\`,
      '    --serve-artifacts \\',
      `    --artifacts-destination '${data}/mlruns' \\`,
      '    --host 0.0.0.0 --port 8080',
    ]);
    expect(out).toContain('  Then open http://0.0.0.0:8080: experiments');
  });

  it('--json prints the plan with argv arrays', async () => {
    const { code, out } = await serverConfig(['--json', '--data-dir', 'd']);
    expect(code).toBe(0);
    const plan = JSON.parse(out);
    expect(plan).toEqual(planMlflowServer(parseE2EConfig({ dataDir: 'd' }), { cwd: tmp.dir }));
    expect(plan.sqlite.argv).toEqual([
      'mlflow',
      'server',
      '--backend-store-uri',
      `sqlite:///${join(tmp.dir, 'd', 'mlflow.db')}`,
      '--serve-artifacts',
      '--artifacts-destination',
      join(tmp.dir, 'd', 'mlruns'),
      '--host',
      '127.0.0.1',
      '--port',
      '5000',
    ]);
  });

  it('refuses a bad --port with exit code 2', async () => {
    expect((await serverConfig(['--port', 'http'])).code).toBe(2);
    expect((await serverConfig(['--port', '0'])).code).toBe(2);
  });

  it('shellQuote leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote('sqlite:////a/b.db')).toBe('sqlite:////a/b.db');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
