/**
 * The configuration of the lifecycle pipeline (`runE2E` and the `mlflow-genai` CLI): one zod schema,
 * resolved from arguments > a config file (JSON or YAML) > environment > defaults, validated before any
 * work starts. Every invalid value is refused with an {@link InvalidParameterError} naming the field, the
 * value and where it came from.
 */

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidParameterError, isMlflowError } from '../tracking/errors.js';
import { validateAliasName, validateAliasNameReserved, validateModelName } from '../tracking/registry/validation.js';
import { validateExperimentName } from '../tracking/validation.js';
import { ENV, readEnv } from './env.js';
import { parseTrackingUri } from './uri.js';

/** The model id that selects the offline tiny GPT-2 the SDK generates itself (no download). */
export const TINY_GPT2_MODEL = 'tiny-gpt2';

/** Experiment the pipeline records into when none is configured. */
export const DEFAULT_E2E_EXPERIMENT_NAME = 'mlflow-genai-e2e';

/** Registered model name the pipeline registers its chain under when none is configured. */
export const DEFAULT_E2E_REGISTERED_MODEL_NAME = 'mlflow-genai-e2e-model';

/** Alias the deployment workflow points at the new model version when none is configured. */
export const DEFAULT_E2E_ALIAS = 'champion';

/** Port of the scoring server when none is configured (5000 is left to `mlflow server`). */
export const DEFAULT_E2E_SERVE_PORT = 5001;

/** Questions the pipeline asks when none are configured. */
export const DEFAULT_E2E_TEST_QUESTIONS: readonly string[] = Object.freeze([
  'What is MLflow?',
  'How do I track experiments with MLflow?',
  'What is a model registry used for?',
]);

/**
 * Scorers the pipeline evaluates with when none are configured: names of the evaluation layer's
 * deterministic built-in scorers, so the default run needs no judge model.
 */
export const DEFAULT_E2E_SCORERS: readonly string[] = Object.freeze(['success', 'latency', 'token_count']);

/**
 * Environment variables read by {@link resolveE2EConfig}, by config field. MLflow's own variables where
 * MLflow has one (tracking, registry, experiment, S3 endpoint), `MLFLOW_GENAI_*` for the rest.
 */
export const E2E_ENV = {
  model: 'MLFLOW_GENAI_MODEL',
  maxNewTokens: 'MLFLOW_GENAI_MAX_NEW_TOKENS',
  temperature: 'MLFLOW_GENAI_TEMPERATURE',
  doSample: 'MLFLOW_GENAI_DO_SAMPLE',
  topK: 'MLFLOW_GENAI_TOP_K',
  topP: 'MLFLOW_GENAI_TOP_P',
  repetitionPenalty: 'MLFLOW_GENAI_REPETITION_PENALTY',
  experimentName: ENV.EXPERIMENT_NAME,
  trackingUri: ENV.TRACKING_URI,
  registryUri: ENV.REGISTRY_URI,
  dataDir: 'MLFLOW_GENAI_DATA_DIR',
  s3EndpointUrl: 'MLFLOW_S3_ENDPOINT_URL',
  registeredModelName: 'MLFLOW_GENAI_REGISTERED_MODEL_NAME',
  alias: 'MLFLOW_GENAI_MODEL_ALIAS',
  testQuestions: 'MLFLOW_GENAI_TEST_QUESTIONS',
  scorers: 'MLFLOW_GENAI_SCORERS',
  prompts: 'MLFLOW_GENAI_ENABLE_PROMPTS',
  evaluation: 'MLFLOW_GENAI_ENABLE_EVALUATION',
  registration: 'MLFLOW_GENAI_ENABLE_REGISTRATION',
  tracing: 'MLFLOW_GENAI_ENABLE_TRACING',
  servePort: 'MLFLOW_GENAI_SERVE_PORT',
  quiet: 'MLFLOW_GENAI_QUIET',
  json: 'MLFLOW_GENAI_JSON',
} as const satisfies Record<string, string>;

// ---------------------------------------------------------------------------------------------------------
// Schema

/** Renders a rejected value for a message: strings quoted, the rest as JSON, long values cut. */
function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = `'${value}'`;
  else if (value === undefined) text = 'nothing';
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => `expected ${what}, got ${show(issue.input)}`,
});

const positiveInt = (what = 'a positive integer') =>
  z.number(expected(what)).int(expected(what)).positive(expected(what));

