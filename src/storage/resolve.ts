import { ErrorCode, MlflowError } from '../tracking/errors.js';
import type { StorageBackend } from './backend.js';
import { LocalArtifactRepository } from './local.js';

/** The storage backend for an artifact URI, resolved by scheme as MLflow resolves it. */
export function storageFor(artifactUri: string): StorageBackend {
  if (artifactUri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(artifactUri) || /^[a-z]:[\\/]/i.test(artifactUri)) {
    return new LocalArtifactRepository(artifactUri);
  }
  throw new MlflowError(
    `Artifact URI scheme of '${artifactUri.split('?')[0]}' is not supported by this version of mlflow-genai (local paths only).`,
    ErrorCode.NOT_IMPLEMENTED,
  );
}
