import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activeRun,
  closeAllTrackingStores,
  endRun,
  getTrackingUri,
  isMlflowError,
  logMetric,
  logParam,
  MlflowClient,
  resetFluentState,
  setExperiment,
  setTag,
  setTrackingUri,
  startRun,
  withRun,
} from '../../src/index.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir();
let n = 0;
let uri: string;
let client: MlflowClient;
const savedEnv = { ...process.env };

beforeEach(() => {
  n += 1;
  resetFluentState();
  process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = join(tmp.dir, 'mlruns');
  uri = `sqlite:///${join(tmp.dir, `f${n}.db`)}`;
  setTrackingUri(uri);
  client = new MlflowClient({ trackingUri: uri });
});
afterEach(async () => {
  while (activeRun()) await endRun();
  process.env = { ...savedEnv };
});
afterAll(async () => {
  resetFluentState();
  await closeAllTrackingStores();
  tmp.cleanup();
});

describe('fluent runs', () => {
  it('withRun ends the run FINISHED and returns the body value unchanged', async () => {
    const value = await withRun({ runName: 'ok' }, async (run) => {
      expect(activeRun()?.info.runId).toBe(run.info.runId);
      await logParam('p', 'v');
      return { answer: 42 };
    });
    expect(value).toEqual({ answer: 42 });
    expect(activeRun()).toBeUndefined();
    const [run] = (await client.searchRuns({ experimentIds: ['0'] })).items;
    expect(run!.info).toMatchObject({ runName: 'ok', status: 'FINISHED' });
    expect(run!.info.endTime).toBeGreaterThan(0);
    expect(run!.data.params).toEqual({ p: 'v' });
  });

  it('withRun records a thrown error as tags and an error.txt artifact, ends FAILED and rethrows the same error', async () => {
    const boom = new TypeError('bad input');
    let runId = '';
    await expect(
      withRun({ runName: 'fails' }, async (run) => {
        runId = run.info.runId;
        throw boom;
      }),
    ).rejects.toBe(boom);
    const run = await client.getRun(runId);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.tags['mlflow-genai.error.type']).toBe('TypeError');
    expect(run.data.tags['mlflow-genai.error.message']).toBe('bad input');
    const artifact = join(run.info.artifactUri, 'error.txt');
    expect(existsSync(artifact)).toBe(true);
    expect(readFileSync(artifact, 'utf8')).toContain('TypeError: bad input');
  });

  it('concurrent withRun bodies never see each other’s run', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const ids = await Promise.all(
      ['a', 'b', 'c'].map((name, i) =>
        withRun({ runName: name }, async (run) => {
          for (let step = 0; step < 5; step++) {
            await sleep(((i + step) % 3) * 3);
            expect(activeRun()?.info.runId).toBe(run.info.runId);
            await logMetric(`m_${name}`, step, { step });
          }
          return run.info.runId;
        }),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const run = await client.getRun(id);
      expect(Object.keys(run.data.metrics)).toEqual([`m_${['a', 'b', 'c'][i]}`]);
      expect(await client.getMetricHistory(id, `m_${['a', 'b', 'c'][i]}`)).toHaveLength(5);
    }
  });

  it('nested runs carry mlflow.parentRunId; a second non-nested startRun is refused', async () => {
    const parent = await startRun({ runName: 'parent' });
    await expect(startRun()).rejects.toSatisfy(
      (e: unknown) => isMlflowError(e) && /already active/.test((e as Error).message),
    );
    const child = await startRun({ runName: 'child', nested: true });
    expect(child.data.tags['mlflow.parentRunId']).toBe(parent.info.runId);
    expect(activeRun()?.info.runId).toBe(child.info.runId);
    await endRun();
    expect(activeRun()?.info.runId).toBe(parent.info.runId);
    await endRun();
    expect((await client.getRun(child.info.runId)).info.status).toBe('FINISHED');
  });

  it('fluent runs carry MLflow system tags (user, source name and type)', async () => {
    const run = await startRun();
    expect(run.data.tags['mlflow.user']).toBeTruthy();
    expect(run.data.tags['mlflow.source.type']).toBe('LOCAL');
    expect(run.data.tags['mlflow.source.name']).toBeTruthy();
  });

  it('logging with no active run starts one, as MLflow does', async () => {
    await logMetric('auto', 1);
    await setTag('t', 'v');
    const run = activeRun();
    expect(run).toBeDefined();
    await endRun();
    const got = await client.getRun(run!.info.runId);
    expect(got.data.metrics).toEqual({ auto: 1 });
    expect(got.data.tags.t).toBe('v');
  });
});

describe('experiments and URIs', () => {
  it('setExperiment creates the experiment once and new runs go into it', async () => {
    const exp = await setExperiment('fluent-exp');
    expect((await setExperiment('fluent-exp')).experimentId).toBe(exp.experimentId);
    const run = await withRun({}, async (r) => r);
    expect(run.info.experimentId).toBe(exp.experimentId);
  });

  it('MLFLOW_EXPERIMENT_NAME selects the experiment for new runs', async () => {
    process.env.MLFLOW_EXPERIMENT_NAME = 'from-env';
    const run = await withRun({}, async (r) => r);
    expect((await client.getExperiment(run.info.experimentId)).name).toBe('from-env');
  });

  it('setExperiment on a deleted experiment is refused', async () => {
    const id = await client.createExperiment('gone');
    await client.deleteExperiment(id);
    await expect(setExperiment('gone')).rejects.toThrow(/deleted experiment 'gone'/);
  });

  it('getTrackingUri returns the normalised URI that was set', () => {
    setTrackingUri('sqlite:///relative.db');
    expect(getTrackingUri()).toBe(`sqlite:///${join(process.cwd(), 'relative.db')}`);
  });
});
