import type { ModelVersion } from '../../tracking/entities/index.js';
import { InvalidParameterError, type MlflowError } from '../../tracking/errors.js';
import {
  IS_PROMPT_TAG_KEY,
  PROMPT_MODEL_CONFIG_TAG_KEY,
  PROMPT_TEXT_DISPLAY_LIMIT,
  PROMPT_TEXT_TAG_KEY,
  PROMPT_TYPE_TAG_KEY,
  PromptType,
  RESERVED_PROMPT_VERSION_TAGS,
  RESPONSE_FORMAT_TAG_KEY,
} from './constants.js';
import {
  type ChatMessage,
  formatPromptText,
  type PromptTemplate,
  templateText,
  templateVariables,
  toSingleBrace,
} from './format.js';
import { isJinjaText, renderJinja } from './jinja.js';
import { modelConfigToDict, type PromptModelConfig } from './model-config.js';
import { pyJsonDumpsAscii, pyRepr } from './python.js';
import { type JsonSchema, type ResponseFormatInput, responseFormatToDict } from './response-format.js';

/**
 * Where a loaded or registered prompt came from: the registry; the prompt cache (in memory, or the local
 * fallback cache when the registry failed); a run artifact written while the registry was unavailable;
 * or the fallback the caller supplied.
 */
export type PromptOrigin = 'registry' | 'cache' | 'artifact' | 'fallback';

/** Arguments of the {@link PromptVersion} constructor. */
export interface PromptVersionInit {
  name: string;
  version: number | string;
  /** Text with `{{ variables }}`, or chat messages `{role, content}`. */
  template: PromptTemplate;
  commitMessage?: string | null;
  /** ms since the Unix epoch. */
  creationTimestamp?: number | null;
  lastUpdatedTimestamp?: number | null;
  userId?: string | null;
  /** Version tags; MLflow's reserved prompt tags among them are recomputed from the other arguments. */
  tags?: Record<string, string>;
  aliases?: string[];
  /** A JSON schema, or a zod 4 schema (converted). */
  responseFormat?: ResponseFormatInput | null;
  modelConfig?: PromptModelConfig | Record<string, unknown> | null;
  /** Where this value came from; `registry` by default. */
  origin?: PromptOrigin;
  /** The registry failure that made this value come from elsewhere. */
  registryError?: MlflowError | Error;
}

/** Options of {@link PromptVersion.format}. */
export interface FormatOptions {
  /** Allow variables to stay unformatted: the result is then a new PromptVersion when some are missing. */
  allowPartial?: boolean;
}

function checkTemplate(template: unknown): asserts template is PromptTemplate {
  if (typeof template === 'string') return;
  if (!Array.isArray(template) || template.length === 0) {
    throw new InvalidParameterError(
      `Template must be a string or a non-empty list of chat messages {role, content}, got ${
        Array.isArray(template) ? 'an empty list' : typeof template
      }.`,
    );
  }
  template.forEach((msg, i) => {
    const m = msg as Partial<ChatMessage> | null;
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new InvalidParameterError(
        `Template must be a list of dicts with role and content: message ${i} is ${JSON.stringify(msg) ?? String(msg)}.`,
      );
    }
  });
}

function freezeTemplate(template: PromptTemplate): PromptTemplate {
  if (typeof template === 'string') return template;
  return Object.freeze(template.map((m) => Object.freeze({ ...m }))) as ChatMessage[];
}

/**
 * One version of a prompt (MLflow's `PromptVersion`): its template, variables and metadata, stored in the
 * registry as a model version carrying MLflow's prompt tags. Immutable; `format` returns new values.
 */
export class PromptVersion {
  /** The prompt's name. */
  readonly name: string;
  /** The version number. */
  readonly version: number;
  /** `text` or `chat`. */
  readonly promptType: PromptType;
  /** The commit message (the model version's description). */
  readonly commitMessage: string | null;
  /** ms since the Unix epoch (0 when unknown, as in MLflow). */
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number | null;
  readonly userId: string | null;
  /** Aliases pointing at this version (the reserved `latest` is never listed). */
  readonly aliases: readonly string[];
  /** Where this value came from. */
  readonly origin: PromptOrigin;
  /** When {@link origin} is not `registry` because the registry failed: that failure. */
  readonly registryError: MlflowError | Error | undefined;
  readonly #tags: Readonly<Record<string, string>>;
  readonly #template: PromptTemplate;
  readonly #variables: readonly string[];

