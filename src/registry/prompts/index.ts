export {
  configurePromptRegistry,
  deletePromptAlias,
  deletePromptModelConfig,
  deletePromptTag,
  deletePromptVersion,
  deletePromptVersionTag,
  getPromptRegistry,
  getPromptTags,
  loadPrompt,
  registerPrompt,
  resetPromptRegistries,
  searchPrompts,
  setPromptAlias,
  setPromptModelConfig,
  setPromptTag,
  setPromptVersionTag,
  syncFallbackPrompts,
} from './api.js';
export type { PromptCacheOptions } from './cache.js';
export { PromptCache } from './cache.js';
export {
  DEFAULT_ALIAS_CACHE_TTL_SECONDS,
  IS_PROMPT_TAG_KEY,
  LINKED_PROMPTS_TAG_KEY,
  MAX_PROMPT_TEXT_LENGTH,
  PROMPT_ENV,
  PROMPT_EXPERIMENT_IDS_TAG_KEY,
  PROMPT_MODEL_CONFIG_TAG_KEY,
  PROMPT_NAME_RULE,
  PROMPT_SOURCE_PLACEHOLDER,
  PROMPT_TEXT_TAG_KEY,
  PROMPT_TYPE_TAG_KEY,
  PromptType,
  RESPONSE_FORMAT_TAG_KEY,
} from './constants.js';
export type { CachedPromptVersion, LocalRegistration, PromptEntry } from './fallback-cache.js';
export { defaultFallbackCacheDir, FallbackPromptCache } from './fallback-cache.js';
export type { ChatMessage, PromptTemplate } from './format.js';
export { formatPromptText, templateVariables } from './format.js';
export type { LinkedPrompt } from './linking.js';
export { updateLinkedPromptsTag } from './linking.js';
export type { PromptModelConfig } from './model-config.js';
export { modelConfigToDict } from './model-config.js';
export type { FormatOptions, PromptOrigin, PromptVersionInit, PromptVersionJson } from './prompt-version.js';
export { PromptVersion, promptVersionFromJson } from './prompt-version.js';
export { PyFloat } from './python.js';
export type {
  FallbackPromptInit,
  LoadPromptOptions,
  PromptFallbackOptions,
  PromptRegistryOptions,
  RegisterPromptOptions,
  SearchPromptsOptions,
  SyncFallbackReport,
} from './registry.js';
export { defaultPromptCache, isRegistryUnavailable, PromptRegistry } from './registry.js';
export type { JsonSchema, ResponseFormatInput, ZodSchemaLike } from './response-format.js';
export { zodToPromptJsonSchema } from './response-format.js';
export type { Prompt } from './store-ops.js';
export { parseExperimentIdFilter, validatePromptName } from './store-ops.js';
export type { PromptRef } from './uri.js';
export { parsePromptUri, promptUriFor } from './uri.js';
