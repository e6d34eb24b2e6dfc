// LLM judges driven by real LangChain.js chat model classes (FakeListChatModel and a BaseChatModel
// subclass that answers from a script by reading the prompt), no network: verdict and rationale
// parsing, MLflow's names and value types, LLM_JUDGE sources, retrieval context from RETRIEVER spans,
// and failures (garbage, model errors, missing fields) recorded on the feedback instead of thrown.

import { join } from 'node:path';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/evaluate.js';
import {
  CategoricalRating,
  Correctness,
  ExpectationsGuidelines,
  Guidelines,
  parseJudgeResponse,
  RelevanceToQuery,
  RetrievalGroundedness,
  RetrievalRelevance,
  RetrievalSufficiency,
  Safety,
  setDefaultJudgeModel,
  toCategoricalRating,
} from '../../src/eval/judges/index.js';
import type { ScorerInput } from '../../src/eval/types.js';
import { closeAllTrackingStores, resetFluentState, resetTracing, setTrackingUri, withSpan } from '../../src/index.js';
import { Expectation, type Feedback, isFeedback } from '../../src/tracking/entities/assessment.js';
import { Span, SpanType, type Trace } from '../../src/tracking/entities/index.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-judges-unit-');

afterAll(async () => {
  setDefaultJudgeModel(undefined);
  await resetTracing();
  resetFluentState();
  await closeAllTrackingStores();
  tmp.cleanup();
});

/**
 * A chat model that answers by reading the case in the prompt: `yes` when every `- fact` line of
 * the expected answer (or every document line) appears in the response, `no` otherwise. It keeps
 * what it was sent, and reports token usage like real providers do.
 */
class ScriptedJudge extends BaseChatModel {
  readonly seen: Array<{ system: string; user: string }> = [];
  model = 'scripted-judge-1';

  _llmType(): string {
    return 'scripted';
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const system = String(messages[0]?.content ?? '');
    const user = String(messages[1]?.content ?? '');
    this.seen.push({ system, user });
    const tag = (name: string) => new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(user)?.[1] ?? '';
    let verdict = 'no';
    let why = '';
    if (user.includes('<expected_answer>')) {
      const facts = tag('expected_answer')
        .split('\n')
        .map((l) => l.replace(/^- /, '').trim())
        .filter(Boolean);
      const haystack = (tag('response') || tag('retrieved_context')).toLowerCase();
      const missing = facts.filter((f) => !haystack.includes(f.toLowerCase()));
      verdict = missing.length === 0 ? 'yes' : 'no';
      why = missing.length === 0 ? 'Every expected fact is present.' : `Missing: ${missing.join('; ')}.`;
    } else if (user.includes('<document>')) {
      verdict = tag('document').toLowerCase().includes('paris') ? 'yes' : 'no';
      why = `The document ${verdict === 'yes' ? 'mentions' : 'does not mention'} Paris.`;
    } else {
      verdict = 'yes';
      why = 'Looks fine.';
    }
    const text = `\`\`\`json\n{"rationale": "${why}", "result": "${verdict}"}\n\`\`\``;
    const message = new AIMessage({
      content: text,
      usage_metadata: { input_tokens: system.length + user.length, output_tokens: text.length, total_tokens: 0 },
    });
    return { generations: [{ text, message }] };
  }
}

function span(id: string, parent: string | null, name: string, type: string, inputs: unknown, outputs: unknown): Span {
  return new Span({
    trace_id: '0123456789abcdef0123456789abcdef',
    span_id: id,
    parent_span_id: parent,
    name,
    start_time_unix_nano: 1n,
    end_time_unix_nano: 2n,
    status: { code: 'STATUS_CODE_OK', message: '' },
    events: [],
    attributes: {
      'mlflow.spanType': JSON.stringify(type),
      'mlflow.spanInputs': JSON.stringify(inputs),
      'mlflow.spanOutputs': JSON.stringify(outputs),
    },
  });
}

function ragTrace(assessments: Expectation[] = []): Trace {
  const docsA = [
    { page_content: 'Paris is the capital of France.', metadata: { doc_uri: 'wiki/france' } },
    { page_content: 'Berlin is in Germany.', metadata: {} },
  ];
  return {
    info: {
      traceId: 'tr-0123456789abcdef0123456789abcdef',
      experimentId: '0',
      requestTime: 1,
      executionDuration: 1,
      state: 'OK',
      requestPreview: null,
      responsePreview: null,
      clientRequestId: null,
      traceMetadata: {},
      tags: {},
      assessments,
    },
    data: {
      spans: [
        span('00000000000000a1', null, 'rag', SpanType.CHAIN, { question: 'What is the capital of France?' }, 'Paris.'),
        span('00000000000000b2', '00000000000000a1', 'retrieve', SpanType.RETRIEVER, 'capital', docsA),
        // Nested in a retriever: not a top-level retrieval, so ignored (as MLflow does).
        span('00000000000000c3', '00000000000000b2', 'inner', SpanType.RETRIEVER, 'x', [{ page_content: 'ignored' }]),
        span('00000000000000d4', '00000000000000a1', 'retrieve-2', SpanType.RETRIEVER, 'capital', [
          { content: 'France borders Spain.' },
        ]),
      ],
    },
  };
}

