import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDataset,
  DatasetRecordSourceType,
  deleteDataset,
  deleteDatasetTag,
  getDataset,
  searchDatasets,
  setDatasetTags,
} from '../../src/eval/datasets/index.js';
import { datasetDigest, pyJsonDumpsAscii, pyNumberRepr, recordInputHash } from '../../src/eval/datasets/json.js';
import { parseDatasetFilter, resolveDatasetOrderBy } from '../../src/eval/datasets/search.js';
import { datasetStoreOf } from '../../src/eval/datasets/stores.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { scorer } from '../../src/eval/scorer.js';
import {
  closeAllTrackingStores,
  MlflowClient,
  resetFluentState,
  resetTracing,
  setTrackingUri,
} from '../../src/index.js';
import { Expectation } from '../../src/tracking/entities/assessment.js';
import { Span, type Trace } from '../../src/tracking/entities/index.js';
import { ErrorCode } from '../../src/tracking/errors.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-datasets-unit-');
let dbCount = 0;

afterAll(async () => {
  await resetTracing();
  resetFluentState();
  await closeAllTrackingStores();
  tmp.cleanup();
});

function setup() {
  const path = join(tmp.dir, `db${++dbCount}.db`);
  const client = new MlflowClient({ trackingUri: `sqlite:///${path}`, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  return { path, client, target: { client } };
}

function rows(path: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('Python json.dumps, hashes and digests', () => {
  it('writes floats as Python repr does', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'],
      [1.5e-7, '1.5e-07'],
      [123456789.125, '123456789.125'],
      [-2.5, '-2.5'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [2.71, '2.71'],
      [Math.PI, '3.141592653589793'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [1.25e17 + 0.5, '1.25e+17'],
      [42, '42'],
      [2 ** 60, '1.152921504606847e+18'],
    ];
    for (const [n, text] of cases) expect(pyNumberRepr(n)).toBe(text);
  });

  it('dumps and hashes inputs byte for byte like json.dumps(sort_keys=True) and sha256', () => {
    const inputs = { q: 'é ünï 😀', b: [1, 2.5, null, true], a: { z: 1, y: '"x"\n' } };
    expect(pyJsonDumpsAscii(inputs)).toBe(
      '{"q": "\\u00e9 \\u00fcn\\u00ef \\ud83d\\ude00", "b": [1, 2.5, null, true], "a": {"z": 1, "y": "\\"x\\"\\n"}}',
    );
    expect(pyJsonDumpsAscii(inputs, true)).toBe(
      '{"a": {"y": "\\"x\\"\\n", "z": 1}, "b": [1, 2.5, null, true], "q": "\\u00e9 \\u00fcn\\u00ef \\ud83d\\ude00"}',
    );
    // Reference values from Python 3.11 / MLflow 3.18.
    expect(recordInputHash(inputs)).toBe('bf3dbcf0a16fc8518a0a4ca62d1d3076a60c6aab3b05c9dced4830cc9dbdad57');
    expect(datasetDigest('ds1', 1795839675334)).toBe('2e4ade83');
  });
});

describe('dataset search grammar', () => {
  it('parses attributes, tags, IN lists and orderings as MLflow does', () => {
    expect(
      parseDatasetFilter(`name = 'a' AND tags.env LIKE 'p%' AND created_time >= 5 AND name IN ('x', "y")`),
    ).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'a' },
      { type: 'tag', key: 'env', comparator: 'LIKE', value: 'p%' },
      { type: 'attribute', key: 'created_time', comparator: '>=', value: 5 },
      { type: 'attribute', key: 'name', comparator: 'IN', value: ['x', 'y'] },
    ]);
    expect(resolveDatasetOrderBy(['name ASC'])).toEqual([
      { key: 'name', ascending: true },
      { key: 'dataset_id', ascending: false },
    ]);
  });

  it('rejects what MLflow rejects, with its messages', () => {
    expect(() => parseDatasetFilter("digest = 'x'")).toThrow(/Invalid attribute key 'digest' specified/);
    expect(() => parseDatasetFilter("params.x = 'x'")).toThrow("Invalid identifier token 'params' specified");
    expect(() => parseDatasetFilter("created_by IN ('a')")).toThrow(
      "Only ['name'] attributes support comparison with a list of quoted string values.",
    );
    expect(() => parseDatasetFilter("name NOT IN ('a')")).toThrow(
      "List values for 'name' are only supported with the IN comparator.",
    );
    expect(() => parseDatasetFilter("name > 'a'")).not.toThrow();
    expect(() => parseDatasetFilter('created_time > 1.5')).toThrow(
      "Invalid value for numeric attribute 'created_time': '1.5'",
    );
    expect(() => parseDatasetFilter('tags.a IS NULL')).toThrow(/IS NULL/);
    expect(() => parseDatasetFilter("name = 'a' OR name = 'b'")).toThrow('Invalid clause(s) in filter string');
    expect(() => resolveDatasetOrderBy(['created_by DESC'])).toThrow(/Invalid attribute key 'created_by'/);
  });
});

