import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexToBase64, Span, type SpanDict, type TraceInfo } from '../../../src/tracking/entities/index.js';
import { ErrorCode } from '../../../src/tracking/errors.js';
import { SqliteTrackingStore } from '../../../src/tracking/sqlite/store.js';
import { expectMlflowError } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/paths.js';

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n;

/** A span as MLflow's `Span.to_dict()` writes it; `attrs` values are JSON-encoded like MLflow's. */
function span(opts: {
  trace: string;
  id: string;
  parent?: string | null;
  name?: string;
  startMs: number;
  endMs?: number | null;
  type?: string;
  status?: 'STATUS_CODE_OK' | 'STATUS_CODE_ERROR' | 'STATUS_CODE_UNSET';
  attrs?: Record<string, unknown>;
}): Span {
  const attributes: Record<string, unknown> = { 'mlflow.traceRequestId': JSON.stringify(`tr-${opts.trace}`) };
  if (opts.type) attributes['mlflow.spanType'] = JSON.stringify(opts.type);
  for (const [k, v] of Object.entries(opts.attrs ?? {})) attributes[k] = JSON.stringify(v);
  const dict: SpanDict = {
    trace_id: hexToBase64(opts.trace),
    span_id: hexToBase64(opts.id),
    parent_span_id: opts.parent ? hexToBase64(opts.parent) : null,
    name: opts.name ?? `span-${opts.id.slice(-2)}`,
    kind: 'SPAN_KIND_INTERNAL',
    start_time_unix_nano: T0 * MS + BigInt(opts.startMs) * MS + 123n,
    end_time_unix_nano: opts.endMs === null ? null : T0 * MS + BigInt(opts.endMs ?? opts.startMs + 10) * MS + 456n,
    events: [],
    status: { code: opts.status ?? 'STATUS_CODE_OK', message: '' },
    attributes,
    links: [],
  };
  return new Span(dict);
}

const TA = 'a'.repeat(32);
const TB = 'b'.repeat(32);
const TC = 'c'.repeat(32);
const ROOT = '1'.repeat(16);
const CHILD = '2'.repeat(16);
const GRANDCHILD = '3'.repeat(16);

function info(traceHex: string, experimentId: string, over: Partial<TraceInfo> = {}): TraceInfo {
  return {
    traceId: `tr-${traceHex}`,
    experimentId,
    requestTime: Number(T0),
    executionDuration: 50,
    state: 'OK',
    requestPreview: '{"q": "hi"}',
    responsePreview: '"ok"',
    clientRequestId: null,
    traceMetadata: { 'mlflow.trace_schema.version': '3' },
    tags: { 'mlflow.traceName': 'root' },
    ...over,
  };
}

