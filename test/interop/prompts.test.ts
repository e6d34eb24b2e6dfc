// The prompt registry against real MLflow 3.18, on the embedded store and through a real `mlflow server`:
// prompts registered by the SDK load in Python's `mlflow.genai.load_prompt` with identical templates,
// versions, commit messages, tags, aliases, response formats and model configs, and the other way round;
// Python's `search_prompts` lists SDK prompts and `search_registered_models` does not; aliases move and
// `@latest` follows new versions; loads inside runs and traces are linked as MLflow links them; errors
// carry MLflow's codes and messages. Then the registry server is stopped: registration lands as a run
// artifact plus the local fallback cache, loads report where they came from, and after the server
// returns `syncFallbackPrompts()` puts every prompt into the registry, once.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  closeAllTrackingStores,
  flushTraces,
  getClient,
  isMlflowError,
  type MlflowError,
  PromptCache,
  PromptRegistry,
  type PromptVersion,
  resetFluentState,
  resetTracing,
  setTrackingUri,
  trace,
  withRun,
} from '../../src/index.js';
import { RestRegistryStore } from '../../src/tracking/registry/rest.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const SERVER_ENV = { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };

interface PyPrompt {
  name: string;
  version: number;
  template: unknown;
  is_text: boolean;
  commit_message: string | null;
  tags: Record<string, string>;
  aliases: string[];
  response_format: unknown;
  model_config: Record<string, unknown> | null;
  variables: string[];
  uri: string;
}

interface PyRead {
  load: Array<{ uri: string; prompt?: PyPrompt; error?: { code: string; message: string } }>;
  stored: Array<{ tags: Record<string, string>; source: string; description: string | null; aliases: string[] }>;
  prompt_tags: Record<string, Record<string, string>>;
  search_prompts: Array<{ name: string; description: string | null; tags: Record<string, string> }>;
  search_registered_models: string[];
  run_tags: Record<string, string | null>;
  trace_tags: Record<string, string | null>;
}

