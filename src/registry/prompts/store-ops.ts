// Internal: the prompt operations MLflow builds on a model registry store (the concrete prompt methods
// of `AbstractStore` and the OSS path of `MlflowClient.register_prompt`), over our ModelRegistryStore.
import type { ModelVersion, PagedList, RegisteredModel } from '../../tracking/entities/index.js';
import { ErrorCode, hasErrorCode, InvalidParameterError, isMlflowError, MlflowError } from '../../tracking/errors.js';
import type { ModelRegistryStore } from '../../tracking/registry/store.js';
import {
  IS_PROMPT_TAG_KEY,
  MAX_PROMPT_TEXT_LENGTH,
  PROMPT_EXPERIMENT_IDS_TAG_KEY,
  PROMPT_MODEL_CONFIG_TAG_KEY,
  PROMPT_NAME_RULE,
  PROMPT_SOURCE_PLACEHOLDER,
  PROMPT_TEXT_TAG_KEY,
  PROMPT_TYPE_TAG_KEY,
  PromptType,
  RESPONSE_FORMAT_TAG_KEY,
} from './constants.js';
import { type PromptTemplate, templateText } from './format.js';
import { PromptVersion } from './prompt-version.js';
import { pyJsonDumpsAscii } from './python.js';
import type { JsonSchema } from './response-format.js';

/** A prompt's registry-level information (MLflow's `Prompt`): no template, which lives on versions. */
export interface Prompt {
  name: string;
  description: string | null;
  /** ms since the Unix epoch. */
  creationTimestamp: number | null;
  /** Prompt-level tags (MLflow's internal `mlflow.prompt.is_prompt` removed). */
  tags: Record<string, string>;
}

/** `validate_prompt_name`. */
export function validatePromptName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '')
    throw new InvalidParameterError('Prompt name must be a non-empty string.');
  if (!PROMPT_NAME_RULE.test(name)) {
    throw new InvalidParameterError(
      'Prompt name can only contain alphanumeric characters, hyphens, underscores, and dots.',
    );
  }
}

/** The stored template text, checked against MLflow's limit (`_validate_model_version_tag`). */
export function checkedTemplateText(template: PromptTemplate): string {
  const text = templateText(template);
  // Python counts code points; count them the same way (only when the UTF-16 length is over the limit).
  if (text.length > MAX_PROMPT_TEXT_LENGTH && [...text].length > MAX_PROMPT_TEXT_LENGTH) {
    throw new InvalidParameterError(`Prompt text exceeds max length of ${MAX_PROMPT_TEXT_LENGTH} characters.`);
  }
  return text;
}

/** `translate_prompt_exception`: "registered model"/"model version" in a store message read "prompt". */
export function translatePromptError(err: unknown): unknown {
  if (!isMlflowError(err)) return err;
  const message = err.message.replace(/(registered model|model version)/gi, (m) =>
    m[0] === m[0]?.toUpperCase() ? 'Prompt' : 'prompt',
  );
  if (message === err.message) return err;
  return MlflowError.fromCode(err.errorCode, message, { cause: err, ...(err.http ? { http: err.http } : {}) });
}

/** `has_prompt_tag` on a registered model or version. */
export function isPromptEntity(entity: { tags: Record<string, string> }): boolean {
  return IS_PROMPT_TAG_KEY in entity.tags;
}

function isPromptModel(rm: RegisteredModel): boolean {
  return rm.tags[IS_PROMPT_TAG_KEY]?.toLowerCase() === 'true';
}

function notAPrompt(name: string, instead: string): MlflowError {
  return new InvalidParameterError(`Name \`${name}\` is registered as a model, not a prompt. Use ${instead} instead.`);
}

/** Arguments of {@link registerPromptVersion}. */
export interface RegisterPromptArgs {
  name: string;
  template: PromptTemplate;
  commitMessage: string | null;
  tags: Record<string, string>;
  /** Already converted; null when the caller gave none (or an empty one, which MLflow does not store). */
  responseFormat: JsonSchema | null;
  /** Already validated (`PromptModelConfig.to_dict`); null when the caller gave none or an empty one. */
  modelConfig: Record<string, unknown> | null;
}

