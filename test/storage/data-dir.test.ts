import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllTrackingStores, ErrorCode, MlflowClient, prepareDataDir } from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-datadir-');
afterAll(async () => {
  await closeAllTrackingStores();
  tmp.cleanup();
});

describe('prepareDataDir (local folder)', () => {
  it('creates <dir>/mlflow.db as the tracking URI and <dir>/mlruns as the artifact root', async () => {
    const dir = join(tmp.dir, 'data', 'nested');
    const layout = await prepareDataDir(dir);
    expect(layout).toEqual({
      trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`,
      artifactRoot: join(dir, 'mlruns'),
      kind: 'local',
    });
    expect(existsSync(join(dir, 'mlruns'))).toBe(true);

    const client = new MlflowClient({ trackingUri: layout.trackingUri, defaultArtifactRoot: layout.artifactRoot });
    const exp = await client.createExperiment('data-dir');
    const run = await client.createRun(exp);
    await client.logText(run.info.runId, 'hi', 'a.txt');
    expect(existsSync(join(dir, 'mlruns', exp, run.info.runId, 'artifacts', 'a.txt'))).toBe(true);
    expect(existsSync(join(dir, 'mlflow.db'))).toBe(true);
  });

  it('accepts file:// URIs', async () => {
    const dir = join(tmp.dir, 'viauri');
    expect(await prepareDataDir(`file://${dir}`)).toEqual({
      trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`,
      artifactRoot: join(dir, 'mlruns'),
      kind: 'local',
    });
  });

  it('fails with a typed error when the folder cannot be created', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const err = await rejection(prepareDataDir(join(file, 'sub')));
    expect(err.errorCode).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toContain(join(file, 'sub'));
  });

  it('fails with a typed error when the folder is read-only', async () => {
    const ro = join(tmp.dir, 'ro');
    mkdirSync(join(ro, 'mlruns'), { recursive: true });
    chmodSync(ro, 0o555);
    chmodSync(tmp.dir, 0o755);
    try {
      if (process.getuid?.() === 0) {
        // root ignores permissions: check from a child process running as nobody.
        const res = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(REPO_ROOT, 'test/fixtures/prepare-data-dir.ts'), ro],
          {
            cwd: REPO_ROOT,
            encoding: 'utf8',
            uid: 65534,
            gid: 65534,
            env: { ...process.env, HOME: tmp.dir },
            timeout: 60_000,
          },
        );
        expect(res.stdout.trim()).toBe(ErrorCode.PERMISSION_DENIED);
      } else {
        expect((await rejection(prepareDataDir(ro))).errorCode).toBe(ErrorCode.PERMISSION_DENIED);
      }
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('rejects locations of other schemes', async () => {
    expect((await rejection(prepareDataDir('gs://bucket/x'))).errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
  });
});
