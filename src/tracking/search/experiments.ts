/**
 * Experiment search filters and order_by (`SearchExperimentsUtils` and the checks of
 * `SqlAlchemyStore._get_search_experiments_filter_clauses` / `_order_by_clauses`, MLflow 3.18.0).
 */

import { InvalidParameterError } from '../errors.js';
import {
  type FilterToken,
  groupComparisons,
  parseStringList,
  pyListRepr,
  pySetRepr,
  type StringComparator,
  stripQuotes,
  trimBackticks,
  VALID_NUMERIC_ATTRIBUTE_COMPARATORS,
  VALID_STRING_ATTRIBUTE_COMPARATORS,
} from './filter.js';
import { type OrderByClause, parseOrderByString } from './order-by.js';

/** Attributes an experiment filter accepts (`SearchExperimentsUtils.VALID_SEARCH_ATTRIBUTE_KEYS`). */
export const VALID_EXPERIMENT_SEARCH_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'experiment_id',
  'creation_time',
  'last_update_time',
]);
/** Attributes an experiment order_by accepts. */
export const VALID_EXPERIMENT_ORDER_BY_ATTRIBUTE_KEYS: ReadonlySet<string> = VALID_EXPERIMENT_SEARCH_ATTRIBUTE_KEYS;
/** Numeric experiment attributes. */
export const NUMERIC_EXPERIMENT_ATTRIBUTES: ReadonlySet<string> = new Set(['creation_time', 'last_update_time']);

/** Experiment attributes compared as numbers. */
export type NumericExperimentAttribute = 'creation_time' | 'last_update_time';
/** Experiment attribute keys. */
export type ExperimentAttribute = 'name' | 'experiment_id' | NumericExperimentAttribute;

/** One AND-ed clause of an experiment filter, validated and typed. */
export type ExperimentFilterClause =
  | { type: 'attribute'; key: 'name'; comparator: StringComparator; value: string }
  | { type: 'attribute'; key: 'experiment_id'; comparator: '=' | '!='; value: number }
  | { type: 'attribute'; key: 'experiment_id'; comparator: 'IN' | 'NOT IN'; value: number[] }
  | {
      type: 'attribute';
      key: NumericExperimentAttribute;
      comparator: '=' | '!=' | '>' | '>=' | '<' | '<=';
      value: number;
    }
  | { type: 'tag'; key: string; comparator: StringComparator; value: string }
  | { type: 'tag'; key: string; comparator: 'IS NULL' | 'IS NOT NULL'; value: null };

/** An experiment order_by clause. */
export type ExperimentOrderByClause = OrderByClause<'attribute'> & { key: ExperimentAttribute };

const VALID_ENTITY_TYPES = ['attribute', 'attributes', 'tag', 'tags'] as const;

