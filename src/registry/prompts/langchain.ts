// Internal: a PromptVersion as a LangChain.js prompt. Loaded lazily (by `PromptVersion.toLangChain`), so
// `import 'mlflow-genai'` never loads the optional peer @langchain/core.
import { ErrorCode, MlflowError } from '../../tracking/errors.js';
import { PROMPT_TEMPLATE_VARIABLE_PATTERN } from './constants.js';
import type { PromptVersion } from './prompt-version.js';

type PromptsModule = typeof import('@langchain/core/prompts');
let promptsModule: Promise<PromptsModule> | undefined;

function loadPrompts(): Promise<PromptsModule> {
  promptsModule ??= import('@langchain/core/prompts').catch((err: unknown) => {
    promptsModule = undefined;
    throw new MlflowError(
      'PromptVersion.toLangChain() needs the optional peer dependency @langchain/core (1.x): run `npm install @langchain/core`.',
      ErrorCode.NOT_IMPLEMENTED,
      { cause: err },
    );
  });
  return promptsModule;
}

/**
 * A double-brace template as a LangChain f-string template: `{{ var }}` becomes `{var}`, and every
 * other brace is doubled so LangChain reads it as a literal brace.
 */
export function toLangChainFString(text: string): string {
  let out = '';
  let last = 0;
  const literal = (s: string) => s.replaceAll('{', '{{').replaceAll('}', '}}');
  for (const m of text.matchAll(PROMPT_TEMPLATE_VARIABLE_PATTERN)) {
    out += `${literal(text.slice(last, m.index))}{${m[1]}}`;
    last = (m.index as number) + m[0].length;
  }
  return out + literal(text.slice(last));
}

const ROLE_TO_LANGCHAIN: Readonly<Record<string, string>> = {
  system: 'system',
  user: 'human',
  human: 'human',
  assistant: 'ai',
  ai: 'ai',
};

/** The LangChain.js prompt for a version: `PromptTemplate` for text, `ChatPromptTemplate` for chat. */
export async function promptVersionToLangChain(prompt: PromptVersion): Promise<unknown> {
  if (prompt.isJinjaTemplate) {
    throw new MlflowError(
      `Prompt '${prompt.uri}' is a Jinja2 template ({% ... %}), which LangChain.js prompt templates cannot express. ` +
        'Format it with prompt.format(values) instead.',
      ErrorCode.NOT_IMPLEMENTED,
    );
  }
  const { PromptTemplate, ChatPromptTemplate, ChatMessagePromptTemplate } = await loadPrompts();
  const template = prompt.template;
  if (typeof template === 'string') return PromptTemplate.fromTemplate(toLangChainFString(template));
  return ChatPromptTemplate.fromMessages(
    template.map((m) => {
      const role = ROLE_TO_LANGCHAIN[m.role];
      const text = toLangChainFString(m.content);
      return role ? ([role, text] as [string, string]) : ChatMessagePromptTemplate.fromTemplate(text, m.role);
    }) as never,
  );
}
