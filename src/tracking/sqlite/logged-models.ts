import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { appendToUriPath } from '../../config/uri.js';
import { pyJsonDumps, pyJsonLoads } from '../../internal/python-json.js';
import {
  type CreateLoggedModelArgs,
  isLoggedModelStatus,
  keyValueList,
  LifecycleStage,
  type LoggedModel,
  type LoggedModelDatasetFilter,
  type LoggedModelOrderBy,
  type LoggedModelRef,
  LoggedModelStatus,
  loggedModelStatusFromInt,
  loggedModelStatusToInt,
  type Metric,
  type PagedList,
  type SearchLoggedModelsQuery,
} from '../entities/index.js';
import { InvalidParameterError, ResourceDoesNotExistError } from '../errors.js';
import { generateRunName } from '../names.js';
import {
  type FilterToken,
  matchComparison,
  parseStringList,
  pyListRepr,
  pyRepr,
  type RawComparison,
  tokenizeFilter,
} from '../search/filter.js';
import { pyB64Decode } from '../search/page-token.js';
import { parseExperimentId, validateMetric, validateTag } from '../validation.js';

/** What the LoggedModel part of the embedded store needs from `SqliteTrackingStore` (the trace host fits). */
export interface SqliteLoggedModelStoreHost {
  readonly db: BetterSqlite3.Database;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
  /** The experiment's row; throws RESOURCE_DOES_NOT_EXIST when missing. */
  experiment(experimentId: string): { experimentId: string; artifactLocation: string; lifecycleStage: string };
}

/** `SqlAlchemyStore.MODELS_FOLDER_NAME` / `ARTIFACTS_FOLDER_NAME`. */
const MODELS_FOLDER = 'models';
const ARTIFACTS_FOLDER = 'artifacts';
/** `SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT`. */
export const SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS = 100;
/** `MLFLOW_LOGGED_MODELS`: the run tag `record_logged_model` appends model metadata to. */
export const MLFLOW_LOGGED_MODELS_TAG = 'mlflow.log-model.history';
/** `_validate_logged_model_name`'s forbidden characters, in MLflow's order. */
const BAD_NAME_CHARS = ['/', ':', '.', '%', '"', "'"];
const DBL_MAX = 1.7976931348623157e308;
const ID_CHUNK = 500;

