/**
 * What can judge: a LangChain.js chat model (any `BaseChatModel`, or any runnable taking chat
 * messages), a plain async function from prompt text to reply text (a transformers.js
 * text-generation pipeline works too), or a {@link JudgeModel}. Nothing from LangChain is imported:
 * models are driven through their `invoke` method.
 */

import { invalidParameter } from '../../tracking/errors.js';

/** The prompt a judge receives: instructions (system) and the case to judge (user). */
export interface JudgePrompt {
  system: string;
  user: string;
}

/** A judge's raw reply and what it cost, when the model reports it. */
export interface JudgeReply {
  text: string;
  inputTokens?: number;
  outputTokens?: number;
}

/** A normalised judge model: an id (the assessments' `source_id`) and one call. */
export interface JudgeModel {
  /** e.g. `openai:/gpt-4o-mini`; recorded as the LLM_JUDGE source id of every feedback. */
  readonly id: string;
  complete(prompt: JudgePrompt, options?: { signal?: AbortSignal }): Promise<JudgeReply>;
}

/** The part of a LangChain.js chat model (or runnable) a judge uses. */
export interface ChatModelLike {
  invoke(input: unknown, options?: unknown): Promise<unknown>;
  _llmType?: () => string;
}

/** A function judge: receives the whole prompt as text, returns the reply (or a message-like object). */
export type JudgeFunction = (prompt: string, context: { system: string; user: string }) => unknown;

/** Anything accepted where a judge model is expected. */
export type JudgeModelLike = JudgeModel | ChatModelLike | JudgeFunction;

let defaultModel: JudgeModelLike | undefined;

/**
 * Sets the model the built-in judges use when they are created without one (MLflow reads its
 * default judge from configuration; there is no network default here). `undefined` clears it.
 */
export function setDefaultJudgeModel(model: JudgeModelLike | undefined, modelId?: string): void {
  defaultModel = model === undefined ? undefined : toJudgeModel(model, modelId);
}

/** The model set by {@link setDefaultJudgeModel}, if any. */
export function getDefaultJudgeModel(): JudgeModel | undefined {
  return defaultModel as JudgeModel | undefined;
}

function isJudgeModel(value: unknown): value is JudgeModel {
  const v = value as JudgeModel;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.complete === 'function';
}

function isChatModel(value: unknown): value is ChatModelLike {
  return typeof value === 'object' && value !== null && typeof (value as ChatModelLike).invoke === 'function';
}

/** Text of a model reply: a string, a LangChain message (string or content-part list), or a generation. */
export function replyText(reply: unknown): string {
  if (typeof reply === 'string') return reply;
  if (Array.isArray(reply)) {
    // transformers.js pipelines answer `[{generated_text}]`; content parts are `{type: 'text', text}`.
    return reply.map((part) => replyText(part)).join('');
  }
  if (reply && typeof reply === 'object') {
    const r = reply as Record<string, unknown>;
    if ('content' in r) return replyText(r.content);
    if (typeof r.text === 'string') return r.text;
    if ('generated_text' in r) {
      const g = r.generated_text;
      // Chat-style pipelines return the whole conversation; the reply is its last message.
      return Array.isArray(g) ? replyText(g[g.length - 1]) : replyText(g);
    }
  }
  return reply === undefined || reply === null ? '' : String(reply);
}

function usageOf(reply: unknown): { inputTokens?: number; outputTokens?: number } {
  const usage = (reply as { usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } } | null)
    ?.usage_metadata;
  const out: { inputTokens?: number; outputTokens?: number } = {};
  if (typeof usage?.input_tokens === 'number') out.inputTokens = usage.input_tokens;
  if (typeof usage?.output_tokens === 'number') out.outputTokens = usage.output_tokens;
  return out;
}

/** `provider:/model` for a LangChain model: its `_llmType()` and its model name (or class name). */
function chatModelId(model: ChatModelLike): string {
  const m = model as ChatModelLike & { model?: unknown; modelName?: unknown; constructor?: { name?: string } };
  let provider = 'langchain';
  try {
    const t = m._llmType?.();
    if (typeof t === 'string' && t) provider = t;
  } catch {
    // some runnables have no type
  }
  const name =
    (typeof m.model === 'string' && m.model) ||
    (typeof m.modelName === 'string' && m.modelName) ||
    m.constructor?.name ||
    'model';
  return `${provider}:/${name}`;
}

/**
 * Normalises a judge model. `modelId` overrides the derived id (`<_llmType>:/<model name>` for
 * LangChain models, `custom:/<function name>` for functions).
 */
export function toJudgeModel(model: JudgeModelLike, modelId?: string): JudgeModel {
  if (isJudgeModel(model)) return modelId ? { id: modelId, complete: (p, o) => model.complete(p, o) } : model;
  if (isChatModel(model)) {
    return {
      id: modelId ?? chatModelId(model),
      async complete(prompt, options = {}) {
        const messages = [
          ['system', prompt.system],
          ['human', prompt.user],
        ];
        const reply = await model.invoke(messages, options.signal ? { signal: options.signal } : undefined);
        return { text: replyText(reply), ...usageOf(reply) };
      },
    };
  }
  if (typeof model === 'function') {
    return {
      id: modelId ?? `custom:/${model.name || 'judge'}`,
      async complete(prompt) {
        const reply = await model(`${prompt.system}\n\n${prompt.user}`, { system: prompt.system, user: prompt.user });
        return { text: replyText(reply), ...usageOf(reply) };
      },
    };
  }
  throw invalidParameter(
    `Invalid judge model ${String(model)}: expected a LangChain chat model, a function (prompt => reply) or a JudgeModel.`,
  );
}