const sortKeys = (o: Record<string, string>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** MLflow's REST client reads an unset description as ''; the SDK reads null. */
const desc = (d: string | null | undefined) => d || null;

/** The SDK's PromptVersion in the form prompts_lib.dump_prompt_version gives Python's. */
function dump(pv: PromptVersion): PyPrompt {
  return {
    name: pv.name,
    version: pv.version,
    template: pv.template,
    is_text: pv.isTextPrompt,
    commit_message: desc(pv.commitMessage),
    tags: sortKeys(pv.tags),
    aliases: [...pv.aliases].sort(),
    response_format: pv.responseFormat,
    model_config: pv.modelConfig,
    variables: [...pv.variables].sort(),
    uri: pv.uri,
  };
}

/**
 * Python's view with the differences of its REST client taken out: an unset description reads '', and
 * an error message starts with its code (`RESOURCE_DOES_NOT_EXIST: ...`).
 */
function normalise(r: PyRead): PyRead {
  for (const l of r.load) {
    if (l.prompt) l.prompt.commit_message = desc(l.prompt.commit_message);
    if (l.error) l.error.message = l.error.message.replace(/^[A-Z_]+: /, '');
  }
  for (const p of r.search_prompts) p.description = desc(p.description);
  return r;
}

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

// Python's `Answer` model in prompts_write.py, as a zod schema.
const AnswerSchema = z
  .object({
    answer: z.string().describe('The answer'),
    confidence: z.number(),
    sources: z.array(z.string()),
    note: z.string().nullable().default(null),
  })
  .meta({ title: 'Answer' });

const MODEL_CONFIG = {
  provider: 'openai',
  modelName: 'gpt-4o-mini',
  temperature: 0.2,
  maxTokens: 100,
  stop_sequences: ['END'],
  seed: 7,
};

/** The shared two-way scenario, on whatever the fluent tracking URI points at. */
function interopScenario(label: string, target: () => { trackingUri: string; cacheDir: string }) {
  describe(`prompts shared with Python MLflow (${label})`, () => {
    let registry: PromptRegistry;
    let env: { tracking_uri: string };
    const py = (script: string, payload: Record<string, unknown>) =>
      runPythonJson<unknown>(script, { ...env, ...payload });

    beforeAll(() => {
      const t = target();
      resetFluentState();
      setTrackingUri(t.trackingUri);
      env = { tracking_uri: t.trackingUri };
      registry = new PromptRegistry({ cache: new PromptCache(), fallback: { cacheDir: t.cacheDir } });
    });

    const sdkLoads = [
      'prompts:/sdk-text/1',
      'prompts:/sdk-text@production',
      'sdk-text',
      'prompts:/sdk-chat/1',
      'prompts:/sdk-zod@latest',
    ];

    it('SDK-registered text, chat and response-format prompts load identically in Python', async () => {
      const v1 = await registry.registerPrompt({
        name: 'sdk-text',
        template: 'Summarize {{ text }} in {{ n }} words.',
        commitMessage: 'first version',
        tags: { team: 'a', lang: 'en' },
        modelConfig: MODEL_CONFIG,
      });
      expect([v1.version, v1.origin]).toEqual([1, 'registry']);
      const v2 = await registry.registerPrompt({
        name: 'sdk-text',
        template: 'Summarize {{ text }} briefly.',
        commitMessage: 'shorter',
        tags: { team: 'b' },
      });
      expect(v2.version).toBe(2);
      await registry.registerPrompt({
        name: 'sdk-chat',
        template: [
          { role: 'system', content: 'You are a {{ style }} assistant.' },
          { role: 'user', content: '{{ question }} (ünïcödé “quotes”)' },
        ],
        commitMessage: 'chat',
        responseFormat: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
      });
      await registry.registerPrompt({ name: 'sdk-zod', template: 'Answer: {{ q }}', responseFormat: AnswerSchema });
      await registry.setPromptAlias('sdk-text', 'production', 1);

      const ours = await Promise.all(sdkLoads.map((u) => registry.loadPrompt(u, { cacheTtlSeconds: 0 })));
      const theirs = normalise(
        (await py('prompts_read.py', {
          load: sdkLoads.map((uri) => ({ uri })),
          stored: [
            ['sdk-text', 1],
            ['sdk-chat', 1],
          ],
          prompt_tags: ['sdk-text'],
        })) as PyRead,
      );
      expect(theirs.load.map((l) => l.prompt)).toEqual(ours.map(dump));
      expect(ours.map((p) => p.version)).toEqual([1, 1, 2, 1, 1]);
      // Stored as MLflow's client stores a prompt: placeholder source, commit message as description.
      expect(theirs.stored[0]).toMatchObject({
        source: 'dummy-source',
        description: 'first version',
        aliases: ['production'],
      });
      expect(theirs.stored[0]?.tags).toEqual({
        _mlflow_prompt_model_config:
          '{"provider": "openai", "model_name": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 100, "stop_sequences": ["END"], "seed": 7}',
        _mlflow_prompt_type: 'text',
        lang: 'en',
        'mlflow.prompt.is_prompt': 'true',
        'mlflow.prompt.text': 'Summarize {{ text }} in {{ n }} words.',
        team: 'a',
      });
      expect(theirs.stored[1]?.tags['mlflow.prompt.text']).toBe(
        '[{"role": "system", "content": "You are a {{ style }} assistant."}, {"role": "user", "content": "{{ question }} (\\u00fcn\\u00efc\\u00f6d\\u00e9 \\u201cquotes\\u201d)"}]',
      );
      // Prompt-level tags: the latest registration's values, and the experiment the prompt was registered in.
      expect(theirs.prompt_tags['sdk-text']).toEqual({ _mlflow_experiment_ids: ',0,', lang: 'en', team: 'b' });
    });

    it("a zod response format is stored as pydantic's JSON schema of the same model", async () => {
      const [schema] = (await py('prompts_write.py', { ops: [{ op: 'schema' }] })) as [string];
      const loaded = await registry.loadPrompt('prompts:/sdk-zod/1');
      expect(loaded.storedTags._mlflow_prompt_response_format).toBe(schema);
    });

    it('Python-registered prompts load identically in the SDK', async () => {
      await py('prompts_write.py', {
        ops: [
          {
            op: 'register',
            name: 'py-text',
            template: 'Translate {{ sentence }} to {{ language }}.',
            commit_message: 'from python',
            tags: { owner: 'py' },
            model_config: { model_name: 'claude', temperature: 1, max_tokens: 50, top_p: 0.9, custom: { a: [1, 2] } },
          },
          {
            op: 'register',
            name: 'py-chat',
            template: [
              { role: 'system', content: 'You are {{ persona }}.' },
              { role: 'user', content: '{{ ask }}' },
            ],
            response_format: { type: 'object', properties: { reply: { type: 'string' } } },
          },
          { op: 'register', name: 'py-pydantic', template: 'Q: {{q}}', pydantic: true },
          { op: 'alias', name: 'py-text', alias: 'champion', version: 1 },
          { op: 'model', name: 'ordinary-model' },
        ],
      });
      const uris = ['prompts:/py-text@champion', 'py-text', 'prompts:/py-chat/1', 'prompts:/py-pydantic@latest'];
      const theirs = normalise((await py('prompts_read.py', { load: uris.map((uri) => ({ uri })) })) as PyRead);
      const ours = await Promise.all(uris.map((u) => registry.loadPrompt(u, { cacheTtlSeconds: 0 })));
      expect(theirs.load.filter((l) => l.error)).toEqual([]);
      expect(ours.map(dump)).toEqual(theirs.load.map((l) => l.prompt));
      expect(ours[0]?.format({ sentence: 'hi', language: 'fr' })).toBe('Translate hi to fr.');
      expect(ours[2]?.format({ persona: 'kind', ask: 'why?' })).toEqual([
        { role: 'system', content: 'You are kind.' },
        { role: 'user', content: 'why?' },
      ]);

      // Python lists the SDK's prompts among prompts, and never among registered models; so do we.
      expect(theirs.search_prompts.map((p) => p.name)).toEqual([
        'py-chat',
        'py-pydantic',
        'py-text',
        'sdk-chat',
        'sdk-text',
        'sdk-zod',
      ]);
      expect(theirs.search_registered_models).toEqual(['ordinary-model']);
      const page = await registry.searchPrompts({ orderBy: ['name ASC'] });
      expect(page.items.map((p) => p.name)).toEqual(theirs.search_prompts.map((p) => p.name));
      expect(
        page.items.map((p) => ({
          ...p,
          description: desc(p.description),
          creationTimestamp: undefined,
          tags: sortKeys(p.tags),
        })),
      ).toEqual(theirs.search_prompts.map((p) => ({ ...p, creationTimestamp: undefined })));
      const filtered = await registry.searchPrompts({ filterString: "name LIKE 'sdk-%'" });
      expect(filtered.items.map((p) => p.name).sort()).toEqual(['sdk-chat', 'sdk-text', 'sdk-zod']);
    });

    it('unknown prompts, versions and aliases, and ordinary models, fail with the errors Python raises', async () => {
      const cases = [
        'prompts:/no-such-prompt/1',
        'prompts:/sdk-text/99',
        'prompts:/sdk-text@nope',
        'prompts:/ordinary-model/1',
        'prompts:/sdk-text',
        'prompts:/sdk-text/staging',
      ];
      const theirs = normalise((await py('prompts_read.py', { load: cases.map((uri) => ({ uri })) })) as PyRead);
      for (const [i, uri] of cases.entries()) {
        const err = await caught(registry.loadPrompt(uri, { cacheTtlSeconds: 0 }));
        expect({ uri, code: err.errorCode, message: err.message }).toEqual({ uri, ...theirs.load[i]?.error });
      }
      const conflict = await caught(registry.registerPrompt({ name: 'ordinary-model', template: 'x' }));
      expect([conflict.errorCode, conflict.message]).toEqual([
        'INVALID_PARAMETER_VALUE',
        "Model 'ordinary-model' exists with the same name. MLflow does not allow registering a prompt with the same name as an existing model. Please choose a different name for the prompt.",
      ]);
      expect(await registry.loadPrompt('prompts:/sdk-text/99', { allowMissing: true })).toBeNull();
      expect(await registry.loadPrompt('no-such-prompt', { allowMissing: true })).toBeNull();
      const missingAlias = await caught(registry.setPromptAlias('sdk-text', 'x', 42));
      expect([missingAlias.errorCode, missingAlias.message]).toEqual([
        'RESOURCE_DOES_NOT_EXIST',
        "Prompt 'sdk-text' version 42 does not exist.",
      ]);
    });

    it('aliases move both ways and @latest follows new versions', async () => {
      await registry.setPromptAlias('sdk-text', 'production', 2);
      let theirs = (await py('prompts_read.py', { load: [{ uri: 'prompts:/sdk-text@production' }] })) as PyRead;
      expect(theirs.load[0]?.prompt?.version).toBe(2);

      await py('prompts_write.py', { ops: [{ op: 'alias', name: 'sdk-text', alias: 'production', version: 1 }] });
      expect((await registry.loadPrompt('prompts:/sdk-text@production', { cacheTtlSeconds: 0 })).version).toBe(1);

      const cachedLatest = await registry.loadPrompt('sdk-text');
      expect(cachedLatest.version).toBe(2);
      await py('prompts_write.py', {
        ops: [{ op: 'register', name: 'sdk-text', template: 'v3 {{ text }}', commit_message: 'from python' }],
      });
      // Within the alias TTL the cached @latest is served; a TTL of 0 reads the registry.
      expect((await registry.loadPrompt('sdk-text')).version).toBe(2);
      expect((await registry.loadPrompt('sdk-text', { cacheTtlSeconds: 0 })).version).toBe(3);
      // Our own registration invalidates @latest at once.
      const v4 = await registry.registerPrompt({ name: 'sdk-text', template: 'v4 {{ text }}' });
      expect((await registry.loadPrompt('prompts:/sdk-text@latest')).version).toBe(v4.version);

      await registry.deletePromptAlias('sdk-text', 'production');
      theirs = (await py('prompts_read.py', { load: [{ uri: 'prompts:/sdk-text@production' }] })) as PyRead;
      expect(theirs.load[0]?.error?.code).toBeDefined();
      await caught(registry.loadPrompt('prompts:/sdk-text@production'));

      await registry.setPromptVersionTag('sdk-text', 4, 'reviewed', 'yes');
      theirs = (await py('prompts_read.py', { load: [{ uri: 'prompts:/sdk-text/4' }] })) as PyRead;
      expect(theirs.load[0]?.prompt?.tags).toEqual({ reviewed: 'yes' });
      await registry.deletePromptVersionTag('sdk-text', 4, 'reviewed');
      await registry.deletePromptVersion('sdk-text', 4);
      theirs = (await py('prompts_read.py', { load: [{ uri: 'sdk-text' }] })) as PyRead;
      expect(theirs.load[0]?.prompt?.version).toBe(3);
    });

    it('a load inside a run or a trace is linked as MLflow links it', async () => {
      const [pyRun, pyTrace] = (await py('prompts_write.py', {
        ops: [
          { op: 'load_in_run', uri: 'prompts:/py-text/1' },
          { op: 'trace_load', uri: 'prompts:/py-text/1' },
        ],
      })) as [{ tag: string }, { tag: string }];
      const runId = await withRun({}, async (run) => {
        await registry.loadPrompt('prompts:/py-text/1');
        await registry.loadPrompt('prompts:/py-text/1');
        return run.info.runId;
      });
      const traced = trace(async function useAPrompt() {
        return registry.loadPrompt('prompts:/py-text/1');
      });
      await traced();
      await flushTraces();
      const traceId = (await getClient().searchTraces({ experimentIds: ['0'], includeSpans: false })).items.find(
        (t) => t.info.tags['mlflow.traceName'] === 'useAPrompt',
      )?.info.traceId as string;
      const theirs = (await py('prompts_read.py', { run_ids: [runId], trace_ids: [traceId] })) as PyRead;
      expect(theirs.run_tags[runId]).toBe(pyRun.tag);
      expect(theirs.trace_tags[traceId]).toBe(pyTrace.tag);
      expect(pyRun.tag).toBe('[{"name": "py-text", "version": "1"}]');
    });
  });
}

describe('prompt registry interop', () => {
  const tmp = makeTempDir('mlflow-genai-prompts-');
  let server: MlflowServer;

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'server.db')}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: ['--default-artifact-root', join(tmp.dir, 'server-artifacts')],
    });
  });

  afterAll(async () => {
    resetFluentState();
    await resetTracing();
    await closeAllTrackingStores();
    await server?.stop();
    tmp.cleanup();
  });

  interopScenario('embedded store', () => ({
    trackingUri: `sqlite:///${join(tmp.dir, 'embedded.db')}`,
    cacheDir: join(tmp.dir, 'cache-embedded'),
  }));
  interopScenario('mlflow server', () => ({ trackingUri: server.url, cacheDir: join(tmp.dir, 'cache-server') }));
});

