import type BetterSqlite3 from 'better-sqlite3';
import type { PagedList } from '../entities/index.js';
import {
  ACTIVE_MODEL_VERSION_STAGES,
  ALL_MODEL_VERSION_STAGES,
  type ModelVersion,
  ModelVersionStatus,
  type RegisteredModel,
  STAGE_DELETED_INTERNAL,
} from '../entities/model-registry.js';
import {
  ErrorCode,
  InvalidParameterError,
  MlflowError,
  ResourceAlreadyExistsError,
  ResourceDoesNotExistError,
} from '../errors.js';
import { createPageToken, parseStartOffsetFromPageToken } from '../search/page-token.js';
import { statementCache } from '../sqlite/database.js';
import { pythonFormat, validateTagName } from '../validation.js';
import { parseModelUri, uriScheme } from './model-uri.js';
import {
  checkRegisteredModelFilter,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelComparisons,
  parseRegisteredModelOrderBy,
} from './search.js';
import { buildSearchModelVersionsSql, buildSearchRegisteredModelsSql, DEFAULT_WORKSPACE } from './search-sql.js';
import {
  type CreateModelVersionArgs,
  type ModelRegistryStore,
  SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
  SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
  SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
  type SearchRegistryQuery,
} from './store.js';
import {
  getCanonicalStage,
  hasPromptTag,
  REGISTERED_MODEL_ALIAS_LATEST,
  validateAliasName,
  validateAliasNameReserved,
  validateModelName,
  validateModelRenaming,
  validateModelVersion,
  validateModelVersionTag,
  validateRegisteredModelTag,
} from './validation.js';

// What a deleted version's columns are overwritten with (`delete_model_version`).
const REDACTED_SOURCE = 'REDACTED-SOURCE-PATH';
const REDACTED_RUN_ID = 'REDACTED-RUN-ID';
const REDACTED_RUN_LINK = 'REDACTED-RUN-LINK';
const ID_CHUNK = 500;

/** What the registry part of the embedded store needs from {@link SqliteTrackingStore}. */
export interface SqliteRegistryStoreHost {
  readonly db: BetterSqlite3.Database;
  /** The tracking store's URI: the registry lives in the same database. */
  readonly uri: string;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
}

interface RegisteredModelRow {
  name: string;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  workspace: string;
}

interface ModelVersionRow {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  user_id: string | null;
  current_stage: string | null;
  source: string | null;
  run_id: string | null;
  status: string | null;
  status_message: string | null;
  run_link: string | null;
  storage_location: string | null;
  workspace: string;
}

interface TagRow {
  name: string;
  key: string;
  value: string | null;
}

/**
 * The model registry in the embedded store's SQLite file: MLflow 3.18's registry tables written
 * and read as `mlflow.store.model_registry.sqlalchemy_store.SqlAlchemyStore` does (validation,
 * timestamps, version numbering, stages, aliases incl. `latest`, soft-deleted versions, search
 * with prompts excluded). It shares the tracking store's connection, so its writes are immediate
 * transactions under the same busy timeout and WAL as every other write.
 *
 * Not reproduced: workspaces other than `default`, webhooks, deployment job ids (MLflow's SQL
 * store keeps none either) and the model version `user_id` (never written by MLflow's SQL store).
 */
export class SqliteRegistryStore implements ModelRegistryStore {
  readonly registryUri: string;
  readonly #host: SqliteRegistryStoreHost;
  readonly #stmt: (sql: string) => BetterSqlite3.Statement;

  constructor(host: SqliteRegistryStoreHost) {
    this.#host = host;
    this.#stmt = statementCache(host.db);
    this.registryUri = host.uri;
  }

  // -------------------------------------------------------------------------------- rows

