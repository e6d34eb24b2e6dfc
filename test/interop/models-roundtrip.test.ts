/**
 * Issue 6 acceptance: log -> register -> alias -> load by alias in a fresh Node process -> same prediction; Python
 * MLflow sees the LoggedModel, the run's outputs, the version (source, run id, model id), the alias and the tags,
 * parses the MLmodel and its signature; a version registered by Python is readable (and loadable) by the SDK.
 * Embedded SQLite and a real `mlflow server`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, logModel, MlflowClient, type ModelInfo, RunStatus } from '../../src/index.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const run = promisify(execFile);
const WRAPPER = join(REPO_ROOT, 'test/fixtures/pyfunc/wrapper/echo-model.mjs');
const FRESH = join(REPO_ROOT, 'test/fixtures/models/load-uri-in-fresh-process.ts');
const INPUT = { columns: ['question'], data: [['fresh'], ['proc']] };
const PARAMS = { times: 2 };

interface PyVersion {
  name: string;
  version: string;
  source: string;
  run_id: string | null;
  model_id: string | null;
  status: string;
  tags: Record<string, string>;
  aliases: string[];
  download_uri: string;
}

interface PyRead {
  logged_model: {
    model_id: string;
    name: string;
    experiment_id: string;
    source_run_id: string;
    status: string;
    artifact_location: string;
    tags: Record<string, string>;
    params: Record<string, string>;
    metrics: [string, number, number][];
  };
  run_outputs: { model_id: string; step: number }[];
  run_params: Record<string, string>;
  version: PyVersion;
  by_alias: PyVersion;
  mlmodel: { model_id: string; run_id: string; artifact_path: string; flavors: string[]; signature: unknown };
  signature_roundtrip: unknown;
  mlmodel_by_alias_model_id: string;
  mlmodel_by_runs_uri_model_id: string;
  py_registered: PyVersion;
  logged_model_tags_after: Record<string, string>;
  python_model: { model_id: string; run_id: string; version: PyVersion; logged_model_tags: Record<string, string> };
}

async function predictInFreshProcess(uri: string, trackingUri: string, cwd: string): Promise<unknown> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      FRESH,
      uri,
      JSON.stringify(INPUT),
      JSON.stringify(PARAMS),
    ],
    { cwd, env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, NODE_PATH: '' } },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

function scenario(label: string, setup: () => Promise<{ uri: string; cleanup?: () => Promise<void> }>) {
  describe(label, () => {
    const tmp = makeTempDir('models-roundtrip-');
    let uri: string;
    let cleanup: (() => Promise<void>) | undefined;
    let client: MlflowClient;
    let info: ModelInfo;
    let runId: string;
    let expected: unknown;
    let py: PyRead;

    beforeAll(async () => {
      ({ uri, cleanup } = await setup());
      client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
      const experimentId = await client.createExperiment(`roundtrip-${label}`);
      const r = await client.createRun({ experimentId, runName: 'log-echo' });
      runId = r.info.runId;
      await client.logParam(runId, 'lr', 0.1);
      await client.logMetric(runId, 'accuracy', 0.9, { step: 0 });
      await client.logMetric(runId, 'accuracy', 0.95, { step: 1 });
      writeFileSync(join(tmp.dir, 'suffix.txt'), '!\n');
      info = await logModel({
        client,
        runId,
        name: 'echo-model',
        code: { path: WRAPPER, exportName: 'EchoModel' },
        artifacts: { suffix: join(tmp.dir, 'suffix.txt') },
        inputExample: [{ question: 'hi' }, { question: 'yo' }],
        inputExampleParams: { times: 1 },
        modelConfig: { mark: '?', nested: { depth: 2 } },
        tags: { team: 'ts' },
        registeredModelName: 'echo',
      });
      await client.setTerminated(runId, RunStatus.FINISHED);
      await client.setRegisteredModelAlias('echo', 'champion', info.registeredModelVersion!.version);
      expected = await (await loadModel(info.modelUri, { client })).predict(INPUT, PARAMS);
      py = await runPythonJson<PyRead>(
        'models_roundtrip.py',
        {
          uri,
          model_id: info.modelId,
          run_id: runId,
          name: 'echo',
          version: info.registeredModelVersion!.version,
          alias: 'champion',
          register_as: 'py-registered',
          python_model: { name: 'py-echo', registered_model_name: 'py-model' },
        },
        { cwd: tmp.dir },
      );
    }, 180_000);

    afterAll(async () => {
      await cleanup?.();
      tmp.cleanup();
    });

    it('logs a READY LoggedModel linked to the run, with MLflow layout and metadata', async () => {
      expect(info.modelId).toMatch(/^m-[0-9a-f]{32}$/);
      expect(info.loggedModel.status).toBe('READY');
      expect(expected).toEqual(['FRESH!?FRESH!?', 'PROC!?PROC!?']);
      const lm = py.logged_model;
      expect(lm.model_id).toBe(info.modelId);
      expect(lm.name).toBe('echo-model');
      expect(lm.source_run_id).toBe(runId);
      expect(lm.status).toBe('READY');
      expect(lm.artifact_location).toBe(info.artifactLocation);
      expect(lm.tags.team).toBe('ts');
      expect(lm.tags['mlflow.user']).toBeTruthy();
      expect(lm.tags['mlflow.source.type']).toBe('LOCAL');
      expect(lm.params).toEqual({ lr: '0.1' });
      // The run's metrics at step 0 are copied onto the model, as MLflow's Model.log does.
      expect(lm.metrics).toEqual([['accuracy', 0.9, 0]]);
      expect(py.run_outputs).toEqual([{ model_id: info.modelId, step: 0 }]);
      // The model config is logged as flattened run params.
      expect(py.run_params).toMatchObject({ mark: '?', 'nested/depth': '2', lr: '0.1' });
    });

    it('Python reads the version, the alias and the tags; the MLmodel and its signature parse', () => {
      const v = py.version;
      expect(v).toMatchObject({
        name: 'echo',
        version: '1',
        source: `models:/${info.modelId}`,
        run_id: runId,
        // MLflow's SQL registry keeps the model id in the source URI only: the version's model_id reads null.
        model_id: null,
        status: 'READY',
        tags: { team: 'ts' },
        aliases: ['champion'],
      });
      expect(py.by_alias.version).toBe('1');
      expect(py.mlmodel.model_id).toBe(info.modelId);
      expect(py.mlmodel.run_id).toBe(runId);
      expect(py.mlmodel.artifact_path).toBe(info.artifactLocation);
      expect(py.mlmodel.flavors).toEqual(['nodejs_function']);
      expect(py.mlmodel.signature).toEqual(info.mlmodel.signature!.toDict());
      expect(py.signature_roundtrip).toEqual(info.mlmodel.signature!.toDict());
      expect(py.mlmodel_by_alias_model_id).toBe(info.modelId);
      expect(py.mlmodel_by_runs_uri_model_id).toBe(info.modelId);
    });

    it('the SDK reads what the registration looks like in Python, field for field', async () => {
      const ours = await client.getModelVersion('echo', 1);
      expect({
        name: ours.name,
        version: String(ours.version),
        source: ours.source,
        run_id: ours.runId,
        model_id: ours.modelId,
        status: ours.status,
        tags: ours.tags,
        aliases: [...ours.aliases].sort(),
      }).toEqual({
        name: py.version.name,
        version: py.version.version,
        source: py.version.source,
        run_id: py.version.run_id,
        model_id: py.version.model_id,
        status: py.version.status,
        tags: py.version.tags,
        aliases: py.version.aliases,
      });
      expect(await client.getModelVersionDownloadUri('echo', 1)).toBe(py.version.download_uri);
    });

    it('loads by alias in a fresh Node process and predicts the same', async () => {
      expect(await predictInFreshProcess('models:/echo@champion', uri, tmp.dir)).toEqual(expected);
    }, 60_000);

    it('loads by every URI form: runs:/, models:/m-id, /version, /latest, @alias', async () => {
      for (const u of [
        `runs:/${runId}/echo-model`,
        info.modelUri,
        'models:/echo/1',
        'models:/echo/latest',
        'models:/echo@champion',
      ]) {
        const m = await loadModel(u, { client });
        expect(await m.predict(INPUT, PARAMS), u).toEqual(expected);
        expect(m.metadata.modelId, u).toBe(info.modelId);
      }
    });

    it('a version Python registered from the SDK model is readable and loadable', async () => {
      const mv = await client.getModelVersion('py-registered', py.py_registered.version);
      expect(mv.source).toBe(py.py_registered.source);
      expect(mv.source).toBe(`models:/${info.modelId}`);
      expect(mv.modelId).toBe(py.py_registered.model_id);
      expect(mv.runId).toBe(py.py_registered.run_id);
      const m = await loadModel(`models:/py-registered/${py.py_registered.version}`, { client });
      expect(await m.predict(INPUT, PARAMS)).toEqual(expected);
      // Both registrations are listed on the model, as Python lists them.
      const tag = JSON.parse(py.logged_model_tags_after['mlflow.modelVersions']!) as { name: string }[];
      expect(tag.map((e) => e.name)).toEqual(expect.arrayContaining(['echo', 'py-registered']));
    });

    it('a Python-logged, Python-registered version is readable; loading it names the missing flavor', async () => {
      const p = py.python_model;
      const mv = await client.getModelVersion('py-model', p.version.version);
      expect({ source: mv.source, runId: mv.runId, modelId: mv.modelId, status: mv.status }).toEqual({
        source: p.version.source,
        runId: p.version.run_id,
        modelId: p.version.model_id,
        status: p.version.status,
      });
      const lm = await client.getLoggedModel(p.model_id);
      expect(lm.tags).toEqual(p.logged_model_tags);
      await expect(loadModel('models:/py-model/1', { client })).rejects.toThrow(/nodejs_function.*python_function/);
    });
  });
}

describe('model round trip through MLflow 3.18', () => {
  scenario('embedded', async () => {
    const dir = makeTempDir('models-rt-db-');
    return { uri: `sqlite:///${join(dir.dir, 'mlflow.db')}`, cleanup: async () => dir.cleanup() };
  });

  let server: MlflowServer | undefined;
  scenario('server', async () => {
    const dir = makeTempDir('models-rt-srv-');
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(dir.dir, 'mlflow.db')}`,
      args: ['--artifacts-destination', join(dir.dir, 'artifacts')],
      cwd: dir.dir,
    });
    return {
      uri: server.url,
      cleanup: async () => {
        await server?.stop();
        dir.cleanup();
      },
    };
  });
});