const bool = () => z.boolean(expected('true or false'));

/** A string checked by one of the SDK's MLflow validators; its message is kept after the field name. */
const validated = (what: string, check: (value: string) => void) =>
  z.string(expected(what)).superRefine((value, ctx) => {
    try {
      check(value);
    } catch (err) {
      const reason = isMlflowError(err) ? err.message : String(err);
      ctx.addIssue({ code: 'custom', message: `invalid value ${show(value)}: ${reason}`, input: value });
    }
  });

const nonEmpty = (what = 'a non-empty string') =>
  z.string(expected(what)).refine((s) => s.trim().length > 0, expected(what));

const trackingUriField = () =>
  validated('a tracking URI (sqlite:///<path> or http(s)://<host>)', (value) => {
    parseTrackingUri(value);
  });

const dataDirField = () =>
  nonEmpty('a local folder or s3://bucket/prefix').superRefine((value, ctx) => {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(value)?.[1]?.toLowerCase();
    if (scheme === undefined || scheme === 'file') return;
    if (scheme === 's3') {
      if (!/^s3:\/\/[^/?#]+/i.test(value)) {
        ctx.addIssue({ code: 'custom', message: `expected s3://bucket/prefix, got ${show(value)}`, input: value });
      }
      return;
    }
    ctx.addIssue({
      code: 'custom',
      message: `expected a local folder or s3://bucket/prefix, got ${show(value)}`,
      input: value,
    });
  });

const httpUrlField = () =>
  nonEmpty('an http(s) URL').superRefine((value, ctx) => {
    let ok = false;
    try {
      ok = /^https?:$/.test(new URL(value).protocol);
    } catch {
      ok = false;
    }
    if (!ok) ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got ${show(value)}`, input: value });
  });

/** One test question: the question text and, optionally, MLflow expectations for the scorers. */
const testQuestionSchema = z.union(
  [
    nonEmpty('a non-empty question'),
    z.strictObject({
      question: nonEmpty('a non-empty question'),
      // A refinement rather than z.record: its failure keeps the union from hiding the field's message.
      expectations: z
        .unknown()
        .refine((v) => typeof v === 'object' && v !== null && !Array.isArray(v), expected('an object of expectations'))
        .transform((v) => v as Record<string, unknown>)
        .optional(),
    }),
  ],
  expected('a question string or {question, expectations}'),
);

/**
 * The zod schema of {@link E2EConfig}. Every field is optional on input and has a default (except the
 * tracking and registry URIs, which the data directory decides when unset). Unknown fields are refused.
 */
export const e2eConfigSchema = z.strictObject({
  /**
   * The text-generation model: {@link TINY_GPT2_MODEL} (`tiny-gpt2`, the default: a tiny GPT-2 the SDK
   * generates into the data directory, fully offline), a local folder holding a transformers.js model
   * (absolute, `./relative`, `~/`, `file:` or an existing relative folder), or a Hugging Face model id.
   */
  model: nonEmpty('a model id or a local model folder').default(TINY_GPT2_MODEL),
  /** Tokens generated per answer (`max_new_tokens`); default 64. */
  maxNewTokens: positiveInt().default(64),
  /** Sampling temperature, greater than 0 (used when `doSample` is true); default 0.7. */
  temperature: z
    .number(expected('a number greater than 0'))
    .gt(0, {
      error: (i) => `expected a number greater than 0, got ${show(i.input)} (use doSample: false for greedy decoding)`,
    })
    .default(0.7),
  /** Sample the next token instead of greedy decoding; default false, so answers are reproducible. */
  doSample: bool().default(false),
  /** Keep only the `topK` most likely tokens when sampling; a positive integer, default 50. */
  topK: positiveInt().default(50),
  /** Nucleus sampling: keep the smallest token set whose probability reaches `topP`; in (0, 1], default 0.95. */
  topP: z
    .number(expected('a number in (0, 1]'))
    .gt(0, expected('a number in (0, 1]'))
    .lte(1, expected('a number in (0, 1]'))
    .default(0.95),
  /** Penalty for repeating tokens (1 = none); greater than 0, default 1. */
  repetitionPenalty: z
    .number(expected('a number greater than 0'))
    .gt(0, expected('a number greater than 0'))
    .default(1),
  /** MLflow experiment the pipeline records into; default `mlflow-genai-e2e`. */
  experimentName: validated('an experiment name', (v) => validateExperimentName(v)).default(
    DEFAULT_E2E_EXPERIMENT_NAME,
  ),
  /**
   * Tracking URI: `sqlite:///<path>` (the embedded store) or `http(s)://` (an MLflow server). When unset,
   * the data directory's database: `sqlite:///<dataDir>/mlflow.db` (for an S3 data directory, `./mlflow.db`).
   */
  trackingUri: trackingUriField().optional(),
  /** Registry URI for prompts and models; when unset, the tracking URI. */
  registryUri: trackingUriField().optional(),
  /**
   * Where the data lives: a local folder (database `mlflow.db` and artifacts `mlruns/` inside it) or
   * `s3://bucket/prefix` (artifacts under `<prefix>/mlruns`, database `./mlflow.db`); default `.`, so the
   * defaults are MLflow's own: `sqlite:///mlflow.db` and `./mlruns`.
   */
  dataDir: dataDirField().default('.'),
  /** S3-compatible endpoint (MinIO, moto) for an `s3://` data directory; unset means AWS S3. */
  s3EndpointUrl: httpUrlField().optional(),
  /** Registered model the pipeline registers its chain as; default `mlflow-genai-e2e-model`. */
  registeredModelName: validated('a registered model name', (v) => validateModelName(v)).default(
    DEFAULT_E2E_REGISTERED_MODEL_NAME,
  ),
  /** Alias pointed at the new model version by the deployment workflow; default `champion`. */
  alias: validated('an alias name', (v) => {
    validateAliasName(v);
    validateAliasNameReserved(v);
  }).default(DEFAULT_E2E_ALIAS),
  /**
   * Questions the chain is tested and evaluated on: strings, or `{question, expectations}` where
   * `expectations` are MLflow expectations (`expected_response`, `expected_facts`, ...) for the scorers.
   * Normalised to objects. At least one.
   */
  testQuestions: z
    .array(testQuestionSchema, expected('a list of questions'))
    .min(1, expected('at least one question'))
    .transform((items) =>
      items.map((item): TestQuestion => {
        if (typeof item === 'string') return { question: item };
        return item.expectations === undefined
          ? { question: item.question }
          : { question: item.question, expectations: item.expectations };
      }),
    )
    .default(() => DEFAULT_E2E_TEST_QUESTIONS.map((question) => ({ question }))),
  /** Names of built-in scorers `evaluate` runs over the answers; default {@link DEFAULT_E2E_SCORERS}. May be empty. */
  scorers: z
    .array(nonEmpty('a scorer name'), expected('a list of scorer names'))
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, index) => {
        if (seen.has(name)) {
          ctx.addIssue({ code: 'custom', message: `scorer ${show(name)} is listed twice`, path: [index], input: name });
        }
        seen.add(name);
      });
    })
    .default(() => [...DEFAULT_E2E_SCORERS]),
  /** Phase 2: register the prompt templates in the prompt registry (else the chain uses inline templates). Default true. */
  prompts: bool().default(true),
  /** Evaluate the answers with `scorers` after the per-question runs. Default true. */
  evaluation: bool().default(true),
  /** Phase 5 and deployment: log and register the model, set the alias, test it by alias. Default true. */
  registration: bool().default(true),
  /** Trace every chain call, test question and phase into MLflow. Default true. */
  tracing: bool().default(true),
  /** Port of the scoring server in `serve` mode; 0 picks a free port. Default 5001. */
  servePort: z
    .number(expected('a port number (0-65535)'))
    .int(expected('a port number (0-65535)'))
    .min(0, expected('a port number (0-65535)'))
    .max(65_535, expected('a port number (0-65535)'))
    .default(DEFAULT_E2E_SERVE_PORT),
  /** No progress output (the final summary is still printed). Default false. */
  quiet: bool().default(false),
  /** Print the final summary as JSON on stdout. Default false. */
  json: bool().default(false),
});

