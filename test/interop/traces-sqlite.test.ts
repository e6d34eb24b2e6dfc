// Trace storage parity with MLflow 3.18.0's SqlAlchemyStore on SQLite.
//
// 1. Python's fluent tracing API writes traces into database A (nested spans, an error span, token
//    usage and cost with a rollup parent, OpenTelemetry GenAI attributes, tags, metadata, session
//    and user, a trace in a run, tag edits, links, a delete); every store call it makes is recorded.
// 2. Our SqliteTrackingStore replays exactly those calls (log_spans, then start_trace, ...) into a
//    fresh database B.
// 3. Every row of every trace-related table of A and B must be identical (cell by cell, storage
//    class included); only the random id and the time of entity associations may differ.
// 4. Python reads B (get_trace, search_traces) and gets what it got from A.
// 5. Our getTrace / searchTraces on A return what Python returned on A: the same infos, the same
//    span JSON, and for each search case the same trace ids in the same order, the same page
//    tokens, or the same error code.

import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpanJson, Span, spanDictToJson, type TraceInfo } from '../../src/tracking/entities/index.js';
import { isMlflowError } from '../../src/tracking/errors.js';
import { SqliteTrackingStore } from '../../src/tracking/sqlite/store.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

interface Case {
  name: string;
  experiment_ids?: string[];
  filter?: string;
  order_by?: string[];
  max_results?: number;
  page_token?: string;
  /** Depends on assessments, which only database A has. */
  assessments?: boolean;
}
type Outcome = { ids: string[]; tokens: string[] } | { error_code: string; message: string };
type Cell = [string, string | null];
type Tables = Record<string, Array<Record<string, Cell>>>;
interface TraceDump {
  info: TraceInfo;
  spans: string[];
}
type Op =
  | { op: 'log_spans'; experiment_id: string; spans: string[] }
  | { op: 'start_trace'; info: TraceInfo; result: TraceInfo }
  | { op: 'set_trace_tag'; trace_id: string; key: string; value: string }
  | { op: 'delete_trace_tag'; trace_id: string; key: string }
  | { op: 'link_traces_to_run'; trace_ids: string[]; run_id: string }
  | {
      op: 'delete_traces';
      experiment_id: string;
      max_timestamp_millis: number | null;
      max_traces: number | null;
      trace_ids: string[] | null;
    }
  | { op: string };

interface MakeOutput {
  ops: Op[];
  ids: Record<string, string>;
  run_id: string;
  experiments: Record<string, string>;
  traces: Record<string, TraceDump>;
  search: Outcome[];
  tables: Tables;
}
interface ReadOutput {
  traces: Record<string, TraceDump>;
  missing: Record<string, string>;
  search: Outcome[];
  tables: Tables;
}

