// The REST store against a real `mlflow server` (MLflow 3.18.0, SQLite backend in a temp dir):
// SDK writes over REST are read identically by Python's MlflowClient and vice versa; every
// TrackingStore method answers as the embedded store does; search and page tokens match the
// embedded store on the same database; and a server stopped in the middle of a run costs a typed
// error within the time cap and nothing that was acknowledged.

import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  ErrorCode,
  isMlflowError,
  MlflowClient,
  type MlflowError,
  RestTrackingStore,
  RunStatus,
  resetFluentState,
  SqliteTrackingStore,
  setTrackingUri,
  type TrackingStore,
  ViewType,
} from '../../src/index.js';
import { dumpTracking } from '../helpers/dump.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { writeTrackingScenario } from '../helpers/scenario.js';

interface Dump {
  experiments: Array<Record<string, unknown>>;
  runs: Array<Record<string, unknown> & { params: Record<string, string>; tags: Record<string, string> }>;
}

// The job runner's worker processes are of no use here and cost a 2-core machine dearly.
const SERVER_ENV = { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };

async function caught(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => {
      throw new Error('expected an MlflowError');
    },
    (e: unknown) => e,
  );
  expect(isMlflowError(err)).toBe(true);
  return err as MlflowError;
}

describe('REST store against a real mlflow server', () => {
  const tmp = makeTempDir('mlflow-genai-rest-');
  const dbPath = join(tmp.dir, 'server.db');
  const serverRoot = join(tmp.dir, 'server-artifacts');
  let server: MlflowServer;
  let client: MlflowClient;
  let store: RestTrackingStore;

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${dbPath}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: ['--default-artifact-root', serverRoot],
    });
    store = new RestTrackingStore(server.url);
    client = new MlflowClient({ store });
  });

  afterAll(async () => {
    resetFluentState();
    await closeAllTrackingStores();
    await store?.close();
    await server?.stop();
    tmp.cleanup();
  });

  describe('interop with Python MlflowClient over the same server', () => {
    const written: { experimentIds: string[]; runIds: string[] } = { experimentIds: [], runIds: [] };

    beforeAll(async () => {
      // The same scenario as tracking-interop.test.ts, through MLFLOW_TRACKING_URI=http://...
      resetFluentState();
      setTrackingUri(server.url);
      const ids = await writeTrackingScenario(client, { artifactDir: tmp.dir, negativeInfinity: true });
      written.experimentIds.push(...ids.experimentIds);
      written.runIds.push(...ids.runIds);
    });

    it('Python MlflowClient reads everything the SDK wrote over REST identically', async () => {
      const ours = (await dumpTracking(client, written.experimentIds)) as Dump;
      const theirs = await runPythonJson<Dump>(
        'read_tracking.py',
        { tracking_uri: server.url, experiment_ids: written.experimentIds },
        { cwd: tmp.dir },
      );
      expect(theirs).toEqual(ours);
      expect(theirs.runs.map((r) => r.run_id).sort()).toEqual([...written.runIds].sort());
      const parent = theirs.runs.find((r) => r.run_name === 'ts-parent')!;
      expect(parent.params).toEqual({ flag: 'True', max_new_tokens: '32', model: 'gpt2', temperature: '0.7' });
      // NaN round-trips; ±Infinity is kept as ±DBL_MAX by MLflow's SQL store, for both clients alike.
      expect((parent as Record<string, unknown>).metrics).toEqual({
        acc: 0.75,
        big: 1.7976931348623157e308,
        loss: 0.2,
        small: -1.7976931348623157e308,
        weird: 'NaN',
      });
      const child = theirs.runs.find((r) => r.run_name === 'ts-child')!;
      expect(child.tags['mlflow.parentRunId']).toBe(parent.run_id);
      expect(theirs.runs.find((r) => r.run_name === 'ts-deleted')!.lifecycle_stage).toBe('deleted');
      expect(theirs.runs.find((r) => r.run_name === 'ts-failed')).toMatchObject({
        status: 'FAILED',
        end_time: 1700000003000,
        user_id: 'alice',
      });
    });

    it('the SDK reads over REST everything Python MLflow wrote through the server identically', async () => {
      const ids = await runPythonJson<{ experiment_ids: string[]; run_ids: string[] }>(
        'write_tracking.py',
        { tracking_uri: server.url, artifact_root: tmp.dir },
        { cwd: tmp.dir },
      );
      expect(ids.run_ids).toHaveLength(4);
      const theirs = await runPythonJson<Dump>(
        'read_tracking.py',
        { tracking_uri: server.url, experiment_ids: ids.experiment_ids },
        { cwd: tmp.dir },
      );
      const ours = (await dumpTracking(client, ids.experiment_ids)) as Dump;
      expect(ours).toEqual(theirs);
      expect(ours.runs.find((r) => r.run_name === 'py-parent')!.params.flag).toBe('True');
    });

    it('the REST store returns what the embedded store reads from the same database', async () => {
      const embedded = new SqliteTrackingStore(dbPath, { defaultArtifactRoot: serverRoot });
      try {
        const viaRest = await dumpTracking(client);
        const direct = await dumpTracking(new MlflowClient({ store: embedded }));
        expect(viaRest).toEqual(direct);
        for (const runId of written.runIds) {
          expect(await store.getRun(runId)).toEqual(await embedded.getRun(runId));
        }
        for (const expId of written.experimentIds) {
          expect(await store.getExperiment(expId)).toEqual(await embedded.getExperiment(expId));
        }
      } finally {
        await embedded.close();
      }
    });

    it('search results and page tokens match the embedded store on the same data', async () => {
      const embedded = new SqliteTrackingStore(dbPath, { defaultArtifactRoot: serverRoot });
      const all = (await store.searchExperiments({ viewType: ViewType.ALL })).items.map((e) => e.experimentId);
      const runCases = [
        { filterString: 'metrics.loss < 0.5' },
        { filterString: "params.model = 'gpt2'" },
        { filterString: "tags.stage = 'dev' AND metrics.acc > 0.5" },
        { filterString: 'metrics.weird != 0' },
        { filterString: 'metrics.big > 1e300' },
        { filterString: "attributes.status = 'FAILED'" },
        { filterString: "run_name LIKE 'py-%'" },
        { orderBy: ['metrics.acc DESC', 'attributes.run_name ASC'] },
        { orderBy: ['attributes.start_time ASC'], runViewType: ViewType.ALL },
        { runViewType: ViewType.DELETED_ONLY },
      ];
      try {
        for (const c of runCases) {
          for (const maxResults of [1000, 2]) {
            let token: string | undefined;
            do {
              const q = { experimentIds: all, maxResults, ...c, ...(token ? { pageToken: token } : {}) };
              const [a, b] = [await store.searchRuns(q), await embedded.searchRuns(q)];
              expect({ case: c, ids: a.items.map((r) => r.info.runId), token: a.nextPageToken }).toEqual({
                case: c,
                ids: b.items.map((r) => r.info.runId),
                token: b.nextPageToken,
              });
              expect(a.items).toEqual(b.items);
              token = a.nextPageToken;
            } while (token);
          }
        }
        const expCases = [
          { filterString: "name LIKE '%interop%'", orderBy: ['name DESC'] },
          { filterString: "tags.team = 'py'" },
          { viewType: ViewType.ALL, orderBy: ['creation_time ASC'] },
        ];
        for (const c of expCases) {
          let token: string | undefined;
          do {
            const q = { maxResults: 1, ...c, ...(token ? { pageToken: token } : {}) };
            const [a, b] = [await store.searchExperiments(q), await embedded.searchExperiments(q)];
            expect(a).toEqual(b);
            token = a.nextPageToken;
          } while (token);
        }
        // Metric history pages.
        const parent = (await store.searchRuns({ experimentIds: all, filterString: "run_name = 'ts-parent'" }))
          .items[0]!;
        let token: string | undefined;
        const pages: number[][] = [];
        do {
          const opts = { maxResults: 2, ...(token ? { pageToken: token } : {}) };
          const [a, b] = [
            await store.getMetricHistory(parent.info.runId, 'loss', opts),
            await embedded.getMetricHistory(parent.info.runId, 'loss', opts),
          ];
          expect(a).toEqual(b);
          pages.push(a.items.map((m) => m.step));
          token = a.nextPageToken;
        } while (token);
        expect(pages).toEqual([[0, 1], [2, 3], [4]]);
      } finally {
        await embedded.close();
      }
    });
  });

  describe('every TrackingStore method answers as the embedded store does', () => {
    type Step = [string, unknown];

    // Runs one scripted session of every method; results and errors are recorded with the
    // store-specific parts (generated ids, wall-clock times, artifact roots) replaced by names.
    async function exercise(s: TrackingStore, artifactRoot: string): Promise<Step[]> {
      const out: Step[] = [];
      const names = new Map<string, string>();
      const name = (id: string, label: string) => {
        names.set(id, label);
        return id;
      };
      const norm = (v: unknown): unknown => {
        if (typeof v === 'string') {
          let t = v.split(artifactRoot).join('<root>');
          // Experiment ids are short numbers: replace them only where they stand alone.
          for (const [id, label] of names) t = t.replace(new RegExp(`(?<![\\w.])${id}(?![\\w.])`, 'g'), label);
          return t;
        }
        if (Array.isArray(v)) return v.map(norm);
        // The order of a run's latest metrics is the storage's row order, which differs between databases.
        if (v && typeof v === 'object' && 'metricObjects' in v) {
          const data = v as { metricObjects: Array<{ key: string }> };
          v = { ...data, metricObjects: [...data.metricObjects].sort((a, b) => (a.key < b.key ? -1 : 1)) };
        }
        if (v && typeof v === 'object') {
          return Object.fromEntries(
            Object.entries(v).map(([k, x]) => [k, k === 'creationTime' || k === 'lastUpdateTime' ? typeof x : norm(x)]),
          );
        }
        return v;
      };
      const step = async (label: string, fn: () => Promise<unknown>) => {
        try {
          out.push([label, norm(await fn())]);
        } catch (e) {
          if (!isMlflowError(e)) throw e;
          // MLflow appends the driver's text to a duplicate-name error; the SQL drivers differ.
          out.push([label, { error: e.errorCode, message: norm(e.message.replace(/ Error: [\s\S]*$/, '')) }]);
        }
      };

      const exp = name(await s.createExperiment('parity-exp', null, [{ key: 'a', value: 'one' }]), '<exp>');
      const other = name(await s.createExperiment('parity-other'), '<other>');
      await step('createExperiment duplicate', () => s.createExperiment('parity-exp'));
      await step('createExperiment blank name', () => s.createExperiment(''));
      await step('getExperiment', () => s.getExperiment(exp));
      await step('getExperiment unknown', () => s.getExperiment('98765'));
      await step('getExperiment bad id', () => s.getExperiment('abc'));
      await step('getExperimentByName', () => s.getExperimentByName('parity-exp'));
      await step('getExperimentByName unknown', () => s.getExperimentByName('parity-nope'));
      await step('setExperimentTag', () => s.setExperimentTag(exp, 'b', 'two'));
      await step('setExperimentTag bad key', () => s.setExperimentTag(exp, 'bad!key', '2'));
      await step('deleteExperimentTag', () => s.deleteExperimentTag(exp, 'a'));
      await step('deleteExperimentTag missing', () => s.deleteExperimentTag(exp, 'zzz'));
      await step('renameExperiment', () => s.renameExperiment(other, 'parity-renamed'));
      await step('renameExperiment to a taken name', () => s.renameExperiment(other, 'parity-exp'));
      await step('searchExperiments', () =>
        s.searchExperiments({ filterString: "name LIKE 'parity-%'", orderBy: ['name'] }),
      );
      await step('searchExperiments page 1', () =>
        s.searchExperiments({ filterString: "name LIKE 'parity-%'", orderBy: ['name'], maxResults: 1 }),
      );
      await step('searchExperiments bad filter', () => s.searchExperiments({ filterString: 'name = ' }));
      await step('searchExperiments bad max_results', () => s.searchExperiments({ maxResults: 0 }));

      const run = await s.createRun({
        experimentId: exp,
        userId: 'ts-user',
        startTime: 1700000000000,
        tags: [{ key: 'mlflow.user', value: 'ts-user' }],
        runName: 'parity-run',
      });
      name(run.info.runId, '<run>');
      out.push(['createRun', norm(run)]);
      await step('createRun conflicting names', () =>
        s.createRun({
          experimentId: exp,
          userId: 'u',
          startTime: 1,
          tags: [{ key: 'mlflow.runName', value: 'a' }],
          runName: 'b',
        }),
      );
      await step('createRun unknown experiment', () =>
        s.createRun({ experimentId: '98765', userId: 'u', startTime: 1, tags: [], runName: 'x' }),
      );
      const run2 = await s.createRun({
        experimentId: exp,
        userId: 'u2',
        startTime: 1700000000500,
        tags: [],
        runName: 'parity-two',
      });
      name(run2.info.runId, '<run2>');
      await step('logBatch', () =>
        s.logBatch(run.info.runId, {
          metrics: [
            { key: 'acc', value: 0.5, timestamp: 1700000000001, step: 0 },
            { key: 'acc', value: 0.75, timestamp: 1700000000002, step: 1 },
            { key: 'acc', value: 0.6, timestamp: 1700000000003, step: 2 },
            { key: 'nan', value: Number.NaN, timestamp: 1700000000004, step: 0 },
            { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1700000000005, step: 0 },
            { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1700000000006, step: 0 },
          ],
          params: [{ key: 'lr', value: '0.01' }],
          tags: [{ key: 'stage', value: 'dev' }],
        }),
      );
      await step('logBatch same param value again', () =>
        s.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.01' }] }),
      );
      await step('logBatch param change', () => s.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.02' }] }));
      await step('logBatch bad metric name', () =>
        s.logBatch(run.info.runId, { metrics: [{ key: '../x', value: 1, timestamp: 1, step: 0 }] }),
      );
      await step('logBatch unknown run', () => s.logBatch('f'.repeat(32), { params: [{ key: 'a', value: '1' }] }));
      await step('logBatch run2', () =>
        s.logBatch(run2.info.runId, { metrics: [{ key: 'acc', value: 0.9, timestamp: 1700000000010, step: 0 }] }),
      );
      await step('setTag', () => s.setTag(run.info.runId, 'note', 'hello'));
      await step('setTag run name', () => s.setTag(run.info.runId, 'mlflow.runName', 'parity-renamed-run'));
      await step('deleteTag', () => s.deleteTag(run.info.runId, 'note'));
      await step('deleteTag missing', () => s.deleteTag(run.info.runId, 'note'));
      await step('getRun', () => s.getRun(run.info.runId));
      await step('getRun unknown', () => s.getRun('f'.repeat(32)));
      await step('getMetricHistory', () => s.getMetricHistory(run.info.runId, 'acc'));
      await step('getMetricHistory page', () => s.getMetricHistory(run.info.runId, 'acc', { maxResults: 2 }));
      await step('getMetricHistory page 2', () =>
        s.getMetricHistory(run.info.runId, 'acc', {
          maxResults: 2,
          pageToken: Buffer.from('{"offset": 2}').toString('base64'),
        }),
      );
      await step('getMetricHistory NaN', () => s.getMetricHistory(run.info.runId, 'nan'));
      await step('getMetricHistory unknown key', () => s.getMetricHistory(run.info.runId, 'nope'));
      await step('searchRuns', () => s.searchRuns({ experimentIds: [exp], orderBy: ['metrics.acc DESC'] }));
      await step('searchRuns filter', () =>
        s.searchRuns({ experimentIds: [exp], filterString: "params.lr = '0.01' AND metrics.acc > 0.5" }),
      );
      await step('searchRuns page', () =>
        s.searchRuns({ experimentIds: [exp], maxResults: 1, orderBy: ['start_time DESC'] }),
      );
      await step('searchRuns bad filter', () => s.searchRuns({ experimentIds: [exp], filterString: 'metrics.acc >' }));
      await step('searchRuns bad order_by', () => s.searchRuns({ experimentIds: [exp], orderBy: ['nope.x'] }));
      await step('searchRuns bad page token', () => s.searchRuns({ experimentIds: [exp], pageToken: 'not-a-token' }));
      await step('updateRunInfo', () =>
        s.updateRunInfo(run.info.runId, {
          status: RunStatus.FINISHED,
          endTime: 1700000009000,
          runName: 'parity-final',
        }),
      );
      await step('updateRunInfo status only', () => s.updateRunInfo(run2.info.runId, { status: RunStatus.KILLED }));
      await step('deleteRun', () => s.deleteRun(run2.info.runId));
      await step('logBatch deleted run', () => s.logBatch(run2.info.runId, { params: [{ key: 'a', value: '1' }] }));
      await step('setTag deleted run', () => s.setTag(run2.info.runId, 'a', '1'));
      await step('searchRuns deleted only', () =>
        s.searchRuns({ experimentIds: [exp], runViewType: ViewType.DELETED_ONLY }),
      );
      await step('restoreRun', () => s.restoreRun(run2.info.runId));
      await step('deleteExperiment', () => s.deleteExperiment(exp));
      await step('getExperiment deleted', () => s.getExperiment(exp));
      await step('getRun in deleted experiment', () => s.getRun(run.info.runId));
      await step('createRun in deleted experiment', () =>
        s.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [], runName: 'x' }),
      );
      await step('setExperimentTag deleted', () => s.setExperimentTag(exp, 'c', '3'));
      await step('renameExperiment deleted', () => s.renameExperiment(exp, 'parity-zzz'));
      await step('deleteExperiment again', () => s.deleteExperiment(exp));
      await step('restoreExperiment', () => s.restoreExperiment(exp));
      await step('restoreExperiment active', () => s.restoreExperiment(exp));
      await step('getRun restored', () => s.getRun(run2.info.runId));
      return out;
    }

    it('same results, same errors, for a scripted session of all methods', async () => {
      const embedded = new SqliteTrackingStore(join(tmp.dir, 'parity.db'), {
        defaultArtifactRoot: join(tmp.dir, 'parity-artifacts'),
      });
      try {
        const viaRest = await exercise(store, serverRoot);
        const direct = await exercise(embedded, join(tmp.dir, 'parity-artifacts'));
        expect(viaRest.map(([label]) => label)).toEqual(direct.map(([label]) => label));
        const differing = direct.filter((step, i) => !isDeepStrictEqual(step, viaRest[i])).map(([label]) => label);
        // Renaming onto a taken name: both answer BAD_REQUEST with SQLite's UNIQUE error, as MLflow's SQL
        // store lets SQLAlchemy's IntegrityError through; only the server appends SQLAlchemy's SQL echo.
        expect(differing.every((label) => label === 'renameExperiment to a taken name')).toBe(true);
        const i = direct.findIndex(([label]) => label === 'renameExperiment to a taken name');
        for (const side of [direct[i]![1], viaRest[i]![1]]) {
          expect(side).toMatchObject({
            error: 'BAD_REQUEST',
            message: expect.stringContaining('UNIQUE constraint failed'),
          });
        }
        for (let j = 0; j < direct.length; j++) if (j !== i) expect(viaRest[j]).toEqual(direct[j]);
      } finally {
        await embedded.close();
      }
    });

    it('server errors keep their MLflow code, subclass and HTTP details', async () => {
      const unknown = await caught(store.getRun('f'.repeat(32)));
      expect(unknown.errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
      expect(unknown.name).toBe('ResourceDoesNotExistError');
      expect(unknown.httpStatus).toBe(404);
      expect(unknown.http).toMatchObject({
        status: 404,
        request: 'GET /api/2.0/mlflow/runs/get',
        body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${'f'.repeat(32)} not found` },
      });
      expect(unknown.http?.headers?.['content-type']).toContain('application/json');

      await store.createExperiment('dup-check');
      const dup = await caught(store.createExperiment('dup-check'));
      expect(dup.errorCode).toBe(ErrorCode.RESOURCE_ALREADY_EXISTS);
      expect(dup.name).toBe('ResourceAlreadyExistsError');
      expect(dup.http?.status).toBe(400);
      expect(dup.message).toMatch(/^Experiment\(name=dup-check\) already exists\./);

      const bad = await caught(store.searchRuns({ experimentIds: ['0'], filterString: 'metrics.acc >' }));
      expect(bad.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
      expect(bad.name).toBe('InvalidParameterError');
      expect(bad.http).toMatchObject({ status: 400, request: 'POST /api/2.0/mlflow/runs/search' });
    });
  });

  describe('a server stopped in the middle of a run', () => {
    const killDb = join(tmp.dir, 'kill.db');
    const killRoot = join(tmp.dir, 'kill-artifacts');

    it('fails the next call with a typed error within the cap, and loses nothing it acknowledged', async () => {
      const first = await startMlflowServer({
        backendStoreUri: `sqlite:///${killDb}`,
        cwd: tmp.dir,
        env: SERVER_ENV,
        args: ['--default-artifact-root', killRoot],
      });
      const capMs = 4000;
      const s1 = new RestTrackingStore(first.url, { totalTimeoutMs: capMs, backoffFactorMs: 100, backoffJitterMs: 50 });
      let runId: string;
      const acknowledged: number[] = [];
      let failedBatch = -1;
      let failure: MlflowError | undefined;
      let failedAfterMs = 0;
      try {
        const expId = await s1.createExperiment('kill-exp');
        const run = await s1.createRun({
          experimentId: expId,
          userId: 'u',
          startTime: 1700000000000,
          tags: [],
          runName: 'kill-run',
        });
        runId = run.info.runId;
        await s1.logBatch(runId, { params: [{ key: 'p', value: 'v' }], tags: [{ key: 't', value: 'x' }] });
        // Log batches of 100 steps back to back while the server is being stopped.
        let stopping: Promise<void> | undefined;
        for (let b = 0; b < 10_000; b++) {
          const metrics = Array.from({ length: 100 }, (_, i) => ({
            key: 'm',
            value: b * 100 + i,
            timestamp: 1700000000000 + b * 100 + i,
            step: b * 100 + i,
          }));
          const started = Date.now();
          try {
            await s1.logBatch(runId, { metrics });
            acknowledged.push(b);
          } catch (e) {
            failedAfterMs = Date.now() - started;
            failedBatch = b;
            failure = e as MlflowError;
            break;
          }
          if (b === 5) stopping = first.stop();
        }
        await stopping;
      } finally {
        await s1.close();
        await first.stop();
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(6);
      expect(isMlflowError(failure)).toBe(true);
      expect([ErrorCode.TEMPORARILY_UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED]).toContain(failure!.errorCode);
      expect(failure!.message).toContain('POST /api/2.0/mlflow/runs/log-batch');
      expect(failure!.message).toMatch(/attempt/);
      expect(failedAfterMs).toBeLessThan(capMs + 1000);

      // The next call after the failure fails the same way, also within the cap.
      const down = new RestTrackingStore(first.url, { totalTimeoutMs: 1500, backoffFactorMs: 100 });
      const t0 = Date.now();
      const next = await caught(down.getRun(runId!));
      expect(Date.now() - t0).toBeLessThan(1500 + 500);
      expect([ErrorCode.TEMPORARILY_UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED]).toContain(next.errorCode);
      expect(next.message).toContain('GET /api/2.0/mlflow/runs/get');

      // Restarted on the same database: everything acknowledged is there, the failed batch is all or nothing.
      const second = await startMlflowServer({
        backendStoreUri: `sqlite:///${killDb}`,
        cwd: tmp.dir,
        env: SERVER_ENV,
        args: ['--default-artifact-root', killRoot],
      });
      const s2 = new RestTrackingStore(second.url);
      try {
        const run = await s2.getRun(runId!);
        expect(run.info).toMatchObject({
          runName: 'kill-run',
          status: 'RUNNING',
          lifecycleStage: 'active',
          endTime: null,
        });
        expect(run.data.params).toEqual({ p: 'v' });
        expect(run.data.tags.t).toBe('x');
        const history = new MlflowClient({ store: s2 });
        const steps = (await history.getMetricHistory(runId!, 'm')).map((m) => m.step);
        const expected = acknowledged.flatMap((b) => Array.from({ length: 100 }, (_, i) => b * 100 + i));
        const failedSteps = Array.from({ length: 100 }, (_, i) => failedBatch * 100 + i);
        const extra = steps.filter((x) => x >= failedBatch * 100);
        expect(steps.slice(0, expected.length)).toEqual(expected);
        expect(extra.length === 0 || JSON.stringify(extra) === JSON.stringify(failedSteps)).toBe(true);
        expect(run.data.metrics.m).toBe(steps[steps.length - 1]);
        // The run carries on where it stopped.
        await s2.logBatch(runId!, { metrics: [{ key: 'm', value: -1, timestamp: 1800000000000, step: 10_000_000 }] });
        await s2.updateRunInfo(runId!, { status: RunStatus.FINISHED, endTime: 1800000000001 });
        const ours = await dumpTracking(new MlflowClient({ store: s2 }));
        const theirs = await runPythonJson('read_tracking.py', { tracking_uri: second.url }, { cwd: tmp.dir });
        expect(theirs).toEqual(ours);
      } finally {
        await s2.close();
        await second.stop();
      }
    });
  });
});
