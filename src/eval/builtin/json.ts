import { Feedback } from '../../tracking/entities/assessment.js';
import { InvalidParameterError } from '../../tracking/errors.js';
import { type CustomScorer, scorer } from '../scorer.js';
import type { Aggregation } from '../types.js';

/** Options of {@link validJson}. */
export interface ValidJsonOptions {
  name?: string;
  aggregations?: readonly Aggregation[];
}

function parseOutput(outputs: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof outputs !== 'string') {
    // Already structured (an object, list, number...): valid JSON unless it cannot be serialised.
    if (outputs === undefined) return { ok: false, error: 'The output is empty.' };
    try {
      JSON.stringify(outputs);
      return { ok: true, value: outputs };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  try {
    return { ok: true, value: JSON.parse(stripFence(outputs)) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** A ```json fenced block is read as its content (models often answer that way). */
function stripFence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return m ? (m[1] as string) : text;
}

/** True when the output is JSON (a string that parses, or an already structured value). */
export function validJson(options: ValidJsonOptions = {}): CustomScorer {
  const name = options.name ?? 'valid_json';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) => {
    const parsed = parseOutput(input.outputs);
    return new Feedback({ name, value: parsed.ok, rationale: parsed.ok ? null : `Invalid JSON: ${parsed.error}` });
  });
}

/** Anything with zod's `safeParse` (a zod schema). */
export interface SafeParseSchema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues?: Array<{ path?: PropertyKey[]; message?: string }>; message?: string };
  };
}

/** Options of {@link schemaMatch}. */
export interface SchemaMatchOptions extends ValidJsonOptions {
  /** The zod schema the output (parsed from JSON when it is a string) must satisfy. */
  schema: SafeParseSchema;
}

/** True when the output (JSON text or a value) satisfies a zod schema; the rationale lists the issues. */
export function schemaMatch(options: SchemaMatchOptions): CustomScorer {
  if (!options?.schema || typeof options.schema.safeParse !== 'function') {
    throw new InvalidParameterError('schemaMatch needs `schema`: a zod schema (anything with safeParse).');
  }
  const name = options.name ?? 'schema_match';
  return scorer({ name, ...(options.aggregations ? { aggregations: options.aggregations } : {}) }, (input) => {
    const parsed = parseOutput(input.outputs);
    if (!parsed.ok) return new Feedback({ name, value: false, rationale: `Invalid JSON: ${parsed.error}` });
    const result = options.schema.safeParse(parsed.value);
    if (result.success) return new Feedback({ name, value: true, rationale: null });
    const issues = result.error?.issues ?? [];
    const text = issues.length
      ? issues.map((i) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`).join('; ')
      : (result.error?.message ?? 'invalid');
    return new Feedback({ name, value: false, rationale: `Schema mismatch: ${text}` });
  });
}
