import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../src/tracking/client.js';
import {
  AssessmentSourceType,
  assessmentSource,
  Expectation,
  Feedback,
  type TraceInfo,
  TraceState,
} from '../../src/tracking/entities/index.js';
import { assessmentFromJson, assessmentJson, assessmentToJson } from '../../src/tracking/rest/assessments.js';
import { SqliteTrackingStore } from '../../src/tracking/sqlite/store.js';
import { makeTempDir } from '../helpers/paths.js';

function traceInfo(traceId: string, experimentId: string, extra: Partial<TraceInfo> = {}): TraceInfo {
  return {
    traceId,
    experimentId,
    requestTime: 1_700_000_000_000,
    executionDuration: 12,
    state: TraceState.OK,
    requestPreview: null,
    responsePreview: null,
    clientRequestId: null,
    traceMetadata: {},
    tags: {},
    ...extra,
  };
}

describe('assessments in the embedded store', () => {
  const tmp = makeTempDir('assess-store-');
  let store: SqliteTrackingStore;
  let client: MlflowClient;
  const T1 = 'tr-00000000000000000000000000000001';
  const T2 = 'tr-00000000000000000000000000000002';

  beforeAll(async () => {
    store = new SqliteTrackingStore(join(tmp.dir, 'mlflow.db'), { defaultArtifactRoot: join(tmp.dir, 'mlruns') });
    client = new MlflowClient({ trackingUri: store.trackingUri });
    // The client opens its own store on the same file; both see the same rows.
    await store.startTrace(traceInfo(T1, '0'));
    await store.startTrace(traceInfo(T2, '0'));
  });

  afterAll(async () => {
    await store.close();
    await client.store.close();
    tmp.cleanup();
  });

  it('creates a feedback with an a- id, the trace experiment and timestamp, and MLflow JSON columns', async () => {
    const created = await store.createAssessment(
      new Feedback({
        traceId: T1,
        name: 'quality',
        value: 0.5,
        rationale: 'ok ü',
        metadata: { k: 'é' },
        source: assessmentSource('llm_judge', 'gpt'),
      }),
    );
    expect(created.assessmentId).toMatch(/^a-[0-9a-f]{32}$/);
    expect(created.kind).toBe('feedback');
    expect(created.source).toEqual({ sourceType: 'LLM_JUDGE', sourceId: 'gpt' });
    const row = store.database
      .prepare('SELECT * FROM assessments WHERE assessment_id = ?')
      .get(created.assessmentId) as Record<string, unknown>;
    expect(row).toMatchObject({
      trace_id: T1,
      name: 'quality',
      assessment_type: 'feedback',
      value: '0.5',
      error: null,
      rationale: 'ok ü',
      assessment_metadata: '{"k": "\\u00e9"}',
      experiment_id: 0,
      trace_timestamp_ms: 1_700_000_000_000,
      aggregate_value: 0.5,
      is_numeric_value: 1,
      valid: 1,
      source_type: 'LLM_JUDGE',
      source_id: 'gpt',
    });
    expect(await store.getAssessment(T1, created.assessmentId!)).toEqual(created);
  });

  it('stores errors, yes/no and boolean aggregates, and expectation values as Python json.dumps does', async () => {
    const err = await store.createAssessment(new Feedback({ traceId: T1, name: 'e', error: new TypeError('bad "x"') }));
    const errRow = store.database
      .prepare('SELECT value, error FROM assessments WHERE assessment_id = ?')
      .get(err.assessmentId) as { value: string; error: string };
    expect(errRow.value).toBe('null');
    expect(JSON.parse(errRow.error)).toMatchObject({ error_code: 'TypeError', error_message: 'bad "x"' });
    expect(errRow.error.startsWith('{"error_code": "TypeError", "error_message": "bad \\"x\\"", "stack_trace": ')).toBe(
      true,
    );

    const yes = await store.createAssessment(new Feedback({ traceId: T1, name: 'y', value: 'Yes' }));
    const flag = await store.createAssessment(new Feedback({ traceId: T1, name: 'b', value: false }));
    const exp = await store.createAssessment(
      new Expectation({ traceId: T1, name: 'expected_facts', value: ['a', 'ü', { n: 1 }] }),
    );
    const rows = Object.fromEntries(
      (
        store.database
          .prepare('SELECT assessment_id, value, aggregate_value, is_numeric_value, source_type FROM assessments')
          .all() as Array<Record<string, unknown>>
      ).map((r) => [r.assessment_id, r]),
    );
    expect(rows[yes.assessmentId!]).toMatchObject({ value: '"Yes"', aggregate_value: 1, is_numeric_value: 0 });
    expect(rows[flag.assessmentId!]).toMatchObject({ value: 'false', aggregate_value: 0, is_numeric_value: 0 });
    expect(rows[exp.assessmentId!]).toMatchObject({
      value: '["a", "\\u00fc", {"n": 1}]',
      aggregate_value: null,
      source_type: 'HUMAN',
    });
    expect((await store.getAssessment(T1, exp.assessmentId!)) as Expectation).toMatchObject({
      value: ['a', 'ü', { n: 1 }],
    });
  });

  it('getTraceInfo, getTrace infos and searchTraces return the assessments of each trace', async () => {
    const info = await store.getTraceInfo(T1);
    expect(info.assessments?.map((a) => a.name)).toEqual(['quality', 'e', 'y', 'b', 'expected_facts']);
    expect((await store.getTraceInfo(T2)).assessments).toBeUndefined();
    const page = await store.searchTraces({ experimentIds: ['0'] });
    const byId = Object.fromEntries(page.items.map((i) => [i.traceId, i.assessments?.length ?? 0]));
    expect(byId).toEqual({ [T1]: 5, [T2]: 0 });
  });

  it('updates in place: value, rationale, merged metadata, a new update time; source and span stay', async () => {
    const f = await store.createAssessment(
      new Feedback({ traceId: T2, name: 'q', value: 1, metadata: { a: '1' }, spanId: 'abc', createTimeMs: 1000 }),
    );
    const updated = await store.updateAssessment(T2, f.assessmentId!, {
      feedback: { value: 'no' },
      rationale: 'changed',
      metadata: { b: '2' },
      name: 'q2',
    });
    expect(updated).toMatchObject({
      name: 'q2',
      value: 'no',
      rationale: 'changed',
      metadata: { a: '1', b: '2' },
      spanId: 'abc',
      createTimeMs: 1000,
      assessmentId: f.assessmentId,
    });
    expect(updated.lastUpdateTimeMs).toBeGreaterThan(1000);
    expect(await store.getAssessment(T2, f.assessmentId!)).toEqual(updated);
    await expect(store.updateAssessment(T2, f.assessmentId!, { expectation: { value: 1 } })).rejects.toThrow(
      'Cannot update expectation value on a Feedback assessment.',
    );
  });

  it('overrides mark the original invalid; deleting the override restores it; deletes are idempotent', async () => {
    const original = await client.logFeedback({ traceId: T2, name: 'judge', value: 'yes', rationale: 'llm' });
    const override = await client.overrideFeedback({
      traceId: T2,
      assessmentId: original.assessmentId!,
      value: 'no',
      rationale: 'human',
      source: { sourceType: AssessmentSourceType.HUMAN, sourceId: 'me' },
    });
    expect(override.overrides).toBe(original.assessmentId);
    expect((await store.getAssessment(T2, original.assessmentId!)).valid).toBe(false);
    await client.deleteAssessment(T2, override.assessmentId!);
    expect((await store.getAssessment(T2, original.assessmentId!)).valid).toBe(true);
    await client.deleteAssessment(T2, override.assessmentId!);
  });

  it('missing traces and assessments are RESOURCE_DOES_NOT_EXIST with MLflow messages', async () => {
    const missing = 'tr-ffffffffffffffffffffffffffffffff';
    await expect(store.createAssessment(new Feedback({ traceId: missing, value: 1 }))).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Trace with ID '${missing}' not found.`,
    });
    await expect(store.getAssessment(missing, 'a-1')).rejects.toMatchObject({
      message: `Trace with request_id '${missing}' not found`,
    });
    await expect(store.getAssessment(T1, 'a-1')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Assessment with ID 'a-1' not found for trace '${T1}'`,
    });
    await expect(store.createAssessment(new Feedback({ traceId: T1, value: 1, overrides: 'a-nope' }))).rejects.toThrow(
      `Assessment with ID 'a-nope' not found for trace '${T1}'`,
    );
    await expect(client.logAssessment('', new Feedback({ value: 1 }))).rejects.toThrow(/parameter 'trace_id'/);
    expect(() => new Feedback({ source: { sourceType: 'ROBOT' as never, sourceId: null } })).toThrow(
      "Invalid assessment source type: ROBOT. Valid source types: ['SOURCE_TYPE_UNSPECIFIED', 'LLM_JUDGE', 'HUMAN', 'CODE']",
    );
    expect(() => new Expectation({ name: 'x', value: null })).toThrow('The `value` field must be specified.');
  });

  it('startTrace stores the assessments a trace carries, merging by id into an existing trace', async () => {
    const T3 = 'tr-00000000000000000000000000000003';
    const fb = new Feedback({ name: 'inline', value: true, assessmentId: 'a-inline1' });
    await store.startTrace(traceInfo(T3, '0', { assessments: [fb] }));
    expect((await store.getAssessment(T3, 'a-inline1')).traceId).toBe(T3);
    const again = new Feedback({ name: 'inline', value: false, assessmentId: 'a-inline1' });
    await store.startTrace(traceInfo(T3, '0', { assessments: [again] }));
    expect(((await store.getAssessment(T3, 'a-inline1')) as Feedback).value).toBe(false);
    await expect(store.startTrace(traceInfo(T1, '0', { assessments: [again] }))).rejects.toThrow(
      "Assessment with ID 'a-inline1' belongs to another trace.",
    );
  });

  it('proto JSON round trip, as the REST API carries assessments', () => {
    const f = new Feedback({
      traceId: T1,
      name: 'n',
      value: 1,
      rationale: 'r',
      metadata: { k: 'v' },
      error: { errorCode: 'E', errorMessage: 'm', stackTrace: 'x'.repeat(12000) },
      createTimeMs: 1_700_000_000_123,
      lastUpdateTimeMs: 1_700_000_000_000,
    });
    const json = assessmentToJson(f);
    expect(json).toMatchObject({
      assessment_name: 'n',
      trace_id: T1,
      source: { source_type: 'CODE', source_id: 'default' },
      create_time: '2023-11-14T22:13:20.123Z',
      last_update_time: '2023-11-14T22:13:20Z',
      feedback: { value: 1, error: { error_code: 'E', error_message: 'm' } },
      valid: true,
    });
    const stack = (json.feedback as { error: { stack_trace: string } }).error.stack_trace;
    expect(stack.length).toBe(10000);
    expect(stack.startsWith('[Stack trace is truncated]\n...\n')).toBe(true);
    const e = new Expectation({ name: 'e', value: { a: ['ü'] }, traceId: T1 });
    expect(assessmentToJson(e).expectation).toEqual({
      serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"a": ["\\u00fc"]}' },
    });
    const back = assessmentFromJson(assessmentJson.parse(assessmentToJson(e))) as Expectation;
    expect(back.value).toEqual({ a: ['ü'] });
    expect(back.source.sourceType).toBe('HUMAN');
  });
});
