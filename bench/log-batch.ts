// Benchmark: logBatch throughput into the embedded SQLite store, the SDK against Python MLflow 3.18's
// own log_batch on the same kind of database with the same data, in one run. Prints metrics/s and the ratio.
// Usage: npm run bench -- log-batch   (or: npx tsx bench/log-batch.ts [batches] [batchSize] [keys])
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closeAllTrackingStores, MlflowClient } from '../src/index.js';

const batches = Number(process.argv[2] ?? 50);
const size = Number(process.argv[3] ?? 1000);
const keys = Number(process.argv[4] ?? 100);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-logbatch-'));

function makeBatch(b: number) {
  const metrics = [];
  for (let i = 0; i < size; i++) {
    const n = b * size + i;
    metrics.push({ key: `m${i % keys}`, value: n, timestamp: 1700000000000 + n, step: n });
  }
  return metrics;
}

async function ours(): Promise<{ metrics: number; seconds: number }> {
  const client = new MlflowClient({
    trackingUri: `sqlite:///${join(dir, 'ts.db')}`,
    defaultArtifactRoot: join(dir, 'mlruns'),
  });
  const run = await client.createRun('0');
  const data = Array.from({ length: batches }, (_, b) => makeBatch(b));
  const start = performance.now();
  for (const metrics of data) await client.logBatch(run.info.runId, { metrics });
  const seconds = (performance.now() - start) / 1000;
  await closeAllTrackingStores();
  return { metrics: batches * size, seconds };
}

// The engine's floor: the same rows inserted with bare better-sqlite3 (multi-row, key order, one
// transaction per batch) into MLflow's metrics table, with no validation, no latest-metric upkeep and no
// checkpoint handling. Shows how much of our time is SQLite's own B-tree work on MLflow's schema.
async function floor(): Promise<{ metrics: number; seconds: number }> {
  const { openDatabase } = await import('../src/tracking/sqlite/database.js');
  const db = openDatabase(join(dir, 'floor.db'));
  db.pragma('wal_autocheckpoint = 0');
  const runId = '0123456789abcdef0123456789abcdef';
  db.prepare("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (0, 'Default', 'active')").run();
  db.prepare("INSERT INTO runs (run_uuid, experiment_id, lifecycle_stage) VALUES (?, 0, 'active')").run(runId);
  const rowsPerStmt = 100;
  const many = db.prepare(
    `INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ${new Array(rowsPerStmt).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const data = Array.from({ length: batches }, (_, b) =>
    makeBatch(b).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.timestamp - y.timestamp)),
  );
  const start = performance.now();
  for (const rows of data) {
    db.transaction(() => {
      for (let i = 0; i + rowsPerStmt <= rows.length; i += rowsPerStmt) {
        const args: Array<string | number> = [];
        for (let j = i; j < i + rowsPerStmt; j++) {
          const r = rows[j]!;
          args.push(r.key, r.value, r.timestamp, runId, r.step, 0);
        }
        many.run(args);
      }
    }).immediate();
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { metrics: batches * size, seconds };
}

function theirs(): { metrics: number; seconds: number } {
  const out = execFileSync(
    join(root, '.venv/bin/python'),
    [join(root, 'bench/py/log_batch.py'), join(dir, 'py.db'), String(batches), String(size), String(keys)],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_ENABLE_ASYNC_LOGGING: 'false' },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

try {
  const py = theirs();
  const ts = await ours();
  const fl = await floor();
  const tsRate = ts.metrics / ts.seconds;
  const pyRate = py.metrics / py.seconds;
  console.log(`logBatch into SQLite: ${batches} batches x ${size} metrics (${keys} keys)`);
  console.log(`  mlflow-genai   : ${tsRate.toFixed(0).padStart(10)} metrics/s  (${ts.seconds.toFixed(3)} s)`);
  console.log(`  python mlflow  : ${pyRate.toFixed(0).padStart(10)} metrics/s  (${py.seconds.toFixed(3)} s)`);
  const flRate = fl.metrics / fl.seconds;
  console.log(
    `  sqlite floor   : ${flRate.toFixed(0).padStart(10)} metrics/s  (${fl.seconds.toFixed(3)} s, bare inserts, no checkpoints)`,
  );
  console.log(`  ours / floor   : ${(tsRate / flRate).toFixed(2)}   floor / python: ${(flRate / pyRate).toFixed(1)}x`);
  console.log(`  ratio          : ${(tsRate / pyRate).toFixed(1)}x  (target >= 20x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
