// In-process models for the serving unit tests: a real PyFuncModel (signature enforcement included) around a
// wrapper defined here, so the tests need no model directory.
import {
  colSpec,
  MlflowModel,
  type ModelContext,
  ModelSignature,
  ModelWrapper,
  PyFuncModel,
  paramSpec,
  type Schema,
} from '../../src/index.js';

/** The params of the echo models (as in test/interop/py/serving_echo_model.py). */
export const ECHO_PARAMS = {
  params: [paramSpec('mode', 'string', 'echo'), paramSpec('times', 'long', 1), paramSpec('seconds', 'double', 0)],
};

/** The column schema of the "columns" echo model: question (string), n (optional long). */
export const ECHO_COLUMNS = { inputs: [colSpec('string', 'question'), colSpec('long', 'n', false)] };

/** Counts concurrent predictions, so tests can check the server's bound. */
export const inFlight = { now: 0, max: 0, calls: 0 };

class Echo extends ModelWrapper {
  async predict(_context: ModelContext, input: unknown, params: Record<string, unknown>): Promise<unknown> {
    inFlight.calls++;
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    try {
      const mode = params.mode ?? 'echo';
      if (mode === 'fail') throw new Error('echo model asked to fail');
      if (mode === 'sleep') await new Promise((r) => setTimeout(r, Number(params.seconds ?? 0) * 1000));
      if (mode === 'params') return params;
      return input;
    } finally {
      inFlight.now--;
    }
  }
}

/** The echo model: no input schema, {@link ECHO_COLUMNS} (`columns: true`) or the given one. */
export function echoModel(options: { columns?: boolean; inputs?: Schema } = {}): PyFuncModel {
  const inputs = options.inputs ?? (options.columns ? ECHO_COLUMNS : undefined);
  const signature = new ModelSignature({ ...(inputs ? { inputs } : {}), params: ECHO_PARAMS });
  const context: ModelContext = { artifacts: {}, modelConfig: {} };
  return new PyFuncModel('/nonexistent', new MlflowModel({ flavors: {}, signature }), new Echo(), context);
}

/** A model returning whatever `fn` returns. */
export function functionModel(fn: (input: unknown) => unknown): PyFuncModel {
  class Fn extends ModelWrapper {
    predict(_c: ModelContext, input: unknown) {
      return fn(input);
    }
  }
  return new PyFuncModel('/nonexistent', new MlflowModel({ flavors: {} }), new Fn(), {
    artifacts: {},
    modelConfig: {},
  });
}
