/**
 * `models:/` URIs as MLflow parses them (`mlflow.store.artifact.utils.models._parse_model_uri`):
 * `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`,
 * `models:/<name>@<alias>` and `models:/<model_id>`.
 */

import { MlflowError } from '../errors.js';

/** The parts of a `models:/` URI; exactly one shape is filled in. */
export interface ParsedModelUri {
  /** A LoggedModel id (`models:/m-...`). */
  modelId?: string;
  name?: string;
  version?: string;
  stage?: string;
  alias?: string;
}

/** The scheme of a URI as Python's `urlparse` reads it (lower-cased), or `''` when there is none. */
export function uriScheme(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  return m ? (m[1] as string).toLowerCase() : '';
}

/** `_improper_model_uri_msg`. */
function improper(uri: string): MlflowError {
  // A bare MlflowException in MLflow: INTERNAL_ERROR.
  return new MlflowError(
    `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/name/suffix' or ` +
      "'models:/name@alias' where suffix is a version, stage, or the string 'latest' and where alias is " +
      'a registered model alias. Only one of suffix or alias can be defined at a time.',
  );
}

/** `_parse_model_uri`: splits a `models:/` URI, or throws MLflow's "Not a proper models:/ URI". */
export function parseModelUri(uri: string): ParsedModelUri {
  if (uriScheme(uri) !== 'models') throw improper(uri);
  // urlparse without fragments: `//netloc` is skipped, the query is not part of the path.
  let rest = uri.slice(uri.indexOf(':') + 1);
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?]/);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  if (!path.startsWith('/') || path.length <= 1) throw improper(uri);
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || (parts[0] as string).trim() === '') throw improper(uri);
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === '') throw improper(uri);
    if (/^\p{Nd}+$/u.test(suffix)) return { name, version: suffix };
    if (suffix.toLowerCase() === 'latest') return { name };
    return { name, stage: suffix };
  }
  if (path.includes('@')) {
    const first = parts[0] as string;
    const at = first.lastIndexOf('@');
    const alias = at < 0 ? '' : first.slice(at + 1);
    if (at < 0 || alias.trim() === '') throw improper(uri);
    return { name: first.slice(0, at), alias };
  }
  return { modelId: parts[0] as string };
}
