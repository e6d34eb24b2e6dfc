import { readEnv } from '../../config/env.js';
import { getActiveTraceInfo, getCurrentActiveSpan } from '../../tracing/api.js';
import type { MlflowClient } from '../../tracking/client.js';
import type { PagedList } from '../../tracking/entities/index.js';
import { SpanAttributeKey, TraceTagKey } from '../../tracking/entities/index.js';
import { ErrorCode, hasErrorCode, InvalidParameterError, isMlflowError, MlflowError } from '../../tracking/errors.js';
import { activeRun, getClient, resolveExperimentId } from '../../tracking/fluent.js';
import type { ModelRegistryStore } from '../../tracking/registry/store.js';
import { PromptCache } from './cache.js';
import {
  DEFAULT_ALIAS_CACHE_TTL_SECONDS,
  LINKED_PROMPTS_TAG_KEY,
  PROMPT_ENV,
  PROMPT_EXPERIMENT_IDS_TAG_KEY,
  PROMPT_MODEL_CONFIG_TAG_KEY,
} from './constants.js';
import {
  type CachedPromptVersion,
  cachedToPrompt,
  defaultFallbackCacheDir,
  FallbackPromptCache,
} from './fallback-cache.js';
import type { PromptTemplate } from './format.js';
import { updateLinkedPromptsTag } from './linking.js';
import { modelConfigToDict, type PromptModelConfig } from './model-config.js';
import {
  type PromptVersion,
  PromptVersion as PromptVersionClass,
  type PromptVersionJson,
  promptVersionFromJson,
} from './prompt-version.js';
import { pyJsonDumpsAscii } from './python.js';
import { openDefaultRegistryStore } from './registry-store.js';
import { type ResponseFormatInput, responseFormatToDict } from './response-format.js';
import * as ops from './store-ops.js';
import { formatPromptRef, type PromptRef, parsePromptUri, promptUriFor } from './uri.js';

/** Arguments of {@link PromptRegistry.registerPrompt}. */
export interface RegisterPromptOptions {
  /** Letters, digits, `_`, `-` and `.`. */
  name: string;
  /** Text with `{{ variables }}`, or chat messages `{role, content}`. */
  template: PromptTemplate;
  /** Describes the change, like a Git commit message. */
  commitMessage?: string | null;
  /** Tags of the version, also set on the prompt (later registrations overwrite prompt-level keys). */
  tags?: Record<string, string>;
  /** The expected response structure: a JSON schema, or a zod 4 schema (converted). */
  responseFormat?: ResponseFormatInput | null;
  /** The model and its settings (validated like MLflow's `PromptModelConfig`). */
  modelConfig?: PromptModelConfig | null;
}

/** Options of {@link PromptRegistry.loadPrompt}. */
export interface LoadPromptOptions {
  /** With a bare name: the version to load (else `latest`). Not allowed with a URI. */
  version?: string | number;
  /** Return null instead of throwing when the prompt, version or alias does not exist. */
  allowMissing?: boolean;
  /**
   * Seconds to cache the result. Default: `MLFLOW_ALIAS_PROMPT_CACHE_TTL_SECONDS` (60) for aliases and
   * `@latest`, `MLFLOW_VERSION_PROMPT_CACHE_TTL_SECONDS` (the whole process) for versions; 0 bypasses the cache.
   */
  cacheTtlSeconds?: number;
  /**
   * Served when the registry is unavailable (or the prompt does not exist) and neither the cache nor a run
   * artifact has the prompt: a PromptVersion, or the parts of one. The result's origin is `fallback`.
   */
  fallback?: PromptVersion | FallbackPromptInit;
  /** Record the load on the active run and trace (`mlflow.linkedPrompts`); true by default. */
  link?: boolean;
}

/** The parts of a caller-supplied fallback prompt. */
export interface FallbackPromptInit {
  template: PromptTemplate;
  version?: number;
  commitMessage?: string | null;
  tags?: Record<string, string>;
  responseFormat?: ResponseFormatInput | null;
  modelConfig?: PromptModelConfig | null;
}

