import { join } from 'node:path';
import type { TextGenerationPipeline } from '@huggingface/transformers';
import type { Trace } from '../../../src/index.js';
import { writeTinyGpt2Model } from '../../../src/internal/tiny-model/index.js';
import { makeTempDir } from '../../helpers/paths.js';

/** The model id the tiny GPT-2 is loaded under (a folder under transformers.js's local model path). */
export const TINY_MODEL_ID = 'tiny-gpt2';

/** The real tiny GPT-2 (docs/tiny-model.md) as a transformers.js text-generation pipeline, offline. */
export async function loadTinyPipeline(): Promise<{ generator: TextGenerationPipeline; cleanup: () => Promise<void> }> {
  const tmp = makeTempDir('tracing-integrations-');
  await writeTinyGpt2Model(join(tmp.dir, TINY_MODEL_ID));
  const tf = await import('@huggingface/transformers');
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = tmp.dir;
  tf.env.useFSCache = false;
  const generator = (await tf.pipeline('text-generation', TINY_MODEL_ID)) as TextGenerationPipeline;
  return {
    generator,
    cleanup: async () => {
      await generator.dispose();
      tmp.cleanup();
    },
  };
}

/** Prompt tokens as the pipeline counts them: the tokenizer's ids, no special tokens (GPT-2 adds none). */
export function promptTokens(generator: TextGenerationPipeline, prompt: string): number {
  return generator.tokenizer.encode(prompt, { add_special_tokens: false }).length;
}

/** Each span as [name, parent name, span type], in start order. */
export function spanTree(t: Trace): Array<[string, string | null, string]> {
  const byId = new Map(t.data.spans.map((s) => [s.spanId, s.name]));
  return t.data.spans.map((s) => [s.name, s.parentId ? (byId.get(s.parentId) ?? '?') : null, s.spanType ?? '']);
}

/** The span of a trace with this name; fails the test when there is none. */
export function spanNamed(t: Trace, name: string) {
  const span = t.data.spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name} in ${t.data.spans.map((s) => s.name).join(', ')}`);
  return span;
}
