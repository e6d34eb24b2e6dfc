/**
 * The transformers.js text-generation flavor (the seed's `HuggingFaceModelWrapper`): a {@link ModelWrapper}
 * whose `loadContext` builds a transformers.js text-generation pipeline from the logged model directory
 * (artifact `model`), offline, and whose `predict` generates one text per prompt, recording an LLM span per
 * call. {@link transformersTextGenerationModelArgs} gives what `saveModel`/`logModel` need to save one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { traceTransformersPipeline } from '../../tracing/integrations/transformers.js';
import { ErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';
import { describeType, Frame, isPlainObject, isSplitFrame, toFrame } from '../frame.js';
import type { MlflowModel } from '../mlmodel.js';
import type { ModelContext } from '../model-wrapper.js';
import { ModelWrapper } from '../model-wrapper.js';
import type { ModelCode, SaveModelOptions } from '../save.js';
import { saveModel } from '../save.js';
import { colSpec, ModelSignature, type ParamSpec, paramSpec } from '../schema.js';
import { writeEntryModule } from './generated-code.js';
import {
  assertModelDirectory,
  callGenerationOptions,
  GENERATION_PARAM_NAMES,
  type GenerationParams,
  generatedTexts,
  generationParams,
  loadLocalTextGenerationPipeline,
  type TextGenerationPipelineLike,
} from './transformers-js.js';

/** The artifact name the model directory is logged under. */
export const TRANSFORMERS_MODEL_ARTIFACT = 'model';
/** The input column holding prompts (when the input is a table); another name can be configured. */
export const DEFAULT_PROMPT_COLUMN = 'prompt';

/**
 * The model config (`context.modelConfig`) a {@link TransformersTextGenerationModel} reads; every key is
 * optional.
 */
export interface TransformersTextGenerationConfig {
  /** Generation defaults; the params of a `predict` call override them. */
  generation?: GenerationParams;
  /** The model's name, recorded as `mlflow.llm.model` on spans; the model directory's name by default. */
  model_name?: string;
  /** transformers.js `dtype` the directory's weights are loaded with (as saved). */
  dtype?: string;
  /** transformers.js `device`. */
  device?: string;
  /** The input column holding prompts; `prompt` by default. */
  prompt_column?: string;
}

function optionalString(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw invalidParameter(`Invalid modelConfig.${key}: ${JSON.stringify(value)}; it must be a non-empty string.`);
  }
  return value;
}

function promptsOfColumn(values: unknown[], column: string | number): string[] {
  return values.map((v, row) => {
    if (typeof v !== 'string') {
      throw invalidParameter(`Prompt in row ${row} of column '${column}' must be a string, got ${describeType(v)}.`);
    }
    return v;
  });
}

function promptsOfFrame(frame: Frame, column: string): string[] {
  if (frame.hasColumn(column)) return promptsOfColumn(frame.column(column), column);
  if (frame.columns.length === 1) return promptsOfColumn(frame.column(frame.columns[0]!), frame.columns[0]!);
  throw invalidParameter(
    `The input has columns ${JSON.stringify(frame.columns)} but no '${column}' column holding the prompts.`,
  );
}

/**
 * @internal The prompts of a predict input: a string, an array of strings, records or a split frame or
 * {@link Frame} with a prompt column (or a single column), or `{prompt: string | string[]}`.
 */
export function promptsOf(input: unknown, column: string): string[] {
  if (typeof input === 'string') return [input];
  if (input instanceof Frame) return promptsOfFrame(input, column);
  if (isSplitFrame(input)) return promptsOfFrame(toFrame(input), column);
  if (Array.isArray(input)) {
    if (input.length === 0) return [];
    if (input.every((v) => typeof v === 'string')) return input as string[];
    if (input.every((v) => isPlainObject(v))) return promptsOfFrame(toFrame(input), column);
    const i = input.findIndex((v) => typeof v !== 'string');
    throw invalidParameter(`Prompt ${i} of the input list must be a string, got ${describeType(input[i])}.`);
  }
  if (isPlainObject(input)) {
    const keys = Object.keys(input);
    const key = column in input ? column : keys.length === 1 ? keys[0]! : undefined;
    if (key === undefined) {
      throw invalidParameter(`The input has keys ${JSON.stringify(keys)} but no '${column}' key holding the prompts.`);
    }
    const value = input[key];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return promptsOfColumn(value, key);
    throw invalidParameter(`Input '${key}' must be a string or an array of strings, got ${describeType(value)}.`);
  }
  throw invalidParameter(
    `Unsupported input of type ${describeType(input)}: give a string, an array of strings, records or a frame ` +
      `with a '${column}' column.`,
  );
}

