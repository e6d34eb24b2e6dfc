import { redactUri } from '../config/uri.js';
import { ErrorCode, MlflowError } from '../tracking/errors.js';
import type { StorageBackend, StorageOptions } from './backend.js';
import { HttpArtifactRepository, MlflowArtifactsRepository } from './http.js';
import { LocalArtifactRepository } from './local.js';
import { S3ArtifactRepository } from './s3.js';

/** The scheme of a URI as MLflow's `get_uri_scheme` reads it: `''` for plain paths and Windows drives. */
export function uriScheme(uri: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  if (!m) return '';
  const scheme = m[1]!.toLowerCase();
  // A single letter is a Windows drive (C:\...), i.e. a local path.
  return scheme.length === 1 ? '' : scheme;
}

/** Artifact URI schemes this SDK can read and write. */
export const SUPPORTED_ARTIFACT_SCHEMES = ['', 'file', 's3', 'http', 'https', 'mlflow-artifacts'] as const;

/**
 * The storage backend for an artifact URI, chosen by scheme as MLflow's `get_artifact_repository` does:
 * plain paths and `file:` are local, `s3:` is S3, `http(s):` is an MLflow artifact proxy, and
 * `mlflow-artifacts:` resolves against the tracking URI (`options.trackingUri`, else the one in force).
 */
export function storageFor(artifactUri: string, options: StorageOptions = {}): StorageBackend {
  const env = options.env ?? process.env;
  switch (uriScheme(artifactUri)) {
    case '':
    case 'file':
      return new LocalArtifactRepository(artifactUri);
    case 's3':
      return new S3ArtifactRepository(artifactUri, { ...options.s3, env });
    case 'http':
    case 'https':
      return new HttpArtifactRepository(artifactUri, { env });
    case 'mlflow-artifacts':
      return new MlflowArtifactsRepository(artifactUri, {
        env,
        ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
      });
    default:
      throw new MlflowError(
        `Could not find a registered artifact repository for: ${redactUri(artifactUri)}. Currently supported schemes are: ` +
          "local paths, 'file', 's3', 'http', 'https' and 'mlflow-artifacts'.",
        ErrorCode.NOT_IMPLEMENTED,
      );
  }
}
