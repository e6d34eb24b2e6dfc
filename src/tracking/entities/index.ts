export { LifecycleStage, RunStatus, TERMINATED_STATUSES, ViewType, isRunStatus, stagesForViewType } from './enums.js';
export type { Experiment } from './experiment.js';
export type { Metric } from './metric.js';
export type { PagedList } from './paged.js';
export type { Param } from './param.js';
export type { DatasetInput, LoggedModelRef, Run, RunData, RunInfo } from './run.js';
export type { ExperimentTag, RunTag } from './tag.js';
