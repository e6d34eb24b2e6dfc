/**
 * One inline SVG chart per scorer: a bar per category for yes/no, boolean and other categorical
 * values, a histogram for numbers. Errors get their own bar, so a failing judge is visible.
 */

import { escapeHtml, formatNumber } from './html.js';

/** What a scorer produced over the rows, as the charts need it. */
export interface ScorerSeries {
  name: string;
  /** Every value (one per feedback), errors excluded. */
  values: unknown[];
  /** How many feedbacks carried an error. */
  errors: number;
}

/** A summary of one scorer's values. */
export interface ScorerSummary {
  kind: 'categorical' | 'numeric' | 'empty';
  /** For categorical values: the count per category, in display order. */
  categories: Array<{ label: string; count: number }>;
  /** For numeric values: histogram bins. */
  bins: Array<{ from: number; to: number; count: number }>;
  /** Mean of the numeric value of each feedback (yes = 1, no = 0, booleans likewise), if any. */
  mean: number | null;
  count: number;
  errors: number;
}

const CATEGORY_ORDER = ['yes', 'true', 'no', 'false', 'unknown'];

function categoryOf(value: unknown): string {
  if (typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value.trim();
  return JSON.stringify(value);
}

/** yes/true → 1, no/false → 0, numbers as they are; else null (as MLflow's aggregation reads them). */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (s === 'yes') return 1;
    if (s === 'no') return 0;
  }
  return null;
}

/** Summarises a scorer's values for its chart. */
export function summarize(series: ScorerSeries): ScorerSummary {
  const { values, errors } = series;
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const numeric = values.map(numericValue).filter((n): n is number => n !== null);
  const mean = numeric.length > 0 ? numeric.reduce((a, b) => a + b, 0) / numeric.length : null;
  const base = { mean, count: values.length, errors };
  if (values.length === 0) return { kind: 'empty', categories: [], bins: [], ...base };
  if (numbers.length === values.length) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const distinct = new Set(numbers).size;
    const n = min === max ? 1 : Math.min(10, distinct);
    const width = n === 1 ? 1 : (max - min) / n;
    const bins = Array.from({ length: n }, (_, i) => ({
      from: min + i * width,
      to: n === 1 ? max : min + (i + 1) * width,
      count: 0,
    }));
    for (const v of numbers) {
      const i = n === 1 ? 0 : Math.min(n - 1, Math.floor((v - min) / width));
      (bins[i] as { count: number }).count++;
    }
    return { kind: 'numeric', categories: [], bins, ...base };
  }
  const counts = new Map<string, number>();
  for (const v of values) {
    const c = categoryOf(v);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const categories = [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => {
      const ia = CATEGORY_ORDER.indexOf(a.label.toLowerCase());
      const ib = CATEGORY_ORDER.indexOf(b.label.toLowerCase());
      if (ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return b.count - a.count || (a.label < b.label ? -1 : 1);
    });
  return { kind: 'categorical', categories, bins: [], ...base };
}

const WIDTH = 360;
const HEIGHT = 180;
const PAD = { top: 12, right: 12, bottom: 42, left: 36 };
const MAX_BARS = 12;

function barColor(label: string): string {
  const l = label.toLowerCase();
  if (l === 'yes' || l === 'true') return '#2e7d32';
  if (l === 'no' || l === 'false') return '#c62828';
  if (l === 'error') return '#6d4c41';
  if (l === 'unknown') return '#9e9e9e';
  return '#1565c0';
}

/** Renders a scorer's chart as an inline SVG (no external resources). */
export function renderChart(series: ScorerSeries, summary: ScorerSummary = summarize(series)): string {
  let bars: Array<{ label: string; count: number; color: string }>;
  if (summary.kind === 'numeric') {
    bars = summary.bins.map((b) => ({
      label: summary.bins.length === 1 ? formatNumber(b.from) : `${formatNumber(b.from)}–${formatNumber(b.to)}`,
      count: b.count,
      color: '#1565c0',
    }));
  } else {
    const shown = summary.categories.slice(0, MAX_BARS);
    const rest = summary.categories.slice(MAX_BARS).reduce((a, c) => a + c.count, 0);
    bars = shown.map((c) => ({ label: c.label, count: c.count, color: barColor(c.label) }));
    if (rest > 0) bars.push({ label: 'other', count: rest, color: '#9e9e9e' });
  }
  if (summary.errors > 0) bars.push({ label: 'error', count: summary.errors, color: barColor('error') });

  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxCount = Math.max(1, ...bars.map((b) => b.count));
  const slot = bars.length > 0 ? plotW / bars.length : plotW;
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  const title = `${series.name}: ${summary.kind === 'numeric' ? 'distribution of values' : 'count per value'}`;
  const parts: string[] = [
    `<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#555"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#555"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end" font-size="10">${maxCount}</text>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end" font-size="10">0</text>`,
  ];
  if (bars.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" font-size="12">no values</text>`);
  }
  bars.forEach((b, i) => {
    const h = (b.count / maxCount) * plotH;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const y = PAD.top + plotH - h;
    const label = b.label.length > 14 ? `${b.label.slice(0, 13)}…` : b.label;
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color}" data-label="${escapeHtml(b.label)}" data-count="${b.count}"><title>${escapeHtml(`${b.label}: ${b.count}`)}</title></rect>`,
      `<text class="bar-count" x="${(x + barW / 2).toFixed(1)}" y="${(y - 2).toFixed(1)}" text-anchor="middle" font-size="10">${b.count}</text>`,
      `<text class="bar-label" x="${(x + barW / 2).toFixed(1)}" y="${PAD.top + plotH + 14}" text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`,
    );
  });
  if (summary.kind === 'numeric' && summary.mean !== null && summary.bins.length > 1) {
    const first = summary.bins[0] as { from: number };
    const last = summary.bins[summary.bins.length - 1] as { to: number };
    const span = last.to - first.from || 1;
    const x = PAD.left + ((summary.mean - first.from) / span) * (bars.length - (summary.errors > 0 ? 1 : 0)) * slot;
    parts.push(
      `<line class="mean" x1="${x.toFixed(1)}" y1="${PAD.top}" x2="${x.toFixed(1)}" y2="${PAD.top + plotH}" stroke="#ef6c00" stroke-dasharray="4 3"/>`,
      `<text x="${x.toFixed(1)}" y="${PAD.top + plotH + 30}" text-anchor="middle" font-size="10" fill="#ef6c00">mean ${escapeHtml(formatNumber(summary.mean))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
