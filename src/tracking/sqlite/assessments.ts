import type BetterSqlite3 from 'better-sqlite3';
import { pyJsonDumps, pyJsonLoads } from '../../internal/python-json.js';
import {
  type Assessment,
  type AssessmentError,
  assessmentAggregate,
  Expectation,
  Feedback,
  generateAssessmentId,
  IssueReference,
  parseAssessmentSourceType,
} from '../entities/assessment.js';
import { ErrorCode, InvalidParameterError, MlflowError, ResourceDoesNotExistError } from '../errors.js';
import type { UpdateAssessmentArgs } from '../store.js';
import { statementCache } from './database.js';

/** What the assessment part of the embedded store needs from the tracking store. */
export interface SqliteAssessmentStoreHost {
  readonly db: BetterSqlite3.Database;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
}

/** An `assessments` row. */
interface AssessmentRow {
  assessment_id: string;
  trace_id: string;
  name: string;
  assessment_type: string;
  value: string;
  error: string | null;
  created_timestamp: number;
  last_updated_timestamp: number;
  source_type: string;
  source_id: string | null;
  run_id: string | null;
  span_id: string | null;
  rationale: string | null;
  overrides: string | null;
  valid: number;
  assessment_metadata: string | null;
  experiment_id: number | null;
  trace_timestamp_ms: number | null;
}

