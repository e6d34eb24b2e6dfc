import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InvalidParameterError, isMlflowError, MlflowError, ResourceDoesNotExistError } from '../tracking/errors.js';
import type { FileInfo, StorageBackend } from './backend.js';
import { assertWithinDirectory, joinArtifactPath, mapLimit, normalizeArtifactPath, walkLocalDir } from './paths.js';

/**
 * Files transferred in parallel: MLflow's pool is `min(2 * cpus, 20)` threads; small-file transfers are
 * latency-bound rather than CPU-bound, so never fewer than 8 here.
 */
export const TRANSFER_CONCURRENCY = Math.min(20, Math.max(8, 2 * availableParallelism()));

/**
 * What remote repositories share (MLflow's `ArtifactRepository` base): the recursive download
 * algorithm, `logArtifacts` over a local walk and `logText` through a temporary file. Subclasses
 * implement single-file transfer and listing.
 */
export abstract class ArtifactRepositoryBase implements StorageBackend {
  abstract readonly artifactUri: string;
  /** Files transferred in parallel by `logArtifacts` and `downloadArtifacts`. */
  protected concurrency = TRANSFER_CONCURRENCY;

  abstract logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  abstract listArtifacts(path?: string): Promise<FileInfo[]>;
  abstract deleteArtifacts(path?: string): Promise<void>;
  /** Downloads the file at normalised `remotePath` to the absolute `localPath` (its folder exists). */
  protected abstract downloadFile(remotePath: string, localPath: string): Promise<void>;
  /** Uploads a local file to the normalised artifact file path `remoteFile` (`dir/name`). */
  protected abstract uploadFile(localFile: string, remoteFile: string): Promise<void>;

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const base = normalizeArtifactPath(artifactPath);
    const files = await walkLocalDir(localDir);
    await mapLimit(files, this.concurrency, (f) => this.uploadFile(f.path, joinArtifactPath(base, f.relPath)));
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactFile);
    if (!rel)
      throw new InvalidParameterError(`Invalid artifact file: '${artifactFile}'. Give a file name, e.g. 'notes.txt'.`);
    const dir = await mkdtemp(join(tmpdir(), 'mlflow-genai-text-'));
    try {
      const name = rel.split('/').pop()!;
      const local = join(dir, name);
      await writeFile(local, text, 'utf8');
      await this.uploadFile(local, rel);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async downloadArtifacts(path?: string, dst?: string): Promise<string> {
    const rel = normalizeArtifactPath(path);
    const dstDir =
      dst === undefined ? await mkdtemp(join(tmpdir(), 'mlflow-genai-artifacts-')) : await checkDestination(dst);
    let isDir: boolean;
    if (rel === '') {
      if ((await this.listArtifacts()).length === 0) return dstDir;
      isDir = true;
    } else {
      isDir = await this.isDirectory(rel);
    }
    const files: string[] = [];
    if (isDir) {
      for await (const info of this.iterRecursive(rel)) {
        const local = await this.destination(dstDir, info.path);
        if (info.isDir) await mkdir(local, { recursive: true });
        else files.push(info.path);
      }
    } else {
      files.push(rel);
    }
    const failures: Array<{ path: string; error: unknown }> = [];
    await mapLimit(files, this.concurrency, async (file) => {
      try {
        const local = await this.destination(dstDir, file);
        await mkdir(dirname(local), { recursive: true });
        await this.downloadFile(file, local);
      } catch (error) {
        failures.push({ path: file, error });
      }
    });
    if (failures.length) throw downloadFailure(this.artifactUri, failures);
    return rel ? join(dstDir, ...rel.split('/')) : dstDir;
  }

  /** Whether `path` is a directory: remote stores only know that it has children. */
  protected async isDirectory(path: string): Promise<boolean> {
    return (await this.listArtifacts(path)).length > 0;
  }

  /** Every file under `path`, and every empty directory (as MLflow's `_iter_artifacts_recursive`). */
  protected async *iterRecursive(path: string): AsyncGenerator<FileInfo> {
    const listing = (await this.listArtifacts(path)).filter((f) => f.path !== '.' && f.path !== path);
    if (listing.length === 0) {
      yield { path, isDir: true };
      return;
    }
    for (const info of listing) {
      if (info.isDir) yield* this.iterRecursive(normalizeArtifactPath(info.path));
      else yield info;
    }
  }

  /** The local path for artifact `artifactPath` under `dstDir`, refusing listings that climb out of it. */
  protected async destination(dstDir: string, artifactPath: string): Promise<string> {
    const rel = normalizeArtifactPath(artifactPath);
    const local = rel ? join(dstDir, ...rel.split('/')) : dstDir;
    await assertWithinDirectory(dstDir, local, artifactPath);
    return local;
  }
}

/** Checks a download destination as MLflow does: it must exist and be a directory. Returns it absolute. */
export async function checkDestination(dst: string): Promise<string> {
  const abs = resolve(dst);
  const info = await stat(abs).catch(() => null);
  if (!info) {
    throw new ResourceDoesNotExistError(
      `The destination path for downloaded artifacts does not exist! Destination path: ${abs}`,
    );
  }
  if (!info.isDirectory()) {
    throw new InvalidParameterError(
      `The destination path for downloaded artifacts must be a directory! Destination path: ${abs}`,
    );
  }
  return abs;
}

function downloadFailure(uri: string, failures: Array<{ path: string; error: unknown }>): Error {
  const text = failures
    .slice(0, 20)
    .map((f) => `##### File ${f.path} #####\n${f.error instanceof Error ? f.error.message : String(f.error)}`)
    .join('\n');
  const codes = new Set(
    failures
      .map((f) => (isMlflowError(f.error) ? f.error.errorCode : 'INTERNAL_ERROR'))
      .filter((c) => c !== 'INTERNAL_ERROR'),
  );
  const first = failures[0]?.error;
  // One failure with its own MLflow error: rethrow it unchanged so callers can branch on its class.
  if (failures.length === 1 && isMlflowError(first)) return first;
  const code = codes.size === 1 ? [...codes][0]! : 'INTERNAL_ERROR';
  return MlflowError.fromCode(
    code,
    `The following failures occurred while downloading one or more artifacts from ${uri}:\n${text}`,
    {
      cause: first,
    },
  );
}
