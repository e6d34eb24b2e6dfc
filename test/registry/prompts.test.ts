import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  closeAllTrackingStores,
  MlflowClient,
  PromptCache,
  PromptRegistry,
  parsePromptUri,
  promptUriFor,
} from '../../src/index.js';
import { ErrorCode, MlflowError } from '../../src/tracking/errors.js';
import type { ModelRegistryStore } from '../../src/tracking/registry/store.js';
import { openRegistryStore } from '../../src/tracking/registry/stores.js';
import { expectMlflowError } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-prompts-unit-');
let dbCount = 0;

afterAll(async () => {
  await closeAllTrackingStores();
  tmp.cleanup();
});

/** A fresh embedded database, a client on it, and a fake clock. */
function setup() {
  const uri = `sqlite:///${join(tmp.dir, `db${++dbCount}.db`)}`;
  const client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  const clock = { now: 1_000_000 };
  const cache = new PromptCache({ now: () => clock.now });
  const cacheDir = join(tmp.dir, `cache${dbCount}`);
  const registry = new PromptRegistry({ client, cache, fallback: { cacheDir } });
  // A second registry on the same database with its own cache: "another process" moving aliases.
  const other = new PromptRegistry({ client, cache: new PromptCache(), fallback: false });
  return { uri, client, clock, registry, other, cacheDir };
}

