/**
 * What the transformers.js flavors share: loading @huggingface/transformers on first use, building a
 * text-generation pipeline from a model directory without any network access, the generation parameters
 * (their names are transformers.js's own), and turning pipeline output into plain strings.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode, invalidParameter, MlflowError } from '../../tracking/errors.js';

/** @internal The @huggingface/transformers module. */
export type TransformersModule = typeof import('@huggingface/transformers');

let transformersModule: Promise<TransformersModule> | undefined;

/** @internal Imports @huggingface/transformers once; a clear MlflowError when it is not installed. */
export function loadTransformers(): Promise<TransformersModule> {
  transformersModule ??= import('@huggingface/transformers').catch((err: unknown) => {
    transformersModule = undefined;
    throw new MlflowError(
      'The transformers.js flavor needs the optional peer dependency @huggingface/transformers (4.x): ' +
        'run `npm install @huggingface/transformers`.',
      ErrorCode.NOT_IMPLEMENTED,
      { cause: err },
    );
  });
  return transformersModule;
}

/**
 * Generation parameters of a text-generation call, by transformers.js's (and Hugging Face's) names.
 * Unset ones fall back to the model's `generation_config.json`.
 */
export interface GenerationParams {
  /** How many tokens to generate at most (a positive integer). */
  max_new_tokens?: number;
  /** Sampling temperature (> 0); only used when `do_sample` is true. */
  temperature?: number;
  /** Sample (true) or decode greedily (false, deterministic). */
  do_sample?: boolean;
  /** Keep the `top_k` most likely tokens when sampling (an integer >= 0; 0 keeps all). */
  top_k?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches `top_p` (0 to 1). */
  top_p?: number;
  /** Penalty (> 0; 1 means none) on tokens already in the sequence. */
  repetition_penalty?: number;
}

/** The names of {@link GenerationParams}, in the order the model signature declares them. */
export const GENERATION_PARAM_NAMES = [
  'max_new_tokens',
  'temperature',
  'do_sample',
  'top_k',
  'top_p',
  'repetition_penalty',
] as const satisfies ReadonlyArray<keyof GenerationParams>;

type Check = (v: unknown) => boolean;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const CHECKS: Record<keyof GenerationParams, [Check, string]> = {
  max_new_tokens: [(v) => isNumber(v) && Number.isInteger(v) && v >= 1, 'a positive integer'],
  temperature: [(v) => isNumber(v) && v > 0, 'a number > 0'],
  do_sample: [(v) => typeof v === 'boolean', 'a boolean'],
  top_k: [(v) => isNumber(v) && Number.isInteger(v) && v >= 0, 'an integer >= 0'],
  top_p: [(v) => isNumber(v) && v >= 0 && v <= 1, 'a number between 0 and 1'],
  repetition_penalty: [(v) => isNumber(v) && v > 0, 'a number > 0'],
};

/**
 * @internal The generation params found in `source`, each checked (an INVALID_PARAMETER_VALUE naming
 * `<field>.<name>` and the value otherwise). `null`/`undefined` values are left out. With `strict`, a key
 * that is not a generation param is an error too; otherwise other keys are ignored. With `into`, the
 * params are added to that object (and it is returned).
 */
export function generationParams(
  source: unknown,
  field: string,
  strict = false,
  into: Record<string, unknown> = {},
): GenerationParams {
  if (source === undefined || source === null) return into as GenerationParams;
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw invalidParameter(`${field} must be an object of generation parameters, got ${JSON.stringify(source)}.`);
  }
  const out = into;
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    const check = CHECKS[key as keyof GenerationParams];
    if (!check) {
      if (strict) {
        throw invalidParameter(
          `Unknown generation parameter '${field}.${key}'; supported: ${GENERATION_PARAM_NAMES.join(', ')}.`,
        );
      }
      continue;
    }
    if (value === undefined || value === null) continue;
    if (!check[0](value)) {
      throw invalidParameter(`Invalid ${field}.${key}: ${JSON.stringify(value)}; it must be ${check[1]}.`);
    }
    out[key] = value;
  }
  return out as GenerationParams;
}

