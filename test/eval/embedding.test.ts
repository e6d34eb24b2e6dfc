import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingSimilarity, type ScorerInput } from '../../src/eval/index.js';
import { writeTinyGpt2Model } from '../../src/internal/tiny-model/index.js';
import { makeTempDir } from '../helpers/paths.js';

function row(outputs: string, expected: string): ScorerInput {
  return { inputs: {}, outputs, expectations: { expected_response: expected }, trace: null };
}

describe('embeddingSimilarity with a local transformers.js model (the tiny offline GPT-2)', () => {
  const tmp = makeTempDir('embedding-');
  const modelDir = join(tmp.dir, 'tiny-gpt2');
  let scorer: ReturnType<typeof embeddingSimilarity>;

  beforeAll(async () => {
    await writeTinyGpt2Model(modelDir);
    scorer = embeddingSimilarity({ modelPath: modelDir });
  });

  afterAll(async () => {
    await scorer?.dispose();
    tmp.cleanup();
  });

  it('scores identical texts 1 and different texts below 1, as cosine similarities of mean-pooled vectors', async () => {
    expect(await scorer.run(row('the cat sat on the mat', 'the cat sat on the mat'))).toBeCloseTo(1, 6);
    const different = (await scorer.run(row('hello world', 'Grüße aus 東京 🐍'))) as number;
    expect(different).toBeLessThan(1);
    expect(different).toBeGreaterThanOrEqual(-1);
    expect(scorer.name).toBe('embedding_similarity');
  });

  it('empty texts have no embedding: equal when both are empty, else 0', async () => {
    expect(await scorer.run(row('', ''))).toBe(1);
    expect(await scorer.run(row('text', ' '))).toBe(0);
  });

  it('refuses a directory that is not a model, naming it', async () => {
    const bad = embeddingSimilarity({ modelPath: tmp.dir, name: 'emb' });
    await expect(bad.run(row('a', 'b'))).rejects.toThrow(/modelPath '.*' is not a transformers\.js model directory/);
    expect(() => embeddingSimilarity({ modelPath: '' })).toThrow(/needs `modelPath`/);
  });
});
