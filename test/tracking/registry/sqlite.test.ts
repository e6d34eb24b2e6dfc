// The embedded model registry (SqliteRegistryStore) on its own: what each call writes and reads,
// MLflow's rules and error codes, and that a refused call leaves nothing behind. The row-for-row
// comparison with Python MLflow is in test/interop/registry.test.ts.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type ModelRegistryStore, SqliteTrackingStore } from '../../../src/index.js';
import { expectMlflowError } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/paths.js';

const PROMPT = 'mlflow.prompt.is_prompt';

describe('SqliteRegistryStore', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let tracking: SqliteTrackingStore;
  let store: ModelRegistryStore;

  beforeEach(() => {
    tmp = makeTempDir('mlflow-genai-registry-unit-');
    tracking = new SqliteTrackingStore(join(tmp.dir, 'mlflow.db'), {
      defaultArtifactRoot: join(tmp.dir, 'mlruns'),
      backgroundCheckpoints: false,
    });
    store = tracking.registry;
  });

  afterEach(async () => {
    await tracking.close();
    tmp.cleanup();
  });

  const count = (table: string): number =>
    (tracking.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  describe('registered models', () => {
    it('creates a model with tags and description, in the default workspace, timestamps equal', async () => {
      const before = Date.now();
      const rm = await store.createRegisteredModel('chat', { tags: { team: 'a' }, description: 'd' });
      expect(rm).toMatchObject({
        name: 'chat',
        description: 'd',
        tags: { team: 'a' },
        aliases: [],
        latestVersions: [],
      });
      expect(rm.creationTimestamp).toBeGreaterThanOrEqual(before);
      expect(rm.lastUpdatedTimestamp).toBe(rm.creationTimestamp);
      const row = tracking.database.prepare('SELECT * FROM registered_models').get();
      expect(row).toMatchObject({ name: 'chat', workspace: 'default', description: 'd' });
      expect(await store.getRegisteredModel('chat')).toEqual(rm);
    });

    it('the same name twice is RESOURCE_ALREADY_EXISTS, worded for models and prompts as MLflow does', async () => {
      await store.createRegisteredModel('m');
      await store.createRegisteredModel('p', { tags: { [PROMPT]: 'true' } });
      await expectMlflowError(
        store.createRegisteredModel('m'),
        ErrorCode.RESOURCE_ALREADY_EXISTS,
        'Registered Model (name=m) already exists.',
      );
      await expectMlflowError(
        store.createRegisteredModel('p', { tags: { [PROMPT]: 'true' } }),
        ErrorCode.RESOURCE_ALREADY_EXISTS,
        'Prompt (name=p) already exists.',
      );
      await expectMlflowError(
        store.createRegisteredModel('p'),
        ErrorCode.RESOURCE_ALREADY_EXISTS,
        "Tried to create a registered model with name 'p', but the name is already taken by a prompt.",
      );
    });

    it('refuses bad names and tags before writing anything', async () => {
      await expectMlflowError(
        store.createRegisteredModel('a/b'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "Invalid model name 'a/b'",
      );
      await expectMlflowError(
        store.createRegisteredModel('a:b'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "cannot contain '/' or ':'",
      );
      await expectMlflowError(store.createRegisteredModel(' '), ErrorCode.INVALID_PARAMETER_VALUE, "parameter 'name'");
      await expectMlflowError(
        store.createRegisteredModel('..'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Invalid value ".." for parameter \'name\' supplied: Names may be treated as files',
      );
      await expectMlflowError(
        store.createRegisteredModel('ok', { tags: { good: 'v', 'bad!': 'v' } }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        `Invalid value "bad!" for parameter 'key'`,
      );
      await expectMlflowError(
        store.createRegisteredModel('ok', { tags: { k: 'x'.repeat(100_001) } }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "'value' exceeds the maximum length of 100000 characters",
      );
      expect(count('registered_models')).toBe(0);
      expect(count('registered_model_tags')).toBe(0);
    });

    it('a missing model is RESOURCE_DOES_NOT_EXIST naming it', async () => {
      await expectMlflowError(
        store.getRegisteredModel('nope'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'Registered Model with name=nope not found',
      );
      await expectMlflowError(store.updateRegisteredModel('nope', 'x'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'name=nope');
      await expectMlflowError(store.deleteRegisteredModel('nope'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'name=nope');
    });

    it('update sets the description and last update time only', async () => {
      const rm = await store.createRegisteredModel('m', { description: 'old' });
      await new Promise((r) => setTimeout(r, 5));
      const updated = await store.updateRegisteredModel('m', 'new');
      expect(updated.description).toBe('new');
      expect(updated.creationTimestamp).toBe(rm.creationTimestamp);
      expect(updated.lastUpdatedTimestamp).toBeGreaterThan(rm.lastUpdatedTimestamp);
      expect((await store.updateRegisteredModel('m', null)).description).toBeNull();
    });

    it('tags upsert; deleting a tag that is not there is fine; the model must exist', async () => {
      await store.createRegisteredModel('m');
      await store.setRegisteredModelTag('m', 'k', 'v1');
      await store.setRegisteredModelTag('m', 'k', 'v2');
      expect((await store.getRegisteredModel('m')).tags).toEqual({ k: 'v2' });
      await store.deleteRegisteredModelTag('m', 'never');
      await store.deleteRegisteredModelTag('m', 'k');
      expect((await store.getRegisteredModel('m')).tags).toEqual({});
      await expectMlflowError(
        store.setRegisteredModelTag('nope', 'k', 'v'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'name=nope',
      );
      await expectMlflowError(
        store.setRegisteredModelTag('m', 'k'.repeat(251), 'v'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "'key' exceeds the maximum length of 250 characters",
      );
    });

    it('rename carries versions, tags, version tags and aliases along', async () => {
      await store.createRegisteredModel('old', { tags: { t: '1' } });
      await store.createModelVersion({ name: 'old', source: 's3://b/1', tags: { vt: '2' } });
      await store.setRegisteredModelAlias('old', 'champ', '1');
      const renamed = await store.renameRegisteredModel('old', 'new');
      expect(renamed).toMatchObject({ name: 'new', tags: { t: '1' }, aliases: [{ alias: 'champ', version: '1' }] });
      expect(await store.getModelVersion('new', '1')).toMatchObject({ tags: { vt: '2' }, aliases: ['champ'] });
      await expectMlflowError(store.getRegisteredModel('old'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'name=old');
      for (const table of [
        'registered_model_tags',
        'model_versions',
        'model_version_tags',
        'registered_model_aliases',
      ]) {
        const names = tracking.database.prepare(`SELECT DISTINCT name FROM ${table}`).all();
        expect(names, table).toEqual([{ name: 'new' }]);
      }
    });

    it('rename to a taken or bad name is refused and changes nothing', async () => {
      await store.createRegisteredModel('a');
      await store.createRegisteredModel('b');
      await expectMlflowError(
        store.renameRegisteredModel('a', 'b'),
        ErrorCode.RESOURCE_ALREADY_EXISTS,
        'Registered Model (name=b) already exists.',
      );
      await expectMlflowError(
        store.renameRegisteredModel('a', ''),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "parameter 'new_name'",
      );
      await expectMlflowError(
        store.renameRegisteredModel('a', 'x/y'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "Invalid model name 'x/y'",
      );
      expect((await store.searchRegisteredModels()).items.map((m) => m.name)).toEqual(['a', 'b']);
    });

    it('delete removes the model with all its versions, tags and aliases', async () => {
      await store.createRegisteredModel('m', { tags: { t: '1' } });
      await store.createModelVersion({ name: 'm', source: 's3://b/1', tags: { vt: '1' } });
      await store.deleteModelVersion('m', '1');
      await store.createModelVersion({ name: 'm', source: 's3://b/2' });
      await store.setRegisteredModelAlias('m', 'a', '2');
      await store.createRegisteredModel('keep');
      await store.deleteRegisteredModel('m');
      for (const table of [
        'registered_model_tags',
        'model_versions',
        'model_version_tags',
        'registered_model_aliases',
      ]) {
        expect(count(table), table).toBe(0);
      }
      expect(count('registered_models')).toBe(1);
    });
  });

  describe('model versions', () => {
    beforeEach(async () => {
      await store.createRegisteredModel('m');
    });

    it('numbers versions from 1, stores MLflow defaults and bumps the model update time', async () => {
      const rm = await store.getRegisteredModel('m');
      await new Promise((r) => setTimeout(r, 5));
      const v1 = await store.createModelVersion({
        name: 'm',
        source: 's3://b/1',
        runId: 'r1',
        runLink: 'http://link',
        description: 'first',
        tags: { a: 'b' },
      });
      expect(v1).toMatchObject({
        name: 'm',
        version: '1',
        currentStage: 'None',
        status: 'READY',
        statusMessage: null,
        userId: null,
        source: 's3://b/1',
        runId: 'r1',
        runLink: 'http://link',
        description: 'first',
        tags: { a: 'b' },
        aliases: [],
        modelId: null,
      });
      expect(v1.lastUpdatedTimestamp).toBe(v1.creationTimestamp);
      expect((await store.getRegisteredModel('m')).lastUpdatedTimestamp).toBeGreaterThan(rm.lastUpdatedTimestamp);
      expect((await store.createModelVersion({ name: 'm', source: 's3://b/2' })).version).toBe('2');
      const row = tracking.database.prepare('SELECT * FROM model_versions WHERE version = 1').get();
      expect(row).toMatchObject({ storage_location: 's3://b/1', workspace: 'default', user_id: null });
    });

    it('a deleted version is redacted, its aliases dropped, its number never reused', async () => {
      await store.createModelVersion({
        name: 'm',
        source: 's3://b/1',
        runId: 'r',
        runLink: 'l',
        description: 'd',
        tags: { t: '1' },
      });
      await store.setRegisteredModelAlias('m', 'champ', '1');
      await store.deleteModelVersion('m', '1');
      await expectMlflowError(
        store.getModelVersion('m', '1'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'Model Version (name=m, version=1) not found',
      );
      expect(tracking.database.prepare('SELECT * FROM model_versions').get()).toMatchObject({
        current_stage: 'Deleted_Internal',
        source: 'REDACTED-SOURCE-PATH',
        run_id: 'REDACTED-RUN-ID',
        run_link: 'REDACTED-RUN-LINK',
        description: null,
        storage_location: 's3://b/1',
      });
      expect(count('model_version_tags')).toBe(1);
      expect(count('registered_model_aliases')).toBe(0);
      expect((await store.createModelVersion({ name: 'm', source: 's3://b/2' })).version).toBe('2');
      expect((await store.searchModelVersions()).items.map((v) => v.version)).toEqual(['2']);
      expect((await store.getRegisteredModel('m')).latestVersions.map((v) => v.version)).toEqual(['2']);
    });

    it('versions are integers: bad ones are INVALID_PARAMETER_VALUE, " 01 " reads as 1', async () => {
      await store.createModelVersion({ name: 'm', source: 's3://b/1' });
      expect((await store.getModelVersion('m', ' 01 ')).version).toBe('1');
      await expectMlflowError(
        store.getModelVersion('m', 'abc'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "Parameter 'version' must be an integer, got 'abc'.",
      );
      await expectMlflowError(store.deleteModelVersion('m', '1.5'), ErrorCode.INVALID_PARAMETER_VALUE, "got '1.5'");
    });

    it('a version of a missing model is RESOURCE_DOES_NOT_EXIST and writes nothing', async () => {
      await expectMlflowError(
        store.createModelVersion({ name: 'nope', source: 's3://b', tags: { a: 'b' } }),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'Registered Model with name=nope not found',
      );
      expect(count('model_versions')).toBe(0);
      expect(count('model_version_tags')).toBe(0);
    });

    it('version tags: validated, upserted, deleted; value must be given', async () => {
      await store.createModelVersion({ name: 'm', source: 's3://b/1' });
      await store.setModelVersionTag('m', '1', 'k', 'v');
      await store.setModelVersionTag('m', '1', 'k', 'w');
      expect((await store.getModelVersion('m', '1')).tags).toEqual({ k: 'w' });
      await store.deleteModelVersionTag('m', '1', 'k');
      await store.deleteModelVersionTag('m', '1', 'k');
      expect((await store.getModelVersion('m', '1')).tags).toEqual({});
      await expectMlflowError(
        store.setModelVersionTag('m', '1', 'k', null as unknown as string),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Tag value cannot be None',
      );
      await expectMlflowError(
        store.setModelVersionTag('m', '1', 'mlflow.prompt.text', 'x'.repeat(100_001)),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Prompt text exceeds max length of 100000 characters.',
      );
      await expectMlflowError(
        store.setModelVersionTag('m', '9', 'k', 'v'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'version=9',
      );
    });

    it('update sets the version description only', async () => {
      await store.createModelVersion({ name: 'm', source: 's3://b/1', description: 'a' });
      const mv = await store.updateModelVersion('m', '1', 'b');
      expect(mv.description).toBe('b');
      expect((await store.updateModelVersion('m', '1', null)).description).toBeNull();
    });

    describe('sources and download URIs', () => {
      function addLoggedModel(id: string, location: string, runId: string | null, stage = 'active') {
        tracking.database
          .prepare(
            `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
               last_updated_timestamp_ms, status, lifecycle_stage, source_run_id) VALUES (?, 0, 'lm', ?, 1, 1, 2, ?, ?)`,
          )
          .run(id, location, stage, runId);
      }

      it('runs:/ and plain URIs are stored and served as given', async () => {
        await store.createModelVersion({ name: 'm', source: 'runs:/abc/model', runId: 'abc' });
        await store.createModelVersion({ name: 'm', source: 's3://b/x' });
        expect(await store.getModelVersionDownloadUri('m', '1')).toBe('runs:/abc/model');
        expect(await store.getModelVersionDownloadUri('m', '2')).toBe('s3://b/x');
      });

      it('models:/<model_id> downloads from the LoggedModel and takes its run', async () => {
        addLoggedModel('m-123', '/art/m-123/artifacts', 'run-9');
        const mv = await store.createModelVersion({ name: 'm', source: 'models:/m-123' });
        expect(mv).toMatchObject({ source: 'models:/m-123', runId: 'run-9' });
        expect(await store.getModelVersionDownloadUri('m', '1')).toBe('/art/m-123/artifacts');
        const withRun = await store.createModelVersion({ name: 'm', source: 'models:/m-123', runId: 'mine' });
        expect(withRun.runId).toBe('mine');
      });

      it('a model_id argument gives the run when none is given', async () => {
        addLoggedModel('m-5', '/a', 'run-5');
        expect((await store.createModelVersion({ name: 'm', source: 's3://x', modelId: 'm-5' })).runId).toBe('run-5');
        await expectMlflowError(
          store.createModelVersion({ name: 'm', source: 's3://x', modelId: 'm-none' }),
          ErrorCode.RESOURCE_DOES_NOT_EXIST,
          "Logged model with ID 'm-none' not found.",
        );
      });

      it('models:/<name>/<version> downloads from that version', async () => {
        await store.createModelVersion({ name: 'm', source: 's3://b/1' });
        await store.createModelVersion({ name: 'm', source: 'models:/m/1' });
        expect(await store.getModelVersionDownloadUri('m', '2')).toBe('s3://b/1');
      });

      it('unresolvable models:/ sources are refused as MLflow refuses them, writing nothing', async () => {
        addLoggedModel('m-gone', '/a', null, 'deleted');
        await expectMlflowError(
          store.createModelVersion({ name: 'm', source: 'models:/m-gone' }),
          ErrorCode.INTERNAL_ERROR,
          "Unable to fetch model from model URI source artifact location 'models:/m-gone'.Error: Logged model with ID 'm-gone' not found.",
        );
        await expectMlflowError(
          store.createModelVersion({ name: 'm', source: 'models:/m/7' }),
          ErrorCode.INTERNAL_ERROR,
          'Model Version (name=m, version=7) not found',
        );
        await expectMlflowError(
          store.createModelVersion({ name: 'm', source: 'models:/m@champ' }),
          ErrorCode.INTERNAL_ERROR,
          "not 'NoneType'",
        );
        await expectMlflowError(
          store.createModelVersion({ name: 'm', source: 'models:/a/b/c' }),
          ErrorCode.INTERNAL_ERROR,
          'Not a proper models:/ URI: models:/a/b/c.',
        );
        expect(count('model_versions')).toBe(0);
      });

      it('the prompt placeholder source is stored like any other', async () => {
        await store.createRegisteredModel('p', { tags: { [PROMPT]: 'true' } });
        const pv = await store.createModelVersion({ name: 'p', source: 'prompt-template', tags: { [PROMPT]: 'true' } });
        expect(pv.source).toBe('prompt-template');
        expect(await store.getModelVersionDownloadUri('p', '1')).toBe('prompt-template');
      });
    });
  });

  describe('stages', () => {
    beforeEach(async () => {
      await store.createRegisteredModel('m');
      for (let i = 0; i < 4; i++) await store.createModelVersion({ name: 'm', source: `s3://b/${i + 1}` });
    });

    it('stage names are matched in any case and stored canonically', async () => {
      expect((await store.transitionModelVersionStage('m', '1', 'pRoDuCtIoN', false)).currentStage).toBe('Production');
      await expectMlflowError(
        store.transitionModelVersionStage('m', '1', 'Shipped', false),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Invalid Model Version stage: Shipped. Value must be one of None, Staging, Production, Archived.',
      );
    });

    it('archive_existing_versions archives the others in that stage only', async () => {
      await store.transitionModelVersionStage('m', '1', 'Production', false);
      await store.transitionModelVersionStage('m', '2', 'Staging', false);
      await store.transitionModelVersionStage('m', '3', 'Production', true);
      const stages = (await store.searchModelVersions({ orderBy: ['version_number ASC'] })).items.map(
        (v) => v.currentStage,
      );
      expect(stages).toEqual(['Archived', 'Staging', 'Production', 'None']);
      await expectMlflowError(
        store.transitionModelVersionStage('m', '4', 'Archived', true),
        ErrorCode.INTERNAL_ERROR,
        "'Archived' is not an Active stage. Valid stages are ['Staging', 'Production']",
      );
    });

    it('latest versions: one per stage, filtered by the stages asked for, with aliases', async () => {
      await store.transitionModelVersionStage('m', '1', 'Production', false);
      await store.transitionModelVersionStage('m', '2', 'Production', false);
      await store.transitionModelVersionStage('m', '3', 'Staging', false);
      await store.setRegisteredModelAlias('m', 'champ', '2');
      const all = await store.getLatestVersions('m');
      expect(all.map((v) => [v.version, v.currentStage])).toEqual([
        ['2', 'Production'],
        ['3', 'Staging'],
        ['4', 'None'],
      ]);
      expect(all[0]?.aliases).toEqual(['champ']);
      expect((await store.getLatestVersions('m', ['staging', 'ARCHIVED'])).map((v) => v.version)).toEqual(['3']);
      // The model's own latest versions carry no aliases, as in MLflow.
      expect((await store.getRegisteredModel('m')).latestVersions.every((v) => v.aliases.length === 0)).toBe(true);
      await expectMlflowError(
        store.getLatestVersions('m', ['bogus']),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Invalid Model Version stage: bogus',
      );
    });
  });

  describe('aliases', () => {
    beforeEach(async () => {
      await store.createRegisteredModel('m');
      for (let i = 0; i < 3; i++) await store.createModelVersion({ name: 'm', source: `s3://b/${i + 1}` });
    });

    it('set, move and delete aliases; get a version by alias', async () => {
      await store.setRegisteredModelAlias('m', 'champ', '1');
      await store.setRegisteredModelAlias('m', 'champ', '2');
      expect(await store.getModelVersionByAlias('m', 'champ')).toMatchObject({ version: '2', aliases: ['champ'] });
      expect((await store.getRegisteredModel('m')).aliases).toEqual([{ alias: 'champ', version: '2' }]);
      await store.deleteRegisteredModelAlias('m', 'champ');
      await store.deleteRegisteredModelAlias('m', 'champ');
      await expectMlflowError(
        store.getModelVersionByAlias('m', 'champ'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Registered model alias champ not found.',
      );
    });

    it('latest (any case) is the highest live version', async () => {
      expect((await store.getModelVersionByAlias('m', 'latest')).version).toBe('3');
      await store.deleteModelVersion('m', '3');
      expect((await store.getModelVersionByAlias('m', 'Latest')).version).toBe('2');
      await store.createRegisteredModel('empty');
      await expectMlflowError(
        store.getModelVersionByAlias('empty', 'latest'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'Latest version not found for model empty.',
      );
    });

    it('reserved, malformed and dangling aliases are refused', async () => {
      const cases: Array<[string, string]> = [
        ['latest', "'latest' alias name (case insensitive) is reserved."],
        ['LATEST', "'latest' alias name (case insensitive) is reserved."],
        ['v1', "Version alias name 'v1' is reserved."],
        ['V42', "Version alias name 'V42' is reserved."],
        ['a b', "Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
        ['', 'Registered model alias name cannot be empty.'],
        ['x'.repeat(256), "'Registered model alias name' exceeds the maximum length of 255 characters"],
      ];
      for (const [alias, message] of cases) {
        await expectMlflowError(
          store.setRegisteredModelAlias('m', alias, '1'),
          ErrorCode.INVALID_PARAMETER_VALUE,
          message,
        );
      }
      await expectMlflowError(
        store.setRegisteredModelAlias('m', 'ok', '9'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'version=9',
      );
      // `v1x` and `latest2` are ordinary aliases.
      await store.setRegisteredModelAlias('m', 'v1x', '1');
      await store.setRegisteredModelAlias('m', 'latest2', '1');
      expect(count('registered_model_aliases')).toBe(2);
    });
  });

  describe('search', () => {
    beforeEach(async () => {
      await store.createRegisteredModel('alpha', { tags: { team: 'a' } });
      await store.createRegisteredModel('Beta', { tags: { team: 'b' } });
      await store.createRegisteredModel('gamma');
      await store.createRegisteredModel('prompt', { tags: { [PROMPT]: 'true' } });
      await store.createModelVersion({ name: 'alpha', source: 's3://a/1', runId: 'r1', tags: { ok: 'y' } });
      await store.createModelVersion({ name: 'alpha', source: 's3://a/2', runId: 'r2' });
      await store.createModelVersion({ name: 'Beta', source: 'gs://b/1', runId: 'r1' });
      await store.createModelVersion({ name: 'prompt', source: 'prompt-template', tags: { [PROMPT]: 'true' } });
    });

    const names = async (filterString?: string, orderBy?: string[]) =>
      (
        await store.searchRegisteredModels({
          ...(filterString ? { filterString } : {}),
          ...(orderBy ? { orderBy } : {}),
        })
      ).items.map((m) => m.name);
    const versions = async (filterString?: string, orderBy?: string[]) =>
      (
        await store.searchModelVersions({ ...(filterString ? { filterString } : {}), ...(orderBy ? { orderBy } : {}) })
      ).items.map((v) => `${v.name}/${v.version}`);

    it('models: prompts are left out unless the filter asks for them', async () => {
      expect(await names()).toEqual(['Beta', 'alpha', 'gamma']);
      expect(await names(`tags.\`${PROMPT}\` = 'true'`)).toEqual(['prompt']);
      expect(await names(`tags.\`${PROMPT}\` != 'false'`)).toEqual(['prompt']);
      expect(await names(`tags.\`${PROMPT}\` = 'false'`)).toEqual(['Beta', 'alpha', 'gamma']);
      expect(await names(`tags.\`${PROMPT}\` != 'true'`)).toEqual(['Beta', 'alpha', 'gamma']);
    });

    it('models: name and tag comparators, LIKE case-sensitive, ILIKE not', async () => {
      expect(await names("name LIKE 'b%'")).toEqual([]);
      expect(await names("name ILIKE 'b%'")).toEqual(['Beta']);
      expect(await names("name IN ('alpha', 'gamma', 'prompt')")).toEqual(['alpha', 'gamma']);
      expect(await names("name NOT IN ('alpha')")).toEqual(['Beta', 'gamma']);
      expect(await names("tags.team != 'a'")).toEqual(['Beta']);
      expect(await names("tags.team = 'a' AND name = 'alpha'")).toEqual(['alpha']);
      expect(await names("tags.team LIKE '%' AND tags.team ILIKE 'B'")).toEqual(['Beta']);
    });

    it('models: order by name or last update, name breaking ties', async () => {
      expect(await names(undefined, ['name DESC'])).toEqual(['gamma', 'alpha', 'Beta']);
      await store.updateRegisteredModel('gamma', 'touched');
      expect((await names(undefined, ['timestamp DESC']))[0]).toBe('gamma');
      expect((await names(undefined, ['last_updated_timestamp ASC'])).at(-1)).toBe('gamma');
    });

    it('models: pages of max_results with MLflow page tokens', async () => {
      const p1 = await store.searchRegisteredModels({ maxResults: 2 });
      expect(p1.items.map((m) => m.name)).toEqual(['Beta', 'alpha']);
      expect(p1.nextPageToken).toBe(Buffer.from('{"offset": 2}').toString('base64'));
      const p2 = await store.searchRegisteredModels({ maxResults: 2, pageToken: p1.nextPageToken as string });
      expect(p2.items.map((m) => m.name)).toEqual(['gamma']);
      expect(p2.nextPageToken).toBeUndefined();
    });

    it('models: search results carry latest versions and aliases', async () => {
      await store.setRegisteredModelAlias('alpha', 'a1', '1');
      const [alpha] = (await store.searchRegisteredModels({ filterString: "name = 'alpha'" })).items;
      expect(alpha?.latestVersions.map((v) => v.version)).toEqual(['2']);
      expect(alpha?.aliases).toEqual([{ alias: 'a1', version: '1' }]);
    });

    it('models: bad filters, orders, pages and sizes are refused with MLflow codes', async () => {
      const bad: Array<[Promise<unknown>, string, string]> = [
        [
          store.searchRegisteredModels({ maxResults: 1001 }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'It must be at most 1000, but got value 1001',
        ],
        [
          store.searchRegisteredModels({ orderBy: ['creation_timestamp'] }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid order by key 'creation_timestamp' specified.",
        ],
        [
          store.searchRegisteredModels({ orderBy: ['name', 'name DESC'] }),
          ErrorCode.INTERNAL_ERROR,
          '`order_by` contains duplicate fields',
        ],
        [
          store.searchRegisteredModels({ filterString: 'tags.x IS NULL' }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'IS NULL / IS NOT NULL is not supported for registered model search.',
        ],
        [
          store.searchRegisteredModels({ filterString: "run_id = 'x'" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid attribute key 'run_id' specified.",
        ],
        [
          store.searchRegisteredModels({ filterString: "tags.t > 'x'" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'Invalid comparator for tag: >',
        ],
        [
          store.searchRegisteredModels({ filterString: "name > 'x'" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'Invalid comparator for attribute: >',
        ],
        [
          store.searchRegisteredModels({ filterString: "name = ('a', 'b')" }),
          ErrorCode.BAD_REQUEST,
          "type 'tuple' is not supported",
        ],
        [
          store.searchRegisteredModels({ pageToken: 'garbage' }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'Invalid page token',
        ],
      ];
      for (const [p, code, message] of bad) await expectMlflowError(p, code, message);
    });

    it('versions: default order is last update DESC, name ASC, version DESC; prompts and deleted left out', async () => {
      expect(await versions()).toEqual(['Beta/1', 'alpha/2', 'alpha/1']);
      await store.deleteModelVersion('alpha', '2');
      expect(await versions()).toEqual(['Beta/1', 'alpha/1']);
      expect(await versions(`tags.\`${PROMPT}\` = 'true'`)).toEqual(['prompt/1']);
    });

    it('versions: attribute and tag filters', async () => {
      expect(await versions("run_id = 'r1'", ['name'])).toEqual(['Beta/1', 'alpha/1']);
      expect(await versions("run_id IN ('r2', 'zz')")).toEqual(['alpha/2']);
      expect(await versions("source_path LIKE 's3://%'", ['version_number'])).toEqual(['alpha/1', 'alpha/2']);
      expect(await versions('version_number >= 2')).toEqual(['alpha/2']);
      expect(await versions("version_number = '1'", ['name DESC'])).toEqual(['alpha/1', 'Beta/1']);
      expect(await versions("tags.ok = 'y'")).toEqual(['alpha/1']);
    });

    it('versions: bad filters and sizes are refused with MLflow codes', async () => {
      const bad: Array<[Promise<unknown>, string, string]> = [
        [
          store.searchModelVersions({ maxResults: 0 }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'It must be a positive integer, but got 0',
        ],
        [
          store.searchModelVersions({ maxResults: 200_001 }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'at most 200000, but got value 200001',
        ],
        [
          store.searchModelVersions({ filterString: 'version_number = 1.5' }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid value for numeric attribute 'version_number': 1.5",
        ],
        [
          store.searchModelVersions({ filterString: "version_number = 'x'" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid value for numeric attribute 'version_number': 'x'",
        ],
        [
          store.searchModelVersions({ filterString: "version_number LIKE '1'" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'Invalid comparator for attribute version_number: LIKE',
        ],
        [
          store.searchModelVersions({ filterString: "source_path IN ('a')" }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Only ['name', 'run_id'] attributes support comparison",
        ],
        [
          store.searchModelVersions({ filterString: 'name = 1' }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          'attributes support comparison with numeric values.',
        ],
        [
          store.searchModelVersions({ orderBy: ['tags.x'] }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid order by key 'x' specified.",
        ],
        [
          store.searchModelVersions({ orderBy: ['status'] }),
          ErrorCode.INVALID_PARAMETER_VALUE,
          "Invalid attribute key 'status' specified.",
        ],
      ];
      for (const [p, code, message] of bad) await expectMlflowError(p, code, message);
    });
  });

  it('shares the tracking store connection: one transaction per call, closed with the tracking store', async () => {
    expect(tracking.registry).toBe(store);
    expect(store.registryUri).toBe(tracking.trackingUri);
    await store.createRegisteredModel('m');
    await tracking.close();
    await expectMlflowError(store.getRegisteredModel('m'), ErrorCode.INVALID_STATE, 'is closed');
  });
});
