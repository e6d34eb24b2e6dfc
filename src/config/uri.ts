import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { InvalidParameterError } from '../tracking/errors.js';

/** MLflow's default tracking URI (`mlflow.store.tracking.DEFAULT_TRACKING_URI`). */
export const DEFAULT_TRACKING_URI = 'sqlite:///mlflow.db';
/** MLflow's default local artifact root for SQL stores. */
export const DEFAULT_ARTIFACT_ROOT = './mlruns';

/** A parsed tracking URI: which store it selects, and where. */
export type TrackingUriTarget = { kind: 'sqlite'; uri: string; path: string } | { kind: 'rest'; uri: string; url: URL };

const FILE_STORE_HELP =
  "MLflow 3 no longer supports the filesystem tracking backend (e.g. './mlruns' or 'file:///path'). " +
  "Use a database instead, e.g. 'sqlite:///mlflow.db' (the default), or an MLflow tracking server " +
  "('http://host:5000'). Existing file-store data can be migrated with `mlflow migrate-filestore`.";

const UnsupportedDb = /^(postgresql|postgres|mysql|mssql|oracle)(\+[a-z0-9_]+)?:/i;

const trackingUriSchema = z.string().trim().min(1, 'must not be empty');

/** Turns `path` into an absolute `sqlite:///` URI, as `path_to_local_sqlite_uri` does. */
export function pathToSqliteUri(path: string): string {
  return `sqlite:///${resolve(path)}`;
}

/**
 * Parses and validates a tracking URI. `sqlite:///rel.db` is resolved against `cwd` (MLflow resolves
 * its default the same way); `http(s)://` selects the REST store. File-store URIs and plain
 * directories get an error explaining MLflow 3's replacement.
 */
export function parseTrackingUri(raw: string, cwd: string = process.cwd()): TrackingUriTarget {
  const checked = trackingUriSchema.safeParse(raw);
  if (!checked.success) {
    throw new InvalidParameterError(`Invalid tracking URI ${JSON.stringify(raw)}: must be a non-empty string.`);
  }
  const uri = checked.data;
  if (uri.startsWith('sqlite:')) {
    // SQLAlchemy form: sqlite:///relative/path.db, sqlite:////absolute/path.db
    if (!uri.startsWith('sqlite:///')) {
      throw new InvalidParameterError(
        `Invalid tracking URI '${uri}': expected 'sqlite:///<path to .db file>' (three slashes for a relative path, four for an absolute one).`,
      );
    }
    const rest = uri.slice('sqlite:///'.length).split('?')[0] ?? '';
    if (rest === '' || rest === ':memory:') {
      throw new InvalidParameterError(
        `Invalid tracking URI '${uri}': an in-memory SQLite database cannot be shared with MLflow; give a file path.`,
      );
    }
    const path = isAbsolute(rest) ? rest : resolve(cwd, rest);
    return { kind: 'sqlite', uri: `sqlite:///${path}`, path };
  }
  if (/^https?:\/\//i.test(uri)) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new InvalidParameterError(`Invalid tracking URI '${uri}': not a valid URL.`);
    }
    return { kind: 'rest', uri: uri.replace(/\/+$/, ''), url };
  }
  if (uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    throw new InvalidParameterError(`Unsupported tracking URI '${uri}'. ${FILE_STORE_HELP}`);
  }
  if (UnsupportedDb.test(uri)) {
    throw new InvalidParameterError(
      `Unsupported tracking URI '${redactUri(uri)}': this SDK writes SQLite directly; for PostgreSQL/MySQL run ` +
        "`mlflow server --backend-store-uri <that uri>` and set MLFLOW_TRACKING_URI to the server's http(s) URL.",
    );
  }
  if (uri === 'databricks' || uri.startsWith('databricks')) {
    throw new InvalidParameterError(`Unsupported tracking URI '${uri}': Databricks workspaces are not supported.`);
  }
  throw new InvalidParameterError(
    `Unsupported tracking URI '${redactUri(uri)}': expected 'sqlite:///<path>' or 'http(s)://<mlflow server>'.`,
  );
}

/** Removes credentials (`user:pass@`) and sensitive query values from a URI for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^/@\s]+)@/, '//***@').replace(/([?&](?:token|password|secret|key)[^=]*=)[^&]*/gi, '$1***');
}

/**
 * Resolves a local artifact location like MLflow's `resolve_uri_if_local`: a relative path becomes an
 * absolute path; `file:` URIs stay URIs with an absolute path; remote URIs are returned unchanged.
 */
export function resolveUriIfLocal(location: string, cwd: string = process.cwd()): string {
  if (location.startsWith('file:')) {
    const path = location.startsWith('file://') ? fileURLToPath(location) : location.slice('file:'.length);
    return isAbsolute(path) ? location : pathToFileURL(resolve(cwd, path)).href;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) return location;
  return isAbsolute(location) ? location : resolve(cwd, location);
}

/** Appends POSIX path segments to a URI or path, as MLflow's `append_to_uri_path` does. */
export function appendToUriPath(uri: string, ...segments: string[]): string {
  const suffix = segments
    .map((s) => s.replace(/^\/+|\/+$/g, ''))
    .filter((s) => s.length > 0)
    .join('/');
  if (!suffix) return uri;
  const q = uri.search(/[?#]/);
  const base = q === -1 ? uri : uri.slice(0, q);
  const tail = q === -1 ? '' : uri.slice(q);
  return `${base.replace(/\/+$/, '')}/${suffix}${tail}`;
}
