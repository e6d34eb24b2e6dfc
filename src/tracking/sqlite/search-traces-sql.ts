/**
 * Compiles `search_traces` to SQL over MLflow 3.18.0's SQLite schema, reproducing the traces (and
 * their order) `SqlAlchemyStore.search_traces` returns: `_get_filter_clauses_for_search_traces`,
 * `_apply_trace_filter_clauses` and `_get_orderby_clauses_for_search_traces`. Every value is a bound
 * parameter.
 *
 * MLflow's joins on single-row subqueries (tags, metadata, issues, prompt links, assessments) are
 * written as EXISTS / IN conditions here: the rows they keep are the same and none is duplicated.
 * LIKE becomes GLOB (MLflow's connections run `PRAGMA case_sensitive_like = true`); RLIKE needs the
 * `regexp` SQL function, which the embedded trace store registers on its connection.
 */

import { pyJsonString } from '../../internal/python-json.js';
import { InvalidParameterError, MlflowError } from '../errors.js';
import {
  isTraceAssessment,
  isTraceAttribute,
  isTraceIssue,
  isTraceMetadata,
  isTraceSpan,
  isTraceTag,
  parseTraceFilter,
  parseTraceOrderBy,
  type TraceFilterValue,
} from '../search/traces.js';
import { pythonFormat } from '../validation.js';
import { likeToGlob, type SqlQuery, type SqlValue } from './search-sql.js';

/** Inputs of {@link buildSearchTracesSql}. */
export interface SearchTracesSqlOptions {
  /** Experiments to search (integer ids); null searches every experiment. */
  experimentIds: readonly number[] | null;
  /** MLflow trace filter string; empty or undefined for none. */
  filterString?: string | null;
  /** order_by clauses; MLflow's default (`timestamp_ms DESC, request_id ASC`) completes them. */
  orderBy?: readonly string[] | null;
  /** Rows to skip (from the page token). */
  offset?: number;
  /** Maximum rows to return; undefined or null for no limit. */
  limit?: number | null;
}

const TRACE_NAME_TAG = 'mlflow.traceName';
const SESSION_METADATA = 'mlflow.trace.session';
const SOURCE_RUN_METADATA = 'mlflow.sourceRun';
const LINKED_PROMPTS_TAG = 'mlflow.linkedPrompts';
/** `_SPAN_SEARCH_TIMESTAMP_TOLERANCE_MS`: clock skew allowed between a trace and its spans. */
const SPAN_SEARCH_TIMESTAMP_TOLERANCE_MS = 10_000;

/** `TOKEN_COLUMN_BY_KEY` of `trace_analytics.py`: token usage key → `trace_info` column. */
export const TOKEN_COLUMN_BY_KEY: Readonly<Record<string, string>> = {
  input_tokens: 'input_tokens',
  output_tokens: 'output_tokens',
  total_tokens: 'total_tokens',
  cache_read_input_tokens: 'cache_read_input_tokens',
  cache_creation_input_tokens: 'cache_creation_input_tokens',
  cache_creation_input_tokens_above_1hr: 'cache_creation_input_tokens_above_1hr',
};
/** `COST_COLUMN_BY_KEY`: cost key → `trace_info` column. */
export const COST_COLUMN_BY_KEY: Readonly<Record<string, string>> = {
  input_cost: 'input_cost',
  output_cost: 'output_cost',
  total_cost: 'total_cost',
};
/** Metadata keys kept in `trace_info` columns (`TRACE_ANALYTICS_COLUMNS_BY_METADATA_KEY`). */
export const ANALYTICS_COLUMNS_BY_METADATA_KEY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'mlflow.trace.tokenUsage': TOKEN_COLUMN_BY_KEY,
  'mlflow.trace.cost': COST_COLUMN_BY_KEY,
};

/** `trace_info` columns that may be NULL (MLflow adds a nulls-last CASE when sorting on them). */
const NULLABLE_COLUMNS: ReadonlySet<string> = new Set([
  'execution_time_ms',
  'client_request_id',
  'request_preview',
  'response_preview',
]);

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** A JS number as SQLite should get it: integers as INTEGER (better-sqlite3 binds numbers as REAL). */
function bindNumber(value: number | bigint): SqlValue {
  return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
}

