/**
 * mlflow-genai: MLflow 3's GenAI lifecycle for Node.js, in MLflow's own formats.
 *
 * Importing this module has no side effects and loads no optional peer dependency
 * (@huggingface/transformers, @langchain/core, @aws-sdk/client-s3); each is loaded on first use.
 * @packageDocumentation
 */
export * from './cli/index.js';
export * from './config/index.js';
export * from './e2e/index.js';
export * from './eval/datasets/index.js';
export * from './eval/index.js';
export * from './eval/judges/index.js';
export * from './eval/report/index.js';
export * from './pyfunc/flavors/index.js';
export * from './pyfunc/index.js';
export * from './registry/index.js';
export * from './serving/index.js';
export * from './storage/index.js';
export * from './tracing/index.js';
export * from './tracking/index.js';
export { MLFLOW_REFERENCE_VERSION, VERSION } from './version.js';
