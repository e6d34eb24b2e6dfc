/**
 * The human-readable final summary of a pipeline run: the outcome, a table of phases, then every other
 * field of the summary rendered generically (so fields the pipeline adds later show up without changes here).
 */

import type { CliSummary } from './types.js';

const MAX_KEY_WIDTH = 24;

/**
 * `experimentId` -> `Experiment id`, `modelURI` -> `Model uri`. Keys that are not camelCase identifiers
 * (`test/success_rate`, `max_new_tokens`) are data, such as metric names, and are kept as they are.
 */
export function humanizeKey(key: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) return key;
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatScalar(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const present = (value: unknown) => value !== undefined && value !== null;

const INLINE_VALUE_WIDTH = 60;

/** A one-line rendering of a small object: `name: x, version: 2`; long values are cut. */
function inlineObject(value: Record<string, unknown>): string {
  return Object.entries(value)
    .filter(([, v]) => present(v))
    .map(([k, v]) => {
      const text = (isPlainObject(v) || Array.isArray(v) ? JSON.stringify(v) : formatScalar(v)).replace(/\s+/g, ' ');
      return `${k}: ${text.length > INLINE_VALUE_WIDTH ? `${text.slice(0, INLINE_VALUE_WIDTH - 3)}...` : text}`;
    })
    .join(', ');
}

/** Renders `value` under `key` at `indent`, appending lines to `out`. */
function renderField(out: string[], key: string, value: unknown, indent: string, keyWidth: number): void {
  const label = humanizeKey(key).padEnd(keyWidth);
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => present(v));
    if (entries.length === 0) return;
    out.push(`${indent}${humanizeKey(key)}`);
    const width = Math.min(MAX_KEY_WIDTH, Math.max(...entries.map(([k]) => humanizeKey(k).length)));
    for (const [k, v] of entries) renderField(out, k, v, `${indent}  `, width);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${indent}${label}  (none)`);
      return;
    }
    if (value.every((v) => !isPlainObject(v) && !Array.isArray(v))) {
      out.push(`${indent}${label}  ${value.map(formatScalar).join(', ')}`);
      return;
    }
    out.push(`${indent}${humanizeKey(key)}`);
    for (const item of value) {
      out.push(`${indent}  - ${isPlainObject(item) ? inlineObject(item) : formatScalar(item)}`);
    }
    return;
  }
  const text = formatScalar(value);
  if (text.includes('\n')) {
    out.push(`${indent}${humanizeKey(key)}`);
    for (const line of text.replace(/\n+$/, '').split('\n')) out.push(`${indent}  ${line}`);
    return;
  }
  out.push(`${indent}${label}  ${text}`);
}

/** The summary as the CLI prints it after a run. */
export function formatSummary(summary: CliSummary, options: { mode?: string } = {}): string {
  const out: string[] = [];
  const mode = options.mode ? ` (mode ${options.mode})` : '';
  out.push(`mlflow-genai${mode}: ${summary.ok ? 'OK' : 'FAILED'}`);
  const phases = summary.phases ?? [];
  if (phases.length > 0) {
    out.push('');
    out.push('Phases');
    const nameWidth = Math.max(...phases.map((p) => p.name.length));
    const statusWidth = Math.max(...phases.map((p) => p.status.length));
    for (const phase of phases) {
      const duration = phase.status === 'skipped' ? '' : formatDuration(phase.durationMs);
      const optional = phase.required === false && phase.status === 'failed' ? '  (optional)' : '';
      const error = phase.error ? `  ${phase.error.split('\n')[0]}` : '';
      out.push(
        `  ${phase.status.padEnd(statusWidth)}  ${phase.name.padEnd(nameWidth)}  ${duration.padStart(8)}${optional}${error}`.trimEnd(),
      );
    }
  }
  const rest = Object.entries(summary as unknown as Record<string, unknown>).filter(
    ([key, value]) => key !== 'ok' && key !== 'phases' && present(value),
  );
  if (rest.length > 0) {
    out.push('');
    const width = Math.min(
      MAX_KEY_WIDTH,
      Math.max(...rest.filter(([, v]) => !isPlainObject(v)).map(([k]) => humanizeKey(k).length), 0),
    );
    for (const [key, value] of rest) renderField(out, key, value, '', width);
  }
  return `${out.join('\n')}\n`;
}
