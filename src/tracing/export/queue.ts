import { setTimeout as sleep } from 'node:timers/promises';
import type { Trace } from '../../tracking/entities/index.js';
import { warn } from '../span.js';
import { PartialExportError, type TraceExporter } from './exporter.js';

/** Counters of the export pipeline, for monitoring and tests. */
export interface ExportStats {
  /** Traces handed to the exporter successfully. */
  exported: number;
  /** Traces lost: the queue was full, or their batch kept failing past the retry timeout. */
  dropped: number;
  /** Traces waiting or being exported now. */
  pending: number;
  /** The most traces held at once (queued plus in flight): never above `maxQueueSize`. */
  highWaterMark: number;
  /** Export calls that failed (each retried or dropped). */
  failedAttempts: number;
}

/** @internal */
export interface ExportQueueOptions {
  mode: 'batch' | 'immediate';
  maxQueueSize: number;
  maxBatchSize: number;
  scheduleDelayMs: number;
  retryTimeoutMs: number;
  /** First retry wait; doubles up to 5 s. */
  initialBackoffMs?: number;
}

/**
 * A bounded queue in front of an exporter. Traces wait in memory (at most `maxQueueSize`, counting the
 * batch in flight); one worker exports batches in order; a failing batch is retried with backoff until
 * `retryTimeoutMs`, then dropped and counted. Nothing is lost silently: every trace is either exported
 * or counted in `dropped`.
 */
export class ExportQueue {
  readonly #exporter: TraceExporter;
  readonly #opts: ExportQueueOptions;
  #queue: Trace[] = [];
  #head = 0;
  #inFlight = 0;
  #worker: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #stats: ExportStats = { exported: 0, dropped: 0, pending: 0, highWaterMark: 0, failedAttempts: 0 };

  constructor(exporter: TraceExporter, options: ExportQueueOptions) {
    this.#exporter = exporter;
    this.#opts = options;
  }

  get stats(): ExportStats {
    return { ...this.#stats, pending: this.#size() };
  }

  #size(): number {
    return this.#queue.length - this.#head + this.#inFlight;
  }

  enqueue(trace: Trace): void {
    if (this.#stopped || this.#size() >= this.#opts.maxQueueSize) {
      this.#stats.dropped++;
      warn(
        this.#stopped
          ? 'Tracing was shut down; traces ending afterwards are dropped.'
          : `The trace export queue is full (${this.#opts.maxQueueSize} traces); dropping traces. See tracingStats().dropped.`,
      );
      return;
    }
    this.#queue.push(trace);
    const size = this.#size();
    if (size > this.#stats.highWaterMark) this.#stats.highWaterMark = size;
    if (this.#opts.mode === 'immediate' || this.#queue.length - this.#head >= this.#opts.maxBatchSize) {
      this.#kick();
    } else if (!this.#timer && !this.#worker) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#kick();
      }, this.#opts.scheduleDelayMs);
      this.#timer.unref();
    }
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#worker ??= this.#drain().finally(() => {
      this.#worker = null;
      if (this.#queue.length > this.#head) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > this.#head) {
      const end = Math.min(this.#queue.length, this.#head + this.#opts.maxBatchSize);
      const batch = this.#queue.slice(this.#head, end);
      this.#head = end;
      this.#inFlight = batch.length;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      try {
        await this.#exportWithRetry(batch);
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  async #exportWithRetry(batch: Trace[]): Promise<void> {
    const deadline = Date.now() + this.#opts.retryTimeoutMs;
    let backoff = this.#opts.initialBackoffMs ?? 100;
    for (;;) {
      try {
        await this.#exporter.export(batch);
        this.#stats.exported += batch.length;
        return;
      } catch (err) {
        if (err instanceof PartialExportError) {
          const dropped = Math.min(err.dropped, batch.length);
          this.#stats.dropped += dropped;
          this.#stats.exported += batch.length - dropped;
          return;
        }
        this.#stats.failedAttempts++;
        if (this.#stopped || Date.now() + backoff > deadline) {
          this.#stats.dropped += batch.length;
          warn(`Failed to export ${batch.length} trace(s); dropped after retrying: ${(err as Error)?.message ?? err}`);
          return;
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** Export everything queued now; resolves when the queue is empty. */
  async flush(): Promise<void> {
    while (this.#size() > 0 || this.#worker) {
      this.#kick();
      await this.#worker;
    }
  }

  /** Flush, then refuse new traces and shut the exporter down. */
  async shutdown(): Promise<void> {
    await this.flush();
    this.#stopped = true;
    await this.#exporter.shutdown?.();
  }

  /** Stop at once: count what is still queued as dropped (used when the process must exit now). */
  abandon(): void {
    this.#stopped = true;
    this.#stats.dropped += this.#queue.length - this.#head;
    this.#queue = [];
    this.#head = 0;
  }
}