  constructor(init: PromptVersionInit) {
    checkTemplate(init.template);
    const version = Number(init.version);
    if (!Number.isInteger(version)) {
      throw new InvalidParameterError(`Prompt version must be an integer, got '${String(init.version)}'.`);
    }
    this.name = init.name;
    this.version = version;
    this.#template = freezeTemplate(init.template);
    this.promptType = typeof init.template === 'string' ? PromptType.TEXT : PromptType.CHAT;
    const tags: Record<string, string> = { ...(init.tags ?? {}) };
    tags[PROMPT_TYPE_TAG_KEY] = this.promptType;
    tags[PROMPT_TEXT_TAG_KEY] = templateText(init.template);
    tags[IS_PROMPT_TAG_KEY] = 'true';
    if (init.responseFormat) {
      tags[RESPONSE_FORMAT_TAG_KEY] = pyJsonDumpsAscii(responseFormatToDict(init.responseFormat));
    }
    if (init.modelConfig) tags[PROMPT_MODEL_CONFIG_TAG_KEY] = pyJsonDumpsAscii(modelConfigToDict(init.modelConfig));
    this.#tags = Object.freeze(tags);
    this.#variables = Object.freeze(templateVariables(init.template));
    this.commitMessage = init.commitMessage ?? null;
    this.creationTimestamp = init.creationTimestamp ?? 0;
    this.lastUpdatedTimestamp = init.lastUpdatedTimestamp ?? null;
    this.userId = init.userId ?? null;
    this.aliases = Object.freeze([...(init.aliases ?? [])]);
    this.origin = init.origin ?? 'registry';
    this.registryError = init.registryError;
  }

  /**
   * The PromptVersion a registry model version holds (`model_version_to_prompt_version`). Throws
   * INVALID_PARAMETER_VALUE when the version is an ordinary model's or carries no template.
   */
  static fromModelVersion(mv: ModelVersion, options: { origin?: PromptOrigin } = {}): PromptVersion {
    if (!(IS_PROMPT_TAG_KEY in mv.tags)) {
      throw new InvalidParameterError(
        `Name \`${mv.name}\` is registered as a model, not a prompt. MLflow does not allow registering a prompt ` +
          'with the same name as an existing model.',
      );
    }
    const text = mv.tags[PROMPT_TEXT_TAG_KEY];
    if (text === undefined) throw new InvalidParameterError(`Prompt \`${mv.name}\` does not contain a prompt text`);
    const template = mv.tags[PROMPT_TYPE_TAG_KEY] === PromptType.CHAT ? (JSON.parse(text) as ChatMessage[]) : text;
    return new PromptVersion({
      name: mv.name,
      version: mv.version,
      template,
      commitMessage: mv.description,
      creationTimestamp: mv.creationTimestamp,
      lastUpdatedTimestamp: mv.lastUpdatedTimestamp,
      userId: mv.userId,
      tags: mv.tags,
      aliases: mv.aliases,
      ...(options.origin ? { origin: options.origin } : {}),
    });
  }

  /** The template: the text, or a copy of the chat messages. */
  get template(): PromptTemplate {
    return typeof this.#template === 'string' ? this.#template : this.#template.map((m) => ({ ...m }));
  }

  /** True for a text prompt, false for a chat prompt. */
  get isTextPrompt(): boolean {
    return this.promptType === PromptType.TEXT;
  }

  /** The template's `{{ variables }}`, in order of first appearance. */
  get variables(): readonly string[] {
    return this.#variables;
  }

  /** The version's own tags, without MLflow's reserved prompt tags. */
  get tags(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#tags)) if (!RESERVED_PROMPT_VERSION_TAGS.has(k)) out[k] = v;
    return out;
  }

  /** Every tag as stored on the model version, MLflow's reserved prompt tags included. */
  get storedTags(): Readonly<Record<string, string>> {
    return this.#tags;
  }

  /** The expected response structure (a JSON schema), or null. */
  get responseFormat(): JsonSchema | null {
    const raw = this.#tags[RESPONSE_FORMAT_TAG_KEY];
    return raw === undefined ? null : (JSON.parse(raw) as JsonSchema);
  }

  /** The model configuration as MLflow stores it (snake_case keys, extras merged), or null. */
  get modelConfig(): Record<string, unknown> | null {
    const raw = this.#tags[PROMPT_MODEL_CONFIG_TAG_KEY];
    return raw === undefined ? null : (JSON.parse(raw) as Record<string, unknown>);
  }

  /** `prompts:/<name>/<version>`. */
  get uri(): string {
    return `prompts:/${this.name}/${this.version}`;
  }

  /** True when the template uses Jinja2 control flow (`{% ... %}`), which `format` renders with Jinja2 rules. */
  get isJinjaTemplate(): boolean {
    const t = this.#template;
    return typeof t === 'string' ? isJinjaText(t) : t.some((m) => isJinjaText(m.content ?? ''));
  }

