import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { appendToUriPath } from '../../config/uri.js';
import { pyJsonDumps, pyJsonLoads } from '../../internal/python-json.js';
import {
  isTraceState,
  type PagedList,
  SPANS_LOCATION_TRACKING_STORE,
  Span,
  SpanAttributeKey,
  type SpanDict,
  spanDictToJson,
  type Trace,
  type TraceInfo,
  TraceMetadataKey,
  TraceState,
  TraceTagKey,
} from '../entities/index.js';
import { ErrorCode, InvalidParameterError, MlflowError, ResourceDoesNotExistError } from '../errors.js';
import { createPageToken, parseStartOffsetFromPageToken, validateMaxResults } from '../search/page-token.js';
import { SEARCH_TRACES_DEFAULT_MAX_RESULTS } from '../search/traces.js';
import type { DeleteTracesArgs, SearchTracesQuery } from '../store.js';
import { invalidValue, parseExperimentId, pythonFormat, validateLengthLimit, validateTraceTag } from '../validation.js';
import { readTraceAssessments, writeTraceAssessments } from './assessments.js';
import { statementCache } from './database.js';
import {
  analyticsJson,
  buildSearchTracesSql,
  COST_COLUMN_BY_KEY,
  finiteFloatOrNone,
  TOKEN_COLUMN_BY_KEY,
  tokenCountOrNone,
} from './search-traces-sql.js';

/** What the trace part of the embedded store needs from {@link SqliteTrackingStore}. */
export interface SqliteTraceStoreHost {
  readonly db: BetterSqlite3.Database;
  /** Runs `fn` in one IMMEDIATE transaction, mapping driver errors to MlflowErrors. */
  write<T>(fn: () => T): T;
  /** Runs `fn` (reads), mapping driver errors to MlflowErrors. */
  read<T>(fn: () => T): T;
  /** The experiment's row; throws RESOURCE_DOES_NOT_EXIST when missing. */
  experiment(experimentId: string): { experimentId: string; artifactLocation: string; lifecycleStage: string };
}

/** A `trace_info` row. */
interface TraceInfoRow {
  request_id: string;
  experiment_id: number;
  timestamp_ms: number;
  execution_time_ms: number | null;
  status: string;
  client_request_id: string | null;
  request_preview: string | null;
  response_preview: string | null;
  db_payload_generation: number;
  trace_name: string | null;
  session_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  cache_creation_input_tokens_above_1hr: number | null;
  input_cost: number | null;
  output_cost: number | null;
  total_cost: number | null;
}

/** A `spans` row as `_log_spans_once` builds it. */
interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  type: string | null;
  status: string;
  start_time_unix_nano: bigint;
  end_time_unix_nano: bigint | null;
  content: string;
  input_cost: number | null;
  output_cost: number | null;
  total_cost: number | null;
  model_name: string | null;
  model_provider: string | null;
}

/** `SpanAggregationNode`: a span's usage or cost payload with its place in the span tree. */
interface AggregationNode {
  spanId: string;
  parentId: string | null;
  data: Record<string, unknown> | null;
}

/** `_TraceAggregate`: per-trace values `log_spans` computes before touching the database. */
interface TraceAggregate {
  minStartMs: number;
  maxEndMs: number | null;
  rootSpanStatus: TraceState | null;
  traceStatus: TraceState;
  tokenUsage: Record<string, number> | null;
  cost: Record<string, number> | null;
  sessionId: string | null;
  userId: string | null;
  rootAttributes: Record<string, unknown> | null;
  traceTags: Map<string, string>;
  usageNodes: AggregationNode[];
  costNodes: AggregationNode[];
}

/** `PROMOTED_TRACE_METADATA_KEYS`: metadata kept in `trace_info` columns, synthesised on read. */
const PROMOTED_METADATA_KEYS: ReadonlySet<string> = new Set([
  TraceMetadataKey.TRACE_SESSION,
  TraceMetadataKey.TOKEN_USAGE,
  TraceMetadataKey.COST,
]);
const TOKEN_KEYS = ['input_tokens', 'output_tokens', 'total_tokens'];
const CACHE_TOKEN_KEYS = [
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'cache_creation_input_tokens_above_1hr',
];
const COST_KEYS = ['input_cost', 'output_cost', 'total_cost'];
/** `MAX_CHARS_IN_TRACE_INFO_TAGS_VALUE` / `MAX_CHARS_IN_TRACE_INFO_METADATA`. */
const MAX_TRACE_NAME_LENGTH = 4096;
const MAX_SESSION_ID_LENGTH = 250;
/** `MODEL_DIMENSION_MAX_LENGTH`. */
const MODEL_DIMENSION_MAX_LENGTH = 500;
/** `TRACE_REQUEST_RESPONSE_PREVIEW_MAX_LENGTH_OSS`. */
const PREVIEW_MAX_LENGTH = 1000;
/** `MAX_TRACE_LINKS_PER_REQUEST`. */
const MAX_TRACE_LINKS_PER_REQUEST = 100;
const ID_CHUNK = 500;
// Upserts that keep the row (and its rowid) as SQLAlchemy's merge does, unlike INSERT OR REPLACE.
const UPSERT_TAG =
  'INSERT INTO trace_tags ("key", value, request_id) VALUES (?, ?, ?) ON CONFLICT ("key", request_id) DO UPDATE SET value = excluded.value';
const UPSERT_METADATA =
  'INSERT INTO trace_request_metadata ("key", value, request_id) VALUES (?, ?, ?) ON CONFLICT ("key", request_id) DO UPDATE SET value = excluded.value';
const SPANS_LOCATION_ARCHIVE_REPO = 'ARCHIVE_REPO';
const CONVERSATION_ID_ATTRIBUTE = 'gen_ai.conversation.id';

/**
 * Traces in MLflow 3.18's SQL tables (trace_info, trace_tags, trace_request_metadata, spans,
 * entity_associations), written and read as `SqlAlchemyStore` does it.
 *
 * Not reproduced (all off by default in MLflow): SQL trace rollups (`MLFLOW_SQL_TRACE_ROLLUPS_ENABLED`:
 * nothing is queued for rebuild), trace archival (archived traces are refused, never read from the
 * archive), workspaces other than the default one, and server-side LLM cost calculation from
 * MLflow's model price catalog (spans keep the `mlflow.llm.cost` they carry).
 */
export class SqliteTraceStore {
  readonly #host: SqliteTraceStoreHost;
  readonly #stmt: (sql: string) => BetterSqlite3.Statement;

  constructor(host: SqliteTraceStoreHost) {
    this.#host = host;
    this.#stmt = statementCache(host.db);
    registerRegexp(host.db);
  }

  // ------------------------------------------------------------------------------- start_trace

  /**
   * `SqlAlchemyStore.start_trace`: inserts the trace (tags, metadata with promoted keys moved to
   * columns, `mlflow.trace.infoFinalized`, the artifact-location tag), or, when `log_spans` made the
   * row first, merges into it. Returns the stored info.
   */
  startTrace(info: TraceInfo): TraceInfo {
    const traceName = validateTraceName(info.tags[TraceTagKey.TRACE_NAME] ?? null);
    if (!isTraceState(info.state)) {
      throw new InvalidParameterError(invalidValue('state', info.state, `must be one of ${Object.keys(TraceState)}`));
    }
    const traceId = info.traceId;
    return this.#host.write(() => {
      const experiment = this.#host.experiment(info.experimentId);
      if (experiment.lifecycleStage !== 'active') {
        throw new InvalidParameterError(
          `The experiment ${experiment.experimentId} must be in the 'active' state. ` +
            `Current state is ${experiment.lifecycleStage}.`,
        );
      }
      const experimentId = Number(experiment.experimentId);
      const metadata: Record<string, string> = { ...info.traceMetadata };
      const analytics = analyticsColumnsFromMetadata(metadata);
      // The computed artifact location replaces one the caller sent (a trace copied from another
      // store); MLflow would fail on the duplicate key instead.
      const tagMap = new Map(Object.entries(info.tags).filter(([k]) => k !== TraceTagKey.TRACE_NAME));
      tagMap.set(TraceTagKey.ARTIFACT_LOCATION, artifactLocation(experiment.artifactLocation, traceId));
      const tags = [...tagMap];
      for (const key of PROMOTED_METADATA_KEYS) delete metadata[key];
      metadata[TraceMetadataKey.TRACE_INFO_FINALIZED] = 'true';
      const sortedMetadata = Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const requestPreview = replaceNul(info.requestPreview);
      const responsePreview = replaceNul(info.responsePreview);

      const existing = this.#traceRow(traceId);
      if (!existing) {
        const columns: Record<string, unknown> = {
          request_id: traceId,
          experiment_id: experimentId,
          timestamp_ms: info.requestTime,
          execution_time_ms: info.executionDuration,
          status: info.state,
          client_request_id: info.clientRequestId,
          request_preview: requestPreview,
          response_preview: responsePreview,
          trace_name: traceName,
          ...analytics,
        };
        const names = Object.keys(columns);
        this.#stmt(`INSERT INTO trace_info (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(
          ...names.map((n) => bindValue(columns[n])),
        );
        const insTag = this.#stmt('INSERT INTO trace_tags ("key", value, request_id) VALUES (?, ?, ?)');
        for (const [k, v] of tags) insTag.run(k, v, traceId);
        const insMeta = this.#stmt('INSERT INTO trace_request_metadata ("key", value, request_id) VALUES (?, ?, ?)');
        for (const [k, v] of sortedMetadata) insMeta.run(k, v, traceId);
        writeTraceAssessments(
          this.#host.db,
          { traceId, experimentId, requestTime: info.requestTime },
          info.assessments ?? [],
          false,
        );
        return this.#readTraceInfo(traceId);
      }

