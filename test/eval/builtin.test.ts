import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  bleu,
  contains,
  cosineSimilarity,
  countWordTokens,
  editDistance,
  exactMatch,
  includesAll,
  latency,
  normalizedEditDistance,
  regexMatch,
  rougeL,
  rougeLScore,
  rougeTokens,
  type ScorerInput,
  schemaMatch,
  sentenceBleu,
  success,
  tokenCount,
  tokenize13a,
  validJson,
} from '../../src/eval/index.js';
import type { Feedback, Trace } from '../../src/tracking/entities/index.js';

interface RefCase {
  prediction: string;
  reference: string;
  rouge_l: { precision: number; recall: number; fmeasure: number };
  bleu: number;
  edit_distance: number;
  normalized_edit_distance: number;
}

// Made by test/interop/py/eval_builtin_refs.py with rouge-score, sacrebleu 2.6.0 and nltk.
const REFS = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'builtin-refs.json'), 'utf8')) as {
  cases: RefCase[];
};

function input(outputs: unknown, expectations: Record<string, unknown> = {}, trace: Trace | null = null): ScorerInput {
  return { inputs: {}, outputs, expectations, trace };
}

function fakeTrace(durationMs: number | null, state = 'OK', metadata: Record<string, string> = {}): Trace {
  return {
    info: {
      traceId: 'tr-0',
      experimentId: '0',
      requestTime: 0,
      executionDuration: durationMs,
      state: state as 'OK',
      requestPreview: null,
      responsePreview: null,
      clientRequestId: null,
      traceMetadata: metadata,
      tags: {},
    },
    data: { spans: [] },
  };
}

describe('overlap scorers match the Python reference libraries', () => {
  it.each(REFS.cases.map((c, i) => [i, c] as const))('case %i: ROUGE-L as rouge-score computes it', (_i, c) => {
    const got = rougeLScore(c.reference, c.prediction);
    expect(got.precision).toBeCloseTo(c.rouge_l.precision, 12);
    expect(got.recall).toBeCloseTo(c.rouge_l.recall, 12);
    expect(got.fmeasure).toBeCloseTo(c.rouge_l.fmeasure, 12);
  });

  it.each(REFS.cases.map((c, i) => [i, c] as const))('case %i: sentence BLEU as sacrebleu computes it', (_i, c) => {
    expect(sentenceBleu(c.prediction, c.reference)).toBeCloseTo(c.bleu, 10);
  });

  it.each(REFS.cases.map((c, i) => [i, c] as const))('case %i: edit distance over code points as nltk', (_i, c) => {
    expect(normalizedEditDistance(c.prediction, c.reference)).toBeCloseTo(c.normalized_edit_distance, 12);
  });

  it('the scorers read the reference from expected_response and scale BLEU to 0-1', async () => {
    const c = REFS.cases[10] as RefCase;
    const row = input(c.prediction, { expected_response: c.reference });
    expect(await rougeL().run(row)).toBeCloseTo(c.rouge_l.fmeasure, 12);
    expect(await bleu().run(row)).toBeCloseTo(c.bleu / 100, 12);
    expect(await editDistance().run(row)).toBeCloseTo(c.normalized_edit_distance, 12);
    expect(rougeL().name).toBe('rouge_l');
    expect(bleu({ name: 'bleu4', expectation: 'gold' }).name).toBe('bleu4');
  });

  it('tokenises as the reference tokenizers do', () => {
    expect(rougeTokens('Café, naïve-test 42!')).toEqual(['caf', 'na', 've', 'test', '42']);
    // As sacrebleu's Tokenizer13a splits it (a dash is split after a digit only).
    expect(tokenize13a('Hello, world. 3.5 and 1,000 (a) x-1 9-8')).toEqual([
      'Hello',
      ',',
      'world',
      '.',
      '3.5',
      'and',
      '1,000',
      '(',
      'a',
      ')',
      'x-1',
      '9',
      '-',
      '8',
    ]);
  });

  it('a missing reference is an error naming the expectation', () => {
    expect(() => rougeL().run(input('x'))).toThrow(/rouge_l needs expectations\.expected_response/);
  });
});

