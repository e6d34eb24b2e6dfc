import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readEnv } from '../config/env.js';
import { InvalidParameterError, MlflowError } from '../tracking/errors.js';
import type { FileInfo, S3Options } from './backend.js';
import { ArtifactRepositoryBase } from './base.js';
import { guessType } from './mime.js';
import { normalizeArtifactPath, posixJoin, posixRelpath } from './paths.js';
import {
  loadLibStorage,
  loadS3,
  type ResolvedS3Settings,
  resolveS3Settings,
  type S3Target,
  s3ClientFor,
  s3Error,
} from './s3-client.js';
import { STORAGE_ENV, s3UploadExtraArgs } from './settings.js';

const MIB = 1024 * 1024;
/** S3's smallest multipart part (except the last). */
const MIN_PART_SIZE = 5 * MIB;
/** boto3's `TransferConfig` default chunk size and multipart threshold. */
const DEFAULT_PART_SIZE = 8 * MIB;

/** Splits `s3://bucket/prefix` like MLflow's `parse_s3_compliant_uri`: the prefix has no leading slash. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]*)([^?#]*)/i.exec(uri);
  if (!m?.[1]) throw new InvalidParameterError(`Not an S3 URI: '${uri}'. Expected 's3://<bucket>/<prefix>'.`);
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/^\//, '') };
}

/** Options of {@link S3ArtifactRepository}. */
export interface S3ArtifactRepositoryOptions extends S3Options {
  /** Where `MLFLOW_S3_*` and `AWS_*` settings are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Artifacts in Amazon S3 or an S3-compatible store (`mlflow.store.artifact.s3_artifact_repo`). Object keys
 * are exactly MLflow's: `<prefix>/<artifact_path>/<file name>` joined as POSIX paths; listings use the `/`
 * delimiter. Files at or above the part size go up as parallel multipart uploads.
 */
export class S3ArtifactRepository extends ArtifactRepositoryBase {
  /** The `s3://bucket/prefix` root. */
  readonly artifactUri: string;
  /** Bucket name. */
  readonly bucket: string;
  /** Key prefix of the root (no leading slash; may be empty). */
  readonly prefix: string;
  readonly #settings: ResolvedS3Settings;
  readonly #extraArgs: Record<string, unknown>;
  readonly #ownerParams: { ExpectedBucketOwner?: string };
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(artifactUri: string, options: S3ArtifactRepositoryOptions = {}) {
    super();
    const env = options.env ?? process.env;
    this.artifactUri = artifactUri;
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(artifactUri));
    this.#settings = resolveS3Settings(options, env);
    this.#extraArgs = s3UploadExtraArgs(env);
    const owner = readEnv(STORAGE_ENV.S3_EXPECTED_BUCKET_OWNER, env);
    this.#ownerParams = owner ? { ExpectedBucketOwner: owner } : {};
    this.#partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.#queueSize = Math.max(1, options.queueSize ?? 4);
  }

  /** The custom endpoint in use, if any (for messages and tests). */
  get endpointUrl(): string | undefined {
    return this.#settings.endpointUrl;
  }

  #target(key?: string): S3Target {
    return { bucket: this.bucket, endpointUrl: this.#settings.endpointUrl, ...(key === undefined ? {} : { key }) };
  }

