import type { MlflowClient } from '../../tracking/client.js';
import { invalidParameter } from '../../tracking/errors.js';
import { getClient } from '../../tracking/fluent.js';
import type { EvaluationResult } from '../types.js';
import { type RenderReportOptions, type ReportInput, renderEvaluationReport } from './render.js';

/** The report's artifact file name. */
export const EVAL_REPORT_HTML = 'eval_report.html';

/** Options of {@link saveEvaluationReport}. */
export interface SaveReportOptions extends RenderReportOptions {
  /** The run to log the report on; the result's run by default. */
  runId?: string;
  /** The client to log with; the fluent client by default. */
  client?: MlflowClient;
  /** Artifact path of the file; `eval_report.html` by default. */
  artifactFile?: string;
}

/**
 * Renders the report ({@link renderEvaluationReport}) and logs it as a run artifact
 * (`eval_report.html` by default). Returns the artifact path and the HTML.
 */
export async function saveEvaluationReport(
  result: EvaluationResult | ReportInput,
  options: SaveReportOptions = {},
): Promise<{ artifactPath: string; html: string }> {
  const runId = options.runId ?? result.runId ?? undefined;
  if (!runId) throw invalidParameter('saveEvaluationReport needs a run: pass {runId} or a result with a runId.');
  const artifactFile = options.artifactFile ?? EVAL_REPORT_HTML;
  const { runId: _r, client: _c, artifactFile: _a, ...renderOptions } = options;
  const html = renderEvaluationReport(result, renderOptions);
  await (options.client ?? getClient()).logText(runId, html, artifactFile);
  return { artifactPath: artifactFile, html };
}