describe('prompt URIs', () => {
  it('a bare name means @latest, a name and version a version URI, a URI stays as given', () => {
    expect(promptUriFor('qa')).toBe('prompts:/qa@latest');
    expect(promptUriFor('qa', 3)).toBe('prompts:/qa/3');
    expect(promptUriFor('qa', '3')).toBe('prompts:/qa/3');
    expect(promptUriFor('prompts:/qa@prod')).toBe('prompts:/qa@prod');
  });

  it('parses versions and aliases (latest included)', () => {
    expect(parsePromptUri('prompts:/qa/3')).toEqual({ name: 'qa', version: 3 });
    expect(parsePromptUri('prompts:/qa@prod')).toEqual({ name: 'qa', alias: 'prod' });
    expect(parsePromptUri('prompts:/qa@latest')).toEqual({ name: 'qa', alias: 'latest' });
    expect(parsePromptUri('prompts:///qa/3')).toEqual({ name: 'qa', version: 3 });
    expect(parsePromptUri('prompts:/a.b-c_d@x@y')).toEqual({ name: 'a.b-c_d@x', alias: 'y' });
  });

  it('a version together with a URI is an INVALID_PARAMETER_VALUE error', () => {
    expect(() => promptUriFor('prompts:/qa/1', 2)).toThrow(
      'The `version` argument should not be specified when loading a prompt by URI.',
    );
  });

  it.each([
    ['prompts:/qa/latest', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI: prompts:/qa/latest.'],
    ['prompts:/qa/Production', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI'],
    ['prompts:/qa/1/2', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI'],
    ['prompts:/qa@', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI'],
    ['prompts:', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI'],
    ['prompts:/qa', ErrorCode.INVALID_PARAMETER_VALUE, 'Invalid prompt URI format: prompts:/qa'],
    ['models:/qa/1', ErrorCode.INTERNAL_ERROR, 'Not a proper prompts:/ URI'],
  ])('%s is refused with MLflow’s error (%s)', (uri, code, message) => {
    try {
      parsePromptUri(uri);
      throw new Error('expected an error');
    } catch (err) {
      expect((err as MlflowError).errorCode).toBe(code);
      expect((err as MlflowError).message).toContain(message);
    }
  });
});

describe('the prompt cache', () => {
  it('serves an entry until its TTL passes, then keeps it only as the last good value', () => {
    const clock = { now: 0 };
    const cache = new PromptCache({ now: () => clock.now });
    const value = {} as never;
    cache.set('r', { name: 'p', alias: 'a' }, value, 60);
    clock.now = 60_000;
    expect(cache.get('r', { name: 'p', alias: 'a' })).toBe(value);
    clock.now = 60_001;
    expect(cache.get('r', { name: 'p', alias: 'a' })).toBeUndefined();
    expect(cache.getLastGood('r', { name: 'p', alias: 'a' })).toBe(value);
    cache.set('r', { name: 'p', version: 1 }, value);
    clock.now = 1e15;
    expect(cache.get('r', { name: 'p', version: 1 })).toBe(value);
    expect(cache.get('other-registry', { name: 'p', version: 1 })).toBeUndefined();
    cache.deleteAll('r', 'p');
    expect(cache.size).toBe(0);
  });

  it('alias lookups are cached for 60 s (MLflow’s default), then re-read', async () => {
    const { registry, other, clock } = setup();
    await registry.registerPrompt({ name: 'p', template: 'one' });
    await registry.registerPrompt({ name: 'p', template: 'two' });
    await registry.setPromptAlias('p', 'prod', 1);
    expect((await registry.loadPrompt('prompts:/p@prod')).version).toBe(1);
    await other.setPromptAlias('p', 'prod', 2);
    clock.now += 60_000;
    const cached = await registry.loadPrompt('prompts:/p@prod');
    expect([cached.version, cached.origin]).toEqual([1, 'cache']);
    clock.now += 1;
    const fresh = await registry.loadPrompt('prompts:/p@prod');
    expect([fresh.version, fresh.origin]).toEqual([2, 'registry']);
  });

  it('@latest is an alias lookup: cached with the TTL, and follows new versions after it', async () => {
    const { registry, other, clock } = setup();
    await registry.registerPrompt({ name: 'p', template: 'one' });
    expect((await registry.loadPrompt('p')).version).toBe(1);
    await other.registerPrompt({ name: 'p', template: 'two' });
    expect((await registry.loadPrompt('p')).version).toBe(1);
    expect((await registry.loadPrompt('p', { cacheTtlSeconds: 0 })).version).toBe(2);
    clock.now += 61_000;
    expect((await registry.loadPrompt('prompts:/p@latest')).version).toBe(2);
  });

  it('a custom TTL, the environment’s TTL, and 0 (no caching) are honoured', async () => {
    const { client, registry, other, clock } = setup();
    await registry.registerPrompt({ name: 'p', template: 'one' });
    await registry.registerPrompt({ name: 'p', template: 'two' });
    await registry.setPromptAlias('p', 'a', 1);
    expect((await registry.loadPrompt('prompts:/p@a', { cacheTtlSeconds: 5 })).version).toBe(1);
    await other.setPromptAlias('p', 'a', 2);
    clock.now += 5_001;
    expect((await registry.loadPrompt('prompts:/p@a', { cacheTtlSeconds: 5 })).version).toBe(2);

    const envClock = { now: 0 };
    const envRegistry = new PromptRegistry({
      client,
      cache: new PromptCache({ now: () => envClock.now }),
      fallback: false,
      env: { MLFLOW_ALIAS_PROMPT_CACHE_TTL_SECONDS: '2', MLFLOW_VERSION_PROMPT_CACHE_TTL_SECONDS: '1' },
    });
    expect((await envRegistry.loadPrompt('prompts:/p@a')).version).toBe(2);
    await other.setPromptAlias('p', 'a', 1);
    envClock.now = 2_001;
    expect((await envRegistry.loadPrompt('prompts:/p@a')).version).toBe(1);
    await expectMlflowError(
      registry.loadPrompt('p', { cacheTtlSeconds: -1 }),
      'INVALID_PARAMETER_VALUE',
      '`cache_ttl_seconds` argument must be greater than or equal to 0.',
    );
  });

  it('version lookups are cached for the process; tag changes through the registry invalidate them', async () => {
    const { registry, other, clock } = setup();
    await registry.registerPrompt({ name: 'p', template: 'one' });
    expect((await registry.loadPrompt('p', { version: 1 })).tags).toEqual({});
    await other.setPromptVersionTag('p', 1, 'k', 'v');
    clock.now += 365 * 86_400_000;
    expect((await registry.loadPrompt('p', { version: 1 })).tags).toEqual({});
    await registry.setPromptVersionTag('p', 1, 'k', 'v2');
    expect((await registry.loadPrompt('p', { version: 1 })).tags).toEqual({ k: 'v2' });
  });
});

describe('errors carry MLflow’s codes and messages', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it.each(['', 'has space', 'slash/name', 'ü', 'semi;colon'])('invalid name %j', async (name) => {
    await expectMlflowError(
      s.registry.registerPrompt({ name, template: 'x' }),
      'INVALID_PARAMETER_VALUE',
      name === ''
        ? 'Prompt name must be a non-empty string.'
        : 'Prompt name can only contain alphanumeric characters, hyphens, underscores, and dots.',
    );
  });

  it('a template over 100,000 characters', async () => {
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'long', template: 'x'.repeat(100_001) }),
      'INVALID_PARAMETER_VALUE',
      'Prompt text exceeds max length of 100000 characters.',
    );
    // Python counts code points, not UTF-16 units.
    const v = await s.registry.registerPrompt({ name: 'astral', template: '😀'.repeat(60_000) });
    expect(v.version).toBe(1);
    expect(await s.registry.getPrompt('long')).toBeNull();
  });

  it('malformed chat templates and model configs are refused before anything is stored', async () => {
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'c', template: [{ role: 'user' }] as never }),
      'INVALID_PARAMETER_VALUE',
      'Template must be a list of dicts with role and content',
    );
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'c', template: [] }),
      'INVALID_PARAMETER_VALUE',
      'non-empty list',
    );
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'c', template: 'x', modelConfig: { temperature: -1 } }),
      'INVALID_PARAMETER_VALUE',
      "'temperature' must be greater than or equal to 0, got -1",
    );
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'c', template: 'x', modelConfig: { maxTokens: 1.5 } }),
      'INVALID_PARAMETER_VALUE',
      "'max_tokens' must be an integer",
    );
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'c', template: 'x', modelConfig: { top_p: 2 } }),
      'INVALID_PARAMETER_VALUE',
      "'top_p' must be less than or equal to 1",
    );
    expect(await s.registry.getPrompt('c')).toBeNull();
  });

  it('unknown prompts, versions and aliases', async () => {
    await s.registry.registerPrompt({ name: 'p', template: 'x' });
    await expectMlflowError(
      s.registry.loadPrompt('nope'),
      'RESOURCE_DOES_NOT_EXIST',
      'Prompt with name=nope not found',
    );
    await expectMlflowError(
      s.registry.loadPrompt('p', { version: 7 }),
      'RESOURCE_DOES_NOT_EXIST',
      'Prompt (name=p, version=7) not found',
    );
    await expectMlflowError(s.registry.loadPrompt('prompts:/p@missing'), 'INVALID_PARAMETER_VALUE', 'missing');
    expect(await s.registry.loadPrompt('prompts:/p@missing', { allowMissing: true })).toBeNull();
    await expectMlflowError(
      s.registry.setPromptAlias('p', 'a', 3),
      'RESOURCE_DOES_NOT_EXIST',
      "Prompt 'p' version 3 does not exist.",
    );
    await expectMlflowError(s.registry.deletePromptVersion('p', 'x'), 'INTERNAL_ERROR', 'Invalid version number: x');
  });

  it('a prompt name that is an ordinary model', async () => {
    const store: ModelRegistryStore = openRegistryStore(s.uri);
    await store.createRegisteredModel('a-model');
    await store.createModelVersion({ name: 'a-model', source: 'file:///tmp/m' });
    await expectMlflowError(
      s.registry.registerPrompt({ name: 'a-model', template: 'x' }),
      'INVALID_PARAMETER_VALUE',
      "Model 'a-model' exists with the same name. MLflow does not allow registering a prompt with the same name as an existing model.",
    );
    await expectMlflowError(
      s.registry.loadPrompt('a-model', { version: 1 }),
      'INVALID_PARAMETER_VALUE',
      'Name `a-model` is registered as a model, not a prompt. Use get_model_version() or load_model() instead.',
    );
    expect((await s.registry.searchPrompts()).items).toEqual([]);
    await s.registry.registerPrompt({ name: 'real-prompt', template: 'x' });
    expect((await store.searchRegisteredModels()).items.map((m) => m.name)).toEqual(['a-model']);
  });
});

