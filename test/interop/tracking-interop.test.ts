import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllTrackingStores, MlflowClient, resetFluentState, setTrackingUri } from '../../src/index.js';
import { dumpTracking } from '../helpers/dump.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { writeTrackingScenario } from '../helpers/scenario.js';

interface Dump {
  experiments: Array<Record<string, unknown>>;
  runs: Array<Record<string, unknown> & { params: Record<string, string>; tags: Record<string, string> }>;
}

describe('embedded store interop with Python MLflow 3.18', () => {
  const tmp = makeTempDir();
  const sdkUri = `sqlite:///${join(tmp.dir, 'sdk.db')}`;
  const artifactRoot = join(tmp.dir, 'mlruns');
  let client: MlflowClient;
  const written: { experimentIds: string[]; runIds: string[] } = { experimentIds: [], runIds: [] };

  beforeAll(async () => {
    client = new MlflowClient({ trackingUri: sdkUri, defaultArtifactRoot: artifactRoot });
    resetFluentState();
    setTrackingUri(sdkUri);
    const ids = await writeTrackingScenario(client, { artifactDir: tmp.dir });
    written.experimentIds.push(...ids.experimentIds);
    written.runIds.push(...ids.runIds);
  });

  afterAll(async () => {
    resetFluentState();
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('Python MlflowClient reads everything the SDK wrote identically', async () => {
    const ours = (await dumpTracking(client)) as Dump;
    const theirs = await runPythonJson<Dump>('read_tracking.py', { tracking_uri: sdkUri }, { cwd: tmp.dir });
    expect(theirs).toEqual(ours);
    // Spot-check values as Python sees them.
    const parent = theirs.runs.find((r) => r.run_name === 'ts-parent')!;
    expect(parent.params).toEqual({ flag: 'True', max_new_tokens: '32', model: 'gpt2', temperature: '0.7' });
    expect((parent as Record<string, unknown>).metrics).toEqual({
      acc: 0.75,
      big: 1.7976931348623157e308,
      loss: 0.2,
      weird: 'NaN',
    });
    const child = theirs.runs.find((r) => r.run_name === 'ts-child')!;
    expect(child.tags['mlflow.parentRunId']).toBe(parent.run_id);
    expect(child.tags['mlflow.source.type']).toBe('LOCAL');
    expect(theirs.runs.find((r) => r.run_name === 'ts-deleted')!.lifecycle_stage).toBe('deleted');
    expect(theirs.runs.find((r) => r.run_name === 'ts-failed')).toMatchObject({
      status: 'FAILED',
      end_time: 1700000003000,
      user_id: 'alice',
    });
  });

  it('the SDK reads everything Python MLflow wrote identically', async () => {
    const pyUri = `sqlite:///${join(tmp.dir, 'py.db')}`;
    const ids = await runPythonJson<{ experiment_ids: string[]; run_ids: string[] }>(
      'write_tracking.py',
      { tracking_uri: pyUri, artifact_root: tmp.dir },
      { cwd: tmp.dir },
    );
    expect(ids.run_ids).toHaveLength(4);
    const theirs = await runPythonJson<Dump>('read_tracking.py', { tracking_uri: pyUri }, { cwd: tmp.dir });
    const pyClient = new MlflowClient({ trackingUri: pyUri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
    const ours = (await dumpTracking(pyClient)) as Dump;
    expect(ours).toEqual(theirs);
    const parent = ours.runs.find((r) => r.run_name === 'py-parent')!;
    expect(parent.params.flag).toBe('True');
  });

  describe('a real mlflow server on the SDK-made database', () => {
    let server: MlflowServer;
    beforeAll(async () => {
      server = await startMlflowServer({
        backendStoreUri: sdkUri,
        cwd: tmp.dir,
        args: ['--default-artifact-root', artifactRoot],
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('lists the experiments and runs through its REST API', async () => {
      const exps = (await (
        await fetch(`${server.url}/api/2.0/mlflow/experiments/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ max_results: 100, view_type: 'ALL' }),
        })
      ).json()) as { experiments: Array<{ experiment_id: string; name: string }> };
      expect(exps.experiments.map((e) => e.name).sort()).toEqual(['Default', 'ts-interop-a', 'ts-interop-b']);

      const res = (await (
        await fetch(`${server.url}/api/2.0/mlflow/runs/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ experiment_ids: written.experimentIds, run_view_type: 'ALL', max_results: 100 }),
        })
      ).json()) as {
        runs: Array<{
          info: { run_id: string; run_name: string };
          data: { params?: Array<{ key: string; value: string }> };
        }>;
      };
      expect(res.runs.map((r) => r.info.run_id).sort()).toEqual([...written.runIds].sort());
      const parent = res.runs.find((r) => r.info.run_name === 'ts-parent')!;
      expect(Object.fromEntries((parent.data.params ?? []).map((p) => [p.key, p.value]))).toMatchObject({
        model: 'gpt2',
        flag: 'True',
      });

      const hist = (await (
        await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${parent.info.run_id}&metric_key=loss`)
      ).json()) as { metrics: Array<{ value: number; step: number; timestamp: number }> };
      expect(hist.metrics.map((m) => [m.value, m.step, m.timestamp])).toEqual(
        [1, 0.5, 1 / 3, 0.25, 0.2].map((v, i) => [v, i, 1700000000000 + i]),
      );
    });
  });
});
