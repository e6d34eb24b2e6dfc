import type { TracerProvider } from '@opentelemetry/api';
import { readBoolEnv, readEnv } from '../config/env.js';
import { InvalidParameterError } from '../tracking/errors.js';
import type { TraceExporter } from './export/exporter.js';

/** Where finished traces go. */
export type TraceDestination =
  /** The tracking store of the current tracking URI (embedded SQLite or an MLflow server). The default. */
  | { type: 'mlflow'; trackingUri?: string; experimentId?: string }
  /** Any OTLP/HTTP collector (`<endpoint>/v1/traces`, protobuf). */
  | { type: 'otlp'; endpoint?: string; headers?: Record<string, string> }
  /** Your own exporter (tests, custom sinks). */
  | { type: 'custom'; exporter: TraceExporter };

/** Options of {@link configureTracing}; each falls back to its environment variable, then MLflow's default. */
export interface TracingOptions {
  /** `MLFLOW_TRACING_ENABLED` (true by default). Disabled, `trace()` calls the function and nothing else. */
  enabled?: boolean;
  /** `MLFLOW_TRACE_SAMPLING_RATIO` (1 by default): the fraction of traces recorded, decided per trace. */
  samplingRatio?: number;
  /** Where traces go; `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` selects OTLP, as in MLflow; else MLflow. */
  destination?: TraceDestination;
  /**
   * `batch` (default; `MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=true`): a background queue exports traces in
   * batches. `immediate`: each trace is exported as soon as it ends (serverless functions: await
   * {@link flushTraces} before returning).
   */
  mode?: 'batch' | 'immediate';
  /** `MLFLOW_ASYNC_TRACE_LOGGING_MAX_QUEUE_SIZE` (1000): traces waiting beyond this are dropped and counted. */
  maxQueueSize?: number;
  /** Traces per export call (100). */
  maxBatchSize?: number;
  /** `MLFLOW_ASYNC_TRACE_LOGGING_MAX_INTERVAL_MILLIS` style: longest wait before a partial batch goes (1000 ms). */
  scheduleDelayMs?: number;
  /** `MLFLOW_ASYNC_TRACE_LOGGING_RETRY_TIMEOUT` (500 s): how long a failing batch is retried before it is dropped. */
  retryTimeoutMs?: number;
  /**
   * Create spans with this (host) tracer provider instead of our isolated one, so the host's own
   * OpenTelemetry pipeline sees them too and they nest under the host's active spans.
   */
  tracerProvider?: TracerProvider;
  /** Flush on `beforeExit`, SIGTERM and SIGINT (true by default). */
  flushOnExit?: boolean;
}

/** @internal Every option resolved. */
export interface ResolvedTracingSettings {
  enabled: boolean;
  samplingRatio: number;
  destination: TraceDestination;
  mode: 'batch' | 'immediate';
  maxQueueSize: number;
  maxBatchSize: number;
  scheduleDelayMs: number;
  retryTimeoutMs: number;
  tracerProvider: TracerProvider | undefined;
  flushOnExit: boolean;
}

/** The environment variables tracing reads. */
export const TRACING_ENV = {
  ENABLED: 'MLFLOW_TRACING_ENABLED',
  SAMPLING_RATIO: 'MLFLOW_TRACE_SAMPLING_RATIO',
  ASYNC_LOGGING: 'MLFLOW_ENABLE_ASYNC_TRACE_LOGGING',
  MAX_QUEUE_SIZE: 'MLFLOW_ASYNC_TRACE_LOGGING_MAX_QUEUE_SIZE',
  RETRY_TIMEOUT: 'MLFLOW_ASYNC_TRACE_LOGGING_RETRY_TIMEOUT',
  OTLP_TRACES_ENDPOINT: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  OTLP_ENDPOINT: 'OTEL_EXPORTER_OTLP_ENDPOINT',
} as const;

function numberOption(
  name: string,
  given: number | undefined,
  envName: string | undefined,
  fallback: number,
  env: NodeJS.ProcessEnv,
) {
  let value = given;
  let source = name;
  if (value === undefined && envName) {
    const raw = readEnv(envName, env);
    if (raw !== undefined) {
      value = Number(raw);
      source = envName;
    }
  }
  if (value === undefined) return fallback;
  if (!Number.isFinite(value))
    throw new InvalidParameterError(`Invalid ${source}: '${String(value)}' is not a number.`);
  return value;
}

/** @internal */
export function resolveTracingSettings(
  options: TracingOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTracingSettings {
  const samplingRatio = numberOption('samplingRatio', options.samplingRatio, TRACING_ENV.SAMPLING_RATIO, 1, env);
  if (samplingRatio < 0 || samplingRatio > 1) {
    throw new InvalidParameterError(`Invalid samplingRatio: ${samplingRatio}. It must be between 0 and 1.`);
  }
  const positive = (name: string, given: number | undefined, envName: string | undefined, fallback: number) => {
    const v = numberOption(name, given, envName, fallback, env);
    if (!Number.isInteger(v) || v < 1)
      throw new InvalidParameterError(`Invalid ${name}: ${v}. It must be a positive integer.`);
    return v;
  };
  const mode = options.mode ?? (readBoolEnv(TRACING_ENV.ASYNC_LOGGING, true, env) ? 'batch' : 'immediate');
  if (mode !== 'batch' && mode !== 'immediate') {
    throw new InvalidParameterError(`Invalid mode: '${String(mode)}'. Use 'batch' or 'immediate'.`);
  }
  let destination = options.destination;
  if (destination === undefined) {
    const otlp = readEnv(TRACING_ENV.OTLP_TRACES_ENDPOINT, env) ?? readEnv(TRACING_ENV.OTLP_ENDPOINT, env);
    destination = otlp ? { type: 'otlp' } : { type: 'mlflow' };
  } else if (!['mlflow', 'otlp', 'custom'].includes((destination as { type?: string }).type ?? '')) {
    throw new InvalidParameterError(
      `Invalid destination.type: '${String((destination as { type?: string }).type)}'. Use 'mlflow', 'otlp' or 'custom'.`,
    );
  }
  const retrySeconds = numberOption('retryTimeoutMs', undefined, TRACING_ENV.RETRY_TIMEOUT, 500, env);
  return {
    enabled: options.enabled ?? readBoolEnv(TRACING_ENV.ENABLED, true, env),
    samplingRatio,
    destination,
    mode,
    maxQueueSize: positive('maxQueueSize', options.maxQueueSize, TRACING_ENV.MAX_QUEUE_SIZE, 1000),
    maxBatchSize: positive('maxBatchSize', options.maxBatchSize, undefined, 100),
    scheduleDelayMs: positive('scheduleDelayMs', options.scheduleDelayMs, undefined, 1000),
    retryTimeoutMs: numberOption('retryTimeoutMs', options.retryTimeoutMs, undefined, retrySeconds * 1000, env),
    tracerProvider: options.tracerProvider,
    flushOnExit: options.flushOnExit ?? true,
  };
}
