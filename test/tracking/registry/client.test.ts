// MlflowClient's model registry methods: which registry store a client uses (opened lazily, shared
// with the tracking store), and the checks Python's MlflowClient makes before the store (prompts are
// invisible to the model APIs, blank stages and names, tags as strings).

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addPromptFilterString,
  closeAllTrackingStores,
  ErrorCode,
  MlflowClient,
  openRegistryStore,
  openTrackingStore,
  RestRegistryStore,
  SqliteTrackingStore,
} from '../../../src/index.js';
import { expectMlflowError } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/paths.js';

const PROMPT = 'mlflow.prompt.is_prompt';

describe('MlflowClient model registry', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let uri: string;
  let client: MlflowClient;

  beforeEach(() => {
    tmp = makeTempDir('mlflow-genai-registry-client-');
    uri = `sqlite:///${join(tmp.dir, 'mlflow.db')}`;
    client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  });

  afterEach(async () => {
    await closeAllTrackingStores();
    tmp.cleanup();
  });

  describe('which registry', () => {
    it('on one SQLite URI the registry is the tracking store’s own, on the same connection', () => {
      const tracking = client.store as SqliteTrackingStore;
      expect(client.registryStore).toBe(tracking.registry);
      expect(openRegistryStore(uri, { defaultArtifactRoot: join(tmp.dir, 'mlruns') })).toBe(tracking.registry);
      expect(client.registryUri).toBe(client.trackingUri);
    });

    it('a separate registry URI gets its own database', async () => {
      const regUri = `sqlite:///${join(tmp.dir, 'registry.db')}`;
      const split = new MlflowClient({ trackingUri: uri, registryUri: regUri });
      await split.createRegisteredModel('only-in-registry');
      expect(split.registryStore.registryUri).toBe(regUri);
      expect((openTrackingStore(regUri) as SqliteTrackingStore).registry).toBe(split.registryStore);
      await expectMlflowError(
        client.getRegisteredModel('only-in-registry'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'only-in-registry',
      );
    });

    it('an http registry URI gives a REST registry, opened without any request', () => {
      const rest = openRegistryStore('http://127.0.0.1:9');
      expect(rest).toBeInstanceOf(RestRegistryStore);
      expect(openRegistryStore('http://127.0.0.1:9')).toBe(rest);
      expect(new MlflowClient({ trackingUri: 'http://127.0.0.1:9' }).registryStore).toBe(rest);
    });

    it('a registry store given to the constructor is used as is', async () => {
      const other = new SqliteTrackingStore(join(tmp.dir, 'other.db'), { backgroundCheckpoints: false });
      try {
        const c = new MlflowClient({ trackingUri: uri, registryStore: other.registry });
        await c.createRegisteredModel('x');
        expect((await other.registry.getRegisteredModel('x')).name).toBe('x');
      } finally {
        await other.close();
      }
    });
  });

  describe('checks made before the store', () => {
    beforeEach(async () => {
      await client.registryStore.createRegisteredModel('p', { tags: { [PROMPT]: 'true' } });
      await client.registryStore.createModelVersion({
        name: 'p',
        source: 'prompt-template',
        tags: { [PROMPT]: 'true' },
      });
      await client.createRegisteredModel('m');
      await client.createModelVersion('m', 's3://b/1');
    });

    it('prompts cannot be registered as models', async () => {
      await expectMlflowError(
        client.createRegisteredModel('x', { tags: { [PROMPT]: 'false' } }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Prompts cannot be registered as models.',
      );
      await expectMlflowError(
        client.createModelVersion('m', 's3://b', { tags: { [PROMPT]: 'true' } }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Prompts cannot be registered as models.',
      );
    });

    it('a prompt is RESOURCE_DOES_NOT_EXIST to every model API', async () => {
      const notFound = "Registered Model with name='p' not found.";
      const calls: Array<Promise<unknown>> = [
        client.getRegisteredModel('p'),
        client.getModelVersion('p', 1),
        client.getModelVersionByAlias('p', 'latest'),
        client.updateRegisteredModel('p', 'x'),
        client.renameRegisteredModel('p', 'q'),
        client.deleteRegisteredModel('p'),
        client.getLatestVersions('p'),
        client.setRegisteredModelTag('p', 'k', 'v'),
        client.deleteRegisteredModelTag('p', 'k'),
        client.updateModelVersion('p', 1, 'x'),
        client.deleteModelVersion('p', 1),
        client.setModelVersionTag('p', 1, 'k', 'v'),
        client.deleteModelVersionTag('p', 1, 'k'),
        client.setRegisteredModelAlias('p', 'a', 1),
        client.deleteRegisteredModelAlias('p', 'a'),
        client.getModelVersionDownloadUri('p', 1),
        client.transitionModelVersionStage('p', 1, 'Staging'),
      ];
      for (const call of calls) await expectMlflowError(call, ErrorCode.RESOURCE_DOES_NOT_EXIST, notFound);
      // Nothing was changed on the way.
      expect(await client.registryStore.getRegisteredModel('p')).toMatchObject({
        name: 'p',
        tags: { [PROMPT]: 'true' },
      });
    });

    it('searches of models leave prompts out; filters naming the prompt tag are sent as they are', async () => {
      expect((await client.searchRegisteredModels()).items.map((m) => m.name)).toEqual(['m']);
      expect(
        (await client.searchRegisteredModels({ filterString: `tags.\`${PROMPT}\` = 'true'` })).items.map((m) => m.name),
      ).toEqual(['p']);
      expect(addPromptFilterString(undefined)).toBe("tag.`mlflow.prompt.is_prompt` != 'true'");
      expect(addPromptFilterString("name = 'a'")).toBe("name = 'a' AND tag.`mlflow.prompt.is_prompt` != 'true'");
      expect(addPromptFilterString("name = 'a'", true)).toBe("name = 'a' AND tag.`mlflow.prompt.is_prompt` = 'true'");
      expect(addPromptFilterString(`tags.\`${PROMPT}\` = 'false'`)).toBe(`tags.\`${PROMPT}\` = 'false'`);
    });

    it('blank stages and names, and an update without a description, are refused as MLflow’s client refuses them', async () => {
      await expectMlflowError(
        client.transitionModelVersionStage('m', 1, '  '),
        ErrorCode.INTERNAL_ERROR,
        'The stage must not be an empty string.',
      );
      await expectMlflowError(
        client.renameRegisteredModel('m', ' '),
        ErrorCode.INTERNAL_ERROR,
        'The name must not be an empty string.',
      );
      await expectMlflowError(
        client.updateModelVersion('m', 1, null),
        ErrorCode.INTERNAL_ERROR,
        'Attempting to update model version with no new field values.',
      );
      await expectMlflowError(
        client.setModelVersionTag('m', '', 'k', 'v'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'version or stage must be set',
      );
      await expectMlflowError(
        client.deleteRegisteredModelAlias('m', 'bad alias'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "Invalid alias name: 'bad alias'",
      );
    });

    it('tag values are stored as their string form; versions may be numbers', async () => {
      await client.setRegisteredModelTag('m', 'n', 3);
      await client.setModelVersionTag('m', 1, 'flag', true);
      await client.createModelVersion('m', 's3://b/2', { tags: { none: null } });
      expect((await client.getRegisteredModel('m')).tags).toEqual({ n: '3' });
      expect((await client.getModelVersion('m', 1)).tags).toEqual({ flag: 'True' });
      expect((await client.getModelVersion('m', '2')).tags).toEqual({ none: 'None' });
    });

    it('the whole lifecycle through the client', async () => {
      await client.transitionModelVersionStage('m', 1, 'Production');
      const v2 = await client.createModelVersion('m', 'runs:/r1/model', { runId: 'r1', description: 'two' });
      await client.setRegisteredModelAlias('m', 'champion', v2.version);
      expect((await client.getModelVersionByAlias('m', 'champion')).version).toBe('2');
      expect((await client.getModelVersionByAlias('m', 'latest')).version).toBe('2');
      expect((await client.getLatestVersions('m', ['Production'])).map((v) => v.version)).toEqual(['1']);
      expect(await client.getModelVersionDownloadUri('m', 2)).toBe('runs:/r1/model');
      expect((await client.updateModelVersion('m', 2, 'second')).description).toBe('second');
      expect((await client.searchModelVersions({ filterString: "run_id = 'r1'" })).items.map((v) => v.version)).toEqual(
        ['2'],
      );
      const renamed = await client.renameRegisteredModel('m', 'm2');
      expect(renamed.aliases).toEqual([{ alias: 'champion', version: '2' }]);
      await client.deleteModelVersion('m2', 1);
      await client.deleteRegisteredModel('m2');
      expect((await client.searchRegisteredModels()).items).toEqual([]);
    });
  });
});
