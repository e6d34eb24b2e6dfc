/**
 * The pipeline's LangChain.js chain: prompt -> {@link TransformersLLM} -> string parser, built from a model
 * directory, a template in MLflow's double-brace syntax and generation settings. {@link e2eChain} is the
 * same builder as a models-from-code factory, so the logged model rebuilds the chain from its own artifacts
 * in a fresh process.
 */

import { createTransformersLLM } from '../pyfunc/flavors/langchain-llm.js';
import type { RunnableLike } from '../pyfunc/flavors/langchain-model.js';
import type { GenerationParams, TextGenerationPipelineLike } from '../pyfunc/flavors/transformers-js.js';
import type { ModelContext } from '../pyfunc/model-wrapper.js';
import { ErrorCode, MlflowError } from '../tracking/errors.js';

/** The question-answering template the pipeline registers (MLflow's `{{variable}}` syntax). */
export const E2E_QA_TEMPLATE =
  'You are a helpful assistant that answers questions about machine learning operations.\n' +
  'Question: {{question}}\n' +
  'Answer:';

/** The name the template is registered under in the prompt registry. */
export const E2E_PROMPT_NAME = 'mlflow-genai-e2e-qa';

/** What {@link buildQaChain} needs. */
export interface QaChainOptions {
  /** A local transformers.js model directory (used when `pipeline` is not given). */
  modelDir?: string;
  /** An already loaded text-generation pipeline. */
  pipeline?: TextGenerationPipelineLike;
  /** The prompt template, with `{{question}}`. */
  template: string;
  /** Generation settings (max_new_tokens, temperature, do_sample, ...). */
  generation?: GenerationParams;
  /** Model name reported on LLM spans. */
  modelName?: string;
}

async function loadLangChainCore(): Promise<{
  PromptTemplate: typeof import('@langchain/core/prompts').PromptTemplate;
  StringOutputParser: typeof import('@langchain/core/output_parsers').StringOutputParser;
}> {
  try {
    const [{ PromptTemplate }, { StringOutputParser }] = await Promise.all([
      import('@langchain/core/prompts'),
      import('@langchain/core/output_parsers'),
    ]);
    return { PromptTemplate, StringOutputParser };
  } catch (err) {
    throw new MlflowError(
      'The pipeline chain needs the optional peer dependency @langchain/core: run `npm install @langchain/core`.',
      ErrorCode.NOT_IMPLEMENTED,
      { cause: err },
    );
  }
}

/** Builds `PromptTemplate(template) | TransformersLLM | StringOutputParser`; invoke it with `{question}`. */
export async function buildQaChain(options: QaChainOptions): Promise<RunnableLike> {
  const { PromptTemplate, StringOutputParser } = await loadLangChainCore();
  // MLflow's `{{question}}` is LangChain's mustache format.
  const prompt = PromptTemplate.fromTemplate(options.template, { templateFormat: 'mustache' });
  const llm = await createTransformersLLM({
    ...(options.pipeline ? { pipeline: options.pipeline } : { model: options.modelDir as string }),
    ...(options.generation ? { generation: options.generation } : {}),
    ...(options.modelName ? { modelName: options.modelName } : {}),
  });
  return prompt.pipe(llm).pipe(new StringOutputParser()) as unknown as RunnableLike;
}

/**
 * The chain as a models-from-code factory: the model directory is the artifact `model`, the template and
 * generation settings come from the model config (`template`, `generation`, `model_name`).
 */
export async function e2eChain(context: ModelContext): Promise<RunnableLike> {
  const modelDir = context.artifacts.model;
  if (!modelDir) {
    throw new MlflowError(
      "The pipeline chain needs the artifact 'model' (a transformers.js model directory).",
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  const config = context.modelConfig;
  return buildQaChain({
    modelDir,
    template: typeof config.template === 'string' ? config.template : E2E_QA_TEMPLATE,
    ...(config.generation && typeof config.generation === 'object'
      ? { generation: config.generation as GenerationParams }
      : {}),
    ...(typeof config.model_name === 'string' ? { modelName: config.model_name } : {}),
  });
}