describe('match scorers', () => {
  it.each([
    ['Paris', 'Paris', true],
    ['  Paris\n', 'Paris', true],
    ['paris', 'Paris', false],
    ['', '', true],
    ['', 'x', false],
    ['café', 'cafe\u0301', true],
    ['東京', '東京', true],
  ])('exactMatch(%j, %j) is %s', async (out, exp, want) => {
    expect(await exactMatch().run(input(out, { expected_response: exp }))).toBe(want);
  });

  it('exactMatch can ignore case and compare outputs that are not strings', async () => {
    expect(await exactMatch({ caseSensitive: false }).run(input('PARIS', { expected_response: 'paris' }))).toBe(true);
    expect(await exactMatch().run(input(42, { expected_response: 42 }))).toBe(true);
    expect(await exactMatch({ expected: 'yes' }).run(input('yes'))).toBe(true);
  });

  it.each([
    ['The capital is Paris.', 'paris', true],
    ['The capital is Lyon.', 'paris', false],
    ['', '', true],
    ['Ünïcödé text', 'ÜNÏ', true],
  ])('contains(%j, %j) is %s', async (out, exp, want) => {
    expect(await contains().run(input(out, { expected_response: exp }))).toBe(want);
  });

  it('includesAll checks every expected fact and names the missing ones', async () => {
    const s = includesAll();
    const ok = (await s.run(
      input('MLflow tracks runs and traces', { expected_facts: ['runs', 'TRACES'] }),
    )) as Feedback;
    expect(ok.value).toBe(true);
    const missing = (await s.run(
      input('MLflow tracks runs', { expected_facts: ['runs', 'traces', 'models'] }),
    )) as Feedback;
    expect(missing.value).toBe(false);
    expect(missing.rationale).toBe('Missing 2 of 3: "traces", "models"');
    expect(((await includesAll({ terms: [] }).run(input(''))) as Feedback).value).toBe(true);
  });

  it('regexMatch matches anywhere, or the whole output, Unicode-aware', async () => {
    expect(await regexMatch({ pattern: '\\d{4}' }).run(input('in 2024'))).toBe(true);
    expect(await regexMatch({ pattern: '\\d{4}', fullMatch: true }).run(input('in 2024'))).toBe(false);
    expect(await regexMatch({ pattern: /^\p{Lu}/u }).run(input('Émile'))).toBe(true);
    expect(await regexMatch({ pattern: 'x' }).run(input(''))).toBe(false);
    expect(() => regexMatch({ pattern: '(' })).toThrow(/Invalid pattern "\(" for regex_match/);
  });
});

describe('JSON scorers', () => {
  it.each([
    ['{"a": 1}', true],
    ['```json\n{"a": [1, 2]}\n```', true],
    ['[1, 2', false],
    ['', false],
    [{ a: 1 }, true],
    ['"ü"', true],
  ])('validJson(%j) is %s', async (out, want) => {
    expect(((await validJson().run(input(out))) as Feedback).value).toBe(want);
  });

  it('schemaMatch checks a zod schema and lists the issues', async () => {
    const s = schemaMatch({ schema: z.object({ city: z.string(), population: z.number().int() }) });
    expect(((await s.run(input('{"city": "Zürich", "population": 421878}'))) as Feedback).value).toBe(true);
    const bad = (await s.run(input({ city: 'Zürich', population: 'many' }))) as Feedback;
    expect(bad.value).toBe(false);
    expect(bad.rationale).toMatch(/^Schema mismatch: population: /);
    const notJson = (await s.run(input('nope'))) as Feedback;
    expect(notJson.rationale).toMatch(/^Invalid JSON: /);
    expect(() => schemaMatch({ schema: {} as never })).toThrow(/needs `schema`/);
  });
});

describe('trace scorers', () => {
  it('latency reports the trace duration, or a pass against a threshold', async () => {
    expect(await latency().run(input('x', {}, fakeTrace(120)))).toBe(120);
    expect(latency().aggregations).toEqual(['mean', 'p90', 'max']);
    const f = (await latency({ thresholdMs: 100 }).run(input('x', {}, fakeTrace(120)))) as Feedback;
    expect(f.value).toBe(false);
    expect(f.rationale).toBe('120 ms (limit 100 ms)');
    expect(() => latency().run(input('x'))).toThrow(/latency needs the row's trace/);
  });

  it('tokenCount prefers the trace token usage, else counts words and punctuation', async () => {
    const usage = fakeTrace(1, 'OK', {
      'mlflow.trace.tokenUsage': '{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}',
    });
    expect(await tokenCount().run(input('ignored', {}, usage))).toBe(7);
    expect(await tokenCount({ usageKey: 'output_tokens' }).run(input('x', {}, usage))).toBe(4);
    expect(await tokenCount().run(input('Hello, world! Grüße 東京'))).toBe(6);
    expect(await tokenCount().run(input(''))).toBe(0);
    expect(await tokenCount({ tokenizer: (t) => t.length }).run(input('abc', {}, usage))).toBe(3);
    expect(countWordTokens("it's 3.5")).toBe(6);
  });

  it('success needs a non-empty answer and a trace that did not fail', async () => {
    expect(((await success().run(input('an answer', {}, fakeTrace(1)))) as Feedback).value).toBe(true);
    expect(((await success().run(input('   '))) as Feedback).value).toBe(false);
    expect(((await success().run(input(null))) as Feedback).rationale).toBe('The answer is empty.');
    expect(((await success().run(input('x', {}, fakeTrace(1, 'ERROR')))) as Feedback).value).toBe(false);
  });
});

describe('embedding helpers', () => {
  it('cosine similarity', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [-1, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });
});
