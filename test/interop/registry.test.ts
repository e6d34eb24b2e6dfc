// The model registry against MLflow 3.18.0, both directions, embedded and through a real server.
//
// Python's MlflowClient runs a scenario of registry calls into database A (registry_make.py), then
// answers the search parity cases on it and dumps it. The SDK replays the same calls into database
// B: every call must give what MLflow gave (results and error codes), and the registry tables of A
// and B must hold the same rows cell by cell, timestamps aside. The SDK reads A as Python does;
// Python reads B as the SDK does. A copy of A is then served by `mlflow server`: the REST store reads
// it and searches it as Python did, writes a second scenario into it that Python reads back, and
// meets the server's errors with the same codes as the embedded store.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  MlflowClient,
  RestRegistryStore,
  RestTrackingStore,
  SqliteTrackingStore,
} from '../../src/index.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';
import {
  dumpRegistry,
  type OpResult,
  REGISTRY_OPS,
  type RegistryOp,
  registryRows,
  replayOp,
  runSearchCase,
  SEARCH_CASES,
  type SearchOutcome,
  withoutTimestamps,
} from '../helpers/registry.js';

interface MakeOutput {
  ctx: Record<string, string>;
  ops: OpResult[];
  cases: SearchOutcome[];
  dump: { models: unknown[]; versions: unknown[] };
}

type ReadOutput = Array<{ dump: { models: unknown[]; versions: unknown[] }; ops: OpResult[] }>;

// The job runner's worker processes are of no use here and cost a 2-core machine dearly.
const SERVER_ENV = { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };

/** The REST scenario: sources the server accepts (it checks them against runs and LoggedModels). */
const REST_OPS: RegistryOp[] = [
  { op: 'create_registered_model', args: { name: 'rest-model', tags: { team: 'r' }, description: 'over REST' } },
  {
    op: 'create_model_version',
    args: { name: 'rest-model', source: 's3://bucket/rest/1', tags: { k: 'v' }, description: 'one' },
  },
  { op: 'create_model_version', args: { name: 'rest-model', source: 'runs:/{{run_id}}/model', run_id: '{{run_id}}' } },
  { op: 'create_model_version', args: { name: 'rest-model', source: 'models:/rest-model/1' } },
  { op: 'transition_model_version_stage', args: { name: 'rest-model', version: '1', stage: 'production' } },
  {
    op: 'transition_model_version_stage',
    args: { name: 'rest-model', version: '2', stage: 'Production', archive_existing_versions: true },
  },
  { op: 'set_registered_model_alias', args: { name: 'rest-model', alias: 'champion', version: '2' } },
  { op: 'set_registered_model_alias', args: { name: 'rest-model', alias: 'gone-soon', version: '3' } },
  { op: 'set_registered_model_tag', args: { name: 'rest-model', key: 'owner', value: 'me' } },
  { op: 'delete_registered_model_tag', args: { name: 'rest-model', key: 'team' } },
  { op: 'set_model_version_tag', args: { name: 'rest-model', version: '2', key: 'ok', value: 'yes' } },
  { op: 'delete_model_version_tag', args: { name: 'rest-model', version: '1', key: 'k' } },
  { op: 'update_registered_model', args: { name: 'rest-model', description: 'updated' } },
  { op: 'update_model_version', args: { name: 'rest-model', version: '2', description: 'two' } },
  { op: 'delete_model_version', args: { name: 'rest-model', version: '3' } },
  { op: 'create_model_version', args: { name: 'rest-model', source: 's3://bucket/rest/4' } },
  { op: 'get_latest_versions', args: { name: 'rest-model' } },
  { op: 'get_latest_versions', args: { name: 'rest-model', stages: ['archived'] } },
  { op: 'get_model_version_by_alias', args: { name: 'rest-model', alias: 'latest' } },
  { op: 'get_model_version_download_uri', args: { name: 'rest-model', version: '2' } },
  { op: 'get_model_version_download_uri', args: { name: 'rest-model', version: '4' } },
  { op: 'create_registered_model', args: { name: 'rest-temp' } },
  { op: 'rename_registered_model', args: { name: 'rest-temp', new_name: 'rest-renamed' } },
  { op: 'create_registered_model', args: { name: 'rest-doomed', tags: { a: 'b' } } },
  { op: 'create_model_version', args: { name: 'rest-doomed', source: 's3://x/1' } },
  { op: 'delete_registered_model', args: { name: 'rest-doomed' } },
];

