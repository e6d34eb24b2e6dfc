import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { pyJsonLoads } from '../../internal/python-json.js';
import type { PagedList } from '../../tracking/entities/index.js';
import { ErrorCode, invalidParameter, MlflowError, ResourceDoesNotExistError } from '../../tracking/errors.js';
import {
  createPageToken,
  parseStartOffsetFromPageToken,
  SEARCH_MAX_RESULTS_DEFAULT,
  validateMaxResults,
} from '../../tracking/search/page-token.js';
import { statementCache } from '../../tracking/sqlite/database.js';
import { likeToGlob, type SqlValue } from '../../tracking/sqlite/search-sql.js';
import { type SqliteTrackingStore, toMlflowError } from '../../tracking/sqlite/store.js';
import { MLFLOW_USER } from '../../tracking/tags.js';
import {
  type DatasetRecord,
  type DatasetRecordSource,
  type EvaluationDatasetInfo,
  normalizeRecordSource,
  sourceIdOf,
  sourceToDict,
} from './entities.js';
import { datasetDigest, pyJsonDumpsAscii, recordInputHash } from './json.js';
import { type DatasetFilterClause, parseDatasetFilter, resolveDatasetOrderBy } from './search.js';
import {
  type CreateDatasetArgs,
  type DatasetRecordsPage,
  type EvaluationDatasetStore,
  LOAD_DATASET_RECORDS_MAX_RESULTS,
  type SearchDatasetsQuery,
  type UpsertRecord,
} from './store.js';

/** Entity types of `entity_associations` rows (`EntityAssociationType`). */
const ASSOCIATION_EXPERIMENT = 'experiment';
const ASSOCIATION_DATASET = 'evaluation_dataset';
/** Key under which MLflow wraps record outputs in the `outputs` JSON column. */
export const DATASET_RECORD_WRAPPED_OUTPUT_KEY = 'mlflow_wrapped';
const DEFAULT_WORKSPACE = 'default';

/** What the dataset store needs from the embedded tracking store: its connection and transactions. */
export interface SqliteDatasetStoreHost {
  readonly db: BetterSqlite3.Database;
  /** The tracking store's URI. */
  readonly uri: string;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
}

interface DatasetRow {
  dataset_id: string;
  name: string;
  schema: string | null;
  profile: string | null;
  digest: string | null;
  created_time: number | null;
  last_update_time: number | null;
  created_by: string | null;
  last_updated_by: string | null;
}

interface RecordRow {
  dataset_record_id: string;
  dataset_id: string;
  inputs: string;
  outputs: string | null;
  expectations: string | null;
  tags: string | null;
  source: string | null;
  source_id: string | null;
  created_time: number | null;
  last_update_time: number | null;
  created_by: string | null;
  last_updated_by: string | null;
}

const hex32 = (): string => randomUUID().replaceAll('-', '');

// The tracking store's own write path (WAL bound, error mapping) when it offers one.
interface TransactionalStore {
  writeTransaction?<T>(fn: () => T): T;
  readTransaction?<T>(fn: () => T): T;
}

/**
 * A host over an embedded tracking store's connection: its own transactions when the store exposes
 * them, otherwise IMMEDIATE transactions on the shared handle.
 */
export function hostOfSqliteStore(store: SqliteTrackingStore): SqliteDatasetStoreHost {
  const db = store.database;
  const t = store as unknown as TransactionalStore;
  const assertOpen = (): void => {
    if (!db.open) throw new MlflowError(`The tracking store at ${store.path} is closed.`, ErrorCode.INVALID_STATE);
  };
  return {
    db,
    uri: store.trackingUri,
    write: <T>(fn: () => T): T => {
      if (typeof t.writeTransaction === 'function') return t.writeTransaction(fn);
      assertOpen();
      try {
        return db.transaction(fn).immediate();
      } catch (err) {
        throw toMlflowError(err);
      }
    },
    read: <T>(fn: () => T): T => {
      if (typeof t.readTransaction === 'function') return t.readTransaction(fn);
      assertOpen();
      try {
        return fn();
      } catch (err) {
        throw toMlflowError(err);
      }
    },
  };
}

/** Python truthiness of a parsed JSON value. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function parseJsonColumn(text: string | null): unknown {
  return text === null ? null : pyJsonLoads(text);
}

/** `_infer_field_type`. */
export function inferFieldType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return 'unknown';
}