/**
 * A transformers.js text-generation model as an MLflow model (the seed's `HuggingFaceModelWrapper`).
 *
 * - `loadContext` builds a text-generation pipeline from the artifact `model` (a directory written by
 *   {@link saveTransformersModel}) with local files only, so loading never touches the network; the
 *   config (`context.modelConfig`, see {@link TransformersTextGenerationConfig}) gives the generation
 *   defaults, dtype, device and model name.
 * - `predict(context, input, params)` takes a string, an array of strings, records, a split frame or a
 *   frame with a `prompt` column (or a single column), and generation params (`max_new_tokens`,
 *   `temperature`, `do_sample`, `top_k`, `top_p`, `repetition_penalty`; they override the config's
 *   defaults). It returns one generated text per prompt, **without the prompt** (transformers'
 *   `return_full_text: false`), always as an array (as MLflow's transformers flavor returns a list).
 * - Each call records an LLM span (`traceTransformersPipeline`): prompts in, pipeline output out, model
 *   name, generation params and token usage. Several prompts go to the pipeline as one batch, one span.
 */
export class TransformersTextGenerationModel extends ModelWrapper<unknown, string[]> {
  /** The traced pipeline, set by `loadContext`. */
  pipeline: TextGenerationPipelineLike | undefined;
  /** Generation defaults from the model config. */
  generation: GenerationParams = {};
  /** Column (or key) holding the prompts. */
  promptColumn = DEFAULT_PROMPT_COLUMN;
  private raw: { dispose?: () => Promise<void> } | undefined;

  /** Builds the pipeline from `context.artifacts.model`, offline. */
  override async loadContext(context: ModelContext): Promise<void> {
    const dir = context.artifacts[TRANSFORMERS_MODEL_ARTIFACT];
    if (dir === undefined) {
      throw invalidParameter(
        `TransformersTextGenerationModel needs the model directory as the artifact '${TRANSFORMERS_MODEL_ARTIFACT}'; ` +
          `artifacts: ${JSON.stringify(Object.keys(context.artifacts))}.`,
      );
    }
    const config = context.modelConfig;
    this.generation = generationParams(config.generation, 'modelConfig.generation', true);
    this.promptColumn = optionalString(config, 'prompt_column') ?? DEFAULT_PROMPT_COLUMN;
    const options: { dtype?: string; device?: string } = {};
    const dtype = optionalString(config, 'dtype');
    const device = optionalString(config, 'device');
    if (dtype) options.dtype = dtype;
    if (device) options.device = device;
    const pipe = await loadLocalTextGenerationPipeline(dir, options);
    this.raw = pipe;
    this.pipeline = traceTransformersPipeline(pipe, { modelId: optionalString(config, 'model_name') ?? basename(dir) });
  }

  /** Generates one text per prompt (without the prompt), recording an LLM span. */
  override async predict(
    _context: ModelContext,
    input: unknown,
    params: Record<string, unknown> = {},
  ): Promise<string[]> {
    const pipe = this.pipeline;
    if (!pipe) {
      throw new MlflowError('TransformersTextGenerationModel.predict() before loadContext().', ErrorCode.INVALID_STATE);
    }
    const prompts = promptsOf(input, this.promptColumn);
    if (prompts.length === 0) return [];
    const options = callGenerationOptions(this.generation, params, 'params');
    options.return_full_text = false;
    const batched = prompts.length !== 1;
    return generatedTexts(await pipe(batched ? prompts : prompts[0]!, options), batched, prompts.length);
  }

  /** Releases the pipeline's ONNX sessions. */
  async dispose(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    this.pipeline = undefined;
    await raw?.dispose?.();
  }
}

const PARAM_TYPES: Record<keyof GenerationParams, 'long' | 'double' | 'boolean'> = {
  max_new_tokens: 'long',
  temperature: 'double',
  do_sample: 'boolean',
  top_k: 'long',
  top_p: 'double',
  repetition_penalty: 'double',
};

/**
 * The default signature of a text-generation model: one unnamed string input column (so a string, a list
 * of strings, records or a frame with a prompt column all pass), one string output column, and the six
 * generation params, each defaulting to `generation`'s value or `null` (the model's own default).
 */
export function textGenerationSignature(generation: GenerationParams = {}): ModelSignature {
  const checked = generationParams(generation, 'generation', true);
  const params: ParamSpec[] = GENERATION_PARAM_NAMES.map((name) =>
    paramSpec(name, PARAM_TYPES[name], checked[name] ?? null),
  );
  return new ModelSignature({
    inputs: { inputs: [colSpec('string')] },
    outputs: { inputs: [colSpec('string')] },
    params: { params },
  });
}

