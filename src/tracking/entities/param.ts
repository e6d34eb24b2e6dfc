/** A run parameter: logged once, immutable afterwards (`mlflow.entities.Param`). */
export interface Param {
  /** Parameter name. */
  key: string;
  /** Value, always a string in MLflow. */
  value: string;
}
