import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelConfigToDict, PromptVersion, updateLinkedPromptsTag, zodToPromptJsonSchema } from '../../src/index.js';
import { pyFloatRepr, pyJsonDumpsAscii } from '../../src/registry/prompts/python.js';

describe('PromptVersion', () => {
  it('stores text and chat templates under MLflow’s tags and hides them from tags', () => {
    const text = new PromptVersion({ name: 'p', version: '3', template: 'Hi {{ name }}', tags: { a: 'b' } });
    expect([text.version, text.uri, text.isTextPrompt, text.promptType]).toEqual([3, 'prompts:/p/3', true, 'text']);
    expect(text.tags).toEqual({ a: 'b' });
    expect(text.storedTags).toEqual({
      a: 'b',
      _mlflow_prompt_type: 'text',
      'mlflow.prompt.text': 'Hi {{ name }}',
      'mlflow.prompt.is_prompt': 'true',
    });
    const chat = new PromptVersion({ name: 'c', version: 1, template: [{ role: 'user', content: 'é {{ q }}' }] });
    expect(chat.storedTags['mlflow.prompt.text']).toBe('[{"role": "user", "content": "\\u00e9 {{ q }}"}]');
    // Python's repr of the same PromptVersion.
    expect(String(chat)).toBe('PromptVersion(name=c, version=1, template=[{"role": "user", "content": "...)');
  });

  it('is immutable: the template it returns is a copy', () => {
    const chat = new PromptVersion({ name: 'c', version: 1, template: [{ role: 'user', content: 'x' }] });
    (chat.template as Array<{ content: string }>)[0]!.content = 'changed';
    expect(chat.template).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('stores the model config as MLflow’s PromptModelConfig.to_dict() writes it', () => {
    const dict = modelConfigToDict({
      extraParams: { seed: 1 },
      temperature: 1,
      modelName: 'gpt',
      max_tokens: '20',
      provider: null,
      stopSequences: ['x'],
      custom: { nested: true },
    });
    expect(pyJsonDumpsAscii(dict)).toBe(
      '{"model_name": "gpt", "temperature": 1.0, "max_tokens": 20, "stop_sequences": ["x"], "seed": 1, "custom": {"nested": true}}',
    );
  });

  it('converts a zod schema the way pydantic writes the same model', () => {
    const schema = z
      .object({
        user_name: z.string(),
        age: z.number().int().optional(),
        kind: z.enum(['a', 'b']),
        tags: z.array(z.string()).default([]),
      })
      .meta({ title: 'Person' });
    expect(zodToPromptJsonSchema(schema)).toEqual({
      properties: {
        user_name: { title: 'User Name', type: 'string' },
        age: { title: 'Age', type: 'integer' },
        kind: { enum: ['a', 'b'], title: 'Kind', type: 'string' },
        tags: { default: [], items: { type: 'string' }, title: 'Tags', type: 'array' },
      },
      required: ['user_name', 'kind'],
      title: 'Person',
      type: 'object',
    });
    const pv = new PromptVersion({ name: 'z', version: 1, template: 'x', responseFormat: schema });
    expect(pv.responseFormat).toEqual(zodToPromptJsonSchema(schema));
  });

  it('becomes a LangChain.js PromptTemplate or ChatPromptTemplate', async () => {
    const text = new PromptVersion({
      name: 't',
      version: 1,
      template: 'Answer {{ q }} as JSON like {"a": 1} for {{user.name}}',
    });
    const lcText = (await text.toLangChain()) as { inputVariables: string[]; format(v: unknown): Promise<string> };
    expect(lcText.inputVariables.sort()).toEqual(['q', 'user.name']);
    expect(await lcText.format({ q: 'why', 'user.name': 'Bo' })).toBe(text.format({ q: 'why', 'user.name': 'Bo' }));

    const chat = new PromptVersion({
      name: 'c',
      version: 1,
      template: [
        { role: 'system', content: 'Be {{ style }} {braces}' },
        { role: 'user', content: '{{ q }}' },
        { role: 'assistant', content: 'ok' },
        { role: 'tool', content: 'result {{ r }}' },
      ],
    });
    const lcChat = (await chat.toLangChain()) as {
      formatMessages(v: unknown): Promise<Array<{ content: string; _getType(): string }>>;
    };
    const msgs = await lcChat.formatMessages({ style: 'brief', q: 'hi', r: '42' });
    expect(msgs.map((m) => [m._getType(), m.content])).toEqual([
      ['system', 'Be brief {braces}'],
      ['human', 'hi'],
      ['ai', 'ok'],
      ['generic', 'result 42'],
    ]);
    const jinja = new PromptVersion({ name: 'j', version: 1, template: '{% if a %}x{% endif %}' });
    await expect(jinja.toLangChain()).rejects.toThrow('Jinja2 template');
  });
});

describe('Python text forms', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [-2.5e-7, '-2.5e-07'],
    [123456789.125, '123456789.125'],
    [Number.NaN, 'nan'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('repr(float(%s)) is %s', (n, text) => {
    expect(pyFloatRepr(n)).toBe(text);
  });

  it('the linked-prompts tag is the JSON list MLflow writes, without duplicates', () => {
    const a = updateLinkedPromptsTag(undefined, [{ name: 'p', version: 1 }]);
    expect(a).toBe('[{"name": "p", "version": "1"}]');
    expect(updateLinkedPromptsTag(a, [{ name: 'p', version: '1' }])).toBe(a);
    expect(updateLinkedPromptsTag(a, [{ name: 'q', version: 2 }])).toBe(
      '[{"name": "p", "version": "1"}, {"name": "q", "version": "2"}]',
    );
    expect(() => updateLinkedPromptsTag('{"x": 1}', [{ name: 'p', version: 1 }])).toThrow(
      "Invalid format for 'mlflow.linkedPrompts' tag",
    );
  });
});
