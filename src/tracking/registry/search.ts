/**
 * The model registry's search grammar (MLflow 3.18's `SearchModelUtils`, `SearchModelVersionUtils`
 * and the checks `SqlAlchemyStore` makes on their output): filters on `name`, `tags.<key>` and, for
 * versions, `version_number`, `run_id`, `source_path`; order_by on names and timestamps. Parsed
 * clauses come out typed; every refusal is MLflow's error with MLflow's message.
 */

import { ErrorCode, InvalidParameterError, MlflowError } from '../errors.js';
import {
  type FilterToken,
  groupComparisons,
  parseStringList,
  pyListRepr,
  pyRepr,
  pySetRepr,
  stripQuotes,
  trimBackticks,
} from '../search/filter.js';
import { parseOrderByString } from '../search/order-by.js';
import { IS_PROMPT_TAG_KEY } from './validation.js';

/** Comparators on single strings. */
export type RegistryStringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
/** Comparators on numbers (`version_number`). */
export type RegistryNumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** One AND-ed clause of a registry filter, checked as the SQL store checks it. */
export type RegistryFilterClause =
  | { type: 'tag'; key: string; comparator: RegistryStringComparator; value: string }
  | { type: 'attribute'; key: 'name' | 'run_id' | 'source_path'; comparator: RegistryStringComparator; value: string }
  | { type: 'attribute'; key: 'name' | 'run_id'; comparator: 'IN' | 'NOT IN'; value: string[] }
  | { type: 'attribute'; key: 'version_number'; comparator: RegistryNumericComparator; value: number };

/** A registry order_by clause, resolved to the column it sorts on. */
export interface RegistryOrderByClause {
  /** `name`, `version`, `creation_time` or `last_updated_time`. */
  column: 'name' | 'version' | 'creation_time' | 'last_updated_time';
  ascending: boolean;
}

/** A parsed comparison before the store's comparator checks. */
export interface ParsedComparison {
  type: 'attribute' | 'tag';
  key: string;
  comparator: string;
  value: string | number | PyFloat | string[];
}

/** A float literal, which numeric attributes refuse. @internal */
export class PyFloat {
  constructor(readonly text: string) {}
}

/** Registered model attributes a filter accepts (`SearchModelUtils.VALID_SEARCH_ATTRIBUTE_KEYS`). */
export const VALID_REGISTERED_MODEL_SEARCH_KEYS: ReadonlySet<string> = new Set(['name']);
/** Model version attributes a filter accepts (`SearchModelVersionUtils.VALID_SEARCH_ATTRIBUTE_KEYS`). */
export const VALID_MODEL_VERSION_SEARCH_KEYS: ReadonlySet<string> = new Set([
  'name',
  'version_number',
  'run_id',
  'source_path',
]);
/** Model version order_by keys (`SearchModelVersionUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS`). */
export const VALID_MODEL_VERSION_ORDER_BY_KEYS: ReadonlySet<string> = new Set([
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
]);
/** Registered model order_by keys the SQL store accepts (`SearchUtils.VALID_ORDER_BY_KEYS_REGISTERED_MODELS`). */
export const VALID_REGISTERED_MODEL_ORDER_BY_KEYS: ReadonlySet<string> = new Set([
  'timestamp',
  'last_updated_timestamp',
  'name',
]);
// What the SQL store's error message recommends (`RECOMMENDED_ORDER_BY_KEYS_REGISTERED_MODELS`).
const RECOMMENDED_REGISTERED_MODEL_ORDER_BY_KEYS: ReadonlySet<string> = new Set(['name', 'timestamp']);
const NUMERIC_MODEL_VERSION_ATTRIBUTES: ReadonlySet<string> = new Set([
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
]);
const STRING_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE']);
const ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const NUMERIC_COMPARATORS: ReadonlySet<string> = new Set(['>', '>=', '!=', '=', '<', '<=']);

/** The model versions' default order (`search_model_versions` without order_by). */
export const DEFAULT_MODEL_VERSION_ORDER_BY: readonly string[] = [
  'last_updated_timestamp DESC',
  'name ASC',
  'version_number DESC',
];

function invalid(message: string): InvalidParameterError {
  return new InvalidParameterError(message);
}

