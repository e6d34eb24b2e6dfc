// Internal: loading the optional AWS SDK lazily, building S3 clients from MLflow's settings, and
// turning SDK errors into MlflowErrors that say what to do. Nothing here is public API.
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { readEnv } from '../config/env.js';
import { ErrorCode, MlflowError } from '../tracking/errors.js';
import type { AwsCredentials, S3Options } from './backend.js';
import { envFlag, STORAGE_ENV } from './settings.js';

type S3Module = typeof import('@aws-sdk/client-s3');
type StorageModule = typeof import('@aws-sdk/lib-storage');

let s3Module: Promise<S3Module> | undefined;
let storageModule: Promise<StorageModule> | undefined;

function missingPeer(name: string, err: unknown): MlflowError {
  return new MlflowError(
    `s3:// artifact URIs need the optional peer dependency ${name}: run \`npm install @aws-sdk/client-s3 @aws-sdk/lib-storage\`.`,
    ErrorCode.NOT_IMPLEMENTED,
    { cause: err },
  );
}

/** `@aws-sdk/client-s3`, imported on first use so `import 'mlflow-genai'` never loads it. */
export function loadS3(): Promise<S3Module> {
  s3Module ??= import('@aws-sdk/client-s3').catch((err: unknown) => {
    s3Module = undefined;
    throw missingPeer('@aws-sdk/client-s3', err);
  });
  return s3Module;
}

/** `@aws-sdk/lib-storage` (parallel multipart uploads), imported on first large upload. */
export function loadLibStorage(): Promise<StorageModule> {
  storageModule ??= import('@aws-sdk/lib-storage').catch((err: unknown) => {
    storageModule = undefined;
    throw missingPeer('@aws-sdk/lib-storage', err);
  });
  return storageModule;
}

/** The S3 connection settings in force for one repository. */
export interface ResolvedS3Settings {
  /** Custom endpoint (MinIO, moto), or undefined for AWS. */
  endpointUrl: string | undefined;
  region: string;
  forcePathStyle: boolean;
  ignoreTls: boolean;
  credentials: AwsCredentials | undefined;
}

/** Applies MLflow's S3 settings: arguments, then `MLFLOW_S3_*` / `AWS_*` from `env`, then defaults. */
export function resolveS3Settings(options: S3Options, env: NodeJS.ProcessEnv): ResolvedS3Settings {
  const endpointUrl = options.endpointUrl ?? readEnv(STORAGE_ENV.S3_ENDPOINT_URL, env);
  const style = readEnv(STORAGE_ENV.BOTO_CLIENT_ADDRESSING_STYLE, env) ?? 'auto';
  const accessKeyId = readEnv('AWS_ACCESS_KEY_ID', env);
  const secretAccessKey = readEnv('AWS_SECRET_ACCESS_KEY', env);
  const sessionToken = readEnv('AWS_SESSION_TOKEN', env);
  // Keys present in `env` are used as given (so an explicit env object is honoured even though the
  // SDK's own chain only reads process.env); otherwise the SDK's default credential chain applies.
  const fromEnv: AwsCredentials | undefined =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined;
  return {
    endpointUrl,
    region: options.region ?? readEnv('AWS_REGION', env) ?? readEnv('AWS_DEFAULT_REGION', env) ?? 'us-east-1',
    // S3-compatible servers (MinIO, moto) are addressed by path; boto3's "auto" does the same for a custom endpoint.
    forcePathStyle: style === 'path' || (style === 'auto' && endpointUrl !== undefined),
    ignoreTls: envFlag(STORAGE_ENV.S3_IGNORE_TLS, env),
    credentials: options.credentials ?? fromEnv,
  };
}

const clients = new Map<string, Promise<S3Client>>();

