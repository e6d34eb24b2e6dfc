import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endRun,
  loadModel,
  logModel,
  MlflowClient,
  registerModel,
  resetFluentState,
  setTrackingUri,
  startRun,
} from '../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const WRAPPER = join(REPO_ROOT, 'test/fixtures/pyfunc/wrapper/echo-model.mjs');

describe('logModel / registerModel / loadModel on the embedded store', () => {
  const tmp = makeTempDir('log-model-');
  const uri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
  let client: MlflowClient;

  beforeAll(() => {
    writeFileSync(join(tmp.dir, 'suffix.txt'), '!');
    setTrackingUri(uri);
    client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  });
  afterAll(() => {
    resetFluentState();
    tmp.cleanup();
  });

  it('logs into the active run through the fluent API and loads by runs:/ URI', async () => {
    const run = await startRun({ runName: 'fluent' });
    const info = await logModel({
      name: 'fluent-model',
      code: { path: WRAPPER, exportName: 'EchoModel' },
      artifacts: { suffix: join(tmp.dir, 'suffix.txt') },
      inputExample: [{ question: 'a' }],
    });
    await endRun();
    expect(info.runId).toBe(run.info.runId);
    const model = await loadModel(`runs:/${run.info.runId}/fluent-model`);
    expect(await model.predict([{ question: 'hey' }])).toEqual(['HEY!']);
  });

  it('logs without a run', async () => {
    const info = await logModel({
      client,
      name: 'no-run',
      code: { path: WRAPPER, exportName: 'EchoModel' },
      inputExample: [{ question: 'a' }],
      artifacts: { suffix: join(tmp.dir, 'suffix.txt') },
    });
    expect(info.runId).toBeUndefined();
    expect(info.loggedModel.sourceRunId).toBeNull();
    expect(
      await (await loadModel(info.modelUri, { client })).predict({ columns: ['question'], data: [['x']] }),
    ).toEqual(['X!']);
  });

  it.each([
    [{ name: '' }, /'name' must be a non-empty string/],
    [{ name: 'a/b' }, /invalid model name 'a\/b'/],
    [{ name: 'ok', code: undefined }, /give `code`/],
    [{ name: 'ok', step: 1.5 }, /'step' must be an integer, got 1.5/],
  ])('rejects bad options %j', async (opts, message) => {
    await expect(
      logModel({ client, code: { path: WRAPPER, exportName: 'EchoModel' }, ...opts } as Parameters<typeof logModel>[0]),
    ).rejects.toThrow(message);
  });

  it('a model whose save fails is marked FAILED and nothing is registered', async () => {
    const experimentId = await client.createExperiment('failing');
    await expect(
      logModel({
        client,
        experimentId,
        name: 'broken',
        code: { path: join(tmp.dir, 'missing.mjs'), exportName: 'X' },
        registeredModelName: 'never',
      }),
    ).rejects.toThrow();
    const page = await client.searchLoggedModels({ experimentIds: [experimentId] });
    expect(page.items.map((m) => m.status)).toEqual(['FAILED']);
    await expect(client.getRegisteredModel('never')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('registerModel names what is missing', async () => {
    const experimentId = await client.createExperiment('reg-errors');
    const r = await client.createRun({ experimentId });
    await expect(registerModel(`runs:/${r.info.runId}/nothing`, 'reg', { client })).rejects.toThrow(
      /Unable to find a logged_model with artifact_path nothing under run/,
    );
    await expect(registerModel('', 'reg', { client })).rejects.toThrow(/'modelUri' must be a non-empty string/);
    await expect(loadModel('models:/reg@nope', { client })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await expect(loadModel('runs:/', { client })).rejects.toThrow(/Not a proper runs:\/ URI/);
    await expect(loadModel(join(tmp.dir, 'no-such-dir'))).rejects.toThrow(/No model directory/);
  });
});
