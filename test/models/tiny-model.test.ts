import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TextGenerationPipeline } from '@huggingface/transformers';
import { LLM } from '@langchain/core/language_models/llms';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_MODEL_STAMP, type TinyGpt2ModelInfo, writeTinyGpt2Model } from '../../src/internal/tiny-model/index.js';
import { makeTempDir } from '../helpers/paths.js';

type Transformers = typeof import('@huggingface/transformers');
type Tensor = InstanceType<Transformers['Tensor']>;

const MODEL_NAME = 'tiny-gpt2';
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Every file under `dir`, by relative path, with its sha256. */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

/** New text of a greedy run, without the prompt. */
async function greedy(generator: TextGenerationPipeline, prompt: string, maxNewTokens: number): Promise<string> {
  const [out] = await generator(prompt, { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false });
  return out!.generated_text;
}

/** Token ids of row `row` of a 2-D int64 tensor, as numbers. */
function rowIds(tensor: Tensor, row: number): number[] {
  const width = tensor.dims[1]!;
  return Array.from((tensor.data as BigInt64Array).subarray(row * width, (row + 1) * width), Number);
}

/**
 * A LangChain LLM over a transformers.js text-generation pipeline (the real TransformersLLM comes later in
 * src/pyfunc). The pipeline lives in `generator`: a field named `pipe` would shadow `Runnable.pipe`.
 */
class TinyTransformersLLM extends LLM {
  constructor(
    private readonly generator: TextGenerationPipeline,
    private readonly maxNewTokens: number,
  ) {
    super({});
  }

  _llmType(): string {
    return 'transformers.js';
  }

  async _call(prompt: string): Promise<string> {
    return greedy(this.generator, prompt, this.maxNewTokens);
  }
}

