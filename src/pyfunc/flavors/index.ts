export type { TransformersLLM, TransformersLLMCallOptions, TransformersLLMOptions } from './langchain-llm.js';
export { createTransformersLLM } from './langchain-llm.js';
export type {
  LangChainModelOptions,
  RunnableFactory,
  RunnableLike,
  SaveLangChainModelOptions,
} from './langchain-model.js';
export { LangChainModel, langChainModelArgs, saveLangChainModel } from './langchain-model.js';
export type { GenerationParams, TextGenerationPipelineLike } from './transformers-js.js';
export { GENERATION_PARAM_NAMES } from './transformers-js.js';
export type { SavedTransformersModel, SaveTransformersModelOptions } from './transformers-model-dir.js';
export { saveTransformersModel } from './transformers-model-dir.js';
export type {
  FlavorModelArgs,
  SaveTransformersTextGenerationModelOptions,
  TransformersTextGenerationConfig,
  TransformersTextGenerationModelOptions,
} from './transformers-text-generation.js';
export {
  DEFAULT_PROMPT_COLUMN,
  saveTransformersTextGenerationModel,
  TRANSFORMERS_MODEL_ARTIFACT,
  TransformersTextGenerationModel,
  textGenerationSignature,
  transformersTextGenerationModelArgs,
} from './transformers-text-generation.js';
