import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { MlflowClient, SqliteTrackingStore } from '../../../src/index.js';
import { makeTempDir, REPO_ROOT } from '../../helpers/paths.js';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

it('a process that never closes its store still exits on its own (the checkpoint worker is unref’d)', () => {
  const uri = `sqlite:///${join(tmp.dir, 'exit.db')}`;
  const started = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/fixtures/open-and-exit.ts'), uri], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status).toBe(0);
  expect(res.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
  expect(Date.now() - started).toBeLessThan(20_000);
});

it('background checkpoints keep the WAL bounded while logging, and close leaves no WAL behind', async () => {
  const path = join(tmp.dir, 'wal.db');
  const store = new SqliteTrackingStore(path, { defaultArtifactRoot: join(tmp.dir, 'mlruns') });
  const client = new MlflowClient({ store });
  const run = await client.createRun('0');
  let maxWal = 0;
  for (let b = 0; b < 60; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: `k${i % 100}`,
      value: i,
      timestamp: b * 1000 + i,
      step: b,
    }));
    await client.logBatch(run.info.runId, { metrics });
    // Give the worker a chance to run between batches, as real logging loops do.
    await new Promise((r) => setTimeout(r, 5));
    maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
  }
  // Without checkpoints, 60 batches of this shape grow the WAL past 40 MB.
  expect(maxWal).toBeLessThan(48 * 1024 * 1024);
  expect((await client.getMetricHistory(run.info.runId, 'k0')).length).toBe(600);
  await store.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
});
