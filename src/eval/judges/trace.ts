/**
 * What judges read from a trace (`mlflow.genai.utils.trace_utils`): the root span's inputs and
 * outputs, HUMAN expectations logged on it, and the documents its top-level RETRIEVER spans returned.
 */

import { AssessmentSourceType, isExpectation } from '../../tracking/entities/assessment.js';
import { type Span, SpanType, type Trace } from '../../tracking/entities/index.js';

/** One retrieved document as judges see it: its text and, when known, its URI. */
export interface RetrievedChunk {
  content: unknown;
  doc_uri?: string;
}

/** The root span (no parent) of a trace, if any. */
export function rootSpan(trace: Trace | null | undefined): Span | undefined {
  return trace?.data?.spans?.find((s) => s.parentId === null);
}

/** HUMAN expectations logged on the trace, by name (`extract_expectations_from_trace`). */
export function expectationsFromTrace(trace: Trace | null | undefined): Record<string, unknown> | undefined {
  const list = trace?.info?.assessments;
  if (!list) return undefined;
  const out: Record<string, unknown> = {};
  for (const a of list) {
    if (isExpectation(a) && a.valid !== false && a.source.sourceType === AssessmentSourceType.HUMAN)
      out[a.name] = a.value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const CONTENT_KEYS = ['page_content', 'content', 'text'] as const;

/** `_parse_chunk`: a document dict becomes `{content, doc_uri?}`; anything else is skipped. */
function parseChunk(chunk: unknown): RetrievedChunk | undefined {
  if (!chunk || typeof chunk !== 'object' || Array.isArray(chunk)) return undefined;
  const c = chunk as Record<string, unknown>;
  const key = CONTENT_KEYS.find((k) => k in c);
  const doc: RetrievedChunk = { content: key === undefined ? null : c[key] };
  const metadata = c.metadata && typeof c.metadata === 'object' ? (c.metadata as Record<string, unknown>) : {};
  if (metadata.doc_uri) doc.doc_uri = String(metadata.doc_uri);
  return doc;
}

/**
 * `extract_retrieval_context_from_trace`: for each top-level RETRIEVER span (one not nested in
 * another retriever), its output documents, keyed by span id in trace order.
 */
export function retrievalContextFromTrace(trace: Trace | null | undefined): Map<string, RetrievedChunk[]> {
  const out = new Map<string, RetrievedChunk[]>();
  const spans = trace?.data?.spans ?? [];
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const span of spans) {
    if (span.spanType !== SpanType.RETRIEVER) continue;
    let parentId = span.parentId;
    let nested = false;
    while (parentId) {
      const parent = byId.get(parentId);
      if (!parent) break;
      if (parent.spanType === SpanType.RETRIEVER) {
        nested = true;
        break;
      }
      parentId = parent.parentId;
    }
    if (nested) continue;
    try {
      let outputs = span.outputs;
      if (typeof outputs === 'string') outputs = JSON.parse(outputs) as unknown;
      const docs = Array.isArray(outputs) ? outputs : [];
      out.set(
        span.spanId,
        docs.map(parseChunk).filter((c): c is RetrievedChunk => c !== undefined),
      );
    } catch {
      // An unreadable retriever output counts as no documents, as in MLflow.
    }
  }
  return out;
}

const isEmpty = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (typeof v === 'number' && Number.isNaN(v)) ||
  ((typeof v === 'string' || Array.isArray(v)) && v.length === 0) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * `parse_inputs_to_str`: a string as is; chat messages as the last message's text (several text
 * messages as JSON); anything else as JSON.
 */
export function inputsToText(value: unknown): string {
  if (isEmpty(value)) return ' ';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const messages = (value as { messages?: unknown }).messages;
    if (Array.isArray(messages) && messages.length > 0) {
      const contents = messages.map((m) =>
        m && typeof m === 'object' ? (m as { content?: unknown }).content : undefined,
      );
      if (contents.length > 1 && contents.every((c) => typeof c === 'string')) return JSON.stringify(messages);
      const last = contents[contents.length - 1];
      if (typeof last === 'string') return last;
    }
    // A single-field input reads best as its value.
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && typeof entries[0]?.[1] === 'string') return entries[0][1] as string;
  }
  return stringify(value);
}

/**
 * `parse_outputs_to_str`: a string as is; the first item of a list; OpenAI chat choices, chat
 * messages or Responses API output as the assistant's text; anything else as JSON.
 */
export function outputsToText(value: unknown): string {
  if (isEmpty(value)) return ' ';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return outputsToText(value[0]);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const choices = v.choices;
    if (Array.isArray(choices) && choices[0] && typeof choices[0] === 'object') {
      const content = (choices[0] as { message?: { content?: unknown } }).message?.content;
      if (typeof content === 'string') return content;
    }
    const messages = v.messages;
    if (Array.isArray(messages) && messages.length > 0) {
      const content = (messages[messages.length - 1] as { content?: unknown } | null)?.content;
      if (typeof content === 'string') return content;
    }
    const output = v.output;
    if (Array.isArray(output) && output.length > 0) {
      for (const item of [...output].reverse()) {
        const i = item as { role?: unknown; content?: unknown } | null;
        if (i?.role !== 'assistant') continue;
        if (typeof i.content === 'string') return i.content;
        if (Array.isArray(i.content)) {
          const parts = i.content
            .filter(
              (p) =>
                p && typeof p === 'object' && ['text', 'output_text'].includes((p as { type?: string }).type ?? ''),
            )
            .map((p) => (p as { text?: unknown }).text);
          if (parts.length > 0 && parts.every((t) => typeof t === 'string')) return parts.join('');
        }
      }
    }
  }
  return stringify(value);
}
