import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { closeAllTrackingStores, MlflowClient } from '../../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../../helpers/paths.js';

const tmp = makeTempDir();
afterAll(async () => {
  await closeAllTrackingStores();
  tmp.cleanup();
});

function runWorker(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/fixtures/log-metrics-worker.ts'), ...args],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

it('4 processes logging 10,000 metrics each into one database lose none of the 40,000', async () => {
  const uri = `sqlite:///${join(tmp.dir, 'concurrent.db')}`;
  const client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  const run = await client.createRun({ experimentId: '0' });
  await Promise.all([0, 1, 2, 3].map((w) => runWorker([uri, run.info.runId, String(w), '10000'])));
  const db = new Database(join(tmp.dir, 'concurrent.db'), { readonly: true });
  const total = db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_uuid = ?').get(run.info.runId) as { n: number };
  const perKey = db.prepare('SELECT key, COUNT(*) AS n, MAX(step) AS s FROM metrics GROUP BY key ORDER BY key').all();
  db.close();
  expect(total.n).toBe(40_000);
  expect(perKey).toEqual([0, 1, 2, 3].map((w) => ({ key: `w${w}`, n: 10_000, s: 9_999 })));
  const latest = (await client.getRun(run.info.runId)).data.metrics;
  expect(latest).toEqual({ w0: 9999, w1: 9999, w2: 9999, w3: 9999 });
}, 120_000);
