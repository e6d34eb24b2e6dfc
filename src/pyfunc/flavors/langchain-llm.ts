/**
 * `createTransformersLLM`: a LangChain.js LLM over a transformers.js pipeline. The class extends
 * LangChain's `LLM`, and @langchain/core is an optional peer loaded on first use, so the class lives in a
 * module imported by this async factory (the pattern of `createLangChainTracer`): you get instances from
 * `await createTransformersLLM(...)`, not from `new`.
 */

import { basename } from 'node:path';
import type { BaseLLMParams } from '@langchain/core/language_models/llms';
import { ErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';
import type { TransformersLLM } from './langchain-llm-class.js';
import {
  type GenerationParams,
  generationParams,
  loadLocalTextGenerationPipeline,
  type TextGenerationPipelineLike,
} from './transformers-js.js';

export type { TransformersLLM, TransformersLLMCallOptions } from './langchain-llm-class.js';

type ClassModule = typeof import('./langchain-llm-class.js');

let classModule: Promise<ClassModule> | undefined;

function loadClassModule(): Promise<ClassModule> {
  classModule ??= import('./langchain-llm-class.js').catch((err: unknown) => {
    classModule = undefined;
    throw new MlflowError(
      'TransformersLLM needs the optional peer dependency @langchain/core (1.x): run `npm install @langchain/core`.',
      ErrorCode.NOT_IMPLEMENTED,
      { cause: err },
    );
  });
  return classModule;
}

/** Options of {@link createTransformersLLM}: one of `pipeline` or `model`, plus LangChain's LLM params. */
export interface TransformersLLMOptions extends BaseLLMParams {
  /** An existing transformers.js text-generation pipeline (plain or traced with `traceTransformersPipeline`). */
  pipeline?: TextGenerationPipelineLike;
  /**
   * A local transformers.js model directory (e.g. `context.artifacts.model` in a model's code, or one
   * written by {@link saveTransformersModel}); its pipeline is built from local files only.
   */
  model?: string;
  /** transformers.js `dtype` for `model`. */
  dtype?: string;
  /** transformers.js `device` for `model`. */
  device?: string;
  /** The model's name reported to callbacks and traces; the directory's name, or `transformers.js`, by default. */
  modelName?: string;
  /** Generation defaults; call options override them. */
  generation?: GenerationParams;
}

/**
 * A {@link TransformersLLM} (a LangChain.js `LLM`) over `options.pipeline`, or over a pipeline built
 * offline from the directory `options.model`. Loads @langchain/core (and, for `model`,
 * @huggingface/transformers) on first use; an MlflowError (NOT_IMPLEMENTED) when one is not installed.
 */
export async function createTransformersLLM(options: TransformersLLMOptions): Promise<TransformersLLM> {
  const { pipeline, model, dtype, device, modelName, generation, ...llmParams } = options ?? {};
  if ((pipeline === undefined) === (model === undefined)) {
    throw invalidParameter('createTransformersLLM() needs exactly one of `pipeline` or `model`.');
  }
  if (pipeline !== undefined && typeof pipeline !== 'function') {
    throw invalidParameter(
      `Invalid pipeline: expected a transformers.js pipeline (a function), got ${typeof pipeline}.`,
    );
  }
  const checked = generationParams(generation, 'generation', true);
  const { TransformersLLM } = await loadClassModule();
  let generator = pipeline;
  if (model !== undefined) {
    const pipeOptions: { dtype?: string; device?: string } = {};
    if (dtype !== undefined) pipeOptions.dtype = dtype;
    if (device !== undefined) pipeOptions.device = device;
    generator = await loadLocalTextGenerationPipeline(model, pipeOptions);
  }
  return new TransformersLLM({
    ...llmParams,
    generator: generator!,
    modelName: modelName ?? (model !== undefined ? basename(model) : 'transformers.js'),
    generation: checked,
  });
}
