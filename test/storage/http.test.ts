import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, HttpArtifactRepository, storageFor } from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

/** One request the fake MLflow server saw. */
interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const tmp = makeTempDir('mlflow-genai-http-');
let server: Server;
let base: string;
const seen: Seen[] = [];
let multipartEnabled = true;

type Reply = [status: number, headers: Record<string, string>, body: string];
const json = (status: number, data: unknown): Reply => [
  status,
  { 'Content-Type': 'application/json' },
  JSON.stringify(data),
];

// A stand-in for the parts of MLflow's artifact service a client touches, recording every request.
function handle(req: IncomingMessage, body: Buffer): Reply {
  const url = new URL(req.url ?? '/', base);
  seen.push({
    method: req.method ?? '',
    path: url.pathname + url.search,
    authorization: req.headers.authorization,
    headers: req.headers,
    body,
  });
  if (url.pathname === '/api/3.0/mlflow/server-info') return json(200, { multipart_uploads_enabled: multipartEnabled });
  if (url.pathname.startsWith('/api/2.0/mlflow-artifacts/mpu/create/')) {
    const { num_parts: n } = JSON.parse(body.toString()) as { num_parts: number };
    return json(200, {
      upload_id: 'up-1',
      credentials: Array.from({ length: n }, (_, i) => ({
        url: `${base}/presigned/part${i + 1}?X-Amz-Signature=abc`,
        part_number: i + 1,
        headers: { 'x-amz-server-side-encryption': 'AES256' },
      })),
    });
  }
  if (url.pathname.startsWith('/presigned/')) return [200, { ETag: `"etag-${url.pathname.slice(-1)}"` }, ''];
  if (url.pathname.startsWith('/api/2.0/mlflow-artifacts/mpu/')) return json(200, {});
  if (req.method === 'GET' && url.pathname === '/api/2.0/mlflow-artifacts/artifacts') {
    return json(401, { error_code: 'UNAUTHENTICATED', message: 'You are not authenticated.' });
  }
  return json(200, {});
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [status, headers, text] = handle(req, Buffer.concat(chunks));
      res.writeHead(status, headers);
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});

function file(name: string, size: number): string {
  const dir = join(tmp.dir, 'files');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, Buffer.alloc(size, 7));
  return p;
}

describe('HttpArtifactRepository requests', () => {
  it('sends Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD, and keeps the password out of errors', async () => {
    seen.length = 0;
    const env = {
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: 's3cr3t-pw',
      MLFLOW_TRACKING_TOKEN: 'ignored',
    };
    const repo = storageFor('mlflow-artifacts:/0/r/artifacts', { trackingUri: base, env });
    await repo.logArtifact(file('a.json', 10), 'dir');
    const put = seen.find((s) => s.method === 'PUT');
    expect(put?.path).toBe('/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/dir/a.json');
    expect(put?.authorization).toBe(`Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`);
    expect(put?.headers['content-type']).toBe('text/plain'); // MLflow's _guess_mime_type for .json
    expect(put?.headers['content-length']).toBe('10');

    const err = await rejection(repo.listArtifacts());
    expect(err.errorCode).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.http?.status).toBe(401);
    const text = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.http)} ${String(err.stack)}`;
    expect(text).not.toContain('s3cr3t-pw');
    expect(text).not.toContain(Buffer.from('alice:s3cr3t-pw').toString('base64'));
  });

  it('sends Bearer MLFLOW_TRACKING_TOKEN when no username/password is set', async () => {
    seen.length = 0;
    await storageFor(`${base}/api/2.0/mlflow-artifacts/artifacts/x`, {
      env: { MLFLOW_TRACKING_TOKEN: 'tok-123' },
    }).logText('t', 't.txt');
    expect(seen.find((s) => s.method === 'PUT')?.authorization).toBe('Bearer tok-123');
  });

  it('moves credentials written into the URL into a header and out of artifactUri', async () => {
    seen.length = 0;
    const withCreds = base.replace('http://', 'http://bob:pa%24%24@');
    const repo = storageFor(`${withCreds}/api/2.0/mlflow-artifacts/artifacts/y`, { env: {} });
    expect(repo.artifactUri).toBe(`${base}/api/2.0/mlflow-artifacts/artifacts/y`);
    await repo.logText('t', 't.txt');
    expect(seen.find((s) => s.method === 'PUT')?.authorization).toBe(
      `Basic ${Buffer.from('bob:pa$$').toString('base64')}`,
    );
  });

  it('uploads big files in presigned parts without sending MLflow credentials to the storage URLs', async () => {
    seen.length = 0;
    multipartEnabled = true;
    const env = {
      MLFLOW_TRACKING_TOKEN: 'tok-456',
      MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: '1000',
      MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: '400',
    };
    const repo = new HttpArtifactRepository(`${base}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts`, { env });
    await repo.logArtifact(file('big.bin', 1001), 'model');
    const create = seen.find((s) => s.path.startsWith('/api/2.0/mlflow-artifacts/mpu/create'));
    expect(create?.path).toBe('/api/2.0/mlflow-artifacts/mpu/create/0/r/artifacts/model');
    expect(JSON.parse(create!.body.toString())).toEqual({ path: 'big.bin', num_parts: 3 });
    expect(create?.authorization).toBe('Bearer tok-456');
    const parts = seen.filter((s) => s.path.startsWith('/presigned/')).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(parts.map((p) => p.body.length)).toEqual([400, 400, 201]);
    expect(parts.every((p) => p.authorization === undefined)).toBe(true);
    expect(parts.every((p) => p.headers['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
    const complete = seen.find((s) => s.path.startsWith('/api/2.0/mlflow-artifacts/mpu/complete'));
    expect(JSON.parse(complete!.body.toString())).toEqual({
      path: 'big.bin',
      upload_id: 'up-1',
      parts: [1, 2, 3].map((n) => ({
        part_number: n,
        etag: `"etag-${n}"`,
        url: `${base}/presigned/part${n}?X-Amz-Signature=abc`,
      })),
    });
    expect(seen.some((s) => s.method === 'PUT' && s.path.includes('/mlflow-artifacts/artifacts/'))).toBe(false);
  });

  it('uses a plain proxied PUT below the threshold or when the server does not advertise multipart', async () => {
    seen.length = 0;
    multipartEnabled = false;
    const env = { MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: '10', MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: '5' };
    // A server mounted under another prefix: its server-info is asked afresh (answers are cached per server).
    const repo = new HttpArtifactRepository(`${base}/other/api/2.0/mlflow-artifacts/artifacts/z`, { env });
    await repo.logArtifact(file('mid.bin', 50));
    expect(seen.map((s) => s.path)).toEqual([
      '/other/api/3.0/mlflow/server-info',
      '/other/api/2.0/mlflow-artifacts/artifacts/z/mid.bin',
    ]);
    multipartEnabled = true;
  });
});