/** Options of {@link transformersTextGenerationModelArgs}. */
export interface TransformersTextGenerationModelOptions {
  /** The transformers.js model directory (e.g. from {@link saveTransformersModel}); logged as artifact `model`. */
  modelDir: string;
  /** Generation defaults (stored in the model config and as the signature's param defaults). */
  generation?: GenerationParams;
  /** The model's name for spans (e.g. the hub id); the directory's name by default. */
  modelName?: string;
  /** transformers.js `dtype` to load the weights with (the one they were saved with). */
  dtype?: string;
  /** transformers.js `device`. */
  device?: string;
  /** Input column holding prompts; `prompt` by default. */
  promptColumn?: string;
  /** Other artifacts to log with the model (name -> local path); `model` is taken. */
  artifacts?: Record<string, string>;
  /** Other model config keys. */
  modelConfig?: Record<string, unknown>;
  /** Signature; {@link textGenerationSignature} of `generation` by default. */
  signature?: ModelSignature;
}

/** What {@link transformersTextGenerationModelArgs} returns: the matching `saveModel`/`logModel` options. */
export interface FlavorModelArgs {
  /** The generated entry module exporting the wrapper. */
  code: ModelCode;
  /** Artifacts, the model directory among them. */
  artifacts: Record<string, string>;
  /** The model config. */
  modelConfig: Record<string, unknown>;
  /** The signature, when the flavor has one to give. */
  signature?: ModelSignature;
  /** Runtime dependencies the wrapper needs beyond the bundled code's imports. */
  dependencies: Record<string, string>;
}

const SDK_FILE = fileURLToPath(import.meta.url);

/**
 * `^<version>` of a package as this SDK resolves it, `*` when not found. Read from the package's folder,
 * not through `require.resolve('<pkg>/package.json')`, which a package's `exports` map may forbid.
 */
function installedRange(name: string): string {
  for (const dir of createRequire(SDK_FILE).resolve.paths(name) ?? []) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return `^${pkg.version}`;
    } catch {
      // not in this node_modules
    }
  }
  return '*';
}

/**
 * The `saveModel`/`logModel` options that save a {@link TransformersTextGenerationModel} over `modelDir`:
 * `code` (a generated module `export { TransformersTextGenerationModel } from 'mlflow-genai'`, so the
 * loader's SDK provides the class), `artifacts` (`model` = `modelDir`), `modelConfig`, the default
 * `signature` and `dependencies` (`@huggingface/transformers`). Spread them into the call:
 * `logModel({ name: 'llm', ...(await transformersTextGenerationModelArgs({ modelDir })) })`.
 */
export async function transformersTextGenerationModelArgs(
  options: TransformersTextGenerationModelOptions,
): Promise<FlavorModelArgs> {
  const modelDir = assertModelDirectory(options.modelDir, 'modelDir');
  const generation = generationParams(options.generation, 'generation', true);
  if (options.artifacts && TRANSFORMERS_MODEL_ARTIFACT in options.artifacts) {
    throw invalidParameter(`artifacts.${TRANSFORMERS_MODEL_ARTIFACT} is reserved for modelDir.`);
  }
  const modelConfig: Record<string, unknown> = { ...options.modelConfig };
  if (Object.keys(generation).length > 0) modelConfig.generation = generation;
  if (options.modelName !== undefined) modelConfig.model_name = options.modelName;
  if (options.dtype !== undefined) modelConfig.dtype = options.dtype;
  if (options.device !== undefined) modelConfig.device = options.device;
  if (options.promptColumn !== undefined) modelConfig.prompt_column = options.promptColumn;
  for (const key of ['model_name', 'dtype', 'device', 'prompt_column']) optionalString(modelConfig, key);
  const path = await writeEntryModule(
    "// Generated by mlflow-genai: the wrapper class comes from the SDK that loads the model.\nexport { TransformersTextGenerationModel } from 'mlflow-genai';\n",
  );
  return {
    code: { path, exportName: 'TransformersTextGenerationModel' },
    artifacts: { ...options.artifacts, [TRANSFORMERS_MODEL_ARTIFACT]: modelDir },
    modelConfig,
    signature: options.signature ?? textGenerationSignature(generation),
    dependencies: { '@huggingface/transformers': installedRange('@huggingface/transformers') },
  };
}

/** Options of {@link saveTransformersTextGenerationModel}. */
export interface SaveTransformersTextGenerationModelOptions
  extends TransformersTextGenerationModelOptions,
    Omit<SaveModelOptions, 'code' | 'model' | 'artifacts' | 'modelConfig' | 'signature'> {}

/**
 * Saves a {@link TransformersTextGenerationModel} over `modelDir` into `path` with `saveModel` (MLflow's
 * layout; the model directory copied under `artifacts/`). Returns the written `MLmodel`.
 */
export async function saveTransformersTextGenerationModel(
  options: SaveTransformersTextGenerationModelOptions,
): Promise<MlflowModel> {
  const { modelDir, generation, modelName, dtype, device, promptColumn, artifacts, modelConfig, signature, ...rest } =
    options;
  const args = await transformersTextGenerationModelArgs({
    modelDir,
    generation,
    modelName,
    dtype,
    device,
    promptColumn,
    artifacts,
    modelConfig,
    signature,
  });
  return saveModel({ ...rest, ...args, dependencies: { ...args.dependencies, ...rest.dependencies } });
}