/** Options of {@link PromptRegistry.searchPrompts}. */
export interface SearchPromptsOptions {
  /** A registry filter, e.g. `name LIKE 'qa-%'`, `tags.team = 'a'`, or `experiment_id = '1'`. */
  filterString?: string;
  /** Page size; 100 by default (at most 1000). */
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Where the fallback copies of prompts go when the registry is unavailable. */
export interface PromptFallbackOptions {
  /** Folder of the local fallback cache (`MLFLOW_GENAI_PROMPT_CACHE_DIR`, else `~/.cache/mlflow-genai/prompts`). */
  cacheDir?: string;
  /** Also write `prompts/<name>/v<k>.json` to the active run's artifacts; true by default. */
  artifacts?: boolean;
}

/** Options of {@link PromptRegistry}. */
export interface PromptRegistryOptions {
  /** The tracking client (run artifacts, tags); the fluent API's client for the active run by default. */
  client?: MlflowClient;
  /** The registry URI; the client's registry URI by default. */
  registryUri?: string;
  /** The registry store to use (tests, custom backends); opened from the registry URI by default. */
  registryStore?: ModelRegistryStore;
  /** The prompt cache; one shared by every registry in the process by default. */
  cache?: PromptCache;
  /** Fallback when the registry is unreachable or refuses prompts; `false` turns it off (errors propagate). */
  fallback?: PromptFallbackOptions | false;
  /** Called when the registry failed and a cached, artifact or fallback value was served (a warning is also emitted). */
  onRegistryError?: (error: Error, context: { operation: string; name: string; servedFrom: string }) => void;
  /** Environment read for the cache TTL defaults and cache folder (`process.env` by default). */
  env?: NodeJS.ProcessEnv;
}

/** What {@link PromptRegistry.syncFallbackPrompts} did. */
export interface SyncFallbackReport {
  /** Local registrations now in the registry, with the version the registry gave each. */
  synced: Array<{ name: string; localVersion: number; registryVersion: number; reused: boolean }>;
  /** Local registrations that could not be synced (the registry is still down, or refused them). */
  failed: Array<{ name: string; localVersion: number; error: Error }>;
}

/** The shared in-process prompt cache (MLflow's `PromptCache` singleton). */
export const defaultPromptCache = new PromptCache();

/** True for failures that mean the registry is unreachable or refuses prompts, not that the request was wrong. */
export function isRegistryUnavailable(err: unknown): boolean {
  if (!isMlflowError(err)) return true;
  switch (err.errorCode) {
    case ErrorCode.TEMPORARILY_UNAVAILABLE:
    case ErrorCode.INTERNAL_ERROR:
    case ErrorCode.IO_ERROR:
    case ErrorCode.DEADLINE_EXCEEDED:
    case ErrorCode.REQUEST_LIMIT_EXCEEDED:
    case ErrorCode.RESOURCE_EXHAUSTED:
    case ErrorCode.ENDPOINT_NOT_FOUND:
    case ErrorCode.NOT_IMPLEMENTED:
    case ErrorCode.INVALID_STATE:
      return true;
    default:
      return (err.http?.status ?? 0) >= 500;
  }
}

function isMissing(err: unknown): boolean {
  return (
    hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST) ||
    hasErrorCode(err, ErrorCode.INVALID_PARAMETER_VALUE) ||
    hasErrorCode(err, ErrorCode.NOT_FOUND)
  );
}

function ttlFromEnv(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = readEnv(name, env);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n))
    throw new InvalidParameterError(`Invalid value '${raw}' for environment variable ${name}: expected seconds.`);
  return n;
}

function warnRegistry(message: string): void {
  process.emitWarning(message, { type: 'MlflowPromptRegistryWarning' });
}

/**
 * The prompt registry (MLflow's prompt API of `MlflowClient` and `mlflow.genai`), bound to a registry.
 * Prompts are stored as MLflow 3.18 stores them, so Python's `mlflow.genai.load_prompt` reads what this
 * registers and the other way round. Alias lookups are cached with a TTL and version lookups for the
 * process; when the registry fails, the last good value, the local fallback cache, a run artifact or the
 * caller's fallback is served, and the result's `origin` says which.
 */