      // The trace exists (normally: log_spans() ran first). Merge into it additively.
      if (String(existing.experiment_id) !== String(info.experimentId)) {
        throw new InvalidParameterError(`Trace with ID '${traceId}' already exists in another experiment.`);
      }
      const location = this.#spansLocation(traceId);
      if (location !== null && location !== SPANS_LOCATION_TRACKING_STORE) {
        throw new MlflowError(
          `Cannot update traces that are no longer DB-backed: '${traceId}'.`,
          ErrorCode.INVALID_STATE,
        );
      }
      // Assessments merge by id alone: one belonging to another trace is refused before anything is written.
      writeTraceAssessments(
        this.#host.db,
        { traceId, experimentId, requestTime: info.requestTime },
        info.assessments ?? [],
        true,
      );
      this.#advancePayloadGenerations([traceId]);
      const updates: Record<string, unknown> = {
        timestamp_ms: info.requestTime,
        execution_time_ms: info.executionDuration,
        status: info.state,
        client_request_id: info.clientRequestId,
      };
      if (Object.hasOwn(info.tags, TraceTagKey.TRACE_NAME)) updates.trace_name = traceName;
      Object.assign(updates, analytics);
      if (info.requestPreview !== null && info.requestPreview !== undefined) updates.request_preview = requestPreview;
      if (info.responsePreview !== null && info.responsePreview !== undefined) {
        updates.response_preview = responsePreview;
      }
      this.#updateTraceInfo(traceId, updates);
      const upTag = this.#stmt(UPSERT_TAG);
      for (const [k, v] of tags) upTag.run(k, v, traceId);
      const upMeta = this.#stmt(UPSERT_METADATA);
      for (const [k, v] of sortedMetadata) upMeta.run(k, v, traceId);
      this.#stmt('UPDATE spans SET experiment_id = ? WHERE trace_id = ?').run(BigInt(experimentId), traceId);
      this.#stmt('UPDATE assessments SET experiment_id = ?, trace_timestamp_ms = ? WHERE trace_id = ?').run(
        BigInt(experimentId),
        bindValue(info.requestTime),
        traceId,
      );
      return this.#readTraceInfo(traceId);
    });
  }

  #updateTraceInfo(traceId: string, updates: Record<string, unknown>): void {
    const names = Object.keys(updates);
    if (names.length === 0) return;
    this.#stmt(`UPDATE trace_info SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE request_id = ?`).run(
      ...names.map((n) => bindValue(updates[n])),
      traceId,
    );
  }

  #traceRow(traceId: string): TraceInfoRow | undefined {
    return this.#stmt('SELECT * FROM trace_info WHERE request_id = ?').get(traceId) as TraceInfoRow | undefined;
  }

  #spansLocation(traceId: string): string | null {
    const row = this.#stmt('SELECT value FROM trace_tags WHERE request_id = ? AND "key" = ?').get(
      traceId,
      TraceTagKey.SPANS_LOCATION,
    ) as { value: string | null } | undefined;
    return row ? row.value : null;
  }

  /**
   * `_advance_db_payload_generations_for_db_span_writes`: bumps `db_payload_generation` of traces
   * whose spans live in the tracking store; fails (rolling back the write) for any other trace.
   */
  #advancePayloadGenerations(traceIds: string[]): void {
    const ids = [...new Set(traceIds)];
    let updated = 0;
    for (const chunk of chunks(ids, ID_CHUNK)) {
      updated += this.#stmt(
        `UPDATE trace_info SET db_payload_generation = db_payload_generation + 1
           WHERE request_id IN (${placeholders(chunk.length)}) AND NOT EXISTS (
             SELECT 1 FROM trace_tags AS t WHERE t.request_id = trace_info.request_id AND t."key" = ? AND t.value != ?)`,
      ).run(...chunk, TraceTagKey.SPANS_LOCATION, SPANS_LOCATION_TRACKING_STORE).changes;
    }
    if (updated === ids.length) return;
    const archived: string[] = [];
    const other: string[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const row = this.#traceRow(id);
      const location = row ? this.#spansLocation(id) : null;
      if (!row) missing.push(id);
      else if (location === SPANS_LOCATION_ARCHIVE_REPO) archived.push(id);
      else if (location !== null && location !== SPANS_LOCATION_TRACKING_STORE) other.push(id);
    }
    const list = (xs: string[]) =>
      xs
        .sort()
        .map((x) => `'${x}'`)
        .join(', ');
    if (archived.length > 0 && other.length === 0 && missing.length === 0) {
      throw new MlflowError(`Cannot log spans to archived traces: ${list(archived)}.`, ErrorCode.INVALID_STATE);
    }
    if (missing.length > 0 && archived.length === 0 && other.length === 0) {
      throw new ResourceDoesNotExistError(`Cannot log spans to traces that no longer exist: ${list(missing)}.`);
    }
    const groups: string[] = [];
    if (archived.length > 0) groups.push(`archived=${list(archived)}`);
    if (other.length > 0) groups.push(`other=${list(other)}`);
    if (missing.length > 0) groups.push(`missing=${list(missing)}`);
    throw new MlflowError(
      'Cannot log spans because one or more traces are unavailable for DB-backed span writes' +
        (groups.length > 0 ? `: ${groups.join('; ')}` : '.'),
      ErrorCode.INVALID_STATE,
    );
  }

  // --------------------------------------------------------------------------------- log_spans

  /**
   * `SqlAlchemyStore.log_spans` (`_log_spans_once`): stores the spans of one or more traces in one
   * transaction, creating missing `trace_info` rows and updating existing ones (time range, state,
   * previews, name, token usage and cost aggregated over the span tree, session and user).
   */
  logSpans(experimentId: string, spans: Span[]): void {
    if (spans.length === 0) return;
    const byTrace = new Map<string, Span[]>();
    for (const span of spans) {
      const id = span.traceId;
      let list = byTrace.get(id);
      if (!list) {
        list = [];
        byTrace.set(id, list);
      }
      list.push(span);
    }
    const aggregates = new Map<string, TraceAggregate>();
    const spanRows: SpanRow[] = [];
    for (const [traceId, traceSpans] of byTrace) {
      aggregates.set(traceId, aggregateTrace(traceId, traceSpans, spanRows));
    }
    const allTraceIds = [...byTrace.keys()];
    const batchSpanKeys = new Set(spanRows.map((r) => `${r.trace_id}\u0000${r.span_id}`));

    this.#host.write(() => {
      // Phase 1: existing traces.
      const existing = new Map<string, TraceInfoRow>();
      for (const chunk of chunks(allTraceIds, ID_CHUNK)) {
        for (const row of this.#stmt(
          `SELECT * FROM trace_info WHERE request_id IN (${placeholders(chunk.length)}) ORDER BY request_id`,
        ).all(...chunk) as TraceInfoRow[]) {
          existing.set(row.request_id, row);
        }
      }

      // Phase 2: create the missing ones.
      const created = new Set<string>();
      if (allTraceIds.some((id) => !existing.has(id))) {
        const experiment = this.#host.experiment(experimentId);
        const expId = parseExperimentId(experimentId);
        for (const traceId of allTraceIds) {
          if (existing.has(traceId)) continue;
          const agg = aggregates.get(traceId) as TraceAggregate;
          const row: TraceInfoRow = {
            request_id: traceId,
            experiment_id: expId,
            timestamp_ms: agg.minStartMs,
            execution_time_ms: agg.maxEndMs ? agg.maxEndMs - agg.minStartMs : null,
            status: agg.traceStatus,
            client_request_id: null,
            request_preview: null,
            response_preview: null,
            db_payload_generation: 0,
            trace_name: null,
            session_id: null,
            input_tokens: null,
            output_tokens: null,
            total_tokens: null,
            cache_read_input_tokens: null,
            cache_creation_input_tokens: null,
            cache_creation_input_tokens_above_1hr: null,
            input_cost: null,
            output_cost: null,
            total_cost: null,
          };
          const tag = artifactLocation(experiment.artifactLocation, traceId);
          this.#stmt(
            'INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, client_request_id) VALUES (?, ?, ?, ?, ?, NULL)',
          ).run(traceId, BigInt(expId), bindValue(row.timestamp_ms), bindValue(row.execution_time_ms), row.status);
          this.#stmt('INSERT INTO trace_tags ("key", value, request_id) VALUES (?, ?, ?)').run(
            TraceTagKey.ARTIFACT_LOCATION,
            tag,
            traceId,
          );
          existing.set(traceId, row);
          created.add(traceId);
        }
      }

      // Only add spans to traces of the experiment being logged to.
      const foreign = allTraceIds
        .filter((id) => String((existing.get(id) as TraceInfoRow).experiment_id) !== String(experimentId))
        .sort();
      if (foreign.length > 0) {
        throw new InvalidParameterError(`Trace with ID '${foreign[0]}' already exists in another experiment.`);
      }

      // Phase 3: upsert the span rows.
      const upsert = this.#stmt(
        `INSERT INTO spans (trace_id, experiment_id, span_id, parent_span_id, name, type, status,
           start_time_unix_nano, end_time_unix_nano, content, input_cost, output_cost, total_cost, model_name, model_provider)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (trace_id, span_id) DO UPDATE SET
           experiment_id = excluded.experiment_id, parent_span_id = excluded.parent_span_id, name = excluded.name,
           type = excluded.type, status = excluded.status, start_time_unix_nano = excluded.start_time_unix_nano,
           end_time_unix_nano = excluded.end_time_unix_nano, content = excluded.content,
           input_cost = excluded.input_cost, output_cost = excluded.output_cost, total_cost = excluded.total_cost,
           model_name = excluded.model_name, model_provider = excluded.model_provider`,
      );
      for (const r of spanRows) {
        upsert.run(
          r.trace_id,
          BigInt((existing.get(r.trace_id) as TraceInfoRow).experiment_id),
          r.span_id,
          r.parent_span_id,
          r.name,
          r.type,
          r.status,
          r.start_time_unix_nano,
          r.end_time_unix_nano,
          r.content,
          r.input_cost,
          r.output_cost,
          r.total_cost,
          r.model_name,
          r.model_provider,
        );
      }

      // Phase 4: which traces start_trace() already finalized (its values win over span-derived ones).
      const withUsage = allTraceIds.filter((id) => (aggregates.get(id) as TraceAggregate).tokenUsage);
      const withCost = allTraceIds.filter((id) => (aggregates.get(id) as TraceAggregate).cost);
      const withSession = allTraceIds.filter((id) => (aggregates.get(id) as TraceAggregate).sessionId);
      const finalized = new Set<string>();
      const candidates = [...new Set([...withUsage, ...withCost, ...withSession])].sort();
      for (const chunk of chunks(candidates, ID_CHUNK)) {
        for (const row of this.#host.db
          .prepare(
            `SELECT request_id FROM trace_request_metadata WHERE request_id IN (${placeholders(chunk.length)}) AND "key" = ?`,
          )
          .all(...chunk, TraceMetadataKey.TRACE_INFO_FINALIZED) as Array<{ request_id: string }>) {
          finalized.add(row.request_id);
        }
      }
      const hasAny = (row: TraceInfoRow, columns: Readonly<Record<string, string>>) =>
        Object.values(columns).some((c) => row[c as keyof TraceInfoRow] !== null);
      const authoritativeUsage = new Set(
        withUsage.filter((id) => finalized.has(id) && hasAny(existing.get(id) as TraceInfoRow, TOKEN_COLUMN_BY_KEY)),
      );
      const authoritativeCost = new Set(
        withCost.filter((id) => finalized.has(id) && hasAny(existing.get(id) as TraceInfoRow, COST_COLUMN_BY_KEY)),
      );
      // Traces stored before this call: recompute usage/cost over stored + batch spans, so that a
      // rollup parent and its children arriving in different batches are not double-counted.
      const recomputeUsage = new Set(withUsage.filter((id) => !created.has(id) && !authoritativeUsage.has(id)));
      const recomputeCost = new Set(withCost.filter((id) => !created.has(id) && !authoritativeCost.has(id)));
      const storedUsage = new Map<string, AggregationNode[]>();
      const storedCost = new Map<string, AggregationNode[]>();
      const recompute = [...new Set([...recomputeUsage, ...recomputeCost])].sort();
      for (const chunk of chunks(recompute, ID_CHUNK)) {
        for (const row of this.#host.db
          .prepare(
            `SELECT trace_id, span_id, parent_span_id, content FROM spans WHERE trace_id IN (${placeholders(chunk.length)}) AND content != ''`,
          )
          .all(...chunk) as Array<{
          trace_id: string;
          span_id: string;
          parent_span_id: string | null;
          content: string;
        }>) {
          if (batchSpanKeys.has(`${row.trace_id}\u0000${row.span_id}`)) continue;
          let attributes: Record<string, unknown>;
          try {
            const parsed = pyJsonLoads(row.content) as { attributes?: Record<string, unknown> } | null;
            attributes = (parsed && typeof parsed === 'object' && parsed.attributes) || {};
          } catch {
            continue;
          }
          if (recomputeUsage.has(row.trace_id)) {
            pushTo(
              storedUsage,
              row.trace_id,
              aggregationNode(row.span_id, row.parent_span_id, attributes, SpanAttributeKey.CHAT_USAGE),
            );
          }
          if (recomputeCost.has(row.trace_id)) {
            pushTo(
              storedCost,
              row.trace_id,
              aggregationNode(row.span_id, row.parent_span_id, attributes, SpanAttributeKey.LLM_COST),
            );
          }
        }
      }

      // Phase 5: per-trace updates, in sorted id order as MLflow does them.
      for (const traceId of [...allTraceIds].sort()) {
        const agg = aggregates.get(traceId) as TraceAggregate;
        const row = existing.get(traceId) as TraceInfoRow;
        const sets: string[] = [];
        const params: unknown[] = [];
        let timestampMayChange = false;
        if (!finalized.has(traceId)) {
          sets.push('timestamp_ms = CASE WHEN timestamp_ms > ? THEN ? ELSE timestamp_ms END');
          params.push(agg.minStartMs, agg.minStartMs);
          timestampMayChange = row.timestamp_ms > agg.minStartMs;
          if (agg.maxEndMs !== null) {
            sets.push(
              'execution_time_ms = (CASE WHEN (timestamp_ms + execution_time_ms) > ? THEN timestamp_ms + execution_time_ms ELSE ? END)' +
                ' - (CASE WHEN timestamp_ms > ? THEN ? ELSE timestamp_ms END)',
            );
            params.push(agg.maxEndMs, agg.maxEndMs, agg.minStartMs, agg.minStartMs);
          }
        }
        const updates: Record<string, unknown> = {};
        if (
          (row.status === TraceState.IN_PROGRESS || row.status === TraceState.STATE_UNSPECIFIED) &&
          agg.rootSpanStatus
        ) {
          updates.status = agg.rootSpanStatus;
        }
        if (agg.rootAttributes) Object.assign(updates, previewUpdates(row, agg.rootAttributes));
        if (agg.traceTags.has(TraceTagKey.TRACE_NAME)) updates.trace_name = agg.traceTags.get(TraceTagKey.TRACE_NAME);
        if (agg.tokenUsage && !authoritativeUsage.has(traceId)) {
          const usage = created.has(traceId)
            ? agg.tokenUsage
            : aggregateUsage([...agg.usageNodes, ...(storedUsage.get(traceId) ?? [])]);
          if (usage) {
            for (const [key, column] of Object.entries(TOKEN_COLUMN_BY_KEY)) {
              const value = tokenCountOrNone(usage[key]);
              if (value !== null) updates[column] = value;
            }
          }
        }
        if (agg.cost && !authoritativeCost.has(traceId)) {
          const cost = created.has(traceId)
            ? agg.cost
            : aggregateCost([...agg.costNodes, ...(storedCost.get(traceId) ?? [])]);
          if (cost) {
            for (const [key, column] of Object.entries(COST_COLUMN_BY_KEY)) {
              const value = finiteFloatOrNone(cost[key]);
              if (value !== null) updates[column] = value;
            }
          }
        }
        if (agg.sessionId && row.session_id === null) updates.session_id = agg.sessionId;
        if (agg.userId) {
          const user = this.#stmt('SELECT 1 FROM trace_request_metadata WHERE request_id = ? AND "key" = ?').get(
            traceId,
            TraceMetadataKey.TRACE_USER,
          );
          if (!user) {
            this.#stmt(UPSERT_METADATA).run(TraceMetadataKey.TRACE_USER, agg.userId, traceId);
          }
        }
        for (const [column, value] of Object.entries(updates)) {
          sets.push(`${column} = ?`);
          params.push(value);
        }
        if (sets.length > 0) {
          this.#stmt(`UPDATE trace_info SET ${sets.join(', ')} WHERE request_id = ?`).run(
            ...params.map(bindValue),
            traceId,
          );
        }
        if (timestampMayChange) {
          this.#stmt('UPDATE assessments SET trace_timestamp_ms = ? WHERE trace_id = ?').run(
            bindValue(agg.minStartMs),
            traceId,
          );
        }
      }

      this.#advancePayloadGenerations(allTraceIds);

      const upTag = this.#stmt(UPSERT_TAG);
      for (const traceId of allTraceIds) {
        upTag.run(TraceTagKey.SPANS_LOCATION, SPANS_LOCATION_TRACKING_STORE, traceId);
        // OpenTelemetry resource attributes would be stored here as tags; our spans carry no resource.
        for (const [key, value] of (aggregates.get(traceId) as TraceAggregate).traceTags) {
          if (key !== TraceTagKey.TRACE_NAME) upTag.run(key, value, traceId);
        }
      }
    });
  }

  // ------------------------------------------------------------------------------------- reads

  /** `SqlAlchemyStore.get_trace_info`. */
  getTraceInfo(traceId: string): TraceInfo {
    return this.#host.read(() => {
      const row = this.#traceRow(traceId);
      if (!row) throw new ResourceDoesNotExistError(`Trace with ID '${traceId}' not found.`);
      return this.#buildTraceInfos([row])[0] as TraceInfo;
    });
  }

  #readTraceInfo(traceId: string): TraceInfo {
    return this.#buildTraceInfos([this.#traceRow(traceId) as TraceInfoRow])[0] as TraceInfo;
  }

  /** `_build_trace_infos_from_rows`: tags and metadata in bulk, promoted metadata synthesised from columns. */
  #buildTraceInfos(rows: TraceInfoRow[]): TraceInfo[] {
    const tags = new Map<string, Record<string, string>>();
    const metadata = new Map<string, Record<string, string>>();
    for (const row of rows) {
      tags.set(row.request_id, {});
      metadata.set(row.request_id, {});
    }
    const ids = [...tags.keys()];
    const assessments = readTraceAssessments(this.#host.db, ids);
    for (const chunk of chunks(ids, ID_CHUNK)) {
      const ph = placeholders(chunk.length);
      for (const t of this.#stmt(`SELECT request_id, "key", value FROM trace_tags WHERE request_id IN (${ph})`).all(
        ...chunk,
      ) as Array<{ request_id: string; key: string; value: string }>) {
        if (t.key !== TraceTagKey.TRACE_NAME) (tags.get(t.request_id) as Record<string, string>)[t.key] = t.value;
      }
      for (const m of this.#stmt(
        `SELECT request_id, "key", value FROM trace_request_metadata WHERE request_id IN (${ph})`,
      ).all(...chunk) as Array<{ request_id: string; key: string; value: string }>) {
        if (!PROMOTED_METADATA_KEYS.has(m.key)) (metadata.get(m.request_id) as Record<string, string>)[m.key] = m.value;
      }
    }
    return rows.map((row) => {
      const rowTags = tags.get(row.request_id) as Record<string, string>;
      if (row.trace_name !== null) rowTags[TraceTagKey.TRACE_NAME] = row.trace_name;
      const rowMetadata = metadata.get(row.request_id) as Record<string, string>;
      Object.assign(rowMetadata, compatibilityMetadataFromColumns(row));
      return {
        traceId: row.request_id,
        experimentId: String(row.experiment_id),
        requestTime: row.timestamp_ms,
        executionDuration: row.execution_time_ms,
        state: row.status as TraceState,
        requestPreview: row.request_preview,
        responsePreview: row.response_preview,
        clientRequestId: row.client_request_id,
        traceMetadata: rowMetadata,
        tags: rowTags,
        // Only when there are some (the field is optional: absent means none), as the REST store reads them.
        ...(assessments.get(row.request_id)?.length ? { assessments: assessments.get(row.request_id) } : {}),
      };
    });
  }

  /**
   * `SqlAlchemyStore.get_trace`: the info and the spans stored in the tracking store, root spans
   * first, then by start time. Without `allowPartial`, a trace whose size stats count more spans
   * than are stored (or that has none) is "not fully exported yet" (MLflow retries for ~3 s
   * first; this store answers at once).
   */
  getTrace(traceId: string, options: { allowPartial?: boolean } = {}): Trace {
    const allowPartial = options.allowPartial ?? false;
    return this.#host.read(() => {
      const row = this.#traceRow(traceId);
      if (!row) throw new ResourceDoesNotExistError(`Trace with ID ${traceId} is not found.`);
      const info = this.#buildTraceInfos([row])[0] as TraceInfo;
      const location = info.tags[TraceTagKey.SPANS_LOCATION];
      if (location === SPANS_LOCATION_ARCHIVE_REPO) {
        throw new MlflowError(
          `Trace with ID ${traceId} is archived; reading archived traces is not supported by this store.`,
          ErrorCode.NOT_IMPLEMENTED,
        );
      }
      if (location !== SPANS_LOCATION_TRACKING_STORE) {
        throw new MlflowError('Trace data not stored in tracking store', ErrorCode.INTERNAL_ERROR);
      }
      const stored = (
        this.#stmt(
          'SELECT trace_id, content, parent_span_id, start_time_unix_nano FROM spans WHERE trace_id IN (?)',
        ).safeIntegers(true) as BetterSqlite3.Statement
      ).all(traceId) as Array<{ content: string; parent_span_id: string | null; start_time_unix_nano: bigint }>;
      const snapshots = stored
        .filter((s) => s.content !== '')
        .map((s, index) => ({ ...s, index }))
        .sort((a, b) => {
          const ra = a.parent_span_id === null ? 0 : 1;
          const rb = b.parent_span_id === null ? 0 : 1;
          if (ra !== rb) return ra - rb;
          if (a.start_time_unix_nano !== b.start_time_unix_nano) {
            return a.start_time_unix_nano < b.start_time_unix_nano ? -1 : 1;
          }
          return a.index - b.index;
        });
      if (!allowPartial) {
        const expected = expectedSpanCount(info.traceMetadata[TraceMetadataKey.SIZE_STATS]);
        if (snapshots.length === 0 || snapshots.length < expected) {
          throw new ResourceDoesNotExistError(
            `Trace with ID ${traceId} is not fully exported yet, please try again later.`,
          );
        }
      }
      return { info, data: { spans: snapshots.map((s) => spanFromContent(s.content)) } };
    });
  }

  /** `SqlAlchemyStore.search_traces`: MLflow's trace filter grammar, order_by and offset page tokens. */
  searchTraces(query: SearchTracesQuery): PagedList<TraceInfo> {
    const locations = query.experimentIds;
    const invalid = locations.filter((l) => l.includes('.'));
    if (invalid.length > 0) {
      let shown = invalid.join(', ');
      if (shown.length > 20) shown = `${shown.slice(0, 20)}...`;
      throw new InvalidParameterError(
        `Locations must be a list of experiment IDs. Found invalid experiment IDs: ${shown}.`,
      );
    }
    const maxResults = query.maxResults ?? SEARCH_TRACES_DEFAULT_MAX_RESULTS;
    validateMaxResults(maxResults);
    return this.#host.read(() => {
      // No experiment ids (MLflow: no locations) searches every experiment.
      const experimentIds = locations.length === 0 ? null : locations.map((id) => parseExperimentId(id));
      const built = buildSearchTracesSql({
        experimentIds,
        filterString: query.filterString ?? '',
        orderBy: query.orderBy ?? [],
      });
      const offset = parseStartOffsetFromPageToken(query.pageToken);
      const rows = this.#host.db
        .prepare(`${built.sql} LIMIT ? OFFSET ?`)
        .all(...built.params, maxResults + 1, offset) as TraceInfoRow[];
      const items = this.#buildTraceInfos(rows.slice(0, maxResults));
      return rows.length > maxResults ? { items, nextPageToken: createPageToken(offset + maxResults) } : { items };
    });
  }

  // ------------------------------------------------------------------------------------ tags

  /** `SqlAlchemyStore.set_trace_tag`; `mlflow.traceName` is kept in the `trace_name` column. */
  setTraceTag(traceId: string, key: string, value: string): void {
    const checked = validateTraceTag(key, value);
    const tagValue = checked.key === TraceTagKey.TRACE_NAME ? validateTraceName(checked.value) : checked.value;
    this.#host.write(() => {
      const row = this.#traceRow(traceId);
      if (checked.key === TraceTagKey.TRACE_NAME) {
        if (!row) throw new ResourceDoesNotExistError(`Trace with ID '${traceId}' not found.`);
        this.#stmt('UPDATE trace_info SET trace_name = ? WHERE request_id = ?').run(tagValue, traceId);
        return;
      }
      if (!row) {
        // MLflow lets the foreign-key violation through as BAD_REQUEST.
        throw MlflowError.fromCode(
          ErrorCode.BAD_REQUEST,
          `(sqlite3.IntegrityError) FOREIGN KEY constraint failed: no trace with ID '${traceId}' for tag '${checked.key}'`,
        );
      }
      this.#stmt(UPSERT_TAG).run(checked.key, tagValue, traceId);
    });
  }

  /** `SqlAlchemyStore.delete_trace_tag`: a tag that is not set is RESOURCE_DOES_NOT_EXIST. */
  deleteTraceTag(traceId: string, key: string): void {
    this.#host.write(() => {
      const missing = () =>
        new ResourceDoesNotExistError(`No trace tag with key '${key}' for trace with ID '${traceId}'`);
      if (key === TraceTagKey.TRACE_NAME) {
        const row = this.#traceRow(traceId);
        if (!row) throw new ResourceDoesNotExistError(`Trace with ID '${traceId}' not found.`);
        if (row.trace_name === null) throw missing();
        this.#stmt('UPDATE trace_info SET trace_name = NULL WHERE request_id = ?').run(traceId);
        return;
      }
      const info = this.#stmt('DELETE FROM trace_tags WHERE request_id = ? AND "key" = ?').run(traceId, key);
      if (info.changes === 0) throw missing();
    });
  }

  // ---------------------------------------------------------------------------------- deletes

  /**
   * `SqlAlchemyStore.delete_traces`: by ids, or by a maximum timestamp (and at most `maxTraces`,
   * oldest first). Child rows go with the trace through the schema's ON DELETE CASCADE, and
   * review-queue items pointing at the traces are removed. Returns how many traces were deleted.
   */
  deleteTraces(args: DeleteTracesArgs): number {
    const { maxTimestampMillis, maxTraces, traceIds } = args;
    const hasIds = traceIds !== undefined && traceIds.length > 0;
    if ((maxTimestampMillis === undefined || maxTimestampMillis === null) && !hasIds) {
      throw new InvalidParameterError('Either `max_timestamp_millis` or `trace_ids` must be specified.');
    }
    if (maxTimestampMillis !== undefined && maxTimestampMillis !== null && hasIds) {
      throw new InvalidParameterError('Only one of `max_timestamp_millis` and `trace_ids` can be specified.');
    }
    if (hasIds && maxTraces !== undefined && maxTraces !== null) {
      throw new InvalidParameterError("`max_traces` can't be specified if `trace_ids` is specified.");
    }
    if (maxTraces !== undefined && maxTraces !== null && maxTraces <= 0) {
      throw new InvalidParameterError(`\`max_traces\` must be a positive integer, received ${maxTraces}.`);
    }
    const experimentId = parseExperimentId(args.experimentId);
    return this.#host.write(() => {
      const where: string[] = ['experiment_id = ?'];
      const params: unknown[] = [BigInt(experimentId)];
      if (maxTimestampMillis !== undefined && maxTimestampMillis !== null) {
        where.push('timestamp_ms <= ?');
        params.push(bindValue(maxTimestampMillis));
      }
      let selected: string[];
      if (hasIds) {
        const wanted = new Set(traceIds);
        selected = [];
        for (const chunk of chunks([...wanted], ID_CHUNK)) {
          for (const r of this.#host.db
            .prepare(
              `SELECT request_id FROM trace_info WHERE ${where.join(' AND ')} AND request_id IN (${placeholders(chunk.length)})`,
            )
            .all(...(params as never[]), ...chunk) as Array<{ request_id: string }>) {
            selected.push(r.request_id);
          }
        }
      } else {
        const limit = maxTraces !== undefined && maxTraces !== null ? ' LIMIT ?' : '';
        selected = (
          this.#host.db
            .prepare(
              `SELECT request_id FROM trace_info WHERE ${where.join(' AND ')} ORDER BY timestamp_ms, request_id${limit}`,
            )
            .all(...(params as never[]), ...(limit ? [BigInt(maxTraces as number)] : [])) as Array<{
            request_id: string;
          }>
        ).map((r) => r.request_id);
      }
      let deleted = 0;
      for (const chunk of chunks(selected, ID_CHUNK)) {
        const ph = placeholders(chunk.length);
        deleted += this.#host.db.prepare(`DELETE FROM trace_info WHERE request_id IN (${ph})`).run(...chunk).changes;
        this.#host.db
          .prepare(`DELETE FROM review_queue_items WHERE item_type = 'trace' AND item_id IN (${ph})`)
          .run(...chunk);
      }
      return deleted;
    });
  }

  // ------------------------------------------------------------------------------------ links

  /**
   * `SqlAlchemyStore.link_traces_to_run`: one `entity_associations` row (trace → run) per trace not
   * linked yet. At most 100 ids per call. Unlike MLflow (which does not look), the run must exist.
   */
  linkTracesToRun(traceIds: string[], runId: string): void {
    if (traceIds.length === 0) return;
    if (traceIds.length > MAX_TRACE_LINKS_PER_REQUEST) {
      throw new InvalidParameterError(
        `Cannot link more than ${MAX_TRACE_LINKS_PER_REQUEST} traces to a run in a single request. ` +
          `Provided ${traceIds.length} traces.`,
      );
    }
    // Like MLflow's SqlAlchemyStore, the run is not looked up: a link to an unknown run is stored.
    this.#host.write(() => {
      const ids = [...new Set(traceIds)];
      const linked = new Set(
        (
          this.#host.db
            .prepare(
              `SELECT source_id FROM entity_associations WHERE source_type = 'trace' AND source_id IN (${placeholders(ids.length)})
               AND destination_type = 'run' AND destination_id = ?`,
            )
            .all(...ids, runId) as Array<{ source_id: string }>
        ).map((r) => r.source_id),
      );
      const insert = this.#stmt(
        `INSERT INTO entity_associations (association_id, source_type, source_id, destination_type, destination_id, created_time)
         VALUES (?, 'trace', ?, 'run', ?, ?)`,
      );
      const now = BigInt(Date.now());
      for (const id of ids) {
        if (!linked.has(id)) insert.run(randomUUID().replaceAll('-', ''), id, runId, now);
      }
    });
  }

  /** `link_prompts_to_trace`: trace → `prompt_version` (`name/version`) associations, each once. */
  linkPromptsToTrace(traceId: string, prompts: ReadonlyArray<{ name: string; version: string | number }>): void {
    if (prompts.length === 0) return;
    this.#host.write(() => {
      const exists = this.#host.db.prepare('SELECT 1 FROM trace_info WHERE request_id = ?').get(traceId);
      if (!exists) throw new ResourceDoesNotExistError(`Trace with ID '${traceId}' not found.`);
      const ids = [...new Set(prompts.map((p) => `${p.name}/${p.version}`))];
      const linked = new Set(
        (
          this.#host.db
            .prepare(
              `SELECT destination_id FROM entity_associations WHERE source_type = 'trace' AND source_id = ?
               AND destination_type = 'prompt_version' AND destination_id IN (${placeholders(ids.length)})`,
            )
            .all(traceId, ...ids) as Array<{ destination_id: string }>
        ).map((r) => r.destination_id),
      );
      const insert = this.#stmt(
        `INSERT INTO entity_associations (association_id, source_type, source_id, destination_type, destination_id, created_time)
         VALUES (?, 'trace', ?, 'prompt_version', ?, ?)`,
      );
      const now = BigInt(Date.now());
      for (const id of ids) {
        if (!linked.has(id)) insert.run(randomUUID().replaceAll('-', ''), traceId, id, now);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers: values
// ---------------------------------------------------------------------------------------------

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A value for better-sqlite3, which binds every JS number as REAL: safe integers go as INTEGER. */
function bindValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

/** Python truthiness of a JSON-ish value. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '' || value === 0n) {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return !Number.isNaN(value);
}

function isDict(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `try_json_loads`: the parsed JSON, or the value itself when it is not JSON text. */
function tryJsonLoads(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return pyJsonLoads(value);
  } catch {
    return value;
  }
}

