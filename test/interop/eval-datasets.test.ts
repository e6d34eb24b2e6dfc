// Evaluation datasets against real MLflow 3.18, in an embedded SQLite file and through a real
// `mlflow server`: a dataset the SDK creates and merges into reads in Python's
// `mlflow.genai.datasets.get_dataset` with identical ids, records, digests, schema, profile, tags and
// experiment links; a dataset Python makes reads identically in the SDK; merges from either side upsert
// the same records (one record per inputs, expectations merged); search and delete agree.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDataset,
  type DatasetRecord,
  type EvaluationDataset,
  getDataset,
  searchDatasets,
} from '../../src/eval/datasets/index.js';
import { closeAllTrackingStores, MlflowClient } from '../../src/index.js';
import { ErrorCode } from '../../src/tracking/errors.js';
import { expectMlflowError } from '../helpers/errors.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

type Dumped = Record<string, unknown> & { dataset_id: string; records: Array<Record<string, unknown>> };
type PyResult = Dumped | string[] | null | { error: { code: string; message: string } };

const tmp = makeTempDir('mlflow-genai-eval-datasets-interop-');
let server: MlflowServer | undefined;

beforeAll(async () => {
  server = await startMlflowServer({
    backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
    cwd: tmp.dir,
    env: { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
    args: ['--default-artifact-root', join(tmp.dir, 'server-artifacts')],
  });
});

afterAll(async () => {
  await closeAllTrackingStores();
  await server?.stop();
  tmp.cleanup();
});

/** The SDK's view of a dataset in the shape of Python's `DatasetRecord.to_dict` / our `dump` there. */
async function dumpSdk(id: string, client: MlflowClient): Promise<Dumped> {
  const ds = await getDataset(id, { client });
  const records = [...(await ds.loadRecords())]
    .map(dumpRecord)
    .sort((a, b) => String(a.dataset_record_id).localeCompare(String(b.dataset_record_id)));
  return {
    dataset_id: ds.datasetId,
    name: ds.name,
    digest: ds.digest,
    tags: { ...ds.tags },
    schema: ds.schema,
    profile: ds.profile,
    created_time: ds.createdTime,
    last_update_time: ds.lastUpdateTime,
    created_by: ds.createdBy,
    last_updated_by: ds.lastUpdatedBy,
    experiment_ids: (await ds.getExperimentIds()).sort(),
    records,
  };
}

function dumpRecord(r: DatasetRecord): Record<string, unknown> {
  const d: Record<string, unknown> = {
    dataset_record_id: r.datasetRecordId,
    dataset_id: r.datasetId,
    inputs: r.inputs,
    created_time: r.createdTime,
    last_update_time: r.lastUpdateTime,
  };
  if (r.outputs !== null) d.outputs = r.outputs;
  if (r.expectations !== null) d.expectations = r.expectations;
  d.tags = r.tags;
  if (r.source) d.source = { source_type: r.source.sourceType, source_data: r.source.sourceData };
  if (r.sourceId !== null) d.source_id = r.sourceId;
  if (r.sourceType !== null) d.source_type = r.sourceType;
  if (r.createdBy !== null) d.created_by = r.createdBy;
  if (r.lastUpdatedBy !== null) d.last_updated_by = r.lastUpdatedBy;
  return d;
}

const SDK_RECORDS = [
  {
    inputs: { question: 'What is MLflow?', lang: 'en' },
    expectations: { expected_response: 'A platform', score: 0.75 },
  },
  { inputs: { question: 'Ünïcødé ✓ 😀', n: 3 }, outputs: { answer: 'ok', tokens: [1, 2.5] }, tags: { k: 'v' } },
  {
    inputs: { question: 'empty' },
    outputs: '',
    source: { sourceType: 'document', sourceData: { source_id: 'doc-7' } },
  },
];
const PY_RECORDS = [
  { inputs: { q: 'py one', nested: { a: [1, 'x', null] } }, expectations: { expected_facts: ['f1', 'f2'] } },
  { inputs: { q: 'py two' }, outputs: 'two', source: { source_type: 'TRACE', source_data: { trace_id: 'tr-abc' } } },
  { inputs: { q: 'py three ü' }, expectations: {} },
];

interface Side {
  uri: string;
  client: MlflowClient;
  exp: string;
  s: EvaluationDataset;
  sdkBefore: Dumped;
  p?: EvaluationDataset;
  sdkP?: Dumped;
}

/** Phase 1 (SDK): an experiment and a dataset with records, one merge updating a record. */
async function sdkCreate(uri: string): Promise<Side> {
  const client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  const exp = await client.createExperiment(`datasets-${Date.now()}`);
  const s = await createDataset({ client, name: 'sdk_ds', experimentId: [exp], tags: { team: 'ts' } });
  await s.mergeRecords(SDK_RECORDS);
  await s.mergeRecords([
    { inputs: { lang: 'en', question: 'What is MLflow?' }, outputs: 'answer text', expectations: { extra: true } },
  ]);
  const sdkBefore = await dumpSdk(s.datasetId, client);
  expect(sdkBefore.records).toHaveLength(3);
  return { uri, client, exp, s, sdkBefore };
}

/** Phase 2 (Python): create a dataset, read and merge into the SDK's, search, read by name. */
function pyPhase1(side: Side): Array<Record<string, unknown>> {
  const { uri, exp, s } = side;
  return [
    {
      op: 'create',
      name: 'py_ds',
      experiment_id: exp,
      tags: { team: 'py' },
      merges: [PY_RECORDS, [{ inputs: { q: 'py two' }, outputs: 'two, replaced' }]],
    },
    { op: 'read', dataset_id: s.datasetId },
    {
      op: 'merge',
      dataset_id: s.datasetId,
      records: [
        { inputs: { question: 'What is MLflow?', lang: 'en' }, expectations: { from_py: 'yes' } },
        { inputs: { question: 'new from py' } },
      ],
    },
    { op: 'search', filter_string: "name = 'sdk_ds'" },
    { op: 'read', name: 'py_ds' },
  ].map((op) => ({ ...op, tracking_uri: uri }));
}

/** Phase 3 (SDK): check Python's results, then merge into Python's dataset. */
async function sdkCheckAndMerge(side: Side, results: PyResult[]): Promise<void> {
  const { client, exp, s, sdkBefore } = side;
  const [pyCreated, pyReadS, pyMergedS, pySearch, pyByName] = results;
  // Python reads exactly what the SDK wrote.
  expect(pyReadS).toEqual(sdkBefore);
  // The SDK reads exactly what Python wrote and merged.
  const created = pyCreated as Dumped;
  expect(created.dataset_id, JSON.stringify(pyCreated)).toMatch(/^d-/);
  expect(await dumpSdk(created.dataset_id, client)).toEqual(created);
  expect(pyByName).toEqual(created);
  const mergedS = pyMergedS as Dumped;
  expect(await dumpSdk(s.datasetId, client)).toEqual(mergedS);
  expect(mergedS.records).toHaveLength(4);
  const mlflowRecord = mergedS.records.find((r) => (r.inputs as { question?: string }).question === 'What is MLflow?');
  expect(mlflowRecord?.expectations).toEqual({
    expected_response: 'A platform',
    score: 0.75,
    extra: true,
    from_py: 'yes',
  });
  expect(mlflowRecord?.outputs).toBe('answer text');
  expect(pySearch).toEqual([s.datasetId]);

  // The SDK merges into Python's dataset: one update (inputs in another key order), one insert.
  const p = await getDataset('py_ds', { client });
  await p.mergeRecords([
    { inputs: { nested: { a: [1, 'x', null] }, q: 'py one' }, outputs: 'from ts' },
    { inputs: { q: 'from ts' }, expectations: { expected_response: 'yes' } },
  ]);
  side.p = p;
  side.sdkP = await dumpSdk(p.datasetId, client);
  expect(side.sdkP.records).toHaveLength(4);
  expect((await searchDatasets({ client, experimentIds: exp })).map((d) => d.datasetId).sort()).toEqual(
    [p.datasetId, s.datasetId].sort(),
  );
}

/** Phase 4 (Python): read the SDK's merge, search by experiment, delete the SDK's dataset. */
function pyPhase2(side: Side): Array<Record<string, unknown>> {
  const { uri, exp, s, p } = side;
  return [
    { op: 'read', dataset_id: p!.datasetId },
    { op: 'search', experiment_ids: [exp], order_by: ['name ASC'] },
    { op: 'delete', dataset_id: s.datasetId },
    { op: 'read', dataset_id: s.datasetId },
  ].map((op) => ({ ...op, tracking_uri: uri }));
}

async function sdkFinalCheck(side: Side, results: PyResult[]): Promise<void> {
  const { client, s, p, sdkP } = side;
  const [pyReadP, pySearchExp, , pyGone] = results;
  expect(pyReadP).toEqual(sdkP);
  expect(pySearchExp).toEqual([p!.datasetId, s.datasetId]);
  const gone = pyGone as { error: { code: string; message: string } };
  expect(gone.error.code).toBe('RESOURCE_DOES_NOT_EXIST');
  expect(gone.error.message).toContain(`Evaluation dataset with id '${s.datasetId}' not found`);
  await expectMlflowError(
    getDataset(s.datasetId, { client }),
    ErrorCode.RESOURCE_DOES_NOT_EXIST,
    `Evaluation dataset with id '${s.datasetId}' not found`,
  );
}

describe('evaluation datasets interop with MLflow 3.18', () => {
  it('embedded SQLite and mlflow server: datasets made on either side read identically on the other', async () => {
    // Both backends go through the same phases; each Python phase is one process for both.
    const sides = [await sdkCreate(`sqlite:///${join(tmp.dir, 'embedded.db')}`), await sdkCreate(server!.url)];
    const py1 = sides.map(pyPhase1);
    const out1 = await runPythonJson<PyResult[]>('eval_datasets_ops.py', {
      tracking_uri: sides[0]!.uri,
      ops: py1.flat(),
    });
    let at = 0;
    for (const [i, side] of sides.entries()) {
      await sdkCheckAndMerge(side, out1.slice(at, at + py1[i]!.length));
      at += py1[i]!.length;
    }
    const py2 = sides.map(pyPhase2);
    const out2 = await runPythonJson<PyResult[]>('eval_datasets_ops.py', {
      tracking_uri: sides[0]!.uri,
      ops: py2.flat(),
    });
    at = 0;
    for (const [i, side] of sides.entries()) {
      await sdkFinalCheck(side, out2.slice(at, at + py2[i]!.length));
      at += py2[i]!.length;
    }
  });
});