const ID_CHUNK = 500;
const INSERT_COLUMNS = [
  'assessment_id',
  'trace_id',
  'name',
  'assessment_type',
  'value',
  'error',
  'created_timestamp',
  'last_updated_timestamp',
  'source_type',
  'source_id',
  'run_id',
  'span_id',
  'rationale',
  'overrides',
  'valid',
  'assessment_metadata',
  'experiment_id',
  'trace_timestamp_ms',
  'aggregate_value',
  'is_numeric_value',
] as const;
const INSERT_SQL = `INSERT INTO assessments (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`;
// `session.merge` by primary key: an existing row is overwritten in place.
const UPSERT_SQL = `${INSERT_SQL} ON CONFLICT (assessment_id) DO UPDATE SET ${INSERT_COLUMNS.filter(
  (c) => c !== 'assessment_id',
)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

/**
 * Assessments in MLflow 3.18's `assessments` table, written and read as `SqlAlchemyStore` does: values,
 * errors and metadata as Python's `json.dumps` writes them, the trace's experiment and timestamp
 * denormalised onto the row, and the analytics aggregate (`aggregate_value`, `is_numeric_value`).
 */
export class SqliteAssessmentStore {
  readonly #host: SqliteAssessmentStoreHost;
  readonly #stmt: (sql: string) => BetterSqlite3.Statement;

  constructor(host: SqliteAssessmentStoreHost) {
    this.#host = host;
    this.#stmt = statementCache(host.db);
  }

  /**
   * `SqlAlchemyStore.create_assessment`: stores the assessment with a new `a-...` id (unless it carries
   * one), marks the assessment it overrides invalid, and returns the stored entity.
   */
  createAssessment(assessment: Assessment): Assessment {
    return this.createAssessments([assessment])[0] as Assessment;
  }

  /** {@link createAssessment} for several assessments in one transaction: all are stored or none. */
  createAssessments(assessments: readonly Assessment[]): Assessment[] {
    for (const a of assessments) {
      checkAssessment(a);
      if (!a.traceId) {
        throw new InvalidParameterError(
          `Invalid value ${JSON.stringify(a.traceId)} for parameter 'trace_id' supplied: an assessment must name its trace.`,
        );
      }
    }
    if (assessments.length === 0) return [];
    return this.#host.write(() => assessments.map((a) => this.#insert(a, a.traceId as string)));
  }

  #insert(assessment: Assessment, traceId: string): Assessment {
    const trace = this.#stmt('SELECT experiment_id, timestamp_ms FROM trace_info WHERE request_id = ?').get(traceId) as
      | { experiment_id: number; timestamp_ms: number }
      | undefined;
    if (!trace) throw new ResourceDoesNotExistError(`Trace with ID '${traceId}' not found.`);
    const row = toRow(assessment, traceId, trace.experiment_id, trace.timestamp_ms);
    if (row.overrides) {
      const updated = this.#stmt('UPDATE assessments SET valid = 0 WHERE trace_id = ? AND assessment_id = ?').run(
        traceId,
        row.overrides,
      ).changes;
      if (updated === 0) {
        throw new ResourceDoesNotExistError(`Assessment with ID '${row.overrides}' not found for trace '${traceId}'`);
      }
    }
    try {
      this.#stmt(INSERT_SQL).run(...rowValues(row));
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new MlflowError(
          `Failed to create assessment for trace '${traceId}' due to a constraint violation.`,
          ErrorCode.INTERNAL_ERROR,
          { cause: err },
        );
      }
      throw err;
    }
    // The row as stored, read back as `to_mlflow_entity` would (no second query needed).
    return fromRow(row as unknown as AssessmentRow);
  }

  /** `SqlAlchemyStore.get_assessment`. */
  getAssessment(traceId: string, assessmentId: string): Assessment {
    return this.#host.read(() => fromRow(this.#row(traceId, assessmentId)));
  }

  /** `_get_sql_assessment`: the row, or RESOURCE_DOES_NOT_EXIST naming the trace or the assessment. */
  #row(traceId: string, assessmentId: string): AssessmentRow {
    const row = this.#stmt('SELECT * FROM assessments WHERE trace_id = ? AND assessment_id = ?').get(
      traceId,
      assessmentId,
    ) as AssessmentRow | undefined;
    if (row) return row;
    if (!this.#stmt('SELECT 1 FROM trace_info WHERE request_id = ?').get(traceId)) {
      throw new ResourceDoesNotExistError(`Trace with request_id '${traceId}' not found`);
    }
    throw new ResourceDoesNotExistError(`Assessment with ID '${assessmentId}' not found for trace '${traceId}'`);
  }

  /**
   * `SqlAlchemyStore.update_assessment`: the name, the value (and a feedback's error), the rationale and
   * the metadata (merged) change; source, span, run, validity and override link stay. The update time
   * becomes now.
   */
  updateAssessment(traceId: string, assessmentId: string, updates: UpdateAssessmentArgs): Assessment {
    return this.#host.write(() => {
      const existing = fromRow(this.#row(traceId, assessmentId));
      if (updates.expectation !== undefined && updates.feedback !== undefined) {
        throw new InvalidParameterError('Cannot specify both `expectation` and `feedback` parameters.');
      }
      if (updates.expectation !== undefined && existing.kind !== 'expectation') {
        throw new InvalidParameterError('Cannot update expectation value on a Feedback assessment.');
      }
      if (updates.feedback !== undefined && existing.kind !== 'feedback') {
        throw new InvalidParameterError('Cannot update feedback value on an Expectation assessment.');
      }
      if (existing.kind === 'issue') {
        throw new InvalidParameterError(`Assessment '${assessmentId}' is an issue reference, which cannot be updated.`);
      }
      let metadata: Record<string, string> | null = null;
      if (existing.metadata || updates.metadata)
        metadata = { ...(existing.metadata ?? {}), ...(updates.metadata ?? {}) };
      const metadataJson = metadata && Object.keys(metadata).length > 0 ? pyJsonAscii(metadata) : null;
      const now = Date.now();
      const common = {
        name: updates.name ?? existing.name,
        source: existing.source,
        traceId,
        metadata,
        spanId: existing.spanId,
        createTimeMs: existing.createTimeMs,
        lastUpdateTimeMs: now,
        assessmentId: existing.assessmentId,
        overrides: existing.overrides,
        valid: existing.valid,
        runId: existing.runId,
      };
      let updated: Feedback | Expectation;
      if (existing.kind === 'expectation') {
        updated = new Expectation({
          ...common,
          value: updates.expectation ? updates.expectation.value : existing.value,
        });
      } else {
        updated = new Feedback({
          ...common,
          value: updates.feedback ? updates.feedback.value : existing.value,
          error: updates.feedback ? (updates.feedback.error ?? null) : existing.error,
          rationale: updates.rationale ?? existing.rationale,
        });
      }
      const { aggregateValue, isNumeric } = assessmentAggregate(updated.value);
      this.#stmt(
        `UPDATE assessments SET name = ?, value = ?, error = ?, last_updated_timestamp = ?, rationale = ?,
           assessment_metadata = ?, aggregate_value = ?, is_numeric_value = ? WHERE trace_id = ? AND assessment_id = ?`,
      ).run(
        updated.name,
        pyJsonAscii(updated.value),
        updated.kind === 'feedback' ? errorJson(updated.error) : null,
        now,
        updated.rationale,
        metadataJson,
        aggregateValue,
        isNumeric ? 1 : 0,
        traceId,
        assessmentId,
      );
      return updated;
    });
  }

  /**
   * `SqlAlchemyStore.delete_assessment`: removes the assessment; the one it overrode becomes valid again.
   * A missing assessment is not an error.
   */
  deleteAssessment(traceId: string, assessmentId: string): void {
    this.#host.write(() => {
      const row = this.#stmt('SELECT overrides FROM assessments WHERE trace_id = ? AND assessment_id = ?').get(
        traceId,
        assessmentId,
      ) as { overrides: string | null } | undefined;
      if (!row) return;
      if (row.overrides) {
        this.#stmt('UPDATE assessments SET valid = 1 WHERE assessment_id = ?').run(row.overrides);
      }
      this.#stmt('DELETE FROM assessments WHERE trace_id = ? AND assessment_id = ?').run(traceId, assessmentId);
    });
  }
}

/**
 * The assessments of each trace (`_build_trace_infos_from_rows`), in the order the table returns them.
 * Call inside the caller's read or transaction.
 */
export function readTraceAssessments(
  db: BetterSqlite3.Database,
  traceIds: readonly string[],
): Map<string, Assessment[]> {
  const out = new Map<string, Assessment[]>();
  for (const id of traceIds) out.set(id, []);
  for (let i = 0; i < traceIds.length; i += ID_CHUNK) {
    const chunk = traceIds.slice(i, i + ID_CHUNK);
    const rows = readStatement(db, chunk.length).all(...chunk) as AssessmentRow[];
    for (const row of rows) out.get(row.trace_id)?.push(fromRow(row));
  }
  return out;
}

// Single-trace reads (getTrace, getTraceInfo) are the hot path: their statement is prepared once per database.
const readStatements = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

function readStatement(db: BetterSqlite3.Database, n: number): BetterSqlite3.Statement {
  const sql = `SELECT * FROM assessments WHERE trace_id IN (${new Array(n).fill('?').join(', ')})`;
  if (n !== 1) return db.prepare(sql);
  let stmt = readStatements.get(db);
  if (!stmt) {
    stmt = db.prepare(sql);
    readStatements.set(db, stmt);
  }
  return stmt;
}

/**
 * `start_trace`'s assessments (`trace_info.assessments`): stored on the trace, the trace's id, experiment
 * and request time written onto each. A new trace inserts them; an existing one merges them by id,
 * refusing an id that belongs to another trace. Call inside the caller's transaction.
 */
export function writeTraceAssessments(
  db: BetterSqlite3.Database,
  trace: { traceId: string; experimentId: number; requestTime: number },
  assessments: readonly Assessment[],
  merge: boolean,
): void {
  if (assessments.length === 0) return;
  const rows = assessments.map((a) => {
    checkAssessment(a);
    return toRow(a, trace.traceId, trace.experimentId, trace.requestTime);
  });
  if (merge) {
    const ids = rows.map((r) => r.assessment_id);
    const foreign = db
      .prepare(
        `SELECT assessment_id FROM assessments WHERE assessment_id IN (${ids.map(() => '?').join(', ')}) AND trace_id != ?`,
      )
      .get(...ids, trace.traceId) as { assessment_id: string } | undefined;
    if (foreign) {
      throw new InvalidParameterError(`Assessment with ID '${foreign.assessment_id}' belongs to another trace.`);
    }
  }
  const stmt = db.prepare(merge ? UPSERT_SQL : INSERT_SQL);
  for (const row of rows) stmt.run(...rowValues(row));
}

// ------------------------------------------------------------------------------------------ rows

/** A row to insert: an `assessments` row (the experiment id may come back from SQLite as a bigint) plus the analytics columns. */
type NewRow = Omit<AssessmentRow, 'experiment_id'> & {
  experiment_id: number | bigint | null;
  aggregate_value: number | null;
  is_numeric_value: number;
};

function checkAssessment(a: Assessment): void {
  if (!a || typeof a !== 'object' || !['feedback', 'expectation', 'issue'].includes(a.kind)) {
    throw new InvalidParameterError('Assessment must have either feedback, expectation, or issue value');
  }
}

/** `SqlAssessments.from_mlflow_entity`, with the trace's denormalised columns. */
function toRow(a: Assessment, traceId: string, experimentId: number | bigint, traceTimestamp: number): NewRow {
  const now = Date.now();
  let type: string;
  let value: unknown;
  let error: string | null = null;
  if (a.kind === 'feedback') {
    type = 'feedback';
    value = a.value;
    error = errorJson(a.error);
  } else if (a.kind === 'expectation') {
    type = 'expectation';
    value = a.value;
  } else {
    type = 'issue';
    value = { issue_name: a.issueName };
  }
  const { aggregateValue, isNumeric } = assessmentAggregate(value);
  return {
    assessment_id: a.assessmentId ?? generateAssessmentId(),
    trace_id: traceId,
    name: a.name,
    assessment_type: type,
    value: pyJsonAscii(value),
    error,
    created_timestamp: a.createTimeMs || now,
    last_updated_timestamp: a.lastUpdateTimeMs || now,
    source_type: parseAssessmentSourceType(a.source.sourceType),
    source_id: a.source.sourceId,
    run_id: a.runId,
    span_id: a.spanId,
    rationale: a.rationale,
    overrides: a.overrides,
    valid: 1,
    assessment_metadata: a.metadata && Object.keys(a.metadata).length > 0 ? pyJsonAscii(a.metadata) : null,
    experiment_id: experimentId,
    trace_timestamp_ms: traceTimestamp,
    aggregate_value: aggregateValue,
    is_numeric_value: isNumeric ? 1 : 0,
  };
}

function rowValues(row: NewRow): unknown[] {
  return INSERT_COLUMNS.map((c) => row[c]);
}

/** `SqlAssessments.to_mlflow_entity`. */
function fromRow(row: AssessmentRow): Assessment {
  const value = pyJsonLoads(row.value);
  const metadata = row.assessment_metadata === null ? null : metadataFromJson(row.assessment_metadata);
  const source = { sourceType: parseAssessmentSourceType(row.source_type), sourceId: row.source_id };
  const common = {
    source,
    traceId: row.trace_id,
    metadata,
    spanId: row.span_id,
    createTimeMs: Number(row.created_timestamp),
    lastUpdateTimeMs: Number(row.last_updated_timestamp),
    assessmentId: row.assessment_id,
    overrides: row.overrides,
    valid: Boolean(row.valid),
    runId: row.run_id,
  };
  let a: Assessment;
  switch (row.assessment_type) {
    case 'feedback':
      a = new Feedback({
        ...common,
        name: row.name,
        value: value as Feedback['value'],
        error: row.error === null ? null : errorFromJson(row.error),
        rationale: row.rationale,
      });
      break;
    case 'expectation':
      a = new Expectation({ ...common, name: row.name, value });
      break;
    case 'issue':
      a = new IssueReference({
        ...common,
        issueId: row.name,
        issueName: String((value as { issue_name?: unknown } | null)?.issue_name ?? ''),
        rationale: row.rationale,
      });
      break;
    default:
      throw new MlflowError(`Unknown assessment type: ${row.assessment_type}`, ErrorCode.INTERNAL_ERROR);
  }
  // `to_mlflow_entity` sets the column's run id last, over the one the constructor read from metadata.
  a.runId = row.run_id;
  return a;
}

function metadataFromJson(text: string): Record<string, string> {
  const parsed = pyJsonLoads(text);
  const out: Record<string, string> = {};
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed)) {
      // Python stores what it was given; its values are strings unless a caller broke the contract.
      out[k] = typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'True' : 'False') : pyJsonDumps(v);
    }
  }
  return out;
}

/** `json.dumps(error.to_dictionary())`. */
function errorJson(error: AssessmentError | null): string | null {
  if (!error) return null;
  return pyJsonAscii({
    error_code: error.errorCode,
    error_message: error.errorMessage ?? null,
    stack_trace: error.stackTrace ?? null,
  });
}

function errorFromJson(text: string): AssessmentError {
  const d = (pyJsonLoads(text) ?? {}) as Record<string, unknown>;
  return {
    errorCode: String(d.error_code ?? ''),
    errorMessage: typeof d.error_message === 'string' ? d.error_message : null,
    stackTrace: typeof d.stack_trace === 'string' ? d.stack_trace : null,
  };
}

/** `json.dumps(value)` with Python's defaults (`ensure_ascii=True`, `", "` and `": "` separators). */
export function pyJsonAscii(value: unknown): string {
  return pyJsonDumps(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
