import type { MlflowClient } from '../../tracking/client.js';
import type { PagedList } from '../../tracking/entities/index.js';
import { getClient } from '../../tracking/fluent.js';
import type { PromptModelConfig } from './model-config.js';
import type { PromptVersion } from './prompt-version.js';
import {
  type LoadPromptOptions,
  PromptRegistry,
  type PromptRegistryOptions,
  type RegisterPromptOptions,
  type SearchPromptsOptions,
  type SyncFallbackReport,
} from './registry.js';
import type { Prompt } from './store-ops.js';

// One registry per fluent client (one per tracking URI), so the fluent calls share caches and stores.
const registries = new WeakMap<MlflowClient, PromptRegistry>();
let defaults: Omit<PromptRegistryOptions, 'client' | 'registryStore'> = {};

/**
 * Options for the registry behind the fluent prompt functions (`registerPrompt`, `loadPrompt`, ...):
 * fallback folder, artifacts, cache, error hook. Applies to registries created afterwards.
 */
export function configurePromptRegistry(options: Omit<PromptRegistryOptions, 'client' | 'registryStore'>): void {
  defaults = { ...options };
  resetPromptRegistries();
}

/** @internal Forgets the fluent registries (tests; after the tracking URI or options change). */
export function resetPromptRegistries(): void {
  registries.delete(getClient());
}

/** The registry the fluent prompt functions use: bound to the fluent client (tracking and registry URI). */
export function getPromptRegistry(): PromptRegistry {
  const client = getClient();
  let registry = registries.get(client);
  if (!registry) {
    registry = new PromptRegistry({ ...defaults, client });
    registries.set(client, registry);
  }
  return registry;
}

/** Registers a prompt version (`mlflow.genai.register_prompt`); see {@link PromptRegistry.registerPrompt}. */
export function registerPrompt(options: RegisterPromptOptions): Promise<PromptVersion> {
  return getPromptRegistry().registerPrompt(options);
}

/** Loads a prompt version (`mlflow.genai.load_prompt`); see {@link PromptRegistry.loadPrompt}. */
export function loadPrompt(
  nameOrUri: string,
  options: LoadPromptOptions & { allowMissing: true },
): Promise<PromptVersion | null>;
export function loadPrompt(nameOrUri: string, options?: LoadPromptOptions): Promise<PromptVersion>;
export function loadPrompt(nameOrUri: string, options: LoadPromptOptions = {}): Promise<PromptVersion | null> {
  return getPromptRegistry().loadPrompt(nameOrUri, options);
}

/** Lists prompts (`mlflow.genai.search_prompts`), one page. */
export function searchPrompts(options: SearchPromptsOptions = {}): Promise<PagedList<Prompt>> {
  return getPromptRegistry().searchPrompts(options);
}

/** Points an alias at a version (`mlflow.genai.set_prompt_alias`). */
export function setPromptAlias(name: string, alias: string, version: number | string): Promise<void> {
  return getPromptRegistry().setPromptAlias(name, alias, version);
}

/** Removes an alias (`mlflow.genai.delete_prompt_alias`). */
export function deletePromptAlias(name: string, alias: string): Promise<void> {
  return getPromptRegistry().deletePromptAlias(name, alias);
}

/** Deletes a version (`MlflowClient.delete_prompt_version`). */
export function deletePromptVersion(name: string, version: number | string): Promise<void> {
  return getPromptRegistry().deletePromptVersion(name, version);
}

/** Sets a version tag (`mlflow.genai.set_prompt_version_tag`). */
export function setPromptVersionTag(name: string, version: number | string, key: string, value: string): Promise<void> {
  return getPromptRegistry().setPromptVersionTag(name, version, key, value);
}

/** Deletes a version tag (`mlflow.genai.delete_prompt_version_tag`). */
export function deletePromptVersionTag(name: string, version: number | string, key: string): Promise<void> {
  return getPromptRegistry().deletePromptVersionTag(name, version, key);
}

/** A prompt's prompt-level tags (`mlflow.genai.get_prompt_tags`). */
export async function getPromptTags(name: string): Promise<Record<string, string>> {
  const prompt = await getPromptRegistry().getPrompt(name);
  return prompt?.tags ?? {};
}

/** Sets a prompt-level tag (`mlflow.genai.set_prompt_tag`). */
export function setPromptTag(name: string, key: string, value: string): Promise<void> {
  return getPromptRegistry().setPromptTag(name, key, value);
}

/** Deletes a prompt-level tag (`mlflow.genai.delete_prompt_tag`). */
export function deletePromptTag(name: string, key: string): Promise<void> {
  return getPromptRegistry().deletePromptTag(name, key);
}

/** Sets a version's model config (`mlflow.genai.set_prompt_model_config`). */
export function setPromptModelConfig(
  name: string,
  version: number | string,
  modelConfig: PromptModelConfig,
): Promise<void> {
  return getPromptRegistry().setPromptModelConfig(name, version, modelConfig);
}

/** Removes a version's model config (`mlflow.genai.delete_prompt_model_config`). */
export function deletePromptModelConfig(name: string, version: number | string): Promise<void> {
  return getPromptRegistry().deletePromptModelConfig(name, version);
}

/** Pushes prompts registered during a registry outage to the registry; see {@link PromptRegistry.syncFallbackPrompts}. */
export function syncFallbackPrompts(name?: string): Promise<SyncFallbackReport> {
  return getPromptRegistry().syncFallbackPrompts(name);
}