/** `_try_parse_json_string`: a JSON-encoded string decoded, anything else unchanged. */
function tryParseJsonString(value: unknown): unknown {
  const parsed = tryJsonLoads(value);
  return typeof parsed === 'string' ? parsed : value;
}

/** Python's `str()` for the scalars span attributes hold. */
function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonFormat.str(value);
}

/** Python's `s[:n]` (code points). */
function pySliceChars(s: string, n: number): string {
  return pythonFormat.len(s) <= n ? s : Array.from(s).slice(0, n).join('');
}

function replaceNul<T extends string | null | undefined>(preview: T): T {
  return (preview ? preview.replaceAll('\u0000', '\ufffd') : preview) as T;
}

function validateTraceName(value: string | null): string | null {
  return validateLengthLimit('Trace name', MAX_TRACE_NAME_LENGTH, value);
}

function validateSessionId(value: string | null): string | null {
  return validateLengthLimit('Session ID', MAX_SESSION_ID_LENGTH, value);
}

/** `_validate_new_trace_id`: the id is a path segment of the trace's artifact location. */
function validateNewTraceId(traceId: string): void {
  const base = traceId.slice(traceId.lastIndexOf('/') + 1);
  if (!traceId || traceId.replace(/[ .]+$/, '') !== traceId || base !== traceId) {
    throw new InvalidParameterError(invalidValue('trace_id', traceId, 'must be a single path component'));
  }
  const unsafe = [...traceId].some((c) => '%?#'.includes(c) || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
  if (unsafe) {
    throw new InvalidParameterError(
      invalidValue('trace_id', traceId, "must not contain '%', '?', '#' or control characters"),
    );
  }
}

/** `<experiment artifact location>/traces/<trace id>/artifacts`: the `mlflow.artifactLocation` tag. */
function artifactLocation(experimentLocation: string, traceId: string): string {
  validateNewTraceId(traceId);
  return appendToUriPath(experimentLocation, 'traces', traceId, 'artifacts');
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (isDict(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed = pyJsonLoads(value);
      return isDict(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return {};
}

/** `analytics_columns_from_metadata`: `trace_info` columns for the promoted metadata present. */
function analyticsColumnsFromMetadata(metadata: Record<string, string>): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (Object.hasOwn(metadata, TraceMetadataKey.TRACE_SESSION)) {
    columns.session_id = validateSessionId(metadata[TraceMetadataKey.TRACE_SESSION] ?? null);
  }
  if (Object.hasOwn(metadata, TraceMetadataKey.TOKEN_USAGE)) {
    const usage = jsonObject(metadata[TraceMetadataKey.TOKEN_USAGE]);
    for (const [key, column] of Object.entries(TOKEN_COLUMN_BY_KEY)) {
      if (Object.hasOwn(usage, key)) columns[column] = tokenCountOrNone(usage[key]);
    }
  }
  if (Object.hasOwn(metadata, TraceMetadataKey.COST)) {
    const cost = jsonObject(metadata[TraceMetadataKey.COST]);
    for (const [key, column] of Object.entries(COST_COLUMN_BY_KEY)) {
      if (Object.hasOwn(cost, key)) columns[column] = finiteFloatOrNone(cost[key]);
    }
  }
  return columns;
}

/** `compatibility_metadata_from_columns`: the promoted metadata as Python writes it back. */
function compatibilityMetadataFromColumns(row: TraceInfoRow): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (row.session_id !== null) metadata[TraceMetadataKey.TRACE_SESSION] = row.session_id;
  const usage: Record<string, number> = {};
  for (const [key, column] of Object.entries(TOKEN_COLUMN_BY_KEY)) {
    const count = tokenCountOrNone(row[column as keyof TraceInfoRow]);
    if (count !== null) usage[key] = count;
  }
  if (Object.keys(usage).length > 0) metadata[TraceMetadataKey.TOKEN_USAGE] = analyticsJson(usage, false);
  const cost: Record<string, number> = {};
  for (const [key, column] of Object.entries(COST_COLUMN_BY_KEY)) {
    const value = row[column as keyof TraceInfoRow];
    if (value !== null && value !== undefined) cost[key] = Number(value);
  }
  if (Object.keys(cost).length > 0) metadata[TraceMetadataKey.COST] = analyticsJson(cost, true);
  return metadata;
}

function expectedSpanCount(sizeStats: string | undefined): number {
  if (!sizeStats) return 0;
  try {
    const stats = pyJsonLoads(sizeStats);
    const n = isDict(stats) ? stats.num_spans : undefined;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}

const TIME_KEYS_RE = /("(?:start_time_unix_nano|end_time_unix_nano|time_unix_nano)"\s*:\s*)(-?\d+)/g;

/** A span from its stored JSON, its dict kept as stored (times as bigint), like MLflow's `LazySpan`. */
function spanFromContent(content: string): Span {
  // Nanosecond times exceed 2^53: quote them before parsing, then read them as bigint.
  const parsed = pyJsonLoads(content.replace(TIME_KEYS_RE, '$1"$2"')) as Record<string, unknown>;
  const toBig = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as string));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'start_time_unix_nano') out[key] = toBig(value) ?? 0n;
    else if (key === 'end_time_unix_nano') out[key] = toBig(value);
    else if (key === 'events' && Array.isArray(value)) {
      out[key] = value.map((e: Record<string, unknown>) => {
        const event: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(e)) event[k] = k === 'time_unix_nano' ? (toBig(v) ?? 0n) : v;
        return event;
      });
    } else out[key] = value;
  }
  return new Span(out as unknown as SpanDict);
}

