// Our declarative MLflow 3.18.0 schema against the real thing: a database made by
// `mlflow db upgrade` is compared PRAGMA by PRAGMA (and through SQLAlchemy's reflection, which sees
// constraint names and CHECK constraints) with one made by openDatabase.

import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode, isMlflowError } from '../../../src/tracking/errors.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from '../../../src/tracking/sqlite/database.js';
import { MLFLOW_SCHEMA_HEAD, MLFLOW_TABLES, schemaStatements } from '../../../src/tracking/sqlite/schema.js';
import { VENV_MLFLOW as MLFLOW_BIN, VENV_PYTHON as PYTHON_BIN, REPO_ROOT as REPO } from '../../helpers/paths.js';

const OLDER_REVISION = '8b6ad64cb8f5'; // the head's parent revision in MLflow 3.18.0
const PYTHON_ENV = { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' };
const SLOW = 180_000;

type Row = Record<string, unknown>;

interface TableSnapshot {
  tableInfo: Row[];
  tableXinfo: Row[];
  indexList: Row[];
  indexInfo: Record<string, Row[]>;
  indexXinfo: Record<string, Row[]>;
  foreignKeys: Row[];
  rows: Row[];
}

interface DbSnapshot {
  tables: Record<string, TableSnapshot>;
  triggers: Row[];
  alembicVersion: string[];
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

// Everything SQLite tells about the schema (plus the rows), read through a read-only connection.
function snapshot(path: string): DbSnapshot {
  const db = new Database(path, { readonly: true });
  try {
    const names = (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[]
    ).map((r) => r.name);
    const tables: Record<string, TableSnapshot> = {};
    for (const name of names) {
      // index_list's `seq` is creation order, which MLflow itself does not fix: alembic's batch
      // table rebuilds re-create indexes in Python set order (varies with PYTHONHASHSEED). So
      // compare the list by name, without `seq`.
      const indexList = (db.pragma(`index_list(${quote(name)})`) as Row[])
        .map(({ seq: _seq, ...rest }) => rest)
        .sort((x, y) => String(x.name).localeCompare(String(y.name)));
      const indexInfo: Record<string, Row[]> = {};
      const indexXinfo: Record<string, Row[]> = {};
      for (const index of indexList) {
        const indexName = String(index.name);
        indexInfo[indexName] = db.pragma(`index_info(${quote(indexName)})`) as Row[];
        indexXinfo[indexName] = db.pragma(`index_xinfo(${quote(indexName)})`) as Row[];
      }
      tables[name] = {
        tableInfo: db.pragma(`table_info(${quote(name)})`) as Row[],
        tableXinfo: db.pragma(`table_xinfo(${quote(name)})`) as Row[],
        indexList,
        indexInfo,
        indexXinfo,
        foreignKeys: db.pragma(`foreign_key_list(${quote(name)})`) as Row[],
        rows: db.prepare(`SELECT * FROM ${quote(name)}`).all() as Row[],
      };
    }
    const triggers = db
      .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
      .all() as Row[];
    const alembicVersion = names.includes('alembic_version')
      ? (db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[]).map(
          (r) => r.version_num,
        )
      : [];
    return { tables, triggers, alembicVersion };
  } finally {
    db.close();
  }
}

// What SQLAlchemy's reflection (which MLflow's migrations use) sees: constraint names and CHECKs.
const REFLECT_SCRIPT = `
import json, re, sys
import sqlalchemy as sa
out = {}
for path in sys.argv[1:]:
    engine = sa.create_engine("sqlite:///" + path)
    insp = sa.inspect(engine)
    norm = lambda s: re.sub(r"\\s+", " ", s).strip()
    tables = {}
    for t in insp.get_table_names():
        tables[t] = {
            "primaryKey": insp.get_pk_constraint(t),
            "uniques": insp.get_unique_constraints(t),
            "checks": [{"name": c["name"], "sqltext": norm(c["sqltext"])} for c in insp.get_check_constraints(t)],
            "foreignKeys": insp.get_foreign_keys(t),
            "indexes": insp.get_indexes(t),
            "columns": [{k: str(v) for k, v in c.items()} for c in insp.get_columns(t)],
        }
    out[path] = tables
    engine.dispose()
print(json.dumps(out))
`;

let dir: string;
let oursPath: string;
let refPath: string;
let ours: DbSnapshot;
let ref: DbSnapshot;

// Runs a command without blocking the event loop (Python starts slowly; vitest's worker must stay responsive).
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const proc = spawn(command, args, { cwd: dir, env: PYTHON_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.on('error', rej);
    proc.on('close', (status) => res({ status, stdout, stderr }));
  });
}

async function mlflowDbUpgrade(path: string): Promise<void> {
  const proc = await run(MLFLOW_BIN, ['db', 'upgrade', `sqlite:///${path}`]);
  if (proc.status !== 0) throw new Error(`mlflow db upgrade exited with ${proc.status}:\n${proc.stderr}`);
}

function freshOurs(name: string): string {
  const path = join(dir, name);
  openDatabase(path).close();
  return path;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlflow-schema-'));
  oursPath = join(dir, 'nested', 'dirs', 'ours.db');
  openDatabase(oursPath).close();
  refPath = join(dir, 'ref.db');
  await mlflowDbUpgrade(refPath);
  ours = snapshot(oursPath);
  ref = snapshot(refPath);
}, SLOW);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('schema matches `mlflow db upgrade` (MLflow 3.18.0)', () => {
  it('has the same set of tables', () => {
    expect(Object.keys(ours.tables).sort(), 'table names').toEqual(Object.keys(ref.tables).sort());
    expect(MLFLOW_TABLES.map((t) => t.name).sort(), 'MLFLOW_TABLES names').toEqual(Object.keys(ref.tables).sort());
  });

  it('is stamped with the head revision', () => {
    expect(ref.alembicVersion).toEqual([MLFLOW_SCHEMA_HEAD]);
    expect(ours.alembicVersion).toEqual([MLFLOW_SCHEMA_HEAD]);
    expect(schemaStatements().at(-1)).toContain(MLFLOW_SCHEMA_HEAD);
  });

  it('has the same triggers', () => {
    expect(ours.triggers, 'triggers (name, table)').toEqual(ref.triggers);
  });

  it.each(MLFLOW_TABLES.map((t) => t.name))('table %s', (name) => {
    const a = ours.tables[name];
    const b = ref.tables[name];
    expect(b, `table ${name} is missing from MLflow's database`).toBeDefined();
    expect(a, `table ${name} is missing from our database`).toBeDefined();
    if (!a || !b) return;
    expect(a.tableInfo, `table ${name}: PRAGMA table_info differs`).toEqual(b.tableInfo);
    expect(a.tableXinfo, `table ${name}: PRAGMA table_xinfo (incl. generated columns) differs`).toEqual(b.tableXinfo);
    expect(a.indexList, `table ${name}: PRAGMA index_list differs`).toEqual(b.indexList);
    for (const index of Object.keys(b.indexInfo)) {
      expect(a.indexInfo[index], `table ${name}: PRAGMA index_info(${index}) differs`).toEqual(b.indexInfo[index]);
      expect(a.indexXinfo[index], `table ${name}: PRAGMA index_xinfo(${index}) differs`).toEqual(b.indexXinfo[index]);
    }
    expect(a.foreignKeys, `table ${name}: PRAGMA foreign_key_list differs`).toEqual(b.foreignKeys);
    expect(a.rows, `table ${name}: seeded rows differ`).toEqual(b.rows);
  });

  it(
    'looks the same to SQLAlchemy reflection (constraint names, CHECK constraints)',
    async () => {
      const proc = await run(PYTHON_BIN, ['-c', REFLECT_SCRIPT, oursPath, refPath]);
      expect(proc.status, proc.stderr).toBe(0);
      const json = proc.stdout;
      const reflected = JSON.parse(json) as Record<string, Record<string, Record<string, unknown>>>;
      const a = reflected[oursPath]!;
      const b = reflected[refPath]!;
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const table of Object.keys(b)) {
        for (const aspect of Object.keys(b[table]!)) {
          expect.soft(a[table]?.[aspect], `table ${table}: reflected ${aspect} differ`).toEqual(b[table]![aspect]);
        }
      }
    },
    SLOW,
  );

  it('enforces check constraints and the secrets trigger', () => {
    const db = openDatabase(freshOurs('behaviour.db'));
    try {
      expect(() =>
        db.prepare("INSERT INTO experiments (name, lifecycle_stage) VALUES ('e', 'archived')").run(),
      ).toThrow(/CHECK constraint failed/);
      db.prepare("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'e', 'active')").run();
      expect(() =>
        db
          .prepare("INSERT INTO runs (run_uuid, experiment_id, lifecycle_stage, status) VALUES ('r', 1, 'active', 'X')")
          .run(),
      ).toThrow(/CHECK constraint failed/);
      expect(() =>
        db.prepare("INSERT INTO runs (run_uuid, experiment_id, lifecycle_stage) VALUES ('r', 42, 'active')").run(),
      ).toThrow(/FOREIGN KEY constraint failed/);
      db.prepare(
        `INSERT INTO secrets (secret_id, secret_name, encrypted_value, wrapped_dek, kek_version, masked_value,
           created_at, last_updated_at) VALUES ('s1', 'n1', x'00', x'00', 1, '***', 0, 0)`,
      ).run();
      expect(() => db.prepare("UPDATE secrets SET secret_name = 'n2' WHERE secret_id = 's1'").run()).toThrow(
        /immutable/,
      );
      db.prepare("UPDATE secrets SET masked_value = '****' WHERE secret_id = 's1'").run();
    } finally {
      db.close();
    }
  });
});

