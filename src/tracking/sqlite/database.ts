/**
 * Opening the embedded store's SQLite database: connection pragmas, first-time schema creation
 * (safe against several processes creating the same new file at once) and the schema-version check
 * MLflow itself performs (`alembic_version` must hold MLflow 3.18.0's head revision).
 */

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, MlflowError } from '../errors.js';
import { MLFLOW_SCHEMA_HEAD, schemaStatements } from './schema.js';

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Open read-only: no pragmas that write, no schema creation. Default false. */
  readonly?: boolean;
  /** How long to wait for another connection's lock before failing, in ms. Default 30000. */
  busyTimeoutMs?: number;
}

/** Busy timeout used when {@link OpenDatabaseOptions.busyTimeoutMs} is not given, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

// SQLite paths that do not name a file on disk.
const isInMemory = (path: string): boolean => path === '' || path === ':memory:' || path.startsWith('file:');

/**
 * Opens (creating if needed) the SQLite tracking database at filesystem path `path`.
 *
 * Sets `journal_mode=WAL`, `busy_timeout`, `foreign_keys=ON` and `synchronous=NORMAL`. A database
 * without tables gets MLflow 3.18.0's schema, created in one `BEGIN IMMEDIATE` transaction that
 * re-checks emptiness, so concurrent creators do not collide. An existing database must be stamped
 * with {@link MLFLOW_SCHEMA_HEAD}; otherwise an `INVALID_STATE` {@link MlflowError} is thrown.
 */
/** @internal Prepares each SQL text once per connection (better-sqlite3 statements are reusable). */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new MlflowError(
      `busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`,
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  if (!readonly && !isInMemory(path)) mkdirSync(dirname(resolve(path)), { recursive: true });

  const db = new Database(path, { readonly, timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      // Reject a foreign or outdated database before changing its journal mode.
      if (!hasNoTables(db)) checkSchemaVersion(db, path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      createSchemaIfEmpty(db);
    }
    checkSchemaVersion(db, path);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function hasNoTables(db: Database.Database): boolean {
  const row = db
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .get() as { n: number };
  return row.n === 0;
}

// Creates the schema when the database has no tables. The emptiness check is repeated inside the
// write transaction: another process may have created the schema while we waited for the lock.
function createSchemaIfEmpty(db: Database.Database): void {
  if (!hasNoTables(db)) return;
  db.transaction(() => {
    if (!hasNoTables(db)) return;
    for (const statement of schemaStatements()) db.exec(statement);
  }).immediate();
}

function sqliteUri(path: string): string {
  return isInMemory(path) ? `sqlite:///${path}` : `sqlite:///${resolve(path)}`;
}

// The check MLflow's SqlAlchemyStore makes on an existing database (`_verify_schema`).
function checkSchemaVersion(db: Database.Database, path: string): void {
  const hasAlembic = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").get();
  if (!hasAlembic) {
    if (hasNoTables(db)) {
      throw new MlflowError(
        `SQLite database at ${path} is empty and was opened read-only, so MLflow's schema could not be created.`,
        ErrorCode.INVALID_STATE,
      );
    }
    throw new MlflowError(
      `SQLite database at ${path} has tables but no alembic_version table: it is not an MLflow tracking ` +
        'database. Point the tracking URI at a new file or at a database created by MLflow.',
      ErrorCode.INVALID_STATE,
    );
  }
  const rows = db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[];
  const found = rows.map((r) => r.version_num);
  if (found.length === 1 && found[0] === MLFLOW_SCHEMA_HEAD) return;
  const foundText = found.length === 0 ? 'none' : found.join(', ');
  throw new MlflowError(
    `Detected out-of-date database schema in ${path} (found version ${foundText}, but expected ` +
      `${MLFLOW_SCHEMA_HEAD}, the schema of MLflow 3.18.0). Take a backup of the database, then run ` +
      `'mlflow db upgrade ${sqliteUri(path)}' with MLflow 3.18.0 to migrate it to this schema.`,
    ErrorCode.INVALID_STATE,
  );
}