// ---------------------------------------------------------------------------------------------
// Helpers: span aggregation (`_log_spans_once` before its session)
// ---------------------------------------------------------------------------------------------

function aggregationNode(
  spanId: string,
  parentId: string | null,
  attributes: Record<string, unknown>,
  key: string,
): AggregationNode {
  const value = tryJsonLoads(attributes[key]);
  return { spanId, parentId, data: isDict(value) ? value : null };
}

/**
 * `_aggregate_from_nodes`: sums `keys` (and `optionalKeys` where present) over the span tree,
 * skipping nodes that have an ancestor with data (rollup parents are not double-counted). Visits
 * nodes in MLflow's order so float sums come out bit-identical.
 */
function aggregateNodes(
  nodes: AggregationNode[],
  keys: string[],
  optionalKeys: string[],
): Record<string, number> | null {
  const totals: Record<string, number> = {};
  for (const k of keys) totals[k] = 0;
  let hasData = false;
  const ids = new Set(nodes.map((n) => n.spanId));
  const children = new Map<string, AggregationNode[]>();
  const roots: AggregationNode[] = [];
  for (const node of nodes) {
    if (node.parentId && ids.has(node.parentId)) pushTo(children, node.parentId, node);
    else roots.push(node);
  }
  const stack: Array<[AggregationNode, boolean]> = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [node, ancestorHasData] = stack.pop() as [AggregationNode, boolean];
    const data = node.data;
    if (data !== null && !ancestorHasData) {
      for (const k of keys) totals[k] = (totals[k] as number) + numeric(data[k]);
      for (const k of optionalKeys) {
        if (Object.hasOwn(data, k)) totals[k] = (totals[k] ?? 0) + numeric(data[k]);
      }
      hasData = true;
    }
    const next = ancestorHasData || data !== null;
    for (const child of children.get(node.spanId) ?? []) stack.push([child, next]);
  }
  return hasData ? totals : null;
}

