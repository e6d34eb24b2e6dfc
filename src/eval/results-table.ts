import type { MlflowClient } from '../tracking/client.js';
import { saveEvaluationReport } from './report/index.js';
import type { EvaluationResult, EvaluationRow } from './types.js';

/** The evaluation table's artifact name (`_EVAL_TABLE_FILE_NAME`). */
export const EVAL_RESULTS_TABLE = 'eval_results_table.json';
/** `MLFLOW_LOGGED_ARTIFACTS`: the run tag listing tables logged with `log_table`. */
export const MLFLOW_LOGGED_ARTIFACTS = 'mlflow.loggedArtifacts';

/**
 * The rows as a table in pandas' `orient="split"` JSON (what `mlflow.log_table` writes and
 * `mlflow.load_table` reads): `request_id`, `trace_id`, `inputs`, `outputs`, `expectations`, `error`,
 * `execution_time_ms`, then for every feedback name `<name>/value`, `<name>/rationale`,
 * `<name>/error_message` and `<name>/error_code` (`EvalResult.get_assessments_dict`).
 */
export function resultsTable(rows: readonly EvaluationRow[]): { columns: string[]; data: unknown[][] } {
  const base = ['request_id', 'trace_id', 'inputs', 'outputs', 'expectations', 'error', 'execution_time_ms'];
  const names: string[] = [];
  for (const r of rows) for (const f of r.feedbacks) if (!names.includes(f.name)) names.push(f.name);
  const columns = [
    ...base,
    ...names.flatMap((n) => [`${n}/value`, `${n}/rationale`, `${n}/error_message`, `${n}/error_code`]),
  ];
  const data = rows.map((r) => {
    const cells: unknown[] = [
      r.requestId,
      r.traceId,
      r.inputs,
      r.outputs ?? null,
      r.expectations,
      r.error,
      r.executionTimeMs,
    ];
    for (const n of names) {
      // The last feedback of a name wins, as in the dict MLflow builds.
      const f = [...r.feedbacks].reverse().find((x) => x.name === n);
      cells.push(
        f ? (f.value ?? null) : null,
        f?.rationale ?? null,
        f?.error?.errorMessage ?? null,
        f?.error?.errorCode ?? null,
      );
    }
    return cells;
  });
  return { columns, data };
}

/** pandas' `to_json` text: compact, non-ASCII escaped, non-finite numbers as null. */
function pandasJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Log `eval_results_table.json` on the run as `mlflow.log_table` does (the table file and the
 * `mlflow.loggedArtifacts` tag), then the self-contained HTML report (`eval_report.html`). Failures
 * are warnings: the evaluation's results are already stored.
 */
export async function logResultsTable(client: MlflowClient, runId: string, result: EvaluationResult): Promise<void> {
  try {
    await client.logText(runId, pandasJson(resultsTable(result.rows)), EVAL_RESULTS_TABLE);
    const run = await client.getRun(runId);
    let listed: Array<{ path: string; type: string }> = [];
    try {
      listed = JSON.parse(run.data.tags[MLFLOW_LOGGED_ARTIFACTS] ?? '[]');
    } catch {
      listed = [];
    }
    if (!listed.some((t) => t.path === EVAL_RESULTS_TABLE && t.type === 'table')) {
      listed.push({ path: EVAL_RESULTS_TABLE, type: 'table' });
      const value = `[${listed.map((t) => `{"path": ${JSON.stringify(t.path)}, "type": ${JSON.stringify(t.type)}}`).join(', ')}]`;
      await client.setTag(runId, MLFLOW_LOGGED_ARTIFACTS, value);
    }
  } catch (err) {
    process.emitWarning(`Failed to log ${EVAL_RESULTS_TABLE}: ${(err as Error).message}`, {
      type: 'MlflowEvaluationWarning',
    });
  }
  try {
    await saveEvaluationReport(result, { client, runId });
  } catch (err) {
    process.emitWarning(`Failed to log the evaluation report: ${(err as Error).message}`, {
      type: 'MlflowEvaluationWarning',
    });
  }
}
