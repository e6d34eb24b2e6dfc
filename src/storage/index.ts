export type { FileInfo, StorageBackend } from './backend.js';
export { LocalArtifactRepository, normalizeArtifactPath } from './local.js';
export { storageFor } from './resolve.js';
