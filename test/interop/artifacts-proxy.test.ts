import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  HttpArtifactRepository,
  MlflowArtifactsRepository,
  MlflowClient,
  resolveMlflowArtifactsUri,
  storageFor,
} from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { sha256File, sha256Tree, writePseudoRandomFile, writeSmallFileTree } from '../helpers/files.js';
import { type MlflowServer, startMlflowServer } from '../helpers/mlflow-server.js';
import { MOTO_TEST_CREDENTIALS, type MotoServer, startMotoServer } from '../helpers/moto-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const MIB = 1024 * 1024;
const BUCKET = 'proxy-artifacts';
// The bulk tests are bound by moto and Python start-up, not by the SDK: on a busy 2-core machine running
// two test files at once they take minutes, so they get more than the project's 180 s default.
const SLOW_MS = 420_000;
const tmp = makeTempDir('mlflow-genai-proxy-');
let moto: MotoServer;
let localServer: MlflowServer;
let s3Server: MlflowServer;
let s3: S3Client;
const localDest = join(tmp.dir, 'served-artifacts');

beforeAll(async () => {
  moto = await startMotoServer();
  s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  mkdirSync(localDest);
  // One server proxies a local folder, the other an S3 prefix on moto and advertises presigned multipart uploads.
  [localServer, s3Server] = await Promise.all([
    startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 'local.db')}`,
      args: ['--serve-artifacts', '--artifacts-destination', localDest],
    }),
    startMlflowServer({
      backendStoreUri: `sqlite:///${join(tmp.dir, 's3.db')}`,
      args: ['--serve-artifacts', '--artifacts-destination', `s3://${BUCKET}/served`],
      env: {
        ...MOTO_TEST_CREDENTIALS,
        MLFLOW_S3_ENDPOINT_URL: moto.endpoint,
        MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: 'true',
      },
    }),
  ]);
});

afterAll(async () => {
  s3?.destroy();
  await Promise.all([localServer?.stop(), s3Server?.stop()]);
  await moto?.stop();
  tmp.cleanup();
});

/** Creates a run through the SDK's REST store, with a param, a metric and a tag, as a user would. */
async function createRun(server: MlflowServer): Promise<{ runId: string; artifactUri: string; client: MlflowClient }> {
  const client = new MlflowClient({ trackingUri: server.url });
  const run = await client.createRun({ experimentId: '0' });
  await client.logBatch(run.info.runId, {
    params: [{ key: 'p', value: '1' }],
    metrics: [{ key: 'm', value: 0.5, timestamp: Date.now() }],
    tags: [{ key: 't', value: 'x' }],
  });
  return { runId: run.info.runId, artifactUri: run.info.artifactUri, client };
}

function py<T>(payload: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return runPythonJson<T>('proxy_artifacts.py', payload, { env });
}

