/**
 * Trace search grammar (`SearchTraceUtils` of MLflow 3.18.0): filter strings and order_by clauses of
 * `search_traces`, parsed the way MLflow's sqlparse-based parser reads them, plus the comparator
 * checks the store applies per entity (`is_tag`, `is_span`, ...). The SQL lives in
 * `sqlite/search-traces-sql.ts`.
 */

import { InvalidParameterError } from '../errors.js';
import {
  type FilterToken,
  matchComparison,
  parseStringList,
  pyRepr,
  pySetRepr,
  type RawComparison,
  stripQuotes,
  tokenizeFilter,
  trimBackticks,
} from './filter.js';
import { parseOrderByString } from './order-by.js';

/** Entity a trace filter clause (or order_by key) refers to, after alias resolution. */
export type TraceSearchEntity =
  | 'attribute'
  | 'tag'
  | 'request_metadata'
  | 'span'
  | 'feedback'
  | 'expectation'
  | 'issue';

/** Value of a trace filter clause: integer literals stay exact as bigint, lists are `IN` operands. */
export type TraceFilterValue = string | number | bigint | string[] | null;

/** One AND-ed clause of a trace filter, as `parse_search_filter_for_search_traces` returns it. */
export interface TraceFilterClause {
  /** Entity, after `name`/`run_id`/`prompt`/`text` were mapped to their tag, metadata or span key. */
  type: TraceSearchEntity;
  /** Key: attribute name (aliases resolved), tag/metadata key, span column or `attributes.<name>`. */
  key: string;
  /** Comparator as written (`IS NULL`, `IS NOT NULL`, `NOT IN` normalised); stores upper-case it. */
  comparator: string;
  /** The compared value; null for presence checks. */
  value: TraceFilterValue;
}

/** One parsed trace order_by clause. */
export interface TraceOrderByClause {
  type: TraceSearchEntity;
  key: string;
  ascending: boolean;
}

/** `SEARCH_TRACES_DEFAULT_MAX_RESULTS`. */
export const SEARCH_TRACES_DEFAULT_MAX_RESULTS = 100;

/** Attribute keys a trace filter accepts (`SearchTraceUtils.VALID_SEARCH_ATTRIBUTE_KEYS`). */
export const VALID_TRACE_SEARCH_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'request_id',
  'timestamp',
  'timestamp_ms',
  'execution_time',
  'execution_time_ms',
  'end_time',
  'end_time_ms',
  'status',
  'client_request_id',
  'name',
  'run_id',
  'prompt',
  'text',
]);
/** Attribute keys a trace order_by accepts (`SearchTraceUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS`). */
export const VALID_TRACE_ORDER_BY_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'experiment_id',
  'timestamp',
  'timestamp_ms',
  'execution_time',
  'execution_time_ms',
  'end_time',
  'end_time_ms',
  'status',
  'request_id',
  'name',
  'run_id',
]);
/** Attributes compared as numbers, aliases included. */
export const NUMERIC_TRACE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'timestamp_ms',
  'timestamp',
  'execution_time_ms',
  'execution_time',
  'end_time_ms',
  'end_time',
]);
/** Attributes that accept `IN (...)` lists. */
export const TRACE_LIST_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'status',
  'request_id',
  'run_id',
  'client_request_id',
]);

