/**
 * `ModelWrapper`, the analogue of `mlflow.pyfunc.PythonModel`: a class whose `loadContext` prepares the
 * model from its logged artifacts and config, and whose `predict` answers one request.
 */

/** What a wrapper sees when it is loaded and called (`PythonModelContext`). */
export interface ModelContext {
  /** Artifact name -> absolute local path of the artifact copied into the model directory. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** The model config saved with the model (`model_config`), or `{}`. */
  readonly modelConfig: Readonly<Record<string, unknown>>;
}

/**
 * Base class of a custom model. Subclass it, implement `predict`, and optionally `loadContext`, which runs
 * once when the model is loaded (e.g. to build a pipeline from `context.artifacts`).
 *
 * With a column-based input signature, `predict` receives the enforced input as a {@link Frame}, as
 * MLflow's pyfunc passes a DataFrame; without one, it receives the caller's input unchanged.
 */
export abstract class ModelWrapper<TInput = unknown, TOutput = unknown> {
  /** Prepares the model from its artifacts and config. Called once, before any `predict`. */
  loadContext(_context: ModelContext): void | Promise<void> {}

  /** Answers one request. `params` holds the declared inference params, defaults filled in. */
  abstract predict(context: ModelContext, input: TInput, params: Record<string, unknown>): TOutput | Promise<TOutput>;
}

/** True for anything shaped like a {@link ModelWrapper} (works across bundles and realms). */
export function isModelWrapper(value: unknown): value is ModelWrapper {
  return value !== null && typeof value === 'object' && typeof (value as { predict?: unknown }).predict === 'function';
}