/** `SearchExperimentsUtils._get_identifier`: only `attribute(s).` and `tag(s).` prefixes. */
function getExperimentIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: 'attribute' | 'tag'; key: string } {
  const dot = identifier.indexOf('.');
  let type: 'attribute' | 'tag' = 'attribute';
  if (dot >= 0) {
    const entity = identifier.slice(0, dot);
    if (!(VALID_ENTITY_TYPES as readonly string[]).includes(entity)) {
      throw new InvalidParameterError(
        `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')`,
      );
    }
    type = entity.startsWith('tag') ? 'tag' : 'attribute';
  }
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.has(key)) {
    throw new InvalidParameterError(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`,
    );
  }
  return { type, key };
}

/** `SearchUtils._get_value` as inherited by `SearchExperimentsUtils`. */
function getExperimentValue(
  type: 'attribute' | 'tag',
  key: string,
  token: FilterToken,
): string | number | PyFloat | string[] {
  const isString = token.kind === 'string' || token.kind === 'ident';
  if (type === 'tag') {
    if (isString) return stripQuotes(token.text, true);
    throw new InvalidParameterError(
      `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${token.text}`,
    );
  }
  if (NUMERIC_EXPERIMENT_ATTRIBUTES.has(key)) {
    if (token.kind !== 'number') {
      throw new InvalidParameterError(`Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`);
    }
    // A float literal stays a float in Python, which the store rejects after parsing.
    return token.numberKind === 'float' ? new PyFloat(Number(token.text)) : Number(token.text);
  }
  if (isString) return stripQuotes(token.text, true);
  if (token.kind === 'paren') {
    if (key !== 'experiment_id') {
      throw new InvalidParameterError(
        `Only ${pyListRepr(['experiment_id'])} attributes support comparison with a list of quoted string values.`,
      );
    }
    return parseStringList(token.text);
  }
  throw new InvalidParameterError(`Expected a quoted string value for attributes. Got value ${token.text}`);
}

/** A float literal where the grammar wants an integer. */
class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `str(float)` for the common cases. */
function pyFloatStr(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n);
}

/** `_parse_experiment_id`: Python `int()` of an experiment id, or MLflow's error. */
export function parseExperimentId(experimentId: string | number): number {
  if (typeof experimentId === 'number') {
    if (Number.isFinite(experimentId)) return Math.trunc(experimentId);
  } else {
    const s = experimentId.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(s)) return Number.parseInt(s.replaceAll('_', ''), 10);
  }
  throw new InvalidParameterError(`Invalid experiment ID '${experimentId}'. Experiment ID must be a valid integer.`);
}

/**
 * Parses and validates an experiment filter (`SearchExperimentsUtils.parse_search_filter` plus
 * the store's comparator and value checks). Empty or undefined filters give [].
 */
export function parseExperimentFilter(filterString: string | null | undefined): ExperimentFilterClause[] {
  if (!filterString) return [];
  const parsed = groupComparisons(filterString, false).map((comparison) => {
    if (comparison.left.kind !== 'ident') {
      throw new InvalidParameterError(
        `Invalid comparison clause. Expected 'Identifier' found '${comparison.left.text}'`,
      );
    }
    const { type, key } = getExperimentIdentifier(comparison.left.text, VALID_EXPERIMENT_SEARCH_ATTRIBUTE_KEYS);
    if (comparison.right === undefined) {
      if (type !== 'tag') {
        throw new InvalidParameterError(`IS NULL / IS NOT NULL is only supported for tags, not for attribute '${key}'`);
      }
      return { type, key, comparator: comparison.comparator, value: null };
    }
    return { type, key, comparator: comparison.comparator, value: getExperimentValue(type, key, comparison.right) };
  });
  return parsed.map(({ type, key, comparator: raw, value }): ExperimentFilterClause => {
    const comparator = raw.toUpperCase();
    if (type === 'tag') {
      if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { type, key, comparator, value: null };
      if (!['=', '!=', 'LIKE', 'ILIKE'].includes(comparator)) {
        throw new InvalidParameterError(`Invalid comparator for tag: ${comparator}`);
      }
      return { type, key, comparator: comparator as StringComparator, value: value as string };
    }
    if (key === 'experiment_id') {
      if (!['=', '!=', 'IN', 'NOT IN'].includes(comparator)) {
        throw new InvalidParameterError(`Invalid comparator for experiment_id: ${comparator}`);
      }
      const isListComparator = comparator === 'IN' || comparator === 'NOT IN';
      if (Array.isArray(value) !== isListComparator) {
        throw new InvalidParameterError(
          `Comparator '${comparator}' for 'experiment_id' requires ${isListComparator ? 'a list of quoted strings' : 'a single value'}.`,
        );
      }
      if (Array.isArray(value)) {
        return { type, key, comparator: comparator as 'IN' | 'NOT IN', value: value.map(parseExperimentId) };
      }
      return { type, key, comparator: comparator as '=' | '!=', value: parseExperimentId(value as string) };
    }
    if (NUMERIC_EXPERIMENT_ATTRIBUTES.has(key)) {
      if (!VALID_NUMERIC_ATTRIBUTE_COMPARATORS.has(comparator)) {
        throw new InvalidParameterError(
          `Invalid comparator '${comparator}' not one of '${pySetRepr(VALID_STRING_ATTRIBUTE_COMPARATORS)}`,
        );
      }
      if (value instanceof PyFloat) {
        throw new InvalidParameterError(`Invalid value for numeric attribute '${key}': '${pyFloatStr(value.value)}'`);
      }
      return {
        type,
        key: key as NumericExperimentAttribute,
        comparator: comparator as '=' | '!=' | '>' | '>=' | '<' | '<=',
        value: value as number,
      };
    }
    // name
    if (!VALID_STRING_ATTRIBUTE_COMPARATORS.has(comparator)) {
      throw new InvalidParameterError(
        `Invalid comparator '${comparator}' not one of '${pySetRepr(VALID_STRING_ATTRIBUTE_COMPARATORS)}'`,
      );
    }
    if (!['=', '!=', 'LIKE', 'ILIKE'].includes(comparator)) {
      throw new InvalidParameterError(`Invalid comparator for string attribute: ${comparator}`);
    }
    return { type, key: 'name', comparator: comparator as StringComparator, value: value as string };
  });
}

/** `SearchExperimentsUtils.parse_order_by_for_search_experiments`; tags are rejected. */
export function parseExperimentOrderBy(orderBy: string): ExperimentOrderByClause {
  const { identifier, ascending } = parseOrderByString(orderBy);
  const { type, key } = getExperimentIdentifier(identifier, VALID_EXPERIMENT_ORDER_BY_ATTRIBUTE_KEYS);
  if (type !== 'attribute') throw new InvalidParameterError(`Invalid order_by entity: ${type}`);
  return { type, key: key as ExperimentAttribute, ascending };
}

/** Experiments' default order (`creation_time DESC, experiment_id ASC`). */
export const DEFAULT_EXPERIMENT_ORDER_BY: readonly string[] = ['creation_time DESC', 'experiment_id ASC'];

/**
 * The full experiment ordering `_get_search_experiments_order_by_clauses` builds: the given clauses
 * (or the default when none), then `experiment_id DESC` as tie-breaker unless already present.
 */
export function resolveExperimentOrderBy(orderBy: readonly string[] | null | undefined): ExperimentOrderByClause[] {
  const list = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_EXPERIMENT_ORDER_BY;
  const clauses = list.map(parseExperimentOrderBy);
  if (!clauses.some((c) => c.key === 'experiment_id')) {
    clauses.push({ type: 'attribute', key: 'experiment_id', ascending: false });
  }
  return clauses;
}