describe('openDatabase', () => {
  it('sets WAL, busy timeout, foreign keys and synchronous=NORMAL', () => {
    const db = openDatabase(oursPath);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
    const custom = openDatabase(oursPath, { busyTimeoutMs: 1234 });
    expect(custom.pragma('busy_timeout', { simple: true })).toBe(1234);
    custom.close();
    const readonly = openDatabase(oursPath, { readonly: true });
    expect(readonly.readonly).toBe(true);
    readonly.close();
  });

  it('accepts a database created by MLflow', () => {
    const path = join(dir, 'mlflow-made.db');
    copyFileSync(refPath, path);
    const db = openDatabase(path);
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().get()).toBe(MLFLOW_SCHEMA_HEAD);
    db.close();
  });

  it('rejects a database stamped with an older revision, naming both revisions', () => {
    const path = join(dir, 'older.db');
    copyFileSync(refPath, path);
    const raw = new Database(path);
    raw.prepare('UPDATE alembic_version SET version_num = ?').run(OLDER_REVISION);
    raw.close();
    const err = thrown(() => openDatabase(path));
    expect(hasErrorCode(err, 'INVALID_STATE'), String(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(OLDER_REVISION);
    expect(message).toContain(MLFLOW_SCHEMA_HEAD);
    expect(message).toContain(`mlflow db upgrade sqlite:///${path}`);
    // Rejected before touching the file: still in MLflow's rollback-journal mode.
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('rejects a non-MLflow database, naming its path', () => {
    const path = join(dir, 'foreign.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE something_else (x INTEGER)');
    raw.close();
    const err = thrown(() => openDatabase(path));
    expect(isMlflowError(err) && err.errorCode === 'INVALID_STATE', String(err)).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('alembic_version');
  });

  it(
    'creates one correct schema when three processes open the same new database at once',
    async () => {
      const path = join(dir, 'concurrent', 'race.db');
      const goFile = join(dir, 'go');
      const child = join(dir, 'child.mjs');
      writeFileSync(
        child,
        [
          "import { existsSync } from 'node:fs';",
          'const [modUrl, dbPath, goFile] = process.argv.slice(2);',
          'const { openDatabase } = await import(modUrl);',
          "process.stdout.write('ready\\n');",
          'while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 1));',
          'openDatabase(dbPath).close();',
          "process.stdout.write('done\\n');",
        ].join('\n'),
      );
      const modUrl = pathToFileURL(join(REPO, 'src/tracking/sqlite/database.ts')).href;
      const children: ChildProcess[] = [];
      const results = [0, 1, 2].map(() => {
        const proc = spawn(process.execPath, ['--import', 'tsx', child, modUrl, path, goFile], {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(proc);
        let stdout = '';
        let stderr = '';
        let onReady: () => void = () => {};
        const ready = new Promise<void>((res) => {
          onReady = res;
        });
        proc.stdout?.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('ready')) onReady();
        });
        proc.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
          proc.on('exit', (code) => res({ code, stdout, stderr }));
        });
        return { ready: Promise.race([ready, exit]), exit };
      });
      try {
        await Promise.all(results.map((r) => r.ready));
        writeFileSync(goFile, '');
        const exits = await Promise.all(results.map((r) => r.exit));
        for (const e of exits) {
          expect(e, `child failed: ${e.stderr}`).toMatchObject({ code: 0, stderr: '' });
          expect(e.stdout).toContain('done');
        }
      } finally {
        for (const c of children) if (c.exitCode === null) c.kill();
      }
      const raced = snapshot(path);
      expect(Object.keys(raced.tables).sort()).toEqual(Object.keys(ref.tables).sort());
      expect(raced).toEqual(ours);
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    },
    SLOW,
  );
});

