/** Run statuses, as MLflow names them (`mlflow.entities.RunStatus`). */
export const RunStatus = {
  RUNNING: 'RUNNING',
  SCHEDULED: 'SCHEDULED',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
} as const;

/** One of MLflow's run statuses. */
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** The statuses that end a run. */
export const TERMINATED_STATUSES: ReadonlySet<RunStatus> = new Set([
  RunStatus.FINISHED,
  RunStatus.FAILED,
  RunStatus.KILLED,
]);

/** True when `value` names a run status. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && Object.hasOwn(RunStatus, value);
}

/** Which lifecycle stages a search returns (`mlflow.entities.ViewType`). */
export const ViewType = {
  ACTIVE_ONLY: 'ACTIVE_ONLY',
  DELETED_ONLY: 'DELETED_ONLY',
  ALL: 'ALL',
} as const;

/** One of MLflow's view types. */
export type ViewType = (typeof ViewType)[keyof typeof ViewType];

/** Lifecycle stage of an experiment or run (`mlflow.entities.LifecycleStage`). */
export const LifecycleStage = {
  ACTIVE: 'active',
  DELETED: 'deleted',
} as const;

/** One of MLflow's lifecycle stages. */
export type LifecycleStage = (typeof LifecycleStage)[keyof typeof LifecycleStage];

/** The lifecycle stages a view type selects. */
export function stagesForViewType(viewType: ViewType): LifecycleStage[] {
  if (viewType === ViewType.ACTIVE_ONLY) return [LifecycleStage.ACTIVE];
  if (viewType === ViewType.DELETED_ONLY) return [LifecycleStage.DELETED];
  return [LifecycleStage.ACTIVE, LifecycleStage.DELETED];
}
