import type { Metric } from './metric.js';

/** Status of a LoggedModel (`mlflow.entities.LoggedModelStatus`). */
export const LoggedModelStatus = {
  UNSPECIFIED: 'UNSPECIFIED',
  /** Created, artifacts not yet uploaded. */
  PENDING: 'PENDING',
  /** Artifacts uploaded; the model can be loaded. */
  READY: 'READY',
  /** Logging failed. */
  FAILED: 'FAILED',
} as const;

/** One of {@link LoggedModelStatus}. */
export type LoggedModelStatus = (typeof LoggedModelStatus)[keyof typeof LoggedModelStatus];

// The integer MLflow stores in `logged_models.status`, which is also the proto enum number.
const STATUS_TO_INT: Readonly<Record<LoggedModelStatus, number>> = { UNSPECIFIED: 0, PENDING: 1, READY: 2, FAILED: 3 };
const STATUS_FROM_INT: readonly LoggedModelStatus[] = ['UNSPECIFIED', 'PENDING', 'READY', 'FAILED'];
// Proto enum names (`LoggedModelStatus` in service.proto); FAILED is `LOGGED_MODEL_UPLOAD_FAILED` there.
const STATUS_TO_PROTO: Readonly<Record<LoggedModelStatus, string>> = {
  UNSPECIFIED: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
  PENDING: 'LOGGED_MODEL_PENDING',
  READY: 'LOGGED_MODEL_READY',
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
};

/** True for the four status names MLflow knows. */
export function isLoggedModelStatus(value: unknown): value is LoggedModelStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS_TO_INT, value);
}

/** `LoggedModelStatus.to_int()`: the stored integer. */
export function loggedModelStatusToInt(status: LoggedModelStatus): number {
  return STATUS_TO_INT[status];
}

/** `LoggedModelStatus.from_int()`; undefined for an integer MLflow does not know. */
export function loggedModelStatusFromInt(value: number): LoggedModelStatus | undefined {
  return STATUS_FROM_INT[value];
}

/** The proto enum name of a status, as MLflow's REST API spells it. */
export function loggedModelStatusToProto(status: LoggedModelStatus): string {
  return STATUS_TO_PROTO[status];
}

/** A status from its proto enum name or number; undefined when unknown. */
export function loggedModelStatusFromProto(value: string | number): LoggedModelStatus | undefined {
  if (typeof value === 'number') return loggedModelStatusFromInt(value);
  for (const [status, name] of Object.entries(STATUS_TO_PROTO)) if (name === value) return status as LoggedModelStatus;
  return undefined;
}

/**
 * An MLflow 3 model entity (`mlflow.entities.LoggedModel`): a model logged to an experiment, with
 * its own artifacts, tags, params and the metrics evaluated on it.
 */
export interface LoggedModel {
  /** `m-<32 hex>`. */
  modelId: string;
  /** Experiment the model belongs to. */
  experimentId: string;
  /** Display name (not unique). */
  name: string;
  /** Root URI of the model's artifacts: `<experiment artifact root>/models/<model_id>/artifacts`. */
  artifactLocation: string;
  /** Milliseconds since the Unix epoch. */
  creationTimestamp: number;
  /** Milliseconds since the Unix epoch. */
  lastUpdatedTimestamp: number;
  /** User-defined type, e.g. `agent`; null when not set. */
  modelType: string | null;
  /** Run that produced the model; null when none. */
  sourceRunId: string | null;
  /** Upload status. */
  status: LoggedModelStatus;
  /** Explanation of the status, if any. */
  statusMessage: string | null;
  /** Tags (empty when none). */
  tags: Record<string, string>;
  /** Parameters (empty when none). */
  params: Record<string, string>;
  /** Every metric value linked to the model, each with its run, step, time and dataset. */
  metrics: Metric[];
}

/** Arguments of `createLoggedModel` (`create_logged_model`). */
export interface CreateLoggedModelArgs {
  /** Experiment to create the model in. */
  experimentId: string;
  /** Name; a random name is generated when omitted. */
  name?: string | null;
  /** Run that produced the model. */
  sourceRunId?: string | null;
  /** Tags, as a record or key/value list. */
  tags?: Record<string, string> | ReadonlyArray<{ key: string; value: string }> | null;
  /** Parameters, as a record or key/value list. */
  params?: Record<string, string> | ReadonlyArray<{ key: string; value: string }> | null;
  /** User-defined model type. */
  modelType?: string | null;
}

/** A dataset metrics must have been computed on (`search_logged_models(datasets=...)`). */
export interface LoggedModelDatasetFilter {
  /** Required dataset name. */
  datasetName: string;
  /** Dataset digest; omitted matches any digest, null matches metrics without one. */
  datasetDigest?: string | null;
}

/** One `order_by` entry of `search_logged_models`. */
export interface LoggedModelOrderBy {
  /** An attribute (`creation_timestamp`, `name`, ...) or `metrics.<key>`. */
  fieldName: string;
  /** Ascending unless false. */
  ascending?: boolean;
  /** For metrics: only values computed on this dataset. */
  datasetName?: string | null;
  /** For metrics: only values computed on the dataset with this digest. */
  datasetDigest?: string | null;
}

/** Arguments of `searchLoggedModels` (`search_logged_models`). */
export interface SearchLoggedModelsQuery {
  /** Experiments to search. */
  experimentIds: string[];
  /** MLflow's logged-model filter grammar: `metrics.acc > 0.9 AND params.lr = '0.01' AND status = 'READY'`. */
  filterString?: string | null;
  /** Restrict metric filters and ordering to these datasets. */
  datasets?: LoggedModelDatasetFilter[] | null;
  /** Page size; 100 when omitted. */
  maxResults?: number | null;
  /** Ordering; ties break by creation time (newest first), then model id. */
  orderBy?: LoggedModelOrderBy[] | null;
  /** Token from a previous page. */
  pageToken?: string | null;
}

/** Normalises tags or params given as a record or key/value list to a key/value list. */
export function keyValueList(
  items: Record<string, string> | ReadonlyArray<{ key: string; value: string }> | null | undefined,
): Array<{ key: string; value: string }> {
  if (!items) return [];
  if (Array.isArray(items)) return items.map((i) => ({ key: i.key, value: i.value }));
  return Object.entries(items as Record<string, string>).map(([key, value]) => ({ key, value }));
}