/** `SqlLoggedModel.ALIASES`. */
const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = {
  creation_time: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
};
/** Columns of `logged_models` (what `getattr(SqlLoggedModel, name)` finds). */
const MODEL_COLUMNS: ReadonlySet<string> = new Set([
  'model_id',
  'experiment_id',
  'name',
  'artifact_location',
  'creation_timestamp_ms',
  'last_updated_timestamp_ms',
  'status',
  'lifecycle_stage',
  'model_type',
  'source_run_id',
  'status_message',
]);
const NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['creation_timestamp_ms', 'last_updated_timestamp_ms']);
const NUMERIC_OPS = ['<', '<=', '>', '>=', '=', '!='] as const;
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] as const;
const ENTITY_TYPES = ['attributes', 'metrics', 'params', 'tags'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** A `logged_models` row. */
interface LoggedModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: string | null;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

/** A `logged_model_metrics` row. */
interface LoggedModelMetricRow {
  model_id: string;
  metric_name: string;
  metric_timestamp_ms: number;
  metric_step: number;
  metric_value: number | null;
  run_id: string;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** One parsed comparison of a logged-model filter (`search_logged_model_utils.Comparison`). */
export interface LoggedModelComparison {
  entity: { type: EntityType; key: string };
  op: string;
  value: string | number | string[];
}

/** The JSON inside a `search_logged_models` page token (`SearchLoggedModelsPaginationToken`). */
interface PageToken {
  experiment_ids: string[];
  filter_string: string | null;
  order_by: Array<Record<string, unknown>> | null;
  offset: number;
}

/** `_validate_logged_model_name`: null passes; otherwise non-empty without `/ : . % " '`. */
export function validateLoggedModelName(name: string | null | undefined): void {
  if (name === null || name === undefined) return;
  if (!name || BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw new InvalidParameterError(
      `Invalid model name (${pyRepr(name)}) provided. Model name must be a non-empty string and cannot contain ` +
        `the following characters: (${BAD_NAME_CHARS.map((c) => pyRepr(c)).join(', ')})`,
    );
  }
}

/** `m-` and a UUID4's 32 hex digits, as `create_logged_model` makes ids. */
export function newLoggedModelId(): string {
  return `m-${randomUUID().replaceAll('-', '')}`;
}

function entityRepr(e: LoggedModelComparison['entity']): string {
  return `${e.type}.${e.key}`;
}

function tupleRepr(values: readonly string[]): string {
  return values.length === 1 ? `(${pyRepr(values[0] as string)},)` : `(${values.map((v) => pyRepr(v)).join(', ')})`;
}

/** Python's `float()` of a literal, or undefined. */
function pyFloat(text: string): number | undefined {
  const s = text.trim().replaceAll('_', '');
  if (/^[-+]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(s)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return undefined;
  return Number(s);
}

/**
 * `search_logged_model_utils.parse_filter_string`: AND-ed comparisons on `attributes` (or bare
 * attribute names), `metrics.`, `params.` and `tags.`.
 */
export function parseLoggedModelFilter(filterString: string | null | undefined): LoggedModelComparison[] {
  if (!filterString) return [];
  const invalid = (): never => {
    throw new InvalidParameterError(
      `Invalid filter string: ${pyRepr(filterString)}. Expected a list of comparisons separated by 'AND' ` +
        `(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').`,
    );
  };
  if (/;\s*\S/.test(filterString.replace(/'(''|\\'|[^'])*'|"(""|\\"|[^"])*"|`[^`]*`/g, ''))) {
    throw new InvalidParameterError(
      `Invalid filter string: ${pyRepr(filterString)}. Expected a single SQL expression.`,
    );
  }
  const tokens: FilterToken[] = tokenizeFilter(filterString.replace(/;\s*$/, ''));
  const raw: RawComparison[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as FilterToken;
    if (t.kind === 'keyword' && t.keyword === 'AND') {
      i++;
      continue;
    }
    const next = matchComparison(tokens, i, raw);
    if (next === undefined || raw[raw.length - 1]?.right === undefined) invalid();
    i = next as number;
  }
  return raw.map((c) => toComparison(c));
}

function toComparison(c: RawComparison): LoggedModelComparison {
  const identifier = c.left.text;
  let entity: LoggedModelComparison['entity'];
  const m = /^([a-z]+)\.(.+)$/s.exec(identifier);
  if (m) {
    const type = m[1] as string;
    if (!(ENTITY_TYPES as readonly string[]).includes(type)) {
      throw new InvalidParameterError(
        `Invalid entity type: ${pyRepr(type)}. Expected one of ${pyListRepr(ENTITY_TYPES)}.`,
      );
    }
    entity = { type: type as EntityType, key: (m[2] as string).replace(/^`+|`+$/g, '') };
  } else {
    entity = { type: 'attributes', key: (ATTRIBUTE_ALIASES[identifier] ?? identifier).replace(/^`+|`+$/g, '') };
  }
  const op = c.comparator.toUpperCase().replace(/\s+/g, ' ');
  const numeric = entity.type === 'metrics' || (entity.type === 'attributes' && NUMERIC_ATTRIBUTES.has(entity.key));
  const ops: readonly string[] = numeric ? NUMERIC_OPS : STRING_OPS;
  if (!ops.includes(op)) {
    throw new InvalidParameterError(
      `Invalid comparison operator for ${entityRepr(entity)}: ${pyRepr(op)}. Expected one of ${tupleRepr(ops)}.`,
    );
  }
  const text = (c.right as FilterToken).text;
  let value: LoggedModelComparison['value'];
  if (numeric) {
    const n = pyFloat(text);
    if (n === undefined) {
      throw new InvalidParameterError(`Invalid numeric value for ${entityRepr(entity)}: ${pyRepr(text)}.`);
    }
    value = n;
  } else if (text.startsWith('(') && text.endsWith(')')) {
    value = parseStringList(text);
  } else {
    value = text.replace(/^'+|'+$/g, '');
  }
  if (entity.type === 'attributes' && !MODEL_COLUMNS.has(entity.key)) {
    // MLflow fails on the missing SqlLoggedModel attribute; we say which one.
    throw new InvalidParameterError(`Invalid attribute key ${pyRepr(entity.key)} in filter string.`);
  }
  return { entity, op, value };
}

/** SQL for `comp_func(column, ?)` as SQLAlchemy renders it on SQLite. */
function comparisonSql(column: string, op: string, value: LoggedModelComparison['value'], args: unknown[]): string {
  switch (op) {
    case 'LIKE':
      args.push(value);
      return `${column} LIKE ?`;
    case 'ILIKE':
      args.push(value);
      return `lower(${column}) LIKE lower(?)`;
    case 'IN':
    case 'NOT IN': {
      const list = value as Array<string | number>;
      args.push(...list);
      const sql = `${column} IN (${list.map(() => '?').join(', ')})`;
      return op === 'IN' ? sql : `(${column} NOT IN (${list.map(() => '?').join(', ')}))`;
    }
    default:
      args.push(value);
      return `${column} ${op} ?`;
  }
}

function toSnakeOrderBy(ob: LoggedModelOrderBy): Record<string, unknown> {
  const out: Record<string, unknown> = { field_name: ob.fieldName };
  if (ob.ascending !== undefined) out.ascending = ob.ascending;
  if (ob.datasetName !== undefined) out.dataset_name = ob.datasetName;
  if (ob.datasetDigest !== undefined) out.dataset_digest = ob.datasetDigest;
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return pyJsonDumps(a ?? null) === pyJsonDumps(b ?? null);
}

function decodePageToken(token: string): PageToken {
  const bytes = pyB64Decode(token);
  let parsed: unknown;
  try {
    if (!bytes) throw new Error('not base64');
    parsed = pyJsonLoads(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new InvalidParameterError(`Invalid page token: ${token}. ${(err as Error).message}`);
  }
  const p = (parsed ?? {}) as Record<string, unknown>;
  return {
    experiment_ids: (p.experiment_ids as string[] | undefined) ?? [],
    filter_string: (p.filter_string as string | undefined) || null,
    order_by: (p.order_by as Array<Record<string, unknown>> | undefined) || null,
    offset: Number(p.offset) || 0,
  };
}

function encodePageToken(token: PageToken): string {
  const json = pyJsonDumps({
    experiment_ids: token.experiment_ids,
    filter_string: token.filter_string,
    order_by: token.order_by,
    offset: token.offset,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}

/** `_get_logged_model_metric_datasets_filter`: metrics on any of `datasets`, or null. */
function datasetsFilterSql(datasets: readonly LoggedModelDatasetFilter[] | null | undefined, args: unknown[]) {
  if (!datasets || datasets.length === 0) return null;
  const parts = datasets.map((d) => {
    args.push(d.datasetName);
    if (d.datasetDigest === undefined) return 'mm.dataset_name = ?';
    if (d.datasetDigest === null) return '(mm.dataset_name = ? AND mm.dataset_digest IS NULL)';
    args.push(d.datasetDigest);
    return '(mm.dataset_name = ? AND mm.dataset_digest = ?)';
  });
  return `(${parts.join(' OR ')})`;
}

/**
 * `_get_latest_logged_model_metrics_subquery`: per model, the value of `metricName` with the largest
 * (step, timestamp, value), among rows passing `filters` and models in `experimentIds`.
 */
function latestMetricSql(metricName: string, filters: string[], filterArgs: unknown[], experimentIds: number[]) {
  const args: unknown[] = [metricName, ...filterArgs, ...experimentIds];
  const where = ['mm.metric_name = ?', ...filters];
  where.push(
    `mm.model_id IN (SELECT model_id FROM logged_models WHERE experiment_id IN (${experimentIds.map(() => '?').join(', ')}))`,
  );
  const sql = `SELECT model_id, metric_value FROM (
      SELECT mm.model_id AS model_id, mm.metric_value AS metric_value,
        row_number() OVER (PARTITION BY mm.model_id, mm.metric_name
          ORDER BY mm.metric_step DESC, mm.metric_timestamp_ms DESC, mm.metric_value DESC) AS row_num
      FROM logged_model_metrics mm WHERE ${where.join(' AND ')}
    ) WHERE row_num = 1`;
  return { sql, args };
}

/**
 * The LoggedModel part of the embedded store (MLflow 3.18 `SqlAlchemyStore`'s logged-model methods,
 * run outputs and model metrics) over the `logged_models`, `logged_model_{tags,params,metrics}` and
 * `inputs` tables. Methods are synchronous; the tracking store wraps them.
 */
export class SqliteLoggedModelStore {
  readonly #host: SqliteLoggedModelStoreHost;

  constructor(host: SqliteLoggedModelStoreHost) {
    this.#host = host;
  }

  get #db(): BetterSqlite3.Database {
    return this.#host.db;
  }

  /** `create_logged_model`: a PENDING model with its params and tags. */
  createLoggedModel(args: CreateLoggedModelArgs): LoggedModel {
    validateLoggedModelName(args.name);
    const params = keyValueList(args.params);
    const tags = keyValueList(args.tags);
    const modelId = this.#host.write(() => {
      const exp = this.#host.experiment(args.experimentId);
      if (exp.lifecycleStage !== LifecycleStage.ACTIVE) {
        throw new InvalidParameterError(
          `The experiment ${exp.experimentId} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`,
        );
      }
      const id = newLoggedModelId();
      const now = Date.now();
      const experimentId = Number(exp.experimentId);
      this.#db
        .prepare(
          `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
             last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)`,
        )
        .run(
          id,
          experimentId,
          args.name || generateRunName(),
          appendToUriPath(exp.artifactLocation, MODELS_FOLDER, id, ARTIFACTS_FOLDER),
          now,
          now,
          loggedModelStatusToInt(LoggedModelStatus.PENDING),
          args.modelType ?? null,
          args.sourceRunId ?? null,
        );
      const insParam = this.#db.prepare(
        'INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)',
      );
      for (const p of params) insParam.run(id, experimentId, p.key, p.value);
      const insTag = this.#db.prepare(
        'INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)',
      );
      for (const t of tags) insTag.run(id, experimentId, t.key, t.value);
      return id;
    });
    return this.getLoggedModel(modelId);
  }

  #row(modelId: string, allowDeleted = true): LoggedModelRow {
    const sql = allowDeleted
      ? 'SELECT * FROM logged_models WHERE model_id = ?'
      : "SELECT * FROM logged_models WHERE model_id = ? AND lifecycle_stage != 'deleted'";
    const row = this.#db.prepare(sql).get(modelId) as LoggedModelRow | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Logged model with ID '${modelId}' not found.`);
    return row;
  }

  /** `get_logged_model`: deleted models only with `allowDeleted`. */
  getLoggedModel(modelId: string, allowDeleted = false): LoggedModel {
    return this.#host.read(() => this.#load([this.#row(modelId, allowDeleted)])[0] as LoggedModel);
  }

  /** `delete_logged_model`: marks the model deleted (its rows stay until garbage collection). */
  deleteLoggedModel(modelId: string): void {
    this.#host.write(() => {
      this.#row(modelId);
      this.#db
        .prepare(
          "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?",
        )
        .run(Date.now(), modelId);
    });
  }

  /** `finalize_logged_model`: sets the status (READY or FAILED in practice). */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): LoggedModel {
    if (!isLoggedModelStatus(status)) {
      throw new InvalidParameterError(`Unknown model status: ${String(status)}`);
    }
    this.#host.write(() => {
      this.#row(modelId);
      this.#db
        .prepare('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?')
        .run(loggedModelStatusToInt(status), Date.now(), modelId);
    });
    return this.getLoggedModel(modelId, true);
  }

  /** `set_logged_model_tags`: upserts; a key repeated in one call keeps its last value. */
  setLoggedModelTags(
    modelId: string,
    tags: Record<string, string> | ReadonlyArray<{ key: string; value: string }>,
  ): void {
    const deduped = new Map(keyValueList(tags).map((t) => [t.key, t.value]));
    this.#host.write(() => {
      const row = this.#row(modelId);
      const upsert = this.#db.prepare(
        `INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)
         ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      );
      for (const [key, value] of deduped) upsert.run(modelId, row.experiment_id, key, value);
    });
  }

  /** `delete_logged_model_tag`: RESOURCE_DOES_NOT_EXIST when the tag is missing. */
  deleteLoggedModelTag(modelId: string, key: string): void {
    this.#host.write(() => {
      this.#row(modelId);
      const info = this.#db
        .prepare('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?')
        .run(modelId, key);
      if (info.changes === 0) {
        throw new ResourceDoesNotExistError(
          `No tag with key ${pyRepr(key)} found for model with ID ${pyRepr(modelId)}.`,
        );
      }
    });
  }

  /** `log_logged_model_params`: inserts; logging an existing key fails as MLflow's primary key does. */
  logLoggedModelParams(
    modelId: string,
    params: Record<string, string> | ReadonlyArray<{ key: string; value: string }>,
  ): void {
    const list = keyValueList(params);
    this.#host.write(() => {
      const row = this.#row(modelId);
      const ins = this.#db.prepare(
        'INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)',
      );
      for (const p of list) ins.run(modelId, row.experiment_id, p.key, p.value);
    });
  }

  /** `search_logged_models`: filter, datasets, order_by (attributes and `metrics.<key>`) and offset page tokens. */
  searchLoggedModels(query: SearchLoggedModelsQuery): PagedList<LoggedModel> {
    const experimentIdStrings = query.experimentIds.map(String);
    const filterString = query.filterString || null;
    const orderBy = query.orderBy && query.orderBy.length > 0 ? query.orderBy : null;
    const orderByJson = orderBy ? orderBy.map(toSnakeOrderBy) : null;
    if (query.datasets && query.datasets.length > 0 && !query.datasets.every((d) => d.datasetName)) {
      throw new InvalidParameterError('`dataset_name` in the `datasets` clause must be specified.');
    }
    let offset = 0;
    if (query.pageToken) {
      const token = decodePageToken(query.pageToken);
      if (!sameJson(token.experiment_ids, experimentIdStrings)) {
        throw new InvalidParameterError(
          'Experiment IDs in the page token do not match the requested experiment IDs. ' +
            `Expected: ${pyListRepr(experimentIdStrings)}. Found: ${pyListRepr(token.experiment_ids.map(String))}`,
        );
      }
      if (token.filter_string !== filterString) {
        throw new InvalidParameterError(
          'Filter string in the page token does not match the requested filter string. ' +
            `Expected: ${filterString ?? 'None'}. Found: ${token.filter_string ?? 'None'}`,
        );
      }
      if (!sameJson(token.order_by, orderByJson)) {
        throw new InvalidParameterError(
          'Order by in the page token does not match the requested order by. ' +
            `Expected: ${orderByJson ? pyJsonDumps(orderByJson) : 'None'}. Found: ${token.order_by ? pyJsonDumps(token.order_by) : 'None'}`,
        );
      }
      offset = token.offset;
    }
    const maxResults = query.maxResults || SEARCH_LOGGED_MODELS_DEFAULT_MAX_RESULTS;
    const comparisons = parseLoggedModelFilter(filterString);
    const experimentIds = experimentIdStrings.map((id) => parseExperimentId(id));

    return this.#host.read(() => {
      const joins: string[] = [];
      const joinArgs: unknown[] = [];
      const where: string[] = ["m.lifecycle_stage != 'deleted'"];
      const whereArgs: unknown[] = [];
      where.push(`m.experiment_id IN (${experimentIds.map(() => '?').join(', ')})`);
      whereArgs.push(...experimentIds);

      const dsArgs: unknown[] = [];
      const dsFilter = datasetsFilterSql(query.datasets, dsArgs);
      let hasMetricFilters = false;
      for (const comp of comparisons) {
        const { type, key } = comp.entity;
        if (type === 'attributes') {
          let value = comp.value;
          if (key === 'status') {
            if (!['=', '!=', 'IN', 'NOT IN'].includes(comp.op)) {
              throw new InvalidParameterError(`Invalid comparison operator for status: ${comp.op}`);
            }
            const values = Array.isArray(value) ? value : [String(value)];
            const ints = values.map((v) => {
              if (!isLoggedModelStatus(v)) {
                throw new InvalidParameterError(
                  `Unknown model status in filter: ${Array.isArray(comp.value) ? tupleRepr(comp.value) : pyRepr(v)}`,
                );
              }
              return loggedModelStatusToInt(v);
            });
            value = Array.isArray(value) ? (ints as unknown as string[]) : (ints[0] as number);
          }
          where.push(comparisonSql(`m.${key}`, comp.op, value, whereArgs));
        } else if (type === 'metrics') {
          hasMetricFilters = true;
          const latest = latestMetricSql(key, dsFilter ? [dsFilter] : [], dsArgs, experimentIds);
          const cmpArgs: unknown[] = [];
          const cmp = comparisonSql('lm.metric_value', comp.op, comp.value, cmpArgs);
          where.push(`m.model_id IN (SELECT lm.model_id FROM (${latest.sql}) lm WHERE ${cmp})`);
          whereArgs.push(...latest.args, ...cmpArgs);
        } else {
          const table = type === 'params' ? 'logged_model_params' : 'logged_model_tags';
          const col = type === 'params' ? 'param' : 'tag';
          const cmpArgs: unknown[] = [];
          const cmp = comparisonSql(`x.${col}_value`, comp.op, comp.value, cmpArgs);
          where.push(`m.model_id IN (SELECT x.model_id FROM ${table} x WHERE x.${col}_key = ? AND ${cmp})`);
          whereArgs.push(key, ...cmpArgs);
        }
      }
      if (dsFilter && !hasMetricFilters) {
        where.push(`m.model_id IN (SELECT DISTINCT mm.model_id FROM logged_model_metrics mm WHERE ${dsFilter})`);
        whereArgs.push(...dsArgs);
      }

      const order: string[] = [];
      let hasCreation = false;
      let hasModelId = false;
      (orderBy ?? []).forEach((ob, idx) => {
        const fieldName = ob.fieldName;
        const dir = ob.ascending === false ? 'DESC' : 'ASC';
        if (!fieldName.includes('.')) {
          const name = ATTRIBUTE_ALIASES[fieldName] ?? fieldName;
          if (name === 'creation_timestamp_ms') hasCreation = true;
          if (name === 'model_id') hasModelId = true;
          if (!MODEL_COLUMNS.has(name)) throw new InvalidParameterError(`Invalid order by field name: ${fieldName}`);
          order.push(`CASE WHEN m.${name} IS NULL THEN 1 ELSE 0 END ASC`, `m.${name} ${dir}`);
          return;
        }
        const dot = fieldName.indexOf('.');
        const entity = fieldName.slice(0, dot);
        const name = fieldName.slice(dot + 1);
        if (entity !== 'metrics') {
          throw new InvalidParameterError(`Invalid order by field name: ${fieldName}. Only metrics are supported.`);
        }
        const filters: string[] = [];
        const fArgs: unknown[] = [];
        const obDsArgs: unknown[] = [];
        const obDs = datasetsFilterSql(query.datasets, obDsArgs);
        if (obDs) {
          filters.push(obDs);
          fArgs.push(...obDsArgs);
        }
        if (ob.datasetName) {
          filters.push('mm.dataset_name = ?');
          fArgs.push(ob.datasetName);
        }
        if (ob.datasetDigest) {
          filters.push('mm.dataset_digest = ?');
          fArgs.push(ob.datasetDigest);
        }
        const latest = latestMetricSql(name, filters, fArgs, experimentIds);
        const alias = `ob${idx}`;
        joins.push(`LEFT OUTER JOIN (${latest.sql}) ${alias} ON ${alias}.model_id = m.model_id`);
        joinArgs.push(...latest.args);
        order.push(`CASE WHEN ${alias}.metric_value IS NULL THEN 1 ELSE 0 END ASC`, `${alias}.metric_value ${dir}`);
      });
      if (!hasCreation) order.push('m.creation_timestamp_ms DESC');
      if (!hasModelId) order.push('m.model_id ASC');

      const sql = `SELECT m.* FROM logged_models m ${joins.join(' ')} WHERE ${where.join(' AND ')}
        ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`;
      const rows = this.#db.prepare(sql).all(...joinArgs, ...whereArgs, maxResults + 1, offset) as LoggedModelRow[];
      const page = rows.slice(0, maxResults);
      const token =
        rows.length > maxResults
          ? encodePageToken({
              experiment_ids: experimentIdStrings,
              filter_string: filterString,
              order_by: orderByJson,
              offset: offset + maxResults,
            })
          : null;
      const result: PagedList<LoggedModel> = { items: this.#load(page) };
      if (token) result.nextPageToken = token;
      return result;
    });
  }

  /** Builds entities for rows, loading tags, params and metrics in bulk. */
  #load(rows: LoggedModelRow[]): LoggedModel[] {
    const tags = new Map<string, Record<string, string>>();
    const params = new Map<string, Record<string, string>>();
    const metrics = new Map<string, Metric[]>();
    for (const r of rows) {
      tags.set(r.model_id, {});
      params.set(r.model_id, {});
      metrics.set(r.model_id, []);
    }
    const ids = rows.map((r) => r.model_id);
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const ph = chunk.map(() => '?').join(', ');
      for (const t of this.#db
        .prepare(`SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN (${ph})`)
        .all(...chunk) as Array<{ model_id: string; tag_key: string; tag_value: string }>) {
        (tags.get(t.model_id) as Record<string, string>)[t.tag_key] = t.tag_value;
      }
      for (const p of this.#db
        .prepare(`SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN (${ph})`)
        .all(...chunk) as Array<{ model_id: string; param_key: string; param_value: string }>) {
        (params.get(p.model_id) as Record<string, string>)[p.param_key] = p.param_value;
      }
      for (const m of this.#db
        .prepare(`SELECT * FROM logged_model_metrics WHERE model_id IN (${ph}) ORDER BY rowid`)
        .all(...chunk) as LoggedModelMetricRow[]) {
        const metric: Metric = {
          key: m.metric_name,
          value: m.metric_value ?? Number.NaN,
          timestamp: m.metric_timestamp_ms,
          step: m.metric_step,
          runId: m.run_id,
          modelId: m.model_id,
        };
        if (m.dataset_name !== null) metric.datasetName = m.dataset_name;
        if (m.dataset_digest !== null) metric.datasetDigest = m.dataset_digest;
        (metrics.get(m.model_id) as Metric[]).push(metric);
      }
    }
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      creationTimestamp: r.creation_timestamp_ms,
      lastUpdatedTimestamp: r.last_updated_timestamp_ms,
      modelType: r.model_type,
      sourceRunId: r.source_run_id,
      status: loggedModelStatusFromInt(r.status) ?? LoggedModelStatus.UNSPECIFIED,
      statusMessage: r.status_message,
      tags: tags.get(r.model_id) as Record<string, string>,
      params: params.get(r.model_id) as Record<string, string>,
      metrics: metrics.get(r.model_id) as Metric[],
    }));
  }

  // ------------------------------------------------------------------ runs and models

  #activeRun(runId: string): { experimentId: number } {
    const row = this.#db.prepare('SELECT experiment_id, lifecycle_stage FROM runs WHERE run_uuid = ?').get(runId) as
      | { experiment_id: number; lifecycle_stage: string }
      | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Run with id=${runId} not found`);
    if (row.lifecycle_stage !== LifecycleStage.ACTIVE) {
      throw new InvalidParameterError(
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return { experimentId: row.experiment_id };
  }

  /** `log_outputs`: records that the run produced these models (`inputs` rows RUN_OUTPUT → MODEL_OUTPUT). */
  logOutputs(runId: string, models: readonly LoggedModelRef[]): void {
    this.#host.write(() => {
      this.#activeRun(runId);
      const ins = this.#db.prepare(
        `INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
         VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)`,
      );
      for (const m of models) ins.run(randomUUID().replaceAll('-', ''), runId, m.modelId, m.step ?? 0);
    });
  }

  /**
   * The model part of `log_inputs`: records that the run consumed these models (RUN_INPUT → MODEL_INPUT).
   * Writes in the caller's transaction when called inside `host.write`; the caller checks the run.
   */
  logModelInputsInTransaction(runId: string, models: readonly LoggedModelRef[]): void {
    const upsert = this.#db.prepare(
      `INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
       VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?, 0)
       ON CONFLICT (source_type, source_id, destination_type, destination_id) DO UPDATE SET input_uuid = excluded.input_uuid`,
    );
    for (const m of models) upsert.run(randomUUID().replaceAll('-', ''), runId, m.modelId);
  }

  /** `log_inputs(models=...)` on its own: checks the run, then records the model inputs. */
  logModelInputs(runId: string, models: readonly LoggedModelRef[]): void {
    this.#host.write(() => {
      this.#activeRun(runId);
      this.logModelInputsInTransaction(runId, models);
    });
  }

  /** Model inputs and outputs of runs (`_get_model_inputs` / `_get_model_outputs_bulk`), for `getRun`/`searchRuns`. */
  runModelLinks(
    runIds: readonly string[],
  ): Map<string, { modelInputs: LoggedModelRef[]; modelOutputs: LoggedModelRef[] }> {
    const out = new Map<string, { modelInputs: LoggedModelRef[]; modelOutputs: LoggedModelRef[] }>();
    for (const id of runIds) out.set(id, { modelInputs: [], modelOutputs: [] });
    for (let i = 0; i < runIds.length; i += ID_CHUNK) {
      const chunk = runIds.slice(i, i + ID_CHUNK);
      const rows = this.#db
        .prepare(
          `SELECT source_type, source_id, destination_id, step FROM inputs
           WHERE source_id IN (${chunk.map(() => '?').join(', ')})
             AND ((source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT')
               OR (source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT'))
           ORDER BY rowid`,
        )
        .all(...chunk) as Array<{ source_type: string; source_id: string; destination_id: string; step: number }>;
      for (const r of rows) {
        const links = out.get(r.source_id);
        if (!links) continue;
        if (r.source_type === 'RUN_INPUT') links.modelInputs.push({ modelId: r.destination_id });
        else links.modelOutputs.push({ modelId: r.destination_id, step: r.step });
      }
    }
    return out;
  }

  /**
   * `_log_model_metrics`: copies the metrics that name a `modelId` into `logged_model_metrics`.
   * Call inside the caller's `host.write` (logBatch/logMetric) after checking the run; metrics
   * without `modelId` are skipped, duplicates (same primary key) ignored as MLflow's retry does.
   */
  logModelMetricsInTransaction(runId: string, experimentId: string | number, metrics: readonly Metric[]): void {
    const single = metrics.length === 1;
    const seen = new Set<string>();
    const ins = this.#db.prepare(
      `INSERT OR IGNORE INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step,
         metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    );
    metrics.forEach((m, idx) => {
      if (!m.modelId) return;
      const k = JSON.stringify([m.key, m.value, m.timestamp, m.step, m.modelId, m.datasetName, m.datasetDigest]);
      if (seen.has(k)) return;
      seen.add(k);
      validateMetric(m.key, m.value, m.timestamp, m.step, single ? '' : `metrics[${idx}]`);
      const v = Number.isNaN(m.value) ? 0 : m.value === Infinity ? DBL_MAX : m.value === -Infinity ? -DBL_MAX : m.value;
      ins.run(
        m.modelId,
        m.key,
        m.timestamp,
        m.step,
        v,
        Number(experimentId),
        runId,
        m.datasetName ?? null,
        m.datasetDigest ?? null,
      );
    });
  }

  /** `log_metric`/`log_batch`'s model part on its own: checks the run, then links the metrics. */
  logModelMetrics(runId: string, metrics: readonly Metric[]): void {
    this.#host.write(() => {
      const run = this.#activeRun(runId);
      this.logModelMetricsInTransaction(runId, run.experimentId, metrics);
    });
  }

  /**
   * `record_logged_model`: appends a model's metadata dict (`Model.get_tags_dict()`) to the run's
   * `mlflow.log-model.history` tag. MLflow 3's `log_model` links models through `logOutputs`
   * instead; this serves the legacy path.
   */
  recordLoggedModel(runId: string, modelDict: Record<string, unknown>): void {
    this.#host.write(() => {
      this.#activeRun(runId);
      const prev = this.#db
        .prepare('SELECT value FROM tags WHERE run_uuid = ? AND key = ?')
        .get(runId, MLFLOW_LOGGED_MODELS_TAG) as { value: string | null } | undefined;
      const history = prev?.value ? (pyJsonLoads(prev.value) as unknown[]) : [];
      const value = validateTag(MLFLOW_LOGGED_MODELS_TAG, pyJsonDumps([...history, modelDict]));
      this.#db
        .prepare('INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)')
        .run(MLFLOW_LOGGED_MODELS_TAG, value, runId);
    });
  }
}
