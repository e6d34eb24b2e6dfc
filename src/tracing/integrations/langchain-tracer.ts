/**
 * @internal The LangChain.js callback handler. This module imports @langchain/core, so only
 * `createLangChainTracer()` / `autologLangChain()` load it, on demand.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AgentAction, AgentFinish } from '@langchain/core/agents';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { CallbackManager } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import type { ChainValues } from '@langchain/core/utils/types';
import { pyJsonDumps } from '../../internal/python-json.js';
import { SpanAttributeKey, SpanType, TraceMetadataKey } from '../../tracking/entities/index.js';
import { getCurrentActiveSpan, startSpan, updateCurrentTrace, withActiveSpan } from '../api.js';
import { setContextSpanSource } from '../engine.js';
import { type ActiveSpan, LiveSpan, warn } from '../span.js';
import {
  forgetRunSpan,
  getLangChainRunSpan,
  LANGCHAIN_TRACER_NAME,
  type MlflowLangChainTracer,
  rememberRunSpan,
} from './langchain.js';
import {
  assignSpanName,
  chatModelInputs,
  chatTools,
  llmResultOutputs,
  modelAndProvider,
  parseLLMResultUsage,
  parseToolInput,
  retrieverOutputs,
  toMlflowValue,
} from './langchain-values.js';

// Autolog patches the callback manager of the same @langchain/core build (ESM or CommonJS) as the handler's.
export { CallbackManager };

// LangChain.js hands a run's config (its callbacks, hence the parent run of nested runs) to the code the run
// calls through an AsyncLocalStorage, but only once one is installed: importing `@langchain/core/context`
// (or LangGraph) installs it, `@langchain/core` alone does not, and then a runnable invoked inside a lambda
// or tool is not a child run (nor traced, with a per-call tracer). Tracing installs it, as LangChain's own
// context module does; an instance already installed is kept.
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

/**
 * The span of the LangChain run whose own code is executing (a lambda's function, a tool's function): the
 * run LangChain's context names as the parent of runs started here. Spans started in that code (`trace()`,
 * `withSpan()`, a traced pipeline) nest under it, as MLflow's tracer makes a run's span the active one.
 */
function runningRunSpan(): LiveSpan | undefined {
  const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as { callbacks?: unknown } | undefined;
  // A CallbackManager (of either @langchain/core build: duck-typed), not a plain list of handlers.
  const callbacks = config?.callbacks as { getParentRunId?: () => string | undefined } | undefined;
  if (typeof callbacks?.getParentRunId !== 'function') return undefined;
  return getLangChainRunSpan(callbacks.getParentRunId());
}
setContextSpanSource(runningRunSpan);

/**
 * Span types of chain runs by LangChain.js `runType`; any other run type is a CHAIN. (MLflow's Python
 * tracer records every chain run, parsers included, as CHAIN.)
 */
// MLflow records every chain run as CHAIN, output parsers included (`langchain_tracer.py`).
const CHAIN_RUN_SPAN_TYPES: Record<string, string> = {};