function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

function aggregateUsage(nodes: AggregationNode[]): Record<string, number> | null {
  return aggregateNodes(nodes, TOKEN_KEYS, CACHE_TOKEN_KEYS);
}

function aggregateCost(nodes: AggregationNode[]): Record<string, number> | null {
  return aggregateNodes(nodes, COST_KEYS, []);
}

function rootStatus(spans: Span[]): TraceState | null {
  for (const span of spans) {
    if (span.parentId === null) return span.status.statusCode === 'ERROR' ? TraceState.ERROR : TraceState.OK;
  }
  return null;
}

/** Per-trace aggregates and span rows of one `log_spans` batch (no database access). */
function aggregateTrace(traceId: string, spans: Span[], spanRows: SpanRow[]): TraceAggregate {
  let minStart: bigint | null = null;
  let maxEnd: bigint | null = null;
  for (const span of spans) {
    if (minStart === null || span.startTimeNs < minStart) minStart = span.startTimeNs;
    const end = span.endTimeNs;
    if (end !== null && (maxEnd === null || end > maxEnd)) maxEnd = end;
  }
  const rootSpanStatus = rootStatus(spans);
  const usageNodes: AggregationNode[] = [];
  const costNodes: AggregationNode[] = [];
  let sessionId: string | null = null;
  let userId: string | null = null;
  let rootAttributes: Record<string, unknown> | null = null;
  const traceTags = new Map<string, string>();
  for (const span of spans) {
    const dict = translateSpanWhenStoring(span.toDict());
    const attributes = dict.attributes;
    usageNodes.push(aggregationNode(span.spanId, span.parentId, attributes, SpanAttributeKey.CHAT_USAGE));
    costNodes.push(aggregationNode(span.spanId, span.parentId, attributes, SpanAttributeKey.LLM_COST));
    let spanCost: unknown = null;
    if (Object.keys(attributes).length > 0) {
      const sessionAttr = truthy(attributes[SpanAttributeKey.SESSION_ID])
        ? attributes[SpanAttributeKey.SESSION_ID]
        : attributes[CONVERSATION_ID_ATTRIBUTE];
      if (sessionId === null && truthy(sessionAttr))
        sessionId = validateSessionId(pyStr(tryParseJsonString(sessionAttr)));
      const userAttr = attributes[SpanAttributeKey.USER_ID];
      if (userId === null && truthy(userAttr)) userId = pyStr(tryParseJsonString(userAttr));
      spanCost = attributes[SpanAttributeKey.LLM_COST];
    }
    let costValues: Record<string, unknown> = {};
    if (truthy(spanCost) && typeof spanCost === 'string') {
      try {
        const parsed = pyJsonLoads(spanCost);
        if (isDict(parsed)) costValues = parsed;
      } catch {
        // Malformed cost: the span is stored without cost columns, as MLflow does.
      }
    }
    const modelName = tryParseJsonString(attributes[SpanAttributeKey.MODEL]);
    const modelProvider = tryParseJsonString(attributes[SpanAttributeKey.MODEL_PROVIDER]);
    spanRows.push({
      trace_id: traceId,
      span_id: span.spanId,
      parent_span_id: span.parentId,
      name: span.name,
      type: span.spanType,
      status: span.status.statusCode,
      start_time_unix_nano: span.startTimeNs,
      end_time_unix_nano: span.endTimeNs,
      // Non-ASCII kept as is (ensure_ascii=False) so LIKE filters on span content can match it.
      content: spanDictToJson(dict, false),
      input_cost: finiteFloatOrNone(costValues.input_cost),
      output_cost: finiteFloatOrNone(costValues.output_cost),
      total_cost: finiteFloatOrNone(costValues.total_cost),
      model_name: typeof modelName === 'string' ? pySliceChars(modelName, MODEL_DIMENSION_MAX_LENGTH) : null,
      model_provider:
        typeof modelProvider === 'string' ? pySliceChars(modelProvider, MODEL_DIMENSION_MAX_LENGTH) : null,
    });
    if (span.parentId === null) {
      rootAttributes = attributes;
      // Trace tags carried as `mlflow.traceTag.<key>` attributes of the root span (OTLP export).
      for (const [attrKey, attrValue] of Object.entries(attributes)) {
        if (!attrKey.startsWith(SpanAttributeKey.TRACE_TAG_PREFIX)) continue;
        let tagKey = attrKey.slice(SpanAttributeKey.TRACE_TAG_PREFIX.length);
        let tagValue = pyStr(tryParseJsonString(attrValue));
        try {
          ({ key: tagKey, value: tagValue } = validateTraceTag(tagKey, tagValue));
        } catch {
          continue;
        }
        if (tagKey === TraceTagKey.TRACE_NAME) tagValue = validateTraceName(tagValue) as string;
        traceTags.set(tagKey, tagValue);
      }
    }
  }
  const minStartMs = Number((minStart as bigint) / 1_000_000n);
  return {
    minStartMs,
    maxEndMs: maxEnd === null ? null : Number(maxEnd / 1_000_000n),
    rootSpanStatus,
    traceStatus: rootSpanStatus ?? TraceState.IN_PROGRESS,
    tokenUsage: aggregateUsage(usageNodes),
    cost: aggregateCost(costNodes),
    sessionId,
    userId,
    rootAttributes,
    traceTags,
    usageNodes,
    costNodes,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers: previews (`_get_truncated_preview`)
// ---------------------------------------------------------------------------------------------

function isMessage(item: unknown): item is Record<string, unknown> {
  return isDict(item) && Object.hasOwn(item, 'role') && Object.hasOwn(item, 'content');
}

function extractMessages(obj: unknown): Array<Record<string, unknown>> | null {
  if (!isDict(obj)) return null;
  const messages = obj.messages;
  if (truthy(messages) && Array.isArray(messages)) return messages.filter(isMessage);
  const choices = obj.choices;
  if (truthy(choices) && Array.isArray(choices) && isDict(choices[0])) {
    const msg = choices[0].message;
    if (truthy(msg) && isMessage(msg)) return [msg];
  }
  const input = obj.input;
  if (truthy(input) && Array.isArray(input)) return input.filter(isMessage);
  const output = obj.output;
  if (truthy(output) && Array.isArray(output)) return output.filter(isMessage);
  if (Object.hasOwn(obj, 'request')) return extractMessages(obj.request);
  return null;
}

function textContent(message: Record<string, unknown>): unknown {
  const content = message.content;
  if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part === 'string') return part;
      if (isDict(part) && (part.type === 'text' || part.type === 'output_text')) return part.text ?? null;
    }
  } else if (typeof content === 'string') {
    return content;
  }
  return '';
}

