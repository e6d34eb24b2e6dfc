/**
 * MLflow's built-in LLM judges (`mlflow.genai.scorers`: Correctness, RelevanceToQuery, Safety,
 * Guidelines, ExpectationsGuidelines, RetrievalGroundedness, RetrievalRelevance,
 * RetrievalSufficiency) with MLflow's names, inputs, value types and metadata, and our own prompts.
 * Each is a {@link Scorer}: `evaluate` runs it, or call `run({inputs, outputs, expectations, trace})`.
 * A judge never throws: a missing field, a failing model or an unreadable answer becomes a Feedback
 * carrying the error.
 */

import { AssessmentMetadataKey, AssessmentSourceType, Feedback } from '../../tracking/entities/assessment.js';
import type { Trace } from '../../tracking/entities/index.js';
import { invalidParameter } from '../../tracking/errors.js';
import { validateAggregations } from '../scorer.js';
import type { Aggregation, Scorer, ScorerInput } from '../types.js';
import { getDefaultJudgeModel, type JudgeModel, type JudgeModelLike, type JudgePrompt, toJudgeModel } from './model.js';
import { CategoricalRating, parseJudgeResponse, toCategoricalRating } from './parse.js';
import {
  chunkRelevancePrompt,
  correctnessPrompt,
  groundednessPrompt,
  guidelinesPrompt,
  relevancePrompt,
  renderChunks,
  renderGroundTruth,
  safetyPrompt,
  sufficiencyPrompt,
} from './prompts.js';
import { expectationsFromTrace, inputsToText, outputsToText, retrievalContextFromTrace, rootSpan } from './trace.js';

/** Options every judge takes. */
export interface JudgeOptions {
  /** Assessment name (and metric prefix); the judge's MLflow name by default. */
  name?: string;
  /** The judge: a LangChain.js chat model, a function (prompt => reply), or a JudgeModel. Default: {@link setDefaultJudgeModel}'s. */
  model?: JudgeModelLike;
  /** The LLM_JUDGE source id recorded on feedback; derived from the model by default (`<provider>:/<model>`). */
  modelId?: string;
  /** Aggregations logged as run metrics (`['mean']` by default, over yes = 1 / no = 0). */
  aggregations?: readonly Aggregation[];
}

/** A judge failure: recorded as the feedback's error (code `SCORER_ERROR`, as MLflow's harness records it). */
class JudgeError extends Error {
  override name = 'JudgeError';
}

const UNKNOWN_MODEL_ID = 'unknown';

/**
 * The common part of the built-in judges: model resolution, one prompt-to-feedback call, and the
 * conversion of every failure into an error feedback.
 */
export abstract class LlmJudge implements Scorer {
  /** Assessment name and metric prefix. */
  readonly name: string;
  /** Aggregations logged as run metrics. */
  readonly aggregations: readonly Aggregation[] | undefined;
  /** What the judge evaluates, in a sentence. */
  abstract readonly description: string;
  readonly #model: JudgeModel | undefined;

  protected constructor(defaultName: string, options: JudgeOptions = {}) {
    const name = options.name ?? defaultName;
    if (typeof name !== 'string' || name === '') {
      throw invalidParameter(`Invalid judge name ${JSON.stringify(name)}: a non-empty string is required.`);
    }
    this.name = name;
    this.aggregations =
      options.aggregations === undefined ? undefined : validateAggregations(name, options.aggregations);
    this.#model = options.model === undefined ? undefined : toJudgeModel(options.model, options.modelId);
  }

  /** The judge model in use: this judge's, else the default one; undefined when neither is set. */
  get model(): JudgeModel | undefined {
    return this.#model ?? getDefaultJudgeModel();
  }

  /** Scores one row. Never throws: errors come back as a Feedback with `error` set. */
  async run(input: ScorerInput): Promise<Feedback | Feedback[]> {
    const model = this.model;
    try {
      if (!model) {
        throw new JudgeError(
          `${this.constructor.name} has no judge model: pass {model} (a LangChain.js chat model or a function) ` +
            'or call setDefaultJudgeModel().',
        );
      }
      return await this.judge(normalizeInput(input), model);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      return new Feedback({
        name: this.name,
        source: { sourceType: AssessmentSourceType.LLM_JUDGE, sourceId: model?.id ?? UNKNOWN_MODEL_ID },
        error: { errorCode: 'SCORER_ERROR', errorMessage: e.message, stackTrace: e.stack ?? null },
      });
    }
  }

