import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, S3ArtifactRepository, storageFor } from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { sha256File, sha256Tree, writePseudoRandomFile, writeSmallFileTree } from '../helpers/files.js';
import { freePort } from '../helpers/mlflow-server.js';
import { MOTO_TEST_CREDENTIALS, type MotoServer, startMotoServer } from '../helpers/moto-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const BUCKET = 'mlflow-genai-interop';
// The bulk tests are bound by moto and Python start-up, not by the SDK: on a busy 2-core machine running
// two test files at once they take minutes, so they get more than the project's 180 s default.
const SLOW_MS = 420_000;
const tmp = makeTempDir('mlflow-genai-s3-');
let moto: MotoServer;
let env: NodeJS.ProcessEnv;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMotoServer();
  // Settings travel in an explicit env object: nothing is written into this worker's process.env.
  env = { ...MOTO_TEST_CREDENTIALS, MLFLOW_S3_ENDPOINT_URL: moto.endpoint };
  s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  tmp.cleanup();
});

/** Every object key under `prefix/`, relative to it, with sizes. */
async function keysUnder(prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) out[o.Key!.slice(prefix.length + 1)] = o.Size!;
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

function py<T>(payload: Record<string, unknown>, extraEnv: NodeJS.ProcessEnv = {}): Promise<T> {
  return runPythonJson<T>('s3_artifacts.py', payload, { env: { ...env, ...extraEnv } });
}

