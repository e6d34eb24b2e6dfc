/**
 * Compiles run and experiment searches to SQL over MLflow 3.18.0's SQLite schema, reproducing the
 * results (ids and order) of `SqlAlchemyStore._search_runs` / `_search_experiments`. Every value is
 * a bound parameter.
 *
 * MLflow runs `PRAGMA case_sensitive_like = true` on each SQLite connection, so its `LIKE` is case
 * sensitive and its `ILIKE` (`lower(x) LIKE lower(y)`) folds ASCII only. The generated SQL gets
 * the same result on a plain connection by turning LIKE patterns into GLOB patterns.
 */

import { parseExperimentFilter, parseExperimentId, resolveExperimentOrderBy } from '../search/experiments.js';
import {
  parseRunComparisons,
  type RunFilterClause,
  type StringComparator,
  validateRunComparison,
} from '../search/filter.js';
import { parseRunOrderByList } from '../search/order-by.js';

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | bigint | null;

/** A SQL statement and its positional parameters. */
export interface SqlQuery {
  /** SQL text with `?` placeholders. */
  sql: string;
  /** Values for the placeholders, in order. */
  params: SqlValue[];
}

/** Which lifecycle stages a search covers. */
export type SearchViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Inputs of {@link buildSearchRunsSql}. */
export interface SearchRunsSqlOptions {
  /** Experiments to search (integer ids, as strings or numbers). */
  experimentIds: ReadonlyArray<string | number>;
  /** MLflow filter string; empty or undefined for none. */
  filterString?: string | null;
  /** Lifecycle stages to include; ACTIVE_ONLY by default. */
  runViewType?: SearchViewType;
  /** order_by clauses, e.g. `['metrics.acc DESC', 'params.lr']`. */
  orderBy?: readonly string[] | null;
  /** Rows to skip (from the page token). */
  offset?: number;
  /** Maximum rows to return; undefined or null for no limit. */
  limit?: number | null;
}

/** Inputs of {@link buildSearchExperimentsSql}. */
export interface SearchExperimentsSqlOptions {
  /** Lifecycle stages to include; ACTIVE_ONLY by default. */
  viewType?: SearchViewType;
  /** MLflow experiment filter string; empty or undefined for none. */
  filterString?: string | null;
  /** order_by clauses; MLflow's default (`creation_time DESC, experiment_id ASC`) when empty. */
  orderBy?: readonly string[] | null;
  /** Rows to skip (from the page token). */
  offset?: number;
  /** Maximum rows to return; undefined or null for no limit. */
  limit?: number | null;
}

const MLFLOW_RUN_NAME = 'mlflow.runName';
const MLFLOW_DATASET_CONTEXT = 'mlflow.data.context';

/** `LifecycleStage.view_type_to_stages`. */
function stagesFor(viewType: SearchViewType | undefined): string[] {
  if (viewType === undefined || viewType === 'ACTIVE_ONLY') return ['active'];
  if (viewType === 'DELETED_ONLY') return ['deleted'];
  if (viewType === 'ALL') return ['active', 'deleted'];
  throw new TypeError(`Unknown view type ${String(viewType)}`);
}

/**
 * A SQL LIKE pattern (no escape character) as the equivalent case-sensitive GLOB pattern: `%` → `*`,
 * `_` → `?`, and GLOB's own metacharacters made literal.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * `SearchUtils.get_sql_comparison_func(comparator, 'sqlite')` on a string column: a SQL fragment
 * for `column <comparator> value` under MLflow's `case_sensitive_like` connection setting.
 */