/** One test question after normalisation. */
export interface TestQuestion {
  /** The question asked. */
  question: string;
  /** MLflow expectations for the scorers (`expected_response`, `expected_facts`, ...). */
  expectations?: Record<string, unknown>;
}

/** The validated configuration of the lifecycle pipeline, every default filled in (see {@link e2eConfigSchema}). */
export type E2EConfig = z.output<typeof e2eConfigSchema>;

/** What users may write: every field optional; questions as strings or objects. */
export type E2EConfigInput = z.input<typeof e2eConfigSchema>;

/** Names of the fields of {@link E2EConfig}. */
export type E2EConfigField = keyof E2EConfig;

/** The fields of {@link E2EConfig}, in schema order. */
export const E2E_CONFIG_FIELDS: readonly E2EConfigField[] = Object.freeze(
  Object.keys(e2eConfigSchema.shape) as E2EConfigField[],
);

/**
 * A layer of configuration values before validation: {@link E2EConfigInput} where numbers and booleans may
 * also be given as strings (`"64"`, `"true"`, `"no"`) and lists as comma-separated strings, as they arrive
 * from command lines and environment variables.
 */
export type E2EConfigArgs = { [K in keyof E2EConfigInput]?: E2EConfigInput[K] | string };

// ---------------------------------------------------------------------------------------------------------
// Coercion of string values (command line, environment)