function bindScalar(value: TraceFilterValue): SqlValue {
  if (typeof value === 'number' || typeof value === 'bigint') return bindNumber(value);
  if (Array.isArray(value)) return pyTupleRepr(value);
  return value;
}

/** `str(tuple)` for a tuple of strings, as MLflow's f-strings render an IN list. */
function pyTupleRepr(values: readonly string[]): string {
  const items = values.map((v) => pythonFormat.repr(v));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/**
 * `SearchUtils.get_sql_comparison_func(comparator, 'sqlite')(column, value)` as SQL text: LIKE
 * case-sensitive (as GLOB), ILIKE as `lower() LIKE lower()`, RLIKE through `regexp`.
 */
function compare(column: string, comparator: string, value: TraceFilterValue, params: SqlValue[]): string {
  switch (comparator) {
    case 'LIKE':
      params.push(likeToGlob(String(bindScalar(value))));
      return `${column} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(String(bindScalar(value))));
      return `lower(${column}) GLOB lower(?)`;
    case 'RLIKE':
      params.push(bindScalar(value));
      return `${column} REGEXP ?`;
    case 'IN':
    case 'NOT IN': {
      if (!Array.isArray(value)) {
        throw new InvalidParameterError(`Comparator '${comparator}' requires a list of quoted strings, got ${value}`);
      }
      params.push(...value);
      return `${column} ${comparator} (${placeholders(value.length)})`;
    }
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (value === null) throw new InvalidParameterError(`Comparator '${comparator}' requires a value`);
      params.push(bindScalar(value));
      return `${column} ${comparator} ?`;
    default:
      throw new InvalidParameterError(`Invalid comparator '${comparator}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reserved analytics metadata (`get_trace_analytics_metadata_filter`)
// ---------------------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_RE = /^\s*[+-]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)(e[+-]?\d+)?\s*$/i;

/** `token_count_or_none`: an integral count within BIGINT, else null. */
export function tokenCountOrNone(value: unknown): number | null {
  if (value === null || value === undefined || typeof value === 'boolean') return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') {
    return value >= INT64_MIN && value <= INT64_MAX ? Number(value) : null;
  } else if (typeof value === 'string' && DECIMAL_RE.test(value)) n = Number(value.replaceAll('_', ''));
  else return null;
  if (!Number.isFinite(n) || !Number.isInteger(n)) return null;
  const big = BigInt(n);
  return big >= INT64_MIN && big <= INT64_MAX ? n : null;
}

/** `finite_float_or_none`: a finite float, else null (booleans and non-numbers included). */
export function finiteFloatOrNone(value: unknown): number | null {
  if (value === null || value === undefined || typeof value === 'boolean') return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string') {
    const s = value.trim().replaceAll('_', '');
    if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return null;
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
    n = Number(s);
  } else return null;
  return Number.isFinite(n) ? n : null;
}

/** Python's `json.dumps` of a dict of ints (tokens) or floats (costs), in the given key order. */
export function analyticsJson(values: Record<string, number>, floats: boolean): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${JSON.stringify(k)}: ${floats ? pythonFormat.floatRepr(v) : String(v)}`,
  );
  return `{${parts.join(', ')}}`;
}

function analyticsFilter(key: string, comparator: string, value: TraceFilterValue, params: SqlValue[]): string {
  const columns = ANALYTICS_COLUMNS_BY_METADATA_KEY[key] as Record<string, string>;
  const exists = `(${Object.values(columns)
    .map((c) => `ti.${c} IS NOT NULL`)
    .join(' OR ')})`;
  if (comparator === 'IS NULL') return `NOT ${exists}`;
  if (comparator === 'IS NOT NULL') return exists;
  if (comparator !== '=' && comparator !== '!=') {
    throw new InvalidParameterError(
      `Comparator '${comparator}' is not supported for reserved metadata '${key}'. ` +
        "Only '=', '!=', 'IS NULL', and 'IS NOT NULL' are supported.",
    );
  }
  let parsed: unknown = null;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : null;
  } catch {
    parsed = null;
  }
  const isTokens = key === 'mlflow.trace.tokenUsage';
  const convert = isTokens ? tokenCountOrNone : finiteFloatOrNone;
  const normalized: Record<string, number> = {};
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const obj = parsed as Record<string, unknown>;
    if (Object.keys(obj).every((k) => Object.hasOwn(columns, k))) {
      for (const itemKey of Object.keys(columns)) {
        const converted = convert(obj[itemKey]);
        if (converted !== null) normalized[itemKey] = converted;
      }
    }
  }
  const canonical = Object.keys(normalized).length > 0 && value === analyticsJson(normalized, !isTokens);
  let matches = '0';
  if (canonical) {
    matches = `(${Object.entries(columns)
      .map(([itemKey, column]) => {
        if (!Object.hasOwn(normalized, itemKey)) return `ti.${column} IS NULL`;
        params.push(bindNumber(normalized[itemKey] as number));
        return `(ti.${column} IS NOT NULL AND ti.${column} = ?)`;
      })
      .join(' AND ')})`;
  }
  return comparator === '=' ? matches : `(${exists} AND NOT ${matches})`;
}

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

/** `_get_session_scoped_trace_ids`: ids of traces in sessions that carry a matching session assessment. */
function sessionScopedTraceIds(
  scope: { sql: string; params: SqlValue[] },
  assessmentConditions: string,
  assessmentParams: SqlValue[],
  params: SqlValue[],
): string {
  params.push(...scope.params, ...scope.params, ...assessmentParams, `"${SESSION_METADATA}":`);
  return (
    `SELECT st.request_id FROM trace_info AS st WHERE ${scope.sql.replaceAll('@', 'st')} AND st.session_id IN (` +
    `SELECT si.session_id FROM trace_info AS si JOIN assessments AS a ON a.trace_id = si.request_id WHERE ` +
    `${scope.sql.replaceAll('@', 'si')} AND si.session_id IS NOT NULL AND ${assessmentConditions} AND ` +
    'a.assessment_metadata IS NOT NULL AND instr(a.assessment_metadata, ?) > 0)'
  );
}

function assessmentCondition(
  type: string,
  key: string,
  comparator: string,
  value: TraceFilterValue,
  scope: { sql: string; params: SqlValue[] },
  params: SqlValue[],
): string {
  const base = 'a.assessment_type = ? AND a.name = ? AND a.valid = 1';
  const baseParams: SqlValue[] = [type, key];
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
    if (comparator === 'IS NULL') {
      params.push(...baseParams);
      const direct = `EXISTS (SELECT 1 FROM assessments AS a WHERE a.trace_id = ti.request_id AND ${base})`;
      const covered = sessionScopedTraceIds(scope, base, baseParams, params);
      return `(NOT ${direct} AND ti.request_id NOT IN (${covered}))`;
    }
    params.push(...baseParams);
    const direct = `SELECT a.trace_id FROM assessments AS a WHERE ${base}`;
    const covered = sessionScopedTraceIds(scope, base, baseParams, params);
    return `ti.request_id IN (${direct} UNION ${covered})`;
  }
  const valueParams: SqlValue[] = [];
  let valueCond: string;
  if (comparator === '<' || comparator === '<=' || comparator === '>' || comparator === '>=') {
    valueCond = `a.is_numeric_value = 1 AND a.aggregate_value ${comparator} ?`;
    valueParams.push(bindScalar(value));
  } else if (comparator === '=' || comparator === '!=') {
    // Values are stored as JSON: strings quoted, numbers and booleans bare.
    const json =
      typeof value === 'string'
        ? pyJsonString(value)
        : typeof value === 'number'
          ? pythonFormat.floatRepr(value)
          : String(value);
    valueCond = `(a.value = ? OR a.value = ?)`;
    if (comparator === '!=') valueCond = `NOT ${valueCond}`;
    valueParams.push(bindScalar(value), json);
  } else {
    valueCond = compare('a.value', comparator, value, valueParams);
  }
  const conds = `${base} AND ${valueCond}`;
  const condParams = [...baseParams, ...valueParams];
  params.push(...condParams);
  const direct = `SELECT a.trace_id FROM assessments AS a WHERE ${conds}`;
  const covered = sessionScopedTraceIds(scope, conds, condParams, params);
  return `ti.request_id IN (${direct} UNION ${covered})`;
}

/**
 * WHERE conditions on `trace_info AS ti` for a trace filter (`_get_filter_clauses_for_search_traces`
 * then `_apply_trace_filter_clauses`). `scope` restricts the session-assessment lookups to the
 * searched experiments (`@` stands for the table alias).
 */
function traceFilterConditions(
  filterString: string | null | undefined,
  scope: { sql: string; params: SqlValue[] },
  params: SqlValue[],
): string[] {
  // Each condition keeps its own parameters so they can be emitted in text order at the end.
  const conditions: Array<{ sql: string; params: SqlValue[] }> = [];
  const add = (build: (p: SqlValue[]) => string): void => {
    const p: SqlValue[] = [];
    const sql = build(p);
    conditions.push({ sql, params: p });
  };
  const spanConditions: string[] = [];
  const spanParams: SqlValue[] = [];
  let runIdFilter: string | null = null;
  let spanLowerBoundMs: number | bigint | null = null;

  for (const clause of parseTraceFilter(filterString)) {
    const { type, key, value } = clause;
    const comparator = clause.comparator.toUpperCase();
    if (isTraceIssue(type, key, comparator)) {
      add((p) => {
        p.push(value as string);
        return "EXISTS (SELECT 1 FROM assessments AS a WHERE a.trace_id = ti.request_id AND a.assessment_type = 'issue' AND a.name = ?)";
      });
      continue;
    }
    if (isTraceAttribute(type, key, comparator)) {
      if (key === 'timestamp_ms' && (comparator === '>' || comparator === '>=')) {
        if (typeof value === 'number' || typeof value === 'bigint') {
          spanLowerBoundMs =
            spanLowerBoundMs === null ? value : Number(value) > Number(spanLowerBoundMs) ? value : spanLowerBoundMs;
        }
      }
      const column = key === 'end_time_ms' ? '(ti.timestamp_ms + coalesce(ti.execution_time_ms, 0))' : `ti.${key}`;
      add((p) => compare(column, comparator, value, p));
      continue;
    }
    if (isTraceTag(type, comparator) && key === TRACE_NAME_TAG) {
      add((p) => nullableColumnCondition('ti.trace_name', comparator, value, p));
      continue;
    }
    if (isTraceMetadata(type, comparator) && key === SESSION_METADATA) {
      add((p) => nullableColumnCondition('ti.session_id', comparator, value, p));
      continue;
    }
    if (isTraceMetadata(type, comparator) && Object.hasOwn(ANALYTICS_COLUMNS_BY_METADATA_KEY, key)) {
      add((p) => analyticsFilter(key, comparator, value, p));
      continue;
    }
    if (isTraceMetadata(type, comparator) && key === SOURCE_RUN_METADATA && comparator === '=') {
      // Matches traces made under the run (metadata) or linked to it (entity associations).
      runIdFilter = value as string;
      continue;
    }
    if (isTraceTag(type, comparator)) {
      if (key === LINKED_PROMPTS_TAG) {
        if (comparator !== '=') {
          throw new InvalidParameterError(
            `Invalid comparator '${comparator}' for prompts filter. Only '=' is supported with format: prompt = "name/version"`,
          );
        }
        if (typeof value !== 'string' || value.split('/').length !== 2) {
          throw new InvalidParameterError(
            `Invalid prompts filter value '${String(value)}'. Expected format: prompt = "name/version"`,
          );
        }
        add((p) => {
          p.push(value);
          return (
            "EXISTS (SELECT 1 FROM entity_associations AS ea WHERE ea.source_id = ti.request_id AND ea.source_type = 'trace' " +
            "AND ea.destination_type = 'prompt_version' AND ea.destination_id = ?)"
          );
        });
        continue;
      }
      add((p) => keyValueCondition('trace_tags', key, comparator, value, p));
      continue;
    }
    if (isTraceMetadata(type, comparator)) {
      add((p) => keyValueCondition('trace_request_metadata', key, comparator, value, p));
      continue;
    }
    if (isTraceSpan(type, key, comparator)) {
      if (key.startsWith('attributes.')) {
        const attrName = trimBackticksOnce(key.slice('attributes.'.length));
        if (comparator === 'RLIKE') {
          // The attribute's value is itself JSON inside the span JSON: `"attr": "\"value\""`.
          let pattern = String(value);
          let prefix = '"\\\\".*';
          let suffix = '';
          if (pattern.startsWith('^')) {
            pattern = pattern.slice(1);
            prefix = '"\\\\"';
          }
          if (pattern.endsWith('$')) {
            pattern = pattern.slice(0, -1);
            suffix = '\\\\"';
          }
          spanConditions.push(
            compare('s.content', comparator, `"${attrName}": ${prefix}${pattern}${suffix}`, spanParams),
          );
        } else {
          const rendered = Array.isArray(value) ? pyTupleRepr(value) : String(value);
          spanConditions.push(compare('s.content', comparator, `%"${attrName}"${rendered}%`, spanParams));
        }
      } else {
        spanConditions.push(compare(`s.${key}`, comparator, value, spanParams));
      }
      continue;
    }
    if (isTraceAssessment(type, key, comparator)) {
      add((p) => assessmentCondition(type, key, comparator, value, scope, p));
      continue;
    }
    throw new InvalidParameterError(`Invalid search expression type '${type}'`);
  }

  if (spanConditions.length > 0) {
    // One correlated EXISTS so that combined span predicates must hold on the same span. The unary
    // `+` keeps SQLite from probing the experiment-wide span indexes once per trace (quadratic); the
    // trace's own spans are found through the primary key instead.
    const scoped = ['s.trace_id = ti.request_id', '+s.experiment_id = ti.experiment_id'];
    const scopedParams: SqlValue[] = [];
    if (spanLowerBoundMs !== null) {
      scoped.push('s.start_time_unix_nano >= ?');
      scopedParams.push(
        typeof spanLowerBoundMs === 'bigint'
          ? (spanLowerBoundMs - BigInt(SPAN_SEARCH_TIMESTAMP_TOLERANCE_MS)) * 1_000_000n
          : (spanLowerBoundMs - SPAN_SEARCH_TIMESTAMP_TOLERANCE_MS) * 1_000_000,
      );
    }
    conditions.push({
      sql: `EXISTS (SELECT 1 FROM spans AS s WHERE ${[...scoped, ...spanConditions].join(' AND ')})`,
      params: [...scopedParams, ...spanParams],
    });
  }
  if (runIdFilter !== null) {
    conditions.push({
      sql:
        "(EXISTS (SELECT 1 FROM entity_associations AS ea WHERE ea.source_id = ti.request_id AND ea.source_type = 'trace' " +
        "AND ea.destination_type = 'run' AND ea.destination_id = ?) OR EXISTS (SELECT 1 FROM trace_request_metadata AS rm " +
        'WHERE rm.request_id = ti.request_id AND rm."key" = ? AND rm.value = ?))',
      params: [runIdFilter, SOURCE_RUN_METADATA, runIdFilter],
    });
  }
  for (const c of conditions) params.push(...c.params);
  return conditions.map((c) => c.sql);
}

function trimBackticksOnce(value: string): string {
  return value.length >= 2 && value.startsWith('`') && value.endsWith('`') ? value.slice(1, -1) : value;
}

function nullableColumnCondition(column: string, comparator: string, value: TraceFilterValue, params: SqlValue[]) {
  if (comparator === 'IS NULL') return `${column} IS NULL`;
  if (comparator === 'IS NOT NULL') return `${column} IS NOT NULL`;
  return compare(column, comparator, value, params);
}

function keyValueCondition(
  table: 'trace_tags' | 'trace_request_metadata',
  key: string,
  comparator: string,
  value: TraceFilterValue,
  params: SqlValue[],
): string {
  params.push(key);
  const exists = `EXISTS (SELECT 1 FROM ${table} AS kv WHERE kv.request_id = ti.request_id AND kv."key" = ?`;
  if (comparator === 'IS NULL') return `NOT ${exists})`;
  if (comparator === 'IS NOT NULL') return `${exists})`;
  return `${exists} AND ${compare('kv.value', comparator, value, params)})`;
}

// ---------------------------------------------------------------------------------------------
// Statement
// ---------------------------------------------------------------------------------------------

/**
 * SQL selecting the `trace_info` rows (`ti.*`) `SqlAlchemyStore.search_traces` returns, in its
 * order: order_by keys first (nullable ones ranked nulls-last with MLflow's CASE), then
 * `timestamp_ms DESC` and `request_id ASC` unless already sorted on. Errors come in MLflow's order:
 * order_by, then the filter.
 */
export function buildSearchTracesSql(options: SearchTracesSqlOptions): SqlQuery {
  const joins: string[] = [];
  const joinParams: SqlValue[] = [];
  const orderTerms: string[] = [];
  const seen = new Set<string>();
  (options.orderBy ?? []).forEach((text, index) => {
    const { type, key, ascending } = parseTraceOrderBy(text);
    if (type === 'request_metadata' && Object.hasOwn(ANALYTICS_COLUMNS_BY_METADATA_KEY, key)) {
      throw new InvalidParameterError(
        `Ordering by reserved metadata '${key}' is not supported because it is represented by multiple columns.`,
      );
    }
    let value: string;
    let nullsLast = true;
    if (type === 'attribute' && key === 'end_time_ms') {
      value = '(ti.timestamp_ms + coalesce(ti.execution_time_ms, 0))';
      nullsLast = false;
    } else if (type === 'attribute') {
      value = `ti.${key}`;
      nullsLast = NULLABLE_COLUMNS.has(key);
    } else if (type === 'tag' && key === TRACE_NAME_TAG) {
      value = 'ti.trace_name';
    } else if (type === 'request_metadata' && key === SESSION_METADATA) {
      value = 'ti.session_id';
    } else if (type === 'tag' || type === 'request_metadata') {
      const alias = `ob${index}`;
      const table = type === 'tag' ? 'trace_tags' : 'trace_request_metadata';
      joins.push(`LEFT OUTER JOIN ${table} AS ${alias} ON ${alias}.request_id = ti.request_id AND ${alias}."key" = ?`);
      joinParams.push(key);
      value = `${alias}.value`;
    } else {
      throw new InvalidParameterError(`Invalid identifier type '${type}'`);
    }
    if (nullsLast) orderTerms.push(`CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`);
    const id = `${type}\u0000${key}`;
    if (seen.has(id)) {
      throw new MlflowError(
        `\`order_by\` contains duplicate fields: [${(options.orderBy ?? []).map((o) => pythonFormat.repr(o)).join(', ')}]`,
      );
    }
    seen.add(id);
    orderTerms.push(`${value} ${ascending ? 'ASC' : 'DESC'}`);
  });
  if (!seen.has('attribute\u0000timestamp_ms')) orderTerms.push('ti.timestamp_ms DESC');
  if (!seen.has('attribute\u0000request_id')) orderTerms.push('ti.request_id ASC');

  const scope =
    options.experimentIds === null
      ? { sql: '1', params: [] as SqlValue[] }
      : {
          sql: `@.experiment_id IN (${placeholders(options.experimentIds.length)})`,
          params: options.experimentIds.map((id) => BigInt(id) as SqlValue),
        };
  const whereParams: SqlValue[] = [];
  const where = traceFilterConditions(options.filterString, scope, whereParams);
  if (options.experimentIds !== null) {
    where.push(scope.sql.replaceAll('@', 'ti'));
    whereParams.push(...scope.params);
  }
  const params: SqlValue[] = [...joinParams, ...whereParams];
  let sql = `SELECT ti.* FROM trace_info AS ti${joins.map((j) => ` ${j}`).join('')}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ` ORDER BY ${orderTerms.join(', ')}`;
  const limit = options.limit;
  const offset = options.offset ?? 0;
  if ((limit !== undefined && limit !== null) || offset !== 0) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(limit ?? -1, offset);
  }
  return { sql, params };
}
