// Internal: recording which prompt versions a run or trace used, as MLflow records them: the
// `mlflow.linkedPrompts` tag (a JSON list of {name, version}) on the run, and on the trace and its
// active span.
import { InvalidParameterError } from '../../tracking/errors.js';
import { LINKED_PROMPTS_TAG_KEY } from './constants.js';
import { pyJsonDumpsAscii } from './python.js';

/** A prompt version reference as the linked-prompts tag lists it. */
export interface LinkedPrompt {
  name: string;
  version: string;
}

function sameEntry(a: unknown, b: LinkedPrompt): boolean {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
  const keys = Object.keys(a);
  const o = a as Record<string, unknown>;
  return keys.length === 2 && o.name === b.name && o.version === b.version;
}

/**
 * `update_linked_prompts_tag`: the tag value with the given versions appended (no duplicates), or the
 * current value unchanged when all are listed already. Throws when the current value is not a JSON list.
 */
export function updateLinkedPromptsTag(
  current: string | undefined | null,
  prompts: ReadonlyArray<{ name: string; version: number | string }>,
): string | undefined {
  let parsed: unknown[] = [];
  if (current !== undefined && current !== null) {
    let value: unknown;
    try {
      value = JSON.parse(current);
    } catch {
      throw new InvalidParameterError(`Invalid JSON format for '${LINKED_PROMPTS_TAG_KEY}' tag: ${current}`);
    }
    if (!Array.isArray(value))
      throw new InvalidParameterError(`Invalid format for '${LINKED_PROMPTS_TAG_KEY}' tag: ${current}`);
    parsed = value;
  }
  const toAdd: LinkedPrompt[] = [];
  for (const p of prompts) {
    const entry = { name: p.name, version: String(p.version) };
    if (!parsed.some((x) => sameEntry(x, entry)) && !toAdd.some((x) => sameEntry(x, entry))) toAdd.push(entry);
  }
  if (toAdd.length === 0) return current ?? undefined;
  return pyJsonDumpsAscii([...parsed, ...toAdd]);
}
