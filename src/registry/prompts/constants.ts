/**
 * MLflow 3.18's prompt-registry constants (`mlflow/prompt/constants.py`, `mlflow/utils/validation.py`):
 * the tags a prompt is stored under, the source placeholder, the name rule and the limits.
 */

/** Registered-model and model-version tag marking a prompt. */
export const IS_PROMPT_TAG_KEY = 'mlflow.prompt.is_prompt';
/** Model-version tag holding the template: the text, or the chat messages as Python's `json.dumps` writes them. */
export const PROMPT_TEXT_TAG_KEY = 'mlflow.prompt.text';
/** Model-version tag holding `text` or `chat` (no dots: Unity Catalog tags cannot contain them). */
export const PROMPT_TYPE_TAG_KEY = '_mlflow_prompt_type';
/** Model-version tag holding the response format (a JSON schema) as JSON. */
export const RESPONSE_FORMAT_TAG_KEY = '_mlflow_prompt_response_format';
/** Model-version tag holding the model configuration as JSON. */
export const PROMPT_MODEL_CONFIG_TAG_KEY = '_mlflow_prompt_model_config';
/** Prompt-level tag listing the experiments a prompt was registered or loaded in: `,1,2,`. */
export const PROMPT_EXPERIMENT_IDS_TAG_KEY = '_mlflow_experiment_ids';
/** Legacy model-version tag listing the runs a prompt was logged to. */
export const PROMPT_ASSOCIATED_RUN_IDS_TAG_KEY = 'mlflow.prompt.associatedRunIds';
/** Run, trace and logged-model tag (and span attribute) listing linked prompt versions as JSON. */
export const LINKED_PROMPTS_TAG_KEY = 'mlflow.linkedPrompts';

/** Prompt types (`PROMPT_TYPE_TEXT`, `PROMPT_TYPE_CHAT`). */
export const PromptType = { TEXT: 'text', CHAT: 'chat' } as const;
/** One of {@link PromptType}'s values. */
export type PromptType = (typeof PromptType)[keyof typeof PromptType];

/**
 * The `source` of a prompt's model version. CreateModelVersion needs one; MLflow's client sends this
 * placeholder and the server refuses any value but its two placeholders for a prompt.
 */
export const PROMPT_SOURCE_PLACEHOLDER = 'dummy-source';

/** `PROMPT_TEMPLATE_VARIABLE_PATTERN`: `{{ name }}` with Jinja2 identifier rules and dotted names. */
export const PROMPT_TEMPLATE_VARIABLE_PATTERN = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;

/** `PROMPT_NAME_RULE`: alphanumerics, underscore, hyphen and dot. */
export const PROMPT_NAME_RULE = /^[a-zA-Z0-9_.-]+$/;

/** `MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH`: the longest template text (and any version tag value). */
export const MAX_PROMPT_TEXT_LENGTH = 100_000;

/** `PROMPT_TEXT_DISPLAY_LIMIT`: characters of the template shown by `toString()`. */
export const PROMPT_TEXT_DISPLAY_LIMIT = 30;

/** Version tags that are MLflow's bookkeeping, hidden from {@link PromptVersion.tags} (`_is_reserved_tag`). */
export const RESERVED_PROMPT_VERSION_TAGS: ReadonlySet<string> = new Set([
  IS_PROMPT_TAG_KEY,
  PROMPT_TEXT_TAG_KEY,
  PROMPT_TYPE_TAG_KEY,
  RESPONSE_FORMAT_TAG_KEY,
  PROMPT_MODEL_CONFIG_TAG_KEY,
]);

/** `MLFLOW_ALIAS_PROMPT_CACHE_TTL_SECONDS`'s default: alias lookups are cached for 60 s. */
export const DEFAULT_ALIAS_CACHE_TTL_SECONDS = 60;

/** Environment variables of the prompt cache (MLflow's) and of the fallback cache (ours). */
export const PROMPT_ENV = {
  /** TTL of alias (and `@latest`) lookups, seconds (MLflow's, default 60). */
  ALIAS_CACHE_TTL_SECONDS: 'MLFLOW_ALIAS_PROMPT_CACHE_TTL_SECONDS',
  /** TTL of version lookups, seconds (MLflow's, default: the whole process). */
  VERSION_CACHE_TTL_SECONDS: 'MLFLOW_VERSION_PROMPT_CACHE_TTL_SECONDS',
  /** Folder of the local fallback cache (ours). */
  FALLBACK_CACHE_DIR: 'MLFLOW_GENAI_PROMPT_CACHE_DIR',
} as const;
