/**
 * Input examples in MLflow's files: `input_example.json` (a split frame for a data frame, the JSON value
 * otherwise, wrapped as `{"inputs", "params"}` when params are given) and `serving_input_example.json`
 * (the `/invocations` payload: `dataframe_split` or `inputs`, plus `params`), with the
 * `saved_input_example_info` the MLmodel records for them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pyJsonDumps } from '../internal/python-json.js';
import { Frame, isSplitFrame } from './frame.js';

/** File names MLflow uses. */
export const INPUT_EXAMPLE_FILE = 'input_example.json';
/** File name of the serving payload example. */
export const SERVING_INPUT_EXAMPLE_FILE = 'serving_input_example.json';

/** The `saved_input_example_info` block of an MLmodel. */
export interface SavedInputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  /** `'true'` (a string, as MLflow writes it) when the example carries params. */
  params?: string;
  serving_input_path?: string;
  [key: string]: unknown;
}

function toJsonValue(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)),
  );
}

/**
 * Writes an input example (and its params) into `dir` and returns the `saved_input_example_info`.
 * A split frame or {@link Frame} is saved as a `dataframe` in split orientation; anything else as `json_object`.
 */
export async function saveInputExample(
  dir: string,
  example: unknown,
  params?: Record<string, unknown>,
): Promise<SavedInputExampleInfo> {
  const hasParams = params !== undefined && Object.keys(params).length > 0;
  const isFrame = example instanceof Frame || isSplitFrame(example);
  const inputs = isFrame
    ? (() => {
        const split = example instanceof Frame ? example.toSplit() : example;
        return { columns: split.columns, data: split.data };
      })()
    : toJsonValue(example);
  const file = hasParams ? { inputs, params: toJsonValue(params) } : inputs;
  await writeFile(join(dir, INPUT_EXAMPLE_FILE), pyJsonDumps(file));

  const serving: Record<string, unknown> = isFrame ? { dataframe_split: inputs } : { inputs };
  if (hasParams) serving.params = toJsonValue(params);
  await writeFile(join(dir, SERVING_INPUT_EXAMPLE_FILE), JSON.stringify(serving, null, 2));

  const info: SavedInputExampleInfo = {
    artifact_path: INPUT_EXAMPLE_FILE,
    type: isFrame ? 'dataframe' : 'json_object',
  };
  if (isFrame) info.pandas_orient = 'split';
  if (hasParams) info.params = 'true';
  info.serving_input_path = SERVING_INPUT_EXAMPLE_FILE;
  return info;
}

/** An input example read back: the input (a split frame for `dataframe` examples) and its params. */
export interface LoadedInputExample {
  input: unknown;
  params?: Record<string, unknown>;
}

/** Reads the input example a model directory records in its `saved_input_example_info`. */
export async function loadInputExample(dir: string, info: SavedInputExampleInfo): Promise<LoadedInputExample> {
  const raw = JSON.parse(await readFile(join(dir, info.artifact_path), 'utf8')) as Record<string, unknown>;
  const withParams = info.params === 'true' || info.params === (true as unknown);
  const body = withParams ? raw.inputs : raw;
  const params = withParams ? (raw.params as Record<string, unknown>) : undefined;
  if (info.type === 'dataframe') {
    const split = body as { columns?: Array<string | number>; data: unknown[][] };
    const input = { columns: split.columns ?? split.data[0]?.map((_, i) => i) ?? [], data: split.data };
    return params ? { input, params } : { input };
  }
  return params ? { input: body, params } : { input: body };
}