describe('evaluation datasets in the embedded store', () => {
  it('create writes MLflow rows: d- id, digest, user tag, created_by, experiment associations', async () => {
    const { path, client, target } = setup();
    const exp = await client.createExperiment('e1');
    const ds = await createDataset({ ...target, name: 'qa', experimentId: [exp, '0'], tags: { team: 'ml' } });
    expect(ds.datasetId).toMatch(/^d-[0-9a-f]{32}$/);
    expect(ds.digest).toBe(datasetDigest('qa', ds.createdTime));
    expect(ds.lastUpdateTime).toBe(ds.createdTime);
    expect(ds.tags.team).toBe('ml');
    expect(ds.createdBy).toBe(ds.tags['mlflow.user']);
    expect(ds.schema).toBeNull();
    expect(ds.profile).toBeNull();
    expect(await ds.getExperimentIds()).toEqual([exp, '0']);
    const links = rows(path, 'SELECT * FROM entity_associations ORDER BY destination_id');
    expect(links.map((l) => [l.source_type, l.source_id, l.destination_type, l.destination_id])).toEqual([
      ['evaluation_dataset', ds.datasetId, 'experiment', '0'],
      ['evaluation_dataset', ds.datasetId, 'experiment', exp],
    ]);
    expect(links.every((l) => /^a-[0-9a-f]{32}$/.test(String(l.association_id)))).toBe(true);
    const [row] = rows(path, 'SELECT workspace, digest FROM evaluation_datasets');
    expect(row).toEqual({ workspace: 'default', digest: ds.digest });
  });

  it('mergeRecords inserts and upserts by inputs, storing JSON and sources as MLflow does', async () => {
    const { path, target } = setup();
    const ds = await createDataset({ ...target, name: 'merge', experimentId: '0' });
    await ds.mergeRecords([
      { inputs: { q: 'hi', n: 1 }, expectations: { answer: 'hello' } },
      {
        inputs: { q: 'x' },
        outputs: { k: [1, 2.5, null] },
        tags: { t: 'v' },
        source: { sourceType: 'trace', sourceData: { trace_id: 'tr-1' } },
      },
      { inputs: { q: 'y' }, expectations: {} },
      { inputs: { q: 'é' }, outputs: 'out' },
    ]);
    const firstDigest = ds.digest;
    expect(ds.schema).toBe(
      '{"inputs": {"q": "string", "n": "integer"}, "outputs": {"k": "array"}, "expectations": {"answer": "string"}, "version": "1.0"}',
    );
    expect(ds.profile).toBe('{"num_records": 4}');
    // Same inputs in another key order: an update, merging expectations and replacing outputs.
    await new Promise((r) => setTimeout(r, 5));
    await ds.mergeRecords([{ inputs: { n: 1, q: 'hi' }, expectations: { other: true }, outputs: null }]);
    expect(ds.digest).not.toBe(firstDigest);
    expect(ds.digest).toBe(datasetDigest('merge', ds.lastUpdateTime));
    expect(ds.profile).toBe('{"num_records": 4}');

    const stored = rows(
      path,
      'SELECT inputs, outputs, expectations, tags, source, source_id, source_type, input_hash FROM evaluation_dataset_records ORDER BY inputs',
    );
    const user = ds.tags['mlflow.user'];
    expect(stored).toEqual([
      {
        inputs: '{"q": "\\u00e9"}',
        outputs: '{"mlflow_wrapped": "out"}',
        expectations: 'null',
        tags: `{"mlflow.user": "${user}"}`,
        source: '{"source_type": "CODE", "source_data": {}}',
        source_id: null,
        source_type: 'CODE',
        input_hash: recordInputHash({ q: 'é' }),
      },
      {
        inputs: '{"q": "hi", "n": 1}',
        outputs: 'null',
        expectations: '{"answer": "hello", "other": true}',
        tags: `{"mlflow.user": "${user}"}`,
        source: '{"source_type": "HUMAN", "source_data": {}}',
        source_id: null,
        source_type: 'HUMAN',
        input_hash: recordInputHash({ q: 'hi', n: 1 }),
      },
      {
        inputs: '{"q": "x"}',
        outputs: '{"mlflow_wrapped": {"k": [1, 2.5, null]}}',
        expectations: 'null',
        tags: `{"mlflow.user": "${user}", "t": "v"}`,
        source: '{"source_type": "TRACE", "source_data": {"trace_id": "tr-1"}}',
        source_id: 'tr-1',
        source_type: 'TRACE',
        input_hash: recordInputHash({ q: 'x' }),
      },
      {
        inputs: '{"q": "y"}',
        outputs: '{"mlflow_wrapped": {}}',
        expectations: '{}',
        tags: `{"mlflow.user": "${user}"}`,
        source: 'null',
        source_id: null,
        source_type: null,
        input_hash: recordInputHash({ q: 'y' }),
      },
    ]);

    const fresh = await getDataset(ds.datasetId, target);
    const records = await fresh.loadRecords();
    expect(records).toHaveLength(4);
    const byQ = new Map(records.map((r) => [r.inputs.q, r]));
    expect(byQ.get('hi')?.outputs).toBeNull();
    expect(byQ.get('hi')?.expectations).toEqual({ answer: 'hello', other: true });
    expect(byQ.get('y')?.outputs).toEqual({}); // a record made without outputs reads back `{}` in MLflow too
    expect(byQ.get('x')?.source).toEqual({
      sourceType: DatasetRecordSourceType.TRACE,
      sourceData: { trace_id: 'tr-1' },
    });
    expect(byQ.get('x')?.sourceId).toBe('tr-1');
    expect(await fresh.toRecords()).toContainEqual({
      inputs: { q: 'hi', n: 1 },
      expectations: { answer: 'hello', other: true },
    });
  });

  it('merges traces: root span inputs/outputs, expectation assessments, a TRACE source with the session', async () => {
    const { target } = setup();
    const ds = await createDataset({ ...target, name: 'from-traces', experimentId: '0' });
    const root = new Span({
      trace_id: 'AAAAAAAAAAAAAAAAAAAAAA==',
      span_id: 'AAAAAAAAAAE=',
      parent_span_id: null,
      name: 'root',
      start_time_unix_nano: 1,
      end_time_unix_nano: 2,
      attributes: { 'mlflow.spanInputs': '{"question": "why?"}', 'mlflow.spanOutputs': '"because"' },
      status: { code: 'STATUS_CODE_OK', message: '' },
      events: [],
    } as never);
    const trace: Trace = {
      info: {
        traceId: 'tr-00000000000000000000000000000001',
        experimentId: '0',
        requestTime: 1,
        executionDuration: 1,
        state: 'OK',
        requestPreview: null,
        responsePreview: null,
        clientRequestId: null,
        traceMetadata: { 'mlflow.trace.session': 's-1' },
        tags: {},
        assessments: [new Expectation({ name: 'expected_response', value: 'because' })],
      },
      data: { spans: [root] },
    };
    await ds.mergeRecords([trace]);
    const [record] = await ds.loadRecords();
    expect(record?.inputs).toEqual({ question: 'why?' });
    expect(record?.outputs).toBe('because');
    expect(record?.expectations).toEqual({ expected_response: 'because' });
    expect(record?.source).toEqual({
      sourceType: 'TRACE',
      sourceData: { trace_id: 'tr-00000000000000000000000000000001', session_id: 's-1' },
    });
  });

  it('get by name, search with filters and paging, tags, delete', async () => {
    const { target } = setup();
    const a = await createDataset({ ...target, name: 'alpha', experimentId: '0', tags: { env: 'prod' } });
    await new Promise((r) => setTimeout(r, 3));
    const b = await createDataset({ ...target, name: "it's", experimentId: '0', tags: { env: 'dev' } });
    expect((await getDataset('alpha', target)).datasetId).toBe(a.datasetId);
    expect((await getDataset({ name: "it's" }, target)).datasetId).toBe(b.datasetId);
    // A name with both quote kinds cannot be matched by MLflow's filter either.
    await new Promise((r) => setTimeout(r, 3));
    await createDataset({ ...target, name: 'a\'b"c', experimentId: '0' });
    await expectMlflowError(getDataset('a\'b"c', target), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'not found');
    await expectMlflowError(
      getDataset('nope', target),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      "Dataset with name 'nope' not found.",
    );
    await new Promise((r) => setTimeout(r, 3));
    await createDataset({ ...target, name: 'alpha', experimentId: '0' });
    await expectMlflowError(
      getDataset('alpha', target),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "Multiple datasets found with name 'alpha'",
    );
    await expectMlflowError(
      getDataset(`d-${'0'.repeat(32)}`, target),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      `Evaluation dataset with id 'd-${'0'.repeat(32)}' not found`,
    );

    expect((await searchDatasets({ ...target })).map((d) => d.name)).toEqual(['alpha', 'a\'b"c', "it's", 'alpha']);
    expect((await searchDatasets({ ...target, filterString: "tags.env = 'prod'" })).map((d) => d.datasetId)).toEqual([
      a.datasetId,
    ]);
    expect(
      (await searchDatasets({ ...target, filterString: "name ILIKE 'ALP%'", orderBy: ['created_time ASC'] })).map(
        (d) => d.datasetId,
      )[0],
    ).toBe(a.datasetId);
    expect(await searchDatasets({ ...target, filterString: "name LIKE 'ALP%'" })).toEqual([]);
    expect(await searchDatasets({ ...target, experimentIds: ['12345'] })).toEqual([]);
    expect(await searchDatasets({ ...target, maxResults: 2 })).toHaveLength(2);
    expect(await searchDatasets({ ...target, maxResults: 200 })).toHaveLength(4);
    const store = datasetStoreOf(target.client.store);
    const page1 = await store.searchDatasets({ maxResults: 1, orderBy: ['name ASC'] });
    expect(page1.items[0]?.name).toBe('a\'b"c');
    const page3 = await store.searchDatasets({
      maxResults: 1,
      orderBy: ['name ASC'],
      pageToken: (await store.searchDatasets({ maxResults: 2, orderBy: ['name ASC'] })).nextPageToken,
    });
    expect(page3.items[0]?.name).toBe('alpha');

    await setDatasetTags(a.datasetId, { env: 'staging', owner: 'me', skipped: null }, target);
    expect((await getDataset(a.datasetId, target)).tags).toMatchObject({ env: 'staging', owner: 'me' });
    await deleteDatasetTag(a.datasetId, 'owner', target);
    expect((await getDataset(a.datasetId, target)).tags.owner).toBeUndefined();
    await expectMlflowError(
      setDatasetTags('d-missing', { a: 'b' }, target),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'Could not find evaluation dataset with ID d-missing',
    );

    await a.mergeRecords([{ inputs: { q: 1 } }]);
    await deleteDataset(a.datasetId, target);
    await deleteDataset(a.datasetId, target); // missing: no error, as MLflow
    await expectMlflowError(getDataset(a.datasetId, target), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'not found');
    await expectMlflowError(
      a.mergeRecords([{ inputs: { q: 2 } }]),
      ErrorCode.INVALID_PARAMETER_VALUE,
      'Dataset not found',
    );
  });

  it('refuses bad records before writing anything', async () => {
    const { path, target } = setup();
    const ds = await createDataset({ ...target, name: 'bad', experimentId: '0' });
    await expectMlflowError(
      ds.mergeRecords([{ outputs: 1 } as never]),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "Each record must have an 'inputs' field",
    );
    await expectMlflowError(
      ds.mergeRecords([{ inputs: { q: 1 } }, { inputs: { q: 2 }, source: { sourceType: 'bogus' } }]),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "Invalid dataset record source type: BOGUS. Valid source types: ['UNSPECIFIED', 'TRACE', 'HUMAN', 'DOCUMENT', 'CODE']",
    );
    await expectMlflowError(
      ds.mergeRecords([{ inputs: { goal: 'g', question: 'q' } }]),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "cannot mix session fields ['goal'] with other fields ['question']",
    );
    await ds.mergeRecords([{ inputs: { q: 'scalar' }, outputs: 'text' }]);
    await expectMlflowError(
      ds.mergeRecords([{ inputs: { q: 'obj' }, outputs: { a: 1 } }]),
      ErrorCode.INVALID_PARAMETER_VALUE,
      "Record 0 has object outputs, but the dataset's outputs are of type 'string'",
    );
    expect(rows(path, 'SELECT count(*) AS n FROM evaluation_dataset_records')).toEqual([{ n: 1 }]);
  });

  it('deleteRecords updates the profile; experiments can be added and removed', async () => {
    const { path, client, target } = setup();
    const ds = await createDataset({ ...target, name: 'del', experimentIds: ['0'] });
    await ds.mergeRecords([{ inputs: { q: 1 } }, { inputs: { q: 2 } }]);
    const [first] = await ds.loadRecords();
    expect(await ds.deleteRecords([first!.datasetRecordId, 'dr-missing'])).toBe(1);
    expect(ds.profile).toBe('{"num_records": 1}');
    const [last] = await ds.loadRecords();
    expect(await ds.deleteRecords([last!.datasetRecordId])).toBe(1);
    expect(rows(path, 'SELECT profile FROM evaluation_datasets')).toEqual([{ profile: 'null' }]);

    const exp = await client.createExperiment('more');
    const store = datasetStoreOf(client.store);
    await store.addDatasetToExperiments(ds.datasetId, [exp]);
    expect(await store.getDatasetExperimentIds(ds.datasetId)).toEqual(['0', exp]);
    await expectMlflowError(
      store.addDatasetToExperiments(ds.datasetId, ['999']),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'No Experiment with id=999',
    );
    await store.removeDatasetFromExperiments(ds.datasetId, ['0', '42']);
    expect(await store.getDatasetExperimentIds(ds.datasetId)).toEqual([exp]);
    expect((await searchDatasets({ ...target, experimentIds: exp })).map((d) => d.datasetId)).toEqual([ds.datasetId]);
  });

  it('pages records with MLflow cursor tokens', async () => {
    const { target } = setup();
    const ds = await createDataset({ ...target, name: 'paged', experimentId: '0' });
    await ds.mergeRecords(Array.from({ length: 5 }, (_, i) => ({ inputs: { i } })));
    const store = datasetStoreOf(target.client.store);
    const p1 = await store.loadDatasetRecords(ds.datasetId, { maxResults: 2 });
    expect(p1.records).toHaveLength(2);
    const [time, id] = Buffer.from(p1.nextPageToken!, 'base64').toString().split(':');
    expect(Number(time)).toBe(p1.records[1]?.createdTime);
    expect(id).toBe(p1.records[1]?.datasetRecordId);
    const p2 = await store.loadDatasetRecords(ds.datasetId, { maxResults: 2, pageToken: p1.nextPageToken! });
    const p3 = await store.loadDatasetRecords(ds.datasetId, { maxResults: 2, pageToken: p2.nextPageToken! });
    expect(p3.nextPageToken).toBeUndefined();
    const ids = [...p1.records, ...p2.records, ...p3.records].map((r) => r.datasetRecordId);
    expect(new Set(ids).size).toBe(5);
  });

  it('evaluate() takes a dataset as data: its records, outputs and expectations', async () => {
    const { path, client } = setup();
    setTrackingUri(`sqlite:///${path}`);
    const ds = await createDataset({ client, name: 'to-evaluate', experimentId: '0' });
    await ds.mergeRecords([
      { inputs: { q: 'capital of France?' }, outputs: 'Paris', expectations: { expected_response: 'Paris' } },
      { inputs: { q: 'capital of Spain?' }, outputs: 'Lisbon', expectations: { expected_response: 'Madrid' } },
    ]);
    const same = scorer({ name: 'same' }, ({ outputs, expectations }) => outputs === expectations.expected_response);
    const result = await evaluate({ data: await getDataset(ds.datasetId, { client }), scorers: [same], quiet: true });
    // Records come in MLflow's order (creation time, then record id): sort to compare.
    expect(result.rows.map((r) => [r.inputs.q, r.outputs, r.feedbacks[0]?.value]).sort()).toEqual([
      ['capital of France?', 'Paris', true],
      ['capital of Spain?', 'Lisbon', false],
    ]);
    expect(result.metrics['same/mean']).toBe(0.5);
  });
});
