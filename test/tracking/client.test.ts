import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { closeAllTrackingStores, ErrorCode, MlflowClient, RunStatus, ViewType } from '../../src/index.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir();
let n = 0;
let client: MlflowClient;
let dbPath: string;

beforeEach(() => {
  n += 1;
  dbPath = join(tmp.dir, `t${n}.db`);
  client = new MlflowClient({ trackingUri: `sqlite:///${dbPath}`, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
});
afterAll(async () => {
  await closeAllTrackingStores();
  tmp.cleanup();
});

function count(sql: string, ...args: unknown[]): number {
  const db = new Database(dbPath, { readonly: true });
  const row = db.prepare(sql).get(...args) as { n: number };
  db.close();
  return row.n;
}

describe('experiments', () => {
  it('a new database has the Default experiment 0 under the artifact root', async () => {
    const exp = await client.getExperiment('0');
    expect(exp).toMatchObject({
      experimentId: '0',
      name: 'Default',
      lifecycleStage: 'active',
      artifactLocation: join(tmp.dir, 'mlruns', '0'),
    });
  });

  it('createExperiment returns sequential ids and stores tags; names are unique', async () => {
    const id = await client.createExperiment('exp', { tags: { a: '1' } });
    expect(id).toBe('1');
    expect(await client.getExperimentByName('exp')).toMatchObject({ experimentId: '1', tags: { a: '1' } });
    await expectMlflowError(
      client.createExperiment('exp'),
      ErrorCode.RESOURCE_ALREADY_EXISTS,
      'Experiment(name=exp) already exists',
    );
    expect(await client.getExperimentByName('nope')).toBeNull();
  });

  it('unknown and malformed experiment ids give MLflow codes naming the id', async () => {
    await expectMlflowError(
      client.getExperiment('999'),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'No Experiment with id=999 exists',
    );
    await expectMlflowError(client.getExperiment('abc'), ErrorCode.INVALID_PARAMETER_VALUE, "'abc'");
  });

  it('delete marks the experiment and its runs deleted; restore brings both back', async () => {
    const id = await client.createExperiment('del');
    const run = await client.createRun({ experimentId: id });
    await client.deleteExperiment(id);
    expect((await client.getExperiment(id)).lifecycleStage).toBe('deleted');
    expect((await client.getRun(run.info.runId)).info.lifecycleStage).toBe('deleted');
    expect((await client.searchExperiments()).items.map((e) => e.name)).not.toContain('del');
    expect((await client.searchExperiments({ viewType: ViewType.DELETED_ONLY })).items.map((e) => e.name)).toEqual([
      'del',
    ]);
    await expectMlflowError(
      client.createRun({ experimentId: id }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "must be in the 'active' state",
    );
    await client.restoreExperiment(id);
    expect((await client.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
  });

  it('experiment tags can be set and deleted; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
    const id = await client.createExperiment('tags');
    await client.setExperimentTag(id, 'k', 'v');
    expect((await client.getExperiment(id)).tags).toEqual({ k: 'v' });
    await client.deleteExperimentTag(id, 'k');
    expect((await client.getExperiment(id)).tags).toEqual({});
    await expectMlflowError(
      client.deleteExperimentTag(id, 'k'),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'No tag with name: k',
    );
  });

  it('renameExperiment renames; an empty name is rejected', async () => {
    const id = await client.createExperiment('old');
    await client.renameExperiment(id, 'new');
    expect((await client.getExperiment(id)).name).toBe('new');
    await expectMlflowError(client.renameExperiment(id, ''), ErrorCode.INVALID_PARAMETER_VALUE, /name/i);
  });
});

describe('runs', () => {
  it('createRun fills MLflow defaults: RUNNING, generated name tag, artifact URI under the experiment', async () => {
    const run = await client.createRun({ experimentId: '0', tags: { 'mlflow.user': 'bob' } });
    expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.status).toBe(RunStatus.RUNNING);
    expect(run.info.userId).toBe('bob');
    expect(run.info.runName).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
    expect(run.data.tags['mlflow.runName']).toBe(run.info.runName);
    expect(run.info.artifactUri).toBe(join(tmp.dir, 'mlruns', '0', run.info.runId, 'artifacts'));
    expect(run.info.endTime).toBeNull();
  });

  it('a run name argument that contradicts the mlflow.runName tag is rejected', async () => {
    await expectMlflowError(
      client.createRun({ experimentId: '0', runName: 'a', tags: { 'mlflow.runName': 'b' } }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "run_name='a', mlflow.runName='b'",
    );
  });

  it('setTerminated and updateRun change status, end time and name (tag kept in sync)', async () => {
    const run = await client.createRun('0', { runName: 'r' });
    await client.updateRun(run.info.runId, { name: 'renamed' });
    await client.setTerminated(run.info.runId, RunStatus.KILLED, 1234);
    const got = await client.getRun(run.info.runId);
    expect(got.info).toMatchObject({ runName: 'renamed', status: 'KILLED', endTime: 1234 });
    expect(got.data.tags['mlflow.runName']).toBe('renamed');
  });

  it('unknown run ids are RESOURCE_DOES_NOT_EXIST naming the id', async () => {
    await expectMlflowError(
      client.getRun('0123456789abcdef0123456789abcdef'),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'Run with id=0123456789abcdef0123456789abcdef not found',
    );
  });

  it('a deleted run refuses writes until restored', async () => {
    const run = await client.createRun('0');
    await client.deleteRun(run.info.runId);
    await expectMlflowError(
      client.logParam(run.info.runId, 'a', 1),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Current state is deleted',
    );
    await client.restoreRun(run.info.runId);
    await client.logParam(run.info.runId, 'a', 1);
    expect((await client.getRun(run.info.runId)).data.params).toEqual({ a: '1' });
  });
});

describe('logging', () => {
  it('logs metrics with history ordered by timestamp, step, value and MLflow latest-value rules', async () => {
    const { info } = await client.createRun('0');
    await client.logMetric(info.runId, 'm', 1, { step: 5, timestamp: 100 });
    await client.logMetric(info.runId, 'm', 2, { step: 3, timestamp: 200 });
    await client.logMetric(info.runId, 'm', 0.5, { step: 5, timestamp: 100 });
    const run = await client.getRun(info.runId);
    // latest = max (step, timestamp, value): step 5 beats the later step 3; value 1 beats 0.5.
    expect(run.data.metrics).toEqual({ m: 1 });
    expect((await client.getMetricHistory(info.runId, 'm')).map((m) => [m.value, m.step, m.timestamp])).toEqual([
      [0.5, 5, 100],
      [1, 5, 100],
      [2, 3, 200],
    ]);
  });

  it('identical metric values are stored once, as MLflow deduplicates them', async () => {
    const { info } = await client.createRun('0');
    await client.logBatch(info.runId, {
      metrics: [
        { key: 'x', value: 1, timestamp: 1, step: 0 },
        { key: 'x', value: 1, timestamp: 1, step: 0 },
      ],
    });
    await client.logMetric(info.runId, 'x', 1, { timestamp: 1, step: 0 });
    expect(await client.getMetricHistory(info.runId, 'x')).toHaveLength(1);
  });

  it('NaN and ±Infinity round-trip as MLflow stores them (NaN flag; infinities as ±DBL_MAX)', async () => {
    const { info } = await client.createRun('0');
    await client.logBatch(info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1 },
        { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1 },
      ],
    });
    const { metrics } = (await client.getRun(info.runId)).data;
    expect(metrics.nan).toBeNaN();
    expect(metrics.inf).toBe(Number.MAX_VALUE);
    expect(metrics.ninf).toBe(-Number.MAX_VALUE);
  });

  it('re-logging a param with the same value is allowed; a different value is rejected naming key and values', async () => {
    const { info } = await client.createRun('0');
    await client.logParam(info.runId, 'lr', 0.1);
    await client.logParam(info.runId, 'lr', '0.1');
    await expectMlflowError(
      client.logParam(info.runId, 'lr', 0.2),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "Changing param values is not allowed. Params were already logged='[{'key': 'lr', 'old_value': '0.1', 'new_value': '0.2'}]'",
    );
  });

  it('a batch with one bad entry writes nothing at all', async () => {
    const { info } = await client.createRun('0');
    await client.logParam(info.runId, 'p', 'a');
    await expectMlflowError(
      client.logBatch(info.runId, {
        metrics: [{ key: 'good', value: 1, timestamp: 1 }],
        params: [{ key: 'p', value: 'b' }],
        tags: [{ key: 't', value: 'v' }],
      }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "'key': 'p'",
    );
    expect(count('SELECT COUNT(*) AS n FROM metrics WHERE run_uuid = ?', info.runId)).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM tags WHERE run_uuid = ? AND key = 't'", info.runId)).toBe(0);
    await expectMlflowError(
      client.logBatch(info.runId, {
        metrics: [{ key: 'ok', value: 1, timestamp: 1 }],
        tags: [{ key: 'bad/../key', value: 'v' }],
      }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'bad/../key',
    );
    expect(count('SELECT COUNT(*) AS n FROM metrics WHERE run_uuid = ?', info.runId)).toBe(0);
  });

  it('invalid keys and duplicate params in one batch are INVALID_PARAMETER_VALUE naming the key', async () => {
    const { info } = await client.createRun('0');
    await expectMlflowError(client.logMetric(info.runId, 'bad!key', 1), ErrorCode.INVALID_PARAMETER_VALUE, 'bad!key');
    await expectMlflowError(
      client.logBatch(info.runId, {
        params: [
          { key: 'd', value: '1' },
          { key: 'd', value: '2' },
        ],
      }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'd',
    );
    await expectMlflowError(client.setTag(info.runId, 'x'.repeat(251), 'v'), ErrorCode.INVALID_PARAMETER_VALUE, /250/);
  });

  it('tags: set, overwrite, delete; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
    const { info } = await client.createRun('0');
    await client.setTag(info.runId, 'k', 'a');
    await client.setTag(info.runId, 'k', 'b');
    expect((await client.getRun(info.runId)).data.tags.k).toBe('b');
    await client.deleteTag(info.runId, 'k');
    expect((await client.getRun(info.runId)).data.tags.k).toBeUndefined();
    await expectMlflowError(
      client.deleteTag(info.runId, 'k'),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'No tag with name: k',
    );
  });

  it('setting mlflow.runName through a tag renames the run', async () => {
    const { info } = await client.createRun('0');
    await client.setTag(info.runId, 'mlflow.runName', 'via-tag');
    expect((await client.getRun(info.runId)).info.runName).toBe('via-tag');
  });
});

describe('searchRuns', () => {
  it('filters, orders and pages with MLflow tokens', async () => {
    const id = await client.createExperiment('search');
    for (let i = 0; i < 5; i++) {
      const { info } = await client.createRun({ experimentId: id, runName: `r${i}`, startTime: 1000 + i });
      await client.logMetric(info.runId, 'acc', i / 10, { timestamp: 1 });
    }
    const page1 = await client.searchRuns({
      experimentIds: [id],
      filterString: 'metrics.acc >= 0.1',
      orderBy: ['metrics.acc DESC'],
      maxResults: 2,
    });
    expect(page1.items.map((r) => r.info.runName)).toEqual(['r4', 'r3']);
    expect(page1.nextPageToken).toBeTruthy();
    const page2 = await client.searchRuns({
      experimentIds: [id],
      filterString: 'metrics.acc >= 0.1',
      orderBy: ['metrics.acc DESC'],
      maxResults: 2,
      pageToken: page1.nextPageToken!,
    });
    expect(page2.items.map((r) => r.info.runName)).toEqual(['r2', 'r1']);
    // As in MLflow: the last page carries no token (it asked for max+1 rows and got fewer).
    expect(page2.nextPageToken).toBeUndefined();
  });

  it('a malformed filter is INVALID_PARAMETER_VALUE', async () => {
    await expectMlflowError(
      client.searchRuns({ experimentIds: ['0'], filterString: 'metrics.acc >>> 1' }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      /./,
    );
    await expectMlflowError(
      client.searchRuns({ experimentIds: ['0'], filterString: 'params.a = 1 OR params.b = 2' }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      /./,
    );
  });
});