const NUMBER_FIELDS = new Set<string>([
  'maxNewTokens',
  'temperature',
  'topK',
  'topP',
  'repetitionPenalty',
  'servePort',
]);
const BOOLEAN_FIELDS = new Set<string>([
  'doSample',
  'prompts',
  'evaluation',
  'registration',
  'tracing',
  'quiet',
  'json',
]);
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Turns the string form of a value into its type where the field wants one; anything else is left for the schema to refuse. */
function coerceField(field: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (NUMBER_FIELDS.has(field)) return NUMBER_TEXT.test(text) ? Number(text) : value;
  if (BOOLEAN_FIELDS.has(field)) {
    const lower = text.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    return value;
  }
  if (field === 'scorers') {
    return text === '' ? [] : text.split(',').map((s) => s.trim());
  }
  if (field === 'testQuestions') {
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value;
      }
    }
    return text
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Layers and resolution

/** Where a configuration value came from, for error messages. */
type Origin = { kind: 'args'; label?: string } | { kind: 'file'; path: string } | { kind: 'env' } | { kind: 'default' };

/** The fields an environment sets, as strings (coerced later); empty variables count as unset. */
export function e2eConfigFromEnv(env: NodeJS.ProcessEnv = process.env): E2EConfigArgs {
  const out: Record<string, string> = {};
  for (const [field, name] of Object.entries(E2E_ENV)) {
    const value = readEnv(name, env);
    if (value !== undefined) out[field] = value;
  }
  return out as E2EConfigArgs;
}

/**
 * Reads a config file: `.json`, `.yaml` or `.yml`, holding one object whose keys are {@link E2EConfig}
 * fields. Values are returned unvalidated; {@link resolveE2EConfig} validates them with the other layers.
 */
