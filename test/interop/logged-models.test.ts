/**
 * LoggedModels across the SDK and MLflow 3.18: what our embedded and REST stores write, Python's
 * MlflowClient reads identically (and the reverse); search parity; MLflow's error codes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CreateLoggedModelArgs,
  LoggedModel,
  LoggedModelRef,
  LoggedModelStatus,
  Metric,
  PagedList,
  SearchLoggedModelsQuery,
} from '../../src/tracking/entities/index.js';
import { ErrorCode } from '../../src/tracking/errors.js';
import { RestLoggedModelStore } from '../../src/tracking/rest/logged-models.js';
import { RestTrackingStore } from '../../src/tracking/rest/store.js';
import type { SqliteTrackingStore } from '../../src/tracking/sqlite/store.js';
import { expectMlflowError } from '../helpers/errors.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import { openStores } from '../tracking/logged-models/host.js';

/** The model methods both stores share, async. */
interface ModelsApi {
  create(args: CreateLoggedModelArgs): Promise<LoggedModel>;
  get(id: string): Promise<LoggedModel>;
  finalize(id: string, status: LoggedModelStatus): Promise<LoggedModel>;
  setTags(id: string, tags: Record<string, string>): Promise<void>;
  deleteTag(id: string, key: string): Promise<void>;
  logParams(id: string, params: Record<string, string>): Promise<void>;
  search(q: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>>;
  logOutputs(runId: string, models: LoggedModelRef[]): Promise<void>;
  logModelMetrics(runId: string, metrics: Metric[]): Promise<void>;
}

function dump(m: LoggedModel) {
  return {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    artifact_location: m.artifactLocation,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    model_type: m.modelType,
    source_run_id: m.sourceRunId,
    status: m.status,
    status_message: m.statusMessage,
    tags: Object.fromEntries(Object.entries(m.tags).sort()),
    params: Object.fromEntries(Object.entries(m.params).sort()),
    metrics: m.metrics
      .map((x) => ({
        key: x.key,
        value: x.value,
        timestamp: x.timestamp,
        step: x.step,
        run_id: x.runId ?? null,
        model_id: x.modelId ?? null,
        dataset_name: x.datasetName ?? null,
        dataset_digest: x.datasetDigest ?? null,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step || a.timestamp - b.timestamp)),
  };
}

const SEARCH_CASES: Array<Record<string, unknown>> = [
  {},
  { filter_string: "tags.parity = 'odd'" },
  { filter_string: "metrics.acc > 0.15 AND params.i != '3'" },
  { filter_string: "status = 'READY'" },
  { filter_string: "status IN ('READY', 'PENDING')" },
  { filter_string: "name LIKE 'n%'" },
  { filter_string: "name ILIKE 'N1%'" },
  { filter_string: 'creation_timestamp > 0' },
  { order_by: [{ field_name: 'metrics.acc', ascending: false }] },
  { order_by: [{ field_name: 'name', ascending: true }], max_results: 2 },
  { datasets: [{ dataset_name: 'b' }] },
  { filter_string: 'metrics.acc >= 0', datasets: [{ dataset_name: 'a', dataset_digest: 'da' }] },
  { order_by: [{ field_name: 'metrics.acc', ascending: true, dataset_name: 'b' }] },
  { filter_string: "status = 'NOPE'" },
  { filter_string: 'foo.bar = 1' },
  { filter_string: "metrics.acc LIKE 'x'" },
  { order_by: [{ field_name: 'params.i' }] },
];

function toQuery(exp: string, c: Record<string, unknown>): SearchLoggedModelsQuery {
  const q: SearchLoggedModelsQuery = { experimentIds: [exp] };
  if (c.filter_string) q.filterString = c.filter_string as string;
  if (c.max_results) q.maxResults = c.max_results as number;
  if (c.datasets) {
    q.datasets = (c.datasets as Array<Record<string, string>>).map((d) => ({
      datasetName: d.dataset_name as string,
      ...(d.dataset_digest ? { datasetDigest: d.dataset_digest } : {}),
    }));
  }
  if (c.order_by) {
    q.orderBy = (c.order_by as Array<Record<string, unknown>>).map((o) => ({
      fieldName: o.field_name as string,
      ...(o.ascending === undefined ? {} : { ascending: o.ascending as boolean }),
      ...(o.dataset_name ? { datasetName: o.dataset_name as string } : {}),
    }));
  }
  return q;
}

/** The shared scenario: we write, Python reads; Python writes, we read; search parity; errors. */
function scenario(
  setup: () => { uri: string; api: ModelsApi; createRun: (exp: string) => Promise<string>; exp: () => Promise<string> },
) {
  let ctx: ReturnType<typeof setup>;
  let exp: string;
  beforeAll(async () => {
    ctx = setup();
    exp = await ctx.exp();
  });

  it('Python reads the models we write identically (id, name, status, tags, params, metrics, source run, location)', async () => {
    const runId = await ctx.createRun(exp);
    const m = await ctx.api.create({
      experimentId: exp,
      name: 'ts-model',
      sourceRunId: runId,
      params: { lr: '0.01', layers: '2' },
      tags: { owner: 'ts', drop: 'me' },
      modelType: 'agent',
    });
    await ctx.api.logParams(m.modelId, { extra: 'x' });
    await ctx.api.setTags(m.modelId, { stage: 'prod' });
    await ctx.api.deleteTag(m.modelId, 'drop');
    await ctx.api.logOutputs(runId, [{ modelId: m.modelId, step: 2 }]);
    await ctx.api.logModelMetrics(runId, [
      { key: 'acc', value: 0.5, timestamp: 1000, step: 1, modelId: m.modelId, datasetName: 'ds', datasetDigest: 'd' },
      { key: 'acc', value: 0.6, timestamp: 1001, step: 2, modelId: m.modelId },
    ]);
    await ctx.api.finalize(m.modelId, 'READY');
    const ours = await ctx.api.get(m.modelId);
    const py = await runPythonJson<{ models: Record<string, unknown>; runs: Record<string, unknown> }>(
      'logged_models_ops.py',
      { uri: ctx.uri, op: 'read', model_ids: [m.modelId], run_ids: [runId] },
    );
    expect(py.models[m.modelId]).toEqual(dump(ours));
    expect(ours).toMatchObject({ status: 'READY', sourceRunId: runId, tags: { owner: 'ts', stage: 'prod' } });
    expect(ours.params).toEqual({ lr: '0.01', layers: '2', extra: 'x' });
    expect(ours.metrics).toHaveLength(2);
    expect(py.runs[runId]).toEqual([{ model_id: m.modelId, step: 2 }]);
  });

  it('we read the models Python writes identically', async () => {
    const written = await runPythonJson<{ model_id: string; run_id: string }>('logged_models_ops.py', {
      uri: ctx.uri,
      op: 'write',
      experiment_id: exp,
    });
    const ours = await ctx.api.get(written.model_id);
    const py = await runPythonJson<{ models: Record<string, unknown> }>('logged_models_ops.py', {
      uri: ctx.uri,
      op: 'read',
      model_ids: [written.model_id],
    });
    expect(dump(ours)).toEqual(py.models[written.model_id]);
    expect(ours).toMatchObject({
      name: 'py-model',
      status: 'READY',
      modelType: 'agent',
      sourceRunId: written.run_id,
      tags: expect.objectContaining({ owner: 'py', stage: 'dev' }),
      params: { alpha: '0.5', beta: '2' },
    });
    expect(ours.tags.k).toBeUndefined();
    expect(ours.metrics.map((x) => [x.key, x.value, x.datasetName ?? null])).toEqual([
      ['acc', 0.75, 'ds'],
      ['loss', 1.5, null],
    ]);
  });

  it('search_logged_models gives the same ids, order and errors as MLflow', async () => {
    const sexp = await ctx.exp();
    const runId = await ctx.createRun(sexp);
    for (let i = 0; i < 4; i++) {
      const m = await ctx.api.create({
        experimentId: sexp,
        name: `n${i}`,
        params: { i: String(i) },
        tags: { parity: i % 2 ? 'odd' : 'even' },
      });
      await ctx.api.logModelMetrics(runId, [
        {
          key: 'acc',
          value: i / 10,
          timestamp: 5,
          step: 0,
          modelId: m.modelId,
          datasetName: i < 2 ? 'a' : 'b',
          datasetDigest: i < 2 ? 'da' : 'db',
        },
      ]);
      if (i % 2 === 0) await ctx.api.finalize(m.modelId, 'READY');
      await new Promise((r) => setTimeout(r, 3));
    }
    const cases = SEARCH_CASES.map((c) => ({ ...c, experiment_ids: [sexp] }));
    const py = await runPythonJson<Array<{ ids?: string[]; token?: string | null; error_code?: string }>>(
      'logged_models_ops.py',
      { uri: ctx.uri, op: 'search', cases },
    );
    // The last four cases are MLflow errors; every other case must return models.
    expect(py.map((r) => r.error_code ?? null)).toEqual([
      ...SEARCH_CASES.slice(0, -4).map(() => null),
      ...Array(4).fill(ErrorCode.INVALID_PARAMETER_VALUE),
    ]);
    for (const [i, c] of SEARCH_CASES.entries()) {
      const expected = py[i] as { ids?: string[]; error_code?: string };
      const label = JSON.stringify(c);
      if (expected.error_code) {
        const err = await ctx.api.search(toQuery(sexp, c)).then(
          () => null,
          (e: { errorCode?: string }) => e,
        );
        expect(err?.errorCode, label).toBe(expected.error_code);
      } else {
        const page = await ctx.api.search(toQuery(sexp, c));
        expect(
          page.items.map((m) => m.modelId),
          label,
        ).toEqual(expected.ids);
        expect(Boolean(page.nextPageToken), label).toBe(Boolean((py[i] as { token?: string }).token));
      }
    }
  });

  it('reports MLflow error codes for bad input', async () => {
    await expectMlflowError(ctx.api.get(`m-${'0'.repeat(32)}`), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'not found');
    await expectMlflowError(
      ctx.api.create({ experimentId: exp, name: 'a/b' }),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Invalid model name',
    );
    const m = await ctx.api.create({ experimentId: exp });
    await expectMlflowError(ctx.api.deleteTag(m.modelId, 'missing'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'missing');
    const py = await runPythonJson<Array<{ error_code: string }>>('logged_models_ops.py', {
      uri: ctx.uri,
      op: 'errors',
    });
    expect(py[0]?.error_code).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
  });
}

describe('LoggedModels on the embedded store', () => {
  const tmp = makeTempDir('lm-interop-');
  let tracking: SqliteTrackingStore;
  afterAll(async () => {
    await tracking?.close();
    tmp.cleanup();
  });
  let n = 0;
  scenario(() => {
    const stores = openStores(tmp.dir);
    tracking = stores.tracking;
    const s = stores.models;
    const wrap =
      <A extends unknown[], R>(fn: (...a: A) => R) =>
      async (...a: A): Promise<R> =>
        fn(...a);
    return {
      uri: `sqlite:///${join(tmp.dir, 'mlflow.db')}`,
      exp: () => tracking.createExperiment(`lm-${n++}`),
      createRun: async (exp) =>
        (await tracking.createRun({ experimentId: exp, userId: 'u', startTime: Date.now(), tags: [] })).info.runId,
      api: {
        create: wrap((a) => s.createLoggedModel(a)),
        get: wrap((id) => s.getLoggedModel(id)),
        finalize: wrap((id, st) => s.finalizeLoggedModel(id, st)),
        setTags: wrap((id, t) => s.setLoggedModelTags(id, t)),
        deleteTag: wrap((id, k) => s.deleteLoggedModelTag(id, k)),
        logParams: wrap((id, p) => s.logLoggedModelParams(id, p)),
        search: wrap((q) => s.searchLoggedModels(q)),
        logOutputs: wrap((r, m) => s.logOutputs(r, m)),
        logModelMetrics: wrap((r, m) => s.logModelMetrics(r, m)),
      },
    };
  });
});

describe('LoggedModels through a real mlflow server', () => {
  const tmp = makeTempDir('lm-server-');
  let server: MlflowServer;
  let rest: RestTrackingStore;
  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      args: ['--default-artifact-root', join(tmp.dir, 'artifacts')],
      cwd: tmp.dir,
    });
  });
  afterAll(async () => {
    await rest?.close();
    await server?.stop();
    tmp.cleanup();
  });
  let n = 0;
  scenario(() => {
    rest = new RestTrackingStore(server.url);
    const s = new RestLoggedModelStore(rest.http);
    return {
      uri: server.url,
      exp: () => rest.createExperiment(`lm-${n++}`),
      createRun: async (exp) =>
        (await rest.createRun({ experimentId: exp, userId: 'u', startTime: Date.now(), tags: [] })).info.runId,
      api: {
        create: (a) => s.createLoggedModel(a),
        get: (id) => s.getLoggedModel(id),
        finalize: (id, st) => s.finalizeLoggedModel(id, st),
        setTags: (id, t) => s.setLoggedModelTags(id, t),
        deleteTag: (id, k) => s.deleteLoggedModelTag(id, k),
        logParams: (id, p) => s.logLoggedModelParams(id, p),
        search: (q) => s.searchLoggedModels(q),
        logOutputs: (r, m) => s.logOutputs(r, m),
        // Over REST, model metrics are run metrics carrying model_id (LogBatch), as MLflow's client sends them.
        logModelMetrics: (r, m) => rest.logBatch(r, { metrics: m }),
      },
    };
  });
});
