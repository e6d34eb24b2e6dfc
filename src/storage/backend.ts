/** One entry of an artifact listing (`mlflow.entities.FileInfo`). */
export interface FileInfo {
  /** Path relative to the artifact root, POSIX separators. */
  path: string;
  /** True for directories. */
  isDir: boolean;
  /** Size in bytes, for files. */
  fileSize?: number;
}

/** An artifact repository (MLflow's `ArtifactRepository`): where a run's files live. */
export interface StorageBackend {
  /** The root URI this backend writes under. */
  readonly artifactUri: string;
  /** Copies one local file under `artifactPath` (a directory inside the root). */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /** Copies a local directory's contents under `artifactPath`. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  /** Writes `text` as the file `artifactFile` (UTF-8). */
  logText(text: string, artifactFile: string): Promise<void>;
  /** Lists the direct children of `path` (the root when omitted). */
  listArtifacts(path?: string): Promise<FileInfo[]>;
  /** Copies `path` (file or directory) into local directory `dst`; returns the local path. */
  downloadArtifacts(path: string, dst: string): Promise<string>;
}
