import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  E2E_CONFIG_FIELDS,
  E2E_ENV,
  type E2EConfig,
  e2eConfigFromEnv,
  parseE2EConfig,
  resolveE2EConfig,
  resolveE2ELayout,
} from '../../src/config/e2e.js';
import { ErrorCode, InvalidParameterError } from '../../src/tracking/errors.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-e2e-config-');
afterAll(() => tmp.cleanup());

function writeConfig(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

/** The message of the InvalidParameterError `input` is refused with. */
async function refusal(options: Parameters<typeof resolveE2EConfig>[0]): Promise<string> {
  const err = await rejection(resolveE2EConfig({ env: {}, ...options }));
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
  return err.message;
}

const DEFAULTS: E2EConfig = {
  model: 'tiny-gpt2',
  maxNewTokens: 64,
  temperature: 0.7,
  doSample: false,
  topK: 50,
  topP: 0.95,
  repetitionPenalty: 1,
  experimentName: 'mlflow-genai-e2e',
  dataDir: '.',
  registeredModelName: 'mlflow-genai-e2e-model',
  alias: 'champion',
  testQuestions: [
    { question: 'What is MLflow?' },
    { question: 'How do I track experiments with MLflow?' },
    { question: 'What is a model registry used for?' },
  ],
  scorers: ['success', 'latency', 'token_count'],
  prompts: true,
  evaluation: true,
  registration: true,
  tracing: true,
  servePort: 5001,
  quiet: false,
  json: false,
};

describe('E2EConfig defaults', () => {
  it('an empty configuration is the offline default: tiny model, data in the working directory', async () => {
    expect(await resolveE2EConfig({ env: {} })).toEqual(DEFAULTS);
    expect(parseE2EConfig({})).toEqual(DEFAULTS);
    expect(parseE2EConfig(undefined)).toEqual(DEFAULTS);
  });

  it('every field has an environment variable, and the list of fields is the schema', () => {
    expect([...E2E_CONFIG_FIELDS].sort()).toEqual(Object.keys(E2E_ENV).sort());
    expect(E2E_ENV.trackingUri).toBe('MLFLOW_TRACKING_URI');
    expect(E2E_ENV.registryUri).toBe('MLFLOW_REGISTRY_URI');
    expect(E2E_ENV.experimentName).toBe('MLFLOW_EXPERIMENT_NAME');
    expect(E2E_ENV.s3EndpointUrl).toBe('MLFLOW_S3_ENDPOINT_URL');
    for (const [field, name] of Object.entries(E2E_ENV)) {
      if (!['trackingUri', 'registryUri', 'experimentName', 's3EndpointUrl'].includes(field)) {
        expect(name).toMatch(/^MLFLOW_GENAI_[A-Z_]+$/);
      }
    }
  });
});

describe('E2EConfig precedence: arguments > config file > environment > defaults', () => {
  const env = {
    MLFLOW_GENAI_MAX_NEW_TOKENS: '10',
    MLFLOW_GENAI_TOP_K: '11',
    MLFLOW_GENAI_TOP_P: '0.5',
    MLFLOW_EXPERIMENT_NAME: 'from-env',
  };
  const file = writeConfig('precedence.json', JSON.stringify({ maxNewTokens: 20, topK: 21 }));

  it('each field comes from the highest layer that sets it', async () => {
    const config = await resolveE2EConfig({ env, configFile: file, args: { maxNewTokens: 30 } });
    expect(config.maxNewTokens).toBe(30); // argument
    expect(config.topK).toBe(21); // file
    expect(config.topP).toBe(0.5); // environment
    expect(config.experimentName).toBe('from-env'); // environment
    expect(config.temperature).toBe(0.7); // default
  });

  it('an argument left undefined does not hide lower layers', async () => {
    const config = await resolveE2EConfig({ env, configFile: file, args: { maxNewTokens: undefined } });
    expect(config.maxNewTokens).toBe(20);
  });

  it('the config file path is relative to cwd', async () => {
    const config = await resolveE2EConfig({ env: {}, configFile: 'precedence.json', cwd: tmp.dir });
    expect(config.topK).toBe(21);
  });

  it('reads every field from its environment variable', async () => {
    const full = {
      MLFLOW_GENAI_MODEL: 'Xenova/distilgpt2',
      MLFLOW_GENAI_MAX_NEW_TOKENS: '12',
      MLFLOW_GENAI_TEMPERATURE: '0.3',
      MLFLOW_GENAI_DO_SAMPLE: 'true',
      MLFLOW_GENAI_TOP_K: '5',
      MLFLOW_GENAI_TOP_P: '0.9',
      MLFLOW_GENAI_REPETITION_PENALTY: '1.2',
      MLFLOW_EXPERIMENT_NAME: 'exp',
      MLFLOW_TRACKING_URI: 'http://localhost:5000',
      MLFLOW_REGISTRY_URI: 'sqlite:////tmp/registry.db',
      MLFLOW_GENAI_DATA_DIR: '/tmp/data',
      MLFLOW_S3_ENDPOINT_URL: 'http://localhost:9000',
      MLFLOW_GENAI_REGISTERED_MODEL_NAME: 'qa-model',
      MLFLOW_GENAI_MODEL_ALIAS: 'prod',
      MLFLOW_GENAI_TEST_QUESTIONS: '["Q1?", {"question": "Q2?", "expectations": {"expected_response": "A2"}}]',
      MLFLOW_GENAI_SCORERS: 'non_empty, latency',
      MLFLOW_GENAI_ENABLE_PROMPTS: 'false',
      MLFLOW_GENAI_ENABLE_EVALUATION: '0',
      MLFLOW_GENAI_ENABLE_REGISTRATION: 'no',
      MLFLOW_GENAI_ENABLE_TRACING: 'off',
      MLFLOW_GENAI_SERVE_PORT: '8080',
      MLFLOW_GENAI_QUIET: '1',
      MLFLOW_GENAI_JSON: 'yes',
    };
    expect(await resolveE2EConfig({ env: full })).toEqual({
      model: 'Xenova/distilgpt2',
      maxNewTokens: 12,
      temperature: 0.3,
      doSample: true,
      topK: 5,
      topP: 0.9,
      repetitionPenalty: 1.2,
      experimentName: 'exp',
      trackingUri: 'http://localhost:5000',
      registryUri: 'sqlite:////tmp/registry.db',
      dataDir: '/tmp/data',
      s3EndpointUrl: 'http://localhost:9000',
      registeredModelName: 'qa-model',
      alias: 'prod',
      testQuestions: [{ question: 'Q1?' }, { question: 'Q2?', expectations: { expected_response: 'A2' } }],
      scorers: ['non_empty', 'latency'],
      prompts: false,
      evaluation: false,
      registration: false,
      tracing: false,
      servePort: 8080,
      quiet: true,
      json: true,
    });
  });

  it('empty environment variables count as unset; questions may be given one per line', () => {
    expect(e2eConfigFromEnv({ MLFLOW_GENAI_MODEL: '', MLFLOW_TRACKING_URI: '' })).toEqual({});
    expect(
      parseE2EConfig(e2eConfigFromEnv({ MLFLOW_GENAI_TEST_QUESTIONS: 'First?\n\n Second? \n' })).testQuestions,
    ).toEqual([{ question: 'First?' }, { question: 'Second?' }]);
  });

  it('string arguments are coerced like environment values', () => {
    const config = parseE2EConfig({ maxNewTokens: ' 8 ', doSample: 'on', scorers: '', servePort: '0' });
    expect([config.maxNewTokens, config.doSample, config.scorers, config.servePort]).toEqual([8, true, [], 0]);
  });
});

describe('E2EConfig files', () => {
  const expectedSubset = {
    maxNewTokens: 16,
    experimentName: 'from-file',
    testQuestions: [{ question: 'One?' }, { question: 'Two?', expectations: { expected_facts: ['a', 'b'] } }],
    registration: false,
  };

  it('reads JSON, YAML and YML files with the same keys', async () => {
    const json = writeConfig(
      'e2e.json',
      JSON.stringify({
        maxNewTokens: 16,
        experimentName: 'from-file',
        testQuestions: ['One?', { question: 'Two?', expectations: { expected_facts: ['a', 'b'] } }],
        registration: false,
      }),
    );
    const yaml = [
      'maxNewTokens: 16',
      'experimentName: from-file',
      'testQuestions:',
      '  - One?',
      '  - question: Two?',
      '    expectations:',
      '      expected_facts: [a, b]',
      'registration: false',
      '',
    ].join('\n');
    for (const path of [json, writeConfig('e2e.yaml', yaml), writeConfig('e2e.yml', yaml)]) {
      expect(await resolveE2EConfig({ env: {}, configFile: path })).toMatchObject(expectedSubset);
    }
  });

  it('an empty YAML file is an empty configuration', async () => {
    expect(await resolveE2EConfig({ env: {}, configFile: writeConfig('empty.yaml', '') })).toEqual(DEFAULTS);
  });

  it('refuses unreadable, malformed and misshapen files, naming the file', async () => {
    expect(await refusal({ configFile: join(tmp.dir, 'missing.json') })).toBe(
      `config: cannot read '${join(tmp.dir, 'missing.json')}': no such file`,
    );
    expect(await refusal({ configFile: writeConfig('e2e.toml', 'a = 1') })).toBe(
      `config: expected a .json, .yaml or .yml file, got '${join(tmp.dir, 'e2e.toml')}'`,
    );
    const badJson = writeConfig('bad.json', '{"maxNewTokens": ');
    expect(await refusal({ configFile: badJson })).toMatch(new RegExp(`^config: '${badJson}' is not valid JSON: `));
    const badYaml = writeConfig('bad.yaml', 'a: [1, 2\n');
    expect(await refusal({ configFile: badYaml })).toMatch(new RegExp(`^config: '${badYaml}' is not valid YAML: `));
    const list = writeConfig('list.yaml', '- a\n- b\n');
    expect(await refusal({ configFile: list })).toBe(
      `config: '${list}' must hold an object of settings, got ["a","b"]`,
    );
    mkdirSync(join(tmp.dir, 'dir.json'), { recursive: true });
    expect(await refusal({ configFile: join(tmp.dir, 'dir.json') })).toBe(
      `config: cannot read '${join(tmp.dir, 'dir.json')}': is a folder`,
    );
  });

  it('refuses unknown keys, suggesting the field a snake_case or kebab-case key meant', async () => {
    const path = writeConfig('unknown.yaml', 'max_new_tokens: 5\nserve-port: 1\nbogus: 1\n');
    expect(await refusal({ configFile: path })).toBe(
      [
        'Invalid configuration:',
        `  max_new_tokens: unknown field in ${path} (did you mean 'maxNewTokens'?)`,
        `  serve-port: unknown field in ${path} (did you mean 'servePort'?)`,
        `  bogus: unknown field in ${path} (known fields: ${E2E_CONFIG_FIELDS.join(', ')})`,
      ].join('\n'),
    );
  });

  it('names the file a bad value came from', async () => {
    const path = writeConfig('bad-value.json', JSON.stringify({ topK: 0 }));
    expect(await refusal({ configFile: path })).toBe(
      `Invalid configuration: topK: expected a positive integer, got 0 (from ${path})`,
    );
  });
});

describe('E2EConfig validation: every field refuses bad values, naming the field and the value', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['model', { model: '  ' }, "model: expected a model id or a local model folder, got '  '"],
    ['model', { model: 3 }, 'model: expected a model id or a local model folder, got 3'],
    ['maxNewTokens', { maxNewTokens: -3 }, 'maxNewTokens: expected a positive integer, got -3'],
    ['maxNewTokens', { maxNewTokens: 2.5 }, 'maxNewTokens: expected a positive integer, got 2.5'],
    ['maxNewTokens', { maxNewTokens: 'many' }, "maxNewTokens: expected a positive integer, got 'many'"],
    [
      'temperature',
      { temperature: 0 },
      'temperature: expected a number greater than 0, got 0 (use doSample: false for greedy decoding)',
    ],
    ['temperature', { temperature: 'hot' }, "temperature: expected a number greater than 0, got 'hot'"],
    ['doSample', { doSample: 'maybe' }, "doSample: expected true or false, got 'maybe'"],
    ['topK', { topK: 0 }, 'topK: expected a positive integer, got 0'],
    ['topP', { topP: 1.5 }, 'topP: expected a number in (0, 1], got 1.5'],
    ['topP', { topP: 0 }, 'topP: expected a number in (0, 1], got 0'],
    ['repetitionPenalty', { repetitionPenalty: -1 }, 'repetitionPenalty: expected a number greater than 0, got -1'],
    ['experimentName', { experimentName: ' ' }, "experimentName: invalid value ' ': Invalid experiment name: ' '"],
    [
      'trackingUri',
      { trackingUri: 'sqlite://relative.db' },
      "trackingUri: invalid value 'sqlite://relative.db': Invalid tracking URI 'sqlite://relative.db': expected 'sqlite:///<path to .db file>' (three slashes for a relative path, four for an absolute one).",
    ],
    [
      'registryUri',
      { registryUri: 'postgresql://u@h/db' },
      "registryUri: invalid value 'postgresql://u@h/db': Unsupported tracking URI 'postgresql://***@h/db': this SDK writes SQLite directly; for PostgreSQL/MySQL run `mlflow server --backend-store-uri <that uri>` and set MLFLOW_TRACKING_URI to the server's http(s) URL.",
    ],
    [
      'dataDir',
      { dataDir: 'gs://bucket/x' },
      "dataDir: expected a local folder or s3://bucket/prefix, got 'gs://bucket/x'",
    ],
    ['dataDir', { dataDir: 's3://' }, "dataDir: expected s3://bucket/prefix, got 's3://'"],
    ['dataDir', { dataDir: '' }, "dataDir: expected a local folder or s3://bucket/prefix, got ''"],
    [
      's3EndpointUrl',
      { s3EndpointUrl: 'localhost:9000' },
      "s3EndpointUrl: expected an http(s) URL, got 'localhost:9000'",
    ],
    [
      'registeredModelName',
      { registeredModelName: 'a/b' },
      "registeredModelName: invalid value 'a/b': Invalid model name 'a/b'. Names cannot contain '/' or ':'.",
    ],
    [
      'alias',
      { alias: 'latest' },
      "alias: invalid value 'latest': 'latest' alias name (case insensitive) is reserved.",
    ],
    ['alias', { alias: 'v3' }, "alias: invalid value 'v3': Version alias name 'v3' is reserved."],
    [
      'alias',
      { alias: 'a b' },
      "alias: invalid value 'a b': Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
    ],
    ['testQuestions', { testQuestions: [] }, 'testQuestions: expected at least one question, got []'],
    ['testQuestions', { testQuestions: {} }, 'testQuestions: expected a list of questions, got {}'],
    [
      'testQuestions',
      { testQuestions: ['ok', 3] },
      'testQuestions[1]: expected a question string or {question, expectations}, got 3',
    ],
    [
      'testQuestions',
      { testQuestions: [{ question: '' }] },
      "testQuestions[0].question: expected a non-empty question, got ''",
    ],
    [
      'testQuestions',
      { testQuestions: [{ question: 'q', expectations: 'yes' }] },
      "testQuestions[0].expectations: expected an object of expectations, got 'yes'",
    ],
    ['scorers', { scorers: [''] }, "scorers[0]: expected a scorer name, got ''"],
    ['scorers', { scorers: ['latency', 'latency'] }, "scorers[1]: scorer 'latency' is listed twice"],
    ['scorers', { scorers: 7 }, 'scorers: expected a list of scorer names, got 7'],
    ['prompts', { prompts: 'sometimes' }, "prompts: expected true or false, got 'sometimes'"],
    ['evaluation', { evaluation: 2 }, 'evaluation: expected true or false, got 2'],
    ['registration', { registration: null }, 'registration: expected true or false, got null'],
    ['tracing', { tracing: [] }, 'tracing: expected true or false, got []'],
    ['servePort', { servePort: 70000 }, 'servePort: expected a port number (0-65535), got 70000'],
    ['servePort', { servePort: -1 }, 'servePort: expected a port number (0-65535), got -1'],
    ['quiet', { quiet: 'loud' }, "quiet: expected true or false, got 'loud'"],
    ['json', { json: 'xml' }, "json: expected true or false, got 'xml'"],
  ];

  it('covers every field', () => {
    expect(new Set(cases.map(([field]) => field))).toEqual(new Set(E2E_CONFIG_FIELDS));
  });

  it.each(cases)('%s: %j', async (_field, args, message) => {
    expect(await refusal({ args: args as never })).toBe(`Invalid configuration: ${message}`);
  });

  it('reports every problem at once, one per line', async () => {
    expect(await refusal({ args: { maxNewTokens: 0, topP: 2 } })).toBe(
      'Invalid configuration:\n  maxNewTokens: expected a positive integer, got 0\n  topP: expected a number in (0, 1], got 2',
    );
  });

  it('says which environment variable or flag a bad value came from', async () => {
    expect(await refusal({ env: { MLFLOW_GENAI_MAX_NEW_TOKENS: '-3' } })).toBe(
      'Invalid configuration: maxNewTokens: expected a positive integer, got -3 (from MLFLOW_GENAI_MAX_NEW_TOKENS)',
    );
    expect(await refusal({ args: { maxNewTokens: '-3' }, argLabels: { maxNewTokens: '--max-new-tokens' } })).toBe(
      'Invalid configuration: maxNewTokens: expected a positive integer, got -3 (from --max-new-tokens)',
    );
  });

  it('checks scorer names against the built-in scorers when they are given', async () => {
    expect(await refusal({ args: { scorers: ['latency', 'fluency'] }, knownScorers: ['latency', 'non_empty'] })).toBe(
      "Invalid configuration: scorers[1]: unknown scorer 'fluency' (built-in scorers: latency, non_empty)",
    );
    expect(
      (await resolveE2EConfig({ env: {}, args: { scorers: 'latency' }, knownScorers: ['latency'] })).scorers,
    ).toEqual(['latency']);
  });

  it('refuses an S3 data directory together with an MLflow server as the tracking URI', async () => {
    expect(await refusal({ args: { dataDir: 's3://bucket/data/', trackingUri: 'http://mlflow:5000' } })).toBe(
      "Invalid configuration: dataDir: 's3://bucket/data/' cannot be used with the MLflow server 'http://mlflow:5000': the server decides where artifacts go (start it with --artifacts-destination s3://bucket/data/mlruns)",
    );
  });

  it('parseE2EConfig refuses a value that is not an object', () => {
    expect(() => parseE2EConfig('yes')).toThrow("Invalid configuration: expected an object of settings, got 'yes'");
  });
});

