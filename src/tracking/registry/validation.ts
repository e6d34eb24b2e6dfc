/**
 * Input checks of the model registry: the rules, limits, error codes and messages of MLflow 3.18's
 * `mlflow/utils/validation.py` (`_validate_model_name`, `_validate_alias_name`, ...) and of
 * `get_canonical_stage`, so both stores refuse bad input with MLflow's words.
 */

import { ALL_MODEL_VERSION_STAGES, type ModelVersionStage } from '../entities/model-registry.js';
import { InvalidParameterError } from '../errors.js';
import {
  badPathMessage,
  invalidValue,
  missingValue,
  notIntegerValue,
  pathNotUnique,
  pythonFormat,
  validateLengthLimit,
  validateTagName,
} from '../validation.js';

/** Longest registered model or model version tag key (`MAX_MODEL_REGISTRY_TAG_KEY_LENGTH`). */
export const MAX_MODEL_REGISTRY_TAG_KEY_LENGTH = 250;
/** Longest registered model or model version tag value (`MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH`). */
export const MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH = 100_000;
/** Longest alias (`MAX_REGISTERED_MODEL_ALIAS_LENGTH`). */
export const MAX_REGISTERED_MODEL_ALIAS_LENGTH = 255;
/** The alias every model has implicitly: its highest version (`_REGISTERED_MODEL_ALIAS_LATEST`). */
export const REGISTERED_MODEL_ALIAS_LATEST = 'latest';
/** Tag marking a registered model or version as a prompt (`IS_PROMPT_TAG_KEY`). */
export const IS_PROMPT_TAG_KEY = 'mlflow.prompt.is_prompt';
/** Tag holding a prompt version's template (`PROMPT_TEXT_TAG_KEY`). */
export const PROMPT_TEXT_TAG_KEY = 'mlflow.prompt.text';
/** Source the store's prompt API gives prompt versions (`_STORE_PROMPT_SOURCE_PLACEHOLDER`). */
export const STORE_PROMPT_SOURCE_PLACEHOLDER = 'prompt-template';
/** Source `MlflowClient`'s prompt API gives prompt versions (`_CLIENT_PROMPT_SOURCE_PLACEHOLDER`). */
export const CLIENT_PROMPT_SOURCE_PLACEHOLDER = 'dummy-source';

// Python's `\w` over str patterns: Unicode letters and digits, and the underscore.
const ALIAS_REGEX = /^[\p{L}\p{N}\p{Mn}\p{Mc}_-]*$/u;
const VERSION_ALIAS_REGEX = /^[vV]\p{Nd}+$/u;
const BAD_ALIAS_CHARACTERS_MESSAGE = 'Names may only contain alphanumerics, underscores (_), and dashes (-).';
// What Python's int() accepts from a str: optional sign, digits with single underscores, spaces around.
const PY_INT_REGEX = /^[+-]?\d+(?:_\d+)*$/;

function fail(message: string): never {
  throw new InvalidParameterError(message);
}

/** `_validate_model_name`: present and not blank, no `/` or `:`, and a path that normalises to itself. */
export function validateModelName(name: unknown): asserts name is string {
  if (name === null || name === undefined || (typeof name === 'string' && pythonFormat.strip(name) === '')) {
    fail(missingValue('name'));
  }
  if (typeof name !== 'string') fail(invalidValue('name', name, 'must be a string'));
  if (name.includes('/') || name.includes(':')) {
    fail(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  if (pathNotUnique(name)) fail(invalidValue('name', name, badPathMessage(name)));
}

/** `_validate_model_renaming`: the new name must be present, then a valid model name. */
export function validateModelRenaming(newName: unknown): asserts newName is string {
  if (newName === null || newName === undefined || pythonFormat.strip(String(newName)) === '') {
    fail(missingValue('new_name'));
  }
  validateModelName(newName);
}

/** `_validate_model_version`: Python's `int(version)`, or INVALID_PARAMETER_VALUE naming `version`. */
export function validateModelVersion(version: unknown): number {
  if (typeof version === 'number' && Number.isFinite(version)) return Math.trunc(version);
  if (typeof version === 'bigint') return Number(version);
  if (typeof version === 'string') {
    const s = pythonFormat.strip(version);
    if (PY_INT_REGEX.test(s)) return Number.parseInt(s.replaceAll('_', ''), 10);
  }
  fail(notIntegerValue('version', version));
}

/** `_validate_alias_name`: not empty, only word characters and dashes, at most 255 characters. */
export function validateAliasName(alias: unknown, resourceType = 'Registered model'): asserts alias is string {
  if (alias === null || alias === undefined || alias === '') fail(`${resourceType} alias name cannot be empty.`);
  if (typeof alias !== 'string' || !ALIAS_REGEX.test(alias)) {
    fail(`Invalid alias name: '${pythonFormat.str(alias)}'. ${BAD_ALIAS_CHARACTERS_MESSAGE}`);
  }
  validateLengthLimit(`${resourceType} alias name`, MAX_REGISTERED_MODEL_ALIAS_LENGTH, alias);
}

/** `_validate_alias_name_reserved`: `latest` (any case) and `v<digits>` cannot be set as aliases. */
export function validateAliasNameReserved(alias: string): void {
  if (alias.toLowerCase() === REGISTERED_MODEL_ALIAS_LATEST) {
    fail("'latest' alias name (case insensitive) is reserved.");
  }
  if (VERSION_ALIAS_REGEX.test(alias)) fail(`Version alias name '${alias}' is reserved.`);
}

/** `_validate_registered_model_tag`: a valid tag name, key ≤ 250 and value ≤ 100,000 characters. */
export function validateRegisteredModelTag(key: string, value: string | null | undefined): void {
  validateTagName(key);
  validateLengthLimit('key', MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  validateLengthLimit('value', MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
}

/** `_validate_model_version_tag`: as for model tags, and the value must be present. */
export function validateModelVersionTag(key: string, value: string | null | undefined): void {
  validateTagName(key);
  if (value === null || value === undefined) fail('Tag value cannot be None');
  validateLengthLimit('key', MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  if (key === PROMPT_TEXT_TAG_KEY && pythonFormat.len(value) > MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH) {
    fail(`Prompt text exceeds max length of ${MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH} characters.`);
  }
  validateLengthLimit('value', MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
}

/** `get_canonical_stage`: a stage name in any case, as MLflow spells it; unknown stages are refused. */
export function getCanonicalStage(stage: string): ModelVersionStage {
  const key = stage.toLowerCase();
  const found = ALL_MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === key);
  if (found === undefined) {
    fail(`Invalid Model Version stage: ${stage}. Value must be one of ${ALL_MODEL_VERSION_STAGES.join(', ')}.`);
  }
  return found;
}

/** `has_prompt_tag`: true when the tags carry the prompt marker, whatever its value. */
export function hasPromptTag(tags: Record<string, string> | null | undefined): boolean {
  return tags !== null && tags !== undefined && Object.hasOwn(tags, IS_PROMPT_TAG_KEY);
}

/** Python's `str.strip() == ''`, for the client-side empty checks. */
export function isBlank(value: string): boolean {
  return pythonFormat.strip(value) === '';
}
