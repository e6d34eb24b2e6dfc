// The prompt registry: register versions, point an alias, load by alias and format; use it in LangChain.js.
//   npx tsx examples/prompts.ts
import { loadPrompt, registerPrompt, setPromptAlias } from '../src/index.js';

const v1 = await registerPrompt({
  name: 'qa-prompt',
  template: 'Answer the question: {{question}}',
  commitMessage: 'first version',
  tags: { team: 'docs' },
});
const v2 = await registerPrompt({
  name: 'qa-prompt',
  template: 'You are concise. Answer in one sentence: {{question}}',
  commitMessage: 'shorter answers',
});
await setPromptAlias('qa-prompt', 'production', v2.version);
console.log(`registered ${v1.uri} and ${v2.uri}`);

const prod = await loadPrompt('prompts:/qa-prompt@production');
console.log(`production is version ${prod.version}:`, prod.format({ question: 'What is MLflow?' }));

// The same prompt as a LangChain.js PromptTemplate (needs @langchain/core).
const lc = (await prod.toLangChain()) as { format(values: Record<string, string>): Promise<string> };
console.log('LangChain:', await lc.format({ question: 'What is a prompt registry?' }));