const E = ['{{E}}'];
// A fixed hash seed makes Python's set-valued error messages identical across its two runs.
const PY_ENV = { MLFLOW_ENABLE_ASYNC_TRACE_LOGGING: 'false', PYTHONHASHSEED: '0' };
const BOTH = ['{{E}}', '{{E2}}'];
const CASES: Case[] = [
  // Attributes.
  { name: 'no filter: timestamp DESC, request_id' },
  { name: 'status =', filter: "status = 'OK'" },
  { name: 'status != (attributes.)', filter: "attributes.status != 'OK'" },
  { name: 'status IN (trace.)', filter: "trace.status IN ('OK', 'ERROR')" },
  { name: 'status NOT IN', filter: "status NOT IN ('ERROR')" },
  { name: 'client_request_id =', filter: "client_request_id = 'req-1'" },
  { name: 'request_id IN', filter: "request_id IN ('{{agent}}', '{{small}}')" },
  { name: 'request_id LIKE', filter: "request_id LIKE 'tr-%'" },
  { name: 'timestamp_ms and execution_time_ms', filter: 'timestamp_ms > 0 AND execution_time_ms >= 0' },
  { name: 'bare builtin timestamp', filter: 'timestamp > 1' },
  { name: 'end_time_ms', filter: 'end_time_ms > 1000 AND trace.execution_time < 100000' },
  // Name (trace_name column) and tags.
  { name: 'name =', filter: "name = 'agent'" },
  { name: 'trace name LIKE', filter: "tags.mlflow.traceName LIKE 'sm%'" },
  { name: 'trace name ILIKE', filter: "tags.`mlflow.traceName` ILIKE 'RENAMED'" },
  { name: 'tag =', filter: "tags.env = 'prod'" },
  { name: 'tag != skips traces without it', filter: "tags.env != 'prod'" },
  { name: 'deleted tag IS NULL', filter: 'tags.team IS NULL' },
  { name: 'tag IS NOT NULL', filter: 'tags.reviewed IS NOT NULL' },
  { name: 'tag ILIKE', filter: "tags.env ILIKE 'PR%'" },
  { name: 'tag RLIKE (tag from a root span attribute)', filter: "tags.color RLIKE '^bl'" },
  // Metadata, session, analytics columns, runs.
  { name: 'session (column)', filter: "metadata.mlflow.trace.session = 'sess-1'" },
  { name: 'session from span attribute', filter: "request_metadata.`mlflow.trace.session` LIKE 'sess-%'" },
  { name: 'user from span attribute', filter: "metadata.mlflow.trace.user = 'bob'" },
  { name: 'metadata LIKE', filter: "metadata.`app.version` LIKE '1.%'" },
  { name: 'metadata IS NULL', filter: 'metadata.`app.version` IS NULL' },
  { name: 'token usage IS NOT NULL', filter: 'metadata.mlflow.trace.tokenUsage IS NOT NULL' },
  {
    name: 'token usage = canonical JSON',
    filter: 'metadata.mlflow.trace.tokenUsage = \'{"input_tokens": 30, "output_tokens": 13, "total_tokens": 43}\'',
  },
  { name: 'cost != non-canonical JSON', filter: 'metadata.mlflow.trace.cost != \'{"input_cost": 0.0011}\'' },
  { name: 'run_id = (metadata or linked)', filter: "run_id = '{{RUN}}'" },
  { name: 'run_id LIKE (metadata only)', filter: "attributes.run_id LIKE '{{RUN}}'" },
  // Spans.
  { name: 'span.name', filter: "span.name = 'call_llm'" },
  { name: 'span.type and span.status on one span', filter: "span.type = 'TOOL' AND span.status = 'ERROR'" },
  { name: 'span.type IN with timestamp bound', filter: "span.type IN ('CHAIN', 'AGENT') AND timestamp_ms >= 1" },
  { name: 'span attribute LIKE', filter: "span.attributes.mlflow.spanFunctionName LIKE '%small%'" },
  { name: 'span attribute RLIKE anchored', filter: "span.attributes.`mlflow.spanType` RLIKE '^LLM$'" },
  { name: 'full text ILIKE (non-ASCII)', filter: "trace.text ILIKE '%bonjour ✓%'" },
  { name: 'full text LIKE is case-sensitive', filter: "attributes.text LIKE '%BONJOUR%'" },
  // Assessments (Python logs some into A after the replay), issues, prompts (none stored).
  { name: 'feedback =', filter: "feedback.quality = 'good'", assessments: true },
  { name: 'feedback !=', filter: "feedback.quality != 'bad'", assessments: true },
  { name: 'feedback >', filter: 'feedback.score > 0.5', assessments: true },
  { name: 'feedback <= (numeric)', filter: 'feedback.score <= 0.5', assessments: true },
  { name: 'feedback LIKE on the JSON value', filter: "feedback.quality LIKE '%goo%'", assessments: true },
  { name: 'expectation = string', filter: "expectation.answer = '42'", assessments: true },
  { name: 'expectation IS NULL', filter: 'expectation.answer IS NULL', assessments: true },
  { name: 'feedback IS NOT NULL', filter: 'feedback.score IS NOT NULL', assessments: true },
  { name: 'session-scoped feedback', filter: "feedback.session_ok = 'true'", assessments: true },
  { name: 'session-scoped IS NULL', filter: 'feedback.session_ok IS NULL', assessments: true },
  { name: 'issue.id', filter: "issue.id = 'issue-1'" },
  { name: 'prompt', filter: "prompt = 'my-prompt/1'" },
  // Order by and pages.
  { name: 'two experiments, timestamp ASC', experiment_ids: BOTH, order_by: ['timestamp_ms ASC'] },
  { name: 'order by name', experiment_ids: BOTH, order_by: ['name ASC'] },
  { name: 'order by tag DESC (missing last)', order_by: ['tags.env DESC'] },
  { name: 'order by session', order_by: ['metadata.mlflow.trace.session'] },
  { name: 'order by execution_time DESC', order_by: ['execution_time DESC'] },
  { name: 'order by status then request_id DESC', order_by: ['status', 'request_id DESC'] },
  { name: 'order by end_time', order_by: ['end_time'] },
  { name: 'order by experiment_id DESC', experiment_ids: BOTH, order_by: ['experiment_id DESC'] },
  { name: 'order by run_id', order_by: ['run_id'] },
  { name: 'pages of 2', experiment_ids: BOTH, max_results: 2 },
  { name: 'from a page token', max_results: 1, page_token: 'eyJvZmZzZXQiOiAyfQ==' },
  // Errors.
  { name: 'error: bad comparator for status', filter: "status > 'OK'" },
  { name: 'error: unknown entity', filter: "foo.bar = 'x'" },
  { name: 'error: timestamp keyword with a string', filter: "timestamp = 'x'" },
  { name: 'error: name IN', filter: "name IN ('agent')" },
  { name: 'error: text is a keyword', filter: "text LIKE '%a%'" },
  { name: 'error: span.content =', filter: "attributes.text = 'a'" },
  { name: 'error: token usage LIKE', filter: "metadata.mlflow.trace.tokenUsage LIKE 'x'" },
  { name: 'error: prompt LIKE', filter: "prompt LIKE 'a/1'" },
  { name: 'error: tag with a number', filter: 'tags.a = 5' },
  { name: 'error: duplicate order_by', order_by: ['timestamp', 'timestamp_ms'] },
  { name: 'error: order by token usage', order_by: ['metadata.mlflow.trace.tokenUsage'] },
  { name: 'error: order by span', order_by: ['span.name'] },
  { name: 'error: max_results over 50000', max_results: 50_001 },
  { name: 'error: bad page token', page_token: 'abc' },
];

