import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllTrackingStores, ErrorCode, MlflowClient, prepareDataDir } from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { freePort } from '../helpers/mlflow-server.js';
import { MOTO_TEST_CREDENTIALS, type MotoServer, startMotoServer } from '../helpers/moto-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const BUCKET = 'seed-data';
const tmp = makeTempDir('mlflow-genai-datadir-s3-');
let moto: MotoServer;
let s3: S3Client;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  moto = await startMotoServer();
  env = { ...MOTO_TEST_CREDENTIALS };
  s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await closeAllTrackingStores();
  s3?.destroy();
  await moto?.stop();
  tmp.cleanup();
});

describe('prepareDataDir (S3, hybrid: local SQLite + S3 artifacts) on moto', () => {
  it('checks the bucket, keeps the database local and roots experiments under s3://bucket/prefix/mlruns', async () => {
    const dbPath = join(tmp.dir, 'state', 'mlflow.db');
    const layout = await prepareDataDir(`s3://${BUCKET}/team/project`, { s3EndpointUrl: moto.endpoint, dbPath, env });
    expect(layout).toEqual({
      trackingUri: `sqlite:///${dbPath}`,
      artifactRoot: `s3://${BUCKET}/team/project/mlruns`,
      kind: 's3',
    });
    // The writability probe leaves nothing behind.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);

    const client = new MlflowClient({
      trackingUri: layout.trackingUri,
      defaultArtifactRoot: layout.artifactRoot,
      artifactStorage: { env: { ...env, MLFLOW_S3_ENDPOINT_URL: moto.endpoint } },
    });
    const exp = await client.createExperiment('hybrid');
    expect((await client.getExperiment(exp)).artifactLocation).toBe(`s3://${BUCKET}/team/project/mlruns/${exp}`);
    const run = await client.createRun(exp);
    expect(run.info.artifactUri).toBe(`s3://${BUCKET}/team/project/mlruns/${exp}/${run.info.runId}/artifacts`);
    await client.logDict(run.info.runId, { lr: 0.01, layers: [64, 32] }, 'config/params.json');
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'team/' }))).Contents?.map(
      (o) => o.Key,
    );
    expect(keys).toEqual([`team/project/mlruns/${exp}/${run.info.runId}/artifacts/config/params.json`]);
    expect(existsSync(dbPath)).toBe(true);

    // Python MLflow opens the same database and reads the artifact from S3.
    const fromPy = await runPythonJson<{ text: string }>(
      'read_artifact_text.py',
      { tracking_uri: layout.trackingUri, run_id: run.info.runId, path: 'config/params.json' },
      { env: { ...env, MLFLOW_S3_ENDPOINT_URL: moto.endpoint } },
    );
    expect(fromPy.text).toBe('{\n  "lr": 0.01,\n  "layers": [\n    64,\n    32\n  ]\n}');
  });

  it('names a missing bucket, the endpoint and the fix', async () => {
    const err = await rejection(prepareDataDir('s3://no-such-seed-bucket/x', { s3EndpointUrl: moto.endpoint, env }));
    expect(err.errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
    expect(err.message).toContain("'no-such-seed-bucket'");
    expect(err.message).toContain(moto.endpoint);
    expect(err.message).toMatch(/Create it .*or check the bucket name/);
  });

  it('points at MLFLOW_S3_ENDPOINT_URL when the endpoint is unreachable', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const err = await rejection(prepareDataDir(`s3://${BUCKET}/x`, { env: { ...env, MLFLOW_S3_ENDPOINT_URL: dead } }));
    expect(err.errorCode).toBe(ErrorCode.TEMPORARILY_UNAVAILABLE);
    expect(err.message).toContain(dead);
    expect(err.message).toContain('MLFLOW_S3_ENDPOINT_URL');
    expect(err.message).toContain(BUCKET);
  });

  it('says which variables to set when moto refuses the credentials', async () => {
    await moto.setAuthEnforced(true);
    try {
      const err = await rejection(
        prepareDataDir(`s3://${BUCKET}/x`, {
          s3EndpointUrl: moto.endpoint,
          env: { ...env, AWS_ACCESS_KEY_ID: 'AKIANOTAREALKEY00000', AWS_SECRET_ACCESS_KEY: 'do-not-print-me' },
        }),
      );
      expect(err.errorCode).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toContain('AWS_ACCESS_KEY_ID');
      expect(err.message).toContain('AWS_SECRET_ACCESS_KEY');
      expect(err.message).toContain(BUCKET);
      expect(err.message).not.toContain('do-not-print-me');
    } finally {
      await moto.setAuthEnforced(false);
    }
  });
});
