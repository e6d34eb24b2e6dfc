import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { appendToUriPath, resolveUriIfLocal } from '../../config/uri.js';
import {
  type Assessment,
  type CreateLoggedModelArgs,
  type Experiment,
  LifecycleStage,
  type LoggedModel,
  type LoggedModelRef,
  type LoggedModelStatus,
  type Metric,
  type PagedList,
  type Param,
  type Run,
  type RunInfo,
  RunStatus,
  type RunTag,
  type SearchLoggedModelsQuery,
  type Span,
  stagesForViewType,
  type Trace,
  type TraceInfo,
  ViewType,
} from '../entities/index.js';
import {
  ErrorCode,
  InvalidParameterError,
  MlflowError,
  ResourceAlreadyExistsError,
  ResourceDoesNotExistError,
} from '../errors.js';
import { generateRunName } from '../names.js';
import { SqliteRegistryStore } from '../registry/sqlite.js';
import {
  createPageToken,
  parseStartOffsetFromPageToken,
  SEARCH_MAX_RESULTS_DEFAULT,
  validateMaxResults,
} from '../search/page-token.js';
import type {
  CreateRunArgs,
  DeleteTracesArgs,
  SearchExperimentsQuery,
  SearchRunsQuery,
  SearchTracesQuery,
  TrackingStore,
  UpdateAssessmentArgs,
  UpdateRunInfoArgs,
} from '../store.js';
import { MLFLOW_RUN_NAME } from '../tags.js';
import {
  parseExperimentId,
  validateBatchLogData,
  validateBatchLogLimits,
  validateExperimentArtifactLocationLength,
  validateExperimentName,
  validateExperimentTag,
  validateParamKeysUnique,
  validateRunId,
  validateTag,
} from '../validation.js';
import { SqliteAssessmentStore } from './assessments.js';
import { type Checkpointer, startCheckpointer } from './checkpointer.js';
import { openDatabase, statementCache } from './database.js';
import { SqliteLoggedModelStore } from './logged-models.js';
import { buildSearchExperimentsSql, buildSearchRunsSql } from './search-sql.js';
import { SqliteTraceStore } from './traces.js';

/** Options of {@link SqliteTrackingStore}. */
export interface SqliteStoreOptions {
  /** Root under which experiments get their default artifact location; `./mlruns` by default. */
  defaultArtifactRoot?: string;
  /** How long a write waits for another process's lock before failing, in ms (30 s by default). */
  busyTimeoutMs?: number;
  /**
   * Run WAL checkpoints in a background worker instead of inside commits (default true). Off, SQLite
   * checkpoints inline every ~1000 pages, fsyncing in the middle of a logging call.
   */
  backgroundCheckpoints?: boolean;
}

/** MLflow's `SqlAlchemyStore.DEFAULT_EXPERIMENT_ID`. */
export const DEFAULT_EXPERIMENT_ID = '0';
/** MLflow's `Experiment.DEFAULT_EXPERIMENT_NAME`. */
export const DEFAULT_EXPERIMENT_NAME = 'Default';
const DEFAULT_WORKSPACE = 'default';
// Largest finite double: MLflow stores ±Infinity as ±DBL_MAX because SQL cannot hold infinities.
const DBL_MAX = 1.7976931348623157e308;
const ID_CHUNK = 500;
const MAX_WAL_BYTES = 32 * 1024 * 1024;
// The WAL size is checked after every commit (a stat call, microseconds): checking every 4th let a
// CPU-starved checkpoint worker leave the WAL ~50 MB before the writer truncated it.
const WAL_CHECK_EVERY = 1;
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));
// Metrics go in as multi-row INSERTs: one native call per 100 rows instead of one per row.
const METRIC_ROWS_PER_STMT = 100;
const METRIC_ROWS_SQL = new Array(METRIC_ROWS_PER_STMT).fill('(?, ?, ?, ?, ?, ?)').join(', ');

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string | null;
  creation_time: number | null;
  last_update_time: number | null;
}

interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: string | null;
  artifact_uri: string | null;
  experiment_id: number;
}