/** `_get_model_search_identifier` / `_get_model_version_search_identifier`. */
function getIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: 'attribute' | 'tag'; key: string } {
  const dot = identifier.indexOf('.');
  let type: 'attribute' | 'tag' = 'attribute';
  let key = identifier;
  if (dot >= 0) {
    const entity = identifier.slice(0, dot);
    key = identifier.slice(dot + 1);
    if (entity !== 'attribute' && entity !== 'tag' && entity !== 'tags') {
      throw invalid(`Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    }
    type = entity === 'attribute' ? 'attribute' : 'tag';
  }
  // MLflow checks the key before removing its quotes, so `attribute.\`name\`` is refused.
  if (type === 'attribute' && !validAttributes.has(key)) {
    throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`);
  }
  return { type, key: trimBackticks(stripQuotes(key)) };
}

function isStringToken(token: FilterToken): boolean {
  return token.kind === 'string' || token.kind === 'ident';
}

/** `SearchModelUtils._get_value` / `SearchModelVersionUtils._get_value`. */
function getValue(
  type: 'attribute' | 'tag',
  key: string,
  token: FilterToken,
  listKeys: readonly string[],
  numericKeys: ReadonlySet<string> | null,
): string | number | PyFloat | string[] {
  if (type === 'tag') {
    if (isStringToken(token)) return stripQuotes(token.text, true);
    throw invalid(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${token.text}`);
  }
  if (isStringToken(token)) return stripQuotes(token.text, true);
  if (token.kind === 'paren') {
    if (!listKeys.includes(key)) {
      throw invalid(
        `Only ${pyListRepr([...listKeys].sort())} attributes support comparison with a list of quoted string values.`,
      );
    }
    return parseStringList(token.text);
  }
  if (token.kind === 'number' && numericKeys !== null) {
    if (!numericKeys.has(key)) {
      throw invalid(`Only the '${pySetRepr(numericKeys)}' attributes support comparison with numeric values.`);
    }
    return token.numberKind === 'float' ? new PyFloat(token.text) : Number(token.text);
  }
  throw invalid(
    `Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.text}`,
  );
}

/** `parse_search_filter` of the registry utils: grouping, identifiers and values. */
function parseComparisons(
  filterString: string,
  validAttributes: ReadonlySet<string>,
  listKeys: readonly string[],
  numericKeys: ReadonlySet<string> | null,
  entity: string,
): ParsedComparison[] {
  return groupComparisons(filterString, false).map((comparison) => {
    if (comparison.left.kind !== 'ident') {
      throw invalid(`Invalid comparison clause. Expected 'Identifier' found '${comparison.left.text}'`);
    }
    if (comparison.right === undefined) {
      throw invalid(`IS NULL / IS NOT NULL is not supported for ${entity} search.`);
    }
    const { type, key } = getIdentifier(comparison.left.text, validAttributes);
    const value = getValue(type, key, comparison.right, listKeys, numericKeys);
    return { type, key, comparator: comparison.comparator.toUpperCase(), value };
  });
}

/** SQLite refuses a tuple bound where one value is expected; MLflow reports it as BAD_REQUEST. */
function tupleBinding(): MlflowError {
  return MlflowError.fromCode(
    ErrorCode.BAD_REQUEST,
    "(sqlite3.ProgrammingError) Error binding parameter: type 'tuple' is not supported",
  );
}

function checkTag(c: ParsedComparison): RegistryFilterClause {
  if (!STRING_COMPARATORS.has(c.comparator)) throw invalid(`Invalid comparator for tag: ${c.comparator}`);
  return { type: 'tag', key: c.key, comparator: c.comparator as RegistryStringComparator, value: c.value as string };
}

function checkStringAttribute(c: ParsedComparison, key: 'name' | 'run_id' | 'source_path'): RegistryFilterClause {
  const isList = Array.isArray(c.value);
  if (c.comparator === 'IN' || c.comparator === 'NOT IN') {
    // The grammar only pairs IN with a parenthesised list.
    return { type: 'attribute', key: key as 'name' | 'run_id', comparator: c.comparator, value: c.value as string[] };
  }
  if (isList) throw tupleBinding();
  return { type: 'attribute', key, comparator: c.comparator as RegistryStringComparator, value: c.value as string };
}

/** A registry filter parsed but not yet checked against the store's comparator rules. */
export interface ParsedRegistryFilter {
  /** @internal */
  readonly comparisons: readonly ParsedComparison[];
}

/**
 * The parsing half of a registered model search (`SearchModelUtils.parse_search_filter`): syntax,
 * identifiers and values. The SQL store checks comparators later, after order_by and page token
 * ({@link checkRegisteredModelFilter}).
 */
export function parseRegisteredModelComparisons(filterString: string | null | undefined): ParsedRegistryFilter {
  if (!filterString) return { comparisons: [] };
  return {
    comparisons: parseComparisons(filterString, VALID_REGISTERED_MODEL_SEARCH_KEYS, ['name'], null, 'registered model'),
  };
}

/** The comparator checks of `_get_search_registered_model_filter_query`. */
export function checkRegisteredModelFilter(parsed: ParsedRegistryFilter): RegistryFilterClause[] {
  return parsed.comparisons.map((c) => {
    if (c.type === 'tag') return checkTag(c);
    if (c.key !== 'name') throw invalid(`Invalid attribute name: ${c.key}`);
    if (!ATTRIBUTE_COMPARATORS.has(c.comparator)) throw invalid(`Invalid comparator for attribute: ${c.comparator}`);
    return checkStringAttribute(c, 'name');
  });
}

/** Parses and checks a registered model filter; empty or undefined filters give []. */
export function parseRegisteredModelFilter(filterString: string | null | undefined): RegistryFilterClause[] {
  return checkRegisteredModelFilter(parseRegisteredModelComparisons(filterString));
}

/**
 * Parses a model version filter as `SearchModelVersionUtils.parse_search_filter` and the SQL
 * store's `_get_search_model_versions_filter_clauses` do. Empty or undefined filters give [].
 */
export function parseModelVersionFilter(filterString: string | null | undefined): RegistryFilterClause[] {
  if (!filterString) return [];
  return parseComparisons(
    filterString,
    VALID_MODEL_VERSION_SEARCH_KEYS,
    ['name', 'run_id'],
    NUMERIC_MODEL_VERSION_ATTRIBUTES,
    'model version',
  ).map((c) => {
    if (c.type === 'tag') return checkTag(c);
    if (!VALID_MODEL_VERSION_SEARCH_KEYS.has(c.key)) throw invalid(`Invalid attribute name: ${c.key}`);
    if (NUMERIC_MODEL_VERSION_ATTRIBUTES.has(c.key)) {
      if (!NUMERIC_COMPARATORS.has(c.comparator)) {
        throw invalid(`Invalid comparator for attribute ${c.key}: ${c.comparator}`);
      }
      const v = c.value;
      if (v instanceof PyFloat) throw invalid(`Invalid value for numeric attribute '${c.key}': ${v.text}`);
      const n = typeof v === 'number' ? v : pyIntOrUndefined(v as string);
      if (n === undefined) {
        throw invalid(`Invalid value for numeric attribute '${c.key}': ${pyRepr(String(v))}`);
      }
      return {
        type: 'attribute',
        key: 'version_number',
        comparator: c.comparator as RegistryNumericComparator,
        value: n,
      };
    }
    const listComparator = c.comparator === 'IN' || c.comparator === 'NOT IN';
    if (!ATTRIBUTE_COMPARATORS.has(c.comparator) || (listComparator && c.key !== 'run_id' && c.key !== 'name')) {
      throw invalid(`Invalid comparator for attribute: ${c.comparator}`);
    }
    return checkStringAttribute(c, c.key as 'name' | 'run_id' | 'source_path');
  });
}

function pyIntOrUndefined(s: string): number | undefined {
  const t = s.trim();
  return /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number.parseInt(t.replaceAll('_', ''), 10) : undefined;
}

function duplicateOrderBy(orderBy: readonly string[]): MlflowError {
  // A bare MlflowException in MLflow, hence INTERNAL_ERROR.
  return new MlflowError(`\`order_by\` contains duplicate fields: ${pyListRepr(orderBy)}`, ErrorCode.INTERNAL_ERROR);
}

/**
 * The registered models' ordering as the SQL store builds it
 * (`_parse_search_registered_models_order_by`): `name`, or `timestamp` / `last_updated_timestamp`
 * (both the last update time), then `name ASC` as tie-breaker unless already present.
 */
export function parseRegisteredModelOrderBy(orderBy: readonly string[] | null | undefined): RegistryOrderByClause[] {
  const clauses: RegistryOrderByClause[] = [];
  const seen = new Set<string>();
  for (const text of orderBy ?? []) {
    const { identifier, ascending } = parseOrderByString(text);
    if (!VALID_REGISTERED_MODEL_ORDER_BY_KEYS.has(identifier)) {
      throw invalid(
        `Invalid order by key '${identifier}' specified. Valid keys are '${pySetRepr(RECOMMENDED_REGISTERED_MODEL_ORDER_BY_KEYS)}'`,
      );
    }
    const column = identifier === 'name' ? 'name' : 'last_updated_time';
    if (seen.has(column)) throw duplicateOrderBy(orderBy ?? []);
    seen.add(column);
    clauses.push({ column, ascending });
  }
  if (!seen.has('name')) clauses.push({ column: 'name', ascending: true });
  return clauses;
}

const MODEL_VERSION_ORDER_COLUMNS: Readonly<Record<string, RegistryOrderByClause['column']>> = {
  name: 'name',
  version_number: 'version',
  creation_timestamp: 'creation_time',
  last_updated_timestamp: 'last_updated_time',
};

/**
 * The model versions' ordering as the SQL store builds it (`_parse_search_model_versions_order_by`):
 * the given clauses, or `last_updated_timestamp DESC, name ASC, version_number DESC` when there are
 * none, then `name ASC` and `version DESC` as tie-breakers unless present.
 */
export function parseModelVersionOrderBy(orderBy: readonly string[] | null | undefined): RegistryOrderByClause[] {
  const list = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_MODEL_VERSION_ORDER_BY;
  const clauses: RegistryOrderByClause[] = [];
  const seen = new Set<string>();
  for (const text of list) {
    const { identifier, ascending } = parseOrderByString(text);
    // `SearchExperimentsUtils._get_identifier`: `attribute(s).` and `tag(s).` prefixes.
    const dot = identifier.indexOf('.');
    let type = 'attribute';
    let key = identifier;
    if (dot >= 0) {
      const entity = identifier.slice(0, dot);
      if (!['attribute', 'attributes', 'tag', 'tags'].includes(entity)) {
        throw invalid(
          `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')`,
        );
      }
      type = entity.startsWith('tag') ? 'tag' : 'attribute';
      key = identifier.slice(dot + 1);
    }
    key = trimBackticks(stripQuotes(key));
    if (type === 'attribute' && !VALID_MODEL_VERSION_ORDER_BY_KEYS.has(key)) {
      throw invalid(
        `Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(VALID_MODEL_VERSION_ORDER_BY_KEYS)}'`,
      );
    }
    const column = MODEL_VERSION_ORDER_COLUMNS[key];
    if (column === undefined) {
      throw invalid(
        `Invalid order by key '${key}' specified. Valid keys are ${pySetRepr(VALID_MODEL_VERSION_ORDER_BY_KEYS)}`,
      );
    }
    if (seen.has(column)) throw duplicateOrderBy(list);
    seen.add(column);
    clauses.push({ column, ascending });
  }
  if (!seen.has('name')) clauses.push({ column: 'name', ascending: true });
  if (!seen.has('version')) clauses.push({ column: 'version', ascending: false });
  return clauses;
}

/**
 * `_is_querying_prompt`: whether a filter asks for prompts (its first prompt-tag clause is
 * `= 'true'` or `!= 'false'`, any case). Otherwise MLflow drops prompt-tag clauses and excludes
 * prompts from the results.
 */
export function isQueryingPrompts(clauses: readonly RegistryFilterClause[]): boolean {
  for (const c of clauses) {
    if (c.type !== 'tag' || c.key !== IS_PROMPT_TAG_KEY) continue;
    const value = c.value.toLowerCase();
    return (c.comparator === '=' && value === 'true') || (c.comparator === '!=' && value === 'false');
  }
  return false;
}

/**
 * `add_prompt_filter_string`: what `MlflowClient.search_registered_models` sends, a filter that
 * excludes (or selects) prompts unless the caller's filter already mentions the prompt tag.
 */
export function addPromptFilterString(filterString: string | null | undefined, isPrompt = false): string {
  if ((filterString ?? '').includes(IS_PROMPT_TAG_KEY)) return filterString as string;
  const clause = `tag.\`${IS_PROMPT_TAG_KEY}\` ${isPrompt ? '=' : '!='} 'true'`;
  return filterString ? `${filterString} AND ${clause}` : clause;
}
