/** A run tag (`mlflow.entities.RunTag`). */
export interface RunTag {
  /** Tag name. */
  key: string;
  /** Tag value. */
  value: string;
}

/** An experiment tag (`mlflow.entities.ExperimentTag`). */
export interface ExperimentTag {
  /** Tag name. */
  key: string;
  /** Tag value. */
  value: string;
}
