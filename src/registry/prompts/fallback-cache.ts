import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '../../config/env.js';
import { PROMPT_ENV } from './constants.js';
import type { ChatMessage, PromptTemplate } from './format.js';
import {
  type PromptOrigin,
  type PromptVersion,
  type PromptVersionJson,
  promptVersionFromJson,
} from './prompt-version.js';
import type { JsonSchema } from './response-format.js';
import type { PromptRef } from './uri.js';

/** A version held by the local fallback cache: a copy of a registry version, or one registered locally. */
export interface CachedPromptVersion extends PromptVersionJson {
  /** `registry`: last good copy of a registry version; `local`: registered while the registry was unavailable. */
  kept_from: 'registry' | 'local';
  /** ms since the epoch when this entry was written. */
  cached_at: number;
  /** Local registrations: a unique id, also set as a version tag when synced, so a sync happens once. */
  fallback_id?: string;
  /** Local registrations: the run whose artifact holds it, and the artifact path. */
  run_id?: string | null;
  artifact_path?: string | null;
  /** Local registrations: why the registry was not used. */
  registry_error?: string;
  /** Local registrations, once synced: the version the registry gave it. */
  synced_version?: number;
  synced_at?: number;
}

/** One prompt in the fallback cache: its versions and aliases. */
export interface PromptEntry {
  versions: Record<string, CachedPromptVersion>;
  /** alias (and `latest`) -> version */
  aliases: Record<string, string>;
  /** Local registrations already synced to the registry (history). */
  synced?: CachedPromptVersion[];
}

interface CacheFile {
  format: 'mlflow-genai.prompt-fallback-cache';
  format_version: 1;
  registry_uri: string;
  prompts: Record<string, PromptEntry>;
}

/** The default folder: `MLFLOW_GENAI_PROMPT_CACHE_DIR`, else `$XDG_CACHE_HOME/mlflow-genai/prompts`, else `~/.cache/...`. */
export function defaultFallbackCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = readEnv(PROMPT_ENV.FALLBACK_CACHE_DIR, env);
  if (explicit) return explicit;
  const xdg = readEnv('XDG_CACHE_HOME', env);
  return join(xdg ?? join(homedir(), '.cache'), 'mlflow-genai', 'prompts');
}

/** Input of {@link FallbackPromptCache.addLocal}. */
export interface LocalRegistration {
  name: string;
  template: PromptTemplate;
  commitMessage: string | null;
  tags: Record<string, string>;
  responseFormat: JsonSchema | null;
  modelConfig: Record<string, unknown> | null;
  registryError: string;
}

// One write chain per file in this process: read-modify-write never interleaves.
const chains = new Map<string, Promise<unknown>>();

/**
 * The local fallback cache: one JSON file per registry (under a cache folder) holding the last good copy
 * of each prompt version and alias loaded from the registry, and the prompts registered while the
 * registry was unavailable until they are synced. Written atomically (temp file and rename).
 */
export class FallbackPromptCache {
  readonly path: string;
  readonly registryUri: string;

  constructor(dir: string, registryUri: string) {
    this.registryUri = registryUri;
    const digest = createHash('sha256').update(registryUri).digest('hex').slice(0, 24);
    this.path = join(dir, `registry-${digest}.json`);
  }