function compareString(column: string, comparator: StringComparator, value: string, params: SqlValue[]): string {
  switch (comparator) {
    case '=':
    case '!=':
      params.push(value);
      return `${column} ${comparator} ?`;
    case 'LIKE':
      params.push(likeToGlob(value));
      return `${column} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(value));
      return `lower(${column}) GLOB lower(?)`;
  }
}

function compareList(column: string, comparator: 'IN' | 'NOT IN', values: readonly SqlValue[], params: SqlValue[]) {
  params.push(...values);
  return `${column} ${comparator === 'IN' ? 'IN' : 'NOT IN'} (${placeholders(values.length)})`;
}

const RUN_ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'run_uuid',
  run_name: 'name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
};

function runColumn(key: string): string {
  const column = RUN_ATTRIBUTE_COLUMNS[key];
  if (column === undefined) throw new TypeError(`No runs column for attribute ${key}`);
  return `runs.${column}`;
}

/** One `_get_sqlalchemy_filter_clauses` clause as a WHERE condition on `runs`. */
function runFilterCondition(clause: RunFilterClause, params: SqlValue[]): string {
  switch (clause.type) {
    case 'attribute': {
      if (clause.key === 'run_name') {
        // MLflow filters run names through the `mlflow.runName` tag, not the runs.name column.
        params.push(MLFLOW_RUN_NAME);
        const cond = compareString('t.value', clause.comparator as StringComparator, clause.value as string, params);
        return `EXISTS (SELECT 1 FROM tags AS t WHERE t.run_uuid = runs.run_uuid AND t."key" = ? AND ${cond})`;
      }
      const column = runColumn(clause.key);
      if (clause.comparator === 'IN' || clause.comparator === 'NOT IN') {
        return compareList(column, clause.comparator, clause.value as string[], params);
      }
      if (typeof clause.value === 'number') {
        params.push(clause.value);
        return `${column} ${clause.comparator} ?`;
      }
      return compareString(column, clause.comparator as StringComparator, clause.value as string, params);
    }
    case 'metric': {
      params.push(clause.key, clause.value);
      // NaN is stored as value 0 with is_nan = 1: it satisfies only `!=`.
      const nan =
        clause.comparator === '!='
          ? '(m.value != ? OR m.is_nan = 1)'
          : `m.value ${clause.comparator} ? AND m.is_nan = 0`;
      return `EXISTS (SELECT 1 FROM latest_metrics AS m WHERE m.run_uuid = runs.run_uuid AND m."key" = ? AND ${nan})`;
    }
    case 'parameter':
    case 'tag': {
      const table = clause.type === 'tag' ? 'tags' : 'params';
      if (clause.comparator === 'IS NULL' || clause.comparator === 'IS NOT NULL') {
        params.push(clause.key);
        const exists = `EXISTS (SELECT 1 FROM ${table} AS e WHERE e.run_uuid = runs.run_uuid AND e."key" = ?)`;
        return clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists;
      }
      params.push(clause.key);
      const cond = compareString('e.value', clause.comparator, clause.value as string, params);
      return `EXISTS (SELECT 1 FROM ${table} AS e WHERE e.run_uuid = runs.run_uuid AND e."key" = ? AND ${cond})`;
    }
    case 'dataset': {
      const base =
        'SELECT 1 FROM datasets AS d JOIN inputs AS i ON i.source_id = d.dataset_uuid' +
        (clause.key === 'context' ? ' JOIN input_tags AS it ON it.input_uuid = i.input_uuid' : '');
      const column = clause.key === 'context' ? 'it.value' : `d.${clause.key}`;
      const conds: string[] = ['i.destination_id = runs.run_uuid'];
      if (clause.key === 'context') {
        params.push(MLFLOW_DATASET_CONTEXT);
        conds.push('it.name = ?');
      }
      if (clause.comparator === 'IN' || clause.comparator === 'NOT IN') {
        conds.push(compareList(column, clause.comparator, clause.value, params));
      } else {
        conds.push(compareString(column, clause.comparator, clause.value as string, params));
      }
      return `EXISTS (${base} WHERE ${conds.join(' AND ')})`;
    }
  }
}

/**
 * SQL selecting `run_uuid` of the runs `SqlAlchemyStore.search_runs` returns, in its order:
 * filters become EXISTS conditions (MLflow's inner joins on `latest_metrics`, `params`, `tags`,
 * `datasets`/`inputs`), order_by keys outer-join their table with MLflow's CASE ranking (for
 * metrics: values, then NaN, then missing; otherwise values, then missing), then
 * `start_time DESC` unless already sorted on, and `run_uuid` as tie-breaker. Parse errors are
 * raised in MLflow's order: filter syntax, order_by, then comparators.
 */
export function buildSearchRunsSql(options: SearchRunsSqlOptions): SqlQuery {
  const parsed = parseRunComparisons(options.filterString);
  const orderBy = parseRunOrderByList(options.orderBy);
  const clauses = parsed.map(validateRunComparison);
  const stages = stagesFor(options.runViewType);

  const joinParams: SqlValue[] = [];
  const joins: string[] = [];
  const orderTerms: string[] = [];
  orderBy.forEach((clause, index) => {
    const dir = clause.ascending ? 'ASC' : 'DESC';
    if (clause.type === 'attribute') {
      const column = runColumn(clause.key);
      orderTerms.push(`CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END`, `${column} ${dir}`);
      return;
    }
    const alias = `o${index + 1}`;
    const table = clause.type === 'metric' ? 'latest_metrics' : clause.type === 'tag' ? 'tags' : 'params';
    joins.push(`LEFT OUTER JOIN ${table} AS ${alias} ON ${alias}.run_uuid = runs.run_uuid AND ${alias}."key" = ?`);
    joinParams.push(clause.key);
    orderTerms.push(
      clause.type === 'metric'
        ? `CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${alias}.value IS NULL THEN 2 ELSE 0 END`
        : `CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END`,
      `${alias}.value ${dir}`,
    );
  });
  if (!orderBy.some((c) => c.type === 'attribute' && c.key === 'start_time')) {
    orderTerms.push('runs.start_time DESC');
  }
  orderTerms.push('runs.run_uuid ASC');

  const whereParams: SqlValue[] = [];
  const experimentIds = options.experimentIds.map(parseExperimentId);
  whereParams.push(...experimentIds, ...stages);
  const where = [
    `runs.experiment_id IN (${placeholders(experimentIds.length)})`,
    `runs.lifecycle_stage IN (${placeholders(stages.length)})`,
    ...clauses.map((clause) => runFilterCondition(clause, whereParams)),
  ];

  const params: SqlValue[] = [...joinParams, ...whereParams];
  let sql = `SELECT runs.run_uuid FROM runs${joins.map((j) => ` ${j}`).join('')} WHERE ${where.join(' AND ')} ORDER BY ${orderTerms.join(', ')}`;
  sql += limitClause(options.offset, options.limit, params);
  return { sql, params };
}

function limitClause(offset: number | undefined, limit: number | null | undefined, params: SqlValue[]): string {
  const hasLimit = limit !== undefined && limit !== null;
  const off = offset ?? 0;
  if (!hasLimit && off === 0) return '';
  params.push(hasLimit ? limit : -1, off);
  return ' LIMIT ? OFFSET ?';
}

/**
 * SQL selecting `experiment_id` of the experiments `SqlAlchemyStore.search_experiments` returns,
 * in its order (plain ORDER BY on the columns, `experiment_id DESC` as tie-breaker unless sorted
 * on). Parse errors are raised in MLflow's order: filter, then order_by.
 */
export function buildSearchExperimentsSql(options: SearchExperimentsSqlOptions): SqlQuery {
  const clauses = parseExperimentFilter(options.filterString);
  const orderBy = resolveExperimentOrderBy(options.orderBy);
  const stages = stagesFor(options.viewType);
  const params: SqlValue[] = [];
  const where: string[] = [];
  for (const clause of clauses) {
    if (clause.type === 'tag') {
      if (clause.comparator === 'IS NULL' || clause.comparator === 'IS NOT NULL') {
        params.push(clause.key);
        const exists =
          'EXISTS (SELECT 1 FROM experiment_tags AS et WHERE et.experiment_id = experiments.experiment_id AND et."key" = ?)';
        where.push(clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists);
        continue;
      }
      params.push(clause.key);
      const cond = compareString('et.value', clause.comparator, clause.value as string, params);
      where.push(
        `EXISTS (SELECT 1 FROM experiment_tags AS et WHERE et.experiment_id = experiments.experiment_id AND et."key" = ? AND ${cond})`,
      );
      continue;
    }
    const column = `experiments.${clause.key}`;
    if (clause.key === 'name') {
      where.push(compareString(column, clause.comparator, clause.value, params));
    } else if (clause.comparator === 'IN' || clause.comparator === 'NOT IN') {
      where.push(compareList(column, clause.comparator, clause.value, params));
    } else {
      params.push(clause.value as number);
      where.push(`${column} ${clause.comparator} ?`);
    }
  }
  params.push(...stages);
  where.push(`experiments.lifecycle_stage IN (${placeholders(stages.length)})`);
  const order = orderBy.map((c) => `experiments.${c.key} ${c.ascending ? 'ASC' : 'DESC'}`).join(', ');
  let sql = `SELECT experiments.experiment_id FROM experiments WHERE ${where.join(' AND ')} ORDER BY ${order}`;
  sql += limitClause(options.offset, options.limit, params);
  return { sql, params };
}