type DatasetSchema = {
  inputs: Record<string, string>;
  outputs: Record<string, string> | string;
  expectations: Record<string, string>;
  version: string;
} & Record<string, unknown>;

/** `_update_dataset_schema`: adds the types of fields not seen before; null when nothing to record. */
export function updateDatasetSchema(existing: string | null, records: readonly UpsertRecord[]): DatasetSchema | null {
  if (records.length === 0 && !existing) return null;
  const schema: DatasetSchema = existing
    ? (JSON.parse(existing) as DatasetSchema)
    : { inputs: {}, outputs: {}, expectations: {}, version: '1.0' };
  records.forEach((record, index) => {
    if (truthy(record.inputs)) {
      for (const [key, value] of Object.entries(record.inputs)) {
        if (!(key in schema.inputs)) schema.inputs[key] = inferFieldType(value);
      }
    }
    const outputs = record.outputs;
    if (outputs !== null && outputs !== undefined) {
      if (typeof outputs === 'object' && !Array.isArray(outputs)) {
        if (typeof schema.outputs === 'string') {
          throw invalidParameter(
            `Record ${index} has object outputs, but the dataset's outputs are of type '${schema.outputs}': ` +
              'a dataset holds either object outputs or outputs of one scalar type.',
          );
        }
        const target = schema.outputs;
        for (const [key, value] of Object.entries(outputs)) {
          if (!(key in target)) target[key] = inferFieldType(value);
        }
      } else if (!truthy(schema.outputs)) {
        schema.outputs = inferFieldType(outputs);
      }
    }
    if (truthy(record.expectations)) {
      for (const [key, value] of Object.entries(record.expectations as Record<string, unknown>)) {
        if (!(key in schema.expectations)) schema.expectations[key] = inferFieldType(value);
      }
    }
  });
  return schema;
}

function toRecord(row: RecordRow): DatasetRecord {
  const outputsColumn = parseJsonColumn(row.outputs);
  let outputs: unknown = null;
  if (truthy(outputsColumn) && typeof outputsColumn === 'object' && !Array.isArray(outputsColumn)) {
    outputs = (outputsColumn as Record<string, unknown>)[DATASET_RECORD_WRAPPED_OUTPUT_KEY] ?? null;
  }
  const sourceColumn = parseJsonColumn(row.source);
  const source: DatasetRecordSource | null = truthy(sourceColumn) ? normalizeRecordSource(sourceColumn) : null;
  const tags = parseJsonColumn(row.tags);
  return {
    datasetRecordId: row.dataset_record_id,
    datasetId: row.dataset_id,
    inputs: (parseJsonColumn(row.inputs) as Record<string, unknown>) ?? {},
    outputs,
    expectations: (parseJsonColumn(row.expectations) as Record<string, unknown> | null) ?? null,
    tags: (tags as Record<string, string> | null) ?? {},
    source,
    sourceId: row.source_id || sourceIdOf(source),
    sourceType: source?.sourceType ?? null,
    createdTime: row.created_time ?? 0,
    lastUpdateTime: row.last_update_time ?? 0,
    createdBy: row.created_by,
    lastUpdatedBy: row.last_updated_by,
  };
}

function checkInputs(record: unknown, index: number): UpsertRecord {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw invalidParameter(`Record ${index} must be an object with an 'inputs' field, got ${JSON.stringify(record)}`);
  }
  const inputs = (record as UpsertRecord).inputs ?? {};
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw invalidParameter(`Record ${index} has invalid 'inputs' ${JSON.stringify(inputs)}: expected an object`);
  }
  return record as UpsertRecord;
}

/** Decodes a records page token: MLflow's `base64("<created_time>:<id>")` cursor, or a plain offset. */
function parseRecordsToken(token: string): { cursor: { time: number; id: string } } | { offset: number } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon > 0 && /^-?\d+$/.test(decoded.slice(0, colon).trim())) {
    return { cursor: { time: Number(decoded.slice(0, colon).trim()), id: decoded.slice(colon + 1) } };
  }
  if (/^\s*\d+\s*$/.test(token)) return { offset: Number(token) };
  throw invalidParameter(`Invalid page token '${token}' for dataset records`);
}

