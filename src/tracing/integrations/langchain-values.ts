/**
 * @internal LangChain.js values as MLflow's Python LangChain autolog records them (`mlflow/langchain/
 * langchain_tracer.py`, `mlflow/langchain/utils/chat.py`). Duck-typed: nothing here loads @langchain/core.
 */
import { pyJsonDumps } from '../../internal/python-json.js';
import { TokenUsageKey } from '../../tracking/entities/index.js';

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The span name of a run without a run name: the serialized `name`, else the last `id` part (MLflow's `_assign_span_name`). */
export function assignSpanName(serialized: unknown, defaultName: string): string {
  if (!isDict(serialized)) return defaultName;
  if (typeof serialized.name === 'string' && serialized.name) return serialized.name;
  const id = serialized.id;
  if (Array.isArray(id) && id.length > 0) {
    const last = id[id.length - 1];
    if (typeof last === 'string' && last) return last;
  }
  return defaultName;
}

/** `serialized.id`'s last part of a LangChain `Serializable`, e.g. `StringPromptValue`; undefined for other values. */
function lcClassName(value: Dict): string | undefined {
  if (!Array.isArray(value.lc_namespace) || typeof value.toJSON !== 'function') return undefined;
  try {
    const json = (value.toJSON as () => unknown)();
    if (isDict(json) && Array.isArray(json.id)) {
      const last = json.id[json.id.length - 1];
      return typeof last === 'string' ? last : undefined;
    }
  } catch {
    // Not serializable: use the constructor's name.
  }
  return value.constructor?.name;
}

function isMessage(value: Dict): boolean {
  return (
    Array.isArray(value.lc_namespace) &&
    (value.lc_namespace as unknown[]).includes('messages') &&
    typeof value.type === 'string' &&
    'content' in value
  );
}

function isDocument(value: Dict): boolean {
  return typeof value.pageContent === 'string' && 'metadata' in value;
}

/** A LangChain message as Python's `BaseMessage.model_dump()` writes it (the message's own fields, snake_case). */
function messageDump(m: Dict, seen: Set<object>): Dict {
  const out: Dict = {
    content: convert(m.content, seen),
    additional_kwargs: convert(m.additional_kwargs ?? {}, seen),
    response_metadata: convert(m.response_metadata ?? {}, seen),
    type: m.type,
    name: m.name ?? null,
    id: m.id ?? null,
  };
  if (m.type === 'ai') {
    out.tool_calls = convert(m.tool_calls ?? [], seen);
    out.invalid_tool_calls = convert(m.invalid_tool_calls ?? [], seen);
    out.usage_metadata = convert(m.usage_metadata ?? null, seen);
  } else if (m.type === 'tool') {
    out.tool_call_id = m.tool_call_id ?? null;
    out.artifact = convert(m.artifact ?? null, seen);
    out.status = m.status ?? 'success';
  } else if (m.type === 'generic' || m.type === 'chat') {
    out.role = m.role ?? null;
  }
  return out;
}

/**
 * A chain's input or output as MLflow's `TraceJSONEncoder` would see the Python equivalent: prompt values
 * and messages as their pydantic dumps, documents as `{id, metadata, page_content, type}`, any other
 * LangChain `Serializable` as its constructor arguments; plain objects and arrays recursively.
 */
export function toMlflowValue(value: unknown): unknown {
  return convert(value, new Set());
}

function convert(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => convert(v, seen));
    const v = value as Dict;
    if (isMessage(v)) return messageDump(v, seen);
    if (isDocument(v)) {
      return { id: v.id ?? null, metadata: convert(v.metadata, seen), page_content: v.pageContent, type: 'Document' };
    }
    const lcName = lcClassName(v);
    if (lcName === 'StringPromptValue') return { text: v.value, type: 'StringPromptValue' };
    if (lcName === 'ChatPromptValue') return { messages: convert(v.messages, seen), type: 'ChatPromptValue' };
    if (lcName !== undefined) {
      const json = (v.toJSON as () => unknown)();
      if (isDict(json) && json.type === 'constructor' && isDict(json.kwargs)) return convert(json.kwargs, seen);
      return json;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
    const out: Dict = {};
    for (const [k, item] of Object.entries(v)) out[k] = convert(item, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Tool calls of an AI message in OpenAI form (MLflow's `_get_tool_calls_from_ai_message`). */
function toolCallsOf(m: Dict): Dict[] {
  const calls: Dict[] = [];
  for (const tc of (Array.isArray(m.tool_calls) ? m.tool_calls : []) as Dict[]) {
    calls.push({
      id: tc.id ?? null,
      type: 'function',
      function: { name: tc.name ?? null, arguments: pyJsonDumps(tc.args ?? {}) },
    });
  }
  for (const tc of (Array.isArray(m.invalid_tool_calls) ? m.invalid_tool_calls : []) as Dict[]) {
    calls.push({
      id: tc.id ?? null,
      type: 'function',
      function: { name: tc.name ?? null, arguments: tc.args ?? null },
    });
  }
  if (calls.length > 0) return calls;
  const legacy = isDict(m.additional_kwargs) ? m.additional_kwargs.tool_calls : undefined;
  return Array.isArray(legacy) ? (legacy as Dict[]) : [];
}

const ROLES: Record<string, string> = {
  ai: 'assistant',
  human: 'user',
  system: 'system',
  tool: 'tool',
  function: 'function',
};

/**
 * A LangChain message as MLflow's `ChatMessage` (`convert_lc_message_to_chat_message(...).model_dump()`):
 * `{role, content, tool_calls, refusal, tool_call_id}`. Throws for a message type MLflow does not map.
 */
export function toChatMessage(message: unknown): Dict {
  if (!isDict(message) || typeof message.type !== 'string') throw new TypeError('Not a LangChain message.');
  const type = message.type;
  const role = type === 'generic' || type === 'chat' ? message.role : ROLES[type];
  if (typeof role !== 'string') throw new TypeError(`Unexpected message type '${type}'.`);
  let content = toMlflowValue(message.content) ?? null;
  let toolCalls: Dict[] | null = null;
  if (type === 'ai') {
    const calls = toolCallsOf(message);
    if (calls.length > 0) {
      toolCalls = calls;
      // Anthropic repeats tool calls as `tool_use` content blocks.
      if (Array.isArray(content)) content = content.filter((c) => !(isDict(c) && c.type === 'tool_use'));
      if (content === '' || (Array.isArray(content) && content.length === 0)) content = null;
    }
  }
  return {
    role,
    content,
    tool_calls: toolCalls,
    refusal: null,
    tool_call_id: type === 'tool' ? (message.tool_call_id ?? null) : null,
  };
}

// MLflow's `_TOKEN_USAGE_KEY_MAPPING`, plus the camelCase keys of LangChain.js's `llmOutput.tokenUsage`.
const USAGE_KEY_MAP: Record<string, string> = {
  prompt_tokens: TokenUsageKey.INPUT_TOKENS,
  completion_tokens: TokenUsageKey.OUTPUT_TOKENS,
  total_tokens: TokenUsageKey.TOTAL_TOKENS,
  input_tokens: TokenUsageKey.INPUT_TOKENS,
  output_tokens: TokenUsageKey.OUTPUT_TOKENS,
  cache_read_input_tokens: 'cache_read_input_tokens',
  cache_creation_input_tokens: 'cache_creation_input_tokens',
  cached_content_token_count: 'cache_read_input_tokens',
  promptTokens: TokenUsageKey.INPUT_TOKENS,
  completionTokens: TokenUsageKey.OUTPUT_TOKENS,
  totalTokens: TokenUsageKey.TOTAL_TOKENS,
};

/** MLflow's `_parse_token_counts`: usage keys standardised, total computed when missing. */
export function parseTokenCounts(raw: unknown): Record<string, number> | null {
  if (!isDict(raw)) return null;
  const usage: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw)) {
    const mapped = USAGE_KEY_MAP[key];
    if (mapped && typeof value === 'number' && Number.isFinite(value)) usage[mapped] = value;
  }
  const inputDetails = raw.input_token_details;
  const promptDetails = raw.prompt_tokens_details;
  if (isDict(inputDetails) && Number.isInteger(inputDetails.cache_read))
    usage.cache_read_input_tokens ??= inputDetails.cache_read as number;
  if (isDict(inputDetails) && Number.isInteger(inputDetails.cache_creation)) {
    usage.cache_creation_input_tokens ??= inputDetails.cache_creation as number;
  }
  if (isDict(promptDetails) && Number.isInteger(promptDetails.cached_tokens))
    usage.cache_read_input_tokens ??= promptDetails.cached_tokens as number;
  if (Object.keys(usage).length === 0) return null;
  if (usage.total_tokens === undefined) usage.total_tokens = (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
  return usage;
}

function generationUsage(generation: unknown): Record<string, number> | null {
  if (!isDict(generation) || !isDict(generation.message)) return null;
  const m = generation.message;
  const meta = isDict(m.response_metadata) ? m.response_metadata : {};
  const raw = m.usage_metadata || meta.usage || meta.token_usage || meta.tokenUsage;
  return raw ? parseTokenCounts(raw) : null;
}

/**
 * Token usage of an LLM result (MLflow's `parse_token_usage`): from the generations' messages, the last
 * one when streaming, else summed. LangChain.js LLMs often report usage in `llmOutput.tokenUsage`
 * instead, which is read when the messages carry none.
 */
export function parseLLMResultUsage(result: unknown): Record<string, number> | null {
  if (!isDict(result)) return null;
  const generations = (Array.isArray(result.generations) ? result.generations : []).flat() as unknown[];
  const streaming = generations.some((g) => isDict(g) && g.constructor?.name === 'ChatGenerationChunk');
  let usage: Record<string, number> | null = null;
  if (streaming) {
    for (const g of generations) usage = generationUsage(g) ?? usage;
  } else {
    for (const g of generations) {
      const u = generationUsage(g);
      if (!u) continue;
      usage ??= {};
      for (const [k, v] of Object.entries(u)) usage[k] = (usage[k] ?? 0) + v;
    }
  }
  if (usage) return usage;
  const out = isDict(result.llmOutput) ? result.llmOutput : isDict(result.llm_output) ? result.llm_output : undefined;
  if (!out) return null;
  return parseTokenCounts(out.tokenUsage ?? out.token_usage ?? out.usage);
}

/**
 * The outputs of an LLM or chat-model span (MLflow 3.18's `on_llm_end`): one prompt's generations as
 * `{choices: [{message, finish_reason: null}]}`, else the whole result.
 */
export function llmResultOutputs(result: unknown): unknown {
  if (!isDict(result) || !Array.isArray(result.generations)) return toMlflowValue(result);
  const gens = result.generations as unknown[];
  if (gens.length === 1 && Array.isArray(gens[0])) {
    try {
      const choices = (gens[0] as unknown[]).map((g) => {
        const gd = isDict(g) ? g : {};
        const message = isDict(gd.message) ? toChatMessage(gd.message) : { role: 'assistant', content: gd.text ?? '' };
        return { message, finish_reason: null };
      });
      return { choices };
    } catch {
      // Fall through to the whole result, as MLflow does when normalising fails.
    }
  }
  return {
    generations: gens.map((list) =>
      (Array.isArray(list) ? list : []).map((g) => {
        const gd = isDict(g) ? g : {};
        const dump: Dict = {
          text: gd.text ?? '',
          generation_info: toMlflowValue(gd.generationInfo ?? gd.generation_info ?? null),
          type: isDict(gd.message) ? 'ChatGeneration' : 'Generation',
        };
        if (isDict(gd.message)) dump.message = toMlflowValue(gd.message);
        return dump;
      }),
    ),
    llm_output: toMlflowValue(result.llmOutput ?? null),
    run: null,
    type: 'LLMResult',
  };
}

/** Chat-model inputs (MLflow 3.18's `on_chat_model_start`): one conversation as `{messages: [ChatMessage]}`. */
export function chatModelInputs(messages: unknown): unknown {
  if (Array.isArray(messages) && messages.length === 1 && Array.isArray(messages[0])) {
    try {
      return { messages: (messages[0] as unknown[]).map(toChatMessage) };
    } catch {
      // A message MLflow cannot map: record the raw messages.
    }
  }
  return toMlflowValue(messages);
}

/** Tool definitions of `invocation_params.tools` as MLflow's `ChatTool` list (`_extract_tool_definitions`). */
export function chatTools(invocationParams: unknown): Dict[] {
  if (!isDict(invocationParams) || !Array.isArray(invocationParams.tools)) return [];
  const tools: Dict[] = [];
  for (const raw of invocationParams.tools as unknown[]) {
    if (!isDict(raw)) continue;
    if (raw.type === 'function' && isDict(raw.function) && typeof raw.function.name === 'string') {
      tools.push(toMlflowValue(raw) as Dict);
    } else if (typeof raw.name === 'string') {
      const fn: Dict = { name: raw.name };
      if (typeof raw.description === 'string') fn.description = raw.description;
      tools.push({ type: 'function', function: fn });
    }
  }
  return tools;
}

/** `mlflow.llm.model` and `mlflow.llm.provider` from run metadata and invocation params (`_extract_and_set_model_name`). */
export function modelAndProvider(metadata: unknown, invocationParams: unknown): { model?: string; provider?: string } {
  const meta = isDict(metadata) ? metadata : {};
  const params = isDict(invocationParams) ? invocationParams : {};
  const out: { model?: string; provider?: string } = {};
  const model = meta.ls_model_name || params.model || params.model_name || params.modelName;
  if (typeof model === 'string' && model) out.model = model;
  if (typeof meta.ls_provider === 'string' && meta.ls_provider) out.provider = meta.ls_provider;
  else if (typeof params._type === 'string' && params._type) {
    let provider = params._type;
    if (provider.endsWith('-chat')) provider = provider.slice(0, -'-chat'.length);
    if (provider.startsWith('chat-')) provider = provider.slice('chat-'.length);
    out.provider = provider;
  }
  return out;
}

/** A tool's input string parsed when it holds a literal (MLflow uses `ast.literal_eval`; JSON here). */
export function parseToolInput(input: unknown): unknown {
  if (typeof input !== 'string') return toMlflowValue(input);
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/** Retrieved documents as MLflow `Document`s: `{page_content, metadata, id}`. */
export function retrieverOutputs(documents: unknown): unknown {
  if (!Array.isArray(documents)) return toMlflowValue(documents);
  return documents.map((d) =>
    isDict(d) && typeof d.pageContent === 'string'
      ? { page_content: d.pageContent, metadata: toMlflowValue(d.metadata ?? {}), id: d.id ?? null }
      : toMlflowValue(d),
  );
}
