// A custom model for examples/serve.ts: loadContext reads its config; predict answers each question.
import { type Frame, type ModelContext, ModelWrapper } from '../../src/index.js';

export class EchoModel extends ModelWrapper<Frame, string[]> {
  prefix = '';

  override loadContext(context: ModelContext): void {
    this.prefix = String(context.modelConfig.prefix ?? '');
  }

  predict(_context: ModelContext, input: Frame): string[] {
    return input.column('question').map((q) => `${this.prefix}${String(q)}`);
  }
}
