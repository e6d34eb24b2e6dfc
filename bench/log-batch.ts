// Benchmark: logBatch throughput into the embedded SQLite store, the SDK against Python MLflow 3.18's
// own log_batch on the same kind of database with the same data, in one run. Prints metrics/s and the ratio.
// Usage: npm run bench -- log-batch   (or: npx tsx bench/log-batch.ts [batches] [batchSize])
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MlflowClient, closeAllTrackingStores } from '../src/index.js';

const batches = Number(process.argv[2] ?? 50);
const size = Number(process.argv[3] ?? 1000);
const keys = 100;
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
  const client = new MlflowClient({ trackingUri: `sqlite:///${join(dir, 'ts.db')}`, defaultArtifactRoot: join(dir, 'mlruns') });
  const run = await client.createRun('0');
  const data = Array.from({ length: batches }, (_, b) => makeBatch(b));
  const start = performance.now();
  for (const metrics of data) await client.logBatch(run.info.runId, { metrics });
  const seconds = (performance.now() - start) / 1000;
  await closeAllTrackingStores();
  return { metrics: batches * size, seconds };
}

function theirs(): { metrics: number; seconds: number } {
  const out = execFileSync(
    join(root, '.venv/bin/python'),
    [join(root, 'bench/py/log_batch.py'), join(dir, 'py.db'), String(batches), String(size), String(keys)],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, MLFLOW_ENABLE_ASYNC_LOGGING: 'false' }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

try {
  const py = theirs();
  const ts = await ours();
  const tsRate = ts.metrics / ts.seconds;
  const pyRate = py.metrics / py.seconds;
  console.log(`logBatch into SQLite: ${batches} batches x ${size} metrics (${keys} keys)`);
  console.log(`  mlflow-genai   : ${tsRate.toFixed(0).padStart(10)} metrics/s  (${ts.seconds.toFixed(3)} s)`);
  console.log(`  python mlflow  : ${pyRate.toFixed(0).padStart(10)} metrics/s  (${py.seconds.toFixed(3)} s)`);
  console.log(`  ratio          : ${(tsRate / pyRate).toFixed(1)}x  (target >= 20x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