  /** `_get_registered_model`: validates the name; RESOURCE_DOES_NOT_EXIST when missing. */
  #modelRow(name: string): RegisteredModelRow {
    validateModelName(name);
    const row = this.#stmt('SELECT * FROM registered_models WHERE workspace = ? AND name = ?').get(
      DEFAULT_WORKSPACE,
      name,
    ) as RegisteredModelRow | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Registered Model with name=${name} not found`);
    return row;
  }

  /** `_get_sql_model_version`: validates name and version; deleted versions do not exist. */
  #versionRow(name: string, version: unknown): ModelVersionRow {
    validateModelName(name);
    const v = validateModelVersion(version);
    const row = this.#stmt(
      'SELECT * FROM model_versions WHERE workspace = ? AND name = ? AND version = ? AND current_stage != ?',
    ).get(DEFAULT_WORKSPACE, name, v, STAGE_DELETED_INTERNAL) as ModelVersionRow | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Model Version (name=${name}, version=${v}) not found`);
    return row;
  }

  #modelTags(name: string): Record<string, string> {
    return toTagRecord(
      this.#stmt(
        'SELECT name, "key", value FROM registered_model_tags WHERE workspace = ? AND name = ? ORDER BY "key"',
      ).all(DEFAULT_WORKSPACE, name) as TagRow[],
    );
  }

  #aliases(name: string): Array<{ alias: string; version: number }> {
    return this.#stmt(
      'SELECT alias, version FROM registered_model_aliases WHERE workspace = ? AND name = ? ORDER BY alias',
    ).all(DEFAULT_WORKSPACE, name) as Array<{ alias: string; version: number }>;
  }

  #versionTags(name: string, version: number): Record<string, string> {
    return toTagRecord(
      this.#stmt(
        'SELECT name, "key", value FROM model_version_tags WHERE workspace = ? AND name = ? AND version = ? ORDER BY "key"',
      ).all(DEFAULT_WORKSPACE, name, version) as TagRow[],
    );
  }

  /** A version as `SqlModelVersion.to_mlflow_entity` gives it, aliases filled in when asked for. */
  #version(row: ModelVersionRow, withAliases: boolean): ModelVersion {
    const aliases = withAliases
      ? this.#aliases(row.name)
          .filter((a) => a.version === row.version)
          .map((a) => a.alias)
      : [];
    return toModelVersion(row, this.#versionTags(row.name, row.version), aliases);
  }

  /** The latest version per stage, stages in the order their first version appears (`to_mlflow_entity`). */
  #latestVersionRows(name: string): ModelVersionRow[] {
    const rows = this.#stmt(
      'SELECT * FROM model_versions WHERE workspace = ? AND name = ? AND current_stage != ? ORDER BY version',
    ).all(DEFAULT_WORKSPACE, name, STAGE_DELETED_INTERNAL) as ModelVersionRow[];
    const latest = new Map<string | null, ModelVersionRow>();
    for (const r of rows) {
      const cur = latest.get(r.current_stage);
      if (!cur || cur.version < r.version) latest.set(r.current_stage, r);
    }
    return [...latest.values()];
  }

  #registeredModel(row: RegisteredModelRow): RegisteredModel {
    const latest = this.#latestVersionRows(row.name).map((r) => this.#version(r, false));
    return toRegisteredModel(row, latest, this.#modelTags(row.name), this.#aliases(row.name));
  }

  // -------------------------------------------------------------------------------- registered models

  async createRegisteredModel(
    name: string,
    options: { tags?: Record<string, string>; description?: string | null } = {},
  ): Promise<RegisteredModel> {
    validateModelName(name);
    const tags = options.tags ?? {};
    for (const [key, value] of Object.entries(tags)) validateRegisteredModelTag(key, value);
    return this.#host.write(() => {
      const now = Date.now();
      try {
        this.#stmt(
          'INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) VALUES (?, ?, ?, ?, ?)',
        ).run(name, now, now, options.description ?? null, DEFAULT_WORKSPACE);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const existing = this.#modelTags(name);
        throw alreadyExists(name, hasPromptTag(existing), hasPromptTag(tags));
      }
      const ins = this.#stmt('INSERT INTO registered_model_tags ("key", value, name, workspace) VALUES (?, ?, ?, ?)');
      for (const [key, value] of Object.entries(tags)) ins.run(key, value, name, DEFAULT_WORKSPACE);
      return this.#registeredModel(this.#modelRow(name));
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#host.read(() => this.#registeredModel(this.#modelRow(name)));
  }

  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    return this.#host.write(() => {
      const row = this.#modelRow(name);
      this.#stmt(
        'UPDATE registered_models SET description = ?, last_updated_time = ? WHERE workspace = ? AND name = ?',
      ).run(description ?? null, Date.now(), row.workspace, row.name);
      return this.#registeredModel(this.#modelRow(name));
    });
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelRenaming(newName);
    return this.#host.write(() => {
      const row = this.#modelRow(name);
      const now = Date.now();
      try {
        // Tags, aliases, versions and version tags follow through ON UPDATE CASCADE.
        this.#stmt('UPDATE registered_models SET name = ?, last_updated_time = ? WHERE workspace = ? AND name = ?').run(
          newName,
          now,
          row.workspace,
          row.name,
        );
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new ResourceAlreadyExistsError(
          `Registered Model (name=${newName}) already exists. Error: (sqlite3.IntegrityError) ${(err as Error).message}`,
        );
      }
      this.#stmt('UPDATE model_versions SET last_updated_time = ? WHERE workspace = ? AND name = ?').run(
        now,
        row.workspace,
        newName,
      );
      return this.#registeredModel(this.#modelRow(newName));
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    this.#host.write(() => {
      const row = this.#modelRow(name);
      for (const table of [
        'model_version_tags',
        'model_versions',
        'registered_model_tags',
        'registered_model_aliases',
      ]) {
        this.#stmt(`DELETE FROM ${table} WHERE workspace = ? AND name = ?`).run(row.workspace, row.name);
      }
      this.#stmt('DELETE FROM registered_models WHERE workspace = ? AND name = ?').run(row.workspace, row.name);
    });
  }

  async searchRegisteredModels(query: SearchRegistryQuery = {}): Promise<PagedList<RegisteredModel>> {
    const maxResults = query.maxResults ?? SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT;
    if (!Number.isInteger(maxResults) || maxResults > SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD) {
      throw new InvalidParameterError(
        'Invalid value for request parameter max_results. It must be at most ' +
          `${SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD}, but got value ${maxResults}`,
      );
    }
    const parsed = parseRegisteredModelComparisons(query.filterString);
    const orderBy = parseRegisteredModelOrderBy(query.orderBy);
    const offset = parseStartOffsetFromPageToken(query.pageToken);
    return this.#host.read(() => {
      const clauses = checkRegisteredModelFilter(parsed);
      const { sql, params } = buildSearchRegisteredModelsSql({
        clauses,
        orderBy,
        offset: query.pageToken ? offset : 0,
        limit: maxResults + 1,
      });
      const rows = this.#host.db.prepare(sql).all(...params) as RegisteredModelRow[];
      const nextPageToken = rows.length === maxResults + 1 ? createPageToken(offset + maxResults) : undefined;
      const page = rows.slice(0, maxResults);
      const items = this.#registeredModels(page);
      return nextPageToken === undefined ? { items } : { items, nextPageToken };
    });
  }

  /** Entities for a search page, loading tags, aliases and latest versions in bulk. */
  #registeredModels(rows: RegisteredModelRow[]): RegisteredModel[] {
    const names = rows.map((r) => r.name);
    const tags = new Map<string, Record<string, string>>(names.map((n) => [n, {}]));
    const aliases = new Map<string, Array<{ alias: string; version: number }>>(names.map((n) => [n, []]));
    const latest = new Map<string, Map<string, ModelVersionRow>>(names.map((n) => [n, new Map()]));
    const versionRows: ModelVersionRow[] = [];
    for (const chunk of chunks(names, ID_CHUNK)) {
      const ph = placeholders(chunk.length);
      for (const t of this.#host.db
        .prepare(
          `SELECT name, "key", value FROM registered_model_tags WHERE workspace = ? AND name IN (${ph}) ORDER BY "key"`,
        )
        .all(DEFAULT_WORKSPACE, ...chunk) as TagRow[]) {
        (tags.get(t.name) as Record<string, string>)[t.key] = t.value ?? '';
      }
      for (const a of this.#host.db
        .prepare(
          `SELECT name, alias, version FROM registered_model_aliases WHERE workspace = ? AND name IN (${ph}) ORDER BY alias`,
        )
        .all(DEFAULT_WORKSPACE, ...chunk) as Array<{ name: string; alias: string; version: number }>) {
        aliases.get(a.name)?.push({ alias: a.alias, version: a.version });
      }
      for (const r of this.#host.db
        .prepare(`SELECT * FROM model_versions WHERE workspace = ? AND name IN (${ph}) AND current_stage != ?`)
        .all(DEFAULT_WORKSPACE, ...chunk, STAGE_DELETED_INTERNAL) as ModelVersionRow[]) {
        const perStage = latest.get(r.name) as Map<string, ModelVersionRow>;
        const stage = r.current_stage ?? '';
        const cur = perStage.get(stage);
        if (!cur || cur.version < r.version) perStage.set(stage, r);
      }
    }
    for (const perStage of latest.values()) versionRows.push(...perStage.values());
    const versionTags = this.#versionTagsFor(versionRows);
    return rows.map((row) => {
      // `_get_latest_versions_for_models` comes back grouped by stage, in the window's partition order.
      const latestRows = [...(latest.get(row.name) as Map<string, ModelVersionRow>).entries()]
        .sort(([a], [b]) => compareBinary(a, b))
        .map(([, r]) => toModelVersion(r, versionTags.get(versionKey(r.name, r.version)) ?? {}, []));
      return toRegisteredModel(row, latestRows, tags.get(row.name) ?? {}, aliases.get(row.name) ?? []);
    });
  }

  /** Tags of many versions at once, keyed by {@link versionKey}. */
  #versionTagsFor(rows: readonly ModelVersionRow[]): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>(rows.map((r) => [versionKey(r.name, r.version), {}]));
    const names = [...new Set(rows.map((r) => r.name))];
    for (const chunk of chunks(names, ID_CHUNK)) {
      for (const t of this.#host.db
        .prepare(
          `SELECT name, version, "key", value FROM model_version_tags WHERE workspace = ? AND name IN (${placeholders(chunk.length)}) ORDER BY "key"`,
        )
        .all(DEFAULT_WORKSPACE, ...chunk) as Array<TagRow & { version: number }>) {
        const target = out.get(versionKey(t.name, t.version));
        if (target) target[t.key] = t.value ?? '';
      }
    }
    return out;
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    validateRegisteredModelTag(key, value);
    this.#host.write(() => {
      const row = this.#modelRow(name);
      this.#stmt(
        `INSERT INTO registered_model_tags ("key", value, name, workspace) VALUES (?, ?, ?, ?)
         ON CONFLICT (workspace, "key", name) DO UPDATE SET value = excluded.value`,
      ).run(key, value, row.name, row.workspace);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateTagName(key);
    this.#host.write(() => {
      const row = this.#modelRow(name);
      // A missing tag is not an error in MLflow's SQL store.
      this.#stmt('DELETE FROM registered_model_tags WHERE workspace = ? AND name = ? AND "key" = ?').run(
        row.workspace,
        row.name,
        key,
      );
    });
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return this.#host.read(() => this.#latestVersions(name, stages));
  }

  #latestVersions(name: string, stages?: readonly string[]): ModelVersion[] {
    const row = this.#modelRow(name);
    const latest = this.#latestVersionRows(row.name);
    const expected = new Set<string>(
      stages === undefined || stages.length === 0 ? ALL_MODEL_VERSION_STAGES : stages.map(getCanonicalStage),
    );
    return latest.filter((r) => expected.has(r.current_stage ?? '')).map((r) => this.#version(r, true));
  }

  // -------------------------------------------------------------------------------- model versions

  async createModelVersion(args: CreateModelVersionArgs): Promise<ModelVersion> {
    const { name, source } = args;
    validateModelName(name);
    const tags = args.tags ?? {};
    for (const [key, value] of Object.entries(tags)) validateModelVersionTag(key, value);
    let runId = args.runId ?? null;
    return this.#host.write(() => {
      let storageLocation = source;
      if (uriScheme(source) === 'models') {
        const parsed = parseModelUri(source);
        try {
          if (parsed.modelId !== undefined) {
            const model = this.#loggedModel(parsed.modelId);
            storageLocation = model.artifact_location;
            runId = runId || model.source_run_id;
          } else {
            if (parsed.version === undefined) {
              // MLflow passes the missing version to int(), which fails with a TypeError.
              throw new Error("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
            }
            storageLocation = this.#downloadUri(parsed.name as string, parsed.version);
          }
        } catch (err) {
          throw new MlflowError(
            `Unable to fetch model from model URI source artifact location '${source}'.Error: ${(err as Error).message}`,
            ErrorCode.INTERNAL_ERROR,
            { cause: err },
          );
        }
      }
      if (!runId && args.modelId) runId = this.#loggedModel(args.modelId).source_run_id;

      const rm = this.#modelRow(name);
      const now = Date.now();
      this.#stmt('UPDATE registered_models SET last_updated_time = ? WHERE workspace = ? AND name = ?').run(
        now,
        rm.workspace,
        rm.name,
      );
      const max = this.#stmt('SELECT max(version) AS v FROM model_versions WHERE workspace = ? AND name = ?').get(
        rm.workspace,
        rm.name,
      ) as { v: number | null };
      const version = (max.v ?? 0) + 1;
      this.#stmt(
        `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id,
           current_stage, source, run_id, status, status_message, run_link, storage_location, workspace)
         VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, NULL, ?, ?, ?)`,
      ).run(
        name,
        version,
        now,
        now,
        args.description ?? null,
        source,
        runId ?? null,
        ModelVersionStatus.READY,
        args.runLink ?? null,
        storageLocation,
        rm.workspace,
      );
      const ins = this.#stmt(
        'INSERT INTO model_version_tags ("key", value, name, version, workspace) VALUES (?, ?, ?, ?, ?)',
      );
      for (const [key, value] of Object.entries(tags)) ins.run(key, value, name, version, rm.workspace);
      return this.#version(this.#versionRow(name, version), true);
    });
  }

  /** `get_logged_model` (active models only) as `create_model_version` uses it. */
  #loggedModel(modelId: string): { artifact_location: string; source_run_id: string | null } {
    const row = this.#stmt(
      "SELECT artifact_location, source_run_id FROM logged_models WHERE model_id = ? AND (lifecycle_stage IS NULL OR lifecycle_stage != 'deleted')",
    ).get(modelId) as { artifact_location: string; source_run_id: string | null } | undefined;
    if (!row) throw new ResourceDoesNotExistError(`Logged model with ID '${modelId}' not found.`);
    return row;
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.#host.read(() => this.#version(this.#versionRow(name, version), true));
  }

  async updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion> {
    return this.#host.write(() => {
      const row = this.#versionRow(name, version);
      this.#stmt(
        'UPDATE model_versions SET description = ?, last_updated_time = ? WHERE workspace = ? AND name = ? AND version = ?',
      ).run(description ?? null, Date.now(), row.workspace, row.name, row.version);
      return this.#version(this.#versionRow(name, row.version), true);
    });
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelVersion(version);
    this.#host.write(() => {
      const row = this.#versionRow(name, version);
      const now = Date.now();
      this.#stmt('UPDATE registered_models SET last_updated_time = ? WHERE workspace = ? AND name = ?').run(
        now,
        row.workspace,
        row.name,
      );
      this.#stmt('DELETE FROM registered_model_aliases WHERE workspace = ? AND name = ? AND version = ?').run(
        row.workspace,
        row.name,
        row.version,
      );
      // Versions are soft-deleted and redacted; their tags and storage location stay, as in MLflow.
      this.#stmt(
        `UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, user_id = NULL,
           source = ?, run_id = ?, run_link = ?, status_message = NULL
         WHERE workspace = ? AND name = ? AND version = ?`,
      ).run(
        STAGE_DELETED_INTERNAL,
        now,
        REDACTED_SOURCE,
        REDACTED_RUN_ID,
        REDACTED_RUN_LINK,
        row.workspace,
        row.name,
        row.version,
      );
    });
  }

  async searchModelVersions(query: SearchRegistryQuery = {}): Promise<PagedList<ModelVersion>> {
    const maxResults = query.maxResults ?? SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT;
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw new InvalidParameterError(
        `Invalid value for max_results. It must be a positive integer, but got ${maxResults}`,
      );
    }
    if (maxResults > SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD) {
      throw new InvalidParameterError(
        'Invalid value for request parameter max_results. It must be at most ' +
          `${SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD}, but got value ${maxResults}`,
      );
    }
    const clauses = parseModelVersionFilter(query.filterString);
    const orderBy = parseModelVersionOrderBy(query.orderBy);
    const offset = parseStartOffsetFromPageToken(query.pageToken);
    return this.#host.read(() => {
      const { sql, params } = buildSearchModelVersionsSql({
        clauses,
        orderBy,
        offset: query.pageToken ? offset : 0,
        limit: maxResults + 1,
      });
      const rows = this.#host.db.prepare(sql).all(...params) as ModelVersionRow[];
      const nextPageToken = rows.length === maxResults + 1 ? createPageToken(offset + maxResults) : undefined;
      const page = rows.slice(0, maxResults);
      const tags = this.#versionTagsFor(page);
      // As in MLflow, search results carry no aliases.
      const items = page.map((r) => toModelVersion(r, tags.get(versionKey(r.name, r.version)) ?? {}, []));
      return nextPageToken === undefined ? { items } : { items, nextPageToken };
    });
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    validateModelVersionTag(key, value);
    this.#host.write(() => {
      const row = this.#versionRow(name, version);
      this.#stmt(
        `INSERT INTO model_version_tags ("key", value, name, version, workspace) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace, "key", name, version) DO UPDATE SET value = excluded.value`,
      ).run(key, value, row.name, row.version, row.workspace);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    validateTagName(key);
    this.#host.write(() => {
      const row = this.#versionRow(name, version);
      this.#stmt('DELETE FROM model_version_tags WHERE workspace = ? AND name = ? AND version = ? AND "key" = ?').run(
        row.workspace,
        row.name,
        row.version,
        key,
      );
    });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return this.#host.read(() => this.#downloadUri(name, version));
  }

  #downloadUri(name: string, version: unknown): string {
    const row = this.#versionRow(name, version);
    return row.storage_location || (row.source ?? '');
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const canonical = getCanonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_MODEL_VERSION_STAGES.includes(canonical)) {
      throw new MlflowError(
        'Model version transition cannot archive existing model versions because ' +
          `'${stage}' is not an Active stage. Valid stages are ${pythonFormat.repr([...ACTIVE_MODEL_VERSION_STAGES])}`,
        ErrorCode.INTERNAL_ERROR,
      );
    }
    return this.#host.write(() => {
      const now = Date.now();
      const row = this.#versionRow(name, version);
      if (archiveExistingVersions) {
        this.#stmt(
          `UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ?
           WHERE workspace = ? AND name = ? AND version != ? AND current_stage = ?`,
        ).run(now, row.workspace, row.name, row.version, canonical);
      }
      this.#stmt(
        'UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE workspace = ? AND name = ? AND version = ?',
      ).run(canonical, now, row.workspace, row.name, row.version);
      this.#stmt('UPDATE registered_models SET last_updated_time = ? WHERE workspace = ? AND name = ?').run(
        now,
        row.workspace,
        row.name,
      );
      return this.#version(this.#versionRow(name, row.version), true);
    });
  }

  // -------------------------------------------------------------------------------- aliases

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    validateAliasNameReserved(alias);
    validateModelVersion(version);
    this.#host.write(() => {
      const row = this.#versionRow(name, version);
      this.#stmt(
        `INSERT INTO registered_model_aliases (alias, version, name, workspace) VALUES (?, ?, ?, ?)
         ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version`,
      ).run(alias, row.version, row.name, row.workspace);
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    this.#host.write(() => {
      const row = this.#modelRow(name);
      this.#stmt('DELETE FROM registered_model_aliases WHERE workspace = ? AND name = ? AND alias = ?').run(
        row.workspace,
        row.name,
        alias,
      );
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAliasName(alias);
    return this.#host.read(() => {
      if (alias.toLowerCase() === REGISTERED_MODEL_ALIAS_LATEST) {
        const versions = this.#latestVersions(name);
        if (versions.length === 0) {
          throw new ResourceDoesNotExistError(`Latest version not found for model ${name}.`);
        }
        return versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
      }
      const row = this.#modelRow(name);
      const found = this.#stmt(
        'SELECT version FROM registered_model_aliases WHERE workspace = ? AND name = ? AND alias = ?',
      ).get(row.workspace, row.name, alias) as { version: number } | undefined;
      if (!found) throw new InvalidParameterError(`Registered model alias ${alias} not found.`);
      return this.#version(this.#versionRow(name, found.version), true);
    });
  }

  /** A no-op: the connection belongs to the tracking store, which closes it. */
  async close(): Promise<void> {}
}