interface LatestMetricRow {
  run_uuid: string;
  key: string;
  value: number;
  timestamp: number | null;
  step: number;
  is_nan: number;
}

interface MetricRow {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}

/**
 * The embedded tracking store: MLflow 3.18's SQL schema in an SQLite file, written with
 * better-sqlite3. Behaviour mirrors `SqlAlchemyStore` (ids, defaults, validation, error codes);
 * every write is one immediate transaction so several processes can log into one file.
 */
export class SqliteTrackingStore implements TrackingStore {
  readonly trackingUri: string;
  /** Absolute path of the database file. */
  readonly path: string;
  /** Absolute artifact root for experiments created without an artifact location. */
  readonly artifactRootUri: string;
  readonly #db: BetterSqlite3.Database;
  readonly #stmt: (sql: string) => BetterSqlite3.Statement;
  readonly #checkpointer: Checkpointer | null;
  #commitsSinceWalCheck = 0;
  #closed = false;
  readonly #traces: SqliteTraceStore;
  readonly #assessments: SqliteAssessmentStore;
  readonly #loggedModels: SqliteLoggedModelStore;
  #registry: SqliteRegistryStore | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.trackingUri = `sqlite:///${path}`;
    this.artifactRootUri = resolveUriIfLocal(options.defaultArtifactRoot ?? './mlruns');
    this.#db = openDatabase(path, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
    this.#stmt = statementCache(this.#db);
    this.#checkpointer =
      options.backgroundCheckpoints === false
        ? null
        : startCheckpointer(path, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
    if (this.#checkpointer) this.#db.pragma('wal_autocheckpoint = 0');
    this.#ensureDefaultExperiment();
    const host = {
      db: this.#db,
      write: <T>(fn: () => T) => this.#write(fn),
      read: <T>(fn: () => T) => this.#read(fn),
      experiment: (id: string) => {
        const row = this.#experimentRow(id, ViewType.ALL);
        return {
          experimentId: String(row.experiment_id),
          artifactLocation: row.artifact_location ?? '',
          lifecycleStage: row.lifecycle_stage ?? LifecycleStage.ACTIVE,
        };
      },
    };
    this.#traces = new SqliteTraceStore(host);
    this.#assessments = new SqliteAssessmentStore(host);
    this.#loggedModels = new SqliteLoggedModelStore(host);
  }

  /** The underlying better-sqlite3 handle, for the other embedded stores (registry, traces). */
  get database(): BetterSqlite3.Database {
    return this.#db;
  }

  /** The model registry in this database, sharing this store's connection and transactions. */
  get registry(): SqliteRegistryStore {
    this.#registry ??= new SqliteRegistryStore({
      db: this.#db,
      uri: this.trackingUri,
      write: (fn) => this.#write(fn),
      read: (fn) => this.#read(fn),
    });
    return this.#registry;
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of it is written or none. */
  /** @internal Runs `fn` in this store's IMMEDIATE write transaction (WAL bound, MlflowError mapping). */
  writeTransaction<T>(fn: () => T): T {
    return this.#write(fn);
  }

  /** @internal Runs `fn` as a read of this store (closed check, MlflowError mapping). */
  readTransaction<T>(fn: () => T): T {
    return this.#read(fn);
  }

  #write<T>(fn: () => T): T {
    this.#assertOpen();
    let result: T;
    try {
      result = this.#db.transaction(fn).immediate();
    } catch (err) {
      throw toMlflowError(err);
    }
    if (this.#checkpointer && ++this.#commitsSinceWalCheck >= WAL_CHECK_EVERY) this.#boundWal();
    return result;
  }

