/**
 * The command line of `mlflow-genai`: its options (node:util `parseArgs`), how they map onto
 * {@link E2EConfig} fields, and the help texts.
 */

import { parseArgs } from 'node:util';
import {
  DEFAULT_E2E_ALIAS,
  DEFAULT_E2E_EXPERIMENT_NAME,
  DEFAULT_E2E_REGISTERED_MODEL_NAME,
  DEFAULT_E2E_SERVE_PORT,
  E2E_ENV,
  type E2EConfigArgs,
  type E2EConfigField,
  TINY_GPT2_MODEL,
} from '../config/e2e.js';
import { InvalidParameterError } from '../tracking/errors.js';
import { CLI_MODES, type CliMode } from './types.js';

/** The options `parseArgs` accepts. */
const OPTIONS = {
  mode: { type: 'string' },
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string' },
  'tracking-uri': { type: 'string' },
  'registry-uri': { type: 'string' },
  model: { type: 'string' },
  experiment: { type: 'string' },
  'registered-model-name': { type: 'string' },
  alias: { type: 'string' },
  's3-endpoint-url': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'do-sample': { type: 'boolean' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  question: { type: 'string', multiple: true },
  scorers: { type: 'string' },
  'no-prompts': { type: 'boolean' },
  'no-evaluation': { type: 'boolean' },
  'no-registration': { type: 'boolean' },
  'no-tracing': { type: 'boolean' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'model-uri': { type: 'string', short: 'm' },
  print: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Config fields set by a string flag, and the flag. */
const STRING_FLAGS: readonly [E2EConfigField, keyof typeof OPTIONS][] = [
  ['dataDir', 'data-dir'],
  ['trackingUri', 'tracking-uri'],
  ['registryUri', 'registry-uri'],
  ['model', 'model'],
  ['experimentName', 'experiment'],
  ['registeredModelName', 'registered-model-name'],
  ['alias', 'alias'],
  ['s3EndpointUrl', 's3-endpoint-url'],
  ['maxNewTokens', 'max-new-tokens'],
  ['temperature', 'temperature'],
  ['topK', 'top-k'],
  ['topP', 'top-p'],
  ['repetitionPenalty', 'repetition-penalty'],
  ['scorers', 'scorers'],
];

/** Flags that switch a feature off. */
const DISABLE_FLAGS: readonly [E2EConfigField, keyof typeof OPTIONS][] = [
  ['prompts', 'no-prompts'],
  ['evaluation', 'no-evaluation'],
  ['registration', 'no-registration'],
  ['tracing', 'no-tracing'],
];

/** The command line, parsed. */
export interface CliCommand {
  /** What to do. */
  mode: CliMode;
  /** `help` for the whole CLI, `serve` for the serve subcommand. */
  help?: 'main' | 'serve';
  /** `--version`. */
  version: boolean;
  /** `--config <file>`. */
  configFile?: string;
  /** Configuration values from flags (strings are coerced and validated by `resolveE2EConfig`). */
  args: E2EConfigArgs;
  /** How each field set by a flag is named in messages. */
  argLabels: Partial<Record<E2EConfigField, string>>;
  /** `-m/--model-uri` (serve). */
  modelUri?: string;
  /** `--host` (serve, server-config). */
  host?: string;
  /** `--port` as given (serve: the scoring server; server-config: the MLflow server). */
  port?: string;
  /** `--print` (serve): print the command instead of serving. */
  print: boolean;
}

/**
 * Parses `argv` (without `node` and the script). Usage errors throw an {@link InvalidParameterError}
 * naming the flag, e.g. `--mode: expected one of all, experiment, ..., got 'x'`.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const { values, positionals } = parseStrict(argv);
  const [subcommand, ...extra] = positionals;
  if (extra.length > 0 || (subcommand !== undefined && subcommand !== 'serve' && subcommand !== 'help')) {
    throw new InvalidParameterError(
      `Unexpected argument '${extra[0] ?? subcommand}': the only subcommand is 'serve' (mlflow-genai serve -m <model uri>).`,
    );
  }
  if (values.mode !== undefined && !CLI_MODES.includes(values.mode as CliMode)) {
    throw new InvalidParameterError(`--mode: expected one of ${CLI_MODES.join(', ')}, got '${values.mode}'`);
  }
  if (subcommand === 'serve' && values.mode !== undefined && values.mode !== 'serve') {
    throw new InvalidParameterError(`--mode ${values.mode} cannot be combined with the 'serve' subcommand.`);
  }
  const mode: CliMode = subcommand === 'serve' ? 'serve' : ((values.mode as CliMode | undefined) ?? 'all');

  const args: Record<string, unknown> = {};
  const argLabels: Partial<Record<E2EConfigField, string>> = {};
  for (const [field, flag] of STRING_FLAGS) {
    const value = values[flag];
    if (value !== undefined) {
      args[field] = value;
      argLabels[field] = `--${flag}`;
    }
  }
  for (const [field, flag] of DISABLE_FLAGS) {
    if (values[flag]) {
      args[field] = false;
      argLabels[field] = `--${flag}`;
    }
  }
  if (values['do-sample']) {
    args.doSample = true;
    argLabels.doSample = '--do-sample';
  }
  if (values.question !== undefined) {
    args.testQuestions = [...values.question];
    argLabels.testQuestions = '--question';
  }
  if (values.json) args.json = true;
  if (values.quiet) args.quiet = true;
  // --port is the scoring server's port in serve mode; in server-config mode it is the MLflow server's.
  if (values.port !== undefined && mode !== 'server-config') {
    args.servePort = values.port;
    argLabels.servePort = '--port';
  }

  const command: CliCommand = {
    mode,
    version: values.version === true,
    args: args as E2EConfigArgs,
    argLabels,
    print: values.print === true,
  };
  if (values.help || subcommand === 'help') command.help = subcommand === 'serve' ? 'serve' : 'main';
  if (values.config !== undefined) command.configFile = values.config;
  if (values['model-uri'] !== undefined) command.modelUri = values['model-uri'];
  if (values.host !== undefined) command.host = values.host;
  if (values.port !== undefined) command.port = values.port;
  return command;
}

function parseStrict(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new InvalidParameterError((err as Error).message.split('\n').join(' '), { cause: err });
  }
}

/** `mlflow-genai --help`. */
export function mainHelp(): string {
  return `mlflow-genai: run a complete GenAI lifecycle and record it in MLflow

Usage
  mlflow-genai [--mode <mode>] [options]
  mlflow-genai serve [-m <model uri>] [--port <port>] [--print]

With no options it runs fully offline: a tiny generated GPT-2, the database sqlite:///mlflow.db and
artifacts in ./mlruns, which 'mlflow server --backend-store-uri sqlite:///mlflow.db' then shows.

Modes (--mode)
  all            phases 1-5 and the deployment workflow (default)
  experiment     phases 1-4: load the model, register prompts, build the chain, test and evaluate it
  deploy         phase 5 and deployment: log and register the model, set the alias, test it by alias
  test           test the registered model (models:/<name>@<alias>) as a consumer would
  serve          start the scoring server for the registered model (--print: show the command)
  server-config  print how to run 'mlflow server' on the same data (SQLite or PostgreSQL, local or S3)

Where the data goes
  --data-dir <dir|s3://bucket/prefix>   folder with mlflow.db and mlruns/, or S3 for artifacts (default: .)
  --tracking-uri <uri>                  sqlite:///<path> or http(s)://<mlflow server> (default: the data dir's mlflow.db)
  --registry-uri <uri>                  prompt and model registry (default: the tracking URI)
  --s3-endpoint-url <url>               S3-compatible endpoint such as MinIO (default: AWS)
  --experiment <name>                   experiment name (default: ${DEFAULT_E2E_EXPERIMENT_NAME})

Model and generation
  --model <id|path>                     Hugging Face id or local folder (default: ${TINY_GPT2_MODEL}, generated offline)
  --max-new-tokens <n>                  tokens per answer (default: 64)
  --temperature <t>                     sampling temperature > 0 (default: 0.7)
  --do-sample                           sample instead of greedy decoding
  --top-k <k>                           top-k sampling (default: 50)
  --top-p <p>                           nucleus sampling, in (0, 1] (default: 0.95)
  --repetition-penalty <r>              1 = none (default: 1)

Testing, evaluation, registration
  --question <text>                     a test question; repeat for several (default: three MLflow questions)
  --scorers <a,b,...>                   built-in scorers for evaluation
  --registered-model-name <name>        (default: ${DEFAULT_E2E_REGISTERED_MODEL_NAME})
  --alias <alias>                       alias set on the new version (default: ${DEFAULT_E2E_ALIAS})
  --no-prompts                          do not register prompt templates (inline templates)
  --no-evaluation                       do not run evaluate() with the scorers
  --no-registration                     do not log/register the model (no deployment, nothing to serve)
  --no-tracing                          do not record traces

Serving
  -m, --model-uri <uri>                 model to serve (default: models:/<registered model name>@<alias>)
  -p, --port <port>                     scoring server port (default: ${DEFAULT_E2E_SERVE_PORT}); in server-config mode,
                                        the MLflow server's port (default: 5000)
  --host <host>                         interface to listen on (default: 127.0.0.1)
  --print                               print the serving command instead of serving

Output and configuration
  --mode <mode>                         what to run, one of the modes above (default: all)
  -c, --config <file>                   settings from a .json, .yaml or .yml file
  --json                                print the summary (or server-config plan) as JSON on stdout
  -q, --quiet                           no progress output
  -h, --help                            this help
  --version                             the version

Settings are taken from the flags, then the --config file, then the environment (${E2E_ENV.trackingUri},
${E2E_ENV.registryUri}, ${E2E_ENV.experimentName}, ${E2E_ENV.s3EndpointUrl}, MLFLOW_GENAI_*), then the defaults.
An invalid value stops before any work, exit code 2. Exit code 1 when a required phase failed.
See docs/configuration.md for every setting.
`;
}

/** `mlflow-genai serve --help`. */
export function serveHelp(): string {
  return `mlflow-genai serve: serve a model with MLflow's scoring protocol (/ping, /health, /version, /invocations)

Usage
  mlflow-genai serve [-m <model uri>] [--port <port>] [--host <host>] [--print]

Options
  -m, --model-uri <uri>     models:/<name>@<alias>, models:/<name>/<version>, runs:/<run id>/<path> or a folder
                            (default: models:/<registered model name>@<alias> of the configuration)
  -p, --port <port>         port to listen on (default: ${DEFAULT_E2E_SERVE_PORT}; 0 picks a free port)
  --host <host>             interface to listen on (default: 127.0.0.1)
  --print                   print the command and a client example instead of serving
  --tracking-uri <uri>      where models:/ and runs:/ URIs are resolved (default: the data dir's mlflow.db)
  --registry-uri <uri>      registry for models:/ URIs (default: the tracking URI)
  --data-dir <dir>          data directory whose mlflow.db is used (default: .)
  -c, --config <file>       settings file (.json, .yaml, .yml)
  --json                    print where the server listens as JSON
  -h, --help                this help

The server runs until Ctrl-C or SIGTERM, then finishes the requests in flight.
`;
}
