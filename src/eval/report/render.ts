/**
 * The evaluation report: one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource, a Content-Security-Policy that forbids loading any) with the run's metrics, a chart per
 * scorer, and a row per evaluated example showing its inputs, outputs, expectations and every score
 * with its rationale or error. Every value is escaped.
 */

import type { EvaluationResult } from '../types.js';
import { renderChart, type ScorerSeries, type ScorerSummary, summarize } from './charts.js';
import { displayValue, escapeHtml, formatNumber, slug } from './html.js';

/** A feedback as the report reads it (a `Feedback`, or its JSON form). */
export interface ReportFeedback {
  name: string;
  value?: unknown;
  rationale?: string | null;
  error?: { errorCode?: string | null; errorMessage?: string | null } | null;
  source?: { sourceType?: string; sourceId?: string | null } | null;
  spanId?: string | null;
}

/** A row as the report reads it (an `EvaluationRow` fits). */
export interface ReportRow {
  index?: number;
  requestId?: string;
  traceId?: string | null;
  inputs: unknown;
  outputs?: unknown;
  expectations?: Record<string, unknown> | null;
  feedbacks: readonly ReportFeedback[];
  error?: string | null;
  executionTimeMs?: number | null;
}

/** What the report renders: an {@link EvaluationResult}, or anything of the same shape. */
export interface ReportInput {
  runId?: string | null;
  experimentId?: string | null;
  metrics?: Record<string, number>;
  rows: readonly ReportRow[];
}