describe('the tiny offline GPT-2', () => {
  const tmp = makeTempDir('tiny-model-');
  const modelDir = join(tmp.dir, 'a', MODEL_NAME);
  let info: TinyGpt2ModelInfo;
  let tf: Transformers;
  let generator: TextGenerationPipeline;

  beforeAll(async () => {
    info = await writeTinyGpt2Model(modelDir);
    tf = await import('@huggingface/transformers');
    // No hub: resolve model names under our temp root only, and keep nothing in a cache.
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = join(tmp.dir, 'a');
    tf.env.useFSCache = false;
    generator = (await tf.pipeline('text-generation', MODEL_NAME)) as TextGenerationPipeline;
  });

  afterAll(async () => {
    await generator?.dispose();
    tmp.cleanup();
  });

  describe('generation of the files', () => {
    it('writes the transformers.js layout with the recorded shape', () => {
      expect(info.written).toBe(true);
      expect(Object.keys(hashTree(modelDir)).sort()).toEqual([
        'config.json',
        'generation_config.json',
        'onnx/model.onnx',
        TINY_MODEL_STAMP,
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        model_type: 'gpt2',
        architectures: ['GPT2LMHeadModel'],
        n_layer: 2,
        n_head: 2,
        n_embd: 32,
        n_positions: 128,
        vocab_size: 267,
        eos_token_id: 266,
      });
      const onnxBytes = statSync(join(modelDir, 'onnx/model.onnx')).size;
      expect(onnxBytes).toBeGreaterThan(150_000);
      expect(onnxBytes).toBeLessThan(250_000);
      expect(info.totalBytes).toBeLessThan(250_000);
    });

    it('is byte-identical when generated again elsewhere', async () => {
      const again = await writeTinyGpt2Model(join(tmp.dir, 'b', MODEL_NAME));
      expect(again.written).toBe(true);
      expect(again.sha256).toBe(info.sha256);
      expect(hashTree(join(tmp.dir, 'b', MODEL_NAME))).toEqual(hashTree(modelDir));
    });

    it('leaves an up-to-date directory alone and repairs an edited file', async () => {
      const onnxPath = join(modelDir, 'onnx/model.onnx');
      const mtime = statSync(onnxPath).mtimeMs;
      const before = hashTree(modelDir);
      expect((await writeTinyGpt2Model(modelDir)).written).toBe(false);
      expect(statSync(onnxPath).mtimeMs).toBe(mtime);

      const dir = join(tmp.dir, 'b', MODEL_NAME);
      writeFileSync(join(dir, 'config.json'), '{}');
      expect((await writeTinyGpt2Model(dir)).written).toBe(true);
      expect(hashTree(dir)).toEqual(before);
    });
  });

  describe('with @huggingface/transformers', () => {
    it('declares the cache inputs and outputs transformers.js feeds back', () => {
      const session = (
        generator.model as unknown as { sessions: Record<string, { inputNames: string[]; outputNames: string[] }> }
      ).sessions.model!;
      const cache = (prefix: string) => [0, 1].flatMap((i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]);
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids', ...cache('past_key_values')]);
      expect(session.outputNames).toEqual(['logits', ...cache('present')]);
    });

    it('greedy generation is the same across runs and across pipeline loads', async () => {
      const prompt = 'Tell me about MLflow.';
      const first = await greedy(generator, prompt, 20);
      expect(await greedy(generator, prompt, 20)).toBe(first);
      const reloaded = (await tf.pipeline('text-generation', MODEL_NAME)) as TextGenerationPipeline;
      try {
        expect(await greedy(reloaded, prompt, 20)).toBe(first);
      } finally {
        await reloaded.dispose();
      }
      // Different prompts lead to different text, so the output really depends on the input.
      expect(await greedy(generator, 'Hello', 20)).not.toBe(first);
    });

    it('produces exactly max_new_tokens printable characters, never stopping early', async () => {
      // The last case runs past the 128 learned positions (100 prompt tokens + 40 new ones).
      for (const [prompt, n] of [
        [' ', 1],
        ['Hi', 7],
        ['The answer is', 20],
        ['x'.repeat(100), 40],
      ] as const) {
        const text = await greedy(generator, prompt, n);
        expect(text).toHaveLength(n);
        expect(text).toMatch(PRINTABLE);
      }
    });

    it('generates with the KV cache exactly what recomputing the whole sequence gives', async () => {
      const { AutoModelForCausalLM, AutoTokenizer, Tensor } = tf;
      const tokenizer = await AutoTokenizer.from_pretrained(MODEL_NAME);
      const model = await AutoModelForCausalLM.from_pretrained(MODEL_NAME);
      try {
        const prompt = 'the cat sat on the mat';
        const inputs = tokenizer(prompt);
        const promptIds = rowIds(inputs.input_ids as Tensor, 0);
        // The prompt goes through the BPE merges, so ids above 255 show up.
        expect(promptIds.some((id) => id >= 256)).toBe(true);
        const steps = 24;
        const cached = (await model.generate({ ...inputs, max_new_tokens: steps, do_sample: false })) as Tensor;
        const withCache = rowIds(cached, 0);

        // Reference: no cache, the whole sequence each step, argmax of the last position's logits.
        const seq = [...promptIds];
        for (let step = 0; step < steps; step++) {
          const ids = new Tensor('int64', BigInt64Array.from(seq, BigInt), [1, seq.length]);
          const mask = new Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]);
          const { logits } = (await model({ input_ids: ids, attention_mask: mask })) as { logits: Tensor };
          const vocab = logits.dims[2]!;
          const last = (logits.data as Float32Array).subarray((seq.length - 1) * vocab, seq.length * vocab);
          seq.push(last.indexOf(Math.max(...last)));
        }
        expect(withCache).toEqual(seq);
        expect(withCache).toHaveLength(promptIds.length + steps);
      } finally {
        await model.dispose();
      }
    });

    it('a left-padded batch gives each row the tokens of its prompt run alone', async () => {
      const { AutoModelForCausalLM, AutoTokenizer } = tf;
      const tokenizer = await AutoTokenizer.from_pretrained(MODEL_NAME);
      tokenizer.padding_side = 'left';
      const model = await AutoModelForCausalLM.from_pretrained(MODEL_NAME);
      try {
        const prompts = ['Hi', 'The quick brown fox jumps'];
        const steps = 16;
        const batch = tokenizer(prompts, { padding: true });
        const mask = batch.attention_mask as Tensor;
        expect(rowIds(mask, 0)).toContain(0); // the short prompt really is padded
        const batched = (await model.generate({ ...batch, max_new_tokens: steps, do_sample: false })) as Tensor;
        for (const [row, prompt] of prompts.entries()) {
          const alone = (await model.generate({
            ...tokenizer(prompt),
            max_new_tokens: steps,
            do_sample: false,
          })) as Tensor;
          expect(rowIds(batched, row).slice(-steps)).toEqual(rowIds(alone, 0).slice(-steps));
        }
      } finally {
        await model.dispose();
      }
    });

    it('runs inside a LangChain chain: PromptTemplate | LLM | StringOutputParser', async () => {
      const llm = new TinyTransformersLLM(generator, 12);
      const prompt = PromptTemplate.fromTemplate('Question: {question}\nAnswer:');
      const chain = prompt.pipe(llm).pipe(new StringOutputParser());
      const answer = await chain.invoke({ question: 'What is MLflow?' });
      expect(answer).toBe(await greedy(generator, 'Question: What is MLflow?\nAnswer:', 12));
      expect(answer).toHaveLength(12);
      expect(answer).toMatch(PRINTABLE);
    });
  });
});