describe('S3ArtifactRepository against moto, side by side with MLflow 3.18', () => {
  it(
    'uploads a 150 MB file as a parallel multipart upload that Python MLflow downloads byte for byte',
    async () => {
      const dir = join(tmp.dir, 'big');
      mkdirSync(dir);
      const big = join(dir, 'weights.bin');
      await writePseudoRandomFile(big, 150 * 1024 * 1024, 'big-150');
      const digest = await sha256File(big);
      const uri = `s3://${BUCKET}/ts/big/artifacts`;
      const repo = storageFor(uri, { env });
      expect(repo).toBeInstanceOf(S3ArtifactRepository);

      await repo.logArtifact(big, 'model/data');

      // MLflow's key: prefix + artifact_path + file name.
      expect(await keysUnder('ts/big/artifacts')).toEqual({ 'model/data/weights.bin': 150 * 1024 * 1024 });
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: 'ts/big/artifacts/model/data/weights.bin' }),
      );
      expect(head.ETag).toMatch(/-\d+"$/); // a multipart ETag: "<md5 of part md5s>-<parts>"

      const fromPy = await py<{ local_path: string; sha256: Record<string, string> }>({
        action: 'download',
        artifact_uri: uri,
        path: 'model/data/weights.bin',
        dst: mkdirP(join(tmp.dir, 'big-py')),
      });
      expect(fromPy.sha256).toEqual({ 'weights.bin': digest });

      const dst = mkdirP(join(tmp.dir, 'big-ts'));
      const local = await repo.downloadArtifacts('model', dst);
      expect(local).toBe(join(dst, 'model'));
      expect(await sha256File(join(dst, 'model/data/weights.bin'))).toBe(digest);
    },
    SLOW_MS,
  );

  it(
    'logs a folder of 1,000 small files under the same keys Python MLflow uses, and each side reads the other',
    async () => {
      const src = join(tmp.dir, 'many');
      writeSmallFileTree(src, 1000);
      const want = await sha256Tree(src);
      expect(Object.keys(want)).toHaveLength(1000);

      const tsUri = `s3://${BUCKET}/ts/many/artifacts`;
      const pyUri = `s3://${BUCKET}/py/many/artifacts`;
      await storageFor(tsUri, { env }).logArtifacts(src, 'data/set');
      await py({ action: 'upload', artifact_uri: pyUri, local_path: src, artifact_path: 'data/set' });

      const tsKeys = await keysUnder('ts/many/artifacts');
      expect(Object.keys(tsKeys)).toHaveLength(1000);
      expect(tsKeys).toEqual(await keysUnder('py/many/artifacts'));
      expect(tsKeys['data/set/group-6/nested/file-0006.bin']).toBe(
        statSync(join(src, 'group-6/nested/file-0006.bin')).size,
      );

      // Listings agree with MLflow's list_artifacts at every level (paths, folder flags, sizes).
      const paths = [null, 'data', 'data/set', 'data/set/group-3', 'data/set/group-3/nested'];
      const pyLists = await py<Array<Array<[string, boolean, number | null]>>>({
        action: 'list',
        artifact_uri: tsUri,
        paths,
      });
      for (const [i, path] of paths.entries()) {
        const tsList = await storageFor(pyUri, { env }).listArtifacts(path ?? undefined);
        expect(tsList.map((f) => [f.path, f.isDir, f.fileSize ?? null])).toEqual(pyLists[i]);
      }
      expect(await storageFor(tsUri, { env }).listArtifacts('data/set/group-0/nested/file-0000.txt')).toEqual([]);

      // Python downloads what the SDK logged; the SDK downloads what Python logged.
      const fromPy = await py<{ sha256: Record<string, string> }>({
        action: 'download',
        artifact_uri: tsUri,
        path: 'data/set',
        dst: mkdirP(join(tmp.dir, 'many-py')),
      });
      expect(fromPy.sha256).toEqual(want);
      const dst = mkdirP(join(tmp.dir, 'many-ts'));
      const local = await storageFor(pyUri, { env }).downloadArtifacts('data/set', dst);
      expect(await sha256Tree(local)).toEqual(want);
    },
    SLOW_MS,
  );

  it('downloads a single file Python logged, with its content type as MLflow stores it', async () => {
    const dir = mkdirP(join(tmp.dir, 'single'));
    await writePseudoRandomFile(join(dir, 'metrics.json'), 12_345, 'single');
    await py({
      action: 'upload',
      artifact_uri: `s3://${BUCKET}/py/single`,
      local_path: join(dir, 'metrics.json'),
      artifact_path: 'eval',
    });
    await storageFor(`s3://${BUCKET}/ts/single`, { env }).logArtifact(join(dir, 'metrics.json'), 'eval');
    const pyHead = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'py/single/eval/metrics.json' }));
    const tsHead = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ts/single/eval/metrics.json' }));
    expect(tsHead.ContentType).toBe(pyHead.ContentType);
    expect(tsHead.ContentType).toBe('application/json');

    const out = await storageFor(`s3://${BUCKET}/py/single`, { env }).downloadArtifacts(
      'eval/metrics.json',
      mkdirP(join(dir, 'dl')),
    );
    expect(await sha256File(out)).toBe(await sha256File(join(dir, 'metrics.json')));
  });

  it('writes text artifacts and deletes files and folders', async () => {
    const repo = storageFor(`s3://${BUCKET}/ts/text/`, { env });
    await repo.logText('hello\n', 'notes/a.txt');
    await repo.logText('b', 'notes/deeper/b.txt');
    await repo.logText('keep', 'notes-other.txt');
    expect(await keysUnder('ts/text')).toEqual({ 'notes/a.txt': 6, 'notes/deeper/b.txt': 1, 'notes-other.txt': 4 });
    await repo.deleteArtifacts('notes');
    // Deleting `notes` must not touch its sibling `notes-other.txt` (same key prefix).
    expect(await keysUnder('ts/text')).toEqual({ 'notes-other.txt': 4 });
  });

  it('fails on a missing bucket with RESOURCE_DOES_NOT_EXIST naming the bucket, the endpoint and the fix', async () => {
    const err = await rejection(storageFor('s3://no-such-bucket-xyz/runs', { env }).listArtifacts());
    expect(err.errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
    expect(err.message).toContain("bucket 'no-such-bucket-xyz' does not exist");
    expect(err.message).toContain(moto.endpoint);
    expect(err.message).toContain('Create it');
  });

  it('fails on an unreachable endpoint with TEMPORARILY_UNAVAILABLE pointing at MLFLOW_S3_ENDPOINT_URL', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const err = await rejection(
      storageFor(`s3://${BUCKET}/x`, { env: { ...env, MLFLOW_S3_ENDPOINT_URL: dead } }).listArtifacts(),
    );
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toContain(dead);
    expect(err.message).toContain('MLFLOW_S3_ENDPOINT_URL');
  });

  it('with IAM authentication enforced by moto, wrong keys fail with UNAUTHENTICATED and valid keys work', async () => {
    // Created while moto still accepts any key; then every request must be signed by a key its IAM knows.
    const user = await py<{ access_key_id: string; secret_access_key: string }>({
      action: 'iam_user',
      name: 'sdk-tester',
    });
    await moto.setAuthEnforced(true);
    try {
      const wrong = { ...env, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' };
      const err = await rejection(storageFor(`s3://${BUCKET}/ts/auth`, { env: wrong }).logText('x', 'a.txt'));
      expect(err.errorCode).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toContain('AWS_ACCESS_KEY_ID');
      expect(err.message).toContain(BUCKET);
      expect(err.message).not.toContain('wrong-secret-value');
      expect(JSON.stringify(err)).not.toContain('wrong-secret-value');

      const good = { ...env, AWS_ACCESS_KEY_ID: user.access_key_id, AWS_SECRET_ACCESS_KEY: user.secret_access_key };
      const repo = storageFor(`s3://${BUCKET}/ts/auth`, { env: good });
      await repo.logText('signed', 'a.txt');
      expect(await repo.listArtifacts()).toEqual([{ path: 'a.txt', isDir: false, fileSize: 6 }]);
      // Python MLflow agrees: the wrong key is refused there too.
      await expect(py({ action: 'list', artifact_uri: `s3://${BUCKET}/ts/auth` }, wrong)).rejects.toThrow(
        /InvalidAccessKeyId/,
      );
    } finally {
      await moto.setAuthEnforced(false);
    }
  });
});

function mkdirP(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