const row = (over: Partial<ScorerInput>): ScorerInput => ({
  inputs: { question: 'What is the capital of France?' },
  outputs: 'The capital of France is Paris.',
  expectations: {},
  trace: null,
  ...over,
});

describe('parsing judge replies', () => {
  it('reads JSON, fenced JSON, JSON in prose, labelled lines and bare words', () => {
    const cases: Array<[string, unknown, string]> = [
      ['{"result": "yes", "rationale": "ok"}', 'yes', 'ok'],
      ['```json\n{"rationale": "fine", "result": "no"}\n```', 'no', 'fine'],
      ['```\n{"result": "Yes", "rationale": "a"}```', 'Yes', 'a'],
      [
        'Sure! Here is my assessment:\n{"verdict": "no", "reason": "The answer is off-topic."}\nThanks.',
        'no',
        'The answer is off-topic.',
      ],
      ['{"result": "yes", "rationale": "line one\nline two",}', 'yes', 'line one\nline two'],
      ['{"Result": true, "Explanation": "x"}', true, 'x'],
      ['Verdict: yes\nRationale: the response names Paris.', 'yes', 'the response names Paris.'],
      [
        'The response is grounded in the documents.\n**Result:** No',
        'No',
        'The response is grounded in the documents.',
      ],
      ['Yes.', 'Yes', ''],
      ['{"result": "yes", "rationale": "Let\'s think step by step. Paris."}', 'yes', 'Paris.'],
    ];
    for (const [text, result, rationale] of cases) {
      expect(parseJudgeResponse(text), text).toEqual({ result, rationale });
    }
    for (const garbage of ['', 'I cannot decide.', '{"score": 5}', 'maybe', '<html>oops</html>']) {
      expect(parseJudgeResponse(garbage), garbage).toBeUndefined();
    }
  });

  it("maps verdict spellings to MLflow's CategoricalRating", () => {
    expect(['yes', ' YES ', 'true', 'Pass', 'correct', '1', 'ok'].map(toCategoricalRating)).toEqual(
      Array(7).fill(CategoricalRating.YES),
    );
    expect(['no', 'False', 'fail', 'wrong', '0', 'not approved'].map(toCategoricalRating)).toEqual(
      Array(6).fill(CategoricalRating.NO),
    );
    expect([true, false, 1, 0, 'maybe', 'yes.', null].map(toCategoricalRating)).toEqual([
      'yes',
      'no',
      'yes',
      'no',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});

describe('built-in judges with LangChain.js chat models', () => {
  it('Correctness reads the case from the prompt and records an LLM_JUDGE feedback with the model id', async () => {
    const model = new ScriptedJudge({});
    const judge = new Correctness({ model });
    expect(judge.name).toBe('correctness');
    const good = (await judge.run(
      row({ expectations: { expected_facts: ['Paris', 'capital of France'] } }),
    )) as Feedback;
    expect(good.name).toBe('correctness');
    expect(good.value).toBe('yes');
    expect(good.rationale).toBe('Every expected fact is present.');
    expect(good.source).toEqual({ sourceType: 'LLM_JUDGE', sourceId: 'scripted:/scripted-judge-1' });
    expect(good.error).toBeNull();
    expect(Number(good.metadata?.['mlflow.assessment.judgeInputTokens'])).toBeGreaterThan(0);
    expect(model.seen[0]?.user).toContain('<expected_answer>\n- Paris\n- capital of France\n</expected_answer>');
    expect(model.seen[0]?.user).toContain('<request>\nWhat is the capital of France?\n</request>');
    expect(model.seen[0]?.system).toContain('"result"');

    const bad = (await judge.run(row({ expectations: { expected_response: 'Lyon' } }))) as Feedback;
    expect(bad.value).toBe('no');
    expect(bad.rationale).toBe('Missing: Lyon.');
  });

  it("FakeListChatModel drives RelevanceToQuery, Safety and Guidelines; names and metadata are MLflow's", async () => {
    const model = new FakeListChatModel({
      responses: [
        '{"rationale": "On topic.", "result": "yes"}',
        'Verdict: no\nRationale: contains a threat.',
        '{"result": "no", "rationale": "Not in English."}',
        '{"result": "yes", "rationale": "Concise."}',
      ],
    });
    const relevance = (await new RelevanceToQuery({ model }).run(row({}))) as Feedback;
    expect([relevance.name, relevance.value, relevance.rationale]).toEqual(['relevance_to_query', 'yes', 'On topic.']);
    expect(relevance.source.sourceId).toBe('fake-list:/FakeListChatModel');
    const safety = (await new Safety({ model, modelId: 'local:/guard' }).run(row({}))) as Feedback;
    expect([safety.name, safety.value, safety.rationale, safety.source.sourceId]).toEqual([
      'safety',
      'no',
      'contains a threat.',
      'local:/guard',
    ]);
    const english = new Guidelines({ name: 'english', guidelines: ['Must be in English', 'No emojis'], model });
    const g = (await english.run(row({}))) as Feedback;
    expect([g.name, g.value, g.metadata?.guideline]).toEqual(['english', 'no', 'Must be in English\nNo emojis']);
    const eg = (await new ExpectationsGuidelines({ model }).run(
      row({ expectations: { guidelines: ['Be concise'] } }),
    )) as Feedback;
    expect([eg.name, eg.value, eg.metadata?.guideline]).toEqual(['expectations_guidelines', 'yes', 'Be concise']);
  });

  it('garbage, model errors and missing fields become error feedback, never throws', async () => {
    const garbage = new FakeListChatModel({ responses: ['I am not sure what you mean.'] });
    const g = (await new Safety({ model: garbage }).run(row({}))) as Feedback;
    expect(g.value).toBeNull();
    expect(g.error).toMatchObject({
      errorCode: 'SCORER_ERROR',
      errorMessage: 'Failed to parse response from judge model. Response: I am not sure what you mean.',
    });
    expect(g.source).toEqual({ sourceType: 'LLM_JUDGE', sourceId: 'fake-list:/FakeListChatModel' });

    const failing = async () => {
      throw new Error('rate limited');
    };
    const f = (await new RelevanceToQuery({ model: failing }).run(row({}))) as Feedback;
    expect([f.name, f.error?.errorMessage, f.source.sourceId]).toEqual([
      'relevance_to_query',
      'rate limited',
      'custom:/failing',
    ]);

    const calls: string[] = [];
    const spy = (prompt: string) => {
      calls.push(prompt);
      return 'yes';
    };
    const missing = (await new Correctness({ model: spy }).run(row({}))) as Feedback;
    expect(missing.error?.errorMessage).toBe(
      'Correctness scorer requires either `expected_response` or `expected_facts` in the `expectations` dictionary.',
    );
    const both = (await new Correctness({ model: spy }).run(
      row({ expectations: { expected_response: 'a', expected_facts: ['b'] } }),
    )) as Feedback;
    expect(both.error?.errorMessage).toBe(
      'Only one of expected_response or expected_facts should be provided, not both.',
    );
    const noOutputs = (await new Safety({ model: spy }).run(row({ outputs: undefined }))) as Feedback;
    expect(noOutputs.error?.errorMessage).toBe(
      'Safety scorer requires the following fields: outputs. Provide them directly or pass a trace containing them.',
    );
    const noGuidelines = (await new ExpectationsGuidelines({ model: spy }).run(row({}))) as Feedback;
    expect(noGuidelines.error?.errorMessage).toContain('Guidelines must be specified');
    expect(calls).toEqual([]);
    const noModel = (await new Safety().run(row({}))) as Feedback;
    expect(noModel.error?.errorMessage).toContain('has no judge model');
    expect(() => new Guidelines({ guidelines: [] })).toThrow(/Invalid guidelines/);
  });

  it('function judges: prompt text in, plain text or a transformers.js-style generation out', async () => {
    const pipeline = async (prompt: string) => [{ generated_text: `${prompt.length > 0 ? 'Verdict: yes' : ''}` }];
    const feedback = (await new Safety({ model: pipeline, modelId: 'transformers:/tiny' }).run(row({}))) as Feedback;
    expect([feedback.value, feedback.source.sourceId]).toEqual(['yes', 'transformers:/tiny']);
    setDefaultJudgeModel(() => '{"result": "no", "rationale": "default judge"}', 'custom:/default');
    const viaDefault = (await new Safety().run(row({}))) as Feedback;
    expect([viaDefault.value, viaDefault.rationale, viaDefault.source.sourceId]).toEqual([
      'no',
      'default judge',
      'custom:/default',
    ]);
    setDefaultJudgeModel(undefined);
  });
});

describe('retrieval judges read RETRIEVER spans', () => {
  it('RetrievalRelevance: per top-level retriever, precision then one feedback per document', async () => {
    const model = new ScriptedJudge({});
    const out = (await new RetrievalRelevance({ model }).run(row({ trace: ragTrace() }))) as Feedback[];
    expect(out.map((f) => [f.name, f.value, f.spanId, f.metadata?.chunk_index ?? null])).toEqual([
      ['retrieval_relevance/precision', 0.5, '00000000000000b2', null],
      ['retrieval_relevance', 'yes', '00000000000000b2', '0'],
      ['retrieval_relevance', 'no', '00000000000000b2', '1'],
      ['retrieval_relevance/precision', 0, '00000000000000d4', null],
      ['retrieval_relevance', 'no', '00000000000000d4', '0'],
    ]);
    expect(out.every((f) => f.source.sourceType === 'LLM_JUDGE')).toBe(true);
    expect(model.seen.some((s) => s.user.includes('ignored'))).toBe(false);
  });

  it('RetrievalGroundedness and RetrievalSufficiency: one feedback per retriever span, expectations from the trace', async () => {
    const model = new ScriptedJudge({});
    const grounded = (await new RetrievalGroundedness({ model }).run(row({ trace: ragTrace() }))) as Feedback[];
    expect(grounded.map((f) => [f.name, f.spanId])).toEqual([
      ['retrieval_groundedness', '00000000000000b2'],
      ['retrieval_groundedness', '00000000000000d4'],
    ]);
    expect(model.seen[0]?.user).toContain('[1] (source: wiki/france)\nParis is the capital of France.');
    expect(model.seen[0]?.user).toContain('<response>\nParis.\n</response>');

    const trace = ragTrace([new Expectation({ name: 'expected_facts', value: ['Paris is the capital of France'] })]);
    const sufficient = (await new RetrievalSufficiency({ model }).run(row({ trace, expectations: {} }))) as Feedback[];
    expect(sufficient.map((f) => [f.name, f.value, f.spanId])).toEqual([
      ['retrieval_sufficiency', 'yes', '00000000000000b2'],
      ['retrieval_sufficiency', 'no', '00000000000000d4'],
    ]);

    const noRetriever = (await new RetrievalGroundedness({ model }).run(row({ trace: null }))) as Feedback;
    expect(noRetriever.error?.errorMessage).toContain('needs the row');
    const plain: Trace = { ...ragTrace(), data: { spans: [ragTrace().data.spans[0] as Span] } };
    const none = (await new RetrievalSufficiency({ model }).run(row({ trace: plain }))) as Feedback;
    expect(none.error?.errorMessage).toBe(
      "No retrieval context found in the trace. The RetrievalSufficiency scorer requires the trace to contain at least one span with type 'RETRIEVER'.",
    );
  });
});

describe('judges inside evaluate()', () => {
  it('logs judge feedback (and judge errors) on each row trace with the LLM_JUDGE source', async () => {
    setTrackingUri(`sqlite:///${join(tmp.dir, 'eval.db')}`);
    const model = new ScriptedJudge({});
    const garbage = new FakeListChatModel({ responses: ['¯\\_(ツ)_/¯'] });
    const result = await evaluate({
      data: [
        { inputs: { question: 'What is the capital of France?' }, expectations: { expected_facts: ['Paris'] } },
        { inputs: { question: 'And of Germany?' }, expectations: { expected_facts: ['Berlin'] } },
      ],
      predictFn: async (inputs) =>
        withSpan({ name: 'retrieve', spanType: SpanType.RETRIEVER, inputs }, (s) => {
          const docs = [{ page_content: 'Paris is the capital of France.' }];
          s.setOutputs(docs);
          return 'Paris';
        }),
      scorers: [
        new Correctness({ model }),
        new RetrievalRelevance({ model }),
        new Safety({ model: garbage, name: 'safety' }),
      ],
      quiet: true,
      concurrency: 1,
    });
    const [first, second] = result.rows;
    const byName = (r: typeof first) => new Map(r!.feedbacks.filter(isFeedback).map((f) => [f.name, f]));
    expect(byName(first).get('correctness')?.value).toBe('yes');
    expect(byName(second).get('correctness')?.value).toBe('no');
    expect(byName(first).get('correctness')?.source).toEqual({
      sourceType: 'LLM_JUDGE',
      sourceId: 'scripted:/scripted-judge-1',
    });
    expect(byName(first).get('retrieval_relevance/precision')?.value).toBe(1);
    expect(byName(first).get('safety')?.error?.errorCode).toBe('SCORER_ERROR');
    expect(result.metrics['correctness/mean']).toBe(0.5);
  });
});
