import { describe, expect, it } from 'vitest';
import { ErrorCode, InvalidParameterError } from '../../../src/tracking/errors.js';
import {
  parseRunComparisons,
  parseRunFilter,
  parseStringList,
  tokenizeFilter,
  translateKeyAlias,
  validateRunComparison,
} from '../../../src/tracking/search/filter.js';
import { buildSearchRunsSql, likeToGlob } from '../../../src/tracking/sqlite/search-sql.js';
import { invalidParameterThrownBy } from '../../helpers/errors.js';

describe('parseRunFilter: accepted filters', () => {
  it('returns [] for an empty or missing filter', () => {
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter(undefined)).toEqual([]);
    expect(parseRunFilter(null)).toEqual([]);
  });

  it.each([
    ['metrics.acc > 0.5', { type: 'metric', key: 'acc', comparator: '>', value: 0.5 }],
    ['metric.acc>=-1', { type: 'metric', key: 'acc', comparator: '>=', value: -1 }],
    ['metrics.acc = 1E-3', { type: 'metric', key: 'acc', comparator: '=', value: 0.001 }],
    ['metrics.acc != .5', { type: 'metric', key: 'acc', comparator: '!=', value: 0.5 }],
    ['metrics.acc < 5.', { type: 'metric', key: 'acc', comparator: '<', value: 5 }],
    ['metrics.`my metric` <= 3', { type: 'metric', key: 'my metric', comparator: '<=', value: 3 }],
    ['metrics."my metric" <= 3', { type: 'metric', key: 'my metric', comparator: '<=', value: 3 }],
    ["metrics.'my metric' <= 3", { type: 'metric', key: 'my metric', comparator: '<=', value: 3 }],
    ['metrics.a.b > 1', { type: 'metric', key: 'a.b', comparator: '>', value: 1 }],
    ["params.lr = '0.1'", { type: 'parameter', key: 'lr', comparator: '=', value: '0.1' }],
    ['param.lr != "0.1"', { type: 'parameter', key: 'lr', comparator: '!=', value: '0.1' }],
    ["parameters.lr like '%1'", { type: 'parameter', key: 'lr', comparator: 'LIKE', value: '%1' }],
    ["params.lr ILIKE '%1'", { type: 'parameter', key: 'lr', comparator: 'ILIKE', value: '%1' }],
    ['params.lr IS NULL', { type: 'parameter', key: 'lr', comparator: 'IS NULL', value: null }],
    ['params.lr is not null', { type: 'parameter', key: 'lr', comparator: 'IS NOT NULL', value: null }],
    ["tags.mlflow.runName = 'a'", { type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'a' }],
    ["tags.`mlflow.runName` = 'a'", { type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'a' }],
    ["tag.`my tag`='x y'", { type: 'tag', key: 'my tag', comparator: '=', value: 'x y' }],
    ["`tags`.`x` = 'y'", { type: 'tag', key: 'x', comparator: '=', value: 'y' }],
    ['tags.x IS  NULL', { type: 'tag', key: 'x', comparator: 'IS NULL', value: null }],
    // Values are kept verbatim between the quotes: no unescaping, as in MLflow.
    ["tags.x = 'it''s'", { type: 'tag', key: 'x', comparator: '=', value: "it''s" }],
    ["tags.x = ''", { type: 'tag', key: 'x', comparator: '=', value: '' }],
    ["status = 'FINISHED'", { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' }],
    ["attributes.status != 'X'", { type: 'attribute', key: 'status', comparator: '!=', value: 'X' }],
    ["attr.user_id LIKE 'a%'", { type: 'attribute', key: 'user_id', comparator: 'LIKE', value: 'a%' }],
    ["run.artifact_uri ILIKE 's3%'", { type: 'attribute', key: 'artifact_uri', comparator: 'ILIKE', value: 's3%' }],
    ["`run name` = 'x'", { type: 'attribute', key: 'run_name', comparator: '=', value: 'x' }],
    ['"Run Name" = \'x\'', { type: 'attribute', key: 'run_name', comparator: '=', value: 'x' }],
    ["attribute.run_name = 'x'", { type: 'attribute', key: 'run_name', comparator: '=', value: 'x' }],
    ['start_time > 100', { type: 'attribute', key: 'start_time', comparator: '>', value: 100 }],
    ['created >= 1.5', { type: 'attribute', key: 'start_time', comparator: '>=', value: 1.5 }],
    ['Created < -5', { type: 'attribute', key: 'start_time', comparator: '<', value: -5 }],
    ['end_time <= 7', { type: 'attribute', key: 'end_time', comparator: '<=', value: 7 }],
    ["run_id IN ('a', 'b')", { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] }],
    ["run_id in ('a')", { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a'] }],
    ["run_id not  in ('a',)", { type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['a'] }],
    ['run_id IN ("a", \'b\')', { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] }],
    ["datasets.name = 'x'", { type: 'dataset', key: 'name', comparator: '=', value: 'x' }],
    ["dataset.digest IN ('a','b')", { type: 'dataset', key: 'digest', comparator: 'IN', value: ['a', 'b'] }],
    ["datasets.context LIKE 'tr%'", { type: 'dataset', key: 'context', comparator: 'LIKE', value: 'tr%' }],
  ])('%s', (filter, clause) => {
    expect(parseRunFilter(filter)).toEqual([clause]);
  });

  it('accepts AND chains, stray ANDs and juxtaposed clauses as MLflow does', () => {
    const expected = [
      { type: 'metric', key: 'acc', comparator: '>', value: 0.5 },
      { type: 'parameter', key: 'lr', comparator: '=', value: '0.1' },
    ];
    expect(parseRunFilter("metrics.acc > 0.5 AND params.lr = '0.1'")).toEqual(expected);
    expect(parseRunFilter("metrics.acc > 0.5 and params.lr = '0.1'")).toEqual(expected);
    expect(parseRunFilter("AND metrics.acc > 0.5 AND AND params.lr = '0.1' AND")).toEqual(expected);
    expect(parseRunFilter("metrics.acc > 0.5 params.lr = '0.1'")).toEqual(expected);
    // sqlparse lexes `0.5AND` as `0.` then the name `5AND`: MLflow rejects it too.
    expect(() => parseRunFilter("metrics.acc>0.5AND params.lr='0.1'")).toThrow(InvalidParameterError);
  });

  it('accepts keys that are SQL words except those sqlparse always lexes as keywords', () => {
    expect(parseRunFilter("params.select = 'x' AND params.and = 'y' AND tags.order = 'z'")).toHaveLength(3);
    for (const word of ['from', 'in', 'as', 'case', 'values', 'using']) {
      expect(() => parseRunFilter(`params.${word} = 'x'`)).toThrow(InvalidParameterError);
    }
  });
});

describe('parseRunFilter: rejected filters', () => {
  it.each([
    ["metrics.acc > 0 OR params.lr = '0.1'", "Invalid clause(s) in filter string: 'OR'"],
    ['metrics.acc > 0;', "Invalid clause(s) in filter string: ';'"],
    ['(metrics.acc > 0)', "Invalid clause(s) in filter string: '(metrics.acc > 0)'"],
    ["params.x = 'a' AND NOT params.y = 'b'", "Invalid clause(s) in filter string: 'NOT'"],
    ['metrics.acc', "Invalid clause(s) in filter string: 'metrics.acc'"],
    ['metrics.acc > 1 -- comment', "Invalid clause(s) in filter string: '-- comment'"],
    ["tags.x = 'a' 'b'", "Invalid clause(s) in filter string: ''b''"],
    ['   ', "Invalid filter '   '. Could not be parsed."],
    [
      "metrics.acc > 0; params.x = 'y'",
      'Search filter contained multiple expression "metrics.acc > 0; params.x = \'y\'". Provide AND-ed expression list.',
    ],
    [
      'foo.acc > 1',
      "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    ],
    [
      '"metrics".acc > 0',
      `Invalid entity type '"metrics"'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`,
    ],
    ["metrics.acc = '5'", "Expected numeric value type for metric. Found '5'"],
    ['metrics.a > 1abc', 'Expected numeric value type for metric. Found 1abc'],
    ['params.lr = 0.1', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1"],
    ["tags.x IN ('a')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"],
    [
      'status = FINISHED',
      'Parameter value is either not quoted or unidentified quote types used for string value FINISHED. Use either single or double quotes.',
    ],
    ["start_time > '100'", "Expected numeric value type for numeric attribute: start_time. Found '100'"],
    ['status = 5', 'Expected a quoted string value for attributes. Got value 5'],
    ["status IN ('a')", "Only ['run_id'] attributes support comparison with a list of quoted string values."],
    ['datasets.name = 5', 'Expected a quoted string value for dataset attributes. Got value 5'],
    ['metrics.acc IS NULL', "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'"],
    [
      'end_time IS NOT NULL',
      "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' 'end_time'",
    ],
    ["'run name' = 'x'", "Invalid comparison clause. Expected 'Identifier' found ''run name''"],
    [
      'run_id IN ()',
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    ],
    [
      "run_id IN ('a', 1)",
      "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1)",
    ],
    ['metrics.acc == 1', "Invalid comparator '==' not one of '{'!=', '<', '<=', '=', '>', '>='}"],
    [
      "params.lr NOT LIKE '%1'",
      "Invalid comparator 'NOT LIKE' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE'}'",
    ],
    [
      "tags.x RLIKE 'a'",
      "Invalid comparator 'RLIKE' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE'}",
    ],
    ["status > 'a'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN'}'"],
    ["datasets.name > 'x'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN'}"],
    ["datasets.foo = 'x'", "Invalid dataset key 'foo' specified. Valid keys are '{'context', 'digest', 'name'}'"],
  ])('%s', (filter, message) => {
    const error = invalidParameterThrownBy(() => parseRunFilter(filter));
    expect(error.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(error.message).toBe(message);
  });

  it('names the valid attribute keys', () => {
    const error = invalidParameterThrownBy(() => parseRunFilter("experiment_id = '1'"));
    expect(error.message).toMatch(
      /^Invalid attribute key 'experiment_id' specified\. Valid keys are '\{.*'run_id'.*\}'$/,
    );
  });
});

describe('two-stage parsing', () => {
  it('parses comparators without validating them, like parse_search_filter', () => {
    expect(parseRunComparisons('metrics.a <> 1')).toEqual([{ type: 'metric', key: 'a', comparator: '<>', value: 1 }]);
    expect(parseRunComparisons('`Run name` = "x"')).toEqual([
      { type: 'attribute', key: 'Run name', comparator: '=', value: 'x' },
    ]);
  });

  it('validates and normalises in validateRunComparison', () => {
    expect(validateRunComparison({ type: 'tag', key: 't', comparator: 'ilike', value: 'A' })).toEqual({
      type: 'tag',
      key: 't',
      comparator: 'ILIKE',
      value: 'A',
    });
    expect(() => validateRunComparison({ type: 'attribute', key: 'run_id', comparator: '=', value: ['a'] })).toThrow(
      InvalidParameterError,
    );
  });

  it('translates key aliases', () => {
    expect(translateKeyAlias('created')).toBe('start_time');
    expect(translateKeyAlias('Created')).toBe('start_time');
    expect(translateKeyAlias('Run name')).toBe('run_name');
    expect(translateKeyAlias('status')).toBe('status');
  });
});

describe('tokenizer and list literals', () => {
  it('lexes numbers like sqlparse', () => {
    expect(tokenizeFilter('-1.5E3 .5 5. 7 0x1F').map((t) => [t.kind, t.text])).toEqual([
      ['number', '-1.5E3'],
      ['number', '.5'],
      ['number', '5.'],
      ['number', '7'],
      ['other', '0x1F'],
    ]);
  });

  it('keeps operators and keyword phrases together', () => {
    expect(tokenizeFilter("a NOT LIKE 'x' IS NOT NULL <>").map((t) => t.text)).toEqual([
      'a',
      'NOT LIKE',
      "'x'",
      'IS',
      'NOT NULL',
      '<>',
    ]);
  });

  it('reads Python string lists like ast.literal_eval', () => {
    expect(parseStringList('(\'a\', "b",)')).toEqual(['a', 'b']);
    expect(parseStringList("('a' 'b')")).toEqual(['ab']);
    expect(parseStringList("('it\\'s', '\\x41\\n')")).toEqual(["it's", 'A\n']);
    expect(parseStringList("(r'a\\b')")).toEqual(['a\\b']);
    expect(() => parseStringList("('a',,)")).toThrow(/ill-formed list/);
    expect(() => parseStringList('(a)')).toThrow(/ill-formed list/);
    expect(() => parseStringList("(b'a')")).toThrow(/different type in list: \(b'a',\)/);
  });
});

describe('SQL compilation of run filters', () => {
  it('binds every value and never splices it into the SQL', () => {
    const hostile = "x' OR 1=1 --";
    const { sql, params } = buildSearchRunsSql({
      experimentIds: ['1'],
      filterString: `tags."k'" = "${hostile}" AND params.p LIKE '%;DROP%' AND run_id IN ('r1', 'r2')`,
      orderBy: ["tags.`o'rder` DESC"],
    });
    expect(sql).not.toContain(hostile);
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain("o'rder");
    expect(params).toContain(hostile);
    expect(params).toContain("k'");
    expect(params).toContain("o'rder");
    expect(params).toContain('*;DROP*');
    expect(sql.split('?').length - 1).toBe(params.length);
  });

  it('reports parse errors in MLflow’s order (filter syntax, order_by, then comparators)', () => {
    const run = (filterString: string, orderBy: string[]) => () =>
      buildSearchRunsSql({ experimentIds: ['1'], filterString, orderBy });
    expect(run('metrics.a == 1', ['created', 'start_time'])).toThrow(/duplicate fields/);
    expect(run('metrics.a = x', ['created', 'start_time'])).toThrow(/Expected numeric value/);
  });

  it('translates LIKE patterns to GLOB', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('[x]*?')).toBe('[[]x][*][?]');
    expect(likeToGlob('100%')).toBe('100*');
  });
});
