// Benchmark: what a logged transformers.js model costs over the pipeline it wraps (issue 6). On the tiny
// GPT-2 (docs/tiny-model.md), greedy decoding, the same prompt and options on both sides, interleaved call by
// call (alternating which side goes first):
//   model  - loadModelFromPath(<saved TransformersTextGenerationModel>).predict(prompt, params): signature and
//            params enforcement, prompt extraction, the traced pipeline (an LLM span per call, exported to a
//            sink that keeps nothing), the texts picked out of the output
//   direct - the same transformers.js pipeline object the model built, called with the same generation
//            options, so the two sides differ only by what the model adds
// Per call it records wall time and process CPU time (user + system, all threads: less sensitive than wall
// time to other processes on a busy machine), and, inside the model's call, the time spent in the pipeline,
// so "added" (total - pipeline) is measured within one call. Then the same with tracing disabled; then
// model load time, loadModelFromPath (bundled code import + pipeline) against pipeline() alone.
// Target: overhead < 2%.
// Usage: npm run bench -- models   (or: npx tsx bench/models.ts [calls=300] [maxNewTokens=16] [loads=10])
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configureTracing,
  flushTraces,
  loadModelFromPath,
  type PyFuncModel,
  resetTracing,
  saveTransformersTextGenerationModel,
  type TextGenerationPipelineLike,
  type TraceExporter,
  type TransformersTextGenerationModel,
  traceTransformersPipeline,
  tracingStats,
} from '../src/index.js';
import { writeTinyGpt2Model } from '../src/internal/tiny-model/index.js';

const calls = Number(process.argv[2] ?? 300);
const maxNewTokens = Number(process.argv[3] ?? 16);
const loads = Number(process.argv[4] ?? 10);
const PROMPT = 'Question: What is MLflow?\nAnswer:';

type Pipe = TextGenerationPipelineLike & { dispose(): Promise<void> };
interface Sample {
  wall: number;
  cpu: number;
}

