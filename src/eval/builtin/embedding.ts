import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode, InvalidParameterError, MlflowError } from '../../tracking/errors.js';
import { type CustomScorer, scorer } from '../scorer.js';
import type { Aggregation } from '../types.js';
import { outputText, type ReferenceOptions, referenceText } from './text.js';

/** Options of {@link embeddingSimilarity}. */
export interface EmbeddingSimilarityOptions extends ReferenceOptions {
  name?: string;
  /** A local transformers.js model directory (with `config.json` and ONNX weights); nothing is downloaded. */
  modelPath: string;
  /** How token vectors become one vector: `mean` (default) or `cls` (the first token). */
  pooling?: 'mean' | 'cls';
  /** ONNX weights variant (`fp32` by default). */
  dtype?: string;
  aggregations?: readonly Aggregation[];
}

/** The part of a transformers.js feature-extraction pipeline this scorer uses. */
interface FeatureExtractor {
  (texts: string[], options: { pooling: string; normalize: boolean }): Promise<{ tolist(): number[][] }>;
  dispose?: () => Promise<void>;
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new MlflowError(`Vectors of different sizes: ${a.length} and ${b.length}.`, ErrorCode.INTERNAL_ERROR);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const sim = na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  return Number.isFinite(sim) ? sim : 0;
}

/** A scorer made by {@link embeddingSimilarity}, which holds a model until disposed. */
export interface EmbeddingScorer extends CustomScorer {
  /** Releases the model (a later call loads it again). */
  dispose(): Promise<void>;
}

/**
 * Cosine similarity between the embeddings of the output and of the reference (`expected_response`),
 * from a transformers.js feature-extraction model in a local directory (mean-pooled token vectors by
 * default). `@huggingface/transformers` is loaded on first use; the model once per scorer.
 */
export function embeddingSimilarity(options: EmbeddingSimilarityOptions): EmbeddingScorer {
  const name = options?.name ?? 'embedding_similarity';
  if (!options || typeof options.modelPath !== 'string' || options.modelPath === '') {
    throw new InvalidParameterError(`${name} needs \`modelPath\`: a local transformers.js model directory.`);
  }
  const dir = resolve(options.modelPath);
  const pooling = options.pooling ?? 'mean';
  if (pooling !== 'mean' && pooling !== 'cls') {
    throw new InvalidParameterError(`Invalid pooling ${JSON.stringify(pooling)} for ${name}: use 'mean' or 'cls'.`);
  }
  let extractor: Promise<FeatureExtractor> | undefined;
  const load = (): Promise<FeatureExtractor> => {
    extractor ??= (async () => {
      if (!existsSync(join(dir, 'config.json'))) {
        throw new MlflowError(
          `modelPath '${options.modelPath}' is not a transformers.js model directory: it has no config.json.`,
          ErrorCode.RESOURCE_DOES_NOT_EXIST,
        );
      }
      const tf = await import('@huggingface/transformers');
      const pipelineOptions: Record<string, unknown> = { local_files_only: true };
      if (options.dtype !== undefined) pipelineOptions.dtype = options.dtype;
      return (await tf.pipeline('feature-extraction', dir, pipelineOptions as never)) as unknown as FeatureExtractor;
    })();
    // A failed load is retried by the next row rather than cached.
    extractor.catch(() => {
      extractor = undefined;
    });
    return extractor;
  };
  const s = scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, async (input) => {
    const reference = referenceText(name, input, options);
    const text = outputText(input.outputs);
    // An empty text has no tokens, so no embedding: equal when both are empty, else unrelated.
    if (text.trim() === '' || reference.trim() === '') return text.trim() === reference.trim() ? 1 : 0;
    const fx = await load();
    const out = await fx([text, reference], { pooling, normalize: false });
    const [a, b] = out.tolist();
    return cosineSimilarity(a ?? [], b ?? []);
  }) as EmbeddingScorer;
  Object.defineProperty(s, 'dispose', {
    value: async () => {
      const current = extractor;
      extractor = undefined;
      if (current) await (await current.catch(() => undefined))?.dispose?.();
    },
  });
  return s;
}
