import type { Trace } from '../../tracking/entities/index.js';
import type { TraceExporter } from './exporter.js';

/** Options of {@link OtlpTraceExporter}; unset ones come from `OTEL_EXPORTER_OTLP_*` variables. */
export interface OtlpExporterOptions {
  /** Collector base URL (`/v1/traces` is appended) or full traces URL. */
  endpoint?: string;
  headers?: Record<string, string>;
}

/** Exports traces to any OTLP/HTTP collector as protobuf, spans as MLflow records them. */
export class OtlpTraceExporter implements TraceExporter {
  readonly #options: OtlpExporterOptions;
  constructor(options: OtlpExporterOptions = {}) {
    this.#options = options;
  }
  async export(traces: Trace[]): Promise<void> {
    const { postOtlpTraces } = await import('../otlp/exporter.js');
    await postOtlpTraces({
      ...this.#options,
      spans: traces.flatMap((t) => t.data.spans),
    });
  }
}
