import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidParameterError } from '../tracking/errors.js';

/**
 * Normalises an artifact path to MLflow's POSIX form: `\` becomes `/`, empty and `.` segments and
 * trailing slashes go. `..` segments, absolute paths, drive letters and NUL bytes are rejected with
 * INVALID_PARAMETER_VALUE naming the path, because a path that climbs out of the artifact root (or
 * means different files on different stores) must never reach a backend. `''`/`undefined` is the root.
 */
export function normalizeArtifactPath(path: string | undefined | null): string {
  if (path === undefined || path === null) return '';
  if (typeof path !== 'string') {
    throw new InvalidParameterError(`Invalid artifact path: ${JSON.stringify(path)}. Expected a string.`);
  }
  const bad = (why: string) => new InvalidParameterError(`Invalid artifact path: '${path}'. ${why}`);
  if (path.includes('\0')) throw bad('Artifact paths must not contain NUL characters.');
  const slashed = path.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[a-z]:/i.test(slashed)) {
    throw bad('Artifact paths must be relative to the artifact root, not absolute.');
  }
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw bad("Artifact paths must not contain '..' segments.");
  return segments.join('/');
}

/** Joins normalised artifact path segments, skipping empty ones. */
export function joinArtifactPath(...parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => !!p).join('/');
}

/**
 * Python's `posixpath.join`: a segment starting with `/` restarts the path; otherwise segments are
 * joined with a single `/` unless the previous one already ends with one. Used to build object keys
 * exactly as MLflow's S3ArtifactRepository does (no normalisation).
 */
export function posixJoin(first: string, ...rest: string[]): string {
  let out = first;
  for (const part of rest) {
    if (part.startsWith('/')) out = part;
    else if (out === '' || out.endsWith('/')) out += part;
    else out += `/${part}`;
  }
  return out;
}

/** Python's `posixpath.relpath(path, start)` for the relative object keys MLflow lists. */
export function posixRelpath(path: string, start: string): string {
  const p = path.split('/').filter(Boolean);
  const s = start.split('/').filter(Boolean);
  let i = 0;
  while (i < p.length && i < s.length && p[i] === s[i]) i++;
  const parts = [...Array(s.length - i).fill('..'), ...p.slice(i)];
  return parts.length ? parts.join('/') : '.';
}

/** Resolves symlinks in the longest existing prefix of `path` and appends the rest verbatim. */
async function resolveExisting(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    await lstat(abs);
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await resolveExisting(parent), basename(abs));
  }
}

/**
 * Checks that `target` (after resolving symlinks) lies inside `root`, as MLflow's
 * `validate_path_within_directory` does; a symlink pointing out of the root is rejected.
 */
export async function assertWithinDirectory(root: string, target: string, shownPath: string): Promise<void> {
  const realRoot = await resolveExisting(root);
  const realTarget = await resolveExisting(target);
  const rel = relative(realRoot, realTarget);
  if (rel === '') return;
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new InvalidParameterError(
      `Invalid artifact path: '${shownPath}' resolves outside the directory it must stay in (a symlink or '..' escapes it).`,
    );
  }
}

/** One file found by {@link walkLocalDir}: absolute path and POSIX path relative to the walked folder. */
export interface LocalFile {
  /** Absolute local path. */
  path: string;
  /** Path relative to the walked directory, POSIX separators. */
  relPath: string;
  /** Size in bytes. */
  size: number;
}

/**
 * Lists the files under `dir` the way Python's `os.walk` (followlinks=False) feeds MLflow's
 * `log_artifacts`: symlinks to files are followed, symlinked directories are not descended into.
 * `dirs` receives every directory (relative, POSIX), including empty ones.
 */
export async function walkLocalDir(dir: string, dirs?: string[]): Promise<LocalFile[]> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    throw new InvalidParameterError(`Cannot log artifacts from '${dir}': it is not a directory.`);
  }
  const out: LocalFile[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    const entries: Dirent[] = await readdir(abs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childAbs = join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs?.push(childRel);
        await visit(childAbs, childRel);
      } else if (e.isSymbolicLink()) {
        const target = await stat(childAbs).catch(() => null);
        if (target?.isFile()) out.push({ path: childAbs, relPath: childRel, size: target.size });
        else if (target?.isDirectory()) dirs?.push(childRel);
      } else if (e.isFile()) {
        out.push({ path: childAbs, relPath: childRel, size: (await stat(childAbs)).size });
      }
    }
  };
  await visit(root, '');
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first error after all settle. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