export class PromptRegistry {
  readonly #client: MlflowClient | undefined;
  readonly #explicitUri: string | undefined;
  #store: ModelRegistryStore | undefined;
  readonly #cache: PromptCache;
  readonly #fallback: { cacheDir: string; artifacts: boolean } | undefined;
  #fallbackCache: FallbackPromptCache | undefined;
  readonly #onRegistryError: PromptRegistryOptions['onRegistryError'];
  readonly #env: NodeJS.ProcessEnv;
  readonly #experimentLinks = new Set<string>();

  constructor(options: PromptRegistryOptions = {}) {
    this.#client = options.client;
    this.#explicitUri = options.registryUri;
    this.#store = options.registryStore;
    this.#cache = options.cache ?? defaultPromptCache;
    this.#env = options.env ?? process.env;
    this.#fallback =
      options.fallback === false
        ? undefined
        : {
            cacheDir: options.fallback?.cacheDir ?? defaultFallbackCacheDir(this.#env),
            artifacts: options.fallback?.artifacts ?? true,
          };
    this.#onRegistryError = options.onRegistryError;
  }

  /** The registry URI (credentials removed). */
  get registryUri(): string {
    return this.#store?.registryUri ?? this.#explicitUri ?? this.#trackingClient().registryUri;
  }

  /** The local fallback cache, or undefined when fallback is off. */
  get fallbackCache(): FallbackPromptCache | undefined {
    if (!this.#fallback) return undefined;
    this.#fallbackCache ??= new FallbackPromptCache(this.#fallback.cacheDir, this.registryUri);
    return this.#fallbackCache;
  }

  #trackingClient(): MlflowClient {
    return this.#client ?? getClient();
  }

  #registry(): ModelRegistryStore {
    this.#store ??= openDefaultRegistryStore(this.#explicitUri, this.#client);
    return this.#store;
  }

