/**
 * LangChain.js tracing (MLflow's `mlflow.langchain.autolog()` and `MlflowLangchainTracer`). Nothing here
 * loads @langchain/core: the handler module is imported on first use, so `import 'mlflow-genai'` stays light.
 */
import { ErrorCode, MlflowError } from '../../tracking/errors.js';
import { type LiveSpan, warn } from '../span.js';

/** @internal The handler's LangChain `name`; autolog adds no second MLflow tracer where one is present. */
export const LANGCHAIN_TRACER_NAME = 'mlflow_langchain_tracer';

/**
 * A LangChain.js callback handler that records runs as MLflow spans. Get one from
 * {@link createLangChainTracer} and pass it where LangChain takes callbacks:
 * `await chain.invoke(input, { callbacks: [tracer] })`.
 *
 * Spans per run: chains (and prompts) CHAIN, output parsers PARSER, LLMs LLM, chat models CHAT_MODEL,
 * retrievers RETRIEVER, tools TOOL. A run's span is a child of its parent run's span; a root run's span is
 * a child of the active MLflow span (`trace()`, `withSpan()`), or starts a trace. Errors are recorded as
 * an `exception` event with status ERROR; token usage goes to `mlflow.chat.tokenUsage`.
 */
export interface MlflowLangChainTracer {
  /** LangChain's handler name. */
  readonly name: string;
  /** The span recording a LangChain run that has not finished yet, by run id. */
  spanOfRun(runId: string): LiveSpan | undefined;
  /** End the spans of runs LangChain started but never ended, so their traces are exported. */
  flush(): void;
  handleChainStart(...args: unknown[]): Promise<void>;
  handleChainEnd(...args: unknown[]): Promise<void>;
  handleChainError(...args: unknown[]): Promise<void>;
  handleLLMStart(...args: unknown[]): Promise<void>;
  handleChatModelStart(...args: unknown[]): Promise<void>;
  handleLLMNewToken(...args: unknown[]): Promise<void>;
  handleLLMEnd(...args: unknown[]): Promise<void>;
  handleLLMError(...args: unknown[]): Promise<void>;
  handleToolStart(...args: unknown[]): Promise<void>;
  handleToolEnd(...args: unknown[]): Promise<void>;
  handleToolError(...args: unknown[]): Promise<void>;
  handleRetrieverStart(...args: unknown[]): Promise<void>;
  handleRetrieverEnd(...args: unknown[]): Promise<void>;
  handleRetrieverError(...args: unknown[]): Promise<void>;
  handleText(...args: unknown[]): Promise<void>;
  handleAgentAction(...args: unknown[]): Promise<void>;
  handleAgentEnd(...args: unknown[]): Promise<void>;
}

type TracerModule = typeof import('./langchain-tracer.js');

let tracerModule: Promise<TracerModule> | undefined;

function missingPeer(err: unknown): MlflowError {
  return new MlflowError(
    'LangChain tracing needs the optional peer dependency @langchain/core (1.x): run `npm install @langchain/core`.',
    ErrorCode.NOT_IMPLEMENTED,
    { cause: err },
  );
}

function loadTracerModule(): Promise<TracerModule> {
  tracerModule ??= import('./langchain-tracer.js').catch((err: unknown) => {
    tracerModule = undefined;
    throw missingPeer(err);
  });
  return tracerModule;
}

/**
 * A new LangChain.js callback handler recording MLflow spans (loads @langchain/core on first call).
 * Pass it per call, `chain.invoke(input, { callbacks: [tracer] })`, or bind it,
 * `chain.withConfig({ callbacks: [tracer] })`. One handler serves concurrent runs.
 * Throws an `MlflowError` (NOT_IMPLEMENTED) when @langchain/core is not installed.
 */
export async function createLangChainTracer(): Promise<MlflowLangChainTracer> {
  const { MlflowLangChainTracerHandler } = await loadTracerModule();
  return new MlflowLangChainTracerHandler();
}

// ------------------------------------------------------------------ run registry

const runSpans = new Map<string, LiveSpan>();