const NUMERIC_COMPARATORS: ReadonlySet<string> = new Set(['>', '>=', '!=', '=', '<', '<=']);
/** `VALID_TAG_COMPARATORS` of `SearchTraceUtils`. */
export const VALID_TRACE_TAG_COMPARATORS: ReadonlySet<string> = new Set([
  '!=',
  '=',
  'LIKE',
  'ILIKE',
  'RLIKE',
  'IS NULL',
  'IS NOT NULL',
]);
/** `VALID_METADATA_COMPARATORS`. */
export const VALID_TRACE_METADATA_COMPARATORS: ReadonlySet<string> = VALID_TRACE_TAG_COMPARATORS;
/** `VALID_STRING_ATTRIBUTE_COMPARATORS` of `SearchTraceUtils`. */
export const VALID_TRACE_STRING_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = new Set([
  '!=',
  '=',
  'IN',
  'NOT IN',
  'LIKE',
  'ILIKE',
  'RLIKE',
]);
/** `VALID_SPAN_ATTRIBUTE_COMPARATORS`. */
export const VALID_SPAN_ATTRIBUTE_COMPARATORS: ReadonlySet<string> = VALID_TRACE_STRING_ATTRIBUTE_COMPARATORS;
/** `VALID_SPAN_CONTENT_COMPARATORS`. */
export const VALID_SPAN_CONTENT_COMPARATORS: ReadonlySet<string> = new Set(['LIKE', 'ILIKE']);
/** `NUMERIC_ASSESSMENT_COMPARATORS`. */
export const NUMERIC_ASSESSMENT_COMPARATORS: ReadonlySet<string> = new Set(['>', '>=', '<', '<=']);
/** `VALID_ASSESSMENT_COMPARATORS`. */
export const VALID_ASSESSMENT_COMPARATORS: ReadonlySet<string> = new Set([
  '!=',
  '=',
  '>',
  '>=',
  '<',
  '<=',
  'LIKE',
  'ILIKE',
  'RLIKE',
  'IS NULL',
  'IS NOT NULL',
]);
const SUPPORTED_SPAN_ATTRIBUTES: ReadonlySet<string> = new Set(['name', 'type', 'status']);
const SPAN_CONTENT_KEY = 'content';

const ENTITY_ALIASES: Readonly<Record<string, TraceSearchEntity>> = {
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  request_metadata: 'request_metadata',
  metadata: 'request_metadata',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
  issue: 'issue',
};
const VALID_IDENTIFIERS = Object.keys(ENTITY_ALIASES);

// `SEARCH_KEY_TO_TAG`, `SEARCH_KEY_TO_METADATA`, `SEARCH_KEY_TO_SPAN`, `SEARCH_KEY_TO_ATTRIBUTE`.
const KEY_TO_TAG: Readonly<Record<string, string>> = { name: 'mlflow.traceName', prompt: 'mlflow.linkedPrompts' };
const KEY_TO_METADATA: Readonly<Record<string, string>> = { run_id: 'mlflow.sourceRun' };
const KEY_TO_SPAN: Readonly<Record<string, string>> = { text: SPAN_CONTENT_KEY };
const KEY_TO_ATTRIBUTE: Readonly<Record<string, string>> = {
  timestamp: 'timestamp_ms',
  execution_time: 'execution_time_ms',
  end_time: 'end_time_ms',
};

/** `SearchTraceUtils._valid_entity_type`. */
function resolveTraceEntity(entityType: string): TraceSearchEntity {
  const trimmed = trimBackticks(entityType);
  const entity = Object.hasOwn(ENTITY_ALIASES, trimmed) ? ENTITY_ALIASES[trimmed] : undefined;
  if (entity === undefined) {
    throw new InvalidParameterError(
      `Invalid entity type '${trimmed}'. Valid values are ${pySetRepr(VALID_IDENTIFIERS)}`,
    );
  }
  return entity;
}