/** Bad input and missing things, asked of the server by Python and by the SDK (REST and embedded). */
const PROBES: RegistryOp[] = [
  { op: 'get_registered_model', args: { name: 'no-such-model' } },
  { op: 'get_registered_model', args: { name: 'greeting-prompt' } },
  { op: 'create_registered_model', args: { name: 'chat-bot' } },
  { op: 'create_registered_model', args: { name: 'a/b' } },
  { op: 'create_registered_model', args: { name: 'bad-tag', tags: { 'bad key!': 'v' } } },
  { op: 'create_model_version', args: { name: 'no-such-model', source: 's3://x/model' } },
  { op: 'get_model_version', args: { name: 'chat-bot', version: '99' } },
  { op: 'get_model_version', args: { name: 'chat-bot', version: 'abc' } },
  { op: 'get_model_version', args: { name: 'Chat-Big', version: '2' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'latest', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'v3', version: '1' } },
  { op: 'set_registered_model_alias', args: { name: 'chat-bot', alias: 'bad alias', version: '1' } },
  { op: 'get_model_version_by_alias', args: { name: 'chat-bot', alias: 'missing' } },
  { op: 'transition_model_version_stage', args: { name: 'chat-bot', version: '1', stage: 'Shipped' } },
  { op: 'delete_model_version', args: { name: 'chat-bot', version: '99' } },
  { op: 'rename_registered_model', args: { name: 'chat-bot', new_name: 'Chat-Big' } },
  { op: 'set_model_version_tag', args: { name: 'chat-bot', version: '1', key: 'k', value: 'x'.repeat(100_001) } },
  { op: 'search_registered_models', args: { order_by: ['creation_timestamp'] } },
  { op: 'search_registered_models', args: { filter_string: 'tags.x IS NULL' } },
  { op: 'search_model_versions', args: { filter_string: 'version_number = 1.5' } },
  { op: 'search_model_versions', args: { max_results: 200_001 } },
];

function expectSameOutcome(
  ours: OpResult | SearchOutcome,
  theirs: OpResult | SearchOutcome,
  loose: boolean,
  label: string,
) {
  if ('error_code' in theirs) {
    expect(ours, label).toHaveProperty('error_code', theirs.error_code);
    if (!loose) expect((ours as { message: string }).message, label).toBe(theirs.message);
    return;
  }
  expect(ours, label).toEqual(theirs);
}

