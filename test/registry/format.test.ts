import { beforeAll, describe, expect, it } from 'vitest';
import { PromptVersion } from '../../src/registry/index.js';
import { isMlflowError } from '../../src/tracking/errors.js';
import { runPythonJson } from '../helpers/python.js';

interface Case {
  id: string;
  template: string | Array<Record<string, unknown>>;
  values?: Record<string, unknown>;
  allow_partial?: boolean;
}

type Outcome =
  | { ok: unknown }
  | { partial: { template: unknown; variables: string[] } }
  | { error: { type: string; code?: string; missing?: string[] | null; message?: string | null } };

interface PyResult {
  variables: string[];
  single_brace: unknown;
  result: Outcome;
}

const chat = (...msgs: Array<[string, string]>) => msgs.map(([role, content]) => ({ role, content }));

// Integer-valued floats are left out: JSON (and JavaScript) cannot tell 2.0 from 2, Python can.
const CASES: Case[] = [
  { id: 'basic', template: 'Hello, {{title}} {{name}}!', values: { title: 'Ms', name: 'Alice' } },
  { id: 'spaces in braces', template: '{{ name }} {{  name}} {{name  }}', values: { name: 'x' } },
  { id: 'newlines and tabs in braces', template: '{{\nname\t}} and {{ \u00a0name }}', values: { name: 'x' } },
  { id: 'dotted name', template: 'Hi {{ user.name }} / {{user.name}}', values: { 'user.name': 'Bob' } },
  { id: 'dotted name given as object', template: 'Hi {{ user.name }}', values: { user: { name: 'Bob' } } },
  { id: 'repeated variable', template: '{{a}}{{a}}{{ a }}', values: { a: 1 } },
  {
    id: 'braces that are not variables',
    template: '{ a } {{ 1abc }} {{a-b}} {{}} {{{a}}} }}{{ {{ a b }}',
    values: { a: 'X' },
  },
  { id: 'json in text', template: 'Return {"key": "{{ value }}", "n": {"m": 1}}', values: { value: 'v' } },
  { id: 'inserted text is not formatted again', template: '{{a}} {{b}}', values: { a: '{{ b }}', b: 'B' } },
  { id: 'missing variable', template: '{{a}} {{b}} {{c}}', values: { a: 1 } },
  { id: 'partial formatting', template: '{{a}} {{b}} {{ c }}', values: { a: 1 }, allow_partial: true },
  { id: 'partial with nothing given', template: 'Hi {{name}}', values: {}, allow_partial: true },
  { id: 'extra values are ignored', template: '{{a}}', values: { a: 'x', z: 'unused' } },
  {
    id: 'values are inserted as Python str()',
    template: '{{i}}|{{f}}|{{t}}|{{n}}|{{l}}|{{d}}|{{s}}|{{e}}|{{big}}|{{small}}|{{neg}}',
    values: {
      i: 3,
      f: 2.5,
      t: true,
      n: null,
      l: ['a', 1, 2.5, null, true, "it's", 'say "hi"', 'x\ny'],
      d: { k: 'v', n: 1, nested: { a: [false] } },
      s: '',
      e: [],
      big: 1e22,
      small: 1.5e-7,
      neg: -0.25,
    },
  },
  { id: 'replacement specials stay literal', template: '{{a}}', values: { a: 'C:\\path $1 \\1 $& \\g<0>' } },
  { id: 'non-ascii text and keys', template: 'Héllo {{ naïve }} {{ name }} 日本', values: { naïve: 'x', name: 'ü' } },
  { id: 'keys with regex characters', template: '{{a.b}} {{a+b}} {{ a*b }}', values: { 'a.b': 'D', 'a+b': 'P' } },
  { id: 'empty template', template: '', values: {} },
  { id: 'alternation prefixes', template: '{{ab}} {{a}} {{abc}}', values: { a: 'A', ab: 'AB', abc: 'ABC' } },
  { id: 'no variables', template: 'plain text', values: {} },
  { id: 'digit-first key', template: '{{1a}} {{ _ok }}', values: { '1a': 'x', _ok: 'y' } },
  {
    id: 'chat basic',
    template: chat(['system', 'You are a {{style}} assistant.'], ['user', '{{question}}']),
    values: { style: 'friendly', question: 'How are you?' },
  },
  {
    id: 'chat partial',
    template: chat(['system', 'You are a {{style}} assistant.'], ['user', '{{question}}']),
    values: { style: 'terse' },
    allow_partial: true,
  },
  { id: 'chat missing', template: chat(['system', '{{a}}'], ['user', '{{b}}']), values: { a: 1 } },
  {
    id: 'chat message with extra keys',
    template: [{ role: 'user', content: '{{q}}', name: 'bob' }],
    values: { q: 'hi' },
  },
  { id: 'chat newline inside braces', template: chat(['user', 'Line1\n{{\nq}} {{ r }}']), values: { q: 'x', r: 'y' } },
  { id: 'chat non-ascii', template: chat(['user', 'Grüße {{name}} “quoted”']), values: { name: 'Zoë' } },
  { id: 'chat variable in role', template: chat(['{{r}}', 'x']), values: {} },
  { id: 'chat variable in role given', template: chat(['{{r}}', 'x {{r}}']), values: { r: 'user' } },
  // Jinja2 templates ({% ... %}): rendered with the sandboxed environment and the default Undefined.
  {
    id: 'jinja if',
    template: 'Hello {% if name %}{{ name }}{% else %}Guest{% endif %}!',
    values: { name: 'Alice' },
  },
  { id: 'jinja if undefined', template: 'Hello {% if name %}{{ name }}{% else %}Guest{% endif %}!', values: {} },
  {
    id: 'jinja for with loop',
    template: '{% for x in items %}{{ loop.index }}. {{ x }}{% if not loop.last %}, {% endif %}{% endfor %}',
    values: { items: ['a', 'b', 'c'] },
  },
  { id: 'jinja whitespace control', template: '{%- if x -%}\n  A  \n{%- endif -%}\nB\n\n', values: { x: 1 } },
  {
    id: 'jinja filters',
    template:
      '{{ name|upper }} {{ name|title }} {{ items|join(", ") }} {{ items|length }} {{ missing|default("d") }} ' +
      '{{ "" | default("e", true) }} {{ items|first }} {{ items|last }} {{ name|capitalize }} {{ "  t "|trim }}',
    values: { name: 'bob smith', items: ['x', 'y'] },
  },
  { id: 'jinja undefined renders empty', template: '[{{ missing }}]{% if true %}ok{% endif %}', values: {} },
  { id: 'jinja undefined attribute', template: '{% if true %}{{ missing.x }}{% endif %}', values: {} },
  {
    id: 'jinja attribute and item access',
    template:
      '{% if user %}{{ user.name }} {{ user["age"] }} {{ user.nope }}|{{ xs[1] }} {{ xs[-1] }} {{ xs[0:2] }}{% endif %}',
    values: { user: { name: 'z', age: 3 }, xs: [10, 20, 30] },
  },
  {
    id: 'jinja dict items',
    template: '{% for k, v in d.items() %}{{k}}={{v}};{% endfor %}{% for k in d %}[{{ k }}]{% endfor %}',
    values: { d: { a: 1, b: 'x' } },
  },
  {
    id: 'jinja set and arithmetic',
    template:
      '{% set n = 7 %}{{ n // 2 }} {{ n / 2 }} {{ n % 3 }} {{ 2 ** 3 }} {{ "a" ~ n }} {{ 1.0 }} {{ -n }} {{ n - 10 }} {{ 4 / 2 }}',
    values: {},
  },
  {
    id: 'jinja python rendering',
    template: '{{ l }} {{ d }} {{ t }} {{ n }} {% if l %}L{% endif %}{% if e %}E{% endif %}{% if z %}Z{% endif %}',
    values: { l: ['a', 1, null], d: { k: 'v' }, t: true, n: null, e: [], z: 0 },
  },
  { id: 'jinja trailing newline', template: 'A {% if x %}x{% endif %}\n', values: { x: 1 } },
  { id: 'jinja comment', template: '{# c #}A{% if true %}B{% endif %}{#- c2 -#}  C', values: {} },
  {
    id: 'jinja chat',
    template: chat(['user', '{% for i in xs %}{{ i }}{% endfor %}'], ['system', 'plain {{ v }}']),
    values: { xs: [1, 2], v: 'V' },
  },
  {
    id: 'jinja tests',
    template:
      '{% if x is defined %}D{% endif %}{% if y is not defined %}U{% endif %}{% if n is none %}N{% endif %}' +
      '{% if 4 is even %}E{% endif %}{% if x is number %}#{% endif %}{% if s is string %}S{% endif %}',
    values: { x: 1, n: null, s: 'a' },
  },
  {
    id: 'jinja comparisons',
    template:
      '{% if "a" in s %}yes{% endif %} {{ 3 > 2 }} {{ x == 1 }} {{ [1, "b"] }} {{ x != 1 or s }} {{ not x }} {{ 1 < 2 < 3 }}',
    values: { s: 'abc', x: 1 },
  },
  {
    id: 'jinja string methods',
    template:
      '{% if s %}{{ s.upper() }}|{{ s.strip() }}|{{ s.split(",") }}|{{ s.replace("a", "b") }}|{{ s.startswith(" a") }}{% endif %}',
    values: { s: ' a,b ' },
  },
  { id: 'jinja for else', template: '{% for x in [] %}{{x}}{% else %}empty{% endfor %}', values: {} },
  {
    id: 'jinja loop filter',
    template: '{% for x in xs if x > 1 %}{{ x }}/{{ loop.length }}/{{ loop.first }} {% endfor %}',
    values: { xs: [1, 2, 3] },
  },
  { id: 'jinja ternary', template: '{{ "yes" if flag else "no" }}{% if 1 %}{% endif %}', values: { flag: false } },
  {
    id: 'jinja ignores allow_partial',
    template: '{% if a %}{{a}}{% endif %}[{{b}}]',
    values: { a: 1 },
    allow_partial: true,
  },
  { id: 'jinja raw', template: '{% raw %}{{ not }}{% endraw %}{% if 1 %}x{% endif %}', values: {} },
  {
    id: 'jinja floats',
    template: '{% if 1 %}{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 10 / 4 }} {{ 1 / 3 }} {{ 2.5e-5 }}{% endif %}',
    values: {},
  },
  {
    id: 'jinja nested loops and set scope',
    template:
      '{% set total = 0 %}{% for row in rows %}{% set total = total + 1 %}{% for c in row %}{{ c }}{% endfor %};{% endfor %}{{ total }}',
    values: { rows: [['a', 'b'], ['c']] },
  },
  { id: 'jinja elif', template: '{% if n > 2 %}big{% elif n > 1 %}mid{% else %}small{% endif %}', values: { n: 2 } },
  { id: 'jinja syntax error', template: '{% if x %}unclosed', values: { x: 1 } },
];

