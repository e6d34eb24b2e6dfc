/**
 * Dataset search filters and order_by (`SearchEvaluationDatasetsUtils` and the checks of
 * `_get_search_datasets_filter_clauses` / `_get_search_datasets_order_by_clauses`, MLflow 3.18).
 */

import { InvalidParameterError } from '../../tracking/errors.js';
import {
  type FilterToken,
  groupComparisons,
  parseStringList,
  pyRepr,
  pySetRepr,
  stripQuotes,
} from '../../tracking/search/filter.js';
import { parseOrderByString } from '../../tracking/search/order-by.js';

/** Attributes a dataset filter accepts. */
export const VALID_DATASET_SEARCH_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'created_time',
  'last_update_time',
  'created_by',
  'last_updated_by',
]);
/** Attributes a dataset order_by accepts. */
export const VALID_DATASET_ORDER_BY_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'created_time',
  'last_update_time',
]);
const NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['created_time', 'last_update_time']);
const NUMERIC_COMPARATORS: ReadonlySet<string> = new Set(['>', '>=', '!=', '=', '<', '<=']);
const STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set(['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);
const TAG_COMPARATORS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE']);

/** One validated, AND-ed dataset filter clause. */
export type DatasetFilterClause =
  | { type: 'attribute'; key: string; comparator: string; value: string | number }
  | { type: 'attribute'; key: 'name'; comparator: 'IN'; value: string[] }
  | { type: 'tag'; key: string; comparator: '=' | '!=' | 'LIKE' | 'ILIKE'; value: string };

/** One dataset order_by clause. */
export interface DatasetOrderByClause {
  key: 'name' | 'created_time' | 'last_update_time' | 'dataset_id';
  ascending: boolean;
}

// A float literal where an integer is wanted: Python keeps it a float and the store rejects it.
class PyFloat {
  constructor(readonly text: string) {}
}

function getIdentifier(identifier: string, valid: ReadonlySet<string>): { type: 'attribute' | 'tag'; key: string } {
  const dot = identifier.indexOf('.');
  if (dot < 0) {
    if (!valid.has(identifier)) {
      throw new InvalidParameterError(
        `Invalid attribute key '${identifier}' specified. Valid keys are: ${pySetRepr(valid)}`,
      );
    }
    return { type: 'attribute', key: identifier };
  }
  const entity = identifier.slice(0, dot);
  if (entity !== 'tags') throw new InvalidParameterError(`Invalid identifier token '${entity}' specified`);
  // MLflow keeps the tag key as written (quotes included).
  return { type: 'tag', key: identifier.slice(dot + 1) };
}

function getValue(type: 'attribute' | 'tag', key: string, token: FilterToken): string | number | PyFloat | string[] {
  const isString = token.kind === 'string' || token.kind === 'ident';
  if (type === 'tag') {
    if (isString) return stripQuotes(token.text, true);
    throw new InvalidParameterError(
      `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${token.text}`,
    );
  }
  if (NUMERIC_ATTRIBUTES.has(key)) {
    if (token.kind !== 'number') {
      throw new InvalidParameterError(`Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`);
    }
    return token.numberKind === 'float' ? new PyFloat(token.text) : Number(token.text);
  }
  if (isString) return stripQuotes(token.text, true);
  if (token.kind === 'paren') {
    if (key !== 'name') {
      throw new InvalidParameterError(
        "Only ['name'] attributes support comparison with a list of quoted string values.",
      );
    }
    return parseStringList(token.text);
  }
  throw new InvalidParameterError(`Expected a quoted string value for attributes. Got value ${token.text}`);
}

/** Python's `str(float(text))` for the usual literals. */
function pyFloatText(text: string): string {
  const n = Number(text);
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? `${n}.0` : String(n);
}

/**
 * Parses and validates a dataset filter as MLflow's SQL store does; empty gives []. Errors are
 * MLflow's INVALID_PARAMETER_VALUE messages.
 */
export function parseDatasetFilter(filterString: string | null | undefined): DatasetFilterClause[] {
  if (!filterString) return [];
  const parsed = groupComparisons(filterString, false).map((comparison) => {
    if (comparison.left.kind !== 'ident') {
      throw new InvalidParameterError(
        `Invalid comparison clause. Expected 'Identifier' found '${comparison.left.text}'`,
      );
    }
    const { type, key } = getIdentifier(comparison.left.text, VALID_DATASET_SEARCH_ATTRIBUTE_KEYS);
    if (comparison.right === undefined) {
      throw new InvalidParameterError(
        `IS NULL / IS NOT NULL is only supported for tags and params, not for '${type}' '${key}'`,
      );
    }
    const value = getValue(type, key, comparison.right);
    if (Array.isArray(value) && comparison.comparator !== 'IN') {
      throw new InvalidParameterError("List values for 'name' are only supported with the IN comparator.");
    }
    return { type, key, comparator: comparison.comparator, value };
  });
  return parsed.map(({ type, key, comparator, value }): DatasetFilterClause => {
    if (type === 'tag') {
      if (!TAG_COMPARATORS.has(comparator))
        throw new InvalidParameterError(`Invalid comparator for tag: ${comparator}`);
      return { type, key, comparator: comparator as '=' | '!=' | 'LIKE' | 'ILIKE', value: value as string };
    }
    const isString = !NUMERIC_ATTRIBUTES.has(key) && STRING_ATTRIBUTE_COMPARATORS.has(comparator);
    if (isString && !TAG_COMPARATORS.has(comparator) && !(key === 'name' && comparator === 'IN')) {
      throw new InvalidParameterError(`Invalid comparator for string attribute: ${comparator}`);
    }
    if (NUMERIC_ATTRIBUTES.has(key)) {
      if (!NUMERIC_COMPARATORS.has(comparator)) {
        throw new InvalidParameterError(`Invalid comparator for numeric attribute: ${comparator}`);
      }
      if (value instanceof PyFloat) {
        throw new InvalidParameterError(
          `Invalid value for numeric attribute '${key}': ${pyRepr(pyFloatText(value.text))}`,
        );
      }
    }
    if (Array.isArray(value)) return { type, key: 'name', comparator: 'IN', value };
    return { type, key, comparator, value: value as string | number };
  });
}

/**
 * The full ordering `_get_search_datasets_order_by_clauses` builds: the given clauses (else
 * `created_time DESC`), then `dataset_id DESC` as tie-breaker.
 */
export function resolveDatasetOrderBy(orderBy: readonly string[] | null | undefined): DatasetOrderByClause[] {
  const list = orderBy && orderBy.length > 0 ? orderBy : ['created_time DESC'];
  const clauses: DatasetOrderByClause[] = list.map((clause) => {
    const { identifier, ascending } = parseOrderByString(clause);
    const { type, key } = getIdentifier(identifier.trim(), VALID_DATASET_ORDER_BY_ATTRIBUTE_KEYS);
    if (type !== 'attribute') throw new InvalidParameterError(`Invalid order_by entity: ${type}`);
    return { key: key as DatasetOrderByClause['key'], ascending };
  });
  clauses.push({ key: 'dataset_id', ascending: false });
  return clauses;
}
