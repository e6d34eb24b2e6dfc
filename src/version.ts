/** This package's version. */
export const VERSION = '0.1.0';
/** The MLflow release whose formats and behaviour this SDK reproduces. */
export const MLFLOW_REFERENCE_VERSION = '3.18.0';