describe('interop with Python mlflow', () => {
  it(
    'MlflowClient opens a fresh database of ours without migrating it',
    async () => {
      const path = freshOurs('client.db');
      const before = snapshot(path);
      const script =
        'import sys, mlflow\n' +
        "c = mlflow.MlflowClient(tracking_uri='sqlite:///' + sys.argv[1])\n" +
        'print(c.search_experiments())\n';
      const proc = await run(PYTHON_BIN, ['-c', script, path]);
      expect(proc.status, proc.stderr).toBe(0);
      expect(proc.stderr).not.toMatch(/migrat/i);
      expect(proc.stdout).toContain("name='Default'");
      const after = snapshot(path);
      expect(after.alembicVersion).toEqual([MLFLOW_SCHEMA_HEAD]);
      for (const [name, table] of Object.entries(before.tables)) {
        const { rows: _rows, ...shape } = table;
        const { rows: _after, ...afterShape } = after.tables[name]!;
        expect(afterShape, `table ${name} changed shape`).toEqual(shape);
      }
      // And our side still accepts the database after MLflow wrote to it.
      openDatabase(path).close();
    },
    SLOW,
  );

  it(
    '`mlflow db upgrade` leaves a database of ours unchanged',
    async () => {
      const path = freshOurs('upgrade.db');
      const before = snapshot(path);
      const proc = await run(MLFLOW_BIN, ['db', 'upgrade', `sqlite:///${path}`]);
      expect(proc.status, proc.stderr).toBe(0);
      const after = snapshot(path);
      expect(after.alembicVersion).toEqual([MLFLOW_SCHEMA_HEAD]);
      expect(after).toEqual(before);
    },
    SLOW,
  );
});