  async #read(): Promise<CacheFile> {
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8')) as CacheFile;
      if (data && data.format === 'mlflow-genai.prompt-fallback-cache' && typeof data.prompts === 'object') return data;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
    }
    return {
      format: 'mlflow-genai.prompt-fallback-cache',
      format_version: 1,
      registry_uri: this.registryUri,
      prompts: {},
    };
  }

  async #write(data: CacheFile): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, 'utf8');
    await rename(tmp, this.path);
  }

  /** Runs `fn` on the file's contents and writes them back when it returns true. */
  async #update<T>(fn: (data: CacheFile) => { changed: boolean; result: T }): Promise<T> {
    const prev = chains.get(this.path) ?? Promise.resolve();
    const run = prev.then(async () => {
      const data = await this.#read();
      const { changed, result } = fn(data);
      if (changed) await this.#write(data);
      return result;
    });
    chains.set(
      this.path,
      run.catch(() => undefined),
    );
    return run;
  }

  /** Remembers a version loaded from the registry (and the alias it was loaded by). Writes only on change. */
  async rememberLoaded(prompt: PromptVersion, ref: PromptRef): Promise<void> {
    await this.#update((data) => {
      const entry = entryFor(data, prompt.name);
      const key = String(prompt.version);
      const existing = entry.versions[key];
      const json = prompt.toJSON();
      let changed = false;
      // A pending local registration with the same number keeps its slot until it is synced.
      const stale =
        !existing || (existing.kept_from === 'registry' && JSON.stringify(strip(existing)) !== JSON.stringify(json));
      if (stale) {
        entry.versions[key] = { ...json, kept_from: 'registry', cached_at: Date.now() };
        changed = true;
      }
      if (ref.alias !== undefined && entry.aliases[ref.alias] !== key) {
        entry.aliases[ref.alias] = key;
        changed = true;
      }
      return { changed, result: undefined };
    });
  }

  /** The cached version a reference names, if any. */
  async lookup(ref: PromptRef): Promise<{ prompt: PromptVersion; entry: CachedPromptVersion } | undefined> {
    const data = await this.#read();
    const entry = data.prompts[ref.name];
    if (!entry) return undefined;
    const key = ref.alias === undefined ? String(ref.version) : entry.aliases[ref.alias];
    const cached = key === undefined ? undefined : entry.versions[key];
    if (!cached) return undefined;
    return { prompt: promptVersionFromJson(cached, 'cache'), entry: cached };
  }

  /**
   * Records a registration made while the registry was unavailable: the next version after every version
   * known here, which also becomes `latest`. Returns the stored entry.
   */
  async addLocal(reg: LocalRegistration): Promise<CachedPromptVersion> {
    return this.#update((data) => {
      const entry = entryFor(data, reg.name);
      const known = Object.keys(entry.versions).map(Number);
      for (const v of entry.synced ?? []) known.push(v.version, v.synced_version ?? 0);
      const version = (known.length ? Math.max(...known) : 0) + 1;
      const now = Date.now();
      const stored: CachedPromptVersion = {
        name: reg.name,
        version,
        template:
          typeof reg.template === 'string' ? reg.template : (reg.template.map((m) => ({ ...m })) as ChatMessage[]),
        prompt_type: typeof reg.template === 'string' ? 'text' : 'chat',
        commit_message: reg.commitMessage,
        tags: { ...reg.tags },
        response_format: reg.responseFormat,
        model_config: reg.modelConfig,
        aliases: [],
        creation_timestamp: now,
        last_updated_timestamp: now,
        user_id: null,
        uri: `prompts:/${reg.name}/${version}`,
        kept_from: 'local',
        cached_at: now,
        fallback_id: randomUUID(),
        run_id: null,
        artifact_path: null,
        registry_error: reg.registryError,
      };
      entry.versions[String(version)] = stored;
      entry.aliases.latest = String(version);
      return { changed: true, result: stored };
    });
  }

  /** Notes where the artifact copy of a local registration was written. */
  async setArtifact(name: string, version: number, runId: string, artifactPath: string): Promise<void> {
    await this.#update((data) => {
      const v = data.prompts[name]?.versions[String(version)];
      if (!v) return { changed: false, result: undefined };
      v.run_id = runId;
      v.artifact_path = artifactPath;
      return { changed: true, result: undefined };
    });
  }

  /** Local registrations not yet synced, oldest first (all prompts, or one). */
  async pending(name?: string): Promise<CachedPromptVersion[]> {
    const data = await this.#read();
    const out: CachedPromptVersion[] = [];
    for (const [n, entry] of Object.entries(data.prompts)) {
      if (name !== undefined && n !== name) continue;
      for (const v of Object.values(entry.versions))
        if (v.kept_from === 'local' && v.synced_version === undefined) out.push(v);
    }
    return out.sort((a, b) => a.cached_at - b.cached_at || a.version - b.version);
  }

  /** Marks a local registration as synced to registry version `registryVersion`. */
  async markSynced(name: string, localVersion: number, registryVersion: number): Promise<void> {
    await this.#update((data) => {
      const entry = data.prompts[name];
      const v = entry?.versions[String(localVersion)];
      if (!entry || !v) return { changed: false, result: undefined };
      v.synced_version = registryVersion;
      v.synced_at = Date.now();
      delete entry.versions[String(localVersion)];
      entry.synced = [...(entry.synced ?? []), v];
      for (const [alias, target] of Object.entries(entry.aliases)) {
        if (target === String(localVersion)) delete entry.aliases[alias];
      }
      return { changed: true, result: undefined };
    });
  }

  /** Every entry (for inspection and tests). */
  async entries(): Promise<Record<string, PromptEntry>> {
    return (await this.#read()).prompts;
  }
}

function entryFor(data: CacheFile, name: string): PromptEntry {
  let entry = data.prompts[name];
  if (!entry) {
    entry = { versions: {}, aliases: {} };
    data.prompts[name] = entry;
  }
  return entry;
}

function strip(v: CachedPromptVersion): PromptVersionJson {
  const {
    kept_from: _k,
    cached_at: _c,
    fallback_id: _f,
    run_id: _r,
    artifact_path: _a,
    registry_error: _e,
    synced_version: _s,
    synced_at: _t,
    ...json
  } = v;
  return json;
}

/** Rebuilds a prompt from a cached entry, saying where it came from. */
export function cachedToPrompt(entry: CachedPromptVersion, origin: PromptOrigin): PromptVersion {
  return promptVersionFromJson(entry, origin);
}