function tsOutcome(pv: PromptVersion, values: Record<string, unknown>, allowPartial: boolean): Outcome {
  try {
    const r = pv.format(values, { allowPartial });
    if (r instanceof PromptVersion) return { partial: { template: r.template, variables: [...r.variables].sort() } };
    return { ok: r };
  } catch (err) {
    if (!isMlflowError(err)) throw err;
    const m = /Missing variables: \{(.*)\}\./.exec(err.message);
    return {
      error: {
        type: 'MlflowException',
        code: err.errorCode,
        missing: m ? [...(m[1] as string).matchAll(/'([^']*)'/g)].map((x) => x[1] as string).sort() : null,
        message: m ? null : err.message,
      },
    };
  }
}

let python: Record<string, PyResult>;

beforeAll(async () => {
  python = await runPythonJson<Record<string, PyResult>>('prompts_format.py', CASES);
}, 120_000);

describe('PromptVersion.format matches Python MLflow 3.18 on every case of the table', () => {
  for (const c of CASES) {
    it(c.id, () => {
      const pv = new PromptVersion({ name: 'p', version: 1, template: c.template as never });
      const py = python[c.id] as PyResult;
      expect([...pv.variables].sort()).toEqual(py.variables);
      expect(pv.toSingleBraceFormat()).toEqual(py.single_brace);
      const ts = tsOutcome(pv, c.values ?? {}, c.allow_partial ?? false);
      if ('error' in py.result && py.result.error.type !== 'MlflowException') {
        // A Jinja2 error: ours is an InvalidParameterError; the message matches for undefined values.
        expect(ts).toHaveProperty('error');
        if (py.result.error.type === 'UndefinedError') {
          expect((ts as { error: { message: string } }).error.message).toBe(py.result.error.message);
        }
        return;
      }
      expect(ts).toEqual(py.result);
    });
  }
});