  // The background worker backfills pages, but a checkpoint from another connection cannot rewind
  // the log while this connection keeps committing. So the writer bounds the WAL itself: past
  // MAX_WAL_BYTES it checkpoints and truncates, cheaply since most frames are already backfilled.
  #boundWal(): void {
    this.#commitsSinceWalCheck = 0;
    try {
      if (statSync(`${this.path}-wal`).size <= MAX_WAL_BYTES) return;
      // Busy: the worker's checkpoint holds the lock. Wait for it briefly (a few ms, only past the
      // bound), since a CPU-starved worker can otherwise keep the WAL growing for many commits.
      for (let attempt = 0; attempt < 20; attempt++) {
        const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        if (!result?.busy) return;
        Atomics.wait(SLEEP_CELL, 0, 0, 5);
      }
    } catch {
      // No WAL file yet, or a checkpoint that could not run now: the next check retries.
    }
  }

  #read<T>(fn: () => T): T {
    this.#assertOpen();
    try {
      return fn();
    } catch (err) {
      throw toMlflowError(err);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new MlflowError(`The tracking store at ${this.path} is closed.`, ErrorCode.INVALID_STATE);
  }

  #ensureDefaultExperiment(): void {
    const exists = this.#stmt('SELECT 1 FROM experiments WHERE experiment_id = 0').get();
    if (exists) return;
    const now = Date.now();
    this.#write(() => {
      this.#stmt(
        `INSERT OR IGNORE INTO experiments
           (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
         VALUES (0, ?, ?, 'active', ?, ?, ?)`,
      ).run(DEFAULT_EXPERIMENT_NAME, appendToUriPath(this.artifactRootUri, '0'), now, now, DEFAULT_WORKSPACE);
    });
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(
    name: string,
    artifactLocation?: string | null,
    tags: Array<{ key: string; value: string }> = [],
  ): Promise<string> {
    validateExperimentName(name);
    let location = artifactLocation ? resolveUriIfLocal(artifactLocation) : null;
    if (location) validateExperimentArtifactLocationLength(location);
    for (const tag of tags) validateExperimentTag(tag.key, tag.value);
    return this.#write(() => {
      const now = Date.now();
      let id: number;
      try {
        const info = this.#stmt(
          `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace)
           VALUES (?, ?, 'active', ?, ?, ?)`,
        ).run(name, location, now, now, DEFAULT_WORKSPACE);
        id = Number(info.lastInsertRowid);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new ResourceAlreadyExistsError(
            `Experiment(name=${name}) already exists. Error: ${(err as Error).message}`,
          );
        }
        throw err;
      }
      if (!location) {
        location = appendToUriPath(this.artifactRootUri, String(id));
        this.#stmt('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?').run(location, id);
      }
      const insTag = this.#stmt('INSERT OR REPLACE INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)');
      for (const tag of tags) insTag.run(tag.key, tag.value, id);
      return String(id);
    });
  }

  #experimentRow(experimentId: string, viewType: ViewType): ExperimentRow {
    const id = parseExperimentId(experimentId || DEFAULT_EXPERIMENT_ID);
    const row = this.#stmt('SELECT * FROM experiments WHERE experiment_id = ?').get(id) as ExperimentRow | undefined;
    const stages = stagesForViewType(viewType) as string[];
    if (!row || !stages.includes(row.lifecycle_stage ?? '')) {
      throw new ResourceDoesNotExistError(`No Experiment with id=${id} exists`);
    }
    return row;
  }

  #toExperiment(row: ExperimentRow): Experiment {
    const tags: Record<string, string> = {};
    for (const t of this.#stmt('SELECT key, value FROM experiment_tags WHERE experiment_id = ?').all(
      row.experiment_id,
    ) as Array<{
      key: string;
      value: string;
    }>) {
      tags[t.key] = t.value;
    }
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location ?? '',
      lifecycleStage: (row.lifecycle_stage ?? LifecycleStage.ACTIVE) as Experiment['lifecycleStage'],
      tags,
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
    };
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.#read(() => this.#toExperiment(this.#experimentRow(experimentId, ViewType.ALL)));
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    return this.#read(() => {
      const row = this.#stmt('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
      return row ? this.#toExperiment(row) : null;
    });
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<PagedList<Experiment>> {
    const maxResults = query.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    validateMaxResults(maxResults);
    return this.#read(() => {
      const offset = parseStartOffsetFromPageToken(query.pageToken);
      const { sql, params } = buildSearchExperimentsSql({
        viewType: query.viewType ?? ViewType.ACTIVE_ONLY,
        filterString: query.filterString ?? '',
        orderBy: query.orderBy ?? [],
        offset,
        limit: maxResults + 1,
      });
      const ids = (this.#db.prepare(sql).all(...params) as Array<{ experiment_id: number }>).map(
        (r) => r.experiment_id,
      );
      const page = ids.slice(0, maxResults);
      const rows = new Map<number, ExperimentRow>();
      for (const chunk of chunks(page, ID_CHUNK)) {
        const found = this.#db
          .prepare(`SELECT * FROM experiments WHERE experiment_id IN (${placeholders(chunk.length)})`)
          .all(...chunk) as ExperimentRow[];
        for (const r of found) rows.set(r.experiment_id, r);
      }
      const items = page.map((id) => this.#toExperiment(rows.get(id)!));
      return ids.length > maxResults ? { items, nextPageToken: createPageToken(offset + maxResults) } : { items };
    });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.#write(() => {
      const row = this.#experimentRow(experimentId, ViewType.ACTIVE_ONLY);
      const now = Date.now();
      this.#stmt(
        "UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?",
      ).run(now, row.experiment_id);
      this.#stmt("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ?").run(
        now,
        row.experiment_id,
      );
    });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.#write(() => {
      const row = this.#experimentRow(experimentId, ViewType.DELETED_ONLY);
      this.#stmt("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?").run(
        Date.now(),
        row.experiment_id,
      );
      this.#stmt("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?").run(
        row.experiment_id,
      );
    });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    this.#write(() => {
      const row = this.#experimentRow(experimentId, ViewType.ALL);
      if (row.lifecycle_stage !== LifecycleStage.ACTIVE) {
        throw new MlflowError('Cannot rename a non-active experiment.', ErrorCode.INVALID_STATE);
      }
      try {
        this.#stmt('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?').run(
          newName,
          Date.now(),
          row.experiment_id,
        );
      } catch (err) {
        // MLflow's SQL store lets the IntegrityError through its session wrapper as BAD_REQUEST.
        if (isUniqueViolation(err))
          throw MlflowError.fromCode(ErrorCode.BAD_REQUEST, `(sqlite3.IntegrityError) ${(err as Error).message}`);
        throw err;
      }
    });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    this.#write(() => {
      const row = this.#experimentRow(experimentId, ViewType.ALL);
      checkExperimentActive(row);
      this.#stmt('INSERT OR REPLACE INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)').run(
        key,
        value,
        row.experiment_id,
      );
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.#write(() => {
      const row = this.#experimentRow(experimentId, ViewType.ALL);
      checkExperimentActive(row);
      const info = this.#stmt('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?').run(
        row.experiment_id,
        key,
      );
      if (info.changes === 0) {
        throw new ResourceDoesNotExistError(`No tag with name: ${key} in experiment with id ${experimentId}`);
      }
    });
  }

  // ---------------------------------------------------------------- runs

  async createRun(args: CreateRunArgs): Promise<Run> {
    const runId = this.#write(() => {
      const exp = this.#experimentRow(args.experimentId, ViewType.ALL);
      checkExperimentActive(exp);
      const runId = randomUUID().replaceAll('-', '');
      const tags = [...args.tags];
      const nameTag = tags.find((t) => t.key === MLFLOW_RUN_NAME)?.value;
      if (args.runName && nameTag && args.runName !== nameTag) {
        throw new InvalidParameterError(
          "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values " +
            `(run_name='${args.runName}', mlflow.runName='${nameTag}').`,
        );
      }
      const runName = args.runName || nameTag || generateRunName();
      if (!nameTag) tags.push({ key: MLFLOW_RUN_NAME, value: runName });
      const artifactUri = appendToUriPath(exp.artifact_location ?? '', runId, 'artifacts');
      this.#stmt(
        `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                           end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
         VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)`,
      ).run(runId, runName, args.userId, args.startTime, artifactUri, exp.experiment_id);
      const ins = this.#stmt('INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
      for (const tag of tags) {
        const value = validateTag(tag.key, tag.value);
        ins.run(tag.key, value, runId);
      }
      return runId;
    });
    return this.getRun(runId);
  }

  #runRow(runId: string): RunRow {
    const row = this.#stmt('SELECT * FROM runs WHERE run_uuid = ?').get(runId) as RunRow | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Run with id=${runId} not found`);
    return row;
  }

  #activeRunRow(runId: string): RunRow {
    const row = this.#runRow(runId);
    if (row.lifecycle_stage !== LifecycleStage.ACTIVE) {
      throw new InvalidParameterError(
        `The run ${row.run_uuid} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  async getRun(runId: string): Promise<Run> {
    return this.#read(() => {
      const row = this.#runRow(runId);
      return this.#loadRuns([row])[0]!;
    });
  }

  /** Builds Run entities for rows, loading tags, params and latest metrics in bulk. */
  #loadRuns(rows: RunRow[]): Run[] {
    const ids = rows.map((r) => r.run_uuid);
    const links = this.#loggedModels.runModelLinks(ids);
    const tags = new Map<string, Record<string, string>>();
    const params = new Map<string, Record<string, string>>();
    const metrics = new Map<string, Metric[]>();
    for (const id of ids) {
      tags.set(id, {});
      params.set(id, {});
      metrics.set(id, []);
    }
    for (const chunk of chunks(ids, ID_CHUNK)) {
      const ph = placeholders(chunk.length);
      for (const t of this.#db
        .prepare(`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (${ph})`)
        .all(...chunk) as Array<{
        run_uuid: string;
        key: string;
        value: string;
      }>) {
        tags.get(t.run_uuid)![t.key] = t.value;
      }
      for (const p of this.#db
        .prepare(`SELECT run_uuid, key, value FROM params WHERE run_uuid IN (${ph})`)
        .all(...chunk) as Array<{
        run_uuid: string;
        key: string;
        value: string;
      }>) {
        params.get(p.run_uuid)![p.key] = p.value;
      }
      for (const m of this.#db
        .prepare(`SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (${ph})`)
        .all(...chunk) as LatestMetricRow[]) {
        metrics.get(m.run_uuid)!.push({
          key: m.key,
          value: m.is_nan ? Number.NaN : m.value,
          timestamp: m.timestamp ?? 0,
          step: m.step,
        });
      }
    }
    return rows.map((row) => {
      const metricObjects = metrics.get(row.run_uuid)!;
      const metricValues: Record<string, number> = {};
      for (const m of metricObjects) metricValues[m.key] = m.value;
      return {
        info: toRunInfo(row),
        data: {
          metrics: metricValues,
          params: params.get(row.run_uuid)!,
          tags: tags.get(row.run_uuid)!,
          metricObjects,
        },
        inputs: { datasetInputs: [], modelInputs: links.get(row.run_uuid)?.modelInputs ?? [] },
        outputs: { modelOutputs: links.get(row.run_uuid)?.modelOutputs ?? [] },
      };
    });
  }

  async updateRunInfo(runId: string, args: UpdateRunInfoArgs): Promise<RunInfo> {
    return this.#write(() => {
      const row = this.#activeRunRow(runId);
      if (args.status !== undefined) row.status = args.status;
      if (args.endTime !== undefined && args.endTime !== null) row.end_time = args.endTime;
      if (args.runName) {
        row.name = args.runName;
        this.#stmt('INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)').run(
          MLFLOW_RUN_NAME,
          args.runName,
          runId,
        );
      }
      this.#stmt('UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_uuid = ?').run(
        row.status,
        row.end_time,
        row.name,
        runId,
      );
      return toRunInfo(row);
    });
  }

  async deleteRun(runId: string): Promise<void> {
    this.#write(() => {
      this.#runRow(runId);
      this.#stmt("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?").run(
        Date.now(),
        runId,
      );
    });
  }

  async restoreRun(runId: string): Promise<void> {
    this.#write(() => {
      this.#runRow(runId);
      this.#stmt("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?").run(runId);
    });
  }

  // ---------------------------------------------------------------- run data

  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }): Promise<void> {
    validateRunId(runId);
    const checked = validateBatchLogData(batch.metrics ?? [], batch.params ?? [], batch.tags ?? []);
    validateBatchLogLimits(checked.metrics, checked.params, checked.tags);
    validateParamKeysUnique(checked.params);
    this.#write(() => {
      const row = this.#activeRunRow(runId);
      this.#logParams(runId, checked.params);
      this.#logMetrics(runId, checked.metrics);
      this.#loggedModels.logModelMetricsInTransaction(runId, row.experiment_id, checked.metrics);
      this.#setTags(runId, checked.tags);
    });
  }

  #logParams(runId: string, params: Param[]): void {
    if (params.length === 0) return;
    const existing = new Map<string, string>();
    for (const chunk of chunks(
      params.map((p) => p.key),
      ID_CHUNK,
    )) {
      for (const r of this.#db
        .prepare(`SELECT key, value FROM params WHERE run_uuid = ? AND key IN (${placeholders(chunk.length)})`)
        .all(runId, ...chunk) as Array<{ key: string; value: string }>) {
        existing.set(r.key, r.value);
      }
    }
    const conflicts: Array<{ key: string; old_value: string; new_value: string }> = [];
    const fresh: Param[] = [];
    for (const p of params) {
      const old = existing.get(p.key);
      if (old === undefined) fresh.push(p);
      else if (old !== p.value) conflicts.push({ key: p.key, old_value: old, new_value: p.value });
    }
    if (conflicts.length > 0) {
      const shown = conflicts
        .map(
          (c) => `{'key': ${pyRepr(c.key)}, 'old_value': ${pyRepr(c.old_value)}, 'new_value': ${pyRepr(c.new_value)}}`,
        )
        .join(', ');
      throw new InvalidParameterError(
        `Changing param values is not allowed. Params were already logged='[${shown}]' for run ID='${runId}'.`,
      );
    }
    const ins = this.#stmt('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
    for (const p of fresh) ins.run(p.key, p.value, runId);
  }

  #logMetrics(runId: string, metrics: Metric[]): void {
    if (metrics.length === 0) return;
    // Rows in primary-key order (key, timestamp, step) touch far fewer B-tree pages per batch.
    const rows: MetricRow[] = metrics.map((m) => {
      const isNan = Number.isNaN(m.value);
      const value = isNan ? 0 : m.value === Infinity ? DBL_MAX : m.value === -Infinity ? -DBL_MAX : m.value;
      return { key: m.key, value, timestamp: m.timestamp, step: m.step, is_nan: isNan ? 1 : 0 };
    });
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.timestamp - b.timestamp || a.step - b.step));
    const args: Array<string | number> = [];
    let i = 0;
    const many = this.#stmt(
      `INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ${METRIC_ROWS_SQL}`,
    );
    for (; i + METRIC_ROWS_PER_STMT <= rows.length; i += METRIC_ROWS_PER_STMT) {
      args.length = 0;
      for (let j = i; j < i + METRIC_ROWS_PER_STMT; j++) {
        const r = rows[j]!;
        args.push(r.key, r.value, r.timestamp, runId, r.step, r.is_nan);
      }
      many.run(args);
    }
    const one = this.#stmt(
      'INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      one.run(r.key, r.value, r.timestamp, runId, r.step, r.is_nan);
    }
    // Latest value per key: the largest (step, timestamp, value), compared on stored values as MLflow does.
    const latest = new Map<string, MetricRow>();
    for (const r of rows) {
      const cur = latest.get(r.key);
      if (!cur || isMoreRecent(r, cur)) latest.set(r.key, r);
    }
    const keys = [...latest.keys()];
    const stored = new Map<string, MetricRow>();
    for (const chunk of chunks(keys, ID_CHUNK)) {
      for (const r of this.#db
        .prepare(
          `SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? AND key IN (${placeholders(chunk.length)})`,
        )
        .all(runId, ...chunk) as MetricRow[]) {
        stored.set(r.key, r);
      }
    }
    const upsert = this.#stmt(
      `INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key, run_uuid) DO UPDATE SET
         value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan`,
    );
    for (const row of latest.values()) {
      const cur = stored.get(row.key);
      if (!cur || isMoreRecent(row, cur)) upsert.run(row.key, row.value, row.timestamp, row.step, row.is_nan, runId);
    }
  }

  #setTags(runId: string, tags: RunTag[]): void {
    if (tags.length === 0) return;
    const ins = this.#stmt('INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
    for (const tag of tags) {
      ins.run(tag.key, tag.value, runId);
      if (tag.key === MLFLOW_RUN_NAME) this.#stmt('UPDATE runs SET name = ? WHERE run_uuid = ?').run(tag.value, runId);
    }
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    const checked = validateTag(key, value);
    this.#write(() => {
      this.#activeRunRow(runId);
      this.#setTags(runId, [{ key, value: checked }]);
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.#write(() => {
      this.#activeRunRow(runId);
      const info = this.#stmt('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, key);
      if (info.changes === 0) throw new ResourceDoesNotExistError(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  async getMetricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<PagedList<Metric>> {
    return this.#read(() => {
      this.#runRow(runId);
      const offset = parseStartOffsetFromPageToken(options.pageToken);
      const limit = options.maxResults === undefined ? -1 : options.maxResults + 1;
      const rows = this.#stmt(
        'SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY timestamp, step, value LIMIT ? OFFSET ?',
      ).all(runId, key, limit, offset) as MetricRow[];
      const more = options.maxResults !== undefined && rows.length > options.maxResults;
      const page = more ? rows.slice(0, options.maxResults) : rows;
      const items = page.map((r) => ({
        key: r.key,
        value: r.is_nan ? Number.NaN : r.value,
        timestamp: r.timestamp,
        step: r.step,
        runId,
      }));
      return more ? { items, nextPageToken: createPageToken(offset + options.maxResults!) } : { items };
    });
  }

  async searchRuns(query: SearchRunsQuery): Promise<PagedList<Run>> {
    const maxResults = query.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    validateMaxResults(maxResults);
    return this.#read(() => {
      const offset = parseStartOffsetFromPageToken(query.pageToken);
      const { sql, params } = buildSearchRunsSql({
        experimentIds: query.experimentIds.map((id) => String(parseExperimentId(id))),
        filterString: query.filterString ?? '',
        runViewType: query.runViewType ?? ViewType.ACTIVE_ONLY,
        orderBy: query.orderBy ?? [],
        offset,
        limit: maxResults + 1,
      });
      const ids = (this.#db.prepare(sql).all(...params) as Array<{ run_uuid: string }>).map((r) => r.run_uuid);
      const page = ids.slice(0, maxResults);
      const rows = new Map<string, RunRow>();
      for (const chunk of chunks(page, ID_CHUNK)) {
        for (const r of this.#db
          .prepare(`SELECT * FROM runs WHERE run_uuid IN (${placeholders(chunk.length)})`)
          .all(...chunk) as RunRow[]) {
          rows.set(r.run_uuid, r);
        }
      }
      const items = this.#loadRuns(page.map((id) => rows.get(id)!));
      return ids.length > maxResults ? { items, nextPageToken: createPageToken(offset + maxResults) } : { items };
    });
  }

  // ---------------------------------------------------------------- traces

  async startTrace(info: TraceInfo): Promise<TraceInfo> {
    return this.#traces.startTrace(info);
  }
  async logSpans(experimentId: string, spans: Span[]): Promise<void> {
    this.#traces.logSpans(experimentId, spans);
  }
  async getTraceInfo(traceId: string): Promise<TraceInfo> {
    return this.#traces.getTraceInfo(traceId);
  }
  async getTrace(traceId: string, options: { allowPartial?: boolean } = {}): Promise<Trace> {
    return this.#traces.getTrace(traceId, options);
  }
  async searchTraces(query: SearchTracesQuery): Promise<PagedList<TraceInfo>> {
    return this.#traces.searchTraces(query);
  }
  async setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    this.#traces.setTraceTag(traceId, key, value);
  }
  async deleteTraceTag(traceId: string, key: string): Promise<void> {
    this.#traces.deleteTraceTag(traceId, key);
  }
  async deleteTraces(args: DeleteTracesArgs): Promise<number> {
    return this.#traces.deleteTraces(args);
  }
  async linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    this.#traces.linkTracesToRun(traceIds, runId);
  }
  async linkPromptsToTrace(
    traceId: string,
    prompts: ReadonlyArray<{ name: string; version: string | number }>,
  ): Promise<void> {
    this.#traces.linkPromptsToTrace(traceId, prompts);
  }

  // ---------------------------------------------------------------- assessments

  async createAssessment(assessment: Assessment): Promise<Assessment> {
    return this.#assessments.createAssessment(assessment);
  }
  async createAssessments(assessments: readonly Assessment[]): Promise<Assessment[]> {
    return this.#assessments.createAssessments(assessments);
  }
  async getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    return this.#assessments.getAssessment(traceId, assessmentId);
  }
  async updateAssessment(traceId: string, assessmentId: string, updates: UpdateAssessmentArgs): Promise<Assessment> {
    return this.#assessments.updateAssessment(traceId, assessmentId, updates);
  }
  async deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    this.#assessments.deleteAssessment(traceId, assessmentId);
  }

  // ---------------------------------------------------------------- logged models

  async createLoggedModel(args: CreateLoggedModelArgs): Promise<LoggedModel> {
    return this.#loggedModels.createLoggedModel(args);
  }
  async getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    return this.#loggedModels.getLoggedModel(modelId, allowDeleted);
  }
  async deleteLoggedModel(modelId: string): Promise<void> {
    this.#loggedModels.deleteLoggedModel(modelId);
  }
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.#loggedModels.finalizeLoggedModel(modelId, status);
  }
  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    this.#loggedModels.setLoggedModelTags(modelId, tags);
  }
  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.#loggedModels.deleteLoggedModelTag(modelId, key);
  }
  async logLoggedModelParams(modelId: string, params: Record<string, string>): Promise<void> {
    this.#loggedModels.logLoggedModelParams(modelId, params);
  }
  async searchLoggedModels(query: SearchLoggedModelsQuery): Promise<PagedList<LoggedModel>> {
    return this.#loggedModels.searchLoggedModels(query);
  }
  async logOutputs(runId: string, models: LoggedModelRef[]): Promise<void> {
    this.#loggedModels.logOutputs(runId, models);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#checkpointer?.stop();
    this.#db.close();
  }
}

function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    runUuid: row.run_uuid,
    experimentId: String(row.experiment_id),
    runName: row.name ?? '',
    userId: row.user_id ?? '',
    status: (row.status ?? RunStatus.RUNNING) as RunStatus,
    startTime: row.start_time ?? 0,
    endTime: row.end_time ?? null,
    artifactUri: row.artifact_uri ?? '',
    lifecycleStage: (row.lifecycle_stage ?? LifecycleStage.ACTIVE) as RunInfo['lifecycleStage'],
  };
}

function isMoreRecent(a: MetricRow, b: MetricRow): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

function checkExperimentActive(row: ExperimentRow): void {
  if (row.lifecycle_stage !== LifecycleStage.ACTIVE) {
    throw new InvalidParameterError(
      `The experiment ${row.experiment_id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
    );
  }
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Python's repr of a str, for messages that must read like MLflow's. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** @internal A better-sqlite3 error as an MlflowError (busy/locked: TEMPORARILY_UNAVAILABLE). */
export function toMlflowError(err: unknown): MlflowError {
  if (err instanceof MlflowError) return err;
  const e = err as { code?: string; message?: string };
  if (e?.code === 'SQLITE_BUSY' || e?.code === 'SQLITE_LOCKED') {
    return new MlflowError(
      `The database is locked by another writer: ${e.message}`,
      ErrorCode.TEMPORARILY_UNAVAILABLE,
      {
        cause: err,
      },
    );
  }
  return new MlflowError(`Tracking store error: ${e?.message ?? String(err)}`, ErrorCode.INTERNAL_ERROR, {
    cause: err,
  });
}
