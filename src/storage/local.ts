import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError, ResourceDoesNotExistError } from '../tracking/errors.js';
import type { FileInfo } from './backend.js';
import { ArtifactRepositoryBase } from './base.js';
import { assertWithinDirectory, mapLimit, normalizeArtifactPath, walkLocalDir } from './paths.js';

export { normalizeArtifactPath } from './paths.js';

/** Prefix of the staging files MLflow's local repository writes before an atomic rename; never listed. */
export const TEMP_ARTIFACT_PREFIX = '.artifact.uploading.';

/** Local path of a `file:` URI or plain path. */
export function localPathOf(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (uri.startsWith('file:')) return uri.slice('file:'.length);
  return uri;
}

/**
 * Artifacts in a local directory (`mlflow.store.artifact.local_artifact_repo.LocalArtifactRepository`):
 * files are staged under a hidden name and renamed into place, so readers never see half a file, and every
 * path is checked after resolving symlinks so nothing is read or written outside the root.
 */
export class LocalArtifactRepository extends ArtifactRepositoryBase {
  /** The artifact root URI this repository writes under. */
  readonly artifactUri: string;
  /** Absolute local directory of the root. */
  readonly artifactDir: string;

  constructor(artifactUri: string) {
    super();
    this.artifactUri = artifactUri;
    this.artifactDir = resolve(localPathOf(artifactUri));
  }

  /** Absolute local path of artifact `rel` after checking it stays inside the root. */
  async #inside(rel: string, shown: string | undefined = rel): Promise<string> {
    const full = rel ? join(this.artifactDir, ...rel.split('/')) : this.artifactDir;
    await assertWithinDirectory(this.artifactDir, full, shown ?? rel);
    return full;
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    await this.#copyIn(localFile, rel, basename(localFile), artifactPath);
  }

  protected async uploadFile(localFile: string, remoteFile: string): Promise<void> {
    const i = remoteFile.lastIndexOf('/');
    await this.#copyIn(localFile, i < 0 ? '' : remoteFile.slice(0, i), remoteFile.slice(i + 1), remoteFile);
  }

  async #copyIn(localFile: string, dirRel: string, name: string, shown: string | undefined): Promise<void> {
    const src = await stat(localFile).catch(() => null);
    if (!src?.isFile()) throw new InvalidParameterError(`Cannot log artifact '${localFile}': it is not a file.`);
    if (name.startsWith(TEMP_ARTIFACT_PREFIX)) {
      throw new InvalidParameterError(
        `Invalid artifact file name: '${name}'. Artifact names starting with '${TEMP_ARTIFACT_PREFIX}' are reserved.`,
      );
    }
    const dir = await this.#inside(dirRel, shown);
    await mkdir(dir, { recursive: true });
    const dest = join(dir, name);
    await assertWithinDirectory(this.artifactDir, dest, shown ? `${shown}/${name}` : name);
    // Logging a file onto itself (a run re-logging its own artifact) is a no-op, as in MLflow.
    const existing = await stat(dest).catch(() => null);
    if (existing && existing.ino === src.ino && existing.dev === src.dev) return;
    await this.#publish(dest, (tmp) => copyFile(localFile, tmp));
    await utimes(dest, src.atime, src.mtime).catch(() => undefined);
  }

  /** Writes through a hidden staging file in the destination folder, then renames it into place. */
  async #publish(dest: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = join(dirname(dest), `${TEMP_ARTIFACT_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await write(tmp);
      await rename(tmp, dest);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  override async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const base = normalizeArtifactPath(artifactPath);
    const root = await this.#inside(base, artifactPath);
    await mkdir(root, { recursive: true });
    const dirs: string[] = [];
    const files = await walkLocalDir(localDir, dirs);
    // Empty folders are copied too (shutil.copytree semantics), each checked against the root.
    for (const d of dirs) await mkdir(await this.#inside(base ? `${base}/${d}` : d), { recursive: true });
    await mapLimit(files, this.concurrency, (f) => this.uploadFile(f.path, base ? `${base}/${f.relPath}` : f.relPath));
  }

  override async logText(text: string, artifactFile: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactFile);
    if (!rel)
      throw new InvalidParameterError(`Invalid artifact file: '${artifactFile}'. Give a file name, e.g. 'notes.txt'.`);
    const dest = await this.#inside(rel, artifactFile);
    await mkdir(dirname(dest), { recursive: true });
    await assertWithinDirectory(this.artifactDir, dirname(dest), artifactFile);
    await this.#publish(dest, (tmp) => writeFile(tmp, text, 'utf8'));
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const dir = await this.#inside(rel, path);
    let entries: Dirent[];
    try {
      if (!(await stat(dir)).isDirectory()) return [];
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: FileInfo[] = [];
    for (const e of entries) {
      if (e.name.startsWith(TEMP_ARTIFACT_PREFIX)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      const info = await stat(join(dir, e.name)).catch(() => null);
      if (info?.isDirectory()) out.push({ path: p, isDir: true });
      else out.push(info ? { path: p, isDir: false, fileSize: info.size } : { path: p, isDir: false });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  protected override async isDirectory(path: string): Promise<boolean> {
    const full = await this.#inside(path);
    return (await stat(full).catch(() => null))?.isDirectory() ?? false;
  }

  /**
   * Without `dst`, returns the artifact's own absolute path (no copy), as MLflow's local repository
   * does; with `dst`, copies into it.
   */
  override async downloadArtifacts(path?: string, dst?: string): Promise<string> {
    if (dst !== undefined) return super.downloadArtifacts(path, dst);
    const rel = normalizeArtifactPath(path);
    const full = await this.#inside(rel, path);
    if (!(await lstat(full).catch(() => null))) throw new ResourceDoesNotExistError(`No such artifact: '${rel}'`);
    return full;
  }

  protected async downloadFile(remotePath: string, localPath: string): Promise<void> {
    const src = await this.#inside(remotePath);
    if (!(await stat(src).catch(() => null))?.isFile())
      throw new ResourceDoesNotExistError(`No such artifact: '${remotePath}'`);
    await copyFile(src, localPath);
  }

  async deleteArtifacts(path?: string): Promise<void> {
    const rel = normalizeArtifactPath(path);
    const target = rel ? join(this.artifactDir, ...rel.split('/')) : this.artifactDir;
    // Check the parent only: the target itself may be a symlink, which rm removes without following.
    if (rel) await assertWithinDirectory(this.artifactDir, dirname(target), path ?? rel);
    await rm(target, { recursive: true, force: true });
  }
}