/** An S3 client for these settings, shared per settings so sockets are reused across repositories. */
export function s3ClientFor(settings: ResolvedS3Settings): Promise<S3Client> {
  // The cache key holds a digest of the credentials, never the secret itself.
  const key = JSON.stringify({
    ...settings,
    credentials: settings.credentials
      ? createHash('sha256').update(JSON.stringify(settings.credentials)).digest('hex')
      : null,
  });
  let client = clients.get(key);
  if (!client) {
    client = loadS3().then(({ S3Client }) => {
      const config: S3ClientConfig = {
        region: settings.region,
        forcePathStyle: settings.forcePathStyle,
        followRegionRedirects: true,
        requestHandler: {
          httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
          httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: !settings.ignoreTls }),
        },
      };
      if (settings.endpointUrl) {
        config.endpoint = settings.endpointUrl;
        // Third-party S3 servers often reject the SDK's newer default flexible-checksum headers; boto3
        // against such endpoints is normally configured the same way. Object bytes are unaffected.
        config.requestChecksumCalculation = 'WHEN_REQUIRED';
        config.responseChecksumValidation = 'WHEN_REQUIRED';
      }
      if (settings.credentials) config.credentials = settings.credentials;
      return new S3Client(config);
    });
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** Where an S3 operation was aimed, for error messages (never credentials). */
export interface S3Target {
  bucket: string;
  key?: string;
  endpointUrl: string | undefined;
}

function describeEndpoint(endpointUrl: string | undefined): string {
  return endpointUrl ? `endpoint ${endpointUrl}` : 'the AWS S3 endpoint';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Maps an SDK error to an MlflowError with MLflow's code for it (`BOTO_TO_MLFLOW_ERROR`) and a message
 * naming the bucket, the endpoint and what to do.
 */
export function s3Error(err: unknown, operation: string, target: S3Target): MlflowError {
  const e = err as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = `s3://${target.bucket}${target.key !== undefined ? `/${target.key}` : ''}`;
  const endpoint = describeEndpoint(target.endpointUrl);
  const head = `S3 ${operation} of ${where} at ${endpoint} failed`;
  const detail = e.message && e.message !== code ? `${code}: ${e.message}` : code || String(err);
  const nodeCode = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  if (nodeCode && NETWORK_CODES.has(nodeCode)) {
    return new MlflowError(
      `${head}: cannot reach ${endpoint} (${nodeCode}). Check that the S3 server is running and that ` +
        `${STORAGE_ENV.S3_ENDPOINT_URL} points at it.`,
      ErrorCode.TEMPORARILY_UNAVAILABLE,
      { cause: err },
    );
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new MlflowError(
      `${head}: no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, ` +
        'or run where an IAM role is available).',
      ErrorCode.UNAUTHENTICATED,
      { cause: err },
    );
  }
  switch (code) {
    case 'NoSuchBucket':
      return MlflowError.fromCode(
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        `${head}: bucket '${target.bucket}' does not exist. Create it (e.g. \`aws s3 mb s3://${target.bucket}\`` +
          `${target.endpointUrl ? ` --endpoint-url ${target.endpointUrl}` : ''}) or check the bucket name in the artifact URI.`,
        { cause: err },
      );
    case 'NoSuchKey':
    case 'NotFound':
      return MlflowError.fromCode(ErrorCode.RESOURCE_DOES_NOT_EXIST, `${head}: no such object (${detail}).`, {
        cause: err,
      });
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'InvalidToken':
    case 'ExpiredToken':
      return new MlflowError(
        `${head}: the S3 server rejected the credentials (${code}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
          '(and AWS_SESSION_TOKEN for temporary keys) to a key pair that is valid for this endpoint.',
        ErrorCode.UNAUTHENTICATED,
        { cause: err },
      );
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return new MlflowError(
        `${head}: access denied. Allow s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on ` +
          `bucket '${target.bucket}' for these credentials.`,
        ErrorCode.PERMISSION_DENIED,
        { cause: err },
      );
    case 'InvalidBucketName':
      return MlflowError.fromCode(
        ErrorCode.INVALID_PARAMETER_VALUE,
        `${head}: '${target.bucket}' is not a valid bucket name.`,
        {
          cause: err,
        },
      );
    default:
      break;
  }
  // HEAD responses carry no error body: only the status is known (MLflow maps 403/404 the same way).
  if (status === 404)
    return MlflowError.fromCode(ErrorCode.RESOURCE_DOES_NOT_EXIST, `${head}: not found (${detail}).`, { cause: err });
  if (status === 403)
    return new MlflowError(`${head}: forbidden (${detail}).`, ErrorCode.PERMISSION_DENIED, { cause: err });
  return new MlflowError(`${head}: ${detail}`, ErrorCode.INTERNAL_ERROR, { cause: err });
}
