export type { AwsCredentials, FileInfo, S3Options, StorageBackend, StorageOptions } from './backend.js';
export { ArtifactRepositoryBase } from './base.js';
export type { DataDir, PrepareDataDirOptions } from './data-dir.js';
export { prepareDataDir } from './data-dir.js';
export { dictArtifactText, pythonJsonDumps, pythonYamlDump } from './dict-artifact.js';
export type { HttpArtifactRepositoryOptions } from './http.js';
export {
  ARTIFACTS_SERVICE_ROOT,
  HttpArtifactRepository,
  MlflowArtifactsRepository,
  resolveMlflowArtifactsUri,
} from './http.js';
export { LocalArtifactRepository, TEMP_ARTIFACT_PREFIX } from './local.js';
export { normalizeArtifactPath } from './paths.js';
export { SUPPORTED_ARTIFACT_SCHEMES, storageFor } from './resolve.js';
export type { S3ArtifactRepositoryOptions } from './s3.js';
export { parseS3Uri, S3ArtifactRepository } from './s3.js';