describe('E2E layout', () => {
  const cwd = tmp.dir;

  it('a local data directory holds mlflow.db, mlruns/ and the generated tiny model', () => {
    expect(resolveE2ELayout(parseE2EConfig({ dataDir: 'data' }), { cwd })).toEqual({
      kind: 'local',
      dataDir: join(cwd, 'data'),
      trackingUri: `sqlite:///${join(cwd, 'data', 'mlflow.db')}`,
      trackingKind: 'sqlite',
      registryUri: `sqlite:///${join(cwd, 'data', 'mlflow.db')}`,
      dbPath: join(cwd, 'data', 'mlflow.db'),
      artifactRoot: join(cwd, 'data', 'mlruns'),
      localDir: join(cwd, 'data'),
      model: { kind: 'tiny', dir: join(cwd, 'data', 'models', 'tiny-gpt2') },
      servingModelUri: 'models:/mlflow-genai-e2e-model@champion',
    });
  });

  it("the default is MLflow's: sqlite:///mlflow.db and ./mlruns in the working directory", () => {
    const layout = resolveE2ELayout(parseE2EConfig({}), { cwd });
    expect([layout.trackingUri, layout.artifactRoot]).toEqual([
      `sqlite:///${join(cwd, 'mlflow.db')}`,
      join(cwd, 'mlruns'),
    ]);
  });

  it('an S3 data directory keeps the database in the working directory and artifacts under <prefix>/mlruns', () => {
    const layout = resolveE2ELayout(parseE2EConfig({ dataDir: 's3://bucket/team/e2e/' }), { cwd });
    expect(layout).toMatchObject({
      kind: 's3',
      dataDir: 's3://bucket/team/e2e',
      trackingUri: `sqlite:///${join(cwd, 'mlflow.db')}`,
      dbPath: join(cwd, 'mlflow.db'),
      artifactRoot: 's3://bucket/team/e2e/mlruns',
      localDir: cwd,
      model: { kind: 'tiny', dir: join(cwd, 'models', 'tiny-gpt2') },
    });
  });

  it('an explicit tracking or registry URI wins over the data directory database', () => {
    const rest = resolveE2ELayout(parseE2EConfig({ trackingUri: 'http://mlflow:5000/', dataDir: 'd' }), { cwd });
    expect(rest).toMatchObject({
      trackingUri: 'http://mlflow:5000',
      trackingKind: 'rest',
      registryUri: 'http://mlflow:5000',
    });
    expect(rest.dbPath).toBeUndefined();
    const split = resolveE2ELayout(parseE2EConfig({ trackingUri: 'sqlite:///t.db', registryUri: 'sqlite:///r.db' }), {
      cwd,
    });
    expect(split).toMatchObject({
      trackingUri: `sqlite:///${join(cwd, 't.db')}`,
      registryUri: `sqlite:///${join(cwd, 'r.db')}`,
      dbPath: join(cwd, 't.db'),
    });
  });

  it('tells a Hugging Face id from a local model folder', () => {
    mkdirSync(join(cwd, 'my-models', 'gpt'), { recursive: true });
    const model = (m: string) => resolveE2ELayout(parseE2EConfig({ model: m }), { cwd }).model;
    expect(model('Xenova/distilgpt2')).toEqual({ kind: 'hub', id: 'Xenova/distilgpt2' });
    expect(model('my-models/gpt')).toEqual({ kind: 'local', path: join(cwd, 'my-models', 'gpt') });
    expect(model('./not-there')).toEqual({ kind: 'local', path: join(cwd, 'not-there') });
    expect(model('/abs/model')).toEqual({ kind: 'local', path: '/abs/model' });
    expect(model('file:///abs/model')).toEqual({ kind: 'local', path: '/abs/model' });
    expect(model('~/models/gpt')).toEqual({ kind: 'local', path: join(homedir(), 'models', 'gpt') });
  });

  it('the served model is models:/<registeredModelName>@<alias>', () => {
    const layout = resolveE2ELayout(parseE2EConfig({ registeredModelName: 'qa', alias: 'prod' }), { cwd });
    expect(layout.servingModelUri).toBe('models:/qa@prod');
  });
});
