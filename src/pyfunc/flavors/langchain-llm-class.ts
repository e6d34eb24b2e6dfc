/**
 * @internal The `TransformersLLM` class. This module imports @langchain/core, so only
 * `createTransformersLLM()` loads it, on demand (`import 'mlflow-genai'` stays light).
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { type BaseLLMCallOptions, type BaseLLMParams, LLM } from '@langchain/core/language_models/llms';
import type { LLMResult } from '@langchain/core/outputs';
import { withActiveSpan } from '../../tracing/api.js';
import { getLangChainRunSpan } from '../../tracing/integrations/langchain.js';
import {
  callGenerationOptions,
  cutAtStop,
  type GenerationParams,
  generatedTexts,
  generationParams,
  type TextGenerationPipelineLike,
} from './transformers-js.js';

/** Call options of a {@link TransformersLLM}: LangChain's, plus generation params overriding the defaults. */
export interface TransformersLLMCallOptions extends BaseLLMCallOptions, GenerationParams {}

/** @internal Constructor fields of {@link TransformersLLM}. */
export interface TransformersLLMFields extends BaseLLMParams {
  generator: TextGenerationPipelineLike;
  modelName: string;
  generation: GenerationParams;
}

/**
 * A LangChain.js LLM over a transformers.js text-generation pipeline (the analogue of LangChain's
 * `HuggingFacePipeline`). Get one from {@link createTransformersLLM}; it is a real `LLM` subclass, so it
 * pipes into chains (`prompt.pipe(llm).pipe(new StringOutputParser())`), streams, batches and reports
 * to callbacks like any LangChain LLM.
 *
 * Each call generates with the LLM's generation defaults, overridden by the call options'
 * (`llm.invoke(text, { max_new_tokens: 20 })`), and returns the new text only (without the prompt),
 * cut at the first `stop` sequence. Several prompts (`llm.generate([...])`) go to the pipeline as one
 * batch.
 */
export class TransformersLLM extends LLM<TransformersLLMCallOptions> {
  /** The pipeline. (Not named `pipe`, which would shadow `Runnable.pipe`.) */
  readonly generator: TextGenerationPipelineLike;
  /** The model's name, reported to callbacks as the invocation's `model`. */
  readonly modelName: string;
  /** Generation defaults. */
  readonly generation: Readonly<GenerationParams>;

  /** LangChain's serialisation name. */
  static override lc_name(): string {
    return 'TransformersLLM';
  }

  constructor(fields: TransformersLLMFields) {
    const { generator, modelName, generation, ...rest } = fields;
    super(rest);
    this.generator = generator;
    this.modelName = modelName;
    this.generation = Object.freeze({ ...generation });
  }

  /** LangChain's LLM type name. */
  _llmType(): string {
    return 'transformers.js';
  }

  /** The model name and the generation params a call would use. */
  override invocationParams(options?: this['ParsedCallOptions']): Record<string, unknown> {
    return { model: this.modelName, ...this.generation, ...generationParams(options, 'call options') };
  }

  /** The model name and generation defaults (LangChain's cache key and run metadata). */
  override _identifyingParams(): Record<string, unknown> {
    return { model: this.modelName, ...this.generation };
  }

  /** One prompt. */
  async _call(prompt: string, options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun) {
    const [text] = await this.complete([prompt], options, runManager);
    return text!;
  }

  /** Every prompt in one pipeline call. */
  override async _generate(
    prompts: string[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<LLMResult> {
    const texts = await this.complete(prompts, options, runManager);
    return { generations: texts.map((text) => [{ text }]) };
  }

  /**
   * The pipeline runs with this LLM run's span active (when an MLflow tracer records the run), so a traced
   * pipeline's own span nests under it; LangChain's context names the caller's run there, not this one.
   */
  private async complete(
    prompts: string[],
    options: this['ParsedCallOptions'],
    runManager: CallbackManagerForLLMRun | undefined,
  ): Promise<string[]> {
    if (prompts.length === 0) return [];
    const call = callGenerationOptions(this.generation, options, 'call options');
    call.return_full_text = false;
    const batched = prompts.length !== 1;
    const generate = () => this.generator(batched ? prompts : prompts[0]!, call);
    const span = getLangChainRunSpan(runManager?.runId);
    const output = await (span ? withActiveSpan(span, generate) : generate());
    return generatedTexts(output, batched, prompts.length).map((t) => cutAtStop(t, options?.stop));
  }
}
