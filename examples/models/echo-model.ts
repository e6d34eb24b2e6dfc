// A custom model for examples/serve.ts: loadContext reads its config; predict answers each question.
// In your project, `import { ModelWrapper } from 'mlflow-genai'` and extend it. Here, inside the SDK's own
// repository, the example uses type-only imports: logModel bundles this file into the model, and a relative
// import of the SDK's sources would bundle the SDK itself instead of using the loading process's copy.
import type { Frame, ModelContext, ModelWrapper } from '../../src/index.js';

export class EchoModel implements ModelWrapper<Frame, string[]> {
  prefix = '';

  loadContext(context: ModelContext): void {
    this.prefix = String(context.modelConfig.prefix ?? '');
  }

  predict(_context: ModelContext, input: Frame): string[] {
    return input.column('question').map((q) => `${this.prefix}${String(q)}`);
  }
}