/** `SearchUtils._get_identifier` with the trace entity names. */
function getTraceIdentifier(
  identifier: string,
  validAttributes: ReadonlySet<string>,
): { type: TraceSearchEntity; key: string } {
  const dot = identifier.indexOf('.');
  const type = dot < 0 ? 'attribute' : resolveTraceEntity(identifier.slice(0, dot));
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.has(key)) {
    throw new InvalidParameterError(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`,
    );
  }
  return { type, key };
}

/** `_replace_key_to_tag_or_metadata`: `name` → tag `mlflow.traceName`, `run_id` → metadata, ... */
function replaceKey<T extends { type: TraceSearchEntity; key: string }>(parsed: T): T {
  if (parsed.type === 'span') return parsed;
  const key = parsed.key.toLowerCase();
  if (Object.hasOwn(KEY_TO_TAG, key)) return { ...parsed, type: 'tag', key: KEY_TO_TAG[key] };
  if (Object.hasOwn(KEY_TO_METADATA, key)) return { ...parsed, type: 'request_metadata', key: KEY_TO_METADATA[key] };
  if (Object.hasOwn(KEY_TO_SPAN, key)) return { ...parsed, type: 'span', key: KEY_TO_SPAN[key] };
  if (Object.hasOwn(KEY_TO_ATTRIBUTE, key)) return { ...parsed, key: KEY_TO_ATTRIBUTE[key] };
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Grouping tokens into comparisons
// ---------------------------------------------------------------------------------------------

/** A comparison grouped from tokens; `builtin` marks the bare `timestamp` keyword form. */
type TraceComparison = RawComparison;

const isKeyword = (t: FilterToken | undefined, kw: string): boolean => t?.kind === 'keyword' && t.keyword === kw;

/**
 * sqlparse lexes a few bare words as type names (`Name.Builtin`), not identifiers: `text` and
 * `timestamp` are the ones the trace grammar meets. Only the exact word `timestamp` gets MLflow's
 * special `timestamp <op> <integer>` form; the others are invalid clauses.
 */
function isBuiltinWord(t: FilterToken): boolean {
  return t.kind === 'ident' && t.bare === true && /^(text|timestamp)$/i.test(t.text);
}

function topLevelSemicolon(text: string): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === ';') return i;
  }
  return -1;
}

/** `_process_statement` of `SearchTraceUtils` (with `_join_in_comparison_tokens(search_traces=True)`). */
function groupTraceComparisons(filterString: string): TraceComparison[] {
  if (filterString.trim() === '') {
    throw new InvalidParameterError(`Invalid filter '${filterString}'. Could not be parsed.`);
  }
  let text = filterString;
  const semicolon = topLevelSemicolon(filterString);
  if (semicolon >= 0 && filterString.slice(semicolon + 1).trim() !== '') {
    throw new InvalidParameterError(
      `Search filter contained multiple expression ${pyRepr(filterString)}. Provide AND-ed expression list.`,
    );
  }
  if (semicolon >= 0) text = filterString.slice(0, semicolon);
  const tokens = tokenizeFilter(text);
  if (semicolon >= 0) tokens.push({ kind: 'other', text: ';' });

  const comparisons: TraceComparison[] = [];
  const invalid: FilterToken[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as FilterToken;
    if (isKeyword(t, 'AND')) {
      i++;
      continue;
    }
    const [t1, t2] = [tokens[i + 1], tokens[i + 2]];
    if (isBuiltinWord(t)) {
      // MLflow reads the next two tokens; on a mismatch it keeps all three and then the first again.
      if (t.text === 'timestamp' && t1 !== undefined && t2 !== undefined) {
        if (t1.kind === 'op' && NUMERIC_COMPARATORS.has(t1.text) && t2.kind === 'number' && t2.numberKind === 'int') {
          comparisons.push({ left: t, comparator: t1.text, right: t2 });
          i += 3;
          continue;
        }
        invalid.push(t, t1, t2, t);
        i += 3;
        continue;
      }
      invalid.push(t);
      i++;
      continue;
    }
    const next = matchComparison(tokens, i, comparisons, true);
    if (next !== undefined) {
      i = next;
      continue;
    }
    invalid.push(t);
    i++;
  }
  if (invalid.length > 0) {
    throw new InvalidParameterError(
      `Invalid clause(s) in filter string: ${invalid.map((t) => `'${t.text}'`).join(', ')}`,
    );
  }
  return comparisons;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const isStringToken = (t: FilterToken): boolean => t.kind === 'string' || t.kind === 'ident';

function numberValue(t: FilterToken): number | bigint {
  return t.numberKind === 'int' ? BigInt(t.text) : Number(t.text);
}

/** `SearchTraceUtils._get_value`. */
function getTraceValue(type: TraceSearchEntity, key: string, token: FilterToken): TraceFilterValue {
  const expectQuoted = () =>
    new InvalidParameterError(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${token.text}`);
  switch (type) {
    case 'tag':
    case 'span':
      if (isStringToken(token)) return stripQuotes(token.text, true);
      if (token.kind === 'paren') return parseStringList(token.text);
      throw expectQuoted();
    case 'attribute':
      if (isStringToken(token)) return stripQuotes(token.text, true);
      if (token.kind === 'paren') {
        if (!TRACE_LIST_ATTRIBUTE_KEYS.has(key)) {
          throw new InvalidParameterError(
            `Only attributes in ${pySetRepr(TRACE_LIST_ATTRIBUTE_KEYS)} supports comparison with a list of quoted ` +
              'string values.',
          );
        }
        return parseStringList(token.text);
      }
      if (token.kind === 'number') {
        if (!NUMERIC_TRACE_ATTRIBUTES.has(key)) {
          throw new InvalidParameterError(
            `Only the '${pySetRepr(NUMERIC_TRACE_ATTRIBUTES)}' attributes support comparison with numeric values.`,
          );
        }
        return numberValue(token);
      }
      throw new InvalidParameterError(
        `Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.text}`,
      );
    case 'request_metadata':
    case 'issue':
      if (isStringToken(token)) return stripQuotes(token.text, true);
      throw expectQuoted();
    case 'feedback':
    case 'expectation':
      if (isStringToken(token)) return stripQuotes(token.text, true);
      if (token.kind === 'number') return numberValue(token);
      throw new InvalidParameterError(
        `Expected a quoted string value or numeric value for ${type} (e.g. 'my-value' or 0.8). Got value ${token.text}`,
      );
  }
}