/** `_get_truncated_preview`: the last message of `role` when the payload is a chat, else the JSON; ≤ 1000 chars. */
function truncatedPreview(raw: unknown, role: 'user' | 'assistant'): string | null {
  if (raw === null || raw === undefined) return null;
  let text: unknown = raw;
  let obj: unknown = null;
  if (isDict(raw)) {
    obj = raw;
    text = pyJsonDumps(raw);
  } else if (typeof raw === 'string') {
    try {
      obj = pyJsonLoads(raw);
    } catch {
      obj = null;
    }
  }
  let content: unknown = null;
  if (obj !== null) {
    const messages = extractMessages(obj);
    if (messages && messages.length > 0) {
      const last =
        [...messages].reverse().find((m) => m.role === role) ??
        (messages[messages.length - 1] as Record<string, unknown>);
      content = textContent(last);
    }
  }
  const chosen = truthy(content) ? content : text;
  if (typeof chosen !== 'string') throw new TypeError('preview is not text');
  const preview = replaceNul(chosen);
  if (pythonFormat.len(preview) <= PREVIEW_MAX_LENGTH) return preview;
  return `${pySliceChars(preview, PREVIEW_MAX_LENGTH - 3)}...`;
}

/** `_update_trace_info_attributes`: previews from the root span where the trace has none yet. */
function previewUpdates(row: TraceInfoRow, attributes: Record<string, unknown>): Record<string, unknown> {
  const updates: Record<string, unknown> = {};
  try {
    const inputs = attributes[SpanAttributeKey.INPUTS];
    if (row.request_preview === null && truthy(inputs)) updates.request_preview = truncatedPreview(inputs, 'user');
    const outputs = attributes[SpanAttributeKey.OUTPUTS];
    if (row.response_preview === null && truthy(outputs)) {
      updates.response_preview = truncatedPreview(outputs, 'assistant');
    }
  } catch {
    // MLflow logs and keeps what it had computed so far.
  }
  return updates;
}