export async function readE2EConfigFile(path: string, cwd: string = process.cwd()): Promise<Record<string, unknown>> {
  const full = resolve(cwd, path);
  const ext = extname(full).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new InvalidParameterError(`config: expected a .json, .yaml or .yml file, got '${path}'`);
  }
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (err as Error).message;
    throw new InvalidParameterError(`config: cannot read '${path}': ${reason}`, { cause: err });
  }
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InvalidParameterError(
      `config: '${path}' is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    );
  }
  // An empty YAML file is an empty configuration.
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidParameterError(`config: '${path}' must hold an object of settings, got ${show(data)}`);
  }
  return data as Record<string, unknown>;
}

/** Options of {@link resolveE2EConfig}. */
export interface ResolveE2EConfigOptions {
  /** Values given as arguments (the CLI's flags, or code): the highest precedence. */
  args?: E2EConfigArgs;
  /** A `.json`, `.yaml` or `.yml` config file (relative to `cwd`): below the arguments, above the environment. */
  configFile?: string;
  /** The environment read below the file; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Folder relative paths are resolved against; the working directory by default. */
  cwd?: string;
  /** When given, every scorer name must be one of these (the evaluation layer's built-in scorers). */
  knownScorers?: readonly string[];
  /** How to name an argument in messages, by field (the CLI passes its flags, e.g. `--max-new-tokens`). */
  argLabels?: Partial<Record<E2EConfigField, string>>;
}

/**
 * Resolves the pipeline's configuration: for each field, the argument, else the config file, else the
 * environment ({@link E2E_ENV}), else the default. The result is validated as a whole before any work:
 * an invalid value throws an {@link InvalidParameterError} such as
 * `maxNewTokens: expected a positive integer, got -3 (from MLFLOW_GENAI_MAX_NEW_TOKENS)`.
 */
export async function resolveE2EConfig(options: ResolveE2EConfigOptions = {}): Promise<E2EConfig> {
  const cwd = options.cwd ?? process.cwd();
  const fileValues = options.configFile === undefined ? {} : await readE2EConfigFile(options.configFile, cwd);
  const layers: [Record<string, unknown>, Origin][] = [
    [e2eConfigFromEnv(options.env ?? process.env), { kind: 'env' }],
    [fileValues, { kind: 'file', path: options.configFile ?? '' }],
    [dropUndefined(options.args ?? {}), { kind: 'args' }],
  ];
  const merged: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const [values, origin] of layers) {
    for (const [key, value] of Object.entries(values)) {
      merged[key] = value;
      const label = origin.kind === 'args' ? options.argLabels?.[key as E2EConfigField] : undefined;
      origins.set(key, label === undefined ? origin : { kind: 'args', label });
    }
  }
  return validateMerged(merged, origins, options.knownScorers);
}

/**
 * Validates one complete set of values (e.g. what code passes to `runE2E`) and fills in the defaults.
 * Strings are accepted for numbers, booleans and lists as in {@link E2EConfigArgs}.
 */
export function parseE2EConfig(input: unknown, options: { knownScorers?: readonly string[] } = {}): E2EConfig {
  if (input === undefined || input === null) return validateMerged({}, new Map(), options.knownScorers);
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidParameterError(`Invalid configuration: expected an object of settings, got ${show(input)}`);
  }
  const values = dropUndefined(input as Record<string, unknown>);
  const origins = new Map<string, Origin>(Object.keys(values).map((k) => [k, { kind: 'args' }]));
  return validateMerged(values, origins, options.knownScorers);
}

function dropUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function validateMerged(
  merged: Record<string, unknown>,
  origins: Map<string, Origin>,
  knownScorers: readonly string[] | undefined,
): E2EConfig {
  const coerced = Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, coerceField(k, v)]));
  const result = e2eConfigSchema.safeParse(coerced);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(unknownFieldMessage(key, origins.get(key)));
        continue;
      }
      const field = String(issue.path[0] ?? '');
      problems.push(`${formatPath(issue.path)}: ${issue.message}${describeOrigin(field, origins.get(field))}`);
    }
  } else {
    const config = result.data;
    if (knownScorers !== undefined) {
      config.scorers.forEach((name, index) => {
        if (!knownScorers.includes(name)) {
          problems.push(
            `scorers[${index}]: unknown scorer ${show(name)} (built-in scorers: ${knownScorers.join(', ')})${describeOrigin('scorers', origins.get('scorers'))}`,
          );
        }
      });
    }
    const conflict = trackingConflict(config, origins);
    if (conflict) problems.push(conflict);
    if (problems.length === 0) return config;
  }
  throw new InvalidParameterError(
    problems.length === 1
      ? `Invalid configuration: ${problems[0]}`
      : `Invalid configuration:\n  ${problems.join('\n  ')}`,
  );
}

/** An S3 data directory with an MLflow server as the tracking URI is a contradiction: the server decides where artifacts go. */
function trackingConflict(config: E2EConfig, origins: Map<string, Origin>): string | undefined {
  if (!/^s3:/i.test(config.dataDir) || config.trackingUri === undefined) return undefined;
  if (parseTrackingUri(config.trackingUri).kind !== 'rest') return undefined;
  return (
    `dataDir: ${show(config.dataDir)} cannot be used with the MLflow server ${show(config.trackingUri)}: ` +
    `the server decides where artifacts go (start it with --artifacts-destination ${config.dataDir.replace(/\/+$/, '')}/mlruns)` +
    describeOrigin('dataDir', origins.get('dataDir'))
  );
}

/** `testQuestions.2.question` -> `testQuestions[2].question`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'config' : out;
}

function describeOrigin(field: string, origin: Origin | undefined): string {
  if (origin === undefined || origin.kind === 'default') return '';
  if (origin.kind === 'env') {
    const name = (E2E_ENV as Record<string, string>)[field];
    return name ? ` (from ${name})` : ' (from the environment)';
  }
  if (origin.kind === 'file') return ` (from ${origin.path})`;
  return origin.label === undefined ? '' : ` (from ${origin.label})`;
}

function unknownFieldMessage(key: string, origin: Origin | undefined): string {
  const camel = key.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  const match = E2E_CONFIG_FIELDS.find((f) => f.toLowerCase() === camel.toLowerCase());
  const hint = match ? ` (did you mean '${match}'?)` : ` (known fields: ${E2E_CONFIG_FIELDS.join(', ')})`;
  const where = origin?.kind === 'file' ? ` in ${origin.path}` : '';
  return `${key}: unknown field${where}${hint}`;
}

// ---------------------------------------------------------------------------------------------------------
// Layout: where a configuration puts things (no I/O beyond checking whether a model folder exists)

/** Where the pipeline's model comes from. */
export type E2EModelSource =
  /** The generated offline tiny GPT-2, written into `dir` on first use. */
  | { kind: 'tiny'; dir: string }
  /** A transformers.js model folder on disk. */
  | { kind: 'local'; path: string }
  /** A Hugging Face model id, downloaded by transformers.js. */
  | { kind: 'hub'; id: string };

/** Where a configuration puts the database, the artifacts, the model and the served model. */
export interface E2ELayout {
  /** `local`: database and artifacts in one folder; `s3`: artifacts in S3, database local. */
  kind: 'local' | 's3';
  /** The data directory: an absolute folder, or `s3://bucket/prefix` without a trailing slash. */
  dataDir: string;
  /** The tracking URI in force (normalised). */
  trackingUri: string;
  /** `sqlite` for the embedded store, `rest` for an MLflow server. */
  trackingKind: 'sqlite' | 'rest';
  /** The registry URI in force (normalised); the tracking URI unless configured. */
  registryUri: string;
  /** The SQLite database file, for the embedded store. */
  dbPath?: string;
  /**
   * Artifact root of experiments the embedded store creates: `<dataDir>/mlruns` or `s3://bucket/prefix/mlruns`.
   * With an MLflow server the server decides, and this is where `server-config` suggests it should.
   */
  artifactRoot: string;
  /** Local folder for files the pipeline generates (the tiny model): the data directory, or the working directory for S3. */
  localDir: string;
  /** The model to load. */
  model: E2EModelSource;
  /** `models:/<registeredModelName>@<alias>`: what deployment registers and `serve` serves. */
  servingModelUri: string;
}