/** Options of {@link renderEvaluationReport}. */
export interface RenderReportOptions {
  /** Page title; `Evaluation report` by default. */
  title?: string;
  /** Shown under the title, e.g. the run name. */
  subtitle?: string;
  /** Creation time shown in the header (ms since the epoch or a Date); none by default, so output is reproducible. */
  generatedAt?: number | Date;
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
header { padding: 20px 28px 8px; background: #fff; border-bottom: 1px solid #e0e0e0; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 10px; }
.meta { color: #555; margin: 2px 0; }
.meta code { background: #f1f1f1; padding: 1px 4px; border-radius: 3px; }
main { padding: 0 28px 40px; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #e0e0e0; padding: 6px 8px; vertical-align: top; text-align: left; }
th { background: #f5f5f5; position: sticky; top: 0; z-index: 1; }
table.metrics td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart .stats { color: #555; font-weight: 400; font-size: 12px; }
.rows-wrap { overflow-x: auto; }
table.rows { min-width: 100%; }
table.rows td { max-width: 420px; }
table.rows td.index { max-width: 150px; }
td.index .span { word-break: break-all; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; max-height: 260px; overflow: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.score { margin-bottom: 6px; }
.score:last-child { margin-bottom: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; background: #e3f2fd; color: #0d47a1; }
.badge.yes, .badge.true { background: #e8f5e9; color: #1b5e20; }
.badge.no, .badge.false { background: #ffebee; color: #b71c1c; }
.badge.unknown { background: #eeeeee; color: #424242; }
.badge.error { background: #efebe9; color: #4e342e; }
.rationale { color: #333; font-size: 12px; margin-top: 2px; }
.error-message { color: #b71c1c; font-size: 12px; white-space: pre-wrap; }
.span { color: #777; font-size: 11px; }
details summary { cursor: pointer; color: #0d47a1; font-size: 12px; }
.row-error { color: #b71c1c; }
.muted { color: #888; }
`;

function badgeClass(value: unknown): string {
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['yes', 'no', 'unknown', 'true', 'false'].includes(v)) return v;
  }
  return 'value';
}

function valueText(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return displayValue(value);
}

function renderFeedback(f: ReportFeedback): string {
  const parts: string[] = [];
  const scope = f.spanId ? ` <span class="span">span ${escapeHtml(f.spanId)}</span>` : '';
  if (f.error) {
    const code = f.error.errorCode ?? 'ERROR';
    parts.push(`<span class="badge error">error</span> <code>${escapeHtml(code)}</code>${scope}`);
    if (f.error.errorMessage) parts.push(`<div class="error-message">${escapeHtml(f.error.errorMessage)}</div>`);
  } else {
    parts.push(`<span class="badge ${badgeClass(f.value)}">${escapeHtml(valueText(f.value))}</span>${scope}`);
  }
  if (f.rationale) {
    const text = f.rationale;
    parts.push(
      text.length > 280
        ? `<details class="rationale"><summary>${escapeHtml(`${text.slice(0, 200)}…`)}</summary>${escapeHtml(text)}</details>`
        : `<div class="rationale">${escapeHtml(text)}</div>`,
    );
  }
  const source = f.source?.sourceType
    ? `${f.source.sourceType}${f.source.sourceId ? ` · ${f.source.sourceId}` : ''}`
    : '';
  return `<div class="score" title="${escapeHtml(source)}" data-name="${escapeHtml(f.name)}">${parts.join('')}</div>`;
}

function block(value: unknown): string {
  if (value === undefined || value === null) return '<span class="muted">—</span>';
  return `<pre>${escapeHtml(displayValue(value))}</pre>`;
}

/** Scorer names in first-seen order, and their values and error counts. */
function collectSeries(rows: readonly ReportRow[]): ScorerSeries[] {
  const byName = new Map<string, ScorerSeries>();
  for (const row of rows) {
    for (const f of row.feedbacks) {
      let s = byName.get(f.name);
      if (!s) {
        s = { name: f.name, values: [], errors: 0 };
        byName.set(f.name, s);
      }
      if (f.error) s.errors++;
      else s.values.push(f.value ?? null);
    }
  }
  return [...byName.values()];
}

function renderSummaryStats(summary: ScorerSummary): string {
  const parts = [`${summary.count} value${summary.count === 1 ? '' : 's'}`];
  if (summary.mean !== null) parts.push(`mean ${formatNumber(summary.mean)}`);
  if (summary.errors > 0) parts.push(`${summary.errors} error${summary.errors === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/**
 * Renders an evaluation result as a self-contained HTML page (a pure function: same input, same
 * text). Open it from disk, or log it as a run artifact with {@link saveEvaluationReport}.
 */
export function renderEvaluationReport(
  input: ReportInput | EvaluationResult,
  options: RenderReportOptions = {},
): string {
  const rows = (input.rows ?? []) as readonly ReportRow[];
  const title = options.title ?? 'Evaluation report';
  const series = collectSeries(rows);
  const scorerNames = series.map((s) => s.name);
  const failedRows = rows.filter((r) => r.error).length;
  const metrics = Object.entries(input.metrics ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const header: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  if (options.subtitle) header.push(`<p class="meta">${escapeHtml(options.subtitle)}</p>`);
  const ids: string[] = [];
  if (input.runId) ids.push(`run <code>${escapeHtml(input.runId)}</code>`);
  if (input.experimentId) ids.push(`experiment <code>${escapeHtml(input.experimentId)}</code>`);
  if (options.generatedAt !== undefined) {
    const when = new Date(options.generatedAt instanceof Date ? options.generatedAt.getTime() : options.generatedAt);
    ids.push(`generated ${escapeHtml(when.toISOString())}`);
  }
  if (ids.length > 0) header.push(`<p class="meta">${ids.join(' · ')}</p>`);
  header.push(
    `<p class="meta" id="counts">${rows.length} row${rows.length === 1 ? '' : 's'} · ${scorerNames.length} score${scorerNames.length === 1 ? '' : 's'}` +
      `${failedRows > 0 ? ` · <span class="row-error">${failedRows} failed prediction${failedRows === 1 ? '' : 's'}</span>` : ''}</p>`,
  );

  const body: string[] = [];
  body.push('<section id="metrics"><h2>Metrics</h2>');
  if (metrics.length === 0) body.push('<p class="muted">No metrics were logged.</p>');
  else {
    body.push('<table class="metrics"><thead><tr><th>Metric</th><th>Value</th></tr></thead><tbody>');
    for (const [key, value] of metrics) {
      body.push(`<tr><td>${escapeHtml(key)}</td><td class="num">${escapeHtml(formatNumber(value))}</td></tr>`);
    }
    body.push('</tbody></table>');
  }
  body.push('</section>');

  body.push('<section id="charts"><h2>Scores</h2>');
  if (series.length === 0) body.push('<p class="muted">No scores.</p>');
  body.push('<div class="charts">');
  series.forEach((s, i) => {
    const summary = summarize(s);
    body.push(
      `<figure class="chart" id="chart-${slug(s.name, i)}" data-scorer="${escapeHtml(s.name)}">` +
        `<figcaption>${escapeHtml(s.name)} <span class="stats">${escapeHtml(renderSummaryStats(summary))}</span></figcaption>` +
        `${renderChart(s, summary)}</figure>`,
    );
  });
  body.push('</div></section>');

  body.push('<section id="rows"><h2>Rows</h2><div class="rows-wrap"><table class="rows"><thead><tr>');
  body.push('<th>#</th><th>Inputs</th><th>Outputs</th><th>Expectations</th>');
  for (const name of scorerNames) body.push(`<th class="scorer">${escapeHtml(name)}</th>`);
  body.push('</tr></thead><tbody>');
  rows.forEach((row, i) => {
    const index = row.index ?? i;
    const info: string[] = [`<div>${escapeHtml(index)}</div>`];
    if (row.traceId) info.push(`<div class="span" title="trace id">${escapeHtml(row.traceId)}</div>`);
    if (row.executionTimeMs !== undefined && row.executionTimeMs !== null) {
      info.push(`<div class="span">${escapeHtml(formatNumber(row.executionTimeMs))} ms</div>`);
    }
    const outputs = row.error
      ? `${block(row.outputs)}<div class="row-error">${escapeHtml(row.error)}</div>`
      : block(row.outputs);
    const expectations =
      row.expectations && Object.keys(row.expectations).length > 0 ? block(row.expectations) : block(null);
    body.push(
      `<tr data-row="${escapeHtml(index)}"><td class="index">${info.join('')}</td><td class="inputs">${block(row.inputs)}</td>` +
        `<td class="outputs">${outputs}</td><td class="expectations">${expectations}</td>`,
    );
    for (const name of scorerNames) {
      const feedbacks = row.feedbacks.filter((f) => f.name === name);
      body.push(
        `<td class="scores" data-scorer="${escapeHtml(name)}">${feedbacks.length === 0 ? '<span class="muted">—</span>' : feedbacks.map(renderFeedback).join('')}</td>`,
      );
    }
    body.push('</tr>');
  });
  body.push('</tbody></table></div></section>');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="mlflow-genai">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header>${header.join('')}</header>`,
    `<main>${body.join('')}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