// ---------------------------------------------------------------------------------------------
// Helpers: OpenTelemetry attribute translation (`translate_span_when_storing`)
// ---------------------------------------------------------------------------------------------

/** One OpenTelemetry semantic convention MLflow translates (`OtelSchemaTranslator`'s keys). */
interface OtelConvention {
  spanKindKey: string;
  spanKindToType: Readonly<Record<string, string>>;
  inputTokens: string;
  outputTokens: string;
  totalTokens: string | null;
  cacheReadTokens: string;
  cacheCreationTokens: readonly string[];
  inputKeys: readonly string[];
  outputKeys: readonly string[];
  modelKeys: readonly string[];
  providerKey: string;
  toolKeys: readonly string[];
}

/**
 * The OpenInference and OpenTelemetry GenAI conventions, in MLflow's translator order. MLflow 3.18
 * also knows Gemini CLI, Claude Code, Spring AI, Traceloop, Google ADK, Vercel AI, VoltAgent,
 * LiveKit, Laminar and Langfuse attributes; spans in those forms are stored untranslated here.
 */
const OTEL_CONVENTIONS: readonly OtelConvention[] = [
  {
    spanKindKey: 'openinference.span.kind',
    spanKindToType: {
      TOOL: 'TOOL',
      CHAIN: 'CHAIN',
      LLM: 'LLM',
      RETRIEVER: 'RETRIEVER',
      EMBEDDING: 'EMBEDDING',
      AGENT: 'AGENT',
      RERANKER: 'RERANKER',
      UNKNOWN: 'UNKNOWN',
      GUARDRAIL: 'GUARDRAIL',
      EVALUATOR: 'EVALUATOR',
    },
    inputTokens: 'llm.token_count.prompt',
    outputTokens: 'llm.token_count.completion',
    totalTokens: 'llm.token_count.total',
    cacheReadTokens: 'llm.token_count.prompt_details.cache_read',
    cacheCreationTokens: ['llm.token_count.prompt_details.cache_write'],
    inputKeys: ['input.value'],
    outputKeys: ['output.value'],
    modelKeys: ['llm.response.model_name', 'llm.model_name', 'llm.request.model_name', 'embedding.model_name'],
    providerKey: 'llm.provider',
    toolKeys: [],
  },
  {
    spanKindKey: 'gen_ai.operation.name',
    spanKindToType: {
      chat: 'CHAT_MODEL',
      create_agent: 'AGENT',
      embeddings: 'EMBEDDING',
      execute_tool: 'TOOL',
      generate_content: 'LLM',
      invoke_agent: 'AGENT',
      text_completion: 'LLM',
      response: 'LLM',
    },
    inputTokens: 'gen_ai.usage.input_tokens',
    outputTokens: 'gen_ai.usage.output_tokens',
    totalTokens: null,
    cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
    cacheCreationTokens: ['gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens'],
    inputKeys: ['gen_ai.input.messages', 'gen_ai.tool.call.arguments'],
    outputKeys: ['gen_ai.output.messages', 'gen_ai.tool.call.result'],
    modelKeys: ['gen_ai.response.model', 'gen_ai.request.model'],
    providerKey: 'gen_ai.provider.name',
    toolKeys: ['gen_ai.tool.definitions'],
  },
];