/** @internal */
export function rememberRunSpan(runId: string, span: LiveSpan): void {
  runSpans.set(runId, span);
}

/** @internal */
export function forgetRunSpan(runId: string, span: LiveSpan): void {
  if (runSpans.get(runId) === span) runSpans.delete(runId);
}

/**
 * The span recording a running LangChain run, by run id (any MLflow tracer's). Code a lambda or tool runs
 * already sees its run's span as the active one; inside an LLM's `_call`, LangChain's context names the
 * caller's run instead, so a custom LLM that starts its own spans nests them explicitly:
 * `withActiveSpan(getLangChainRunSpan(runManager.runId), () => ...)`.
 */
export function getLangChainRunSpan(runId: string | undefined): LiveSpan | undefined {
  return runId === undefined ? undefined : runSpans.get(runId);
}

// ------------------------------------------------------------------ autolog

/** Options of {@link autologLangChain} (MLflow's `mlflow.langchain.autolog` arguments). */
export interface AutologLangChainOptions {
  /** Turn LangChain autologging off again. */
  disable?: boolean;
  /** Record traces; `false` records none (default true). */
  logTraces?: boolean;
}

const PATCHED = Symbol('mlflow-genai.langchain.autolog');
let autologTracer: MlflowLangChainTracer | undefined;
let autologEnabled = false;

/**
 * Trace every LangChain.js run in this process (MLflow's `mlflow.langchain.autolog()`): after
 * `await autologLangChain()`, each callback manager LangChain configures gets one shared MLflow tracer
 * as an inheritable handler, unless an MLflow tracer is already there. `{ disable: true }` turns it off.
 * Loads @langchain/core; throws an `MlflowError` (NOT_IMPLEMENTED) when it is not installed.
 */
export async function autologLangChain(options: AutologLangChainOptions = {}): Promise<void> {
  if (options.disable || options.logTraces === false) {
    autologEnabled = false;
    return;
  }
  // The manager comes from the handler's module, so the CommonJS build patches LangChain's CommonJS
  // build and the ESM build its ESM one (an `import()` here would always get the ESM one).
  const { MlflowLangChainTracerHandler, CallbackManager } = await loadTracerModule();
  autologTracer ??= new MlflowLangChainTracerHandler();
  patchConfigure(CallbackManager);
  autologEnabled = true;
}

type ConfigureFn = (this: unknown, ...args: unknown[]) => unknown;
interface ManagerLike {
  handlers: Array<{ name?: string }>;
  addHandler(handler: unknown, inherit?: boolean): void;
}

/**
 * Every LangChain.js entry point (`Runnable` config, LLMs, tools, retrievers) builds its callback manager
 * with `CallbackManager._configureSync`; wrapping it is the JS counterpart of MLflow patching
 * `BaseCallbackManager.__init__`. LangChain's own `registerConfigureHook` is scoped to an async context,
 * so it cannot enable tracing process-wide from an awaited call.
 */
function patchConfigure(cls: TracerModule['CallbackManager']): void {
  const target = cls as unknown as Record<string | symbol, unknown>;
  if (target[PATCHED]) return;
  const original = target._configureSync as ConfigureFn | undefined;
  if (typeof original !== 'function') {
    warn(
      'autologLangChain(): this @langchain/core has no CallbackManager._configureSync; LangChain runs are not traced.',
    );
    return;
  }
  const patched: ConfigureFn = function (this: unknown, ...args: unknown[]) {
    const manager = original.apply(this, args) as ManagerLike | undefined;
    const tracer = autologTracer;
    if (!autologEnabled || !tracer) return manager;
    try {
      if (manager?.handlers.some((h) => h?.name === LANGCHAIN_TRACER_NAME)) return manager;
      const out = manager ?? (new cls() as unknown as ManagerLike);
      out.addHandler(tracer, true);
      return out;
    } catch (err) {
      warn(`autologLangChain(): failed to add the MLflow tracer: ${(err as Error).message}`);
      return manager;
    }
  };
  target._configureSync = patched;
  Object.defineProperty(target, PATCHED, { value: true });
}
