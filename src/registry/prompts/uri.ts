import { ErrorCode, InvalidParameterError, MlflowError } from '../../tracking/errors.js';

/** A parsed prompt reference: a version number, or an alias (`latest` included). */
export type PromptRef =
  | { name: string; version: number; alias?: undefined }
  | { name: string; alias: string; version?: undefined };

function improperUri(uri: string): MlflowError {
  // MLflow raises this as a bare MlflowException, hence INTERNAL_ERROR.
  return new MlflowError(
    `Not a proper prompts:/ URI: ${uri}. Prompts URIs must be of the form 'prompts:/name/suffix' or ` +
      "'prompts:/name@alias' where suffix is a version and where alias is a registered prompt alias. " +
      'Only one of suffix or alias can be defined at a time.',
    ErrorCode.INTERNAL_ERROR,
  );
}

/**
 * `parse_prompt_name_or_uri`: a `prompts:/` URI as given, or a name with a version (`prompts:/name/3`)
 * or without one (`prompts:/name@latest`). A version together with a URI is an error.
 */
export function promptUriFor(nameOrUri: string, version?: string | number | null): string {
  if (typeof nameOrUri !== 'string' || nameOrUri === '') {
    throw new InvalidParameterError(`Prompt name or URI must be a non-empty string, got ${JSON.stringify(nameOrUri)}.`);
  }
  if (nameOrUri.startsWith('prompts:/')) {
    if (version !== undefined && version !== null) {
      throw new InvalidParameterError('The `version` argument should not be specified when loading a prompt by URI.');
    }
    return nameOrUri;
  }
  return version === undefined || version === null
    ? `prompts:/${nameOrUri}@latest`
    : `prompts:/${nameOrUri}/${version}`;
}

/**
 * Parses `prompts:/name/<version>` or `prompts:/name@<alias>` (MLflow's `_parse_model_uri` with the
 * prompts scheme, then `parse_prompt_uri`): stages and `/latest` are not prompt references.
 */
export function parsePromptUri(uri: string): PromptRef {
  const m = /^prompts:(.*)$/.exec(uri);
  if (!m) throw improperUri(uri);
  const path = m[1] as string;
  if (!path.startsWith('/') || path.length <= 1) throw improperUri(uri);
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || (parts[0] as string).trim() === '') throw improperUri(uri);
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (!/^\d+$/.test(suffix)) throw improperUri(uri);
    return { name, version: Number(suffix) };
  }
  const first = parts[0] as string;
  if (first.includes('@')) {
    const at = first.lastIndexOf('@');
    const alias = first.slice(at + 1);
    if (alias.trim() === '') throw improperUri(uri);
    return { name: first.slice(0, at), alias };
  }
  throw new InvalidParameterError(`Invalid prompt URI format: ${uri}`);
}

/** The canonical URI of a reference: `prompts:/name/3` or `prompts:/name@alias`. */
export function formatPromptRef(ref: PromptRef): string {
  return ref.alias === undefined ? `prompts:/${ref.name}/${ref.version}` : `prompts:/${ref.name}@${ref.alias}`;
}