describe('fallback when the registry is unavailable', () => {
  /** The embedded registry behind a switch that makes every call fail as an unreachable server does. */
  function flaky(store: ModelRegistryStore) {
    const state = { down: false };
    const proxy = new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (state.down) {
            return Promise.reject(
              new MlflowError('Could not reach the MLflow server', ErrorCode.TEMPORARILY_UNAVAILABLE),
            );
          }
          return v.apply(target, args);
        };
      },
    });
    return { store: proxy, state };
  }

  it('registers locally, serves the cache, and syncs once when the registry is back', async () => {
    const { uri, client, cacheDir } = setup();
    const { store, state } = flaky(openRegistryStore(uri));
    const errors: string[] = [];
    const registry = new PromptRegistry({
      client,
      registryStore: store,
      cache: new PromptCache(),
      fallback: { cacheDir },
      onRegistryError: (e, ctx) => errors.push(`${ctx.operation}/${ctx.servedFrom}/${(e as MlflowError).errorCode}`),
    });
    await registry.registerPrompt({ name: 'p', template: 'online' });
    state.down = true;
    const local = await registry.registerPrompt({ name: 'p', template: 'offline {{ x }}', tags: { t: '1' } });
    expect([local.version, local.origin, local.tags]).toEqual([2, 'cache', { t: '1' }]);
    const latest = await registry.loadPrompt('p');
    expect([latest.version, latest.origin, latest.template]).toEqual([2, 'cache', 'offline {{ x }}']);
    expect(errors).toEqual([
      'registerPrompt/cache/TEMPORARILY_UNAVAILABLE',
      'loadPrompt/cache/TEMPORARILY_UNAVAILABLE',
    ]);

    // A sync cut short after the registry stored the version: the next sync reuses it.
    state.down = false;
    const direct = await registry.getPromptVersion('p', 1);
    expect(direct.template).toBe('online');
    const { registerPromptVersion } = await import('../../src/registry/prompts/store-ops.js');
    await registerPromptVersion(openRegistryStore(uri), {
      name: 'p',
      template: 'offline {{ x }}',
      commitMessage: null,
      tags: { t: '1' },
      responseFormat: null,
      modelConfig: null,
    });
    const report = await registry.syncFallbackPrompts();
    expect(report.synced).toEqual([{ name: 'p', localVersion: 2, registryVersion: 2, reused: true }]);
    expect((await registry.syncFallbackPrompts()).synced).toEqual([]);
    expect((await registry.searchPromptVersions('p')).items.map((v) => v.version)).toEqual([2, 1]);
  });

  it('refusals that are the caller’s fault are not masked by the fallback', async () => {
    const { client, cacheDir } = setup();
    const registry = new PromptRegistry({ client, cache: new PromptCache(), fallback: { cacheDir } });
    await expectMlflowError(
      registry.loadPrompt('prompts:/x/1'),
      'RESOURCE_DOES_NOT_EXIST',
      'Prompt with name=x not found',
    );
    const served = await registry.loadPrompt('prompts:/x/1', { fallback: { template: 'default' } });
    expect([served.origin, served.version, served.template]).toEqual(['fallback', 1, 'default']);
  });
});
