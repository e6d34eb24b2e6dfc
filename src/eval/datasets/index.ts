export type { CreateDatasetOptions, DatasetTarget, SearchDatasetsOptions } from './api.js';
export {
  addDatasetToExperiments,
  createDataset,
  deleteDataset,
  deleteDatasetTag,
  getDataset,
  removeDatasetFromExperiments,
  searchDatasets,
  setDatasetTags,
} from './api.js';
export { EVALUATION_DATASET_SOURCE_TYPE, EvaluationDataset, isEvaluationDataset } from './dataset.js';
export type {
  DatasetRecord,
  DatasetRecordInput,
  DatasetRecordSource,
  DatasetRecordSourceInput,
  EvaluationDatasetInfo,
} from './entities.js';
export { DatasetRecordSourceType } from './entities.js';
export type {
  CreateDatasetArgs,
  DatasetRecordsPage,
  EvaluationDatasetStore,
  SearchDatasetsQuery,
  UpsertRecord,
} from './store.js';
export { datasetStoreOf, openDatasetStore } from './stores.js';
