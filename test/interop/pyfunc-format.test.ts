import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferSignature, MlflowModel, ModelSignature, saveModel } from '../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const WRAPPER = join(REPO_ROOT, 'test/fixtures/pyfunc/wrapper/echo-model.mjs');

interface PyRead {
  to_dict: Record<string, unknown>;
  flavors: Record<string, unknown>;
  signature: Record<string, string | null> | null;
  model_uuid: string;
  utc_time_created: string;
  saved_input_example_info: Record<string, unknown>;
  input_example: unknown;
  serving_example: unknown;
}

describe('pyfunc model format interop with MLflow 3.18', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  describe('a model directory the SDK wrote', () => {
    const dir = join(tmp.dir, 'ts-model');
    let ours: MlflowModel;
    beforeAll(async () => {
      writeFileSync(join(tmp.dir, 'suffix.txt'), '!');
      ours = await saveModel({
        path: dir,
        code: { path: WRAPPER, exportName: 'EchoModel' },
        artifacts: { suffix: join(tmp.dir, 'suffix.txt') },
        inputExample: {
          columns: ['question', 'n'],
          data: [
            ['hi', 1],
            ['yo', 2],
          ],
        },
        inputExampleParams: { times: 2, stop: ['x'] },
        metadata: { owner: 'ts', nested: { a: [1, 2] } },
      });
    }, 60_000);

    it('parses with mlflow.models.Model.load, every field equal', async () => {
      const py = await runPythonJson<PyRead>('pyfunc_model.py', { mode: 'read', path: dir });
      expect(py.to_dict).toEqual(ours.toDict());
      expect(py.signature).toEqual(ours.signature!.toDict());
      expect(py.model_uuid).toBe(ours.modelUuid);
      expect(py.utc_time_created).toBe(ours.utcTimeCreated);
      expect(py.saved_input_example_info).toEqual({
        artifact_path: 'input_example.json',
        type: 'dataframe',
        pandas_orient: 'split',
        params: 'true',
        serving_input_path: 'serving_input_example.json',
      });
      // MLflow reads our example back as the DataFrame it stands for.
      expect(py.input_example).toEqual({
        columns: ['question', 'n'],
        data: [
          ['hi', 1],
          ['yo', 2],
        ],
      });
      expect(py.serving_example).toEqual({
        dataframe_split: {
          columns: ['question', 'n'],
          data: [
            ['hi', 1],
            ['yo', 2],
          ],
        },
        params: { times: 2, stop: ['x'] },
      });
    });
  });

  it('ModelSignature.from_dict parses our signatures and to_dict gives them back', async () => {
    const cases = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/pyfunc/infer-cases.json'), 'utf8')) as Array<{
      input: unknown;
      output?: unknown;
      params?: Record<string, unknown>;
    }>;
    const unframe = (v: unknown) =>
      v && typeof v === 'object' && '__frame__' in v ? (v as { __frame__: unknown }).__frame__ : v;
    const dicts = cases.map((c) => inferSignature(unframe(c.input), unframe(c.output), c.params).toDict());
    const back = await runPythonJson<Array<Record<string, string | null>>>('pyfunc_model.py', {
      mode: 'signature',
      dicts,
    });
    expect(back.length).toBe(dicts.length);
    back.forEach((theirs, i) => {
      const ours = dicts[i]!;
      for (const key of ['inputs', 'outputs', 'params'] as const) {
        expect(theirs[key] === null ? null : JSON.parse(theirs[key]!)).toEqual(
          ours[key] === null ? null : JSON.parse(ours[key]!),
        );
      }
    });
  });

  it('reads an MLmodel, signature and input example written by Python', async () => {
    const dir = join(tmp.dir, 'py-model');
    const py = await runPythonJson<{
      signature: Record<string, string | null>;
      model_uuid: string;
      utc_time_created: string;
    }>('pyfunc_model.py', { mode: 'write', path: dir });
    const model = await MlflowModel.load(dir);
    expect(model.modelUuid).toBe(py.model_uuid);
    expect(model.utcTimeCreated).toBe(py.utc_time_created);
    expect(model.signature!.toDict()).toEqual(py.signature);
    expect(model.signature!.inputs!.inputs.map((s) => s.name)).toEqual(['question', 'n', 'x', 'b']);
    expect(model.flavors.python_function?.loader_module).toBe('mlflow.pyfunc.model');
    expect(model.metadata).toEqual({ owner: 'py' });
    expect(ModelSignature.fromDict(py.signature).params!.params.map((p) => p.name)).toEqual([
      'max_new_tokens',
      'temperature',
      'stop',
    ]);
    const { loadInputExample } = await import('../../src/index.js');
    expect(await loadInputExample(dir, model.savedInputExampleInfo!)).toEqual({
      input: {
        columns: ['question', 'n', 'x', 'b'],
        data: [
          ['hi', 1, 0.5, true],
          ['yo', 2, 1.5, false],
        ],
      },
      params: { max_new_tokens: 8 },
    });
    // Our writer re-emits what Python wrote, loss-free.
    expect(MlflowModel.fromYaml(model.toYaml()).toDict()).toEqual(model.toDict());
  });
});