describe('SqliteTraceStore', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: SqliteTrackingStore;
  let exp: string;

  beforeEach(async () => {
    tmp = makeTempDir();
    store = new SqliteTrackingStore(join(tmp.dir, 'mlflow.db'), {
      defaultArtifactRoot: join(tmp.dir, 'mlruns'),
      backgroundCheckpoints: false,
    });
    exp = await store.createExperiment('traces');
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  const rows = (sql: string, ...params: unknown[]) =>
    store.database.prepare(sql).all(...params) as Array<Record<string, unknown>>;
  const count = (table: string) => (rows(`SELECT COUNT(*) AS n FROM ${table}`)[0] as { n: number }).n;

  describe('startTrace', () => {
    it('stores the info, moves promoted metadata to columns and returns what reads return', async () => {
      const returned = await store.startTrace(
        info(TA, exp, {
          clientRequestId: 'req-1',
          tags: { 'mlflow.traceName': 'root', env: 'prod' },
          traceMetadata: {
            'mlflow.trace.session': 'sess-1',
            'mlflow.trace.tokenUsage': '{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}',
            'mlflow.trace.cost': '{"input_cost": 1e-05, "output_cost": 2, "total_cost": 2.00001}',
            'mlflow.user': 'alice',
          },
        }),
      );
      const row = rows('SELECT * FROM trace_info')[0];
      expect(row).toMatchObject({
        request_id: `tr-${TA}`,
        experiment_id: Number(exp),
        status: 'OK',
        trace_name: 'root',
        session_id: 'sess-1',
        input_tokens: 3,
        output_tokens: 4,
        total_tokens: 7,
        input_cost: 1e-5,
        output_cost: 2,
        total_cost: 2.00001,
        db_payload_generation: 0,
        client_request_id: 'req-1',
      });
      expect(rows('SELECT "key", value FROM trace_request_metadata ORDER BY "key"')).toEqual([
        { key: 'mlflow.trace.infoFinalized', value: 'true' },
        { key: 'mlflow.user', value: 'alice' },
      ]);
      expect(rows('SELECT "key" FROM trace_tags ORDER BY "key"').map((r) => r.key)).toEqual([
        'env',
        'mlflow.artifactLocation',
      ]);
      expect(returned.tags['mlflow.artifactLocation']).toBe(
        join(tmp.dir, 'mlruns', exp, 'traces', `tr-${TA}`, 'artifacts'),
      );
      // Promoted keys come back as Python's json.dumps writes them.
      expect(returned.traceMetadata).toEqual({
        'mlflow.trace.infoFinalized': 'true',
        'mlflow.user': 'alice',
        'mlflow.trace.session': 'sess-1',
        'mlflow.trace.tokenUsage': '{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}',
        'mlflow.trace.cost': '{"input_cost": 1e-05, "output_cost": 2.0, "total_cost": 2.00001}',
      });
      expect(await store.getTraceInfo(`tr-${TA}`)).toEqual(returned);
    });

    it('merges into the row logSpans created: start_trace values win, the payload generation advances', async () => {
      await store.logSpans(exp, [span({ trace: TA, id: CHILD, parent: ROOT, startMs: 5, endMs: 20 })]);
      await store.logSpans(exp, [
        span({ trace: TA, id: ROOT, startMs: 0, endMs: 100, attrs: { 'mlflow.spanInputs': { q: 1 } } }),
      ]);
      expect(rows('SELECT timestamp_ms, execution_time_ms, db_payload_generation FROM trace_info')).toEqual([
        { timestamp_ms: Number(T0), execution_time_ms: 100, db_payload_generation: 2 },
      ]);
      const returned = await store.startTrace(
        info(TA, exp, { requestTime: Number(T0) + 1, executionDuration: 99, requestPreview: null }),
      );
      expect(returned).toMatchObject({ requestTime: Number(T0) + 1, executionDuration: 99, requestPreview: '{"q":1}' });
      expect(returned.tags).toMatchObject({
        'mlflow.traceName': 'root',
        'mlflow.trace.spansLocation': 'TRACKING_STORE',
      });
      expect(rows('SELECT db_payload_generation FROM trace_info')).toEqual([{ db_payload_generation: 3 }]);
    });

    it('rejects a missing or deleted experiment, a long trace name and a bad trace id, writing nothing', async () => {
      await expectMlflowError(store.startTrace(info(TA, '999')), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'id=999');
      const gone = await store.createExperiment('gone');
      await store.deleteExperiment(gone);
      await expectMlflowError(
        store.startTrace(info(TA, gone)),
        ErrorCode.INVALID_PARAMETER_VALUE,
        `experiment ${gone}`,
      );
      await expectMlflowError(
        store.startTrace(info(TA, exp, { tags: { 'mlflow.traceName': 'x'.repeat(4097) } })),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Trace name',
      );
      await expectMlflowError(
        store.startTrace(info(TA, exp, { traceMetadata: { 'mlflow.trace.session': 's'.repeat(251) } })),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Session ID',
      );
      await expectMlflowError(
        store.startTrace({ ...info(TA, exp), traceId: 'tr-a/../b' }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'trace_id',
      );
      await expectMlflowError(
        store.startTrace({ ...info(TA, exp), state: 'DONE' as never }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'DONE',
      );
      for (const table of ['trace_info', 'trace_tags', 'trace_request_metadata']) expect(count(table)).toBe(0);
    });

    it('replaces an artifact-location tag the caller sent with the computed one', async () => {
      const returned = await store.startTrace(
        info(TA, exp, { tags: { 'mlflow.artifactLocation': 's3://elsewhere/traces/x', env: 'a' } }),
      );
      expect(returned.tags['mlflow.artifactLocation']).toBe(
        join(tmp.dir, 'mlruns', exp, 'traces', `tr-${TA}`, 'artifacts'),
      );
      expect(count('trace_tags')).toBe(2);
    });

    it('refuses to merge into a trace of another experiment', async () => {
      const other = await store.createExperiment('other');
      await store.logSpans(other, [span({ trace: TA, id: ROOT, startMs: 0 })]);
      await expectMlflowError(store.startTrace(info(TA, exp)), ErrorCode.INVALID_PARAMETER_VALUE, `tr-${TA}`);
    });
  });

  describe('logSpans', () => {
    it('creates the trace in progress, then completes it from the root span', async () => {
      await store.logSpans(exp, [span({ trace: TA, id: CHILD, parent: ROOT, startMs: 10, endMs: 30 })]);
      expect(rows('SELECT status, timestamp_ms, execution_time_ms FROM trace_info')).toEqual([
        { status: 'IN_PROGRESS', timestamp_ms: Number(T0) + 10, execution_time_ms: 20 },
      ]);
      await store.logSpans(exp, [
        span({
          trace: TA,
          id: ROOT,
          startMs: 0,
          endMs: 50,
          status: 'STATUS_CODE_ERROR',
          attrs: {
            'mlflow.spanInputs': {
              messages: [
                { role: 'system', content: 's' },
                { role: 'user', content: 'héllo' },
              ],
            },
            'mlflow.spanOutputs': 'x'.repeat(1200),
            'mlflow.traceTag.color': 'blue',
            'mlflow.traceTag.mlflow.traceName': 'named',
          },
        }),
      ]);
      const row = rows('SELECT * FROM trace_info')[0];
      expect(row).toMatchObject({
        status: 'ERROR',
        timestamp_ms: Number(T0),
        execution_time_ms: 50,
        request_preview: 'héllo',
        trace_name: 'named',
        db_payload_generation: 2,
      });
      expect(row?.response_preview).toBe(`"${'x'.repeat(996)}...`);
      const trace = await store.getTraceInfo(`tr-${TA}`);
      expect(trace.tags).toMatchObject({ color: 'blue', 'mlflow.trace.spansLocation': 'TRACKING_STORE' });
      expect(rows('SELECT type, status FROM spans ORDER BY span_id')).toEqual([
        { type: null, status: 'ERROR' },
        { type: null, status: 'OK' },
      ]);
    });

    it('stores span content as MLflow serialises it (non-ASCII kept, Python key order)', async () => {
      await store.logSpans(exp, [span({ trace: TA, id: ROOT, startMs: 0, type: 'CHAIN', attrs: { x: 'é' } })]);
      const content = rows('SELECT content FROM spans')[0]?.content as string;
      expect(content).toMatch(
        /^\{"trace_id": "[^"]+", "span_id": "[^"]+", "parent_span_id": null, "name": "span-11", "kind": "SPAN_KIND_INTERNAL", "start_time_unix_nano": 1700000000000000123, /,
      );
      expect(content).toContain('"x": "\\"é\\""');
    });

    it('aggregates token usage over the span tree, across batches, without double counting rollups', async () => {
      const usage = (input: number, output: number) => ({
        'mlflow.chat.tokenUsage': { input_tokens: input, output_tokens: output, total_tokens: input + output },
      });
      // A child with usage first, then its rollup parent (cumulative usage) in a later batch.
      await store.logSpans(exp, [
        span({ trace: TA, id: GRANDCHILD, parent: CHILD, startMs: 2, type: 'LLM', attrs: usage(10, 5) }),
      ]);
      expect(rows('SELECT input_tokens, total_tokens FROM trace_info')).toEqual([
        { input_tokens: 10, total_tokens: 15 },
      ]);
      await store.logSpans(exp, [
        span({ trace: TA, id: CHILD, parent: ROOT, startMs: 1, type: 'AGENT', attrs: usage(12, 6) }),
        span({ trace: TA, id: '4'.repeat(16), parent: ROOT, startMs: 3, type: 'LLM', attrs: usage(1, 1) }),
      ]);
      expect(rows('SELECT input_tokens, output_tokens, total_tokens FROM trace_info')).toEqual([
        { input_tokens: 13, output_tokens: 7, total_tokens: 20 },
      ]);
      expect((await store.getTraceInfo(`tr-${TA}`)).traceMetadata['mlflow.trace.tokenUsage']).toBe(
        '{"input_tokens": 13, "output_tokens": 7, "total_tokens": 20}',
      );
    });

    it('keeps start_trace token usage and cost over span-derived values once finalized', async () => {
      await store.startTrace(
        info(TA, exp, {
          traceMetadata: { 'mlflow.trace.tokenUsage': '{"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}' },
        }),
      );
      await store.logSpans(exp, [
        span({
          trace: TA,
          id: ROOT,
          startMs: 0,
          attrs: {
            'mlflow.chat.tokenUsage': { input_tokens: 100, output_tokens: 100, total_tokens: 200 },
            'mlflow.llm.cost': { input_cost: 0.1, output_cost: 0.2, total_cost: 0.30000000000000004 },
            'mlflow.llm.model': 'm',
            'mlflow.llm.provider': 'p',
          },
        }),
      ]);
      expect(rows('SELECT total_tokens, total_cost FROM trace_info')).toEqual([
        { total_tokens: 2, total_cost: 0.30000000000000004 },
      ]);
      expect(rows('SELECT input_cost, output_cost, total_cost, model_name, model_provider FROM spans')).toEqual([
        { input_cost: 0.1, output_cost: 0.2, total_cost: 0.30000000000000004, model_name: 'm', model_provider: 'p' },
      ]);
    });

    it('takes session and user from span attributes and translates OpenTelemetry GenAI attributes', async () => {
      await store.logSpans(exp, [
        span({ trace: TA, id: ROOT, startMs: 0, attrs: { 'session.id': 'sess-9', 'user.id': 'bob' } }),
        span({
          trace: TA,
          id: CHILD,
          parent: ROOT,
          startMs: 1,
          attrs: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.usage.input_tokens': 7,
            'gen_ai.usage.output_tokens': 3,
            'gen_ai.request.model': 'gpt-x',
            'gen_ai.provider.name': 'openai',
          },
        }),
      ]);
      const got = await store.getTraceInfo(`tr-${TA}`);
      expect(got.traceMetadata).toMatchObject({
        'mlflow.trace.session': 'sess-9',
        'mlflow.trace.user': 'bob',
        'mlflow.trace.tokenUsage': '{"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}',
      });
      const child = rows('SELECT type, model_name, model_provider, content FROM spans WHERE span_id = ?', CHILD)[0];
      // The row keeps the span's own type; the stored content gets the translated one.
      expect(child).toMatchObject({ type: null, model_name: 'gpt-x', model_provider: 'openai' });
      expect(child?.content).toContain('"mlflow.spanType": "\\"CHAT_MODEL\\""');
    });

    it('writes one transaction per batch: a failure leaves nothing behind', async () => {
      const other = await store.createExperiment('other');
      await store.logSpans(other, [span({ trace: TB, id: ROOT, startMs: 0 })]);
      await expectMlflowError(
        store.logSpans(exp, [
          span({ trace: TA, id: ROOT, startMs: 0 }),
          span({ trace: TB, id: CHILD, parent: ROOT, startMs: 1 }),
        ]),
        ErrorCode.INVALID_PARAMETER_VALUE,
        `tr-${TB}' already exists in another experiment`,
      );
      expect(count('trace_info')).toBe(1);
      expect(count('spans')).toBe(1);
      await expectMlflowError(
        store.logSpans('12345', [span({ trace: TC, id: ROOT, startMs: 0 })]),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        '12345',
      );
      await expectMlflowError(
        store.logSpans(exp, [span({ trace: TC, id: ROOT, startMs: 0, attrs: { 'session.id': 's'.repeat(300) } })]),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Session ID',
      );
      expect(count('trace_info')).toBe(1);
    });

    it('refuses spans for archived traces', async () => {
      await store.logSpans(exp, [span({ trace: TA, id: ROOT, startMs: 0 })]);
      store.database
        .prepare("UPDATE trace_tags SET value = 'ARCHIVE_REPO' WHERE \"key\" = 'mlflow.trace.spansLocation'")
        .run();
      await expectMlflowError(
        store.logSpans(exp, [span({ trace: TA, id: CHILD, parent: ROOT, startMs: 1 })]),
        ErrorCode.INVALID_STATE,
        `archived traces: 'tr-${TA}'`,
      );
      expect(count('spans')).toBe(1);
    });
  });

  describe('getTrace', () => {
    it('returns root spans first, then by start time, as stored', async () => {
      const spans = [
        span({ trace: TA, id: CHILD, parent: ROOT, startMs: 20 }),
        span({ trace: TA, id: GRANDCHILD, parent: ROOT, startMs: 10 }),
        span({ trace: TA, id: ROOT, startMs: 30 }),
      ];
      await store.logSpans(exp, spans);
      await store.startTrace(info(TA, exp));
      const trace = await store.getTrace(`tr-${TA}`);
      expect(trace.data.spans.map((s) => s.spanId)).toEqual([ROOT, GRANDCHILD, CHILD]);
      expect(trace.data.spans[0]?.toDict()).toEqual(spans[2]?.toDict());
      expect(trace.data.spans[0]?.startTimeNs).toBe(T0 * MS + 30n * MS + 123n);
    });

    it('waits for every span the size stats announce unless allowPartial', async () => {
      await store.logSpans(exp, [span({ trace: TA, id: ROOT, startMs: 0 })]);
      await store.startTrace(info(TA, exp, { traceMetadata: { 'mlflow.trace.sizeStats': '{"num_spans": 2}' } }));
      await expectMlflowError(store.getTrace(`tr-${TA}`), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'not fully exported');
      expect((await store.getTrace(`tr-${TA}`, { allowPartial: true })).data.spans).toHaveLength(1);
      await store.startTrace(info(TB, exp));
      await expectMlflowError(store.getTrace(`tr-${TB}`), ErrorCode.INTERNAL_ERROR, 'not stored in tracking store');
      await expectMlflowError(store.getTrace('tr-missing'), ErrorCode.RESOURCE_DOES_NOT_EXIST, 'tr-missing');
      await expectMlflowError(store.getTraceInfo('tr-missing'), ErrorCode.RESOURCE_DOES_NOT_EXIST, "'tr-missing'");
    });
  });

  describe('searchTraces', () => {
    beforeEach(async () => {
      for (const [hex, startMs, name] of [
        [TA, 0, 'alpha'],
        [TB, 10, 'beta'],
        [TC, 10, 'gamma'],
      ] as const) {
        await store.logSpans(exp, [span({ trace: hex, id: ROOT, startMs, name })]);
        await store.startTrace(
          info(hex, exp, {
            requestTime: Number(T0) + startMs,
            tags: { 'mlflow.traceName': name, env: name === 'beta' ? 'prod' : 'dev' },
          }),
        );
      }
    });

    it('orders by timestamp DESC then trace id, pages with MLflow tokens', async () => {
      const first = await store.searchTraces({ experimentIds: [exp], maxResults: 2 });
      expect(first.items.map((t) => t.traceId)).toEqual([`tr-${TB}`, `tr-${TC}`]);
      expect(first.nextPageToken).toBe(Buffer.from('{"offset": 2}').toString('base64'));
      const second = await store.searchTraces({ experimentIds: [exp], maxResults: 2, pageToken: first.nextPageToken });
      expect(second).toEqual({ items: [expect.objectContaining({ traceId: `tr-${TA}` })] });
    });

    it('filters on tags, names, spans and sorts on tags', async () => {
      const ids = async (filterString: string, orderBy?: string[]) =>
        (await store.searchTraces({ experimentIds: [exp], filterString, ...(orderBy ? { orderBy } : {}) })).items.map(
          (t) => t.traceId,
        );
      expect(await ids("tags.env = 'prod'")).toEqual([`tr-${TB}`]);
      expect(await ids("name LIKE '%a'")).toEqual([`tr-${TB}`, `tr-${TC}`, `tr-${TA}`]);
      expect(await ids("span.name = 'gamma'")).toEqual([`tr-${TC}`]);
      expect(await ids("status = 'OK'", ['name DESC'])).toEqual([`tr-${TC}`, `tr-${TB}`, `tr-${TA}`]);
      expect(await ids("tags.mlflow.traceName RLIKE 'ph'")).toEqual([`tr-${TA}`]);
    });

    it('searches every experiment when given none, as MLflow does', async () => {
      const other = await store.createExperiment('other');
      await store.startTrace(info('d'.repeat(32), other));
      expect((await store.searchTraces({ experimentIds: [] })).items).toHaveLength(4);
      expect((await store.searchTraces({ experimentIds: [other] })).items).toHaveLength(1);
    });

    it('reports bad filters, order_by and limits with MLflow error codes', async () => {
      await expectMlflowError(
        store.searchTraces({ experimentIds: [exp], filterString: "status > 'OK'" }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        "Invalid comparator '>'",
      );
      await expectMlflowError(
        store.searchTraces({ experimentIds: [exp], orderBy: ['name', 'tags.mlflow.traceName'] }),
        ErrorCode.INTERNAL_ERROR,
        'duplicate fields',
      );
      await expectMlflowError(
        store.searchTraces({ experimentIds: [exp], maxResults: 50_001 }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'max_results',
      );
      await expectMlflowError(
        store.searchTraces({ experimentIds: ['catalog.schema'] }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'catalog.schema',
      );
    });
  });

  describe('trace tags', () => {
    beforeEach(async () => {
      await store.startTrace(info(TA, exp));
    });

    it('sets, overwrites and deletes tags; the trace name lives in its column', async () => {
      await store.setTraceTag(`tr-${TA}`, 'k', 'v1');
      await store.setTraceTag(`tr-${TA}`, 'k', 'v2');
      await store.setTraceTag(`tr-${TA}`, 'mlflow.traceName', 'new name');
      expect((await store.getTraceInfo(`tr-${TA}`)).tags).toMatchObject({ k: 'v2', 'mlflow.traceName': 'new name' });
      expect(rows('SELECT trace_name FROM trace_info')).toEqual([{ trace_name: 'new name' }]);
      await store.deleteTraceTag(`tr-${TA}`, 'k');
      await store.deleteTraceTag(`tr-${TA}`, 'mlflow.traceName');
      const tags = (await store.getTraceInfo(`tr-${TA}`)).tags;
      expect(tags.k).toBeUndefined();
      expect(tags['mlflow.traceName']).toBeUndefined();
    });

    it('rejects bad keys, missing tags and missing traces like MLflow', async () => {
      await expectMlflowError(store.setTraceTag(`tr-${TA}`, 'a#b', 'v'), ErrorCode.INVALID_PARAMETER_VALUE, 'a#b');
      await expectMlflowError(
        store.setTraceTag(`tr-${TA}`, 'k'.repeat(251), 'v'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'key',
      );
      await expectMlflowError(store.deleteTraceTag(`tr-${TA}`, 'nope'), ErrorCode.RESOURCE_DOES_NOT_EXIST, "'nope'");
      await store.deleteTraceTag(`tr-${TA}`, 'mlflow.traceName');
      await expectMlflowError(
        store.deleteTraceTag(`tr-${TA}`, 'mlflow.traceName'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'mlflow.traceName',
      );
      await expectMlflowError(store.setTraceTag('tr-missing', 'k', 'v'), ErrorCode.BAD_REQUEST, 'tr-missing');
      await expectMlflowError(
        store.setTraceTag('tr-missing', 'mlflow.traceName', 'v'),
        ErrorCode.RESOURCE_DOES_NOT_EXIST,
        'tr-missing',
      );
    });

    it('truncates over-long tag values to 8000 characters', async () => {
      await store.setTraceTag(`tr-${TA}`, 'long', 'x'.repeat(9000));
      expect((await store.getTraceInfo(`tr-${TA}`)).tags.long).toHaveLength(8000);
    });
  });

  describe('deleteTraces', () => {
    beforeEach(async () => {
      for (const [hex, startMs] of [
        [TA, 0],
        [TB, 10],
        [TC, 20],
      ] as const) {
        await store.logSpans(exp, [span({ trace: hex, id: ROOT, startMs })]);
        await store.startTrace(info(hex, exp, { requestTime: Number(T0) + startMs }));
      }
    });

    it('deletes by ids with every child row', async () => {
      expect(await store.deleteTraces({ experimentId: exp, traceIds: [`tr-${TA}`, 'tr-unknown'] })).toBe(1);
      expect(rows('SELECT DISTINCT request_id FROM trace_tags').map((r) => r.request_id)).not.toContain(`tr-${TA}`);
      expect(rows('SELECT DISTINCT trace_id FROM spans').map((r) => r.trace_id)).not.toContain(`tr-${TA}`);
      expect(rows('SELECT COUNT(*) AS n FROM trace_request_metadata WHERE request_id = ?', `tr-${TA}`)).toEqual([
        { n: 0 },
      ]);
    });

    it('deletes by time, oldest first, at most maxTraces', async () => {
      expect(await store.deleteTraces({ experimentId: exp, maxTimestampMillis: Number(T0) + 20, maxTraces: 2 })).toBe(
        2,
      );
      expect(rows('SELECT request_id FROM trace_info')).toEqual([{ request_id: `tr-${TC}` }]);
      expect(await store.deleteTraces({ experimentId: exp, maxTimestampMillis: 0 })).toBe(0);
    });

    it('validates its arguments as MLflow does', async () => {
      await expectMlflowError(
        store.deleteTraces({ experimentId: exp }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'max_timestamp_millis',
      );
      await expectMlflowError(
        store.deleteTraces({ experimentId: exp, maxTimestampMillis: 1, traceIds: ['x'] }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Only one of',
      );
      await expectMlflowError(
        store.deleteTraces({ experimentId: exp, traceIds: ['x'], maxTraces: 1 }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'max_traces',
      );
      await expectMlflowError(
        store.deleteTraces({ experimentId: exp, maxTimestampMillis: 1, maxTraces: 0 }),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'received 0',
      );
      expect(count('trace_info')).toBe(3);
    });
  });

  describe('linkTracesToRun', () => {
    it('links once per trace, and search by run_id finds linked traces', async () => {
      const run = await store.createRun({ experimentId: exp, userId: 'u', startTime: 0, tags: [] });
      await store.startTrace(info(TA, exp));
      await store.startTrace(info(TB, exp, { traceMetadata: { 'mlflow.sourceRun': run.info.runId } }));
      await store.startTrace(info(TC, exp));
      await store.linkTracesToRun([`tr-${TA}`, `tr-${TA}`], run.info.runId);
      await store.linkTracesToRun([`tr-${TA}`], run.info.runId);
      expect(rows('SELECT source_type, source_id, destination_type, destination_id FROM entity_associations')).toEqual([
        { source_type: 'trace', source_id: `tr-${TA}`, destination_type: 'run', destination_id: run.info.runId },
      ]);
      expect(rows('SELECT association_id FROM entity_associations')[0]?.association_id).toMatch(/^[0-9a-f]{32}$/);
      const found = await store.searchTraces({ experimentIds: [exp], filterString: `run_id = '${run.info.runId}'` });
      expect(found.items.map((t) => t.traceId).sort()).toEqual([`tr-${TA}`, `tr-${TB}`]);
    });

    it('takes at most 100 ids and, like MLflow, does not look the run up', async () => {
      const ids = Array.from({ length: 101 }, (_, i) => `tr-${i}`);
      await expectMlflowError(
        store.linkTracesToRun(ids, 'r'),
        ErrorCode.INVALID_PARAMETER_VALUE,
        'Provided 101 traces',
      );
      expect(count('entity_associations')).toBe(0);
      await store.linkTracesToRun(['tr-1'], 'no-such-run');
      expect(count('entity_associations')).toBe(1);
    });
  });
});
