// Internal: MLflow's double-brace template rules (`format_prompt`, `PROMPT_TEMPLATE_VARIABLE_PATTERN`,
// `to_single_brace_format`), applied to text and chat templates exactly as Python applies them.
import { PROMPT_TEMPLATE_VARIABLE_PATTERN } from './constants.js';
import { pyJsonDumpsAscii, pyStr } from './python.js';

/** One message of a chat template. MLflow keeps other keys in storage; formatting keeps role and content. */
export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** A prompt template: text, or chat messages. */
export type PromptTemplate = string | ChatMessage[];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The template as one text: itself, or the messages as Python's `json.dumps` writes them (the stored tag). */
export function templateText(template: PromptTemplate): string {
  return typeof template === 'string' ? template : pyJsonDumpsAscii(template);
}

/**
 * The variables of a template, in order of first appearance: `{{ name }}` and `{{ a.b }}` with Jinja2's
 * identifier rules. For chat templates MLflow looks in the JSON text of the messages, so do we.
 */
export function templateVariables(template: PromptTemplate): string[] {
  const seen = new Set<string>();
  for (const m of templateText(template).matchAll(PROMPT_TEMPLATE_VARIABLE_PATTERN)) seen.add(m[1] as string);
  return [...seen];
}

/**
 * `format_prompt`: replaces `{{ key }}` for each given key in one pass (so inserted text is never
 * formatted again), inserting Python's `str()` of the value. Keys need not be identifiers.
 */
export function formatPromptText(text: string, values: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(values);
  if (keys.length === 0) return text;
  const pattern = new RegExp(`\\{\\{\\s*(${keys.map(escapeRegExp).join('|')})\\s*\\}\\}`, 'g');
  return text.replace(pattern, (_m, key: string) => pyStr(values[key]));
}

/**
 * `to_single_brace_format`: `{{ var }}` becomes `{var}` for each variable (on the JSON text for chat
 * templates). As in MLflow, the variable is used as a regular expression unescaped.
 */
export function toSingleBrace(template: PromptTemplate, variables: readonly string[]): PromptTemplate {
  let t = templateText(template);
  for (const v of variables) t = t.replace(new RegExp(`\\{\\{\\s*${v}\\s*\\}\\}`, 'g'), () => `{${v}}`);
  return typeof template === 'string' ? t : (JSON.parse(t) as ChatMessage[]);
}
