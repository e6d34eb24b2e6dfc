// Internal: MLflow's `PromptModelConfig` validation and dict form, so a model config stored by this SDK
// is the JSON Python MLflow stores for the same settings.
import { InvalidParameterError } from '../../tracking/errors.js';
import { PyFloat } from './python.js';

/**
 * A prompt's model configuration (MLflow's `PromptModelConfig`): the model and its inference settings.
 * Keys may be given in camelCase or in MLflow's snake_case; any other key is an extra, provider-specific
 * parameter stored as given (merged at the top level, as MLflow's `to_dict` does).
 */
export interface PromptModelConfig {
  /** e.g. `openai`, `anthropic`. */
  provider?: string | null;
  /** e.g. `gpt-4o-mini` (`model_name`). */
  modelName?: string | null;
  /** Sampling temperature, >= 0. */
  temperature?: number | null;
  /** Maximum tokens to generate, an integer > 0 (`max_tokens`). */
  maxTokens?: number | null;
  /** Nucleus sampling, 0..1 (`top_p`). */
  topP?: number | null;
  /** Top-k sampling, an integer > 0 (`top_k`). */
  topK?: number | null;
  /** `frequency_penalty`. */
  frequencyPenalty?: number | null;
  /** `presence_penalty`. */
  presencePenalty?: number | null;
  /** Sequences that stop generation (`stop_sequences`). */
  stopSequences?: string[] | null;
  /** Provider-specific parameters, merged at the top level (`extra_params`). */
  extraParams?: Record<string, unknown>;
  /** Further extra parameters, given directly. */
  [key: string]: unknown;
}

type Kind = 'str' | 'float' | 'int' | 'strlist';
interface FieldRule {
  kind: Kind;
  ge?: number;
  gt?: number;
  le?: number;
}

/** MLflow's known fields, in declaration order (the order `to_dict` writes them). */
const FIELDS: ReadonlyArray<[string, string, FieldRule]> = [
  ['provider', 'provider', { kind: 'str' }],
  ['model_name', 'modelName', { kind: 'str' }],
  ['temperature', 'temperature', { kind: 'float', ge: 0 }],
  ['max_tokens', 'maxTokens', { kind: 'int', gt: 0 }],
  ['top_p', 'topP', { kind: 'float', ge: 0, le: 1 }],
  ['top_k', 'topK', { kind: 'int', gt: 0 }],
  ['frequency_penalty', 'frequencyPenalty', { kind: 'float' }],
  ['presence_penalty', 'presencePenalty', { kind: 'float' }],
  ['stop_sequences', 'stopSequences', { kind: 'strlist' }],
];

function bad(field: string, value: unknown, why: string): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid model config: '${field}' ${why}, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

function coerce(field: string, value: unknown, rule: FieldRule): unknown {
  switch (rule.kind) {
    case 'str':
      if (typeof value !== 'string') throw bad(field, value, 'must be a string');
      return value;
    case 'strlist':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw bad(field, value, 'must be a list of strings');
      }
      return [...value];
    case 'float':
    case 'int': {
      // pydantic's lax mode: numeric strings parse; an integral float is an int.
      let n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (value instanceof PyFloat) n = value.value;
      if (typeof n !== 'number' || Number.isNaN(n))
        throw bad(field, value, `must be ${rule.kind === 'int' ? 'an integer' : 'a number'}`);
      if (rule.kind === 'int' && !Number.isInteger(n)) throw bad(field, value, 'must be an integer');
      if (rule.ge !== undefined && !(n >= rule.ge))
        throw bad(field, value, `must be greater than or equal to ${rule.ge}`);
      if (rule.gt !== undefined && !(n > rule.gt)) throw bad(field, value, `must be greater than ${rule.gt}`);
      if (rule.le !== undefined && !(n <= rule.le)) throw bad(field, value, `must be less than or equal to ${rule.le}`);
      return rule.kind === 'float' ? new PyFloat(n) : n;
    }
  }
}

/**
 * `PromptModelConfig.from_dict(config).to_dict()`: validates the known fields (types and bounds, as
 * pydantic does), drops unset ones, and merges extra parameters at the top level. Float fields are
 * {@link PyFloat}s so `1` is stored as `1.0`, as Python stores it.
 */
export function modelConfigToDict(config: PromptModelConfig | Record<string, unknown>): Record<string, unknown> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidParameterError(
      `modelConfig must be an object, got ${Array.isArray(config) ? 'an array' : typeof config}.`,
    );
  }
  const known: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  const byCamel = new Map(FIELDS.map(([snake, camel]) => [camel, snake]));
  const snakes = new Set(FIELDS.map(([snake]) => snake));
  for (const [key, value] of Object.entries(config)) {
    if (key === 'extraParams') {
      if (value === undefined || value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) throw bad('extra_params', value, 'must be an object');
      Object.assign(extra, value);
      continue;
    }
    const snake = snakes.has(key) ? key : byCamel.get(key);
    if (snake === undefined) {
      if (value !== undefined) extra[key] = value;
      continue;
    }
    if (Object.hasOwn(known, snake) && key !== snake) continue; // the snake_case spelling wins
    known[snake] = value;
  }
  const out: Record<string, unknown> = {};
  for (const [snake, , rule] of FIELDS) {
    const value = known[snake];
    if (value === undefined || value === null) continue;
    out[snake] = coerce(snake, value, rule);
  }
  Object.assign(out, extra);
  return out;
}
