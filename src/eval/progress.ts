/** Options of {@link EvaluationProgress}. */
export interface ProgressOptions {
  /** Where to write; stderr by default. */
  stream?: NodeJS.WriteStream;
  /** Print nothing. */
  quiet?: boolean;
  /** Label before the bar (`Evaluating`). */
  label?: string;
}

const BAR_WIDTH = 25;
const REDRAW_MS = 100;

function clock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * The evaluation's progress, as MLflow's tqdm bar shows it: a bar redrawn in place on a TTY
 * (`Evaluating: 40%|██████████           | 400/1000 [Elapsed: 00:02, Remaining: 00:03]`), a plain line
 * per tenth otherwise, nothing when quiet.
 */
export class EvaluationProgress {
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #mode: 'bar' | 'plain' | 'none';
  readonly #label: string;
  readonly #start = Date.now();
  #done = 0;
  #lastDraw = 0;
  #lastTenth = -1;
  #closed = false;

  constructor(total: number, options: ProgressOptions = {}) {
    this.#total = total;
    this.#stream = options.stream ?? process.stderr;
    this.#label = options.label ?? 'Evaluating';
    this.#mode = options.quiet ? 'none' : this.#stream.isTTY ? 'bar' : 'plain';
    if (this.#mode === 'bar') this.#draw();
    else if (this.#mode === 'plain') this.#plain();
  }

  /** How the progress is shown. */
  get mode(): 'bar' | 'plain' | 'none' {
    return this.#mode;
  }

  /** One more row done. */
  tick(): void {
    this.#done++;
    if (this.#mode === 'bar') {
      const now = Date.now();
      if (now - this.#lastDraw >= REDRAW_MS || this.#done === this.#total) this.#draw();
    } else if (this.#mode === 'plain') this.#plain();
  }

  /** Final redraw and newline; idempotent. `note` is appended (e.g. `cancelled`). */
  close(note?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#mode === 'bar') {
      this.#draw(note);
      this.#stream.write('\n');
    } else if (this.#mode === 'plain' && note) {
      this.#stream.write(`${this.#label}: ${note} after ${this.#done}/${this.#total} rows\n`);
    }
  }

  /** The bar line for `done` of `total` after `elapsedMs` (exported shape, for tests). */
  static line(label: string, done: number, total: number, elapsedMs: number, note?: string): string {
    const frac = total === 0 ? 1 : done / total;
    const pct = `${Math.floor(frac * 100)}`.padStart(3, ' ');
    const filled = Math.floor(frac * BAR_WIDTH);
    const bar = '█'.repeat(filled) + ' '.repeat(BAR_WIDTH - filled);
    const remaining = done === 0 ? Number.NaN : (elapsedMs / done) * (total - done);
    return (
      `${label}: ${pct}%|${bar}| ${done}/${total} [Elapsed: ${clock(elapsedMs)}, Remaining: ${clock(remaining)}]` +
      (note ? ` ${note}` : '')
    );
  }

  #draw(note?: string): void {
    this.#lastDraw = Date.now();
    this.#stream.write(
      `\r${EvaluationProgress.line(this.#label, this.#done, this.#total, Date.now() - this.#start, note)}`,
    );
  }

  #plain(): void {
    const tenth = this.#total === 0 ? 10 : Math.floor((this.#done / this.#total) * 10);
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.#stream.write(`${EvaluationProgress.line(this.#label, this.#done, this.#total, Date.now() - this.#start)}\n`);
  }
}
