import { pyJsonDumps, pyJsonLoads } from '../internal/python-json.js';
import {
  MAX_CHARS_IN_TRACE_METADATA,
  type Span,
  SpanAttributeKey,
  TRACE_PREVIEW_MAX_LENGTH,
} from '../tracking/entities/index.js';

/** MLflow's `_truncate_metadata`: the trace inputs/outputs metadata, cut to 250 characters. */
export function truncateMetadata(value: unknown): string {
  if (typeof value !== 'string' || !value) return '';
  if (value.length <= MAX_CHARS_IN_TRACE_METADATA) return value;
  return `${value.slice(0, MAX_CHARS_IN_TRACE_METADATA - 3)}...`;
}

type Message = { role?: unknown; content?: unknown };

function isMessage(item: unknown): item is Message {
  return item !== null && typeof item === 'object' && !Array.isArray(item) && 'role' in item && 'content' in item;
}

function extractMessages(obj: unknown): Message[] | null {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  if (Array.isArray(o.messages) && o.messages.length > 0) return o.messages.filter(isMessage);
  if (Array.isArray(o.choices) && o.choices.length > 0) {
    const first = o.choices[0] as Record<string, unknown> | undefined;
    if (first && typeof first === 'object' && isMessage(first.message)) return [first.message];
  }
  if (Array.isArray(o.input) && o.input.length > 0) return o.input.filter(isMessage);
  if (Array.isArray(o.output) && o.output.length > 0) return o.output.filter(isMessage);
  if ('request' in o) return extractMessages(o.request);
  return null;
}

function textContent(msg: Message | undefined): string | null {
  if (!msg) return null;
  const content = msg.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts = content
      .filter((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'text')
      .map((p) => String((p as { text?: unknown }).text ?? ''));
    return texts.length ? texts.join(' ') : null;
  }
  return null;
}

/**
 * MLflow's `_get_truncated_preview` (OSS limit, 1000 characters): the last chat message of the role
 * when the value holds chat messages, else the JSON itself.
 */
export function truncatedPreview(raw: unknown, role: 'user' | 'assistant'): string | null {
  if (raw === undefined || raw === null) return null;
  let text = typeof raw === 'string' ? raw : pyJsonDumps(raw);
  let obj: unknown;
  // Chat messages need a "role" key: without one there is nothing to extract, so skip the parse.
  if (text.includes('"role"')) {
    try {
      obj = pyJsonLoads(text);
    } catch {
      obj = undefined;
    }
  }
  const messages = extractMessages(obj);
  if (messages && messages.length > 0) {
    const last = [...messages].reverse().find((m) => m.role === role) ?? messages[messages.length - 1];
    const content = textContent(last);
    if (content) text = content;
  }
  if (text.includes('\u0000')) text = text.replaceAll('\u0000', '\ufffd');
  if (text.length <= TRACE_PREVIEW_MAX_LENGTH) return text;
  return `${text.slice(0, TRACE_PREVIEW_MAX_LENGTH - 3)}...`;
}

const USAGE_KEYS = ['input_tokens', 'output_tokens', 'total_tokens'] as const;
const OPTIONAL_USAGE_KEYS = [
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'cache_creation_input_tokens_above_1hr',
] as const;

/**
 * MLflow's `aggregate_usage_from_spans`: token usage summed over the trace, counting a span only when no
 * ancestor already carries usage (so roll-up parents are not double counted). Null when no span has any.
 */
export function aggregateTokenUsage(
  spans: Array<{ spanId: string; parentId: string | null; usage: unknown }>,
): Record<string, number> | null {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, typeof spans>();
  const roots: typeof spans = [];
  for (const s of spans) {
    if (s.parentId && ids.has(s.parentId)) {
      const list = children.get(s.parentId);
      if (list) list.push(s);
      else children.set(s.parentId, [s]);
    } else roots.push(s);
  }
  const totals: Record<string, number> = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  let hasData = false;
  const stack: Array<[(typeof spans)[number], boolean]> = roots.map((r) => [r, false]);
  while (stack.length) {
    const [node, ancestorHas] = stack.pop() as [(typeof spans)[number], boolean];
    const data = node.usage && typeof node.usage === 'object' ? (node.usage as Record<string, unknown>) : null;
    if (data && !ancestorHas) {
      for (const k of USAGE_KEYS) totals[k] = (totals[k] as number) + num(data[k]);
      for (const k of OPTIONAL_USAGE_KEYS) if (k in data) totals[k] = (totals[k] ?? 0) + num(data[k]);
      hasData = true;
    }
    for (const c of children.get(node.spanId) ?? []) stack.push([c, ancestorHas || data !== null]);
  }
  return hasData ? totals : null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Token usage of finished spans (their `mlflow.chat.tokenUsage`), aggregated. */
export function tokenUsageOfSpans(spans: Span[]): Record<string, number> | null {
  return aggregateTokenUsage(
    spans.map((s) => ({ spanId: s.spanId, parentId: s.parentId, usage: s.getAttribute(SpanAttributeKey.CHAT_USAGE) })),
  );
}
