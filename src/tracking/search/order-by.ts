/**
 * Run search `order_by` clauses (`SearchUtils.parse_order_by_for_search_runs` and the checks of
 * `SqlAlchemyStore._get_orderby_clauses`, MLflow 3.18.0).
 */

import { ErrorCode, InvalidParameterError, MlflowError } from '../errors.js';
import {
  getRunIdentifier,
  pyListRepr,
  type RunSearchEntity,
  tokenizeFilter,
  translateKeyAlias,
  VALID_RUN_ORDER_BY_ATTRIBUTE_KEYS,
} from './filter.js';

/** One parsed order_by clause: entity, key (as written) and direction. */
export interface OrderByClause<E extends string = RunSearchEntity> {
  /** Entity of the key: `metric`, `parameter`, `tag`, `attribute` (or `dataset`, rejected later). */
  type: E;
  /** Key with quotes and backticks removed. */
  key: string;
  /** True for ASC (the default), false for DESC. */
  ascending: boolean;
}

/** A run order_by clause ready for SQL: entity restricted, attribute aliases resolved. */
export interface RunOrderByClause {
  /** Entity to sort on. */
  type: 'metric' | 'parameter' | 'tag' | 'attribute';
  /** Key; for attributes the canonical name (`created` → `start_time`). */
  key: string;
  /** True for ASC, false for DESC. */
  ascending: boolean;
}

function couldNotParse(orderBy: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
}

/** `shlex.split` (POSIX mode) as MLflow applies it to an order_by clause. @internal */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new InvalidParameterError('No closing quotation');
      current += text.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new InvalidParameterError('No closing quotation');
        const c = text[i] as string;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          current += text[i + 1];
          i += 2;
          continue;
        }
        current += c;
        i++;
      }
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new InvalidParameterError('No escaped character');
      current += text[i + 1];
      i += 2;
    } else {
      current += ch;
      i++;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/**
 * `SearchUtils._parse_order_by_string`: checks the clause is one identifier with an optional
 * direction word and returns the identifier text (quotes removed) and the direction. @internal
 */
export function parseOrderByString(orderBy: string): { identifier: string; ascending: boolean } {
  // sqlparse must see exactly one Identifier token: no surrounding whitespace, no extra tokens.
  if (orderBy.trim() !== orderBy || orderBy === '') throw couldNotParse(orderBy);
  const tokens = tokenizeFilter(orderBy);
  const [first, second] = tokens;
  if (first?.kind !== 'ident' || tokens.length > 2) throw couldNotParse(orderBy);
  if (second !== undefined && !(second.kind === 'ident' && second.bare)) throw couldNotParse(orderBy);
  const words = shlexSplit(orderBy.replaceAll('`', '"'));
  if (words.length > 2) throw couldNotParse(orderBy);
  let ascending = true;
  let identifier = orderBy;
  if (words.length === 2) {
    const direction = (words[1] as string).toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') {
      throw new InvalidParameterError(`Invalid ordering key in order_by clause '${orderBy}'.`);
    }
    ascending = direction === 'asc';
    identifier = words[0] as string;
  }
  return { identifier: identifier.trim(), ascending };
}

/** `SearchUtils.parse_order_by_for_search_runs`: parses one run order_by clause. */
export function parseRunOrderBy(orderBy: string): OrderByClause {
  const { identifier, ascending } = parseOrderByString(orderBy);
  const { type, key } = getRunIdentifier(identifier, VALID_RUN_ORDER_BY_ATTRIBUTE_KEYS);
  return { type, key, ascending };
}

/**
 * Parses a run order_by list with the checks `_get_orderby_clauses` makes, in its order: each
 * clause's syntax, its entity (datasets cannot be sorted on), then duplicates (after alias
 * resolution, so `created` and `start_time` collide). A duplicate is MLflow's bare
 * `MlflowException`, hence `INTERNAL_ERROR`.
 */
export function parseRunOrderByList(orderBy: readonly string[] | null | undefined): RunOrderByClause[] {
  const clauses: RunOrderByClause[] = [];
  const seen = new Set<string>();
  for (const text of orderBy ?? []) {
    const parsed = parseRunOrderBy(text);
    const key = translateKeyAlias(parsed.key);
    if (parsed.type === 'dataset') {
      throw new InvalidParameterError(`Invalid identifier type '${parsed.type}'`);
    }
    const id = `${parsed.type}\u0000${key}`;
    if (seen.has(id)) {
      throw new MlflowError(
        `\`order_by\` contains duplicate fields: ${pyListRepr(orderBy ?? [])}`,
        ErrorCode.INTERNAL_ERROR,
      );
    }
    seen.add(id);
    clauses.push({ type: parsed.type, key, ascending: parsed.ascending });
  }
  return clauses;
}