function dir(name: string): string {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('mlflow-artifacts: URI resolution', () => {
  it('matches MlflowArtifactsRepository.resolve_uri case by case', async () => {
    const cases: Array<[string, string]> = [
      ['mlflow-artifacts:/0/abc/artifacts', 'http://127.0.0.1:5000'],
      ['mlflow-artifacts:/0/abc/artifacts', 'https://host.example/prefix/'],
      ['mlflow-artifacts:/0/abc/artifacts', 'http://host/a/b'],
      ['mlflow-artifacts://other:8080/0/abc', 'http://host:5000'],
      ['mlflow-artifacts:/', 'http://host:5000/sub'],
      ['mlflow-artifacts:/api/2.0/mlflow-artifacts/artifacts', 'http://h'],
      ['mlflow-artifacts:0/abc', 'http://h:1'],
      ['mlflow-artifacts:///0/x', 'http://h:1'],
      ['mlflow-artifacts:/0/abc', 'http://user:secret@h:1'],
      ['mlflow-artifacts://5000/abc', 'http://h'],
      ['mlflow-artifacts:/0/abc', 'sqlite:///mlflow.db'],
      ['mlflow-artifacts:/0/abc', 'databricks'],
    ];
    const expected = await py<string[]>({ action: 'resolve', cases });
    const ours = cases.map(([a, t]) => {
      try {
        return resolveMlflowArtifactsUri(a, t);
      } catch (e) {
        return `ERROR: ${(e as Error).message}`;
      }
    });
    for (const [i, want] of expected.entries()) {
      if (want.startsWith('ERROR')) expect(ours[i]).toMatch(/^ERROR: /);
      else expect(ours[i]).toBe(want);
    }
    expect(ours[10]).toContain('tracking URI must be a valid http or https URI');
  });
});

describe('artifact proxy with a local destination (mlflow server --serve-artifacts)', () => {
  it(
    'stores what the SDK logs where MLflow would, and Python downloads identical bytes',
    async () => {
      const { runId, artifactUri, client } = await createRun(localServer);
      expect(artifactUri).toBe(`mlflow-artifacts:/0/${runId}/artifacts`);
      const repo = storageFor(artifactUri, { trackingUri: localServer.url });
      expect(repo).toBeInstanceOf(MlflowArtifactsRepository);
      expect(repo.artifactUri).toBe(`${localServer.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`);

      const src = dir('sdk-src');
      await writePseudoRandomFile(join(src, 'model.bin'), 3 * MIB + 17, 'proxy-model');
      const tree = dir('sdk-tree');
      writeSmallFileTree(tree, 60);
      writeFileSync(join(tree, 'name with spaces & symbols (1).txt'), 'odd name');
      await repo.logArtifact(join(src, 'model.bin'), 'model');
      await repo.logArtifacts(tree, 'data');
      // The client-level helper resolves the same backend from the run's artifact URI.
      await client.logText(runId, 'hello from ts\n', 'notes/readme.md');

      // The server's destination folder holds <experiment>/<run>/artifacts/<artifact path>.
      const onDisk = join(localDest, '0', runId, 'artifacts');
      expect(await sha256File(join(onDisk, 'model/model.bin'))).toBe(await sha256File(join(src, 'model.bin')));
      expect(readFileSync(join(onDisk, 'notes/readme.md'), 'utf8')).toBe('hello from ts\n');
      expect(existsSync(join(onDisk, 'data/name with spaces & symbols (1).txt'))).toBe(true);

      const fromPy = await py<{ sha256: Record<string, string> }>({
        action: 'download',
        tracking_uri: localServer.url,
        run_id: runId,
        path: '',
        dst: dir('sdk-to-py'),
      });
      const want = {
        ...Object.fromEntries(Object.entries(await sha256Tree(tree)).map(([k, v]) => [`data/${k}`, v])),
        'model/model.bin': await sha256File(join(src, 'model.bin')),
        'notes/readme.md': await sha256File(join(onDisk, 'notes/readme.md')),
      };
      expect(fromPy.sha256).toEqual(want);

      // And the SDK reads its own uploads back the same way.
      const back = await repo.downloadArtifacts('', dir('sdk-back'));
      expect(await sha256Tree(back)).toEqual(want);
    },
    SLOW_MS,
  );

  it(
    'lists and downloads what Python logged with mlflow.log_artifact(s), identically',
    async () => {
      const { runId, artifactUri } = await createRun(localServer);
      const src = dir('py-src');
      await writePseudoRandomFile(join(src, 'weights.bin'), 2 * MIB, 'py-weights');
      const tree = dir('py-tree');
      writeSmallFileTree(tree, 25);
      await py({
        action: 'log',
        tracking_uri: localServer.url,
        run_id: runId,
        local_path: join(src, 'weights.bin'),
        artifact_path: 'm',
      });
      await py({
        action: 'log',
        tracking_uri: localServer.url,
        run_id: runId,
        local_path: tree,
        artifact_path: 'tree',
      });

      const repo = storageFor(artifactUri, { trackingUri: localServer.url });
      const paths = [null, 'm', 'tree', 'tree/group-0', 'm/weights.bin', 'missing'];
      const pyLists = await py<Array<Array<[string, boolean, number | null]>>>({
        action: 'list',
        tracking_uri: localServer.url,
        run_id: runId,
        paths,
      });
      for (const [i, p] of paths.entries()) {
        const ours = await repo.listArtifacts(p ?? undefined);
        expect(ours.map((f) => [f.path, f.isDir, f.fileSize ?? null])).toEqual(pyLists[i]);
      }

      const dst = dir('py-to-sdk');
      expect(await repo.downloadArtifacts('m/weights.bin', dst)).toBe(join(dst, 'm/weights.bin'));
      expect(await sha256File(join(dst, 'm/weights.bin'))).toBe(await sha256File(join(src, 'weights.bin')));
      const treeOut = await repo.downloadArtifacts('tree', dst);
      expect(await sha256Tree(treeOut)).toEqual(await sha256Tree(tree));
    },
    SLOW_MS,
  );

  it('falls back to a proxied upload when multipart is forced on but the destination cannot do it', async () => {
    const { artifactUri } = await createRun(localServer);
    const env = {
      ...process.env,
      MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: 'true',
      MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: String(MIB),
      MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: String(5 * MIB),
    };
    const repo = storageFor(artifactUri, { trackingUri: localServer.url, env });
    const src = dir('fallback');
    await writePseudoRandomFile(join(src, 'f.bin'), 6 * MIB, 'fallback');
    await repo.logArtifact(join(src, 'f.bin'));
    const out = await repo.downloadArtifacts('f.bin', dir('fallback-out'));
    expect(await sha256File(out)).toBe(await sha256File(join(src, 'f.bin')));
  });

  it('deletes artifacts, and reports a missing one as RESOURCE_DOES_NOT_EXIST', async () => {
    const { artifactUri } = await createRun(localServer);
    const repo = storageFor(artifactUri, { trackingUri: localServer.url });
    await repo.logText('a', 'd/a.txt');
    await repo.logText('b', 'keep.txt');
    await repo.deleteArtifacts('d');
    expect((await repo.listArtifacts()).map((f) => f.path)).toEqual(['keep.txt']);
    const err = await rejection(repo.downloadArtifacts('d/a.txt', dir('missing-out')));
    expect(err.errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
    expect(err.http?.status).toBe(404);
  });

  it('rejects traversal in artifact paths before any request is sent', async () => {
    const { artifactUri } = await createRun(localServer);
    const repo = storageFor(artifactUri, { trackingUri: localServer.url });
    for (const bad of ['../other-run/x', '/etc/passwd']) {
      const err = await rejection(repo.logText('x', bad));
      expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
      expect(err.message).toContain(bad);
    }
  });
});

describe('artifact proxy with an S3 destination on moto', () => {
  it('uploads a big file through the server-advertised presigned multipart routes; Python downloads identical bytes', async () => {
    const { runId, artifactUri } = await createRun(s3Server);
    // Threshold and chunk size just above S3's 5 MiB part minimum keep the test quick: 12 MiB -> 3 parts.
    const env = {
      ...process.env,
      MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: String(10 * MIB),
      MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: String(5 * MIB),
    };
    const repo = storageFor(artifactUri, { trackingUri: s3Server.url, env });
    const src = dir('mpu');
    await writePseudoRandomFile(join(src, 'weights.bin'), 12 * MIB + 123, 'mpu');
    await writePseudoRandomFile(join(src, 'small.bin'), 64 * 1024, 'mpu-small');
    await repo.logArtifact(join(src, 'weights.bin'), 'big');
    await repo.logArtifact(join(src, 'small.bin'), 'big');

    // The proxied run artifacts live under <destination>/<experiment>/<run>/artifacts/<path>.
    const key = `served/0/${runId}/artifacts/big/weights.bin`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBe(12 * MIB + 123);
    expect(head.ETag).toMatch(/-3"$/); // three parts went straight to S3 through presigned URLs
    const smallHead = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `served/0/${runId}/artifacts/big/small.bin` }),
    );
    expect(smallHead.ETag).not.toMatch(/-\d+"$/); // below the threshold: one proxied PUT
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `served/0/${runId}/` }));
    expect(listed.KeyCount).toBe(2); // no multipart upload left behind, no stray objects

    const fromPy = await py<{ sha256: Record<string, string> }>({
      action: 'download',
      tracking_uri: s3Server.url,
      run_id: runId,
      path: 'big',
      dst: dir('mpu-py'),
    });
    expect(fromPy.sha256).toEqual({
      'weights.bin': await sha256File(join(src, 'weights.bin')),
      'small.bin': await sha256File(join(src, 'small.bin')),
    });
  });

  it('downloads what Python logged through the S3-backed proxy', async () => {
    const { runId, artifactUri } = await createRun(s3Server);
    const tree = dir('py-s3-tree');
    writeSmallFileTree(tree, 30);
    await py({ action: 'log', tracking_uri: s3Server.url, run_id: runId, local_path: tree, artifact_path: 'eval' });
    const repo = storageFor(artifactUri, { trackingUri: s3Server.url });
    const out = await repo.downloadArtifacts('eval', dir('py-s3-out'));
    expect(await sha256Tree(out)).toEqual(await sha256Tree(tree));
  });

  it('accepts the http(s) artifact-service URL form as well', async () => {
    const { runId } = await createRun(s3Server);
    const url = `${s3Server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`;
    const repo = storageFor(url);
    expect(repo).toBeInstanceOf(HttpArtifactRepository);
    await repo.logText('via http', 'h.txt');
    expect(await repo.listArtifacts()).toEqual([{ path: 'h.txt', isDir: false, fileSize: 8 }]);
  });
});