  /**
   * Fills the template (MLflow's `PromptVersion.format`). `{{ var }}` placeholders are replaced by
   * Python's `str()` of the value; a missing variable is an INVALID_PARAMETER_VALUE error naming it,
   * unless `allowPartial` is set, when a new PromptVersion with the rest left in place is returned.
   * A Jinja2 template (`{% ... %}`) is rendered with Jinja2 rules; undefined variables render empty.
   * Returns text for a text prompt and `{role, content}` messages for a chat prompt.
   */
  format(values?: Record<string, unknown>): string | ChatMessage[];
  format(values: Record<string, unknown>, options: FormatOptions): string | ChatMessage[] | PromptVersion;
  format(values: Record<string, unknown> = {}, options: FormatOptions = {}): string | ChatMessage[] | PromptVersion {
    const t = this.#template;
    if (this.isJinjaTemplate) {
      if (typeof t === 'string') return renderJinja(t, values);
      return t.map((m) => ({ role: m.role, content: renderJinja(m.content ?? '', values) }));
    }
    const formatted: PromptTemplate =
      typeof t === 'string'
        ? formatPromptText(t, values)
        : t.map((m) => ({ role: m.role, content: formatPromptText(m.content, values) }));
    const missing = this.#variables.filter((v) => !Object.hasOwn(values, v));
    if (missing.length === 0) return formatted;
    if (!options.allowPartial) {
      throw new InvalidParameterError(
        `Missing variables: {${[...missing].sort().map(pyRepr).join(', ')}}. To partially format the prompt, ` +
          'set `allow_partial=True`.',
      );
    }
    return new PromptVersion({
      name: this.name,
      version: this.version,
      template: formatted,
      responseFormat: this.responseFormat,
      modelConfig: this.modelConfig,
      commitMessage: this.commitMessage,
      creationTimestamp: this.creationTimestamp,
      tags: this.tags,
      aliases: [...this.aliases],
      lastUpdatedTimestamp: this.lastUpdatedTimestamp,
      userId: this.userId,
      origin: this.origin,
      ...(this.registryError ? { registryError: this.registryError } : {}),
    });
  }

  /**
   * The template with `{{ var }}` turned into `{var}` (`to_single_brace_format`), for frameworks with
   * single-brace templates. Other braces are left as they are; {@link toLangChain} escapes them.
   */
  toSingleBraceFormat(): PromptTemplate {
    return toSingleBrace(this.#template, this.#variables);
  }

  /**
   * A LangChain.js prompt for this version: a `PromptTemplate` for text, a `ChatPromptTemplate` for chat
   * (loads the optional peer @langchain/core; throws NOT_IMPLEMENTED when it is not installed).
   */
  async toLangChain(): Promise<unknown> {
    const { promptVersionToLangChain } = await import('./langchain.js');
    return promptVersionToLangChain(this);
  }

  /** A copy of this value that says it came from `origin` (and why, when the registry failed). */
  withOrigin(origin: PromptOrigin, registryError?: MlflowError | Error): PromptVersion {
    return new PromptVersion({
      name: this.name,
      version: this.version,
      template: this.#template,
      commitMessage: this.commitMessage,
      creationTimestamp: this.creationTimestamp,
      lastUpdatedTimestamp: this.lastUpdatedTimestamp,
      userId: this.userId,
      tags: { ...this.#tags },
      aliases: [...this.aliases],
      origin,
      ...(registryError ? { registryError } : {}),
    });
  }

  /** A plain JSON form (the fallback artifact and cache use it). */
  toJSON(): PromptVersionJson {
    return {
      name: this.name,
      version: this.version,
      template: this.template,
      prompt_type: this.promptType,
      commit_message: this.commitMessage,
      tags: this.tags,
      response_format: this.responseFormat,
      model_config: this.modelConfig,
      aliases: [...this.aliases],
      creation_timestamp: this.creationTimestamp,
      last_updated_timestamp: this.lastUpdatedTimestamp,
      user_id: this.userId,
      uri: this.uri,
    };
  }

  /** MLflow's `repr`: `PromptVersion(name=..., version=..., template=...)` with the template cut at 30 characters. */
  toString(): string {
    const text = templateText(this.#template);
    const shown = text.length > PROMPT_TEXT_DISPLAY_LIMIT ? `${text.slice(0, PROMPT_TEXT_DISPLAY_LIMIT)}...` : text;
    return `PromptVersion(name=${this.name}, version=${this.version}, template=${shown})`;
  }
}

/** The JSON form of a {@link PromptVersion} (snake_case, as Python reads it). */
export interface PromptVersionJson {
  name: string;
  version: number;
  template: PromptTemplate;
  prompt_type: PromptType;
  commit_message: string | null;
  tags: Record<string, string>;
  response_format: JsonSchema | null;
  model_config: Record<string, unknown> | null;
  aliases: string[];
  creation_timestamp: number;
  last_updated_timestamp: number | null;
  user_id: string | null;
  uri: string;
}

/** Rebuilds a {@link PromptVersion} from its {@link PromptVersion.toJSON} form. */
export function promptVersionFromJson(json: PromptVersionJson, origin: PromptOrigin): PromptVersion {
  return new PromptVersion({
    name: json.name,
    version: json.version,
    template: json.template,
    commitMessage: json.commit_message,
    creationTimestamp: json.creation_timestamp,
    lastUpdatedTimestamp: json.last_updated_timestamp,
    userId: json.user_id,
    tags: json.tags,
    responseFormat: json.response_format,
    modelConfig: json.model_config,
    aliases: json.aliases ?? [],
    origin,
  });
}
