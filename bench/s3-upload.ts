// Benchmark: upload of one large file to S3 (moto_server on loopback), the SDK's S3ArtifactRepository (parallel
// multipart through @aws-sdk/lib-storage) against boto3's upload_file (what MLflow's S3ArtifactRepository calls),
// in one run. Prints MB/s and the ratio. Both talk to the same moto process, so the figures compare the clients.
// Usage: npm run bench -- s3-upload   (or: npx tsx bench/s3-upload.ts [megabytes])
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactRepository } from '../src/index.js';
import { writePseudoRandomFile } from '../test/helpers/files.js';
import { MOTO_TEST_CREDENTIALS, startMotoServer } from '../test/helpers/moto-server.js';

const megabytes = Number(process.argv[2] ?? 200);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-s3-'));
const moto = await startMotoServer();
const env = { ...MOTO_TEST_CREDENTIALS, MLFLOW_S3_ENDPOINT_URL: moto.endpoint };
const bucket = 'bench';

async function ours(file: string): Promise<{ bytes: number; seconds: number }> {
  const repo = new S3ArtifactRepository(`s3://${bucket}/ts`, { env });
  await repo.listArtifacts(); // connect and load the SDK outside the timing, as the Python side warms up
  const start = performance.now();
  await repo.logArtifact(file);
  return { bytes: megabytes * 1024 * 1024, seconds: (performance.now() - start) / 1000 };
}

function theirs(file: string): { bytes: number; seconds: number } {
  const out = execFileSync(
    join(root, '.venv/bin/python'),
    [join(root, 'bench/py/s3_upload.py'), file, bucket, 'py/big.bin'],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

try {
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const file = join(dir, 'big.bin');
  await writePseudoRandomFile(file, megabytes * 1024 * 1024, 'bench');
  const py = theirs(file);
  const ts = await ours(file);
  const mbps = (r: { bytes: number; seconds: number }) => r.bytes / 1024 / 1024 / r.seconds;
  console.log(`S3 upload of one ${megabytes} MB file to moto_server (loopback)`);
  console.log(
    `  mlflow-genai (lib-storage multipart): ${mbps(ts).toFixed(1).padStart(8)} MB/s  (${ts.seconds.toFixed(2)} s)`,
  );
  console.log(
    `  boto3 upload_file (MLflow)          : ${mbps(py).toFixed(1).padStart(8)} MB/s  (${py.seconds.toFixed(2)} s)`,
  );
  console.log(`  ratio                               : ${(mbps(ts) / mbps(py)).toFixed(2)}x`);
} finally {
  await moto.stop();
  rmSync(dir, { recursive: true, force: true });
}
