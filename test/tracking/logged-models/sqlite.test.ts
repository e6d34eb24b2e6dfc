import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/tracking/errors.js';
import { parseLoggedModelFilter, type SqliteLoggedModelStore } from '../../../src/tracking/sqlite/logged-models.js';
import type { SqliteTrackingStore } from '../../../src/tracking/sqlite/store.js';
import { expectMlflowError } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/paths.js';
import { openStores } from './host.js';

let tmp: { dir: string; cleanup: () => void };
let tracking: SqliteTrackingStore;
let models: SqliteLoggedModelStore;
let exp: string;

beforeEach(async () => {
  tmp = makeTempDir('lm-sqlite-');
  ({ tracking, models } = openStores(tmp.dir));
  exp = await tracking.createExperiment('lm');
});
afterEach(async () => {
  await tracking.close();
  tmp.cleanup();
});

const sync = async <T>(fn: () => T): Promise<T> => fn();

describe('SqliteLoggedModelStore', () => {
  it('creates a PENDING model with an m-<32 hex> id, artifact location under models/, params, tags and source run', async () => {
    const run = await tracking.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [] });
    const m = models.createLoggedModel({
      experimentId: exp,
      name: 'my-model',
      sourceRunId: run.info.runId,
      params: { lr: '0.1' },
      tags: [{ key: 't', value: 'v' }],
      modelType: 'agent',
    });
    expect(m.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    const expRow = await tracking.getExperiment(exp);
    expect(m.artifactLocation).toBe(`${expRow.artifactLocation}/models/${m.modelId}/artifacts`);
    expect(m).toMatchObject({
      experimentId: exp,
      name: 'my-model',
      status: 'PENDING',
      sourceRunId: run.info.runId,
      modelType: 'agent',
      statusMessage: null,
      params: { lr: '0.1' },
      tags: { t: 'v' },
      metrics: [],
    });
    expect(m.creationTimestamp).toBe(m.lastUpdatedTimestamp);
  });

  it('generates a name when none is given and rejects names with forbidden characters', async () => {
    expect(models.createLoggedModel({ experimentId: exp }).name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    for (const name of ['a/b', 'a.b', '', "it's"]) {
      await expectMlflowError(
        sync(() => models.createLoggedModel({ experimentId: exp, name })),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Invalid model name',
      );
    }
  });

  it('refuses a deleted experiment and reports missing models with RESOURCE_DOES_NOT_EXIST', async () => {
    await tracking.deleteExperiment(exp);
    await expectMlflowError(
      sync(() => models.createLoggedModel({ experimentId: exp })),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "must be in the 'active' state",
    );
    await expectMlflowError(
      sync(() => models.getLoggedModel('m-0000')),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      "Logged model with ID 'm-0000' not found.",
    );
  });

  it('finalizes, tags, untags, logs params and soft-deletes', async () => {
    const m = models.createLoggedModel({ experimentId: exp, name: 'x' });
    expect(models.finalizeLoggedModel(m.modelId, 'READY').status).toBe('READY');
    models.setLoggedModelTags(m.modelId, [
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    models.deleteLoggedModelTag(m.modelId, 'b');
    await expectMlflowError(
      sync(() => models.deleteLoggedModelTag(m.modelId, 'b')),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      `No tag with key 'b' found for model with ID '${m.modelId}'.`,
    );
    models.logLoggedModelParams(m.modelId, { p: 'v' });
    const got = models.getLoggedModel(m.modelId);
    expect(got.tags).toEqual({ a: '2' });
    expect(got.params).toEqual({ p: 'v' });
    models.deleteLoggedModel(m.modelId);
    await expectMlflowError(
      sync(() => models.getLoggedModel(m.modelId)),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'not found',
    );
    expect(models.getLoggedModel(m.modelId, true).modelId).toBe(m.modelId);
    expect(models.searchLoggedModels({ experimentIds: [exp] }).items).toEqual([]);
  });

  it('links metrics to a model and run outputs to a run', async () => {
    const run = await tracking.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [] });
    const m = models.createLoggedModel({ experimentId: exp, sourceRunId: run.info.runId });
    models.logOutputs(run.info.runId, [{ modelId: m.modelId, step: 3 }]);
    models.logModelMetrics(run.info.runId, [
      { key: 'acc', value: 0.9, timestamp: 10, step: 1, modelId: m.modelId, datasetName: 'ds', datasetDigest: 'd1' },
      { key: 'acc', value: 0.9, timestamp: 10, step: 1, modelId: m.modelId, datasetName: 'ds', datasetDigest: 'd1' },
      { key: 'loss', value: Number.NaN, timestamp: 10, step: 1 },
    ]);
    const got = models.getLoggedModel(m.modelId);
    expect(got.metrics).toEqual([
      {
        key: 'acc',
        value: 0.9,
        timestamp: 10,
        step: 1,
        runId: run.info.runId,
        modelId: m.modelId,
        datasetName: 'ds',
        datasetDigest: 'd1',
      },
    ]);
    const links = models.runModelLinks([run.info.runId]).get(run.info.runId);
    expect(links).toEqual({ modelInputs: [], modelOutputs: [{ modelId: m.modelId, step: 3 }] });
  });

  it('searches with MLflow filters, datasets and metric ordering, paging with tokens', async () => {
    const run = await tracking.createRun({ experimentId: exp, userId: 'u', startTime: 1, tags: [] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = models.createLoggedModel({
        experimentId: exp,
        name: `m${i}`,
        params: { i: String(i) },
        tags: { parity: i % 2 ? 'odd' : 'even' },
      });
      models.logModelMetrics(run.info.runId, [
        { key: 'acc', value: i / 10, timestamp: 1, step: 0, modelId: m.modelId, datasetName: i < 3 ? 'a' : 'b' },
      ]);
      ids.push(m.modelId);
      await new Promise((r) => setTimeout(r, 2));
    }
    models.finalizeLoggedModel(ids[1] as string, 'READY');
    const names = (q: Parameters<SqliteLoggedModelStore['searchLoggedModels']>[0]) =>
      models.searchLoggedModels(q).items.map((m) => m.name);
    expect(names({ experimentIds: [exp] })).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(names({ experimentIds: [exp], filterString: "tags.parity = 'odd'" })).toEqual(['m3', 'm1']);
    expect(names({ experimentIds: [exp], filterString: "metrics.acc >= 0.2 AND params.i != '4'" })).toEqual([
      'm3',
      'm2',
    ]);
    expect(names({ experimentIds: [exp], filterString: "status = 'READY'" })).toEqual(['m1']);
    expect(names({ experimentIds: [exp], filterString: "name IN ('m0', 'm2')" })).toEqual(['m2', 'm0']);
    expect(names({ experimentIds: [exp], filterString: "name LIKE 'm%'", maxResults: 2 })).toEqual(['m4', 'm3']);
    expect(names({ experimentIds: [exp], orderBy: [{ fieldName: 'metrics.acc', ascending: true }] })).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    expect(names({ experimentIds: [exp], datasets: [{ datasetName: 'b' }] })).toEqual(['m4', 'm3']);
    const p1 = models.searchLoggedModels({ experimentIds: [exp], maxResults: 2, orderBy: [{ fieldName: 'name' }] });
    expect(p1.items.map((m) => m.name)).toEqual(['m0', 'm1']);
    const token = p1.nextPageToken as string;
    expect(JSON.parse(Buffer.from(token, 'base64').toString())).toEqual({
      experiment_ids: [exp],
      filter_string: null,
      order_by: [{ field_name: 'name' }],
      offset: 2,
    });
    const p2 = models.searchLoggedModels({
      experimentIds: [exp],
      maxResults: 2,
      orderBy: [{ fieldName: 'name' }],
      pageToken: token,
    });
    expect(p2.items.map((m) => m.name)).toEqual(['m2', 'm3']);
    await expectMlflowError(
      sync(() => models.searchLoggedModels({ experimentIds: [exp], pageToken: token })),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Order by in the page token does not match',
    );
  });

  it('rejects bad filters and order_by with INVALID_PARAMETER_VALUE', async () => {
    const bad: Array<[string, string]> = [
      ['foo.bar = 1', "Invalid entity type: 'foo'"],
      ["metrics.acc LIKE '1'", "Invalid comparison operator for metrics.acc: 'LIKE'"],
      ["status = 'DONE'", "Unknown model status in filter: 'DONE'"],
      ["status LIKE 'R%'", 'Invalid comparison operator for status: LIKE'],
      ["name = 'a' OR name = 'b'", 'Invalid filter string'],
    ];
    for (const [filterString, message] of bad) {
      await expectMlflowError(
        sync(() => models.searchLoggedModels({ experimentIds: [exp], filterString })),
        ErrorCode.INVALID_PARAMETER_VALUE,
        message,
      );
    }
    await expectMlflowError(
      sync(() => models.searchLoggedModels({ experimentIds: [exp], orderBy: [{ fieldName: 'params.x' }] })),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Invalid order by field name: params.x. Only metrics are supported.',
    );
    await expectMlflowError(
      sync(() => models.searchLoggedModels({ experimentIds: [exp], orderBy: [{ fieldName: 'nope' }] })),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Invalid order by field name: nope',
    );
  });

  it('parses the filter grammar with aliases, backticks and IN lists', () => {
    expect(parseLoggedModelFilter("creation_time > 5 AND tags.`a b` IN ('x', 'y')")).toEqual([
      { entity: { type: 'attributes', key: 'creation_timestamp_ms' }, op: '>', value: 5 },
      { entity: { type: 'tags', key: 'a b' }, op: 'IN', value: ['x', 'y'] },
    ]);
  });
});