  /** Scores one row with a resolved model; may throw (run() records the error). */
  protected abstract judge(input: ScorerInput, model: JudgeModel): Promise<Feedback | Feedback[]>;

  /** Asks the model and turns its answer into a yes/no feedback named after this judge. */
  protected async ask(model: JudgeModel, prompt: JudgePrompt, name = this.name): Promise<Feedback> {
    const reply = await model.complete(prompt);
    const verdict = parseJudgeResponse(reply.text);
    if (!verdict) throw new JudgeError(`Failed to parse response from judge model. Response: ${reply.text}`);
    const metadata: Record<string, string> = {};
    if (reply.inputTokens !== undefined) metadata[AssessmentMetadataKey.JUDGE_INPUT_TOKENS] = String(reply.inputTokens);
    if (reply.outputTokens !== undefined) {
      metadata[AssessmentMetadataKey.JUDGE_OUTPUT_TOKENS] = String(reply.outputTokens);
    }
    return new Feedback({
      name,
      value: toCategoricalRating(verdict.result),
      rationale: verdict.rationale,
      source: { sourceType: AssessmentSourceType.LLM_JUDGE, sourceId: model.id },
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
  }

  /** `_validate_required_fields`: MLflow's message for fields neither given nor found in the trace. */
  protected require(input: ScorerInput, fields: ReadonlyArray<'inputs' | 'outputs'>, label: string): void {
    const missing = fields.filter((f) => (f === 'inputs' ? input.inputs === undefined : input.outputs === undefined));
    if (missing.length > 0) {
      throw new JudgeError(
        `${label} requires the following fields: ${missing.join(', ')}. Provide them directly or pass a trace containing them.`,
      );
    }
  }
}

/**
 * Inputs, outputs and expectations, taken from the trace when not given (`resolve_scorer_fields`):
 * the root span's inputs and outputs, and the HUMAN expectations logged on the trace.
 */
function normalizeInput(input: Partial<ScorerInput>): ScorerInput {
  const trace = input.trace ?? null;
  const root = rootSpan(trace);
  const hasInputs = input.inputs !== undefined && input.inputs !== null && Object.keys(input.inputs).length > 0;
  const inputs = hasInputs ? input.inputs : (root?.inputs as Record<string, unknown> | undefined);
  const outputs = input.outputs !== undefined && input.outputs !== null ? input.outputs : root?.outputs;
  const hasExpectations = input.expectations && Object.keys(input.expectations).length > 0;
  const expectations = hasExpectations ? input.expectations : expectationsFromTrace(trace);
  // `inputs`/`outputs` stay undefined when neither given nor in the trace: `require` reports them.
  return {
    inputs: (inputs ?? undefined) as Record<string, unknown>,
    outputs: outputs ?? undefined,
    expectations: expectations ?? {},
    trace,
  };
}

function requireRetrieval(trace: Trace | null, judge: string) {
  if (!trace) {
    throw new JudgeError(`The ${judge} scorer needs the row's trace (with a RETRIEVER span); none was given.`);
  }
  const context = retrievalContextFromTrace(trace);
  if (context.size === 0) {
    throw new JudgeError(
      `No retrieval context found in the trace. The ${judge} scorer requires the trace to contain at least one span with type 'RETRIEVER'.`,
    );
  }
  const root = rootSpan(trace);
  return { context, request: inputsToText(root?.inputs), response: outputsToText(root?.outputs) };
}

/**
 * Correctness (`correctness`): does the response support every fact of `expected_response` or
 * `expected_facts` (one of the two, from the row's expectations or the trace's)? Value `yes`/`no`.
 */
export class Correctness extends LlmJudge {
  readonly description =
    "Check whether the expected facts (from expected_response or expected_facts) are supported by the model's response.";

  constructor(options: JudgeOptions = {}) {
    super('correctness', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback> {
    this.require(input, ['inputs', 'outputs'], 'Correctness scorer');
    const e = input.expectations;
    const expectedResponse = e.expected_response;
    const expectedFacts = e.expected_facts;
    const none = (v: unknown) => v === undefined || v === null;
    if (none(expectedResponse) && none(expectedFacts)) {
      throw new JudgeError(
        'Correctness scorer requires either `expected_response` or `expected_facts` in the `expectations` dictionary.',
      );
    }
    if (!none(expectedResponse) && !none(expectedFacts)) {
      throw new JudgeError('Only one of expected_response or expected_facts should be provided, not both.');
    }
    const prompt = correctnessPrompt(
      inputsToText(input.inputs),
      outputsToText(input.outputs),
      renderGroundTruth(expectedResponse, expectedFacts),
    );
    return this.ask(model, prompt);
  }
}

/** RelevanceToQuery (`relevance_to_query`): does the response address the request? Value `yes`/`no`. */
export class RelevanceToQuery extends LlmJudge {
  readonly description =
    "Ensure that the agent's response directly addresses the user's input without deviating into unrelated topics.";

  constructor(options: JudgeOptions = {}) {
    super('relevance_to_query', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback> {
    this.require(input, ['inputs', 'outputs'], 'RelevanceToQuery scorer');
    return this.ask(model, relevancePrompt(inputsToText(input.inputs), outputsToText(input.outputs)));
  }
}

/** Safety (`safety`): is the response free of harmful content? `yes` means safe. */
export class Safety extends LlmJudge {
  readonly description = "Ensure that the agent's responses do not contain harmful, offensive, or toxic content.";

  constructor(options: JudgeOptions = {}) {
    super('safety', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback> {
    this.require(input, ['outputs'], 'Safety scorer');
    return this.ask(model, safetyPrompt(outputsToText(input.outputs)));
  }
}

function checkGuidelines(guidelines: unknown, where: string): string[] {
  const list = typeof guidelines === 'string' ? [guidelines] : guidelines;
  if (!Array.isArray(list) || list.length === 0 || !list.every((g) => typeof g === 'string' && g.trim() !== '')) {
    throw invalidParameter(
      `Invalid guidelines ${JSON.stringify(guidelines)} in ${where}: a string or a non-empty list of strings is required.`,
    );
  }
  return list;
}

/** Options of {@link Guidelines}. */
export interface GuidelinesOptions extends JudgeOptions {
  /** One guideline or several; the response must follow all of them. */
  guidelines: string | readonly string[];
}

/**
 * Guidelines (`guidelines`): does the response follow every guideline given here (the same for all
 * rows)? Value `yes`/`no`; the guideline text is kept in the feedback metadata (`guideline`).
 */
export class Guidelines extends LlmJudge {
  readonly description =
    "Evaluate whether the agent's response follows specific constraints or instructions provided in the guidelines.";
  /** The guidelines, as given. */
  readonly guidelines: string | readonly string[];

  constructor(options: GuidelinesOptions) {
    super('guidelines', options);
    checkGuidelines(options?.guidelines, 'Guidelines');
    this.guidelines = options.guidelines;
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback> {
    this.require(input, ['inputs', 'outputs'], 'Guidelines scorer');
    const list = checkGuidelines(this.guidelines, 'Guidelines');
    const feedback = await this.ask(
      model,
      guidelinesPrompt(list, { request: inputsToText(input.inputs), response: outputsToText(input.outputs) }),
    );
    feedback.metadata = { ...(feedback.metadata ?? {}), guideline: list.join('\n') };
    return feedback;
  }
}

/**
 * ExpectationsGuidelines (`expectations_guidelines`): like {@link Guidelines}, with each row's own
 * guidelines from `expectations.guidelines`.
 */
export class ExpectationsGuidelines extends LlmJudge {
  readonly description =
    "Evaluate whether the agent's response follows specific constraints or instructions provided for each row in the input dataset.";

  constructor(options: JudgeOptions = {}) {
    super('expectations_guidelines', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback> {
    this.require(input, ['inputs', 'outputs'], 'ExpectationsGuidelines scorer');
    const guidelines = input.expectations.guidelines;
    if (!guidelines || (Array.isArray(guidelines) && guidelines.length === 0)) {
      throw new JudgeError(
        'Guidelines must be specified in the `expectations` parameter or must be present in the trace.',
      );
    }
    const list = checkGuidelines(guidelines, 'expectations.guidelines');
    const feedback = await this.ask(
      model,
      guidelinesPrompt(list, { request: inputsToText(input.inputs), response: outputsToText(input.outputs) }),
    );
    feedback.metadata = { ...(feedback.metadata ?? {}), guideline: list.join('\n') };
    return feedback;
  }
}

/**
 * RetrievalGroundedness (`retrieval_groundedness`): is the response (the trace's root output)
 * supported by what each top-level RETRIEVER span returned? One `yes`/`no` feedback per retriever
 * span, attached to that span.
 */
export class RetrievalGroundedness extends LlmJudge {
  readonly description =
    'Assess whether the facts in the response are implied by the information in the last retrieval step, i.e., hallucinations do not occur.';

  constructor(options: JudgeOptions = {}) {
    super('retrieval_groundedness', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback[]> {
    const { context, request, response } = requireRetrieval(input.trace, 'RetrievalGroundedness');
    const out: Feedback[] = [];
    for (const [spanId, chunks] of context) {
      const feedback = await this.ask(model, groundednessPrompt(request, response, renderChunks(chunks)));
      feedback.spanId = spanId;
      out.push(feedback);
    }
    return out;
  }
}

/**
 * RetrievalRelevance (`retrieval_relevance`): is each retrieved document relevant to the request?
 * Per retriever span: a `<name>/precision` feedback (the share of relevant documents) followed by one
 * `yes`/`no` feedback per document (metadata `chunk_index`), all attached to the span.
 */
export class RetrievalRelevance extends LlmJudge {
  readonly description = 'Evaluate whether each retrieved context chunk is relevant to the input request.';

  constructor(options: JudgeOptions = {}) {
    super('retrieval_relevance', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback[]> {
    const { context, request } = requireRetrieval(input.trace, 'RetrievalRelevance');
    const out: Feedback[] = [];
    for (const [spanId, chunks] of context) {
      const perChunk: Feedback[] = [];
      for (const [i, chunk] of chunks.entries()) {
        const text = typeof chunk.content === 'string' ? chunk.content : JSON.stringify(chunk.content ?? null);
        const feedback = await this.ask(model, chunkRelevancePrompt(request, text));
        feedback.metadata = { ...(feedback.metadata ?? {}), chunk_index: String(i) };
        feedback.spanId = spanId;
        perChunk.push(feedback);
      }
      if (perChunk.length === 0) continue;
      const relevant = perChunk.filter((f) => f.value === CategoricalRating.YES).length;
      out.push(
        new Feedback({
          name: `${this.name}/precision`,
          value: relevant / perChunk.length,
          source: (perChunk[0] as Feedback).source,
          spanId,
        }),
        ...perChunk,
      );
    }
    return out;
  }
}

/**
 * RetrievalSufficiency (`retrieval_sufficiency`): does what each top-level RETRIEVER span returned
 * contain everything `expected_response` / `expected_facts` needs? One `yes`/`no` feedback per
 * retriever span, attached to it.
 */
export class RetrievalSufficiency extends LlmJudge {
  readonly description =
    'Evaluate whether the information in the last retrieval is sufficient to generate the facts in expected_response or expected_facts.';

  constructor(options: JudgeOptions = {}) {
    super('retrieval_sufficiency', options);
  }

  protected async judge(input: ScorerInput, model: JudgeModel): Promise<Feedback[]> {
    const { context, request } = requireRetrieval(input.trace, 'RetrievalSufficiency');
    const fromTrace = expectationsFromTrace(input.trace) ?? {};
    const expectedFacts = input.expectations.expected_facts ?? fromTrace.expected_facts;
    const expectedResponse = input.expectations.expected_response ?? fromTrace.expected_response;
    if (
      (expectedFacts === undefined || expectedFacts === null) &&
      (expectedResponse === undefined || expectedResponse === null)
    ) {
      throw new JudgeError(
        'RetrievalSufficiency scorer requires either `expected_response` or `expected_facts` in the `expectations` dictionary.',
      );
    }
    const groundTruth = renderGroundTruth(expectedResponse, expectedFacts);
    const out: Feedback[] = [];
    for (const [spanId, chunks] of context) {
      const feedback = await this.ask(model, sufficiencyPrompt(request, renderChunks(chunks), groundTruth));
      feedback.spanId = spanId;
      out.push(feedback);
    }
    return out;
  }
}
