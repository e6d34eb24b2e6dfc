/**
 * Issue 9 acceptance: the lifecycle pipeline through the built CLI (dist/cli.js), read back by Python MLflow.
 * - `mlflow-genai` with no mode argument beyond `--json` in a fresh folder (the README's main job): Python reads
 *   the experiment, the nested runs, the traces with assessments, the prompt and the registered model + alias.
 * - `--mode deploy` then `--mode test` in second processes; `--mode serve` answers /invocations.
 * - `--data-dir s3://bucket/prefix` against moto_server.
 * - a failure injected into each phase gives the described degradation, tags and summary.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2ESummary, MlflowClient, resetFluentState, runE2E } from '../../src/index.js';
import { freePort } from '../helpers/mlflow-server.js';
import { MOTO_TEST_CREDENTIALS, type MotoServer, startMotoServer } from '../helpers/moto-server.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const exec = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist/cli.js');

interface PyE2E {
  experiment_id: string;
  runs: Array<{
    run_id: string;
    name: string;
    status: string;
    parent: string | null;
    metrics: Record<string, number>;
    tags: Record<string, string>;
  }>;
  traces: Array<{
    trace_id: string;
    state: string;
    run_id: string | null;
    root: string | null;
    span_count: number;
    assessments: Array<{ name: string; source_type: string; kind: string }>;
  }>;
  prompt?: { version: number; template: string };
  model_version?: { version: string; source: string; run_id: string; aliases: string[] };
  logged_model_flavors?: string[];
}

async function cli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, MLFLOW_TRACKING_URI: '', MLFLOW_REGISTRY_URI: '', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function summaryOf(stdout: string): E2ESummary {
  return JSON.parse(stdout) as E2ESummary;
}

describe('the e2e pipeline and its CLI', () => {
  const tmp = makeTempDir('e2e-');
  const cwd = tmp.dir;
  let all: E2ESummary;
  let py: PyE2E;

  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli.js is built by npm test before vitest').toBe(true);
    const res = await cli(['--json', '--quiet'], cwd);
    expect(res.code, res.stderr).toBe(0);
    all = summaryOf(res.stdout);
    py = await runPythonJson<PyE2E>(
      'e2e_read.py',
      {
        uri: `sqlite:///${join(cwd, 'mlflow.db')}`,
        experiment_name: all.experimentName,
        prompt_name: all.prompt?.name,
        model_name: all.registeredModel?.name,
        alias: all.registeredModel?.alias,
      },
      { cwd },
    );
  }, 240_000);

  afterAll(() => tmp.cleanup());

  it('runs every phase with the defaults: sqlite:///mlflow.db and ./mlruns in the working directory', () => {
    expect(all.ok).toBe(true);
    expect(all.trackingUri).toBe(`sqlite:///${join(cwd, 'mlflow.db')}`);
    expect(all.artifactRoot).toBe(join(cwd, 'mlruns'));
    expect(all.phases.map((p) => [p.name, p.status])).toEqual([
      ['data', 'ok'],
      ['tracking', 'ok'],
      ['experiment', 'ok'],
      ['model', 'ok'],
      ['prompts', 'ok'],
      ['chain', 'ok'],
      ['test', 'ok'],
      ['evaluation', 'ok'],
      ['log-model', 'ok'],
      ['deployment', 'ok'],
      ['deployment-test', 'ok'],
    ]);
    expect(all.metrics['test/success_rate']).toBe(1);
    expect(all.servingCommand).toContain(`serve -m models:/${all.registeredModel!.name}@champion`);
  });

  it('Python reads the experiment, the parent and nested runs with their metrics', () => {
    expect(py.experiment_id).toBe(all.experimentId);
    const parent = py.runs.find((r) => r.run_id === all.runId)!;
    expect(parent.status).toBe('FINISHED');
    expect(parent.tags['mlflow-genai.e2e.mode']).toBe('all');
    expect(parent.metrics['test/success_rate']).toBe(1);
    const questions = py.runs.filter((r) => r.parent === all.runId && r.name.startsWith('question-'));
    expect(questions).toHaveLength(all.questions!.length);
    for (const q of questions) {
      expect(q.status).toBe('FINISHED');
      expect(Object.keys(q.metrics).sort()).toEqual(['answer_chars', 'answer_tokens', 'latency_ms', 'success']);
    }
    const evaluation = py.runs.find((r) => r.run_id === all.evaluation?.runId);
    expect(evaluation?.parent).toBe(all.runId);
  });

  it('Python reads the traces: one per question, and the evaluation rows with their assessments', () => {
    const questionRuns = new Set(all.questions!.map((q) => q.runId));
    const questionTraces = py.traces.filter((t) => t.run_id && questionRuns.has(t.run_id));
    expect(questionTraces).toHaveLength(all.questions!.length);
    for (const t of questionTraces) {
      expect(t.state).toBe('OK');
      expect(t.root).toBe('e2e.question');
      expect(t.span_count).toBeGreaterThan(2); // the chain, the prompt, the LLM, the parser
    }
    const evalTraces = py.traces.filter((t) => t.run_id === all.evaluation!.runId);
    expect(evalTraces.length).toBe(all.questions!.length);
    for (const t of evalTraces) {
      expect(t.assessments.filter((a) => a.kind === 'Feedback').length).toBeGreaterThan(0);
    }
  });

  it('Python reads the prompt and the registered model with its alias', () => {
    expect(py.prompt?.template).toBe(all.prompt!.template);
    expect(py.model_version).toMatchObject({
      version: all.registeredModel!.version,
      source: all.loggedModel!.modelUri,
      aliases: ['champion'],
    });
    expect(py.logged_model_flavors).toEqual(['nodejs_function']);
  });

  it('--mode deploy then --mode test in second processes', async () => {
    const deploy = await cli(['--mode', 'deploy', '--json', '--quiet'], cwd);
    expect(deploy.code, deploy.stderr).toBe(0);
    const d = summaryOf(deploy.stdout);
    expect(d.registeredModel!.version).toBe('2');
    expect(d.phases.map((p) => p.name)).not.toContain('test');
    const test = await cli(['--mode', 'test', '--json', '--quiet'], cwd);
    expect(test.code, test.stderr).toBe(0);
    const t = summaryOf(test.stdout);
    expect(t.phases.filter((p) => p.name !== 'data' && p.name !== 'tracking' && p.name !== 'experiment')).toEqual([
      expect.objectContaining({ name: 'load-registered', status: 'ok' }),
    ]);
    expect(t.deploymentTest!.successRate).toBe(1);
  }, 180_000);

  it('--mode serve answers /invocations for the registered model', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [CLI, '--mode', 'serve', '--port', String(port)], {
      cwd,
      env: { ...process.env, MLFLOW_TRACKING_URI: '', MLFLOW_REGISTRY_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    try {
      const deadline = Date.now() + 60_000;
      let pong = false;
      while (!pong && Date.now() < deadline) {
        pong = await fetch(`http://127.0.0.1:${port}/ping`).then(
          (r) => r.ok,
          () => false,
        );
        if (!pong) await new Promise((r) => setTimeout(r, 250));
      }
      expect(pong, output).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ question: 'What is MLflow?' }] }),
      });
      expect(res.status, output).toBe(200);
      const body = (await res.json()) as { predictions: unknown[] };
      expect(body.predictions).toHaveLength(1);
      expect(typeof body.predictions[0]).toBe('string');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});

describe('the e2e pipeline with an S3 data dir', () => {
  const tmp = makeTempDir('e2e-s3-');
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMotoServer();
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'e2e-bucket' }));
    // Keeps the run short: one question, few tokens, no evaluation.
    writeFileSync(
      join(tmp.dir, 'e2e.json'),
      JSON.stringify({ testQuestions: ['What is MLflow?'], maxNewTokens: 8, evaluation: false }),
    );
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    tmp.cleanup();
  });

  it('puts the artifacts in S3 and everything still reads back', async () => {
    const env = { ...MOTO_TEST_CREDENTIALS, MLFLOW_S3_ENDPOINT_URL: moto.endpoint };
    const res = await cli(
      ['--data-dir', 's3://e2e-bucket/team', '--json', '--quiet', '--config', join(tmp.dir, 'e2e.json')],
      tmp.dir,
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    const s = summaryOf(res.stdout);
    expect(s.ok).toBe(true);
    expect(s.artifactRoot).toBe('s3://e2e-bucket/team/mlruns');
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'e2e-bucket', Prefix: 'team/mlruns/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys.some((k) => k.endsWith('/MLmodel'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/answer.json'))).toBe(true);
    const py = await runPythonJson<PyE2E>(
      'e2e_read.py',
      {
        uri: s.trackingUri,
        experiment_name: s.experimentName,
        model_name: s.registeredModel!.name,
        alias: 'champion',
      },
      { cwd: tmp.dir, env },
    );
    expect(py.logged_model_flavors).toEqual(['nodejs_function']);
    expect(py.model_version?.aliases).toEqual(['champion']);
  }, 240_000);
});

describe('failures injected into each phase', () => {
  const tmp = makeTempDir('e2e-fail-');
  afterAll(() => {
    resetFluentState();
    tmp.cleanup();
  });
  const base = {
    dataDir: tmp.dir,
    maxNewTokens: 4,
    testQuestions: ['What is MLflow?'],
    scorers: [],
    evaluation: false,
  };

  it('a failure in a setup phase stops the pipeline before any run is created', async () => {
    for (const phaseName of ['data', 'tracking', 'experiment']) {
      const s = await runE2E({ ...base, experimentName: `fail-${phaseName}` }, { failPhase: phaseName });
      expect(s.ok).toBe(false);
      expect(s.phases.at(-1)).toMatchObject({ name: phaseName, status: 'failed', required: true });
      expect(s.runId).toBeUndefined();
    }
  });

  it('a failure in evaluation leaves the run FINISHED (evaluation is optional)', async () => {
    const s = await runE2E(
      { ...base, experimentName: 'fail-evaluation', evaluation: true, scorers: ['success'], registration: false },
      { failPhase: 'evaluation', mode: 'experiment' },
    );
    expect(s.ok).toBe(true);
    expect(s.phases.find((x) => x.name === 'evaluation')).toMatchObject({ status: 'failed', required: false });
    const run = await new MlflowClient({ trackingUri: s.trackingUri }).getRun(s.runId!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.tags['mlflow-genai.e2e.phase.evaluation']).toBe('failed');
  }, 60_000);

  it('a failure loading the registered model in test mode fails the run', async () => {
    const s = await runE2E(
      { ...base, experimentName: 'fail-load', registeredModelName: 'never-registered' },
      { mode: 'test' },
    );
    expect(s.ok).toBe(false);
    expect(s.phases.at(-1)).toMatchObject({ name: 'load-registered', status: 'failed' });
    expect(s.phases.at(-1)?.error).toMatch(/never-registered/);
    expect(s.servingCommand).toBeUndefined();
  }, 60_000);

  it.each([
    // phase, ok afterwards, phases that must be skipped because of it
    ['model', false, ['chain', 'test', 'log-model', 'deployment', 'deployment-test']],
    ['prompts', true, []],
    ['chain', false, ['test']],
    ['test', false, []],
    ['log-model', false, ['deployment', 'deployment-test']],
    ['deployment', false, ['deployment-test']],
    ['deployment-test', false, []],
  ] as const)(
    'a failure in %s',
    async (phaseName, ok, skipped) => {
      const s = await runE2E({ ...base, experimentName: `fail-${phaseName}` }, { failPhase: phaseName });
      expect(s.ok).toBe(ok);
      const p = s.phases.find((x) => x.name === phaseName)!;
      expect(p).toMatchObject({ status: 'failed', error: `Injected failure in phase ${phaseName}` });
      for (const name of skipped) expect(s.phases.find((x) => x.name === name)?.status, name).toBe('skipped');
      expect(s.servingCommand === undefined).toBe(['log-model', 'deployment', 'model'].includes(phaseName));
      if (phaseName === 'prompts') expect(s.prompt?.origin).toBe('inline');
      const client = new MlflowClient({ trackingUri: s.trackingUri });
      const run = await client.getRun(s.runId!);
      expect(run.info.status).toBe(ok ? 'FINISHED' : 'FAILED');
      expect(run.data.tags[`mlflow-genai.e2e.phase.${phaseName}`]).toBe('failed');
      expect(run.data.tags[`mlflow-genai.e2e.error.${phaseName}`]).toBe(
        `Error: Injected failure in phase ${phaseName}`,
      );
      const errors = await client.listArtifacts(s.runId!, 'errors');
      expect(errors.map((f) => f.path)).toEqual([`errors/${phaseName}.txt`]);
    },
    60_000,
  );
});
