export { isRunStatus, LifecycleStage, RunStatus, stagesForViewType, TERMINATED_STATUSES, ViewType } from './enums.js';
export type { Experiment } from './experiment.js';
export type { Metric } from './metric.js';
export type { PagedList } from './paged.js';
export type { Param } from './param.js';
export type { DatasetInput, LoggedModelRef, Run, RunData, RunInfo } from './run.js';
export type { ExperimentTag, RunTag } from './tag.js';