/** The version tags MLflow's client stores for a prompt version (user tags first, then its own). */
export function promptVersionTags(args: RegisterPromptArgs): Record<string, string> {
  const tags: Record<string, string> = { ...args.tags, [IS_PROMPT_TAG_KEY]: 'true' };
  tags[PROMPT_TYPE_TAG_KEY] = typeof args.template === 'string' ? PromptType.TEXT : PromptType.CHAT;
  tags[PROMPT_TEXT_TAG_KEY] = checkedTemplateText(args.template);
  if (args.responseFormat) tags[RESPONSE_FORMAT_TAG_KEY] = pyJsonDumpsAscii(args.responseFormat);
  if (args.modelConfig) tags[PROMPT_MODEL_CONFIG_TAG_KEY] = pyJsonDumpsAscii(args.modelConfig);
  return tags;
}

/**
 * `MlflowClient.register_prompt` (OSS registries): creates the prompt (a registered model tagged as a
 * prompt, described by the first commit message) when it does not exist, else updates its tags, then
 * creates the version carrying the template and MLflow's prompt tags. A first version that fails
 * removes the prompt again, as MLflow does.
 */
export async function registerPromptVersion(
  store: ModelRegistryStore,
  args: RegisterPromptArgs,
): Promise<PromptVersion> {
  const versionTags = promptVersionTags(args);
  let rm: RegisteredModel | undefined;
  let isNew = false;
  try {
    rm = await store.getRegisteredModel(args.name);
  } catch (err) {
    if (!hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST)) throw err;
    await store.createRegisteredModel(args.name, {
      description: args.commitMessage,
      tags: { [IS_PROMPT_TAG_KEY]: 'true', ...args.tags },
    });
    isNew = true;
  }
  if (rm && !isPromptEntity(rm)) {
    throw new InvalidParameterError(
      `Model '${args.name}' exists with the same name. MLflow does not allow registering a prompt with the same name ` +
        'as an existing model. Please choose a different name for the prompt.',
    );
  }
  if (!isNew) {
    for (const [key, value] of Object.entries(args.tags)) await store.setRegisteredModelTag(args.name, key, value);
  }
  let mv: ModelVersion;
  try {
    mv = await store.createModelVersion({
      name: args.name,
      source: PROMPT_SOURCE_PLACEHOLDER,
      tags: versionTags,
      description: args.commitMessage,
    });
  } catch (err) {
    if (isNew) await store.deleteRegisteredModel(args.name).catch(() => undefined);
    throw err;
  }
  return PromptVersion.fromModelVersion(mv);
}

/**
 * `AbstractStore.get_prompt_version`: the version (a number) or the version an alias points at, after
 * checking that the name is a prompt. `latest` is the highest version.
 */
export async function getPromptVersion(
  store: ModelRegistryStore,
  name: string,
  versionOrAlias: number | string,
): Promise<PromptVersion> {
  const rm = await store.getRegisteredModel(name);
  if (!isPromptModel(rm)) throw notAPrompt(name, 'get_model_version() or load_model()');
  const text = String(versionOrAlias);
  const mv = /^\d+$/.test(text)
    ? await store.getModelVersion(name, text)
    : await store.getModelVersionByAlias(name, text);
  if (!isPromptEntity(mv)) {
    throw new MlflowError(`Prompt (name=${name}, version=${mv.version}) not found`, ErrorCode.RESOURCE_DOES_NOT_EXIST);
  }
  return PromptVersion.fromModelVersion(mv);
}

