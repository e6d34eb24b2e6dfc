// Internal: turning a `responseFormat` (a JSON schema, or a zod schema) into the JSON schema MLflow
// stores, shaped the way pydantic's `model_json_schema()` shapes the schema of the same model.
import { toJSONSchema } from 'zod';
import { InvalidParameterError } from '../../tracking/errors.js';

/** A JSON schema, or any JSON object describing the expected response (MLflow stores dicts as given). */
export type JsonSchema = Record<string, unknown>;

/** A zod 4 schema (anything with zod's `_zod` internals). */
export interface ZodSchemaLike {
  _zod: unknown;
}

/** What `responseFormat` accepts: a JSON schema object, or a zod 4 schema to convert. */
export type ResponseFormatInput = JsonSchema | ZodSchemaLike;

/** True for a zod 4 schema. */
export function isZodSchema(value: unknown): value is ZodSchemaLike {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

// zod bounds `.int()` to the safe-integer range; pydantic writes no bound for `int`.
const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** `str.title()`: upper-case a cased character after an uncased one, lower-case the rest. */
function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (prevCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevCased = cased;
  }
  return out;
}

/** pydantic's `get_title_from_name`. */
export function titleFromName(name: string): string {
  return pyTitle(name).replaceAll('_', ' ').trim();
}

function pydanticShape(node: unknown, parentKey: string | null): unknown {
  if (Array.isArray(node)) return node.map((x) => pydanticShape(x, parentKey));
  if (typeof node !== 'object' || node === null) return node;
  const obj: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  const isSchema = parentKey !== 'properties' && parentKey !== 'default' && parentKey !== '$defs';
  if (isSchema) {
    if (obj.type === 'integer' && obj.minimum === SAFE_MIN) delete obj.minimum;
    if (obj.type === 'integer' && obj.maximum === SAFE_MAX) delete obj.maximum;
    // pydantic writes `Optional[X]` as anyOf [X, null], zod as a type list.
    if (Array.isArray(obj.type) && obj.type.length === 2 && obj.type.includes('null')) {
      const other = obj.type.find((t) => t !== 'null');
      const { type: _t, title, description, default: dflt, ...rest } = obj;
      const shaped: Record<string, unknown> = { anyOf: [{ ...rest, type: other }, { type: 'null' }] };
      if (title !== undefined) shaped.title = title;
      if (description !== undefined) shaped.description = description;
      if (dflt !== undefined) shaped.default = dflt;
      return pydanticShape(shaped, parentKey);
    }
    const props = obj.properties;
    if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
      const titled: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) {
        const prop = typeof v === 'object' && v !== null ? { ...(v as Record<string, unknown>) } : v;
        if (typeof prop === 'object' && prop !== null && !('$ref' in prop) && !('title' in prop)) {
          (prop as Record<string, unknown>).title = titleFromName(k);
        }
        titled[k] = prop;
      }
      obj.properties = titled;
    }
  }
  const keys = Object.keys(obj);
  if (parentKey !== 'properties' && parentKey !== 'default') keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = pydanticShape(obj[k], k);
  return out;
}

/**
 * The JSON schema of a zod 4 schema as MLflow would store the matching pydantic model's: the input
 * shape (fields with defaults are not required), no `$schema`, no safe-integer bounds, `anyOf` for
 * nullable fields, a title on each property (pydantic's rule), keys sorted as pydantic sorts them.
 * The model's own title comes from `.meta({ title })`; nested objects stay inline (pydantic uses `$defs`).
 */
export function zodToPromptJsonSchema(schema: ZodSchemaLike): JsonSchema {
  let raw: Record<string, unknown>;
  try {
    raw = toJSONSchema(schema as never, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw new InvalidParameterError(
      `Cannot convert the zod responseFormat to a JSON schema: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  delete raw.$schema;
  return pydanticShape(raw, null) as JsonSchema;
}

/** `PromptVersion.convert_response_format_to_dict`: a zod schema is converted, a plain object kept as given. */
export function responseFormatToDict(format: ResponseFormatInput): JsonSchema {
  if (isZodSchema(format)) return zodToPromptJsonSchema(format);
  if (typeof format !== 'object' || format === null || Array.isArray(format)) {
    throw new InvalidParameterError(
      `responseFormat must be a JSON schema object or a zod schema, got ${Array.isArray(format) ? 'an array' : typeof format}.`,
    );
  }
  if ('_def' in format && typeof (format as { safeParse?: unknown }).safeParse === 'function') {
    throw new InvalidParameterError(
      'responseFormat: zod 3 schemas are not supported; use zod 4 or pass a JSON schema.',
    );
  }
  return format;
}