/**
 * @internal The options of one pipeline call: `defaults`, overridden by the checked generation params in
 * `params`. Built by assignment into a fresh object: spreading into a literal and adding keys afterwards
 * makes V8 build a new hidden class per call, which costs microseconds on every predict.
 */
export function callGenerationOptions(
  defaults: GenerationParams,
  params: unknown,
  field: string,
): Record<string, unknown> {
  const options: Record<string, unknown> = Object.assign({}, defaults) as Record<string, unknown>;
  generationParams(params, field, false, options);
  return options;
}

/** A transformers.js text-generation pipeline, or anything called like one. */
export type TextGenerationPipelineLike = (
  texts: string | string[],
  options?: Record<string, unknown>,
) => Promise<unknown>;

/** @internal Options of {@link loadLocalTextGenerationPipeline}. */
export interface LocalPipelineOptions {
  /** transformers.js `dtype` (e.g. `fp32`, `q8`, `q4`): which ONNX weights of the directory to load. */
  dtype?: string;
  /** transformers.js `device` (e.g. `cpu`). */
  device?: string;
}

/** @internal Throws RESOURCE_DOES_NOT_EXIST unless `dir` is a directory with a `config.json`. */
export function assertModelDirectory(dir: string, field: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new MlflowError(`${field} '${dir}' is not a directory.`, ErrorCode.RESOURCE_DOES_NOT_EXIST);
  }
  if (!existsSync(join(abs, 'config.json'))) {
    throw new MlflowError(
      `${field} '${dir}' is not a transformers.js model directory: it has no config.json.`,
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
    );
  }
  return abs;
}

/**
 * @internal A text-generation pipeline over the model in `dir`, read from that directory only
 * (`local_files_only`, the absolute path as the model id): nothing is fetched, whatever
 * `env.allowRemoteModels` says, and transformers.js's global `env` is left as it is.
 */
export async function loadLocalTextGenerationPipeline(
  dir: string,
  options: LocalPipelineOptions = {},
): Promise<TextGenerationPipelineLike & { dispose?: () => Promise<void> }> {
  const abs = assertModelDirectory(dir, 'Model directory');
  const tf = await loadTransformers();
  const pipelineOptions: Record<string, unknown> = { local_files_only: true };
  if (options.dtype !== undefined) pipelineOptions.dtype = options.dtype;
  if (options.device !== undefined) pipelineOptions.device = options.device;
  const pipe = await tf.pipeline('text-generation', abs, pipelineOptions as never);
  return pipe as unknown as TextGenerationPipelineLike & { dispose?: () => Promise<void> };
}

/**
 * @internal The generated texts of a text-generation pipeline call, one per prompt: the first returned
 * sequence's `generated_text` of each. (A single string prompt returns `[{generated_text}]`, a list of
 * prompts `[[{generated_text}], ...]`.)
 */
export function generatedTexts(output: unknown, batched: boolean, count: number): string[] {
  const rows = batched ? output : [output];
  if (!Array.isArray(rows) || rows.length !== count) {
    throw new MlflowError(
      `The text-generation pipeline returned ${Array.isArray(rows) ? rows.length : typeof rows} results for ${count} prompts.`,
      ErrorCode.INTERNAL_ERROR,
    );
  }
  return rows.map((row, i) => {
    const first = Array.isArray(row) ? row[0] : row;
    const text = (first as { generated_text?: unknown } | undefined)?.generated_text;
    if (typeof text !== 'string') {
      throw new MlflowError(
        `The text-generation pipeline returned no generated_text string for prompt ${i}.`,
        ErrorCode.INTERNAL_ERROR,
      );
    }
    return text;
  });
}

/** @internal Cuts `text` at the first occurrence of any stop sequence (LangChain's `enforce_stop_tokens`). */
export function cutAtStop(text: string, stop: readonly string[] | undefined): string {
  if (!stop || stop.length === 0) return text;
  let end = text.length;
  for (const s of stop) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}
