import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { appendToUriPath, pathToSqliteUri } from '../config/uri.js';
import { ErrorCode, InvalidParameterError, MlflowError } from '../tracking/errors.js';
import type { AwsCredentials } from './backend.js';
import { localPathOf } from './local.js';
import { uriScheme } from './resolve.js';
import { parseS3Uri, S3ArtifactRepository } from './s3.js';

/** Options of {@link prepareDataDir}. */
export interface PrepareDataDirOptions {
  /** S3-compatible endpoint (MinIO, moto); else `MLFLOW_S3_ENDPOINT_URL`; else AWS. */
  s3EndpointUrl?: string;
  /** Explicit S3 credentials; else the AWS credential chain. */
  s3Credentials?: AwsCredentials;
  /** For an S3 location: the SQLite database file of the embedded store; `./mlflow.db` by default. */
  dbPath?: string;
  /** Where `MLFLOW_S3_*` and `AWS_*` settings are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/** The layout {@link prepareDataDir} set up: what to give `MlflowClient({trackingUri, defaultArtifactRoot})`. */
export interface DataDir {
  /** `sqlite:///<abs path>` of the embedded store. */
  trackingUri: string;
  /** Root under which experiments get their artifact location: a local directory or `s3://bucket/prefix/mlruns`. */
  artifactRoot: string;
  /** `local`: database and artifacts in one folder; `s3`: local database, artifacts in S3 (hybrid). */
  kind: 'local' | 's3';
}

/**
 * Prepares a data location for the embedded store (the seed pipeline's `ensure_data_dir`). A local folder
 * gets `<dir>/mlflow.db` and `<dir>/mlruns`; `s3://bucket/prefix` keeps the database local (`dbPath`) with
 * artifacts under `s3://bucket/prefix/mlruns`, after checking the bucket exists and is writable (a probe
 * object is written and deleted). Failures are MlflowErrors naming the bucket, the endpoint and the fix.
 */
export async function prepareDataDir(location: string, options: PrepareDataDirOptions = {}): Promise<DataDir> {
  if (!location || typeof location !== 'string') {
    throw new InvalidParameterError(
      `Invalid data location ${JSON.stringify(location)}: give a folder or 's3://bucket/prefix'.`,
    );
  }
  const scheme = uriScheme(location);
  if (scheme === 's3') return prepareS3(location, options);
  if (scheme !== '' && scheme !== 'file') {
    throw new InvalidParameterError(
      `Unsupported data location '${location}': expected a local folder or 's3://bucket/prefix'.`,
    );
  }
  const dir = resolve(localPathOf(location));
  const artifactRoot = join(dir, 'mlruns');
  try {
    await mkdir(artifactRoot, { recursive: true });
    await probeLocal(dir);
  } catch (err) {
    throw new MlflowError(
      `Cannot use '${dir}' as the data directory: ${(err as Error).message}. Choose a folder this process can create and write.`,
      ErrorCode.PERMISSION_DENIED,
      { cause: err },
    );
  }
  return { trackingUri: pathToSqliteUri(join(dir, 'mlflow.db')), artifactRoot, kind: 'local' };
}

async function probeLocal(dir: string): Promise<void> {
  await access(dir, constants.W_OK);
  const probe = join(dir, `.mlflow-genai-probe-${randomBytes(4).toString('hex')}`);
  await writeFile(probe, '');
  await rm(probe, { force: true });
}

async function prepareS3(location: string, options: PrepareDataDirOptions): Promise<DataDir> {
  const { bucket, prefix } = parseS3Uri(location);
  const artifactRoot = appendToUriPath(`s3://${bucket}${prefix ? `/${prefix.replace(/\/+$/, '')}` : ''}`, 'mlruns');
  const repo = new S3ArtifactRepository(artifactRoot, {
    env: options.env ?? process.env,
    ...(options.s3EndpointUrl === undefined ? {} : { endpointUrl: options.s3EndpointUrl }),
    ...(options.s3Credentials === undefined ? {} : { credentials: options.s3Credentials }),
  });
  await repo.checkWritable();
  const dbPath = resolve(options.dbPath ?? 'mlflow.db');
  await mkdir(dirname(dbPath), { recursive: true });
  return { trackingUri: pathToSqliteUri(dbPath), artifactRoot, kind: 's3' };
}
