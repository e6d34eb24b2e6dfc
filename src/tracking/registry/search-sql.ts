/**
 * Compiles registry searches to SQL over MLflow 3.18's SQLite schema, the way `SqlAlchemyStore`
 * builds them: attribute filters in WHERE, tag filters as one grouped subquery joined in (a row
 * matches when all its tag keys match), prompts excluded by an anti-join on the prompt tag unless
 * the filter asks for prompts, deleted versions never returned. Every value is a bound parameter.
 *
 * MLflow's SQLite sessions run `PRAGMA case_sensitive_like = true`; LIKE becomes GLOB here so a
 * plain connection gives the same matches (see `likeToGlob`).
 */

import { STAGE_DELETED_INTERNAL } from '../entities/model-registry.js';
import { likeToGlob, type SqlQuery, type SqlValue } from '../sqlite/search-sql.js';
import { isQueryingPrompts, type RegistryFilterClause, type RegistryOrderByClause } from './search.js';
import { IS_PROMPT_TAG_KEY } from './validation.js';

/** The workspace every row of a single-tenant MLflow database is in. */
export const DEFAULT_WORKSPACE = 'default';

/** Inputs of the registry search builders. */
export interface RegistrySearchSqlOptions {
  clauses: readonly RegistryFilterClause[];
  orderBy: readonly RegistryOrderByClause[];
  /** Rows to skip. */
  offset: number;
  /** Rows to return; SQLite reads a negative limit as none, as MLflow's query does. */
  limit: number;
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** `SearchUtils.get_sql_comparison_func(comparator, 'sqlite')` for one value or list. */
function compare(column: string, clause: RegistryFilterClause, params: SqlValue[]): string {
  switch (clause.comparator) {
    case 'IN':
    case 'NOT IN':
      params.push(...clause.value);
      return `${column} ${clause.comparator} (${placeholders(clause.value.length)})`;
    case 'LIKE':
      params.push(likeToGlob(clause.value as string));
      return `${column} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(clause.value as string));
      return `lower(${column}) GLOB lower(?)`;
    default:
      params.push(clause.value as string | number);
      return `${column} ${clause.comparator} ?`;
  }
}

const VERSION_COLUMNS: Readonly<Record<string, string>> = {
  name: 'name',
  run_id: 'run_id',
  source_path: 'source',
  version_number: 'version',
};

interface Target {
  table: string;
  tagTable: string;
  /** Columns identifying one row (and its tags). */
  keys: readonly string[];
  /** Extra WHERE conditions on the main table. */
  where: readonly string[];
}

function build(target: Target, options: RegistrySearchSqlOptions): SqlQuery {
  const params: SqlValue[] = [];
  const joins: string[] = [];
  const where: string[] = [];
  const tagFilters = new Map<string, RegistryFilterClause[]>();
  for (const clause of options.clauses) {
    if (clause.type === 'tag') {
      const group = tagFilters.get(clause.key) ?? [];
      group.push(clause);
      tagFilters.set(clause.key, group);
    } else {
      where.push(compare(`m.${VERSION_COLUMNS[clause.key] ?? clause.key}`, clause, params));
    }
  }
  where.push('m.workspace = ?');
  params.push(DEFAULT_WORKSPACE);

  const joinParams: SqlValue[] = [];
  if (!isQueryingPrompts(options.clauses)) {
    // `_update_query_to_exclude_prompts`: any row whose name carries the prompt tag is left out.
    tagFilters.delete(IS_PROMPT_TAG_KEY);
    joins.push(
      `LEFT OUTER JOIN (SELECT workspace, name FROM ${target.tagTable}
         WHERE "key" = ? AND value = ? AND workspace = ? GROUP BY workspace, name) p
       ON m.workspace = p.workspace AND m.name = p.name`,
    );
    joinParams.push(IS_PROMPT_TAG_KEY, 'true', DEFAULT_WORKSPACE);
    where.push('p.name IS NULL');
  }
  if (tagFilters.size > 0) {
    const groups: string[] = [];
    for (const [key, clauses] of tagFilters) {
      const parts = ['"key" = ?', 'workspace = ?'];
      joinParams.push(key, DEFAULT_WORKSPACE);
      for (const c of clauses) parts.push(compare('value', c, joinParams));
      groups.push(`(${parts.join(' AND ')})`);
    }
    const keyList = target.keys.join(', ');
    joins.push(
      `JOIN (SELECT ${keyList} FROM ${target.tagTable} WHERE ${groups.join(' OR ')}
         GROUP BY ${keyList} HAVING count(1) = ?) t
       ON ${target.keys.map((k) => `m.${k} = t.${k}`).join(' AND ')}`,
    );
    joinParams.push(tagFilters.size);
  }
  where.push(...target.where);
  const order = options.orderBy.map((o) => `m.${o.column} ${o.ascending ? 'ASC' : 'DESC'}`).join(', ');
  const sql = `SELECT m.* FROM ${target.table} m ${joins.join(' ')}
    WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`;
  return { sql, params: [...joinParams, ...params, options.limit, options.offset] };
}

/** The `search_registered_models` query: the `registered_models` rows of one page, in order. */
export function buildSearchRegisteredModelsSql(options: RegistrySearchSqlOptions): SqlQuery {
  return build(
    { table: 'registered_models', tagTable: 'registered_model_tags', keys: ['workspace', 'name'], where: [] },
    options,
  );
}

/** The `search_model_versions` query: the `model_versions` rows of one page, in order. */
export function buildSearchModelVersionsSql(options: RegistrySearchSqlOptions): SqlQuery {
  return build(
    {
      table: 'model_versions',
      tagTable: 'model_version_tags',
      keys: ['workspace', 'name', 'version'],
      where: [`m.current_stage != '${STAGE_DELETED_INTERNAL}'`],
    },
    options,
  );
}