  async #call<T>(fn: (store: ModelRegistryStore) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#registry());
    } catch (err) {
      throw ops.translatePromptError(err);
    }
  }

  // ------------------------------------------------------------------ register

  /**
   * Registers a new version of a prompt (`mlflow.genai.register_prompt`), creating the prompt on its first
   * version. When the registry is unreachable or refuses prompts (and fallback is on), the version is kept
   * in the local fallback cache and written as `prompts/<name>/v<k>.json` to the active run; the result's
   * origin is then `artifact` (or `cache` without an active run), and {@link syncFallbackPrompts} later
   * pushes it to the registry.
   */
  async registerPrompt(options: RegisterPromptOptions): Promise<PromptVersion> {
    ops.validatePromptName(options.name);
    const name = options.name;
    // Validate everything before any I/O, so bad input never reaches the registry or the fallback.
    new PromptVersionClass({ name, version: 1, template: options.template });
    const args: ops.RegisterPromptArgs = {
      name,
      template: options.template,
      commitMessage: options.commitMessage ?? null,
      tags: { ...(options.tags ?? {}) },
      // MLflow stores neither an empty response format nor an empty model config (`if response_format:`).
      responseFormat: isEmptyObject(options.responseFormat) ? null : responseFormatToDict(options.responseFormat!),
      modelConfig: isEmptyObject(options.modelConfig) ? null : modelConfigToDict(options.modelConfig!),
    };
    for (const [k, v] of Object.entries(args.tags)) {
      if (typeof v !== 'string')
        throw new InvalidParameterError(`Tag '${k}' must have a string value, got ${typeof v}.`);
    }
    ops.promptVersionTags(args);

    let pv: PromptVersion;
    try {
      if (this.#fallback) await this.#syncPendingFor(name);
      pv = await this.#call((store) => ops.registerPromptVersion(store, args));
    } catch (err) {
      if (!this.#fallback || !isRegistryUnavailable(err)) throw err;
      return this.#registerLocally(args, err as Error);
    }
    this.#cache.delete(this.registryUri, { name, alias: 'latest' });
    // The fallback cache learns the version, so an offline registration later numbers after it.
    await this.fallbackCache?.rememberLoaded(pv, { name, alias: 'latest' }).catch((err: unknown) => {
      warnRegistry(`Could not update the prompt fallback cache: ${(err as Error).message}`);
    });
    await this.#linkToExperiment(name);
    return pv;
  }

  async #registerLocally(args: ops.RegisterPromptArgs, error: Error): Promise<PromptVersion> {
    const cache = this.fallbackCache as FallbackPromptCache;
    const entry = await cache.addLocal({
      name: args.name,
      template: args.template,
      commitMessage: args.commitMessage,
      tags: args.tags,
      responseFormat: args.responseFormat,
      modelConfig: args.modelConfig
        ? (JSON.parse(pyJsonDumpsAscii(args.modelConfig)) as Record<string, unknown>)
        : null,
      registryError: error.message,
    });
    let origin: 'artifact' | 'cache' = 'cache';
    let where = `the local fallback cache (${cache.path})`;
    const run = activeRun();
    if (run && this.#fallback?.artifacts) {
      const artifactPath = `prompts/${args.name}/v${entry.version}.json`;
      try {
        await getClient().logDict(run.info.runId, fallbackArtifact(entry, this.registryUri), artifactPath);
        await cache.setArtifact(args.name, entry.version, run.info.runId, artifactPath);
        origin = 'artifact';
        where = `artifact ${artifactPath} of run ${run.info.runId} and ${where}`;
      } catch (artifactErr) {
        warnRegistry(`Could not write the fallback artifact ${artifactPath}: ${(artifactErr as Error).message}`);
      }
    }
    this.#reportFallback(
      error,
      'registerPrompt',
      args.name,
      origin,
      `The prompt registry at ${this.registryUri} is unavailable (${error.message}); prompt '${args.name}' was kept as ` +
        `version ${entry.version} in ${where}. Call syncFallbackPrompts() when the registry is back.`,
    );
    return cachedToPrompt(entry, origin).withOrigin(origin, error);
  }

  #reportFallback(error: Error, operation: string, name: string, servedFrom: string, message: string): void {
    warnRegistry(message);
    try {
      this.#onRegistryError?.(error, { operation, name, servedFrom });
    } catch {
      // a reporting hook never breaks the call
    }
  }

  // ------------------------------------------------------------------ load

  /**
   * Loads a prompt version (`mlflow.genai.load_prompt`) by `prompts:/name/3`, `prompts:/name@alias`,
   * `prompts:/name@latest`, or a name (with `version`, else the latest). Cached (see `cacheTtlSeconds`).
   * Inside an active run or trace, the version is recorded on it (`mlflow.linkedPrompts`).
   */
  async loadPrompt(
    nameOrUri: string,
    options: LoadPromptOptions & { allowMissing: true },
  ): Promise<PromptVersion | null>;
  async loadPrompt(nameOrUri: string, options?: LoadPromptOptions): Promise<PromptVersion>;
  async loadPrompt(nameOrUri: string, options: LoadPromptOptions = {}): Promise<PromptVersion | null> {
    const uri = promptUriFor(nameOrUri, options.version);
    let ttl: number | null;
    if (options.cacheTtlSeconds !== undefined && options.cacheTtlSeconds !== null) ttl = options.cacheTtlSeconds;
    else if (uri.includes('@'))
      ttl = ttlFromEnv(PROMPT_ENV.ALIAS_CACHE_TTL_SECONDS, this.#env) ?? DEFAULT_ALIAS_CACHE_TTL_SECONDS;
    else ttl = ttlFromEnv(PROMPT_ENV.VERSION_CACHE_TTL_SECONDS, this.#env) ?? null;
    if (ttl !== null && !(ttl >= 0)) {
      throw new InvalidParameterError('`cache_ttl_seconds` argument must be greater than or equal to 0.');
    }
    const ref = parsePromptUri(uri);
    const registryUri = this.registryUri;
    const caching = ttl === null || ttl > 0;

    let prompt: PromptVersion | null = null;
    let linkable = true;
    const hit = caching ? this.#cache.get(registryUri, ref) : undefined;
    if (hit) prompt = hit;
    else {
      try {
        if (this.#fallback) await this.#syncPendingFor(ref.name);
        const fetched = await this.#call((store) =>
          ops.getPromptVersion(store, ref.name, ref.alias === undefined ? ref.version : ref.alias),
        );
        // Kept even when not caching: it is the last good value if the registry later fails.
        this.#cache.set(registryUri, ref, fetched.withOrigin('cache'), caching ? ttl : 0);
        if (this.#fallbackCache || this.#fallback) {
          await this.fallbackCache?.rememberLoaded(fetched, ref).catch((err: unknown) => {
            warnRegistry(`Could not update the prompt fallback cache: ${(err as Error).message}`);
          });
        }
        await this.#linkToExperiment(ref.name);
        prompt = fetched;
      } catch (err) {
        if (options.allowMissing && isMissing(err)) return null;
        const served = await this.#serveFallback(ref, err as Error, options);
        if (!served) throw err;
        prompt = served.prompt;
        linkable = served.linkable;
      }
    }
    if (linkable && options.link !== false) await this.#linkLoaded(prompt);
    return prompt;
  }

  /** The value to serve when the registry failed: last good, local cache, run artifact, caller fallback. */
  async #serveFallback(
    ref: PromptRef,
    error: Error,
    options: LoadPromptOptions,
  ): Promise<{ prompt: PromptVersion; linkable: boolean } | undefined> {
    const unavailable = isRegistryUnavailable(error);
    const missing = hasErrorCode(error, ErrorCode.RESOURCE_DOES_NOT_EXIST) || hasErrorCode(error, ErrorCode.NOT_FOUND);
    if (!unavailable && !missing) return undefined;
    const report = (prompt: PromptVersion, what: string, linkable: boolean) => {
      this.#reportFallback(
        error,
        'loadPrompt',
        ref.name,
        prompt.origin,
        `Prompt registry ${unavailable ? 'unavailable' : 'lookup failed'} for ${formatPromptRef(ref)} (${error.message}); ` +
          `served ${prompt.uri} from ${what}.`,
      );
      return { prompt: prompt.withOrigin(prompt.origin, error), linkable };
    };
    if (unavailable) {
      const last = this.#cache.getLastGood(this.registryUri, ref);
      if (last) return report(last, 'the in-memory cache (last good value)', true);
    }
    const fc = this.fallbackCache;
    if (fc) {
      try {
        const found = await fc.lookup(ref);
        if (found && (unavailable || found.entry.kept_from === 'local')) {
          return report(found.prompt, `the local fallback cache (${fc.path})`, found.entry.kept_from === 'registry');
        }
      } catch (cacheErr) {
        warnRegistry(`Could not read the prompt fallback cache: ${(cacheErr as Error).message}`);
      }
    }
    if (unavailable && this.#fallback?.artifacts) {
      const fromArtifact = await this.#loadFromRunArtifact(ref).catch(() => undefined);
      if (fromArtifact) return report(fromArtifact.prompt, `artifact ${fromArtifact.path} of the active run`, false);
    }
    if (options.fallback) {
      const f = options.fallback;
      const prompt =
        f instanceof PromptVersionClass
          ? f.withOrigin('fallback')
          : new PromptVersionClass({
              name: ref.name,
              version: f.version ?? (ref.alias === undefined ? ref.version : 0),
              template: f.template,
              commitMessage: f.commitMessage ?? null,
              tags: f.tags ?? {},
              responseFormat: f.responseFormat ?? null,
              modelConfig: f.modelConfig ?? null,
              origin: 'fallback',
            });
      return report(prompt, 'the fallback given by the caller', false);
    }
    return undefined;
  }

  async #loadFromRunArtifact(ref: PromptRef): Promise<{ prompt: PromptVersion; path: string } | undefined> {
    const run = activeRun();
    if (!run) return undefined;
    if (ref.alias !== undefined && ref.alias !== 'latest') return undefined;
    const client = getClient();
    const files = await client.listArtifacts(run.info.runId, `prompts/${ref.name}`);
    let best: { version: number; path: string } | undefined;
    for (const f of files) {
      const m = /\/v(\d+)\.json$/.exec(f.path);
      if (!m || f.isDir) continue;
      const version = Number(m[1]);
      if (ref.version !== undefined ? version === ref.version : !best || version > best.version)
        best = { version, path: f.path };
    }
    if (!best) return undefined;
    const repo = await client.artifactRepository(run.info.runId);
    const text = await readArtifactText(repo, best.path);
    return { prompt: promptVersionFromJson(JSON.parse(text) as PromptVersionJson, 'artifact'), path: best.path };
  }

  // ------------------------------------------------------------------ linking

  async #linkLoaded(prompt: PromptVersion): Promise<void> {
    const run = activeRun();
    if (run) {
      try {
        await this.linkPromptVersionToRun(run.info.runId, prompt, getClient());
      } catch (err) {
        warnRegistry(`Could not link prompt ${prompt.uri} to run ${run.info.runId}: ${(err as Error).message}`);
      }
    }
    try {
      const info = getActiveTraceInfo();
      if (info) {
        const updated = updateLinkedPromptsTag(info.tags[TraceTagKey.LINKED_PROMPTS], [prompt]);
        if (updated !== undefined) info.tags[TraceTagKey.LINKED_PROMPTS] = updated;
      }
      const span = getCurrentActiveSpan();
      if (span) {
        const current = span.getAttribute(SpanAttributeKey.LINKED_PROMPTS);
        const updated = updateLinkedPromptsTag(typeof current === 'string' ? current : undefined, [prompt]);
        if (updated !== undefined && updated !== current) span.setAttribute(SpanAttributeKey.LINKED_PROMPTS, updated);
      }
    } catch (err) {
      warnRegistry(`Could not link prompt ${prompt.uri} to the active trace: ${(err as Error).message}`);
    }
  }

  /**
   * Records a prompt version on a run (`link_prompt_version_to_run`): the run's `mlflow.linkedPrompts` tag
   * lists `{name, version}` entries, each once.
   */
  async linkPromptVersionToRun(runId: string, prompt: PromptVersion | string, client?: MlflowClient): Promise<void> {
    const pv = typeof prompt === 'string' ? await this.loadPrompt(prompt, { link: false }) : prompt;
    const c = client ?? this.#trackingClient();
    const run = await c.getRun(runId);
    const current = run.data.tags[LINKED_PROMPTS_TAG_KEY];
    const updated = updateLinkedPromptsTag(current, [pv]);
    if (updated !== undefined && updated !== current) await c.setTag(runId, LINKED_PROMPTS_TAG_KEY, updated);
  }

  /**
   * Records prompt versions on a logged trace (`link_prompt_versions_to_trace`): the trace's
   * `mlflow.linkedPrompts` tag.
   */
  async linkPromptVersionsToTrace(prompts: PromptVersion[], traceId: string, client?: MlflowClient): Promise<void> {
    const c = client ?? this.#trackingClient();
    const info = await c.getTraceInfo(traceId);
    const current = info.tags[LINKED_PROMPTS_TAG_KEY];
    const updated = updateLinkedPromptsTag(current, prompts);
    // MLflow also records entity associations (trace -> prompt version), which the `prompt = 'name/1'`
    // trace filter reads.
    await c.store.linkPromptsToTrace(
      traceId,
      prompts.map((p) => ({ name: p.name, version: String(p.version) })),
    );
    if (updated !== undefined && updated !== current) await c.setTraceTag(traceId, LINKED_PROMPTS_TAG_KEY, updated);
  }

  /** `_link_prompt_to_experiment`: the prompt's `_mlflow_experiment_ids` tag lists the active experiment. */
  async #linkToExperiment(name: string): Promise<void> {
    try {
      const run = activeRun();
      const experimentId = run?.info.experimentId ?? (await resolveExperimentId());
      const key = `${this.registryUri}\u0000${name}\u0000${experimentId}`;
      if (this.#experimentLinks.has(key)) return;
      await this.#call(async (store) => {
        const prompt = await ops.getPrompt(store, name);
        if (!prompt) return;
        const existing = (prompt.tags[PROMPT_EXPERIMENT_IDS_TAG_KEY] ?? '').replace(/^,+|,+$/g, '');
        const ids = existing
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!ids.includes(experimentId)) {
          ids.push(experimentId);
          await store.setRegisteredModelTag(name, PROMPT_EXPERIMENT_IDS_TAG_KEY, `,${ids.join(',')},`);
        }
      });
      this.#experimentLinks.add(key);
    } catch (err) {
      warnRegistry(`Failed to tag prompt '${name}' with the active experiment ID. Error: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ sync

  /**
   * Pushes prompts registered while the registry was unavailable (held in the local fallback cache) to the
   * registry, oldest first, as new versions with the same template, commit message, tags, response format
   * and model config. A version already there with identical content (an earlier sync that was cut short)
   * is reused, so syncing twice creates nothing twice. The run artifacts stay as they are.
   */
  async syncFallbackPrompts(name?: string): Promise<SyncFallbackReport> {
    const report: SyncFallbackReport = { synced: [], failed: [] };
    const fc = this.fallbackCache;
    if (!fc) return report;
    const pending = await fc.pending(name);
    const blocked = new Set<string>();
    for (const entry of pending) {
      if (blocked.has(entry.name)) {
        report.failed.push({
          name: entry.name,
          localVersion: entry.version,
          error: new Error('an earlier version failed'),
        });
        continue;
      }
      try {
        const { version, reused } = await this.#syncOne(entry);
        await fc.markSynced(entry.name, entry.version, version);
        this.#cache.deleteAll(this.registryUri, entry.name);
        report.synced.push({ name: entry.name, localVersion: entry.version, registryVersion: version, reused });
      } catch (err) {
        blocked.add(entry.name);
        report.failed.push({
          name: entry.name,
          localVersion: entry.version,
          error: ops.translatePromptError(err) as Error,
        });
      }
    }
    return report;
  }

  async #syncOne(entry: CachedPromptVersion): Promise<{ version: number; reused: boolean }> {
    const args: ops.RegisterPromptArgs = {
      name: entry.name,
      template: entry.template,
      commitMessage: entry.commit_message,
      tags: entry.tags,
      responseFormat: entry.response_format,
      modelConfig: entry.model_config ? modelConfigToDict(entry.model_config) : null,
    };
    const wanted = ops.promptVersionTags(args);
    const store = this.#registry();
    const existing = await ops.getPromptVersion(store, entry.name, 'latest').catch((err: unknown) => {
      if (hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST)) return undefined;
      throw err;
    });
    if (existing && existing.commitMessage === entry.commit_message && sameTags(existing.storedTags, wanted)) {
      return { version: existing.version, reused: true };
    }
    const pv = await ops.registerPromptVersion(store, args);
    return { version: pv.version, reused: false };
  }

  async #syncPendingFor(name: string): Promise<void> {
    const fc = this.fallbackCache;
    if (!fc) return;
    const pending = await fc.pending(name).catch(() => []);
    if (pending.length === 0) return;
    const report = await this.syncFallbackPrompts(name);
    const failure = report.failed[0]?.error;
    if (failure && isRegistryUnavailable(failure)) throw failure;
  }

  // ------------------------------------------------------------------ the rest of the API

  /** Prompts in the registry (`search_prompts`), one page; ordinary models are never listed. */
  searchPrompts(options: SearchPromptsOptions = {}): Promise<PagedList<ops.Prompt>> {
    return this.#call((store) => ops.searchPrompts(store, options));
  }

  /** A prompt's metadata (`get_prompt`), or null. */
  getPrompt(name: string): Promise<ops.Prompt | null> {
    return this.#call((store) => ops.getPrompt(store, name));
  }

  /** One version, by number or alias (`get_prompt_version`), without caching or fallback. */
  getPromptVersion(name: string, version: string | number): Promise<PromptVersion> {
    return this.#call((store) => ops.getPromptVersion(store, name, version));
  }

  /** The version an alias points at (`get_prompt_version_by_alias`). */
  getPromptVersionByAlias(name: string, alias: string): Promise<PromptVersion> {
    return this.#call((store) => ops.getPromptVersion(store, name, alias));
  }

  /** A prompt's versions, newest first (`search_prompt_versions`). */
  searchPromptVersions(
    name: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<PagedList<PromptVersion>> {
    return this.#call((store) => ops.searchPromptVersions(store, name, options));
  }

  /** Points an alias at a version (`set_prompt_alias`); the version must exist. */
  async setPromptAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.#call(async (store) => {
      try {
        await ops.getPromptVersion(store, name, ops.versionNumber(version));
      } catch (err) {
        throw new MlflowError(
          `Prompt '${name}' version ${version} does not exist.`,
          ErrorCode.RESOURCE_DOES_NOT_EXIST,
          {
            cause: err,
          },
        );
      }
      await store.setRegisteredModelAlias(name, alias, String(version));
    });
    this.#cache.delete(this.registryUri, { name, alias });
  }

  /** Removes an alias (`delete_prompt_alias`). */
  async deletePromptAlias(name: string, alias: string): Promise<void> {
    await this.#call((store) => store.deleteRegisteredModelAlias(name, alias));
    this.#cache.delete(this.registryUri, { name, alias });
  }

  /** Deletes one version (`delete_prompt_version`). */
  async deletePromptVersion(name: string, version: string | number): Promise<void> {
    await this.#call((store) => store.deleteModelVersion(name, ops.versionNumber(version)));
    this.#cache.deleteAll(this.registryUri, name);
  }

  /** Deletes a prompt with all its versions (`delete_prompt`). */
  async deletePrompt(name: string): Promise<void> {
    await this.#call(async (store) => {
      await ops.requirePrompt(store, name, 'delete_registered_model()');
      await store.deleteRegisteredModel(name);
    });
    this.#cache.deleteAll(this.registryUri, name);
  }

  /** Sets a tag on a version (`set_prompt_version_tag`). */
  async setPromptVersionTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    await this.#call((store) => store.setModelVersionTag(name, ops.versionNumber(version), key, value));
    this.#cache.deleteAll(this.registryUri, name);
  }

  /** Deletes a tag of a version (`delete_prompt_version_tag`). */
  async deletePromptVersionTag(name: string, version: string | number, key: string): Promise<void> {
    await this.#call((store) => store.deleteModelVersionTag(name, ops.versionNumber(version), key));
    this.#cache.deleteAll(this.registryUri, name);
  }

  /** Sets a prompt-level tag (`set_prompt_tag`). */
  async setPromptTag(name: string, key: string, value: string): Promise<void> {
    await this.#call((store) => store.setRegisteredModelTag(name, key, value));
  }

  /** Deletes a prompt-level tag (`delete_prompt_tag`). */
  async deletePromptTag(name: string, key: string): Promise<void> {
    await this.#call((store) => store.deleteRegisteredModelTag(name, key));
  }

  /** Sets or replaces a version's model configuration (`set_prompt_model_config`). */
  async setPromptModelConfig(name: string, version: string | number, modelConfig: PromptModelConfig): Promise<void> {
    const value = pyJsonDumpsAscii(modelConfigToDict(modelConfig));
    await this.setPromptVersionTag(name, version, PROMPT_MODEL_CONFIG_TAG_KEY, value);
  }

  /** Removes a version's model configuration (`delete_prompt_model_config`). */
  async deletePromptModelConfig(name: string, version: string | number): Promise<void> {
    await this.deletePromptVersionTag(name, version, PROMPT_MODEL_CONFIG_TAG_KEY);
  }

  /** Closes a registry store this registry opened itself (not one passed in or shared). */
  async close(): Promise<void> {
    // Stores opened by URI are shared per process (like tracking stores) and closed with them.
  }
}

function isEmptyObject(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return typeof value === 'object' && !('_zod' in value) && Object.keys(value).length === 0;
}

function sameTags(a: Readonly<Record<string, string>>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The JSON written as `prompts/<name>/v<k>.json`: the prompt, and why and where it was kept. */
function fallbackArtifact(entry: CachedPromptVersion, registryUri: string): Record<string, unknown> {
  return {
    name: entry.name,
    version: entry.version,
    template: entry.template,
    prompt_type: entry.prompt_type,
    commit_message: entry.commit_message,
    tags: entry.tags,
    response_format: entry.response_format,
    model_config: entry.model_config,
    aliases: entry.aliases,
    creation_timestamp: entry.creation_timestamp,
    last_updated_timestamp: entry.last_updated_timestamp,
    user_id: entry.user_id,
    uri: entry.uri,
    fallback: {
      registry_uri: registryUri,
      registry_error: entry.registry_error,
      fallback_id: entry.fallback_id,
    },
  };
}

async function readArtifactText(
  repo: { downloadArtifacts(path: string, dst?: string): Promise<string> },
  path: string,
): Promise<string> {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'mlflow-genai-prompt-'));
  try {
    return await readFile(await repo.downloadArtifacts(path, dir), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
