import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '../tracking/errors.js';
import type { FileInfo, StorageBackend } from './backend.js';

/** Normalises an artifact path: POSIX separators, no `..`, not absolute. Throws INVALID_PARAMETER_VALUE. */
export function normalizeArtifactPath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '.') return '';
  const norm = posix.normalize(path.replaceAll('\\', '/'));
  if (isAbsolute(path) || norm.startsWith('/') || norm === '..' || norm.startsWith('../') || /^[a-z]:/i.test(path)) {
    throw new InvalidParameterError(`Invalid artifact path: '${path}'. Artifact paths must be relative and stay inside the artifact root.`);
  }
  return norm.replace(/\/+$/, '') === '.' ? '' : norm.replace(/\/+$/, '');
}

/** Local path of a `file:` URI or plain path. */
export function localPathOf(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (uri.startsWith('file:')) return uri.slice('file:'.length);
  return uri;
}

/** Artifacts in a local directory (`mlflow.store.artifact.local_artifact_repo.LocalArtifactRepository`). */
export class LocalArtifactRepository implements StorageBackend {
  /** The artifact root URI this repository writes under. */
  readonly artifactUri: string;
  readonly #root: string;

  constructor(artifactUri: string) {
    this.artifactUri = artifactUri;
    this.#root = resolve(localPathOf(artifactUri));
  }

  #target(artifactPath: string | undefined): string {
    const rel = normalizeArtifactPath(artifactPath);
    const full = rel ? join(this.#root, ...rel.split('/')) : this.#root;
    const back = relative(this.#root, full);
    if (back.startsWith('..') || isAbsolute(back)) {
      throw new InvalidParameterError(`Invalid artifact path: '${artifactPath}' escapes the artifact root.`);
    }
    return full;
  }

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const dir = this.#target(artifactPath);
    await mkdir(dir, { recursive: true });
    await copyFile(localFile, join(dir, localFile.split(sep).pop()!));
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const dir = this.#target(artifactPath);
    await mkdir(dir, { recursive: true });
    for (const entry of await readdir(localDir, { withFileTypes: true })) {
      const src = join(localDir, entry.name);
      if (entry.isDirectory()) {
        await this.logArtifacts(src, artifactPath ? `${normalizeArtifactPath(artifactPath)}/${entry.name}` : entry.name);
      } else if (entry.isFile()) {
        await copyFile(src, join(dir, entry.name));
      }
    }
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    const full = this.#target(artifactFile);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text, 'utf8');
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const dir = this.#target(rel);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: FileInfo[] = [];
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) out.push({ path: p, isDir: true });
      else out.push({ path: p, isDir: false, fileSize: (await stat(join(dir, e.name))).size });
    }
    return out;
  }

  async downloadArtifacts(path: string, dst: string): Promise<string> {
    const src = this.#target(path);
    const info = await stat(src);
    const out = join(dst, normalizeArtifactPath(path).split('/').pop() || '');
    if (info.isDirectory()) {
      await mkdir(out, { recursive: true });
      for (const e of await readdir(src)) await this.downloadArtifacts(`${normalizeArtifactPath(path)}/${e}`, out);
    } else {
      await mkdir(dirname(out), { recursive: true });
      await copyFile(src, out);
    }
    return out;
  }
}
