import { describe, expect, it } from 'vitest';
import { ErrorCode, isMlflowError } from '../../../src/tracking/errors.js';
import { parseTraceFilter, parseTraceOrderBy } from '../../../src/tracking/search/traces.js';
import { buildSearchTracesSql } from '../../../src/tracking/sqlite/search-traces-sql.js';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isMlflowError(err)) return { code: err.errorCode, message: err.message };
    throw err;
  }
  throw new Error('expected an MlflowError');
}

describe('parseTraceFilter (SearchTraceUtils.parse_search_filter_for_search_traces)', () => {
  it('returns no clauses for an empty filter', () => {
    expect(parseTraceFilter('')).toEqual([]);
    expect(parseTraceFilter(undefined)).toEqual([]);
  });

  it.each([
    ["status = 'OK'", { type: 'attribute', key: 'status', comparator: '=', value: 'OK' }],
    ["trace.status IN ('OK', 'ERROR')", { type: 'attribute', key: 'status', comparator: 'IN', value: ['OK', 'ERROR'] }],
    ["status NOT IN ('OK')", { type: 'attribute', key: 'status', comparator: 'NOT IN', value: ['OK'] }],
    ['timestamp_ms > 123', { type: 'attribute', key: 'timestamp_ms', comparator: '>', value: 123n }],
    ['timestamp > 5', { type: 'attribute', key: 'timestamp_ms', comparator: '>', value: 5n }],
    ['attributes.execution_time <= 1.5', { type: 'attribute', key: 'execution_time_ms', comparator: '<=', value: 1.5 }],
    ['end_time > -1', { type: 'attribute', key: 'end_time_ms', comparator: '>', value: -1n }],
    ["name = 'agent'", { type: 'tag', key: 'mlflow.traceName', comparator: '=', value: 'agent' }],
    ["tags.NAME LIKE 'a%'", { type: 'tag', key: 'mlflow.traceName', comparator: 'LIKE', value: 'a%' }],
    ["run_id = 'r1'", { type: 'request_metadata', key: 'mlflow.sourceRun', comparator: '=', value: 'r1' }],
    ["prompt = 'p/1'", { type: 'tag', key: 'mlflow.linkedPrompts', comparator: '=', value: 'p/1' }],
    ["trace.text ILIKE '%x%'", { type: 'span', key: 'content', comparator: 'ILIKE', value: '%x%' }],
    ['tags.`my tag` = "v"', { type: 'tag', key: 'my tag', comparator: '=', value: 'v' }],
    ['tags.env IS NULL', { type: 'tag', key: 'env', comparator: 'IS NULL', value: null }],
    [
      'metadata.`app.version` is not null',
      { type: 'request_metadata', key: 'app.version', comparator: 'IS NOT NULL', value: null },
    ],
    ["request_metadata.k RLIKE '^v'", { type: 'request_metadata', key: 'k', comparator: 'RLIKE', value: '^v' }],
    ["span.name = 'llm'", { type: 'span', key: 'name', comparator: '=', value: 'llm' }],
    [
      "span.attributes.model LIKE '%gpt%'",
      { type: 'span', key: 'attributes.model', comparator: 'LIKE', value: '%gpt%' },
    ],
    ['feedback.score >= 0.5', { type: 'feedback', key: 'score', comparator: '>=', value: 0.5 }],
    ["expectation.answer = 'yes'", { type: 'expectation', key: 'answer', comparator: '=', value: 'yes' }],
    ["issue.id = 'i-1'", { type: 'issue', key: 'id', comparator: '=', value: 'i-1' }],
  ])('%s', (filter, clause) => {
    expect(parseTraceFilter(filter)).toEqual([clause]);
  });

  it('reads AND-ed clauses, the bare timestamp keyword included', () => {
    expect(parseTraceFilter("timestamp >= 1 AND status = 'OK' and timestamp < 9")).toEqual([
      { type: 'attribute', key: 'timestamp_ms', comparator: '>=', value: 1n },
      { type: 'attribute', key: 'status', comparator: '=', value: 'OK' },
      { type: 'attribute', key: 'timestamp_ms', comparator: '<', value: 9n },
    ]);
  });

  it.each([
    // sqlparse reads `timestamp` and `text` as type names, not identifiers.
    ["timestamp = 'x'", "Invalid clause(s) in filter string: 'timestamp', '=', ''x'', 'timestamp'"],
    ['timestamp > 12.5', "Invalid clause(s) in filter string: 'timestamp', '>', '12.5', 'timestamp'"],
    ["text LIKE '%a%'", "Invalid clause(s) in filter string: 'text', 'LIKE', ''%a%''"],
    ["foo.bar = 'x'", "Invalid entity type 'foo'"],
    ["attributes.foo = 'x'", "Invalid attribute key 'foo' specified"],
    ['attributes.status = 5', 'support comparison with numeric values'],
    ["timestamp_ms IN ('a')", 'supports comparison with a list of quoted string values'],
    ['tags.a = 5', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5"],
    ["metadata.a IN ('x')", 'Expected a quoted string value for request_metadata'],
    ['status = OK', 'Parameter value is either not quoted'],
    ["'a' = status", "Invalid comparison clause. Expected 'Identifier' found ''a''"],
    [
      "span.foo = 'x'",
      "Invalid span attribute 'foo'. Supported attributes: name, status, type, attributes.<attribute_name>.",
    ],
    ["span.name like 'x'", "span.name comparator 'like' not one of"],
    ["feedback.score > 'high'", "Expected a numeric value for feedback when using comparator '>'. Got value 'high'"],
    ['feedback.score = 1', "Expected a quoted string value for feedback (e.g. 'my-value'). Got value 1"],
    ["status = 'OK'; status = 'ERROR'", 'Search filter contained multiple expression'],
    ["status = 'OK';", "Invalid clause(s) in filter string: ';'"],
    ['   ', "Invalid filter '   '. Could not be parsed."],
  ])('rejects %s', (filter, message) => {
    const err = errorOf(() => parseTraceFilter(filter));
    expect(err.code).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(err.message).toContain(message);
  });
});

describe('parseTraceOrderBy (SearchTraceUtils.parse_order_by_for_search_traces)', () => {
  it.each([
    ['timestamp_ms DESC', { type: 'attribute', key: 'timestamp_ms', ascending: false }],
    ['timestamp', { type: 'attribute', key: 'timestamp_ms', ascending: true }],
    ['execution_time asc', { type: 'attribute', key: 'execution_time_ms', ascending: true }],
    ['name DESC', { type: 'tag', key: 'mlflow.traceName', ascending: false }],
    ['run_id', { type: 'request_metadata', key: 'mlflow.sourceRun', ascending: true }],
    ['tags.`my tag` DESC', { type: 'tag', key: 'my tag', ascending: false }],
    ['metadata.mlflow.trace.session', { type: 'request_metadata', key: 'mlflow.trace.session', ascending: true }],
  ])('%s', (orderBy, clause) => {
    expect(parseTraceOrderBy(orderBy)).toEqual(clause);
  });

  it('rejects unknown attributes and directions', () => {
    expect(errorOf(() => parseTraceOrderBy('client_request_id')).message).toContain(
      "Invalid attribute key 'client_request_id' specified",
    );
    expect(errorOf(() => parseTraceOrderBy('status sideways')).message).toContain('Invalid ordering key');
  });
});

describe('buildSearchTracesSql (SqlAlchemyStore.search_traces)', () => {
  it('checks comparators per entity with MLflow messages', () => {
    const cases: Array<[string, string]> = [
      ["status > 'OK'", "Invalid comparator '>' not one of"],
      ['timestamp_ms IS NULL', "Invalid comparator 'IS NULL' not one of"],
      ["name IN ('a')", "Invalid comparator 'IN' not one of"],
      ["metadata.mlflow.trace.tokenUsage LIKE 'x'", "Comparator 'LIKE' is not supported for reserved metadata"],
      ["prompt != 'a/1'", "Invalid comparator '!=' for prompts filter"],
      ["prompt = 'a'", "Invalid prompts filter value 'a'"],
      ["attributes.text = 'x'", "span.content comparator '=' not one of"],
      ["issue.title = 'x'", "Invalid issue attribute 'title'"],
    ];
    for (const [filterString, message] of cases) {
      const err = errorOf(() => buildSearchTracesSql({ experimentIds: [1], filterString }));
      expect({ filterString, code: err.code }).toEqual({ filterString, code: ErrorCode.INVALID_PARAMETER_VALUE });
      expect(err.message).toContain(message);
    }
  });

  it('checks order_by before the filter, and reports duplicates as MLflow does', () => {
    const err = errorOf(() =>
      buildSearchTracesSql({ experimentIds: [1], filterString: 'bad filter', orderBy: ['span.name'] }),
    );
    expect(err).toEqual({ code: ErrorCode.INVALID_PARAMETER_VALUE, message: "Invalid identifier type 'span'" });
    expect(errorOf(() => buildSearchTracesSql({ experimentIds: [1], orderBy: ['timestamp', 'timestamp_ms'] }))).toEqual(
      {
        code: ErrorCode.INTERNAL_ERROR,
        message: "`order_by` contains duplicate fields: ['timestamp', 'timestamp_ms']",
      },
    );
    expect(
      errorOf(() => buildSearchTracesSql({ experimentIds: [1], orderBy: ['metadata.mlflow.trace.cost'] })).message,
    ).toBe(
      "Ordering by reserved metadata 'mlflow.trace.cost' is not supported because it is represented by multiple columns.",
    );
  });

  it('binds every value and adds the default order', () => {
    const { sql, params } = buildSearchTracesSql({
      experimentIds: [1, 2],
      filterString: "tags.env = 'prod' AND span.type = 'LLM' AND timestamp > 1000",
      orderBy: ['tags.env DESC'],
    });
    expect(sql).not.toContain('prod');
    expect(sql).toMatch(
      /ORDER BY CASE WHEN ob0\.value IS NULL THEN 1 ELSE 0 END, ob0\.value DESC, ti\.timestamp_ms DESC, ti\.request_id ASC$/,
    );
    // Spans from long before the searched time range are pruned, with MLflow's 10 s of tolerance.
    expect(params).toEqual(['env', 'env', 'prod', 1000n, -9_000_000_000n, 'LLM', 1n, 2n]);
  });
});
