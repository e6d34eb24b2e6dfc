/**
 * Every example in examples/ runs as a smoke test (issue 9), each in a fresh folder, as a user would run it:
 * `npx tsx examples/<name>.ts`. s3.ts runs against moto_server.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_TEST_CREDENTIALS, type MotoServer, startMotoServer } from '../helpers/moto-server.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const exec = promisify(execFile);
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

async function runExample(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const tmp = makeTempDir(`example-${name}-`);
  try {
    return await exec(process.execPath, ['--import', TSX, join(REPO_ROOT, 'examples', `${name}.ts`), ...args], {
      cwd: tmp.dir,
      env: { ...process.env, MLFLOW_TRACKING_URI: '', MLFLOW_REGISTRY_URI: '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    tmp.cleanup();
  }
}

describe('examples', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMotoServer();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('covers every example file', () => {
    const names = readdirSync(join(REPO_ROOT, 'examples'))
      .filter((f) => f.endsWith('.ts'))
      .sort();
    expect(names).toEqual([
      'custom-scorer.ts',
      'e2e.ts',
      'langchain-tracing.ts',
      'prompts.ts',
      'quickstart.ts',
      's3.ts',
      'serve.ts',
      'tracing.ts',
    ]);
  });

  it('quickstart.ts', async () => {
    const { stdout } = await runExample('quickstart');
    expect(stdout).toMatch(/quickstart/i);
  }, 60_000);

  it('tracing.ts', async () => {
    const { stdout } = await runExample('tracing');
    expect(stdout).toContain('4 spans');
    expect(stdout).toContain('retrieve (RETRIEVER)');
  }, 60_000);

  it('langchain-tracing.ts', async () => {
    const { stdout } = await runExample('langchain-tracing');
    expect(stdout).toMatch(/^answer: ".{12}"$/m);
    expect(stdout).toContain(
      [
        '  RunnableSequence (CHAIN)',
        '    retrieve (CHAIN)',
        '      lookup (TOOL)',
        '        searchGlossary (RETRIEVER)',
        '    PromptTemplate (CHAIN)',
        '    TransformersLLM (LLM)',
        '    StrOutputParser (CHAIN)',
      ].join('\n'),
    );
  }, 90_000);

  it('prompts.ts', async () => {
    const { stdout } = await runExample('prompts');
    expect(stdout).toContain('production is version 2: You are concise. Answer in one sentence: What is MLflow?');
    expect(stdout).toContain('LangChain: You are concise.');
  }, 60_000);

  it('serve.ts', async () => {
    const { stdout } = await runExample('serve');
    expect(stdout).toContain("200 { predictions: [ 'echo: What is MLflow?' ] }");
  }, 60_000);

  it('custom-scorer.ts', async () => {
    const { stdout } = await runExample('custom-scorer');
    expect(stdout).toMatch(/mean/);
  }, 90_000);

  it('e2e.ts', async () => {
    const { stdout } = await runExample('e2e');
    expect(stdout).toMatch(/^ok\s+deployment-test/m);
    expect(stdout).toContain('models:/e2e-example-model@champion');
  }, 180_000);

  it('s3.ts', async () => {
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'examples' }));
    const { stdout } = await runExample('s3', ['s3://examples/team'], {
      ...MOTO_TEST_CREDENTIALS,
      MLFLOW_S3_ENDPOINT_URL: moto.endpoint,
    });
    expect(stdout).toMatch(/artifact URI: s3:\/\/examples\/team\/mlruns\/\d+\/[0-9a-f]{32}\/artifacts/);
    expect(stdout).toContain('notes/');
    expect(stdout).toContain('results.json');
  }, 60_000);
});