// ------------------------------------------------------------------------------------ helpers

function toTagRecord(rows: readonly TagRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of rows) out[t.key] = t.value ?? '';
  return out;
}

function toModelVersion(row: ModelVersionRow, tags: Record<string, string>, aliases: string[]): ModelVersion {
  return {
    name: row.name,
    version: String(row.version),
    creationTimestamp: row.creation_time ?? 0,
    lastUpdatedTimestamp: row.last_updated_time ?? 0,
    description: row.description,
    userId: row.user_id,
    currentStage: row.current_stage ?? 'None',
    source: row.source ?? '',
    runId: row.run_id,
    status: (row.status ?? ModelVersionStatus.READY) as ModelVersionStatus,
    statusMessage: row.status_message,
    tags,
    runLink: row.run_link,
    aliases,
    // MLflow's SQL store does not keep the LoggedModel id of a version.
    modelId: null,
  };
}

function toRegisteredModel(
  row: RegisteredModelRow,
  latestVersions: ModelVersion[],
  tags: Record<string, string>,
  aliases: ReadonlyArray<{ alias: string; version: number }>,
): RegisteredModel {
  return {
    name: row.name,
    creationTimestamp: row.creation_time ?? 0,
    lastUpdatedTimestamp: row.last_updated_time ?? 0,
    description: row.description,
    latestVersions,
    tags,
    aliases: aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    deploymentJobId: null,
  };
}

/** `handle_resource_already_exist_error`: models and prompts share one namespace. */
function alreadyExists(name: string, existingIsPrompt: boolean, newIsPrompt: boolean): ResourceAlreadyExistsError {
  const oldEntity = existingIsPrompt ? 'Prompt' : 'Registered Model';
  const newEntity = newIsPrompt ? 'Prompt' : 'Registered Model';
  if (oldEntity !== newEntity) {
    return new ResourceAlreadyExistsError(
      `Tried to create a ${newEntity.toLowerCase()} with name ${pythonFormat.repr(name)}, but the name is ` +
        `already taken by a ${oldEntity.toLowerCase()}. MLflow does not allow creating a ` +
        'model and a prompt with the same name.',
    );
  }
  return new ResourceAlreadyExistsError(`${newEntity} (name=${name}) already exists.`);
}

function versionKey(name: string, version: number): string {
  return `${name}\u0000${version}`;
}

/** SQLite's BINARY collation on text: UTF-8 byte order, which is code point order. */
function compareBinary(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
