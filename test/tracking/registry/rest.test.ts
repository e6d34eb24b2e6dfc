// The REST registry store's requests, checked on a tiny node:http server: for each call the method,
// path and body (or query) MLflow 3.18's RestStore sends, and how answers and errors are read. The
// same calls against a real `mlflow server` are in test/interop/registry.test.ts.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RestRegistryStore } from '../../../src/index.js';
import { REGISTRY_ENDPOINTS } from '../../../src/tracking/registry/rest.js';
import { expectMlflowError } from '../../helpers/errors.js';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string[]>;
  body: unknown;
}

type Reply = { status?: number; body: unknown };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function fakeServer(reply: (seen: Seen) => Reply): Promise<{ store: RestRegistryStore; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query: Record<string, string[]> = {};
      for (const [k, v] of url.searchParams) query[k] = [...(query[k] ?? []), v];
      const s: Seen = { method: req.method ?? '', path: url.pathname, query, body: raw ? JSON.parse(raw) : undefined };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const store = new RestRegistryStore(`http://127.0.0.1:${port}`, { maxRetries: 0, credentialsFile: null, env: {} });
  closers.push(async () => {
    await store.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { store, seen };
}

const MV = {
  name: 'm',
  version: '2',
  creation_timestamp: 1000,
  last_updated_timestamp: '2000',
  current_stage: 'Production',
  source: 's3://b/2',
  run_id: 'r',
  status: 'READY',
  tags: [{ key: 'k', value: 'v' }],
  aliases: ['champ'],
};
const RM = {
  name: 'm',
  creation_timestamp: 1000,
  last_updated_timestamp: 2000,
  description: 'd',
  latest_versions: [MV],
  tags: [{ key: 't', value: '1' }],
  aliases: [{ alias: 'champ', version: '2' }],
};

describe('RestRegistryStore', () => {
  it('declares the endpoints of ModelRegistryService with their methods', () => {
    const shown = Object.fromEntries(
      Object.entries(REGISTRY_ENDPOINTS).map(([k, e]) => [k, `${e.method} ${e.path.replace('/api/2.0/mlflow', '')}`]),
    );
    expect(shown).toEqual({
      createRegisteredModel: 'POST /registered-models/create',
      renameRegisteredModel: 'POST /registered-models/rename',
      updateRegisteredModel: 'PATCH /registered-models/update',
      deleteRegisteredModel: 'DELETE /registered-models/delete',
      getRegisteredModel: 'GET /registered-models/get',
      searchRegisteredModels: 'GET /registered-models/search',
      getLatestVersions: 'POST /registered-models/get-latest-versions',
      getLatestVersionsGet: 'GET /registered-models/get-latest-versions',
      setRegisteredModelTag: 'POST /registered-models/set-tag',
      deleteRegisteredModelTag: 'DELETE /registered-models/delete-tag',
      setRegisteredModelAlias: 'POST /registered-models/alias',
      deleteRegisteredModelAlias: 'DELETE /registered-models/alias',
      getModelVersionByAlias: 'GET /registered-models/alias',
      createModelVersion: 'POST /model-versions/create',
      updateModelVersion: 'PATCH /model-versions/update',
      transitionModelVersionStage: 'POST /model-versions/transition-stage',
      deleteModelVersion: 'DELETE /model-versions/delete',
      getModelVersion: 'GET /model-versions/get',
      searchModelVersions: 'GET /model-versions/search',
      getModelVersionDownloadUri: 'GET /model-versions/get-download-uri',
      setModelVersionTag: 'POST /model-versions/set-tag',
      deleteModelVersionTag: 'DELETE /model-versions/delete-tag',
    });
    // Creates, renames and transitions are not repeated after a lost answer; upserts and reads are.
    expect(REGISTRY_ENDPOINTS.createRegisteredModel.idempotent).toBe(false);
    expect(REGISTRY_ENDPOINTS.createModelVersion.idempotent).toBe(false);
    expect(REGISTRY_ENDPOINTS.transitionModelVersionStage.idempotent).toBe(false);
    expect(REGISTRY_ENDPOINTS.setRegisteredModelAlias.idempotent).toBe(true);
    expect(REGISTRY_ENDPOINTS.getLatestVersions.idempotent).toBe(true);
  });

  it('sends each call as MLflow does and reads the answers into entities', async () => {
    const { store, seen } = await fakeServer((s) => {
      if (s.path.endsWith('/get-download-uri')) return { body: { artifact_uri: 's3://b/2' } };
      if (s.path.includes('/model-versions/search')) return { body: { model_versions: [MV], next_page_token: 'tok' } };
      if (s.path.includes('/registered-models/search')) return { body: { registered_models: [RM] } };
      if (s.path.endsWith('get-latest-versions')) return { body: { model_versions: [MV] } };
      if (s.path.startsWith('/api/2.0/mlflow/model-versions/') && !s.path.endsWith('-tag') && s.method !== 'DELETE') {
        return { body: { model_version: MV } };
      }
      if (s.path === '/api/2.0/mlflow/registered-models/alias' && s.method === 'GET')
        return { body: { model_version: MV } };
      if (['create', 'get', 'update', 'rename'].some((p) => s.path.endsWith(`/registered-models/${p}`))) {
        return { body: { registered_model: RM } };
      }
      return { body: {} };
    });

    const rm = await store.createRegisteredModel('m', { tags: { t: '1' }, description: 'd' });
    expect(rm).toEqual({
      name: 'm',
      creationTimestamp: 1000,
      lastUpdatedTimestamp: 2000,
      description: 'd',
      latestVersions: [
        {
          name: 'm',
          version: '2',
          creationTimestamp: 1000,
          lastUpdatedTimestamp: 2000,
          description: null,
          userId: null,
          currentStage: 'Production',
          source: 's3://b/2',
          runId: 'r',
          status: 'READY',
          statusMessage: null,
          tags: { k: 'v' },
          runLink: null,
          aliases: ['champ'],
          modelId: null,
        },
      ],
      tags: { t: '1' },
      aliases: [{ alias: 'champ', version: '2' }],
      deploymentJobId: null,
    });
    await store.createRegisteredModel('bare');
    await store.getRegisteredModel('m');
    await store.updateRegisteredModel('m', null);
    await store.renameRegisteredModel('m', 'n');
    await store.deleteRegisteredModel('m');
    const page = await store.searchRegisteredModels({
      filterString: "name = 'm'",
      orderBy: ['name DESC', 'timestamp'],
    });
    expect(page.items).toHaveLength(1);
    expect(page.nextPageToken).toBeUndefined();
    await store.searchRegisteredModels();
    await store.setRegisteredModelTag('m', 'k', 'v');
    await store.deleteRegisteredModelTag('m', 'k');
    expect(await store.getLatestVersions('m', ['Production'])).toHaveLength(1);
    await store.getLatestVersions('m');
    await store.createModelVersion({
      name: 'm',
      source: 's3://b',
      runId: 'r',
      tags: { a: 'b' },
      runLink: 'l',
      description: 'x',
      modelId: 'm-1',
    });
    await store.createModelVersion({ name: 'm', source: 's3://b' });
    await store.getModelVersion('m', '2');
    await store.updateModelVersion('m', '2', 'new');
    await store.deleteModelVersion('m', '2');
    const versions = await store.searchModelVersions({ maxResults: 5, pageToken: 'abc' });
    expect(versions.nextPageToken).toBe('tok');
    await store.setModelVersionTag('m', '2', 'k', 'v');
    await store.deleteModelVersionTag('m', '2', 'k');
    expect(await store.getModelVersionDownloadUri('m', '2')).toBe('s3://b/2');
    await store.transitionModelVersionStage('m', '2', 'staging', true);
    await store.setRegisteredModelAlias('m', 'champ', '2');
    await store.deleteRegisteredModelAlias('m', 'champ');
    expect((await store.getModelVersionByAlias('m', 'champ')).aliases).toEqual(['champ']);

    const calls = seen.map((s) => [s.method, s.path.replace('/api/2.0/mlflow', ''), s.body ?? s.query]);
    expect(calls).toEqual([
      ['POST', '/registered-models/create', { name: 'm', tags: [{ key: 't', value: '1' }], description: 'd' }],
      ['POST', '/registered-models/create', { name: 'bare' }],
      ['GET', '/registered-models/get', { name: ['m'] }],
      ['PATCH', '/registered-models/update', { name: 'm' }],
      ['POST', '/registered-models/rename', { name: 'm', new_name: 'n' }],
      ['DELETE', '/registered-models/delete', { name: 'm' }],
      [
        'GET',
        '/registered-models/search',
        { filter: ["name = 'm'"], max_results: ['100'], order_by: ['name DESC', 'timestamp'] },
      ],
      ['GET', '/registered-models/search', { max_results: ['100'] }],
      ['POST', '/registered-models/set-tag', { name: 'm', key: 'k', value: 'v' }],
      ['DELETE', '/registered-models/delete-tag', { name: 'm', key: 'k' }],
      ['POST', '/registered-models/get-latest-versions', { name: 'm', stages: ['Production'] }],
      ['POST', '/registered-models/get-latest-versions', { name: 'm' }],
      [
        'POST',
        '/model-versions/create',
        {
          name: 'm',
          source: 's3://b',
          run_id: 'r',
          run_link: 'l',
          tags: [{ key: 'a', value: 'b' }],
          description: 'x',
          model_id: 'm-1',
        },
      ],
      ['POST', '/model-versions/create', { name: 'm', source: 's3://b' }],
      ['GET', '/model-versions/get', { name: ['m'], version: ['2'] }],
      ['PATCH', '/model-versions/update', { name: 'm', version: '2', description: 'new' }],
      ['DELETE', '/model-versions/delete', { name: 'm', version: '2' }],
      ['GET', '/model-versions/search', { max_results: ['5'], page_token: ['abc'] }],
      ['POST', '/model-versions/set-tag', { name: 'm', version: '2', key: 'k', value: 'v' }],
      ['DELETE', '/model-versions/delete-tag', { name: 'm', version: '2', key: 'k' }],
      ['GET', '/model-versions/get-download-uri', { name: ['m'], version: ['2'] }],
      [
        'POST',
        '/model-versions/transition-stage',
        { name: 'm', version: '2', stage: 'staging', archive_existing_versions: true },
      ],
      ['POST', '/registered-models/alias', { name: 'm', alias: 'champ', version: '2' }],
      ['DELETE', '/registered-models/alias', { name: 'm', alias: 'champ' }],
      ['GET', '/registered-models/alias', { name: ['m'], alias: ['champ'] }],
    ]);
  });

  it('model version searches ask for 10,000 by default', async () => {
    const { store, seen } = await fakeServer(() => ({ body: {} }));
    expect(await store.searchModelVersions({ filterString: "name = 'm'" })).toEqual({ items: [] });
    expect(seen[0]?.query).toEqual({ filter: ["name = 'm'"], max_results: ['10000'] });
  });

  it("hands on the server's error code and message", async () => {
    const { store } = await fakeServer(() => ({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=m not found' },
    }));
    await expectMlflowError(
      store.getRegisteredModel('m'),
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
      'Registered Model with name=m not found',
    );
    // Not the endpoint missing: no fallback to GET.
    await expectMlflowError(store.getLatestVersions('m'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'name=m not found');
  });

  it('get-latest-versions falls back to GET where the POST route does not exist', async () => {
    const { store, seen } = await fakeServer((s) =>
      s.method === 'POST'
        ? { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: 'no route' } }
        : { body: { model_versions: [MV] } },
    );
    expect((await store.getLatestVersions('m', ['None', 'Staging'])).map((v) => v.version)).toEqual(['2']);
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(seen[1]?.query).toEqual({ name: ['m'], stages: ['None', 'Staging'] });
  });

  it('a malformed answer is an INTERNAL_ERROR naming the request', async () => {
    const { store } = await fakeServer(() => ({ body: { registered_model: { description: 5 } } }));
    await expectMlflowError(
      store.getRegisteredModel('m'),
      ErrorCode.INTERNAL_ERROR,
      'GET /api/2.0/mlflow/registered-models/get',
    );
  });
});
