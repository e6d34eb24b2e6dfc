/** One entry of an artifact listing (`mlflow.entities.FileInfo`). */
export interface FileInfo {
  /** Path relative to the artifact root, POSIX separators. */
  path: string;
  /** True for directories. */
  isDir: boolean;
  /** Size in bytes, for files. */
  fileSize?: number;
}

/**
 * An artifact repository (MLflow's `ArtifactRepository`): where a run's files live. Artifact paths
 * are POSIX, relative to the root; `..` segments and absolute paths are rejected with
 * INVALID_PARAMETER_VALUE.
 */
export interface StorageBackend {
  /** The root URI this backend writes under (credentials removed). */
  readonly artifactUri: string;
  /** Copies one local file into the directory `artifactPath` (the root when omitted), keeping its name. */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /** Copies a local directory's contents (recursively) into the directory `artifactPath`. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  /** Writes `text` (UTF-8) as the artifact file `artifactFile`, e.g. `dir/notes.txt`. */
  logText(text: string, artifactFile: string): Promise<void>;
  /** Lists the direct children of `path` (the root when omitted), sorted by path; `[]` for a file or nothing. */
  listArtifacts(path?: string): Promise<FileInfo[]>;
  /**
   * Downloads `path` (a file or directory; the whole root when empty) into the existing local directory
   * `dst`, keeping its relative path, and returns the local path (`dst/path`). Without `dst`, remote
   * stores download into a new temporary directory; the local store returns the file's own path, as MLflow does.
   */
  downloadArtifacts(path?: string, dst?: string): Promise<string>;
  /** Deletes the file or directory `path` (recursively; the whole root when omitted). */
  deleteArtifacts(path?: string): Promise<void>;
}

/** Static AWS credentials; without them the standard AWS credential chain is used. */
export interface AwsCredentials {
  /** `AWS_ACCESS_KEY_ID`. */
  accessKeyId: string;
  /** `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey: string;
  /** `AWS_SESSION_TOKEN`, for temporary credentials. */
  sessionToken?: string;
}

/** Options of the S3 backend; each falls back to the environment as MLflow's S3ArtifactRepository does. */
export interface S3Options {
  /** S3-compatible endpoint (MinIO, moto, ...); else `MLFLOW_S3_ENDPOINT_URL`; else AWS. Selects path-style addressing. */
  endpointUrl?: string;
  /** Region; else `AWS_REGION` / `AWS_DEFAULT_REGION`; else `us-east-1`. */
  region?: string;
  /** Credentials; else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from `env`; else the AWS credential chain. */
  credentials?: AwsCredentials;
  /** Part size of multipart uploads in bytes (at least 5 MiB); 8 MiB like boto3's default. */
  partSize?: number;
  /** Parts uploaded in parallel per file; 4 by default. */
  queueSize?: number;
}

/** How a backend is built from an artifact URI. */
export interface StorageOptions {
  /** Tracking URI that `mlflow-artifacts:` URIs resolve against; else `MLFLOW_TRACKING_URI` / the default. */
  trackingUri?: string;
  /**
   * Where `MLFLOW_*` and `AWS_*` settings are read from; `process.env` by default. Passing an object keeps
   * settings local to one backend (tests, multi-tenant hosts).
   */
  env?: NodeJS.ProcessEnv;
  /** S3 settings for `s3://` URIs. */
  s3?: S3Options;
}
