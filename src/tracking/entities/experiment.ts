import type { LifecycleStage } from './enums.js';

/** An MLflow experiment (`mlflow.entities.Experiment`). */
export interface Experiment {
  /** Experiment id, a string of digits in MLflow's SQL stores. */
  experimentId: string;
  /** Unique name. */
  name: string;
  /** Root URI under which the experiment's run artifacts live. */
  artifactLocation: string;
  /** `active` or `deleted`. */
  lifecycleStage: LifecycleStage;
  /** Experiment tags. */
  tags: Record<string, string>;
  /** Milliseconds since the Unix epoch. */
  creationTime: number | null;
  /** Milliseconds since the Unix epoch. */
  lastUpdateTime: number | null;
}
