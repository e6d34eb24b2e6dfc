import type { PromptVersion } from './prompt-version.js';
import type { PromptRef } from './uri.js';

interface Entry {
  value: PromptVersion;
  /** ms since the epoch; Infinity for no TTL. */
  expiresAt: number;
}

/** Options of {@link PromptCache}. */
export interface PromptCacheOptions {
  /** The clock, ms since the epoch (tests pass a fake one). `Date.now` by default. */
  now?: () => number;
  /** Entries kept (least recently stored dropped first); 10,000 by default. */
  maxEntries?: number;
}

/**
 * The prompt cache (MLflow's `PromptCache`): prompts by registry, name and version or alias, each with
 * its own TTL. An expired entry is not served as fresh, but stays as the last good value to serve when
 * the registry fails.
 */
export class PromptCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #max: number;

  constructor(options: PromptCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.maxEntries ?? 10_000;
  }

  static key(registryUri: string, ref: PromptRef): string {
    return `${registryUri}\u0000${ref.name}\u0000${ref.alias === undefined ? `v${ref.version}` : `@${ref.alias}`}`;
  }

  /** The cached value if it has not expired. */
  get(registryUri: string, ref: PromptRef): PromptVersion | undefined {
    const e = this.#entries.get(PromptCache.key(registryUri, ref));
    return e && this.#now() <= e.expiresAt ? e.value : undefined;
  }

  /** The last value stored, expired or not (served when the registry fails). */
  getLastGood(registryUri: string, ref: PromptRef): PromptVersion | undefined {
    return this.#entries.get(PromptCache.key(registryUri, ref))?.value;
  }

  /** Stores a value; `ttlSeconds` undefined or null means no expiry. */
  set(registryUri: string, ref: PromptRef, value: PromptVersion, ttlSeconds?: number | null): void {
    const key = PromptCache.key(registryUri, ref);
    this.#entries.delete(key);
    this.#entries.set(key, {
      value,
      expiresAt:
        ttlSeconds === undefined || ttlSeconds === null ? Number.POSITIVE_INFINITY : this.#now() + ttlSeconds * 1000,
    });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Forgets one entry (after the alias moved, or the version changed). */
  delete(registryUri: string, ref: PromptRef): void {
    this.#entries.delete(PromptCache.key(registryUri, ref));
  }

  /** Forgets every entry of a prompt. */
  deleteAll(registryUri: string, name: string): void {
    const prefix = `${registryUri}\u0000${name}\u0000`;
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