describe('artifact fallback while the registry server is stopped', () => {
  const tmp = makeTempDir('mlflow-genai-prompt-fallback-');
  const dbPath = join(tmp.dir, 'server.db');
  const cacheDir = join(tmp.dir, 'prompt-cache');
  const serverArgs = ['--default-artifact-root', join(tmp.dir, 'server-artifacts')];
  let server: MlflowServer;
  let proxy: FaultProxy;
  let registry: PromptRegistry;
  const newRegistry = (dir = cacheDir) =>
    new PromptRegistry({
      // Short retries, so a stopped server is noticed in well under a second.
      registryStore: new RestRegistryStore(proxy.url, { maxRetries: 0, requestTimeoutMs: 10_000 }),
      cache: new PromptCache(),
      fallback: { cacheDir: dir },
    });
  let runId: string;

  beforeAll(async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${dbPath}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: serverArgs,
    });
    proxy = await startFaultProxy(server.port);
    resetFluentState();
    // Runs and their artifacts are local (the embedded store); the registry is the server.
    setTrackingUri(`sqlite:///${join(tmp.dir, 'local.db')}`);
    registry = newRegistry();
  });

  afterAll(async () => {
    resetFluentState();
    await closeAllTrackingStores();
    await proxy?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('registers into the registry while it is up', async () => {
    const v1 = await registry.registerPrompt({
      name: 'fb',
      template: 'Hello {{ who }}',
      commitMessage: 'online',
      tags: { k: 'v' },
    });
    expect([v1.version, v1.origin]).toEqual([1, 'registry']);
    expect((await registry.loadPrompt('fb', { version: 1 })).origin).toBe('registry');
    expect((await registry.loadPrompt('fb', { version: 1 })).origin).toBe('cache');
  });

  it('with the server stopped, registration lands as a run artifact plus the local cache', async () => {
    await server.stop();
    await proxy.down();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      runId = await withRun({ runName: 'offline' }, async (run) => {
        const v2 = await registry.registerPrompt({
          name: 'fb',
          template: 'Hello again {{ who }}',
          commitMessage: 'offline edit',
          tags: { k: 'w' },
          modelConfig: { modelName: 'm', temperature: 0.5 },
        });
        expect([v2.version, v2.origin, isMlflowError(v2.registryError)]).toEqual([2, 'artifact', true]);
        const v3 = await registry.registerPrompt({
          name: 'fb',
          template: [{ role: 'user', content: '{{ who }}?' }],
          commitMessage: 'offline chat',
          responseFormat: { type: 'object' },
        });
        expect([v3.version, v3.origin]).toEqual([3, 'artifact']);
        const other = await registry.registerPrompt({ name: 'fb-new', template: 'brand new {{ x }}' });
        expect([other.version, other.origin]).toEqual([1, 'artifact']);
        return run.info.runId;
      });
      const noRun = await registry.registerPrompt({ name: 'fb-norun', template: 'no run {{ y }}' });
      expect([noRun.version, noRun.origin]).toEqual([1, 'cache']);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.some((w) => w.includes("prompt 'fb' was kept as version 2"))).toBe(true);
    const artifacts = await getClient().listArtifacts(runId, 'prompts/fb');
    expect(artifacts.map((a) => a.path).sort()).toEqual(['prompts/fb/v2.json', 'prompts/fb/v3.json']);
    const local = join(getClient().trackingUri.replace('sqlite:///', ''), '..');
    expect(existsSync(local)).toBe(true);
  });

  it('with the server stopped, loads report where they came from', async () => {
    const errors: string[] = [];
    const r = new PromptRegistry({
      registryStore: new RestRegistryStore(proxy.url, { maxRetries: 0 }),
      cache: new PromptCache(),
      fallback: { cacheDir },
      onRegistryError: (_e, ctx) => errors.push(`${ctx.operation}:${ctx.servedFrom}`),
    });
    // The last good value in memory (the registry instance that loaded it).
    const mem = await registry.loadPrompt('fb', { version: 1, cacheTtlSeconds: 0 });
    expect([mem.origin, mem.template, isMlflowError(mem.registryError)]).toEqual(['cache', 'Hello {{ who }}', true]);
    // A fresh process: the local fallback cache has v1 (loaded before) and the offline versions.
    const v1 = await r.loadPrompt('fb', { version: 1 });
    expect([v1.origin, v1.template, v1.commitMessage]).toEqual(['cache', 'Hello {{ who }}', 'online']);
    const latest = await r.loadPrompt('prompts:/fb@latest');
    expect([latest.origin, latest.version, latest.isTextPrompt]).toEqual(['cache', 3, false]);
    expect(errors).toEqual(['loadPrompt:cache', 'loadPrompt:cache']);
    // No cache at all: the run's artifact.
    const bare = newRegistry(join(tmp.dir, 'empty-cache'));
    const fromArtifact = await withRun({ runId }, () => bare.loadPrompt('fb'));
    expect([fromArtifact.origin, fromArtifact.version, fromArtifact.template]).toEqual([
      'artifact',
      3,
      [{ role: 'user', content: '{{ who }}?' }],
    ]);
    // Nothing anywhere: the caller's fallback, else the registry's error.
    const given = await bare.loadPrompt('unknown', { fallback: { template: 'Default {{ x }}' } });
    expect([given.origin, given.name, given.format({ x: 1 })]).toEqual(['fallback', 'unknown', 'Default 1']);
    const err = await caught(bare.loadPrompt('unknown'));
    expect(err.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
  });

  it('when the server returns, syncing puts every offline prompt in the registry, once', async () => {
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${dbPath}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: serverArgs,
    });
    await proxy.up(server.port);
    const report = await registry.syncFallbackPrompts();
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => [s.name, s.localVersion, s.registryVersion]).sort()).toEqual([
      ['fb', 2, 2],
      ['fb', 3, 3],
      ['fb-new', 1, 1],
      ['fb-norun', 1, 1],
    ]);
    expect((await registry.syncFallbackPrompts()).synced).toEqual([]);

    // "Nothing lost": Python sees every version, with the template, commit message, tags, response
    // format and model config it was registered with; the run artifacts are still there.
    const theirs = normalise(
      (await runPythonJson('prompts_read.py', {
        tracking_uri: server.url,
        load: ['prompts:/fb/1', 'prompts:/fb/2', 'prompts:/fb/3', 'fb-new', 'fb-norun'].map((uri) => ({ uri })),
      })) as PyRead,
    );
    expect(
      theirs.load.map((l) => l.prompt && [l.prompt.version, l.prompt.template, l.prompt.commit_message, l.prompt.tags]),
      // A load Python could not make is shown with its error (seen once in a full run, not reproduced since).
      JSON.stringify(theirs.load.filter((l) => l.error)),
    ).toEqual([
      [1, 'Hello {{ who }}', 'online', { k: 'v' }],
      [2, 'Hello again {{ who }}', 'offline edit', { k: 'w' }],
      [3, [{ role: 'user', content: '{{ who }}?' }], 'offline chat', {}],
      [1, 'brand new {{ x }}', null, {}],
      [1, 'no run {{ y }}', null, {}],
    ]);
    expect(theirs.load[1]?.prompt?.model_config).toEqual({ model_name: 'm', temperature: 0.5 });
    expect(theirs.load[2]?.prompt?.response_format).toEqual({ type: 'object' });
    const artifacts = await getClient().listArtifacts(runId, 'prompts/fb');
    expect(artifacts).toHaveLength(2);
    const artifact = JSON.parse(readFileSync(await getClient().downloadArtifacts(runId, 'prompts/fb/v2.json'), 'utf8'));
    expect(artifact).toMatchObject({
      name: 'fb',
      version: 2,
      template: 'Hello again {{ who }}',
      commit_message: 'offline edit',
    });
    expect((await registry.loadPrompt('fb', { cacheTtlSeconds: 0 })).origin).toBe('registry');
  });

  it('a registration after an outage syncs the pending versions first, in order', async () => {
    await server.stop();
    await proxy.down();
    const offline = await registry.registerPrompt({ name: 'auto', template: 'offline {{ a }}' });
    expect([offline.version, offline.origin]).toEqual([1, 'cache']);
    server = await startMlflowServer({
      backendStoreUri: `sqlite:///${dbPath}`,
      cwd: tmp.dir,
      env: SERVER_ENV,
      args: serverArgs,
    });
    await proxy.up(server.port);
    const online = await registry.registerPrompt({ name: 'auto', template: 'online {{ a }}' });
    expect([online.version, online.origin]).toEqual([2, 'registry']);
    expect((await registry.loadPrompt('auto', { version: 1 })).template).toBe('offline {{ a }}');
    expect(await registry.fallbackCache?.pending()).toEqual([]);
  });
});