/** `AbstractStore.get_prompt`: the prompt's metadata, or null when there is none or the name is a model. */
export async function getPrompt(store: ModelRegistryStore, name: string): Promise<Prompt | null> {
  let rm: RegisteredModel;
  try {
    rm = await store.getRegisteredModel(name);
  } catch (err) {
    if (hasErrorCode(err, ErrorCode.RESOURCE_DOES_NOT_EXIST)) return null;
    throw err;
  }
  return isPromptModel(rm) ? toPrompt(rm) : null;
}

function toPrompt(rm: RegisteredModel): Prompt {
  const tags = { ...rm.tags };
  delete tags[IS_PROMPT_TAG_KEY];
  return { name: rm.name, description: rm.description, creationTimestamp: rm.creationTimestamp, tags };
}

/** `_parse_experiment_id_filter`: `experiment_id = '1'` becomes a match on the prompt's experiment-ids tag. */
export function parseExperimentIdFilter(filter: string): string {
  const pattern = /experiment_id\s*=\s*['"]([^'"]+)['"]/;
  const m = pattern.exec(filter);
  if (!m) return filter;
  const experimentId = m[1] as string;
  let rest = filter.replace(new RegExp(pattern.source, 'g'), '').trim();
  rest = rest
    .replace(/^\s*AND\s+/, '')
    .replace(/\s+AND\s*$/, '')
    .replace(/\s+AND\s+AND\s+/g, ' AND ');
  if (!/^\d+$/.test(experimentId)) {
    throw new InvalidParameterError(`Invalid experiment_id: ${experimentId}. Must be a numeric value.`);
  }
  const clause = `tags.${PROMPT_EXPERIMENT_IDS_TAG_KEY} LIKE '%,${experimentId},%'`;
  return rest ? `${clause} AND ${rest}` : clause;
}

/** `AbstractStore.search_prompts`: registered models tagged as prompts, one page. */
export async function searchPrompts(
  store: ModelRegistryStore,
  query: { filterString?: string; maxResults?: number; orderBy?: string[]; pageToken?: string },
): Promise<PagedList<Prompt>> {
  let filter = `tags.\`${IS_PROMPT_TAG_KEY}\` = 'true'`;
  if (query.filterString) filter = `${filter} AND ${parseExperimentIdFilter(query.filterString)}`;
  const page = await store.searchRegisteredModels({
    filterString: filter,
    maxResults: query.maxResults ?? 100,
    ...(query.orderBy ? { orderBy: query.orderBy } : {}),
    ...(query.pageToken ? { pageToken: query.pageToken } : {}),
  });
  const items = page.items.map(toPrompt);
  return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
}

/** `AbstractStore.search_prompt_versions`: a prompt's versions, newest first. */
export async function searchPromptVersions(
  store: ModelRegistryStore,
  name: string,
  query: { maxResults?: number; pageToken?: string } = {},
): Promise<PagedList<PromptVersion>> {
  const rm = await store.getRegisteredModel(name);
  if (!isPromptModel(rm)) throw notAPrompt(name, 'search_model_versions()');
  const page = await store.searchModelVersions({
    filterString: `name = '${name}' AND tag.\`${IS_PROMPT_TAG_KEY}\` = 'true'`,
    maxResults: query.maxResults ?? 100,
    orderBy: ['version_number DESC'],
    ...(query.pageToken ? { pageToken: query.pageToken } : {}),
  });
  const items = page.items.map((mv) => PromptVersion.fromModelVersion(mv));
  return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
}

/** A version number as MLflow's prompt methods take it (`int(version)`), else its error. */
export function versionNumber(version: string | number): string {
  const text = String(version).trim();
  if (!/^[+-]?\d+$/.test(text)) throw new MlflowError(`Invalid version number: ${version}`, ErrorCode.INTERNAL_ERROR);
  return String(Number(text));
}

/** Whether a registered model (by name) is a prompt; throws when it does not exist. */
export async function requirePrompt(store: ModelRegistryStore, name: string, instead: string): Promise<void> {
  const rm = await store.getRegisteredModel(name);
  if (!isPromptModel(rm)) throw notAPrompt(name, instead);
}