function compareString(column: string, comparator: string, value: string, params: SqlValue[]): string {
  switch (comparator) {
    case 'LIKE':
      params.push(likeToGlob(value));
      return `${column} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(value));
      return `lower(${column}) GLOB lower(?)`;
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      params.push(value);
      return `${column} ${comparator} ?`;
    default:
      throw invalidParameter(`Invalid comparator '${comparator}' in dataset filter`);
  }
}

function filterCondition(clause: DatasetFilterClause, params: SqlValue[]): string {
  if (clause.type === 'tag') {
    params.push(clause.key);
    const cond = compareString('t.value', clause.comparator, clause.value, params);
    return `EXISTS (SELECT 1 FROM evaluation_dataset_tags AS t WHERE t.dataset_id = d.dataset_id AND t."key" = ? AND ${cond})`;
  }
  const column = `d.${clause.key}`;
  if (Array.isArray(clause.value)) {
    params.push(...clause.value);
    return `${column} IN (${clause.value.map(() => '?').join(', ')})`;
  }
  if (typeof clause.value === 'number') {
    if (!['=', '!=', '>', '>=', '<', '<='].includes(clause.comparator)) {
      throw invalidParameter(`Invalid comparator for numeric attribute: ${clause.comparator}`);
    }
    params.push(clause.value);
    return `${column} ${clause.comparator} ?`;
  }
  return compareString(column, clause.comparator, clause.value, params);
}

/**
 * Evaluation datasets in the embedded store's database, written as MLflow 3.18's
 * `SqlAlchemyStore` writes them: same ids, JSON columns (Python's `json.dumps` text), input
 * hashes, digests, schema and profile, and the experiment links in `entity_associations`.
 */
export class SqliteEvaluationDatasetStore implements EvaluationDatasetStore {
  readonly trackingUri: string;
  readonly #host: SqliteDatasetStoreHost;
  readonly #db: BetterSqlite3.Database;
  readonly #stmt: (sql: string) => BetterSqlite3.Statement;

  constructor(host: SqliteDatasetStoreHost) {
    this.#host = host;
    this.#db = host.db;
    this.#stmt = statementCache(host.db);
    this.trackingUri = host.uri;
  }

  #datasetRow(datasetId: string): DatasetRow | undefined {
    return this.#stmt('SELECT * FROM evaluation_datasets WHERE dataset_id = ?').get(datasetId) as
      | DatasetRow
      | undefined;
  }

  #toInfo(row: DatasetRow): EvaluationDatasetInfo {
    const tagRows = this.#stmt(
      'SELECT "key", value FROM evaluation_dataset_tags WHERE dataset_id = ? ORDER BY "key"',
    ).all(row.dataset_id) as Array<{ key: string; value: string | null }>;
    const tags: Record<string, string> = {};
    for (const t of tagRows) tags[t.key] = t.value ?? '';
    return {
      datasetId: row.dataset_id,
      name: row.name,
      digest: row.digest ?? '',
      createdTime: row.created_time ?? 0,
      lastUpdateTime: row.last_update_time ?? 0,
      tags,
      schema: row.schema,
      profile: row.profile,
      createdBy: row.created_by,
      lastUpdatedBy: row.last_updated_by,
    };
  }

  async createDataset(args: CreateDatasetArgs): Promise<EvaluationDatasetInfo> {
    if (typeof args.name !== 'string' || args.name === '') {
      throw invalidParameter(`Invalid dataset name ${JSON.stringify(args.name)}: a non-empty string is required`);
    }
    const experimentIds = [...new Set((args.experimentIds ?? []).map(String))];
    const tags = Object.entries(args.tags ?? {});
    return this.#host.write(() => {
      const datasetId = `d-${hex32()}`;
      const now = Date.now();
      const user = args.tags?.[MLFLOW_USER] ?? null;
      this.#stmt(
        `INSERT INTO evaluation_datasets
           (dataset_id, name, schema, profile, digest, created_time, last_update_time, created_by, last_updated_by, workspace)
         VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?)`,
      ).run(datasetId, args.name, datasetDigest(args.name, now), now, now, user, user, DEFAULT_WORKSPACE);
      const insertTag = this.#stmt('INSERT INTO evaluation_dataset_tags (dataset_id, "key", value) VALUES (?, ?, ?)');
      for (const [key, value] of tags) insertTag.run(datasetId, key, String(value));
      const link = this.#stmt(
        `INSERT INTO entity_associations
           (association_id, source_type, source_id, destination_type, destination_id, created_time)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const id of experimentIds) {
        link.run(`a-${hex32()}`, ASSOCIATION_DATASET, datasetId, ASSOCIATION_EXPERIMENT, id, now);
      }
      const row = this.#datasetRow(datasetId) as DatasetRow;
      return { ...this.#toInfo(row), experimentIds };
    });
  }

  async getDataset(datasetId: string): Promise<EvaluationDatasetInfo> {
    return this.#host.read(() => {
      const row = this.#datasetRow(datasetId);
      if (!row) throw new ResourceDoesNotExistError(`Evaluation dataset with id '${datasetId}' not found`);
      return this.#toInfo(row);
    });
  }

  async deleteDataset(datasetId: string): Promise<void> {
    this.#host.write(() => {
      if (!this.#datasetRow(datasetId)) return;
      this.#stmt(
        `DELETE FROM entity_associations
          WHERE (destination_type = ? AND destination_id = ?) OR (source_type = ? AND source_id = ?)`,
      ).run(ASSOCIATION_DATASET, datasetId, ASSOCIATION_DATASET, datasetId);
      this.#stmt('DELETE FROM evaluation_dataset_records WHERE dataset_id = ?').run(datasetId);
      this.#stmt('DELETE FROM evaluation_dataset_tags WHERE dataset_id = ?').run(datasetId);
      this.#stmt('DELETE FROM evaluation_datasets WHERE dataset_id = ?').run(datasetId);
    });
  }

  async searchDatasets(query: SearchDatasetsQuery = {}): Promise<PagedList<EvaluationDatasetInfo>> {
    const maxResults = query.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    validateMaxResults(maxResults);
    const offset = parseStartOffsetFromPageToken(query.pageToken);
    const clauses = parseDatasetFilter(query.filterString);
    const orderBy = resolveDatasetOrderBy(query.orderBy);
    const params: SqlValue[] = [];
    const where = clauses.map((c) => filterCondition(c, params));
    if (query.experimentIds && query.experimentIds.length > 0) {
      const ids = query.experimentIds.map(String);
      params.push(ASSOCIATION_EXPERIMENT, ASSOCIATION_DATASET, ...ids);
      where.push(
        `d.dataset_id IN (SELECT a.source_id FROM entity_associations AS a WHERE a.destination_type = ?
           AND a.source_type = ? AND a.destination_id IN (${ids.map(() => '?').join(', ')}))`,
      );
    }
    const order = orderBy.map((c) => `d.${c.key} ${c.ascending ? 'ASC' : 'DESC'}`).join(', ');
    const sql =
      `SELECT d.* FROM evaluation_datasets AS d${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
      ` ORDER BY ${order} LIMIT ? OFFSET ?`;
    params.push(maxResults + 1, offset);
    return this.#host.read(() => {
      const rows = this.#db.prepare(sql).all(...params) as DatasetRow[];
      const page = rows.slice(0, maxResults).map((r) => this.#toInfo(r));
      return rows.length > maxResults
        ? { items: page, nextPageToken: createPageToken(offset + maxResults) }
        : { items: page };
    });
  }

  async upsertDatasetRecords(
    datasetId: string,
    records: UpsertRecord[],
  ): Promise<{ inserted: number; updated: number }> {
    const checked = records.map(checkInputs);
    // Sources are parsed before the transaction, so a bad one leaves nothing half-written.
    const sources = checked.map((r, i) =>
      r.source === undefined || r.source === null || !truthy(r.source)
        ? null
        : normalizeRecordSource(r.source, `source of record ${i}`),
    );
    return this.#host.write(() => {
      const dataset = this.#datasetRow(datasetId);
      if (!dataset) throw new ResourceDoesNotExistError(`Evaluation dataset with id '${datasetId}' not found`);
      const now = Date.now();
      let inserted = 0;
      let updated = 0;
      let updatedBy: string | null = null;
      const find = this.#stmt('SELECT * FROM evaluation_dataset_records WHERE dataset_id = ? AND input_hash = ?');
      const insert = this.#stmt(
        `INSERT INTO evaluation_dataset_records
           (dataset_record_id, dataset_id, inputs, outputs, expectations, tags, source, source_id, source_type,
            created_time, last_update_time, created_by, last_updated_by, input_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const update = this.#stmt(
        `UPDATE evaluation_dataset_records SET outputs = ?, expectations = ?, tags = ?, last_update_time = ?,
           last_updated_by = ? WHERE dataset_record_id = ?`,
      );
      checked.forEach((record, i) => {
        const inputs = record.inputs ?? {};
        const hash = recordInputHash(inputs);
        const tags = record.tags ?? null;
        const user = tags && typeof tags[MLFLOW_USER] === 'string' ? tags[MLFLOW_USER] : null;
        if (user !== null) updatedBy = user;
        const existing = find.get(datasetId, hash) as RecordRow | undefined;
        if (existing) {
          // `SqlEvaluationDatasetRecord.merge`.
          let outputs = existing.outputs;
          if ('outputs' in record && record.outputs !== undefined) {
            outputs = pyJsonDumpsAscii(
              record.outputs === null ? null : { [DATASET_RECORD_WRAPPED_OUTPUT_KEY]: record.outputs },
            );
          }
          let expectations = existing.expectations;
          if (truthy(record.expectations)) {
            const merged = {
              ...((parseJsonColumn(existing.expectations) as object | null) ?? {}),
              ...record.expectations,
            };
            expectations = pyJsonDumpsAscii(merged);
          }
          let tagsText = existing.tags;
          if (truthy(tags))
            tagsText = pyJsonDumpsAscii({ ...((parseJsonColumn(existing.tags) as object | null) ?? {}), ...tags });
          update.run(
            outputs,
            expectations,
            tagsText,
            Date.now(),
            user ?? existing.last_updated_by,
            existing.dataset_record_id,
          );
          updated += 1;
          return;
        }
        const source = sources[i] ?? null;
        const outputs = 'outputs' in record && record.outputs !== undefined ? record.outputs : {};
        insert.run(
          `dr-${hex32()}`,
          datasetId,
          pyJsonDumpsAscii(inputs),
          pyJsonDumpsAscii(outputs === null ? null : { [DATASET_RECORD_WRAPPED_OUTPUT_KEY]: outputs }),
          pyJsonDumpsAscii(record.expectations ?? null),
          pyJsonDumpsAscii(tags ?? {}),
          pyJsonDumpsAscii(source ? sourceToDict(source) : null),
          sourceIdOf(source),
          source?.sourceType ?? null,
          now,
          now,
          user,
          user,
          hash,
        );
        inserted += 1;
      });
      const schema = updateDatasetSchema(dataset.schema, checked);
      const count = (
        this.#stmt('SELECT count(*) AS n FROM evaluation_dataset_records WHERE dataset_id = ?').get(datasetId) as {
          n: number;
        }
      ).n;
      this.#stmt(
        `UPDATE evaluation_datasets SET last_update_time = ?, last_updated_by = ?, digest = ?,
           schema = coalesce(?, schema), profile = coalesce(?, profile) WHERE dataset_id = ?`,
      ).run(
        now,
        updatedBy,
        datasetDigest(dataset.name, now),
        schema ? pyJsonDumpsAscii(schema) : null,
        count > 0 ? pyJsonDumpsAscii({ num_records: count }) : null,
        datasetId,
      );
      return { inserted, updated };
    });
  }

  async deleteDatasetRecords(datasetId: string, recordIds: string[]): Promise<number> {
    return this.#host.write(() => {
      let deleted = 0;
      const del = this.#stmt('DELETE FROM evaluation_dataset_records WHERE dataset_id = ? AND dataset_record_id = ?');
      for (const id of new Set(recordIds)) deleted += del.run(datasetId, id).changes;
      if (deleted === 0) return 0;
      const row = this.#datasetRow(datasetId);
      if (row) {
        const profile = row.profile ? (JSON.parse(row.profile) as { num_records?: number } | null) : null;
        const remaining = Math.max(0, (profile?.num_records ?? 0) - deleted);
        // MLflow writes the JSON text `null` (not SQL NULL) once the count reaches zero.
        this.#stmt('UPDATE evaluation_datasets SET profile = ? WHERE dataset_id = ?').run(
          pyJsonDumpsAscii(remaining > 0 ? { num_records: remaining } : null),
          datasetId,
        );
      }
      return deleted;
    });
  }

  async loadDatasetRecords(
    datasetId: string,
    options: { maxResults?: number | null; pageToken?: string } = {},
  ): Promise<DatasetRecordsPage> {
    const limit = options.maxResults === null ? null : options.maxResults || LOAD_DATASET_RECORDS_MAX_RESULTS;
    const params: SqlValue[] = [datasetId];
    let sql = 'SELECT * FROM evaluation_dataset_records WHERE dataset_id = ?';
    let offset = 0;
    if (options.pageToken) {
      const token = parseRecordsToken(options.pageToken);
      if ('cursor' in token) {
        sql += ' AND (created_time > ? OR (created_time = ? AND dataset_record_id > ?))';
        params.push(token.cursor.time, token.cursor.time, token.cursor.id);
      } else {
        offset = token.offset;
      }
    }
    sql += ' ORDER BY created_time, dataset_record_id';
    if (limit !== null) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(limit + 1, offset);
    } else if (offset > 0) {
      sql += ' LIMIT -1 OFFSET ?';
      params.push(offset);
    }
    return this.#host.read(() => {
      const rows = this.#db.prepare(sql).all(...params) as RecordRow[];
      if (limit !== null && rows.length > limit) {
        const page = rows.slice(0, limit);
        const last = page[page.length - 1] as RecordRow;
        const cursor = Buffer.from(`${last.created_time}:${last.dataset_record_id}`, 'utf8').toString('base64');
        return { records: page.map(toRecord), nextPageToken: cursor };
      }
      return { records: rows.map(toRecord) };
    });
  }

  async setDatasetTags(datasetId: string, tags: Record<string, string | null>): Promise<void> {
    this.#host.write(() => {
      if (!this.#datasetRow(datasetId)) {
        throw new ResourceDoesNotExistError(`Could not find evaluation dataset with ID ${datasetId}`);
      }
      const upsert = this.#stmt(
        `INSERT INTO evaluation_dataset_tags (dataset_id, "key", value) VALUES (?, ?, ?)
         ON CONFLICT (dataset_id, "key") DO UPDATE SET value = excluded.value`,
      );
      for (const [key, value] of Object.entries(tags)) {
        if (value !== null && value !== undefined) upsert.run(datasetId, key, String(value));
      }
    });
  }

  async deleteDatasetTag(datasetId: string, key: string): Promise<void> {
    this.#host.write(() => {
      this.#stmt('DELETE FROM evaluation_dataset_tags WHERE dataset_id = ? AND "key" = ?').run(datasetId, key);
    });
  }

  async getDatasetExperimentIds(datasetId: string): Promise<string[]> {
    return this.#host.read(() => {
      const rows = this.#stmt(
        `SELECT destination_id FROM entity_associations WHERE source_type = ? AND source_id = ? AND destination_type = ?
          ORDER BY created_time, destination_id`,
      ).all(ASSOCIATION_DATASET, datasetId, ASSOCIATION_EXPERIMENT) as Array<{ destination_id: string }>;
      return rows.map((r) => r.destination_id);
    });
  }

  async addDatasetToExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo> {
    const ids = [...new Set(experimentIds.map(String))];
    return this.#host.write(() => {
      if (!this.#datasetRow(datasetId)) throw new ResourceDoesNotExistError(`Dataset '${datasetId}' not found`);
      const exists = this.#stmt('SELECT 1 FROM experiments WHERE experiment_id = ?');
      for (const id of ids) {
        if (!exists.get(id)) throw new ResourceDoesNotExistError(`No Experiment with id=${id}`);
      }
      const now = Date.now();
      // MLflow's add path writes bare uuid hex association ids (create_dataset prefixes them with `a-`).
      const link = this.#stmt(
        `INSERT OR IGNORE INTO entity_associations
           (association_id, source_type, source_id, destination_type, destination_id, created_time)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const id of ids) link.run(hex32(), ASSOCIATION_DATASET, datasetId, ASSOCIATION_EXPERIMENT, id, now);
      this.#stmt('UPDATE evaluation_datasets SET last_update_time = ? WHERE dataset_id = ?').run(now, datasetId);
      return this.#toInfo(this.#datasetRow(datasetId) as DatasetRow);
    });
  }

  async removeDatasetFromExperiments(datasetId: string, experimentIds: string[]): Promise<EvaluationDatasetInfo> {
    const ids = [...new Set(experimentIds.map(String))];
    return this.#host.write(() => {
      if (!this.#datasetRow(datasetId)) throw new ResourceDoesNotExistError(`Dataset '${datasetId}' not found`);
      const del = this.#stmt(
        `DELETE FROM entity_associations WHERE source_type = ? AND source_id = ? AND destination_type = ?
           AND destination_id = ?`,
      );
      let removed = 0;
      for (const id of ids) removed += del.run(ASSOCIATION_DATASET, datasetId, ASSOCIATION_EXPERIMENT, id).changes;
      if (removed > 0) {
        this.#stmt('UPDATE evaluation_datasets SET last_update_time = ? WHERE dataset_id = ?').run(
          Date.now(),
          datasetId,
        );
      }
      return this.#toInfo(this.#datasetRow(datasetId) as DatasetRow);
    });
  }
}