describe('model registry interop with MLflow 3.18', () => {
  const tmp = makeTempDir('mlflow-genai-registry-');
  const dbA = join(tmp.dir, 'a.db');
  const dbB = join(tmp.dir, 'b.db');
  const dbServer = join(tmp.dir, 'server.db');
  let made: MakeOutput;
  let replayed: OpResult[];
  let storeA: SqliteTrackingStore;
  let storeB: SqliteTrackingStore;
  let clientA: MlflowClient;
  let clientB: MlflowClient;

  beforeAll(async () => {
    // MLflow opens a database our schema code made as is, which spares it a dozen seconds of migrations.
    await new SqliteTrackingStore(dbA, {
      defaultArtifactRoot: join(tmp.dir, 'mlruns'),
      backgroundCheckpoints: false,
    }).close();
    made = await runPythonJson<MakeOutput>(
      'registry_make.py',
      { db: dbA, ops: REGISTRY_OPS, cases: SEARCH_CASES },
      { cwd: tmp.dir },
    );
    storeB = new SqliteTrackingStore(dbB, {
      defaultArtifactRoot: join(tmp.dir, 'mlruns'),
      backgroundCheckpoints: false,
    });
    clientB = new MlflowClient({ store: storeB });
    // The LoggedModel the scenario registers from: the same row in B as Python made in A.
    const createLoggedModel = () => {
      const a = new Database(dbA, { readonly: true });
      try {
        const row = a.prepare('SELECT * FROM logged_models WHERE model_id = ?').get(made.ctx.model_id) as Record<
          string,
          unknown
        >;
        const cols = Object.keys(row);
        storeB.database
          .prepare(`INSERT INTO logged_models (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
          .run(...cols.map((c) => row[c]));
        return { model_id: row.model_id as string, artifact_location: row.artifact_location as string };
      } finally {
        a.close();
      }
    };
    replayed = [];
    for (const op of REGISTRY_OPS) replayed.push(await replayOp(clientB, op, { ctx: made.ctx, createLoggedModel }));
    storeA = new SqliteTrackingStore(dbA, { backgroundCheckpoints: false });
    clientA = new MlflowClient({ store: storeA });
  });

  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  it('every scenario call gives what MLflow gives: results, error codes and messages', () => {
    expect(replayed).toHaveLength(made.ops.length);
    REGISTRY_OPS.forEach((op, i) => {
      const theirs = made.ops[i] as OpResult;
      const ours = replayed[i] as OpResult;
      const label = `#${i} ${op.op} ${JSON.stringify(op.args ?? {}).slice(0, 120)}`;
      if ('ok' in theirs && 'ok' in ours) {
        expect(withoutTimestamps(ours.ok), label).toEqual(withoutTimestamps(theirs.ok));
      } else {
        expectSameOutcome(ours, theirs, op.loose ?? false, label);
      }
    });
  });

  it('the registry tables of both databases hold the same rows, cell by cell (timestamps aside)', () => {
    const a = new Database(dbA, { readonly: true });
    try {
      const ours = registryRows(storeB.database);
      const theirs = registryRows(a);
      for (const table of Object.keys(theirs)) expect(ours[table], table).toEqual(theirs[table]);
      // The scenario leaves something in every table.
      for (const rows of Object.values(theirs)) expect(rows.length).toBeGreaterThan(0);
    } finally {
      a.close();
    }
  });

  it('timestamps follow the same rules: creation = first write, last update moved by the same calls', () => {
    const a = new Database(dbA, { readonly: true });
    try {
      const shape = (db: Database.Database, table: string) =>
        (
          db
            .prepare(`SELECT creation_time AS c, last_updated_time AS u FROM ${table} ORDER BY workspace, name`)
            .all() as Array<{ c: number; u: number }>
        ).map((r) => r.u >= r.c);
      for (const table of ['registered_models', 'model_versions']) {
        expect(shape(storeB.database, table)).toEqual(shape(a, table));
      }
      // A version whose only write was its creation keeps equal timestamps in both.
      const untouched = (db: Database.Database) =>
        db
          .prepare(
            'SELECT name, version FROM model_versions WHERE creation_time = last_updated_time ORDER BY name, version',
          )
          .all();
      expect(untouched(storeB.database)).toEqual(untouched(a));
    } finally {
      a.close();
    }
  });

  it('the SDK reads what Python wrote exactly as Python reads it', async () => {
    expect(await dumpRegistry(clientA.registryStore)).toEqual(made.dump);
  });

  it(`search parity: ${SEARCH_CASES.length} filter/order/page cases give the same names, versions, order and tokens`, async () => {
    expect(SEARCH_CASES.length).toBeGreaterThanOrEqual(20);
    for (const [i, c] of SEARCH_CASES.entries()) {
      const ours = await runSearchCase(clientA, c, made.ctx);
      expectSameOutcome(ours, made.cases[i] as SearchOutcome, c.loose ?? false, c.name);
    }
    // The cases are not vacuous: most return something, several fail.
    const ok = made.cases.filter((r) => 'ids' in r && r.ids.length > 0).length;
    expect(ok).toBeGreaterThan(30);
  });

  describe('through a real mlflow server', () => {
    let server: MlflowServer;
    let restStore: RestTrackingStore;
    let rest: MlflowClient;

    beforeAll(async () => {
      // A consistent copy of A (our connection may hold pages in its WAL).
      await storeA.database.backup(dbServer);
      server = await startMlflowServer({
        backendStoreUri: `sqlite:///${dbServer}`,
        cwd: tmp.dir,
        env: { ...SERVER_ENV, MLFLOW_TRACKING_URI: `sqlite:///${dbServer}` },
        args: ['--default-artifact-root', join(tmp.dir, 'server-artifacts')],
      });
      // Refusals the server answers with 500 (INTERNAL_ERROR) would otherwise be retried for minutes.
      restStore = new RestTrackingStore(server.url, { maxRetries: 0 });
      rest = new MlflowClient({ store: restStore });
    });

    afterAll(async () => {
      await restStore?.close();
      await server?.stop();
    });

    it('the registry of a REST client is a RestRegistryStore sharing the tracking transport', () => {
      expect(rest.registryStore).toBeInstanceOf(RestRegistryStore);
      expect((rest.registryStore as RestRegistryStore).http).toBe(restStore.http);
    });

    it('the REST store reads what Python wrote exactly as Python reads it', async () => {
      expect(await dumpRegistry(rest.registryStore)).toEqual(made.dump);
    });

    it('search parity over REST: the same cases give the same results', async () => {
      for (const [i, c] of SEARCH_CASES.entries()) {
        // The server's handler words some refusals itself (max_results), so errors compare by code here;
        // the probes below compare the messages of Python and the SDK over the same server.
        const ours = await runSearchCase(rest, c, made.ctx);
        expectSameOutcome(ours, made.cases[i] as SearchOutcome, true, `REST ${c.name}`);
      }
    });

    it('Python reads what the SDK wrote, over REST and into the embedded store', async () => {
      const restResults: OpResult[] = [];
      for (const op of REST_OPS) restResults.push(await replayOp(rest, op, { ctx: made.ctx }));
      for (const [i, r] of restResults.entries()) {
        expect(r, `REST #${i} ${REST_OPS[i]?.op}`).toHaveProperty('ok');
      }
      const read = await runPythonJson<ReadOutput>(
        'registry_read.py',
        {
          targets: [
            { uri: server.url, ops: PROBES, ctx: made.ctx },
            { uri: `sqlite:///${dbB}`, ops: [] },
          ],
        },
        { cwd: tmp.dir },
      );
      const [viaServer, embedded] = read as [ReadOutput[number], ReadOutput[number]];
      expect(await dumpRegistry(rest.registryStore)).toEqual(viaServer.dump);
      expect(await dumpRegistry(clientB.registryStore)).toEqual(embedded.dump);
      // What the REST scenario left: stages archived, aliases, tags, the soft-deleted version's number skipped.
      const versions = (viaServer.dump.versions as Array<Record<string, unknown>>).filter(
        (v) => v.name === 'rest-model',
      );
      expect(versions.map((v) => [v.version, v.current_stage, v.aliases])).toEqual([
        ['1', 'Archived', []],
        ['2', 'Production', ['champion']],
        ['4', 'None', []],
      ]);
      expect(versions.map((v) => v.download_uri)).toEqual([
        's3://bucket/rest/1',
        `runs:/${made.ctx.run_id}/model`,
        's3://bucket/rest/4',
      ]);

      // Errors: the same codes from the SDK over REST, the SDK embedded, and Python over REST;
      // over REST the SDK hands on the server's very message.
      for (const [i, probe] of PROBES.entries()) {
        const theirs = viaServer.ops[i] as OpResult;
        const overRest = await replayOp(rest, probe, { ctx: made.ctx });
        const embeddedResult = await replayOp(clientB, probe, { ctx: made.ctx });
        const label = `probe #${i} ${probe.op} ${JSON.stringify(probe.args).slice(0, 80)}`;
        expect(theirs, label).toHaveProperty('error_code');
        // Python's RestException puts the code in front of the server's message; the SDK keeps them apart.
        const { error_code, message } = theirs as { error_code: string; message: string };
        const serverMessage = message.startsWith(`${error_code}: `) ? message.slice(error_code.length + 2) : message;
        expectSameOutcome(overRest, { error_code, message: serverMessage }, false, `REST ${label}`);
        expect(embeddedResult, `embedded ${label}`).toHaveProperty(
          'error_code',
          (theirs as { error_code: string }).error_code,
        );
      }
    });
  });
});