describe('trace storage parity with MLflow 3.18 (SQLite)', () => {
  const tmp = makeTempDir('mlflow-genai-traces-');
  const dbA = join(tmp.dir, 'a.db');
  const dbB = join(tmp.dir, 'b.db');
  const artifactRoot = join(tmp.dir, 'artifacts');
  let made: MakeOutput;
  let readB: ReadOutput;
  let startResults: Array<{ ours: TraceInfo; python: TraceInfo }>;
  let unreplayed: string[];

  const subst = (text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    let out = text.replaceAll('{{RUN}}', made.run_id);
    for (const [name, id] of Object.entries(made.ids)) out = out.replaceAll(`{{${name}}}`, id);
    return out;
  };

  beforeAll(async () => {
    // Database A gets MLflow's schema from our store (a fresh Python database would spend ~5 s in
    // migrations); everything in its trace tables is then written by Python.
    await new SqliteTrackingStore(dbA, { backgroundCheckpoints: false }).close();
    made = await runPythonJson<MakeOutput>(
      'traces_make.py',
      { db: dbA, artifact_root: artifactRoot, cases: CASES },
      { cwd: tmp.dir, env: PY_ENV },
    );

    const store = new SqliteTrackingStore(dbB, { backgroundCheckpoints: false });
    try {
      expect(await store.createExperiment('traces-interop', `${artifactRoot}/e1`)).toBe(made.experiments['{{E}}']);
      expect(await store.createExperiment('traces-interop-2', `${artifactRoot}/e2`)).toBe(made.experiments['{{E2}}']);
      // The run the traces were made in (only its id matters to the trace tables).
      store.database
        .prepare(
          "INSERT INTO runs (run_uuid, name, source_type, user_id, status, start_time, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, 'run', 'LOCAL', 'u', 'FINISHED', 0, 'active', '', ?)",
        )
        .run(made.run_id, Number(made.experiments['{{E}}']));
      startResults = [];
      unreplayed = [];
      for (const op of made.ops) {
        switch (op.op) {
          case 'log_spans': {
            const o = op as Extract<Op, { op: 'log_spans' }>;
            await store.logSpans(
              o.experiment_id,
              o.spans.map((text) => Span.fromDict(parseSpanJson(text) as Record<string, unknown>)),
            );
            break;
          }
          case 'start_trace': {
            const o = op as Extract<Op, { op: 'start_trace' }>;
            startResults.push({ ours: await store.startTrace(o.info), python: o.result });
            break;
          }
          case 'set_trace_tag': {
            const o = op as Extract<Op, { op: 'set_trace_tag' }>;
            await store.setTraceTag(o.trace_id, o.key, o.value);
            break;
          }
          case 'delete_trace_tag': {
            const o = op as Extract<Op, { op: 'delete_trace_tag' }>;
            await store.deleteTraceTag(o.trace_id, o.key);
            break;
          }
          case 'link_traces_to_run': {
            const o = op as Extract<Op, { op: 'link_traces_to_run' }>;
            await store.linkTracesToRun(o.trace_ids, o.run_id);
            break;
          }
          case 'delete_traces': {
            const o = op as Extract<Op, { op: 'delete_traces' }>;
            await store.deleteTraces({
              experimentId: o.experiment_id,
              ...(o.max_timestamp_millis === null ? {} : { maxTimestampMillis: o.max_timestamp_millis }),
              ...(o.max_traces === null ? {} : { maxTraces: o.max_traces }),
              ...(o.trace_ids === null ? {} : { traceIds: o.trace_ids }),
            });
            break;
          }
          default:
            unreplayed.push(op.op);
        }
      }
    } finally {
      await store.close();
    }
    readB = await runPythonJson<ReadOutput>(
      'traces_read.py',
      { db: dbB, ids: made.ids, experiments: made.experiments, run_id: made.run_id, cases: CASES },
      { cwd: tmp.dir, env: PY_ENV },
    );
  }, 120_000);

  afterAll(() => tmp.cleanup());

  it('replays every trace write MLflow made, logSpans before startTrace as its exporter does', () => {
    expect(unreplayed).toEqual([]);
    const kinds = made.ops.map((o) => o.op);
    expect(kinds.filter((k) => k === 'start_trace')).toHaveLength(6);
    expect(kinds.indexOf('log_spans')).toBeLessThan(kinds.indexOf('start_trace'));
  });

  it('startTrace returns the stored info as MLflow does', () => {
    for (const { ours, python } of startResults) {
      // When start_trace merges into the row log_spans made, MLflow's ORM returns the tag collection
      // it loaded before the merge (without the tags this call added); we return what is stored.
      expect({ ...ours, tags: {} }).toEqual({ ...python, tags: {} });
      expect(ours.tags).toEqual(expect.objectContaining(python.tags));
    }
  });

  it('writes the same rows as MLflow in every trace-related table', () => {
    const normalize = (tables: Tables): Tables => {
      const out: Tables = {};
      for (const [table, rows] of Object.entries(tables)) {
        out[table] = rows
          .map((row) =>
            table === 'entity_associations'
              ? { ...row, association_id: ['text', '<uuid>'] as Cell, created_time: ['integer', '<now>'] as Cell }
              : row,
          )
          .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
      }
      return out;
    };
    const a = normalize(made.tables);
    const b = normalize(readB.tables);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(a.trace_info?.length).toBe(5);
    expect(a.spans?.length).toBe(10);
    for (const table of Object.keys(a)) expect({ table, rows: b[table] }).toEqual({ table, rows: a[table] });
  });

  it('Python reads our database exactly as its own', () => {
    expect(readB.missing).toEqual({ doomed: 'RESOURCE_DOES_NOT_EXIST' });
    expect(readB.traces).toEqual(made.traces);
    CASES.forEach((c, i) => {
      if (!c.assessments)
        expect({ case: c.name, outcome: readB.search[i] }).toEqual({ case: c.name, outcome: made.search[i] });
    });
  });

  describe('our reads of the database Python wrote', () => {
    let store: SqliteTrackingStore;
    beforeAll(() => {
      const copy = join(tmp.dir, 'a-copy.db');
      copyFileSync(dbA, copy);
      if (existsSync(`${dbA}-wal`)) copyFileSync(`${dbA}-wal`, `${copy}-wal`);
      store = new SqliteTrackingStore(copy, { backgroundCheckpoints: false });
    });
    afterAll(async () => store.close());

    it('getTrace and getTraceInfo return what MlflowClient.get_trace returns', async () => {
      for (const [name, dump] of Object.entries(made.traces)) {
        const trace = await store.getTrace(made.ids[name] as string);
        // The Python dump leaves assessments out (they are compared in test/interop/eval-*.test.ts).
        const { assessments, ...info } = trace.info;
        if (name === 'agent') expect(assessments?.map((a) => a.name)).toEqual(['quality']);
        expect({ name, info }).toEqual({ name, info: dump.info });
        expect({ name, spans: trace.data.spans.map((s) => spanDictToJson(s.toDict())) }).toEqual({
          name,
          spans: dump.spans,
        });
        const { assessments: _a, ...onlyInfo } = await store.getTraceInfo(made.ids[name] as string);
        expect(onlyInfo).toEqual(dump.info);
      }
    });

    it('searchTraces returns the same traces, order and page tokens as MlflowClient.search_traces', async () => {
      expect(CASES.length).toBeGreaterThanOrEqual(20);
      for (const [i, c] of CASES.entries()) {
        const outcome = await searchAll(store, c, made.experiments, subst);
        const expected = made.search[i] as Outcome;
        if ('error_code' in expected) {
          expect({ case: c.name, code: 'error_code' in outcome ? outcome.error_code : outcome }).toEqual({
            case: c.name,
            code: expected.error_code,
          });
        } else {
          expect({ case: c.name, outcome }).toEqual({ case: c.name, outcome: expected });
        }
      }
    });
  });
});

async function searchAll(
  store: SqliteTrackingStore,
  c: Case,
  experiments: Record<string, string>,
  subst: (s: string | undefined) => string | undefined,
): Promise<Outcome> {
  const ids: string[] = [];
  const tokens: string[] = [];
  let pageToken = c.page_token;
  try {
    for (let i = 0; i < 100; i++) {
      const filterString = subst(c.filter);
      const page = await store.searchTraces({
        experimentIds: (c.experiment_ids ?? E).map((e) => experiments[e] ?? e),
        ...(filterString === undefined ? {} : { filterString }),
        ...(c.order_by === undefined ? {} : { orderBy: c.order_by }),
        ...(c.max_results === undefined ? {} : { maxResults: c.max_results }),
        ...(pageToken === undefined ? {} : { pageToken }),
      });
      ids.push(...page.items.map((t) => t.traceId));
      if (!page.nextPageToken) break;
      pageToken = page.nextPageToken;
      tokens.push(pageToken);
    }
    return { ids, tokens };
  } catch (err) {
    if (isMlflowError(err)) return { error_code: err.errorCode, message: err.message };
    throw err;
  }
}