/** Counts traces and keeps none: the span is recorded and exported, the sink costs nothing. */
class DroppingExporter implements TraceExporter {
  count = 0;
  async export(traces: unknown[]): Promise<void> {
    this.count += traces.length;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (ours: number, ref: number) => `${(((ours - ref) / ref) * 100).toFixed(2)}%`;
const f3 = (x: number) => x.toFixed(3);

async function measure(fn: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  return (await measure(fn)).wall;
}

/** `n` interleaved calls of each side; the model's samples also give the time added around its pipeline. */
async function sideBySide(
  n: number,
  viaModel: () => Promise<unknown>,
  viaPipeline: () => Promise<unknown>,
  inner: () => number,
) {
  const model: Sample[] = [];
  const direct: Sample[] = [];
  const added: number[] = [];
  const runModel = async () => {
    const s = await measure(viaModel);
    model.push(s);
    added.push(s.wall - inner());
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await runModel();
      direct.push(await measure(viaPipeline));
    } else {
      direct.push(await measure(viaPipeline));
      await runModel();
    }
  }
  return { model, direct, added };
}

function report(title: string, r: Awaited<ReturnType<typeof sideBySide>>): void {
  const col = (xs: Sample[], k: keyof Sample) => xs.map((s) => s[k]);
  const row = (name: string, xs: Sample[]) =>
    `    ${name.padEnd(7)} wall median ${f3(median(col(xs, 'wall')))} ms, mean ${f3(mean(col(xs, 'wall')))} ms | ` +
    `cpu median ${f3(median(col(xs, 'cpu')))} ms, mean ${f3(mean(col(xs, 'cpu')))} ms`;
  console.log(`  ${title}`);
  console.log(row('model', r.model));
  console.log(row('direct', r.direct));
  const over = (k: keyof Sample, stat: (xs: number[]) => number) => pct(stat(col(r.model, k)), stat(col(r.direct, k)));
  // Each model call against the direct call next to it: drift between pairs cancels.
  const paired = (k: keyof Sample) =>
    `${(median(r.model.map((m, i) => m[k] / r.direct[i]![k] - 1)) * 100).toFixed(2)}%`;
  console.log(
    `    overhead: wall median ${over('wall', median)}, mean ${over('wall', mean)}, paired ${paired('wall')} | ` +
      `cpu median ${over('cpu', median)}, mean ${over('cpu', mean)}, paired ${paired('cpu')}   (target < 2%)`,
  );
  console.log(
    `    added around the pipeline within the model's call: median ${f3(median(r.added))} ms ` +
      `(${((median(r.added) / median(col(r.direct, 'wall'))) * 100).toFixed(2)}% of a direct call), mean ${f3(mean(r.added))} ms`,
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'bench-models-'));
const modelDir = join(tmp, 'tiny-gpt2');
const savedDir = join(tmp, 'saved');
try {
  await writeTinyGpt2Model(modelDir);
  const sink = new DroppingExporter();
  await configureTracing({
    destination: { type: 'custom', exporter: sink },
    maxQueueSize: calls + 1000,
    flushOnExit: false,
  });
  await saveTransformersTextGenerationModel({
    path: savedDir,
    modelDir,
    modelName: 'tiny-gpt2',
    generation: { max_new_tokens: maxNewTokens, do_sample: false },
  });
  const tf = await import('@huggingface/transformers');
  const newPipeline = async () =>
    (await tf.pipeline('text-generation', join(savedDir, 'artifacts/tiny-gpt2'), {
      local_files_only: true,
    })) as unknown as Pipe;

  // ---------------------------------------------------------------- predict
  const model = await loadModelFromPath(savedDir);
  const wrapper = model.wrapper as TransformersTextGenerationModel;
  const raw = (wrapper as unknown as { raw: Pipe }).raw;
  // A pass-through proxy under the model's tracing proxy times the pipeline inside each model call.
  let inner = 0;
  const timedRaw = new Proxy(raw, {
    apply(target, thisArg, args) {
      const t0 = performance.now();
      return (Reflect.apply(target, thisArg, args) as Promise<unknown>).finally(() => {
        inner = performance.now() - t0;
      });
    },
  });
  wrapper.pipeline = traceTransformersPipeline(timedRaw, { modelId: 'tiny-gpt2' });
  const options = { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false };
  const viaModel = () => model.predict(PROMPT, { max_new_tokens: maxNewTokens });
  const viaPipeline = () => raw(PROMPT, options);

  const [mine] = (await viaModel()) as string[];
  const [{ generated_text: theirs }] = (await viaPipeline()) as [{ generated_text: string }];
  if (mine !== theirs || mine.length !== maxNewTokens) throw new Error(`outputs differ: ${mine} vs ${theirs}`);
  for (let i = 0; i < 20; i++) {
    await viaModel();
    await viaPipeline();
  }

  console.log(
    `models: predict on the tiny GPT-2, max_new_tokens=${maxNewTokens}, greedy, ${calls} calls per side interleaved ` +
      `(load average ${loadavg()[0]!.toFixed(1)})`,
  );
  const traced = await sideBySide(calls, viaModel, viaPipeline, () => inner);
  await flushTraces();
  report(
    `tracing on (an LLM span per model call; ${sink.count} traces exported, ${tracingStats().dropped} dropped)`,
    traced,
  );
  await configureTracing({ enabled: false, flushOnExit: false });
  report('tracing disabled', await sideBySide(Math.ceil(calls / 2), viaModel, viaPipeline, () => inner));

  // The model's own work, with the pipeline replaced by a stub that answers at once: what remains of a call
  // is enforcement, prompt and output handling (and, with tracing on, the span), with no scheduling noise.
  const [{ generated_text: text }] = (await viaPipeline()) as [{ generated_text: string }];
  const stub = async () => [{ generated_text: text }];
  const perCall = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await viaModel();
    return ((performance.now() - t0) * 1000) / n;
  };
  wrapper.pipeline = traceTransformersPipeline(stub, { modelId: 'tiny-gpt2' });
  await perCall(2000);
  const stubOff = await perCall(20_000);
  await configureTracing({
    destination: { type: 'custom', exporter: sink },
    maxQueueSize: 30_000,
    flushOnExit: false,
  });
  await perCall(2000);
  const stubOn = await perCall(20_000);
  await flushTraces();
  const directMedian = median((await sideBySide(20, viaPipeline, viaPipeline, () => 0)).direct.map((s) => s.wall));
  console.log(
    `  the model's own work per call (pipeline stubbed): ${stubOff.toFixed(1)} µs with tracing disabled, ` +
      `${stubOn.toFixed(1)} µs with the LLM span = ${((stubOff / 1000 / directMedian) * 100).toFixed(2)}% / ` +
      `${((stubOn / 1000 / directMedian) * 100).toFixed(2)}% of a direct call (median ${f3(directMedian)} ms now)`,
  );
  await wrapper.dispose();

  // ---------------------------------------------------------------- load
  const loadMs: number[] = [];
  const pipelineMs: number[] = [];
  let loaded: PyFuncModel | undefined;
  let pipe: Pipe | undefined;
  const loadModel = () =>
    time(async () => {
      loaded = await loadModelFromPath(savedDir);
    });
  const loadPipeline = () =>
    time(async () => {
      pipe = await newPipeline();
    });
  for (let i = 0; i < loads + 1; i++) {
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = await loadModel();
      b = await loadPipeline();
    } else {
      b = await loadPipeline();
      a = await loadModel();
    }
    await (loaded!.wrapper as TransformersTextGenerationModel).dispose();
    await pipe!.dispose();
    if (i === 0) continue; // the first round imports the modules (the model's bundle, onnxruntime) once
    loadMs.push(a);
    pipelineMs.push(b);
  }
  console.log(`  load, median of ${loads} interleaved (after a first round that imports the modules):`);
  console.log(
    `    loadModelFromPath ${median(loadMs).toFixed(1)} ms   pipeline() ${median(pipelineMs).toFixed(1)} ms   ` +
      `difference ${(median(loadMs) - median(pipelineMs)).toFixed(1)} ms (${pct(median(loadMs), median(pipelineMs))})`,
  );
} finally {
  await resetTracing();
  rmSync(tmp, { recursive: true, force: true });
}
