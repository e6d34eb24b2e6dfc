import type { LifecycleStage, RunStatus } from './enums.js';
import type { Metric } from './metric.js';

/** Run metadata (`mlflow.entities.RunInfo`). */
export interface RunInfo {
  /** 32 hex characters. */
  runId: string;
  /** Deprecated alias of `runId`, kept because MLflow still returns it. */
  runUuid: string;
  /** Experiment the run belongs to. */
  experimentId: string;
  /** Display name (also the `mlflow.runName` tag). */
  runName: string;
  /** User who created the run. */
  userId: string;
  /** Current status. */
  status: RunStatus;
  /** Milliseconds since the Unix epoch. */
  startTime: number;
  /** Milliseconds since the Unix epoch; null while the run is not terminated. */
  endTime: number | null;
  /** Root URI of the run's artifacts. */
  artifactUri: string;
  /** `active` or `deleted`. */
  lifecycleStage: LifecycleStage;
}

/** Run contents (`mlflow.entities.RunData`): latest metric values, params and tags. */
export interface RunData {
  /** Latest value of each metric (largest step, then timestamp, then value, as MLflow picks it). */
  metrics: Record<string, number>;
  /** Parameters. */
  params: Record<string, string>;
  /** Tags, system tags included. */
  tags: Record<string, string>;
  /** The latest metric values with their step and timestamp. */
  metricObjects: Metric[];
}

/** A dataset a run used (`mlflow.entities.DatasetInput`). */
export interface DatasetInput {
  /** The dataset. */
  dataset: {
    name: string;
    digest: string;
    sourceType: string;
    source: string;
    schema?: string | null;
    profile?: string | null;
  };
  /** Input tags such as `mlflow.data.context`. */
  tags: Record<string, string>;
}

/** A LoggedModel a run consumed or produced. */
export interface LoggedModelRef {
  /** `m-<32 hex>`. */
  modelId: string;
  /** Step at which it was logged (outputs only). */
  step?: number;
}

/** A run (`mlflow.entities.Run`). */
export interface Run {
  /** Metadata. */
  info: RunInfo;
  /** Metrics, params and tags. */
  data: RunData;
  /** Datasets and models the run used. */
  inputs: { datasetInputs: DatasetInput[]; modelInputs: LoggedModelRef[] };
  /** Models the run produced. */
  outputs: { modelOutputs: LoggedModelRef[] };
}