/** `_get_and_check_attribute_value`: the value, unless it is JSON for an empty/false value. */
function checkedAttribute(attributes: Record<string, unknown>, key: string): unknown {
  const value = attributes[key];
  if (typeof value === 'string') {
    try {
      return truthy(pyJsonLoads(value)) ? value : null;
    } catch {
      return value;
    }
  }
  return value;
}

function firstAttribute(attributes: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = checkedAttribute(attributes, key);
    if (truthy(value)) return value;
  }
  return null;
}

/** `_parse_int_attribute`: ints, and strings holding one (`'26'`, `'"26"'`). */
function parseIntAttribute(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const intText = (s: string) => (/^\s*[+-]?\d+(_\d+)*\s*$/.test(s) ? Number(s.replaceAll('_', '')) : null);
    try {
      const parsed = pyJsonLoads(value);
      if (typeof parsed === 'number' && Number.isInteger(parsed) && !/[.eE]/.test(value)) return parsed;
      if (typeof parsed === 'string') {
        const n = intText(parsed);
        if (n !== null) return n;
      }
    } catch {
      // not JSON: try the text itself
    }
    return intText(value);
  }
  return null;
}

function tokenUsageFromConventions(attributes: Record<string, unknown>): Record<string, number> | null {
  for (const c of OTEL_CONVENTIONS) {
    const input = parseIntAttribute(attributes[c.inputTokens]);
    const output = parseIntAttribute(attributes[c.outputTokens]);
    let total = c.totalTokens ? parseIntAttribute(attributes[c.totalTokens]) : null;
    if (total === null && input !== null && output !== null) total = input + output;
    if (input === null && output === null && total === null) continue;
    const usage: Record<string, number> = {};
    if (input !== null) usage.input_tokens = input;
    if (output !== null) usage.output_tokens = output;
    if (total !== null) usage.total_tokens = total;
    const cacheRead = parseIntAttribute(attributes[c.cacheReadTokens]);
    if (cacheRead !== null) usage.cache_read_input_tokens = cacheRead;
    let cacheCreation: number | null = null;
    for (const key of c.cacheCreationTokens) {
      if (attributes[key] !== null && attributes[key] !== undefined) {
        cacheCreation = parseIntAttribute(attributes[key]);
        break;
      }
    }
    if (cacheCreation !== null) usage.cache_creation_input_tokens = cacheCreation;
    return usage;
  }
  return null;
}

function modelFromPayload(attributes: Record<string, unknown>): unknown {
  for (const key of [SpanAttributeKey.INPUTS, SpanAttributeKey.OUTPUTS]) {
    const raw = attributes[key];
    if (!truthy(raw)) continue;
    let payload: unknown = raw;
    if (typeof raw === 'string') {
      try {
        payload = pyJsonLoads(raw);
      } catch {
        continue;
      }
    }
    if (isDict(payload) && truthy(payload.model)) return typeof payload.model === 'string' ? payload.model : null;
  }
  return null;
}

/**
 * `translate_span_when_storing`: the span's dict in `Span.to_dict()` key order, with MLflow's
 * attributes filled in from OpenTelemetry conventions where missing (type, inputs/outputs, token
 * usage, tool definitions, model name and provider). New attributes go last, as in Python.
 */
function translateSpanWhenStoring(source: SpanDict): SpanDict {
  const attributes: Record<string, unknown> = { ...source.attributes };
  const dump = (v: unknown) => pyJsonDumps(v);
  const typeRaw = attributes[SpanAttributeKey.SPAN_TYPE];
  const spanType = truthy(typeRaw) ? tryJsonLoads(typeRaw) : null;
  if (spanType === null || spanType === 'UNKNOWN') {
    for (const c of OTEL_CONVENTIONS) {
      const kind = attributes[c.spanKindKey];
      if (!truthy(kind)) continue;
      const decoded = tryJsonLoads(kind);
      const mapped =
        typeof decoded === 'string' && Object.hasOwn(c.spanKindToType, decoded) ? c.spanKindToType[decoded] : null;
      if (mapped) {
        attributes[SpanAttributeKey.SPAN_TYPE] = dump(mapped);
        break;
      }
    }
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.INPUTS)) {
    for (const c of OTEL_CONVENTIONS) {
      const value = firstAttribute(attributes, c.inputKeys);
      if (truthy(value)) {
        attributes[SpanAttributeKey.INPUTS] = value;
        break;
      }
    }
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.OUTPUTS)) {
    for (const c of OTEL_CONVENTIONS) {
      const value = firstAttribute(attributes, c.outputKeys);
      if (truthy(value)) {
        attributes[SpanAttributeKey.OUTPUTS] = value;
        break;
      }
    }
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.CHAT_USAGE)) {
    const usage = tokenUsageFromConventions(attributes);
    if (usage) attributes[SpanAttributeKey.CHAT_USAGE] = dump(usage);
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.CHAT_TOOLS)) {
    for (const c of OTEL_CONVENTIONS) {
      const tools = firstAttribute(attributes, c.toolKeys);
      if (truthy(tools)) {
        attributes[SpanAttributeKey.CHAT_TOOLS] = tools;
        break;
      }
    }
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.MODEL)) {
    let model: unknown = null;
    for (const c of OTEL_CONVENTIONS) {
      const value = firstAttribute(attributes, c.modelKeys);
      if (truthy(value)) {
        model = tryJsonLoads(value);
        break;
      }
    }
    if (!truthy(model)) model = modelFromPayload(attributes);
    if (truthy(model)) attributes[SpanAttributeKey.MODEL] = dump(model);
  }
  if (!Object.hasOwn(attributes, SpanAttributeKey.MODEL_PROVIDER)) {
    for (const c of OTEL_CONVENTIONS) {
      const value = checkedAttribute(attributes, c.providerKey);
      if (truthy(value)) {
        attributes[SpanAttributeKey.MODEL_PROVIDER] = dump(tryJsonLoads(value));
        break;
      }
    }
  }
  // Python's `Span.to_dict()` key order, whatever order the dict was built in.
  const out: Record<string, unknown> = {
    trace_id: source.trace_id,
    span_id: source.span_id,
    parent_span_id: source.parent_span_id,
    name: source.name,
  };
  if (source.kind !== undefined) out.kind = source.kind;
  out.start_time_unix_nano = source.start_time_unix_nano;
  out.end_time_unix_nano = source.end_time_unix_nano;
  out.events = source.events;
  out.status = source.status;
  out.attributes = attributes;
  if (source.links !== undefined) out.links = source.links;
  return out as unknown as SpanDict;
}

// ---------------------------------------------------------------------------------------------
// SQLite REGEXP for RLIKE
// ---------------------------------------------------------------------------------------------

const regexCache = new Map<string, RegExp | null>();

/** MLflow registers `regexp(pattern, string)` (Python `re.search`) on its SQLite connections. */
function registerRegexp(db: BetterSqlite3.Database): void {
  db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
    if (pattern === null || value === null || pattern === undefined || value === undefined) return 0;
    const source = String(pattern);
    let re = regexCache.get(source);
    if (re === undefined) {
      try {
        // Python spellings of named groups, the one syntax difference common in filters.
        re = new RegExp(source.replaceAll('(?P<', '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), 'u');
      } catch {
        re = null;
      }
      if (regexCache.size > 256) regexCache.clear();
      regexCache.set(source, re);
    }
    return re?.test(String(value)) ? 1 : 0;
  });
}