  async #call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MlflowError) throw err;
      throw s3Error(err, operation, this.#target(key));
    }
  }

  /** The object key of artifact file `rel` (normalised): `posixpath.join(prefix, rel)`. */
  keyOf(rel: string): string {
    return rel ? posixJoin(this.prefix, rel) : this.prefix;
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const dir = normalizeArtifactPath(artifactPath);
    const name = basename(localFile);
    await this.uploadFile(localFile, dir ? `${dir}/${name}` : name);
  }

  /** PutObject arguments MLflow adds: guessed ContentType/ContentEncoding, bucket owner, MLFLOW_S3_UPLOAD_EXTRA_ARGS. */
  #uploadArgs(fileName: string): Record<string, unknown> {
    const { type, encoding } = guessType(fileName);
    return {
      ...(type ? { ContentType: type } : {}),
      ...(encoding ? { ContentEncoding: encoding } : {}),
      ...this.#ownerParams,
      ...this.#extraArgs,
    };
  }

  protected async uploadFile(localFile: string, remoteFile: string): Promise<void> {
    const key = this.keyOf(remoteFile);
    const info = await stat(localFile).catch(() => null);
    if (!info?.isFile()) throw new InvalidParameterError(`Cannot log artifact '${localFile}': it is not a file.`);
    const client = await s3ClientFor(this.#settings);
    const params = { Bucket: this.bucket, Key: key, ...this.#uploadArgs(basename(remoteFile)) };
    if (info.size < this.#partSize) {
      const { PutObjectCommand } = await loadS3();
      const body = await readFile(localFile);
      await this.#call('upload', key, () => client.send(new PutObjectCommand({ ...params, Body: body } as never)));
      return;
    }
    const { Upload } = await loadLibStorage();
    // Parts are read from the file stream and sent `queueSize` at a time, so memory stays at
    // queueSize x partSize whatever the file size; S3 allows at most 10,000 parts.
    const partSize = Math.max(this.#partSize, Math.ceil(info.size / 10_000));
    const upload = new Upload({
      client,
      params: { ...params, Body: createReadStream(localFile, { highWaterMark: MIB }) } as never,
      partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    await this.#call('multipart upload', key, () => upload.done());
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const root = this.prefix;
    const dest = (rel ? posixJoin(root, rel) : root).replace(/\/+$/, '');
    const listPrefix = dest ? `${dest}/` : '';
    const client = await s3ClientFor(this.#settings);
    const { ListObjectsV2Command } = await loadS3();
    const infos: FileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('list', listPrefix, () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            Delimiter: '/',
            ...(token ? { ContinuationToken: token } : {}),
            ...this.#ownerParams,
          }),
        ),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const sub = p.Prefix ?? '';
        this.#checkListed(sub);
        infos.push({ path: posixRelpath(sub, root).replace(/\/$/, ''), isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const key = o.Key ?? '';
        this.#checkListed(key);
        const size = Number(o.Size ?? 0);
        // Zero-byte keys ending in '/' are folder markers some tools create, not files.
        if (size === 0 && key.endsWith('/')) continue;
        infos.push({ path: posixRelpath(key, root), isDir: false, fileSize: size });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  #checkListed(key: string): void {
    if (!key.startsWith(this.prefix)) {
      throw new MlflowError(
        `The path of the listed S3 object does not begin with the specified artifact path. Artifact path: ${this.prefix}. Object path: ${key}.`,
      );
    }
  }

  protected async downloadFile(remotePath: string, localPath: string): Promise<void> {
    const key = this.keyOf(remotePath);
    const client = await s3ClientFor(this.#settings);
    const { GetObjectCommand } = await loadS3();
    const res = await this.#call('download', key, () =>
      client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.#downloadArgs() })),
    );
    try {
      await this.#call('download', key, () => pipeline(res.Body as Readable, createWriteStream(localPath)));
    } catch (err) {
      await unlink(localPath).catch(() => undefined);
      throw err;
    }
  }

  /** SSE-C and requester-pays arguments from MLFLOW_S3_UPLOAD_EXTRA_ARGS also apply to reads, as in MLflow. */
  #downloadArgs(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.#ownerParams };
    for (const name of ['SSECustomerAlgorithm', 'SSECustomerKey', 'SSECustomerKeyMD5', 'RequestPayer']) {
      if (this.#extraArgs[name] !== undefined) out[name] = this.#extraArgs[name];
    }
    return out;
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const rel = normalizeArtifactPath(path);
    const dest = (rel ? posixJoin(this.prefix, rel) : this.prefix).replace(/\/+$/, '');
    const client = await s3ClientFor(this.#settings);
    const { ListObjectsV2Command, DeleteObjectsCommand } = await loadS3();
    let token: string | undefined;
    do {
      const page = await this.#call('list', dest, () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: dest,
            ...(token ? { ContinuationToken: token } : {}),
            ...this.#ownerParams,
          }),
        ),
      );
      // A prefix listing of `foo` also returns `foobar`: keep only keys at or below the path.
      const keys = (page.Contents ?? [])
        .map((o) => o.Key ?? '')
        .filter((k) => !dest || k === dest || k.startsWith(`${dest}/`))
        .map((Key) => ({ Key }));
      if (keys.length) {
        await this.#call('delete', dest, () =>
          client.send(
            new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys }, ...this.#ownerParams }),
          ),
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Checks that the bucket exists and is writable with these credentials by writing and deleting a
   * probe object under the prefix; throws an MlflowError saying what to fix.
   */
  async checkWritable(): Promise<void> {
    const key = posixJoin(this.prefix, `.mlflow-genai-probe-${process.pid}-${Date.now()}`);
    const client = await s3ClientFor(this.#settings);
    const { PutObjectCommand, DeleteObjectCommand } = await loadS3();
    await this.#call('probe write', key, () =>
      client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'probe', ...this.#ownerParams })),
    );
    await this.#call('probe delete', key, () =>
      client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...this.#ownerParams })),
    );
  }
}
