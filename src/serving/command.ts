/**
 * `getServingCommand`: the command that serves a model with this SDK, and how a client calls the server
 * (curl and Python `requests`), as data and as text to print.
 */
import { invalidParameter } from '../tracking/errors.js';
import { dumpPythonJson } from './json.js';

/** Options of {@link getServingCommand}. */
export interface ServingCommandOptions {
  /** Interface the server binds; 127.0.0.1 by default (then not written in the command). */
  host?: string;
  /** Port; 5000 by default, as `mlflow models serve`. */
  port?: number;
  /** Worker processes; written only when more than 1. */
  workers?: number;
  /** The JSON body of the example request; `{"inputs": ["What is MLflow?"]}` by default. */
  exampleRequest?: Record<string, unknown>;
}

/** How to serve a model and query it. */
export interface ServingCommand {
  /** The model URI served. */
  modelUri: string;
  /** Host and port the server listens on. */
  host: string;
  port: number;
  /** Base URL of the server. */
  url: string;
  /** URL of the scoring endpoint. */
  invocationsUrl: string;
  /** The serve command as a shell line: `npx mlflow-genai serve -m <uri> --port <port>`. */
  command: string;
  /** The same command as an argument vector (for `child_process.spawn`). */
  argv: string[];
  /** The example request body. */
  exampleRequest: Record<string, unknown>;
  /** A curl line posting the example request. */
  curl: string;
  /** A Python `requests` snippet posting the example request and printing the predictions. */
  python: string;
  /** All of the above, formatted for a terminal. */
  text: string;
}

/** Quotes a word for POSIX shells when it needs it. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact command that serves `modelUri` with this SDK (`npx mlflow-genai serve -m <uri> --port <port>`)
 * and how a client calls it: a curl line and a Python `requests` snippet. Throws an
 * `INVALID_PARAMETER_VALUE` error naming a bad argument.
 *
 * @example
 * ```ts
 * console.log(getServingCommand('models:/my-model@champion', { port: 5001 }).text);
 * ```
 */
export function getServingCommand(modelUri: string, options: ServingCommandOptions = {}): ServingCommand {
  if (typeof modelUri !== 'string' || modelUri.trim() === '') {
    throw invalidParameter(
      `getServingCommand: 'modelUri' must be a non-empty string, got ${JSON.stringify(modelUri)}.`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw invalidParameter(
      `getServingCommand: 'host' must be a non-empty string, got ${JSON.stringify(options.host)}.`,
    );
  }
  const port = options.port ?? 5000;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidParameter(
      `getServingCommand: 'port' must be a port number (1-65535), got ${JSON.stringify(options.port)}.`,
    );
  }
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw invalidParameter(
      `getServingCommand: 'workers' must be a positive integer, got ${JSON.stringify(options.workers)}.`,
    );
  }
  const argv = ['npx', 'mlflow-genai', 'serve', '-m', modelUri, '--port', String(port)];
  if (options.host !== undefined) argv.push('--host', host);
  if (workers > 1) argv.push('--workers', String(workers));
  const command = argv.map(shellQuote).join(' ');

  const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${clientHost}:${port}`;
  const invocationsUrl = `${url}/invocations`;
  const exampleRequest = options.exampleRequest ?? { inputs: ['What is MLflow?'] };
  const body = dumpPythonJson(exampleRequest);
  const curl = `curl -X POST ${invocationsUrl} -H 'Content-Type: application/json' -d ${shellQuote(body)}`;
  const python = [
    'import requests',
    '',
    'response = requests.post(',
    `    ${JSON.stringify(invocationsUrl)},`,
    `    json=${pythonLiteral(exampleRequest)},`,
    '    timeout=60,',
    ')',
    'response.raise_for_status()',
    'print(response.json()["predictions"])',
  ].join('\n');
  const indent = (s: string) =>
    s
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n');
  const text = [
    `Serve the model ${modelUri}:`,
    indent(command),
    '',
    'Query it with curl:',
    indent(curl),
    '',
    'or from Python:',
    indent(python),
  ].join('\n');
  return { modelUri, host, port, url, invocationsUrl, command, argv, exampleRequest, curl, python, text };
}

/** A JSON value written as a Python literal (`True`, `False`, `None`). */
function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'float("nan")' : value > 0 ? 'float("inf")' : 'float("-inf")';
  return JSON.stringify(value);
}
