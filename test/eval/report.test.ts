// The evaluation report: a pure, self-contained HTML page (escaped, no script, no external resource),
// rendered in headless Chromium (Debian's, through playwright-core) where a screenshot is taken and
// the DOM is checked (cells, charts, bars), then logged as a run artifact from a real evaluate() run.

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/evaluate.js';
import { EVAL_REPORT_HTML, renderEvaluationReport, saveEvaluationReport } from '../../src/eval/report/index.js';
import { scorer } from '../../src/eval/scorer.js';
import type { EvaluationResult, EvaluationRow } from '../../src/eval/types.js';
import { closeAllTrackingStores, getClient, resetFluentState, resetTracing, setTrackingUri } from '../../src/index.js';
import { Feedback } from '../../src/tracking/entities/assessment.js';
import { makeTempDir } from '../helpers/paths.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const tmp = makeTempDir('mlflow-genai-report-unit-');
const XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

type Browser = import('playwright-core').Browser;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/setup-chromium.sh (or set CHROMIUM_PATH).`);
  }
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await resetTracing();
  resetFluentState();
  await closeAllTrackingStores();
  tmp.cleanup();
});

const judge = (sourceId: string) => ({ sourceType: 'LLM_JUDGE' as const, sourceId });

function row(index: number, over: Partial<EvaluationRow>): EvaluationRow {
  return {
    index,
    requestId: `req-${index}`,
    traceId: `tr-${String(index).padStart(32, '0')}`,
    inputs: {},
    outputs: null,
    expectations: {},
    tags: {},
    feedbacks: [],
    expectationAssessments: [],
    assessments: [],
    error: null,
    executionTimeMs: 12.5 * (index + 1),
    runId: null,
    ...over,
  };
}

function sampleResult(): EvaluationResult {
  const rows: EvaluationRow[] = [
    row(0, {
      inputs: { question: 'What is the capital of France?' },
      outputs: 'Paris is the capital of France.',
      expectations: { expected_response: 'Paris' },
      feedbacks: [
        new Feedback({
          name: 'correctness',
          value: 'yes',
          rationale: 'States Paris.',
          source: judge('openai:/gpt-4o-mini'),
        }),
        new Feedback({ name: 'exact_match', value: false }),
        new Feedback({ name: 'rouge_l', value: 0.42 }),
      ],
    }),
    row(1, {
      inputs: { question: XSS },
      outputs: `Ünïcødé 😀 & ${XSS}`,
      expectations: { expected_response: '"quoted" & <b>bold</b>' },
      feedbacks: [
        new Feedback({
          name: 'correctness',
          value: 'no',
          rationale: `Rationale with ${XSS}`,
          source: judge('openai:/gpt-4o-mini'),
        }),
        new Feedback({ name: 'exact_match', value: true }),
        new Feedback({ name: 'rouge_l', value: 0.91 }),
      ],
    }),
    row(2, {
      inputs: { question: 'Who wrote Hamlet?' },
      outputs: null,
      error: 'TimeoutError: the model did not answer',
      feedbacks: [
        new Feedback({
          name: 'correctness',
          source: judge('openai:/gpt-4o-mini'),
          error: {
            errorCode: 'SCORER_ERROR',
            errorMessage: 'Failed to parse response from judge model. Response: ???',
          },
        }),
        new Feedback({ name: 'exact_match', value: false }),
        new Feedback({ name: 'rouge_l', value: 0.1 }),
      ],
    }),
  ];
  return {
    runId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    experimentId: '7',
    metrics: { 'correctness/mean': 0.5, 'exact_match/mean': 1 / 3, 'rouge_l/mean': 0.4767 },
    rows,
  };
}

describe('renderEvaluationReport (pure)', () => {
  it('is self-contained, deterministic and escapes every value', () => {
    const result = sampleResult();
    const html = renderEvaluationReport(result, { title: 'QA <eval>' });
    expect(renderEvaluationReport(result, { title: 'QA <eval>' })).toBe(html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|base)\b|@import|url\(/i);
    // The only URL is the SVG namespace (not a resource).
    expect(
      [...html.matchAll(/https?:\/\/[^\s"'<]+/g)].map((m) => m[0]).every((u) => u === 'http://www.w3.org/2000/svg'),
    ).toBe(true);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(html).toContain('<title>QA &lt;eval&gt;</title>');
    expect(html).toContain('Content-Security-Policy');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(3);
    expect(html.match(/<tr data-row=/g)).toHaveLength(3);
  });
});

describe('the report in headless Chromium', () => {
  it('renders rows, scores with rationales and errors, and one SVG chart per scorer', async () => {
    const path = join(tmp.dir, 'report.html');
    writeFileSync(path, renderEvaluationReport(sampleResult(), { title: 'QA evaluation', generatedAt: 0 }));
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href);
    const shot = join(tmp.dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    if (process.env.REPORT_SCREENSHOT) writeFileSync(process.env.REPORT_SCREENSHOT, png);

    // Nothing but the page itself was loaded, and the injected markup stayed text.
    expect(requests).toEqual([pathToFileURL(path).href]);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);

    expect(await page.locator('h1').textContent()).toBe('QA evaluation');
    expect(await page.locator('#counts').textContent()).toBe('3 rows · 3 scores · 1 failed prediction');
    const headers = await page.locator('table.rows thead th').allTextContents();
    expect(headers).toEqual(['#', 'Inputs', 'Outputs', 'Expectations', 'correctness', 'exact_match', 'rouge_l']);
    const second = page.locator('tr[data-row="1"]');
    expect(await second.locator('td.inputs').textContent()).toContain(`"question": "${XSS.replaceAll('"', '\\"')}"`);
    expect(await second.locator('td.outputs').textContent()).toBe(`Ünïcødé 😀 & ${XSS}`);
    expect(await second.locator('td[data-scorer="correctness"] .badge').textContent()).toBe('no');
    expect(await second.locator('td[data-scorer="correctness"] .rationale').textContent()).toBe(
      `Rationale with ${XSS}`,
    );
    const third = page.locator('tr[data-row="2"]');
    expect(await third.locator('td[data-scorer="correctness"] .error-message').textContent()).toBe(
      'Failed to parse response from judge model. Response: ???',
    );
    expect(await third.locator('td.outputs .row-error').textContent()).toBe('TimeoutError: the model did not answer');
    expect(await page.locator('td[data-scorer="rouge_l"] .badge').allTextContents()).toEqual(['0.42', '0.91', '0.1']);

    const metrics = await page.locator('table.metrics tbody tr').allTextContents();
    expect(metrics).toEqual(['correctness/mean0.5', 'exact_match/mean0.3333', 'rouge_l/mean0.4767']);

    expect(await page.locator('figure.chart').count()).toBe(3);
    const bars = async (scorerName: string) =>
      page
        .locator(`figure.chart[data-scorer="${scorerName}"] svg rect.bar`)
        .evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-label'), Number(r.getAttribute('data-count'))]));
    expect(await bars('correctness')).toEqual([
      ['yes', 1],
      ['no', 1],
      ['error', 1],
    ]);
    expect(await bars('exact_match')).toEqual([
      ['true', 1],
      ['false', 2],
    ]);
    const rouge = await bars('rouge_l');
    expect(rouge.reduce((n, [, c]) => n + (c as number), 0)).toBe(3);
    // Bars are drawn: each counted bar has a visible height.
    const heights = await page
      .locator('figure.chart[data-scorer="correctness"] rect.bar')
      .evaluateAll((rects) => rects.map((r) => (r as unknown as { getBBox(): { height: number } }).getBBox().height));
    expect(heights.every((h) => h > 10)).toBe(true);
    expect(await page.locator('figure.chart[data-scorer="rouge_l"] line.mean').count()).toBe(1);
    await page.close();
  });
});

describe('saveEvaluationReport', () => {
  it('logs eval_report.html on the evaluation run, openable from disk', async () => {
    setTrackingUri(`sqlite:///${join(tmp.dir, 'mlflow.db')}`);
    const contains = scorer({ name: 'mentions_paris' }, ({ outputs }) => String(outputs).includes('Paris'));
    const length = scorer({ name: 'length' }, ({ outputs }) => String(outputs).length);
    const result = await evaluate({
      data: [
        { inputs: { q: 'capital of France?' }, outputs: 'Paris' },
        { inputs: { q: 'capital of Spain?' }, outputs: 'Madrid <b>!</b>' },
      ],
      scorers: [contains, length],
      quiet: true,
      logResults: false,
    });
    const { artifactPath, html } = await saveEvaluationReport(result);
    expect(artifactPath).toBe(EVAL_REPORT_HTML);
    const client = getClient();
    expect((await client.listArtifacts(result.runId)).map((f) => f.path)).toContain(EVAL_REPORT_HTML);
    const local = await client.downloadArtifacts(result.runId, EVAL_REPORT_HTML, join(tmp.dir, 'dl'));
    expect(readFileSync(local, 'utf8')).toBe(html);
    expect(html).toContain('Madrid &lt;b&gt;!&lt;/b&gt;');

    const page = await browser!.newPage();
    await page.goto(pathToFileURL(local).href);
    expect(await page.locator('figure.chart').evaluateAll((f) => f.map((x) => x.getAttribute('data-scorer')))).toEqual([
      'mentions_paris',
      'length',
    ]);
    expect(await page.locator('tr[data-row="1"] td[data-scorer="mentions_paris"] .badge').textContent()).toBe('false');
    await page.close();
  });
});