/** `_validate_assessment_comparison_value`: numeric comparators need numbers, the others strings. */
function checkAssessmentValue(type: TraceSearchEntity, comparator: string, token: FilterToken): void {
  if (type !== 'feedback' && type !== 'expectation') return;
  const numeric = NUMERIC_ASSESSMENT_COMPARATORS.has(comparator);
  const message = numeric
    ? `Expected a numeric value for ${type} when using comparator '${comparator}'. Got value ${token.text}`
    : `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${token.text}`;
  if (isStringToken(token)) {
    if (numeric) throw new InvalidParameterError(message);
  } else if (token.kind === 'number') {
    if (!numeric) throw new InvalidParameterError(message);
  } else {
    throw new InvalidParameterError(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Entity checks (the store calls these with the upper-cased comparator)
// ---------------------------------------------------------------------------------------------

function badComparator(comparator: string, allowed: ReadonlySet<string>, closed = true): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid comparator '${comparator}' not one of '${pySetRepr(allowed)}${closed ? "'" : ''}`,
  );
}

/** `SearchTraceUtils.is_attribute`: true for attributes; throws on a comparator they do not take. */
export function isTraceAttribute(type: TraceSearchEntity, key: string, comparator: string): boolean {
  if (type !== 'attribute') return false;
  if (NUMERIC_TRACE_ATTRIBUTES.has(key)) {
    // MLflow's message lists the string comparators here (and misses the closing quote).
    if (!NUMERIC_COMPARATORS.has(comparator)) {
      throw badComparator(comparator, VALID_TRACE_STRING_ATTRIBUTE_COMPARATORS, false);
    }
  } else if (!VALID_TRACE_STRING_ATTRIBUTE_COMPARATORS.has(comparator)) {
    throw badComparator(comparator, VALID_TRACE_STRING_ATTRIBUTE_COMPARATORS);
  }
  return true;
}

/** `SearchTraceUtils.is_tag`. */
export function isTraceTag(type: TraceSearchEntity, comparator: string): boolean {
  if (type !== 'tag') return false;
  if (!VALID_TRACE_TAG_COMPARATORS.has(comparator)) throw badComparator(comparator, VALID_TRACE_TAG_COMPARATORS, false);
  return true;
}

/** `SearchTraceUtils.is_request_metadata`. */
export function isTraceMetadata(type: TraceSearchEntity, comparator: string): boolean {
  if (type !== 'request_metadata') return false;
  if (!VALID_TRACE_METADATA_COMPARATORS.has(comparator))
    throw badComparator(comparator, VALID_TRACE_METADATA_COMPARATORS);
  return true;
}

/** `SearchTraceUtils.is_span`: `span.name|type|status`, `span.content`, `span.attributes.<name>`. */
export function isTraceSpan(type: TraceSearchEntity, key: string, comparator: string): boolean {
  if (type !== 'span') return false;
  const spanComparatorError = (allowed: ReadonlySet<string>) =>
    new InvalidParameterError(`span.${key} comparator '${comparator}' not one of '${pySetRepr(allowed)}'`);
  if (key.startsWith('attributes.')) {
    if (key.length === 'attributes.'.length) {
      throw new InvalidParameterError("Span attribute name cannot be empty after 'attributes.'");
    }
    if (!VALID_SPAN_ATTRIBUTE_COMPARATORS.has(comparator)) throw spanComparatorError(VALID_SPAN_ATTRIBUTE_COMPARATORS);
  } else if (SUPPORTED_SPAN_ATTRIBUTES.has(key)) {
    if (!VALID_SPAN_ATTRIBUTE_COMPARATORS.has(comparator)) throw spanComparatorError(VALID_SPAN_ATTRIBUTE_COMPARATORS);
  } else if (key === SPAN_CONTENT_KEY) {
    if (!VALID_SPAN_CONTENT_COMPARATORS.has(comparator)) throw spanComparatorError(VALID_SPAN_CONTENT_COMPARATORS);
  } else {
    throw new InvalidParameterError(
      `Invalid span attribute '${key}'. Supported attributes: ${[...SUPPORTED_SPAN_ATTRIBUTES].sort().join(', ')}, ` +
        'attributes.<attribute_name>.',
    );
  }
  return true;
}

/** `SearchTraceUtils.is_assessment` (`feedback.<name>` / `expectation.<name>`). */
export function isTraceAssessment(type: TraceSearchEntity, key: string, comparator: string): boolean {
  if (type !== 'feedback' && type !== 'expectation') return false;
  if (!key) throw new InvalidParameterError('Assessment field name cannot be empty');
  if (!VALID_ASSESSMENT_COMPARATORS.has(comparator)) {
    throw new InvalidParameterError(
      `assessment.${key} comparator '${comparator}' not one of '${pySetRepr(VALID_ASSESSMENT_COMPARATORS)}'`,
    );
  }
  return true;
}

/** `SearchTraceUtils.is_issue` (`issue.id = '<issue id>'`). */
export function isTraceIssue(type: TraceSearchEntity, key: string, comparator: string): boolean {
  if (type !== 'issue') return false;
  if (key !== 'id') throw new InvalidParameterError(`Invalid issue attribute '${key}'. Supported attributes: id`);
  if (comparator !== '=') throw new InvalidParameterError(`issue.${key} comparator '${comparator}' not one of '{'='}'`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/**
 * `SearchTraceUtils.parse_search_filter_for_search_traces`: parses a trace filter into AND-ed
 * clauses (empty or undefined → []). Comparators are checked per entity later, by the store.
 */
export function parseTraceFilter(filterString: string | null | undefined): TraceFilterClause[] {
  if (!filterString) return [];
  return groupTraceComparisons(filterString).map((c) => {
    if (c.left.kind !== 'ident') {
      throw new InvalidParameterError(`Invalid comparison clause. Expected 'Identifier' found '${c.left.text}'`);
    }
    const { type, key } = getTraceIdentifier(c.left.text, VALID_TRACE_SEARCH_ATTRIBUTE_KEYS);
    if (c.right === undefined) return replaceKey({ type, key, comparator: c.comparator, value: null });
    checkAssessmentValue(type, c.comparator, c.right);
    const value = getTraceValue(type, key, c.right);
    if (type === 'span') isTraceSpan(type, key, c.comparator);
    return replaceKey({ type, key, comparator: c.comparator, value });
  });
}

/** `SearchTraceUtils.parse_order_by_for_search_traces`: e.g. `timestamp_ms DESC`, `tags.env`. */
export function parseTraceOrderBy(orderBy: string): TraceOrderByClause {
  const { identifier, ascending } = parseOrderByString(orderBy);
  const { type, key } = getTraceIdentifier(identifier, VALID_TRACE_ORDER_BY_ATTRIBUTE_KEYS);
  return replaceKey({ type, key, ascending });
}
