import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colSpec, loadModelFromPath, MlflowModel, ModelSignature, paramSpec, saveModel } from '../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const WRAPPER = join(REPO_ROOT, 'test/fixtures/pyfunc/wrapper/echo-model.mjs');
const FRESH = join(REPO_ROOT, 'test/fixtures/pyfunc/predict-in-fresh-process.ts');

describe('saveModel / loadModelFromPath', () => {
  const tmp = makeTempDir();
  const dir = join(tmp.dir, 'model');
  let saved: MlflowModel;

  beforeAll(async () => {
    const suffix = join(tmp.dir, 'suffix.txt');
    writeFileSync(suffix, '!\n');
    saved = await saveModel({
      path: dir,
      code: { path: WRAPPER, exportName: 'EchoModel' },
      artifacts: { suffix },
      inputExample: [{ question: 'hi' }, { question: 'yo' }],
      inputExampleParams: { times: 1 },
      modelConfig: { mark: '?' },
      metadata: { owner: 'ts' },
      dependencies: { 'left-pad': '^1.3.0' },
    });
  }, 60_000);

  afterAll(() => tmp.cleanup());

  it('writes MLflow layout files', () => {
    for (const f of [
      'MLmodel',
      'input_example.json',
      'serving_input_example.json',
      'package.json',
      'code/model.mjs',
      'artifacts/suffix.txt',
      'model_config.json',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, 'input_example.json'), 'utf8')).toBe(
      '{"inputs": [{"question": "hi"}, {"question": "yo"}], "params": {"times": 1}}',
    );
    expect(JSON.parse(readFileSync(join(dir, 'serving_input_example.json'), 'utf8'))).toEqual({
      inputs: [{ question: 'hi' }, { question: 'yo' }],
      params: { times: 1 },
    });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ 'left-pad': '^1.3.0', 'mlflow-genai': expect.stringMatching(/^\^/) });
    // The local helper was bundled; mlflow-genai was not.
    const code = readFileSync(join(dir, 'code/model.mjs'), 'utf8');
    expect(code).toContain('toUpperCase');
    expect(code).not.toContain('class MlflowClient');
  });

  it('infers the signature from the example and the model output', () => {
    expect(saved.signature!.toDict()).toEqual({
      inputs: '[{"type": "string", "name": "question", "required": true}]',
      outputs: '[{"type": "string", "required": true}]',
      params: '[{"name": "times", "default": 1, "shape": null, "type": "long"}]',
    });
  });

  it('round-trips the MLmodel', async () => {
    const text = readFileSync(join(dir, 'MLmodel'), 'utf8');
    const back = await MlflowModel.load(dir);
    expect(back.toDict()).toEqual(saved.toDict());
    expect(back.toYaml()).toBe(text);
    expect(Object.keys(saved.toDict()).sort()).toEqual(
      text
        .split('\n')
        .filter((l) => /^\w/.test(l))
        .map((l) => l.split(':')[0]),
    );
    expect(text).toMatch(/^utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}'$/m);
    expect(text).toMatch(/^model_uuid: [0-9a-f]{32}$/m);
    expect(text).toContain('nodejs_function:');
    expect(text).not.toContain('python_function');
  });

  it('loads and predicts in-process, enforcing the signature', async () => {
    const model = await loadModelFromPath(dir);
    expect(await model.predict([{ question: 'a' }], { times: 2 })).toEqual(['A!?A!?']);
    expect(await model.predict({ question: 'b' })).toEqual(['B!?']);
    await expect(model.predict({ q: 'b' })).rejects.toThrow(/missing inputs \['question'\]/);
    await expect(model.predict({ question: 'b' }, { times: 1.5 })).rejects.toThrow(/times.*`long`/);
    expect(await model.inputExample()).toEqual({
      input: [{ question: 'hi' }, { question: 'yo' }],
      params: { times: 1 },
    });
  });

  it('loads in a fresh node process and predicts the same', async () => {
    const local = await loadModelFromPath(dir);
    const input = { columns: ['question'], data: [['fresh'], ['proc']] };
    const expected = await local.predict(input, { times: 2 });
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        FRESH,
        dir,
        JSON.stringify(input),
        JSON.stringify({ times: 2 }),
      ],
      { cwd: tmp.dir, env: { ...process.env, NODE_PATH: '' } },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual(expected);
    expect(expected).toEqual(['FRESH!?FRESH!?', 'PROC!?PROC!?']);
  }, 60_000);

  it('refuses a non-empty target and a model without our flavor', async () => {
    await expect(saveModel({ path: dir, code: { path: WRAPPER, exportName: 'EchoModel' } })).rejects.toThrow(
      /not empty/,
    );
    const other = join(tmp.dir, 'py');
    await saveModelDirWithoutFlavor(other);
    await expect(loadModelFromPath(other)).rejects.toThrow(/no 'nodejs_function' flavor/);
  });

  it('keeps an explicit signature', async () => {
    const sig = new ModelSignature({
      inputs: { inputs: [colSpec('string', 'question')] },
      params: { params: [paramSpec('times', 'long', 3)] },
    });
    const d = join(tmp.dir, 'explicit');
    const m = await saveModel({
      path: d,
      code: { path: WRAPPER, exportName: 'EchoModel' },
      signature: sig,
      artifacts: { suffix: join(tmp.dir, 'suffix.txt') },
    });
    expect(m.signature!.toDict()).toEqual(sig.toDict());
    expect(m.savedInputExampleInfo).toBeUndefined();
    expect(await (await loadModelFromPath(d)).predict({ question: 'x' })).toBeDefined();
  }, 60_000);
});

async function saveModelDirWithoutFlavor(dir: string): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  await new MlflowModel({ flavors: { python_function: { loader_module: 'x' } } }).save(dir);
}
