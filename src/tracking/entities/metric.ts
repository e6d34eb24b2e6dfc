/** One value of a metric at a step and time (`mlflow.entities.Metric`). */
export interface Metric {
  /** Metric name. */
  key: string;
  /** Value; NaN and ±Infinity are kept as MLflow keeps them. */
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** Step (x-coordinate); 0 when not given. */
  step: number;
  /** Run the value belongs to, where the API returns it (metric histories). */
  runId?: string;
  /** LoggedModel the value is about, if any. */
  modelId?: string;
  /** Dataset the value was computed on, if any (name and digest go together). */
  datasetName?: string;
  /** Digest of that dataset. */
  datasetDigest?: string;
}
