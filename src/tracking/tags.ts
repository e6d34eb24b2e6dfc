/** MLflow's reserved tag keys (`mlflow.utils.mlflow_tags`) that the tracking layer sets or reads. */
export const MLFLOW_RUN_NAME = 'mlflow.runName';
/** Parent run of a nested run. */
export const MLFLOW_PARENT_RUN_ID = 'mlflow.parentRunId';
/** User who created the run. */
export const MLFLOW_USER = 'mlflow.user';
/** Entry point or script name. */
export const MLFLOW_SOURCE_NAME = 'mlflow.source.name';
/** Source type: NOTEBOOK, JOB, PROJECT, LOCAL or UNKNOWN. */
export const MLFLOW_SOURCE_TYPE = 'mlflow.source.type';
/** Git commit of the source, when known. */
export const MLFLOW_GIT_COMMIT = 'mlflow.source.git.commit';
/** Run notes (markdown), shown by the UI. */
export const MLFLOW_RUN_NOTE = 'mlflow.note.content';
/** Models logged by a run (legacy JSON list). */
export const MLFLOW_LOGGED_MODELS = 'mlflow.log-model.history';
/** Marks the kind of run, e.g. `genai_evaluate`. */
export const MLFLOW_RUN_TYPE = 'mlflow.runType';
/** Error tags our fluent API writes when a `withRun` body throws. */
export const MLFLOW_GENAI_ERROR_TYPE = 'mlflow-genai.error.type';
/** Error message (truncated) of a failed run body. */
export const MLFLOW_GENAI_ERROR_MESSAGE = 'mlflow-genai.error.message';
