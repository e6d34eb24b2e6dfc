/**
 * Issue 8 acceptance, side by side with the real `mlflow models serve` (MLflow 3.18, `--env-manager local`,
 * `--timeout 2`): a Python echo model (test/interop/py/serving_echo_model.py) there, the equivalent SDK echo
 * model (test/serving/fixtures/echo-model.mjs) here, each with and without a column-based input schema. The
 * schema-less SDK model is logged, registered and aliased by `deployModel`, and served from
 * `models:/serving-echo@champion`. Every payload format, good and bad, gets the same status code, content type
 * and response (or error JSON shape) from both servers; a Python client (`requests` and MLflow's own
 * `ScoringServerClient`) gets the same answers from both; `testDeployedModel` checks and records the alias.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  colSpec,
  DEPLOYMENT_TEST_ARTIFACT,
  type Deployment,
  deployModel,
  logModel,
  MlflowClient,
  ModelSignature,
  paramSpec,
  type ScoringServer,
  saveModel,
  serve,
  testDeployedModel,
} from '../../src/index.js';
import { pyJsonLoads } from '../../src/internal/python-json.js';
import { freePort } from '../helpers/mlflow-server.js';
import { makeTempDir, REPO_ROOT, VENV_MLFLOW } from '../helpers/paths.js';
import { processGroup } from '../helpers/process.js';
import { runPythonJson } from '../helpers/python.js';

const ECHO = { path: join(REPO_ROOT, 'test/serving/fixtures/echo-model.mjs'), exportName: 'EchoModel' };
const PARAMS = {
  params: [paramSpec('mode', 'string', 'echo'), paramSpec('times', 'long', 1), paramSpec('seconds', 'double', 0)],
};
const COLUMNS = { inputs: [colSpec('string', 'question'), colSpec('long', 'n', false)] };

interface Reference {
  url: string;
  stop: () => Promise<void>;
  output: () => string;
}

/** `mlflow models serve -m <dir> --env-manager local -p <port> -t 2`, ready once /ping answers. */
async function mlflowModelsServe(dir: string): Promise<Reference> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    VENV_MLFLOW,
    ['models', 'serve', '-m', dir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-t', '2'],
    {
      env: { ...process.env, PATH: `${join(REPO_ROOT, '.venv/bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const group = processGroup(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (group.exited()) throw new Error(`mlflow models serve exited:\n${out.slice(-4000)}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await group.stop(0);
      throw new Error(`mlflow models serve did not start:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop: () => group.stop(10_000), output: () => out };
}

interface Answer {
  status: number;
  type: string | null;
  body: string;
}

/**
 * One request on its own connection. MLflow's server answers a crash with Starlette's 500 and then closes the
 * socket without a `Connection: close` header; a pooled client (fetch) can send the next request on that socket
 * before the close arrives and get ECONNRESET, so nothing here reuses connections.
 */
function request(
  url: string,
  method: string,
  path: string,
  body?: string | Buffer,
  type?: string | null,
): Promise<Answer> {
  const headers: Record<string, string | number> = {};
  if (type) headers['content-type'] = type;
  const payload = body === undefined ? undefined : Buffer.from(body);
  if (payload) headers['content-length'] = payload.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ct = res.headers['content-type'];
        resolve({ status: res.statusCode!, type: ct ?? null, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Python prints set literals in hash order; compare them sorted. */
function normalizeSets(message: string): string {
  return message.replace(/\{'[^{}]*'\}/g, (set) => `{${set.slice(1, -1).split(', ').sort().join(', ')}}`);
}

interface Case {
  name: string;
  body: string | Buffer;
  /** Content type; `application/json` by default. */
  type?: string;
  /** The model with the column schema instead of the schema-less one. */
  columns?: boolean;
  /**
   * Error messages: `exact` (default), or the number of leading characters that must match (where the rest is a
   * Python traceback, a Python repr of numpy values, or pyfunc's own wording of an enforcement error).
   */
  message?: 'exact' | number;
}

const J = (v: unknown) => JSON.stringify(v);
const BIG = J({ inputs: Array.from({ length: 5000 }, (_, i) => `${i}:${'x'.repeat(1000)}`) });

const GOOD: Case[] = [
  {
    name: 'dataframe_split',
    body: J({
      dataframe_split: {
        columns: ['question', 'n'],
        data: [
          ['hi', 1],
          ['yo', 2],
        ],
      },
    }),
  },
  { name: 'dataframe_split with index', body: J({ dataframe_split: { columns: ['q'], data: [['hi']], index: [5] } }) },
  { name: 'dataframe_split without columns, ragged', body: J({ dataframe_split: { data: [[1, 2], [3]] } }) },
  {
    name: 'dataframe_split with nulls and NaN',
    body: '{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.5, null, null], [NaN, 2, true]]}}',
  },
  {
    name: 'dataframe_records with a missing key',
    body: J({ dataframe_records: [{ question: 'hi', n: 1.5 }, { question: 'yo' }] }),
  },
  { name: 'dataframe_records of scalars', body: J({ dataframe_records: [1, 2] }) },
  { name: 'dataframe_records, empty', body: J({ dataframe_records: [] }) },
  { name: 'instances: list', body: J({ instances: ['a', 'b'] }) },
  {
    name: 'instances: records',
    body: J({
      instances: [
        { question: 'hi', n: 1 },
        { question: 'yo', n: 2 },
      ],
    }),
  },
  { name: 'inputs: dict of lists', body: J({ inputs: { question: ['hi', 'yo'], n: [1, 2] } }) },
  { name: 'inputs: list', body: J({ inputs: ['a', 'b'] }) },
  { name: 'inputs: string', body: J({ inputs: 'hello' }) },
  { name: 'inputs: number, boolean, null', body: J({ inputs: [3.5, true, null] }) },
  {
    name: 'inputs: matrix',
    body: J({
      inputs: [
        [1, 2],
        [3, 4],
      ],
    }),
  },
  { name: 'inputs: records', body: J({ inputs: [{ a: 1 }, { a: 2, b: 'x' }] }) },
  { name: 'inputs: numbers and strings become strings', body: J({ inputs: [1, 'a', 2.5] }) },
  { name: 'inputs: booleans among numbers become numbers', body: J({ inputs: [true, 2, false] }) },
  { name: 'inputs: a None keeps every value', body: J({ inputs: [1, 'a', null] }) },
  { name: 'inputs with params', body: J({ inputs: ['a'], params: { mode: 'params', times: 3 } }) },
  { name: 'inputs with params null', body: J({ inputs: [1], params: null }) },
  { name: 'unknown keys next to an input key are ignored', body: J({ inputs: [1], signature_name: 'x' }) },
  { name: 'LLM payload: messages', body: J({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.1 }) },
  { name: 'LLM payload: params schema keys are params', body: J({ prompt: 'hi', mode: 'params', times: 2 }) },
  { name: 'charset utf-8', body: J({ inputs: ['é'] }), type: 'application/json; charset=utf-8' },
  { name: 'non-ASCII text', body: J({ inputs: ['héllo 😀 — 漢字'] }) },
  { name: 'CSV', body: 'question,n,x,b\nhi,1,0.5,True\nyo,2,,False\n', type: 'text/csv' },
  { name: 'CSV with quoted fields and NA markers', body: 'a,b\n"x,y","he said ""hi"""\nNA,null\n', type: 'text/csv' },
  { name: 'CSV with leading index fields', body: 'a,b\n1,2,3,4\n', type: 'text/csv' },
  { name: 'oversized body (5 MB, over fastify’s 1 MiB default)', body: BIG },
  {
    name: 'columns: dataframe_split cast to the schema',
    columns: true,
    body: J({ dataframe_split: { columns: ['question', 'n'], data: [['hi', '7']] } }),
  },
  {
    name: 'columns: dataframe_records',
    columns: true,
    body: J({
      dataframe_records: [
        { question: 'hi', n: 1 },
        { question: 'yo', n: 2 },
      ],
    }),
  },
  {
    name: 'columns: instances records',
    columns: true,
    body: J({
      instances: [
        { question: 'hi', n: 1 },
        { question: 'yo', n: 2 },
      ],
    }),
  },
  { name: 'columns: inputs dict of lists', columns: true, body: J({ inputs: { question: ['hi', 'yo'], n: [1, 2] } }) },
  { name: 'columns: inputs dict of scalars', columns: true, body: J({ inputs: { question: 'hi', n: 1 } }) },
  { name: 'columns: inputs one column', columns: true, body: J({ inputs: { question: ['hi', 'yo'] } }) },
  { name: 'columns: CSV read with the schema types', columns: true, body: 'question,n\n1,1\n', type: 'text/csv' },
];

const BAD: Case[] = [
  { name: 'wrong content type', body: J({ inputs: [1] }), type: 'text/plain' },
  { name: 'content type with an unknown charset', body: J({ inputs: [1] }), type: 'application/json; charset=latin-1' },
  {
    name: 'content type with an unknown parameter',
    body: J({ inputs: [1] }),
    type: 'application/json; format=pandas-split',
  },
  { name: 'content type with different case', body: J({ inputs: [1] }), type: 'Application/JSON' },
  { name: 'content type that is not a media type', body: J({ inputs: [1] }), type: 'foo' },
  { name: 'content type of empty parameters', body: J({ inputs: [1] }), type: ';;;' },
  { name: 'two input keys', body: J({ inputs: [1], instances: [2] }) },
  { name: 'dataframe_split and inputs', body: J({ dataframe_split: { data: [[1]] }, inputs: [2] }) },
  { name: 'no input key', body: J({ foo: 1 }) },
  { name: 'empty object', body: '{}' },
  { name: 'a JSON list', body: '[1, 2]' },
  { name: 'a JSON string', body: '"str"' },
  { name: 'a JSON null', body: 'null' },
  { name: 'malformed JSON', body: '{"inputs": [1],' },
  { name: 'malformed JSON: missing comma', body: '{"inputs": [1 2]}' },
  { name: 'malformed JSON: trailing data', body: '{"inputs": [1]} x' },
  { name: 'empty JSON body', body: '' },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0xff, 0x7d]), message: 71 },
  { name: 'empty CSV body', body: '', type: 'text/csv' },
  { name: 'CSV row longer than the header', body: 'a,b\n1,2\n3,4,5\n', type: 'text/csv' },
  { name: 'dataframe_split with extra keys', body: J({ dataframe_split: { data: [[1]], extra: 1 } }) },
  { name: 'dataframe_split as a list', body: J({ dataframe_split: [[1]] }) },
  { name: 'dataframe_split as a string', body: J({ dataframe_split: 'x' }) },
  { name: 'dataframe_split wider than its columns', body: J({ dataframe_split: { columns: ['a'], data: [[1, 2]] } }) },
  { name: 'dataframe_records as a dict', body: J({ dataframe_records: { a: 1 } }) },
  { name: 'instances: ragged', body: J({ instances: [{ a: [1, 2] }, { a: [1] }] }) },
  { name: 'instances: columns of different lengths', body: J({ instances: [{ a: 1, b: 2 }, { a: 3 }] }) },
  { name: 'inputs: ragged', body: J({ inputs: [[1, 2], [3]] }) },
  { name: 'params of the wrong type', body: J({ inputs: ['a'], params: { times: 'x' } }), message: 62 },
  { name: 'params as a list', body: J({ inputs: [1], params: [1] }) },
  { name: 'the model raises', body: J({ inputs: ['a'], params: { mode: 'fail' } }) },
  { name: 'request timeout', body: J({ inputs: ['a'], params: { mode: 'sleep', seconds: 3 } }) },
  {
    name: 'columns: a value that cannot be cast',
    columns: true,
    body: J({ dataframe_split: { columns: ['question', 'n'], data: [['hi', 'x']] } }),
  },
  {
    name: 'columns: None in a long column',
    columns: true,
    body: J({ dataframe_split: { columns: ['question', 'n'], data: [['hi', null]] } }),
  },
  {
    name: 'columns: a required column missing',
    columns: true,
    body: J({ dataframe_split: { columns: ['n'], data: [[1]] } }),
    message: 37,
  },
  { name: 'columns: a list without names', columns: true, body: J({ inputs: ['a', 'b'] }), message: 24 },
  {
    name: 'columns: missing values in a long column',
    columns: true,
    body: J({ inputs: [{ question: 'a' }, { question: 'b', n: 3 }] }),
    message: 15,
  },
  {
    name: 'columns: columns of different lengths',
    columns: true,
    body: J({ inputs: { question: ['hi', 'yo'], n: [1] } }),
    message: 15,
  },
];

describe('scoring server parity with mlflow models serve', () => {
  const tmp = makeTempDir('serving-parity-');
  const ref: { plain?: Reference; columns?: Reference } = {};
  const ours: { plain?: ScoringServer; columns?: ScoringServer } = {};
  let client: MlflowClient;
  let deployment: Deployment;

  beforeAll(async () => {
    const pyDirs = { plain: join(tmp.dir, 'py-plain'), columns: join(tmp.dir, 'py-columns') };
    const python = (async () => {
      await runPythonJson('serving_echo_model.py', {
        models: [{ path: pyDirs.plain }, { path: pyDirs.columns, columns: true }],
      });
      [ref.plain, ref.columns] = await Promise.all([
        mlflowModelsServe(pyDirs.plain),
        mlflowModelsServe(pyDirs.columns),
      ]);
    })();
    client = new MlflowClient({
      trackingUri: `sqlite:///${join(tmp.dir, 'mlflow.db')}`,
      defaultArtifactRoot: join(tmp.dir, 'mlruns'),
    });
    const info = await logModel({
      client,
      name: 'echo',
      code: ECHO,
      signature: new ModelSignature({ params: PARAMS }),
    });
    deployment = await deployModel({
      client,
      modelUri: info.modelUri,
      registeredModelName: 'serving-echo',
      alias: 'champion',
    });
    const columnsDir = join(tmp.dir, 'js-columns');
    await saveModel({
      path: columnsDir,
      code: ECHO,
      signature: new ModelSignature({ inputs: COLUMNS, params: PARAMS }),
    });
    const options = { port: 0, timeoutSeconds: 2, accessLog: false, log: false } as const;
    ours.plain = await serve({ ...options, modelUri: deployment.modelUri, client });
    ours.columns = await serve({ ...options, modelUri: columnsDir });
    await python;
  }, 300_000);

  afterAll(async () => {
    await Promise.all([ours.plain?.close(), ours.columns?.close(), ref.plain?.stop(), ref.columns?.stop()]);
    tmp.cleanup();
  });

  it('deploys the SDK model: a registered version with the alias, served from models:/name@alias', async () => {
    expect(deployment).toMatchObject({
      name: 'serving-echo',
      version: '1',
      alias: 'champion',
      modelUri: 'models:/serving-echo@champion',
    });
    const byAlias = await client.getModelVersionByAlias('serving-echo', 'champion');
    expect(byAlias.version).toBe('1');
    expect(byAlias.source).toBe(deployment.sourceUri);
  });

  async function both(c: Case): Promise<[Answer, Answer]> {
    const type = c.type ?? 'application/json';
    const which = c.columns ? 'columns' : 'plain';
    return Promise.all([
      request(ref[which]!.url, 'POST', '/invocations', c.body, type),
      request(ours[which]!.url, 'POST', '/invocations', c.body, type),
    ]);
  }

  it.each(GOOD)('same predictions: $name', async (c) => {
    const [theirs, mine] = await both(c);
    expect(theirs.status, theirs.body.slice(0, 2000)).toBe(200);
    expect(mine.status, mine.body.slice(0, 2000)).toBe(200);
    expect(mine.type).toBe(theirs.type);
    expect(pyJsonLoads(mine.body)).toEqual(pyJsonLoads(theirs.body));
  });

  it.each(BAD)('same refusal: $name', async (c) => {
    const [theirs, mine] = await both(c);
    expect(mine.status).toBe(theirs.status);
    expect(mine.type).toBe(theirs.type);
    if (theirs.type !== 'application/json' || !theirs.body.startsWith('{')) {
      expect(mine.body).toBe(theirs.body);
      return;
    }
    const t = JSON.parse(theirs.body) as Record<string, string>;
    const m = JSON.parse(mine.body) as Record<string, string>;
    expect(Object.keys(m)).toEqual(Object.keys(t));
    for (const key of ['error_code', 'sqlstate', 'error_class']) expect(m[key], key).toBe(t[key]);
    const [mm, tm] = [normalizeSets(m.message!), normalizeSets(t.message!)];
    if (c.message === undefined || c.message === 'exact') expect(mm).toBe(tm);
    else expect(mm.slice(0, c.message)).toBe(tm.slice(0, c.message));
  });

  it('same answers on the other routes', async () => {
    for (const [method, path] of [
      ['GET', '/ping'],
      ['GET', '/health'],
      ['GET', '/version'],
      ['GET', '/nope'],
      ['GET', '/invocations'],
      ['POST', '/ping'],
    ] as const) {
      const [theirs, mine] = await Promise.all([
        request(ref.plain!.url, method, path),
        request(ours.plain!.url, method, path),
      ]);
      expect([mine.status, mine.type, mine.body], `${method} ${path}`).toEqual([
        theirs.status,
        theirs.type,
        theirs.body,
      ]);
    }
  });

  it('differs on purpose where MLflow crashes (500): no Content-Type, and a dict holding null', async () => {
    const noType = await Promise.all([
      request(ref.plain!.url, 'POST', '/invocations', J({ inputs: [1] }), null),
      request(ours.plain!.url, 'POST', '/invocations', J({ inputs: [1] }), null),
    ]);
    expect(noType.map((a) => a.status)).toEqual([500, 415]);
    expect(noType[1].body).toMatch(/Got 'None'\.$/);
    const nullValue = await both({ name: 'dict with null', body: J({ inputs: { a: null } }) });
    expect(nullValue.map((a) => a.status)).toEqual([500, 200]);
    expect(nullValue[1].body).toBe('{"predictions": {"a": null}}');
  });

  it('a Python client (requests and MLflow ScoringServerClient) gets the same answers from both', async () => {
    const urls = [ref.plain!.url, ours.plain!.url];
    const got = await runPythonJson<Record<string, Record<string, unknown>>>('serving_client.py', { urls });
    for (const answers of Object.values(got)) {
      const bad = answers.bad as [number, string, string];
      bad[2] = normalizeSets(bad[2]);
    }
    const mine = got[ours.plain!.url]!;
    expect(mine.json).toEqual([200, 'application/json', { predictions: ['hello', 'world'] }]);
    expect(mine.csv).toEqual([
      200,
      {
        predictions: [
          { question: 'hi', n: 1 },
          { question: 'yo', n: 2 },
        ],
      },
    ]);
    expect(mine.version).toBe('3.18.0');
    expect(mine.client_frame).toEqual([
      { question: 'df-1', n: 1 },
      { question: 'df-2', n: 2 },
    ]);
    expect(mine.client_ndarray).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(mine.client_params).toEqual({ predictions: { mode: 'params', times: 3, seconds: 0 } });
    expect(mine).toEqual(got[ref.plain!.url]);
  }, 120_000);

  it('testDeployedModel loads the alias as a consumer would, checks the answers and records them in a run', async () => {
    const result = await testDeployedModel({
      client,
      modelUri: 'models:/serving-echo@champion',
      questions: ['What is MLflow?', { question: 'What is a registry?', expectations: { expected_response: 'x' } }],
      toInput: (q) => [q],
      checks: {
        maxLatencyMs: 10_000,
        scorers: [
          {
            name: 'mentions_question',
            run: ({ inputs, outputs }) => String(outputs).includes(String(inputs.question)),
          },
        ],
      },
    });
    expect(result.success).toBe(true);
    expect(result.results.map((r) => [r.answer, r.checks])).toEqual([
      ['What is MLflow?', { prediction: true, non_empty: true, latency: true, mentions_question: true }],
      ['What is a registry?', { prediction: true, non_empty: true, latency: true, mentions_question: true }],
    ]);
    const run = await client.getRun(result.runId!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toMatchObject({ model_uri: 'models:/serving-echo@champion', num_questions: '2' });
    expect(run.data.metrics['deployment_test/pass_rate']).toBe(1);
    expect(run.data.metrics['deployment_test/mentions_question/mean']).toBe(1);
    const local = await client.downloadArtifacts(run.info.runId, DEPLOYMENT_TEST_ARTIFACT, join(tmp.dir, 'downloaded'));
    const artifact = JSON.parse(readFileSync(local, 'utf8')) as {
      passed: number;
      results: Array<{ question: string }>;
    };
    expect(artifact.passed).toBe(2);
    expect(artifact.results.map((r) => r.question)).toEqual(['What is MLflow?', 'What is a registry?']);

    const failing = await testDeployedModel({
      client,
      modelUri: deployment.versionUri,
      questions: [''],
      toInput: (q) => [q],
      logResults: false,
    });
    expect(failing.success).toBe(false);
    expect(failing.results[0]!.checks).toEqual({ prediction: true, non_empty: false });
    expect(failing.runId).toBeUndefined();
  }, 60_000);
});