/**
 * Where `config` puts things, decided without touching storage. For S3 the database is `./mlflow.db`
 * (`prepareDataDir`'s default): pass `dbPath` on to it so both agree.
 */
export function resolveE2ELayout(config: E2EConfig, options: { cwd?: string } = {}): E2ELayout {
  const cwd = options.cwd ?? process.cwd();
  const isS3 = /^s3:/i.test(config.dataDir);
  const dataDir = isS3 ? config.dataDir.replace(/\/+$/, '') : resolve(cwd, localPath(config.dataDir));
  const localDir = isS3 ? cwd : dataDir;
  const defaultDb = join(localDir, 'mlflow.db');
  const tracking = parseTrackingUri(config.trackingUri ?? `sqlite:///${defaultDb}`, cwd);
  const registry = config.registryUri === undefined ? tracking : parseTrackingUri(config.registryUri, cwd);
  return {
    kind: isS3 ? 's3' : 'local',
    dataDir,
    trackingUri: tracking.uri,
    trackingKind: tracking.kind,
    registryUri: registry.uri,
    ...(tracking.kind === 'sqlite' ? { dbPath: tracking.path } : {}),
    artifactRoot: isS3 ? `${dataDir}/mlruns` : join(dataDir, 'mlruns'),
    localDir,
    model: modelSource(config.model, localDir, cwd),
    servingModelUri: `models:/${config.registeredModelName}@${config.alias}`,
  };
}

function localPath(location: string): string {
  if (location.startsWith('file://')) return fileURLToPath(location);
  if (location.startsWith('file:')) return location.slice('file:'.length);
  if (location === '~' || location.startsWith('~/')) return join(homedir(), location.slice(1));
  return location;
}

function modelSource(model: string, localDir: string, cwd: string): E2EModelSource {
  if (model === TINY_GPT2_MODEL) return { kind: 'tiny', dir: join(localDir, 'models', TINY_GPT2_MODEL) };
  const path = localPath(model);
  if (model.startsWith('file:') || model.startsWith('~') || isAbsolute(path) || /^\.\.?([/\\]|$)/.test(path)) {
    return { kind: 'local', path: resolve(cwd, path) };
  }
  const candidate = resolve(cwd, path);
  if (existsSync(candidate) && statSync(candidate).isDirectory()) return { kind: 'local', path: candidate };
  return { kind: 'hub', id: model };
}
