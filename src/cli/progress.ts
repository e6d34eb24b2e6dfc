/**
 * Progress output of the CLI: on a terminal one live line (spinner, phase, step, a bar for counted steps)
 * above which finished steps scroll; elsewhere one plain line per event. Dependency-free.
 */

import type { CliProgressEvent, CliStream } from './types.js';

/** Receives the pipeline's progress events and draws them. */
export interface ProgressReporter {
  /** Handles one event. */
  onProgress(event: CliProgressEvent): void;
  /** Clears the live line and stops the spinner. */
  stop(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 20;

/** `phase: step`, or just `phase` for an event about the whole phase (its step named like the phase). */
function label(event: CliProgressEvent, separator: string): string {
  return event.step === event.phase || event.step === '' ? event.phase : `${event.phase}${separator}${event.step}`;
}

/** Plain text of an event, e.g. `[test] question 3/5: done (1.2 s)`, or `[model] done (1.8 s)` for a whole phase. */
export function formatProgressLine(event: CliProgressEvent): string {
  const count = event.current !== undefined && event.total !== undefined ? ` ${event.current}/${event.total}` : '';
  const detail = event.detail ? ` (${event.detail})` : '';
  const step = event.step === event.phase || event.step === '' ? '' : ` ${event.step}`;
  return `[${event.phase}]${step}${count}${step || count ? ':' : ''} ${event.status}${detail}`;
}

/** A text progress bar: `[#####---------------] 3/12`. */
export function progressBar(current: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, current / total)) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${current}/${total}`;
}

/** One plain line per event: for logs, pipes and CI. */
export function plainProgress(stream: CliStream): ProgressReporter {
  return {
    onProgress: (event) => {
      stream.write(`${formatProgressLine(event)}\n`);
    },
    stop: () => {},
  };
}

/**
 * A live progress line for terminals. Finished, failed and skipped steps are printed as permanent lines;
 * the most recently started step that is still running stays on the last line with a spinner, and counted
 * steps show a bar. The end of a whole phase also ends the steps still open inside it.
 */
export function ttyProgress(stream: CliStream, options: { intervalMs?: number } = {}): ProgressReporter {
  let frame = 0;
  // Running steps, oldest first; the last one is drawn.
  const active: CliProgressEvent[] = [];
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  // Pseudo-terminals without a size report 0 columns.
  const width = () => Math.max(20, (stream.columns && stream.columns >= 20 ? stream.columns : 80) - 1);
  const truncate = (text: string) => (text.length > width() ? `${text.slice(0, width() - 1)}…` : text);
  const same = (a: CliProgressEvent, b: CliProgressEvent) => a.phase === b.phase && a.step === b.step;

  const draw = () => {
    const live = active[active.length - 1];
    if (!live) {
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
      return;
    }
    const bar =
      live.current !== undefined && live.total !== undefined ? ` ${progressBar(live.current, live.total)}` : '';
    const detail = live.detail ? ` ${live.detail}` : '';
    stream.write(`${CLEAR_LINE}${truncate(`${SPINNER[frame % SPINNER.length]} ${label(live, ': ')}${bar}${detail}`)}`);
    drawn = true;
  };

  const startTimer = () => {
    if (timer) return;
    timer = setInterval(() => {
      frame++;
      draw();
    }, options.intervalMs ?? 80);
    timer.unref();
  };

  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const remove = (predicate: (e: CliProgressEvent) => boolean) => {
    for (let i = active.length - 1; i >= 0; i--) if (predicate(active[i]!)) active.splice(i, 1);
  };

  return {
    onProgress: (event) => {
      const counted = event.current !== undefined && event.total !== undefined;
      // A start, or a counted step's item other than the last: update the live line only.
      if (event.status === 'start' || (event.status === 'done' && counted && event.current! < event.total!)) {
        remove((e) => same(e, event));
        active.push({ ...event, status: 'start' });
        draw();
        startTimer();
        return;
      }
      remove((e) => same(e, event) || (event.step === event.phase && e.phase === event.phase));
      const mark = event.status === 'done' ? '✔' : event.status === 'failed' ? '✖' : '-';
      const count = counted ? ` ${event.current}/${event.total}` : '';
      const detail = event.detail ? ` (${event.detail})` : '';
      const status = event.status === 'done' ? '' : ` ${event.status}`;
      stream.write(`${CLEAR_LINE}${mark} ${label(event, ': ')}${count}${status}${detail}\n`);
      drawn = false;
      if (active.length === 0) stopTimer();
      else draw();
    },
    stop: () => {
      stopTimer();
      active.length = 0;
      draw();
    },
  };
}

/** Picks the reporter for a stream: live on a terminal, plain lines otherwise, nothing when quiet. */
export function progressReporter(stream: CliStream, options: { quiet: boolean }): ProgressReporter | undefined {
  if (options.quiet) return undefined;
  return stream.isTTY ? ttyProgress(stream) : plainProgress(stream);
}