function nonEmpty(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Records LangChain.js runs as MLflow spans, as MLflow's Python `MlflowLangchainTracer` does: a span per
 * run (chain, LLM, chat model, retriever, tool), nested by LangChain's run ids, under the caller's active
 * MLflow span for a root run. One instance serves any number of concurrent runs: state is keyed by run id.
 * Handler failures are logged, never thrown into LangChain.
 */
export class MlflowLangChainTracerHandler extends BaseCallbackHandler implements MlflowLangChainTracer {
  override name = LANGCHAIN_TRACER_NAME;
  readonly #runs = new Map<string, ActiveSpan>();
  readonly #bySpanId = new Map<string, LiveSpan>();

  constructor() {
    // Awaited by LangChain: the root run must see the caller's async context, and spans must end
    // before the run's promise settles.
    super({ _awaitHandler: true });
    this.awaitHandlers = true;
  }

  /** The same instance: run state is shared, so a copy must not start a fresh map. */
  override copy(): this {
    return this;
  }

  spanOfRun(runId: string): LiveSpan | undefined {
    const span = this.#runs.get(runId);
    return span instanceof LiveSpan ? span : undefined;
  }

  flush(): void {
    // Children first, so each span still ends within its parent.
    for (const [runId, span] of [...this.#runs].reverse()) this.#forget(runId, span, () => span.end());
  }

  // ---------------------------------------------------------------- span bookkeeping

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      warn(`MLflow LangChain tracer: ${what} failed: ${errorMessage(err)}`);
    }
  }

  /**
   * MLflow's `_get_parent_span`: the parent run's span, or the active MLflow span when there is no
   * parent run; when both exist, the active span wins only if it lies under the parent run's span.
   */
  #parentFor(parentRunId: string | undefined): ActiveSpan | undefined {
    const active = getCurrentActiveSpan();
    const lc = parentRunId === undefined ? undefined : this.#runs.get(parentRunId);
    if (active && lc instanceof LiveSpan) {
      if (active.spanId === lc.spanId) return active;
      let id = active.parentId;
      while (id) {
        if (id === lc.spanId) return active;
        id = this.#bySpanId.get(id)?.parentId ?? null;
      }
      return lc;
    }
    return lc ?? active;
  }

  #start(
    runId: string,
    parentRunId: string | undefined,
    name: string,
    spanType: string,
    inputs: unknown,
    attributes: Record<string, unknown>,
  ): ActiveSpan {
    const parent = this.#parentFor(parentRunId);
    const span = startSpan({ name, spanType, inputs, attributes, ...(parent ? { parent } : {}) });
    this.#runs.set(runId, span);
    if (span instanceof LiveSpan) {
      this.#bySpanId.set(span.spanId, span);
      rememberRunSpan(runId, span);
    }
    return span;
  }

  #forget(runId: string, span: ActiveSpan, end: () => void): void {
    try {
      end();
    } finally {
      this.#runs.delete(runId);
      if (span instanceof LiveSpan) {
        this.#bySpanId.delete(span.spanId);
        forgetRunSpan(runId, span);
      }
    }
  }

  #endOk(runId: string, outputs: () => unknown, before?: (span: ActiveSpan) => void): void {
    const span = this.#runs.get(runId);
    if (!span) return;
    this.#forget(runId, span, () => {
      if (!span.isRecording) return span.end();
      if (before) this.#guard('recording run details', () => before(span));
      let out: unknown;
      try {
        out = outputs();
      } catch (err) {
        warn(`MLflow LangChain tracer: failed to convert outputs: ${errorMessage(err)}`);
      }
      span.end({ outputs: out, status: 'OK' });
    });
  }

  #endError(runId: string, err: unknown, inputs?: unknown): void {
    const span = this.#runs.get(runId);
    if (!span) return;
    this.#forget(runId, span, () => {
      if (nonEmpty(inputs)) span.setInputs(toMlflowValue(inputs));
      span.recordException(err);
      span.end({ status: { statusCode: 'ERROR', description: errorMessage(err) } });
    });
  }

  #event(runId: string, name: string, attributes: Record<string, string>): void {
    const span = this.#runs.get(runId);
    if (!span) {
      warn(`MLflow LangChain tracer: a '${name}' event came for a run it has no span for; it was not recorded.`);
      return;
    }
    span.addEvent({ name, attributes });
  }

  #modelRun(
    kind: 'llm' | 'chat model',
    serialized: Serialized,
    inputs: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Record<string, unknown> | undefined,
    metadata: Record<string, unknown> | undefined,
    runName: string | undefined,
  ): void {
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(extraParams ?? {})) {
      if (key === 'options' && value && typeof value === 'object') {
        const { signal: _signal, callbacks: _callbacks, ...options } = value as Record<string, unknown>;
        attributes.options = toMlflowValue(options);
      } else attributes[key] = toMlflowValue(value);
    }
    if (nonEmpty(metadata)) attributes.metadata = toMlflowValue(metadata);
    attributes[SpanAttributeKey.MESSAGE_FORMAT] = 'langchain';
    const span = this.#start(
      runId,
      parentRunId,
      runName || assignSpanName(serialized, kind),
      kind === 'llm' ? SpanType.LLM : SpanType.CHAT_MODEL,
      inputs,
      attributes,
    );
    if (!span.isRecording) return;
    const tools = chatTools(extraParams?.invocation_params);
    if (tools.length > 0) span.setAttribute(SpanAttributeKey.CHAT_TOOLS, tools);
    const { model, provider } = modelAndProvider(metadata, extraParams?.invocation_params);
    if (model) span.setAttribute(SpanAttributeKey.MODEL, model);
    if (provider) span.setAttribute(SpanAttributeKey.MODEL_PROVIDER, provider);
  }

  // ---------------------------------------------------------------- LangChain callbacks

  // The order LangChain.js 1.x calls this with (its `CallbackManager` and `BaseTracer`): the declared
  // interface names the 4th and 7th parameters differently, but at run time they are the parent run id
  // and the run type.
  override async handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): Promise<void> {
    this.#guard('handleChainStart', () => {
      const attributes = nonEmpty(metadata) ? { metadata: toMlflowValue(metadata) } : {};
      const spanType = (runType && CHAIN_RUN_SPAN_TYPES[runType]) || SpanType.CHAIN;
      const span = this.#start(
        runId,
        parentRunId,
        runName || assignSpanName(chain, 'chain'),
        spanType,
        toMlflowValue(inputs),
        attributes,
      );
      const threadId = metadata?.thread_id;
      if (threadId && span instanceof LiveSpan) {
        withActiveSpan(span, () => updateCurrentTrace({ metadata: { [TraceMetadataKey.TRACE_SESSION]: threadId } }));
      }
    });
  }

  override async handleChainEnd(
    outputs: ChainValues,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: { inputs?: Record<string, unknown> },
  ): Promise<void> {
    this.#guard('handleChainEnd', () =>
      this.#endOk(
        runId,
        () => toMlflowValue(outputs),
        (span) => {
          if (nonEmpty(kwargs?.inputs)) span.setInputs(toMlflowValue(kwargs.inputs));
        },
      ),
    );
  }

  override async handleChainError(
    err: Error,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: { inputs?: Record<string, unknown> },
  ): Promise<void> {
    this.#guard('handleChainError', () => this.#endError(runId, err, kwargs?.inputs));
  }

  override async handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    this.#guard('handleLLMStart', () =>
      this.#modelRun('llm', llm, [...prompts], runId, parentRunId, extraParams, metadata, runName),
    );
  }

  override async handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    this.#guard('handleChatModelStart', () =>
      this.#modelRun('chat model', llm, chatModelInputs(messages), runId, parentRunId, extraParams, metadata, runName),
    );
  }

  override async handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: { chunk?: unknown },
  ): Promise<void> {
    this.#guard('handleLLMNewToken', () => {
      const attributes: Record<string, string> = { token };
      if (fields?.chunk) attributes.chunk = pyJsonDumps(fields.chunk);
      this.#event(runId, 'new_token', attributes);
    });
  }

  override async handleLLMEnd(output: LLMResult, runId: string): Promise<void> {
    this.#guard('handleLLMEnd', () =>
      this.#endOk(
        runId,
        () => llmResultOutputs(output),
        (span) => {
          const usage = parseLLMResultUsage(output);
          if (usage) span.setAttribute(SpanAttributeKey.CHAT_USAGE, usage);
        },
      ),
    );
  }

  override async handleLLMError(err: Error, runId: string): Promise<void> {
    this.#guard('handleLLMError', () => this.#endError(runId, err));
  }

  override async handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    this.#guard('handleToolStart', () => {
      const attributes = nonEmpty(metadata) ? { metadata: toMlflowValue(metadata) } : {};
      this.#start(
        runId,
        parentRunId,
        runName || assignSpanName(tool, 'tool'),
        SpanType.TOOL,
        parseToolInput(input),
        attributes,
      );
    });
  }

  override async handleToolEnd(output: unknown, runId: string): Promise<void> {
    this.#guard('handleToolEnd', () => this.#endOk(runId, () => toMlflowValue(output)));
  }

  override async handleToolError(err: Error, runId: string): Promise<void> {
    this.#guard('handleToolError', () => this.#endError(runId, err));
  }

  override async handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): Promise<void> {
    this.#guard('handleRetrieverStart', () => {
      const attributes = nonEmpty(metadata) ? { metadata: toMlflowValue(metadata) } : {};
      this.#start(
        runId,
        parentRunId,
        name || assignSpanName(retriever, 'retriever'),
        SpanType.RETRIEVER,
        query,
        attributes,
      );
    });
  }

  override async handleRetrieverEnd(documents: DocumentInterface[], runId: string): Promise<void> {
    this.#guard('handleRetrieverEnd', () => this.#endOk(runId, () => retrieverOutputs(documents)));
  }

  override async handleRetrieverError(err: Error, runId: string): Promise<void> {
    this.#guard('handleRetrieverError', () => this.#endError(runId, err));
  }

  override async handleText(text: string, runId: string): Promise<void> {
    this.#guard('handleText', () => this.#event(runId, 'text', { text }));
  }

  override async handleAgentAction(action: AgentAction, runId: string): Promise<void> {
    this.#guard('handleAgentAction', () =>
      this.#event(runId, 'agent_action', {
        tool: action.tool,
        tool_input: pyJsonDumps(action.toolInput),
        log: action.log,
      }),
    );
  }

  override async handleAgentEnd(action: AgentFinish, runId: string): Promise<void> {
    this.#guard('handleAgentEnd', () =>
      this.#event(runId, 'agent_finish', { return_values: pyJsonDumps(action.returnValues), log: action.log }),
    );
  }
}
