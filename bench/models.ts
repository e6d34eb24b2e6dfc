// Benchmark: what a logged transformers.js model costs over the pipeline it wraps (issue 6). Three GPT-2
// shaped models from the repo's deterministic generator (docs/tiny-model.md), so the fixed cost per call can
// be seen against calls of different lengths:
//   tiny        2 layers, width 32 (the test fixture, ~200 KB; a 16-token call takes a few ms)
//   small       4 layers, width 256 (~13 MB)
//   distilgpt2  6 layers, 12 heads, width 768: distilgpt2's shape (~170 MB; its vocabulary stays the fixture's)
// Greedy decoding, the same prompt and options on both sides, interleaved call by call (alternating which
// side goes first):
//   model  - loadModelFromPath(<saved TransformersTextGenerationModel>).predict(prompt, params): signature and
//            params enforcement, prompt extraction, the traced pipeline (an LLM span per call, exported to a
//            sink that keeps nothing), the texts picked out of the output
//   direct - the same transformers.js pipeline object the model built, called with the same generation
//            options, so the two sides differ only by what the model adds
// Per call it records wall time and process CPU time (user + system, all threads), and, inside the model's
// call, the time spent in the pipeline, so "added" (total - pipeline) is measured within one call. Then the
// same with tracing disabled; then (tiny only) the model's own work with the pipeline stubbed; then model
// load time, loadModelFromPath (bundled code import + pipeline) against pipeline() alone.
// Target: overhead < 2%.
// Usage: npm run bench -- models
//   (or: npx tsx bench/models.ts [calls=300] [maxNewTokens=16] [loads=10] [sizes=tiny,small,distilgpt2];
//    the larger models get fewer calls and loads: calls/2 and calls/6)
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
  startSpan,
  type TextGenerationPipelineLike,
  type TraceExporter,
  type TransformersTextGenerationModel,
  traceTransformersPipeline,
  tracingStats,
} from '../src/index.js';
import { type TinyGpt2Config, writeTinyGpt2Model } from '../src/internal/tiny-model/index.js';

const calls = Number(process.argv[2] ?? 300);
const maxNewTokens = Number(process.argv[3] ?? 16);
const loads = Number(process.argv[4] ?? 10);
const sizeNames = (process.argv[5] ?? 'tiny,small,distilgpt2').split(',');
const PROMPT = 'Question: What is MLflow?\nAnswer:';

interface Size {
  config: Partial<TinyGpt2Config>;
  calls: number;
  loads: number;
}
const SIZES: Record<string, Size> = {
  tiny: { config: {}, calls, loads },
  small: { config: { nLayer: 4, nHead: 4, nEmbd: 256 }, calls: Math.ceil(calls / 2), loads: Math.ceil(loads / 2) },
  distilgpt2: {
    config: { nLayer: 6, nHead: 12, nEmbd: 768 },
    calls: Math.ceil(calls / 6),
    loads: Math.min(3, loads),
  },
};
for (const name of sizeNames) {
  if (!SIZES[name]) throw new Error(`unknown model size '${name}'; one of ${Object.keys(SIZES).join(', ')}`);
}

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
/** Half-width of the 95% confidence interval of the mean (normal approximation). */
const ci95 = (xs: number[]) => {
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return 1.96 * Math.sqrt(variance / xs.length);
};
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

interface Summary {
  direct: number;
  pairedWall: number;
  pairedCpu: number;
  added: number;
}

function report(title: string, r: Awaited<ReturnType<typeof sideBySide>>, floor: number): Summary {
  const col = (xs: Sample[], k: keyof Sample) => xs.map((s) => s[k]);
  const row = (name: string, xs: Sample[]) =>
    `    ${name.padEnd(7)} wall median ${f3(median(col(xs, 'wall')))} ms, mean ${f3(mean(col(xs, 'wall')))} ms | ` +
    `cpu median ${f3(median(col(xs, 'cpu')))} ms, mean ${f3(mean(col(xs, 'cpu')))} ms`;
  console.log(`  ${title}`);
  console.log(row('model', r.model));
  console.log(row('direct', r.direct));
  const over = (k: keyof Sample, stat: (xs: number[]) => number) => pct(stat(col(r.model, k)), stat(col(r.direct, k)));
  // Each model call against the direct call next to it: drift between pairs cancels.
  const ratios = (k: keyof Sample) => r.model.map((m, i) => (m[k] / r.direct[i]![k] - 1) * 100);
  const paired = (k: keyof Sample) =>
    `${median(ratios(k)).toFixed(2)}% (mean ${mean(ratios(k)).toFixed(2)} ± ${ci95(ratios(k)).toFixed(2)}%)`;
  console.log(
    `    overhead: wall median ${over('wall', median)}, mean ${over('wall', mean)} | ` +
      `cpu median ${over('cpu', median)}, mean ${over('cpu', mean)}   (target < 2%)`,
  );
  console.log(`    paired (model / the direct call beside it - 1): wall ${paired('wall')} | cpu ${paired('cpu')}`);
  const net = median(r.added) - floor;
  const direct = median(col(r.direct, 'wall'));
  console.log(
    `    added around the pipeline within the model's call: median ${f3(median(r.added))} ms, ` +
      `${f3(net)} ms net of the ${f3(floor)} ms timing floor = ${((net / direct) * 100).toFixed(2)}% of a direct call`,
  );
  return {
    direct,
    pairedWall: median(ratios('wall')),
    pairedCpu: median(ratios('cpu')),
    added: net,
  };
}

const traceStartEnd = () => startSpan({ name: 'probe' }).end();

const tmp = mkdtempSync(join(tmpdir(), 'bench-models-'));
const sink = new DroppingExporter();
const tracingOn = () =>
  configureTracing({
    destination: { type: 'custom', exporter: sink },
    maxQueueSize: 30_000,
    flushOnExit: false,
  });
const summary: string[] = [];
try {
  const tf = await import('@huggingface/transformers');
  for (const name of sizeNames) {
    const size = SIZES[name]!;
    const modelDir = join(tmp, name);
    const savedDir = join(tmp, `${name}-saved`);
    const written = await writeTinyGpt2Model(modelDir, { config: size.config });
    await saveTransformersTextGenerationModel({
      path: savedDir,
      modelDir,
      modelName: name,
      generation: { max_new_tokens: maxNewTokens, do_sample: false },
    });
    const newPipeline = async () =>
      (await tf.pipeline('text-generation', join(savedDir, `artifacts/${name}`), {
        local_files_only: true,
      })) as unknown as Pipe;

    // ---------------------------------------------------------------- predict
    await tracingOn();
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
    wrapper.pipeline = traceTransformersPipeline(timedRaw, { modelId: name });
    const options = { max_new_tokens: maxNewTokens, do_sample: false, return_full_text: false };
    const viaModel = () => model.predict(PROMPT, { max_new_tokens: maxNewTokens });
    const viaPipeline = () => raw(PROMPT, options);

    const [mine] = (await viaModel()) as string[];
    const [{ generated_text: theirs }] = (await viaPipeline()) as [{ generated_text: string }];
    if (mine !== theirs || mine.length !== maxNewTokens) throw new Error(`outputs differ: ${mine} vs ${theirs}`);
    const warmup = Math.max(5, Math.ceil(size.calls / 15));
    for (let i = 0; i < warmup; i++) {
      await viaModel();
      await viaPipeline();
    }

    console.log(
      `models/${name} (${written.config.nLayer} layers, ${written.config.nHead} heads, width ${written.config.nEmbd}, ` +
        `${(written.totalBytes / 1e6).toFixed(1)} MB): predict, max_new_tokens=${maxNewTokens}, greedy, ` +
        `${size.calls} calls per side interleaved (load average ${loadavg()[0]!.toFixed(1)})`,
    );
    // The timing floor: "added" of a bare async function around the same timed pipeline (the proxy's own
    // promise and the await), subtracted so that "added" is what the model adds.
    const floorAdded: number[] = [];
    for (let i = 0; i < Math.max(10, Math.ceil(size.calls / 4)); i++) {
      const sample = await measure(async () => await timedRaw(PROMPT, options));
      floorAdded.push(sample.wall - inner);
    }
    const floor = median(floorAdded);
    const exportedBefore = sink.count;
    const traced = await sideBySide(size.calls, viaModel, viaPipeline, () => inner);
    await flushTraces();
    const on = report(
      `tracing on (an LLM span per model call; ${sink.count - exportedBefore} traces exported, ${tracingStats().dropped} dropped)`,
      traced,
      floor,
    );
    await configureTracing({ enabled: false, flushOnExit: false });
    const off = report(
      'tracing disabled',
      await sideBySide(Math.ceil(size.calls / 2), viaModel, viaPipeline, () => inner),
      floor,
    );
    const p2 = (x: number) => `${x.toFixed(2)}%`;
    const share = (s: Summary) => `${f3(s.added)} ms (${p2((s.added / s.direct) * 100)})`;
    summary.push(
      `| ${name} | ${f3(on.direct)} ms | ${p2(on.pairedWall)} / ${p2(on.pairedCpu)} | ${share(on)} | ` +
        `${p2(off.pairedWall)} / ${p2(off.pairedCpu)} | ${share(off)} |`,
    );

    if (name === 'tiny') {
      // The model's own work, with the pipeline replaced by a stub that answers at once: what remains of a
      // call is enforcement, prompt and output handling (and, with tracing on, the span), with no scheduling
      // noise.
      const [{ generated_text: text }] = (await viaPipeline()) as [{ generated_text: string }];
      const stub = async () => [{ generated_text: text }];
      const perCall = async (n: number) => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await viaModel();
        return ((performance.now() - t0) * 1000) / n;
      };
      wrapper.pipeline = traceTransformersPipeline(stub, { modelId: name });
      await perCall(2000);
      const stubOff = await perCall(20_000);
      await tracingOn();
      await perCall(2000);
      const stubOn = await perCall(20_000);
      await flushTraces();
      const directMedian = median((await sideBySide(20, viaPipeline, viaPipeline, () => 0)).direct.map((s) => s.wall));
      console.log(
        `  the model's own work per call (pipeline stubbed): ${stubOff.toFixed(1)} µs with tracing disabled, ` +
          `${stubOn.toFixed(1)} µs with the LLM span = ${((stubOff / 1000 / directMedian) * 100).toFixed(2)}% / ` +
          `${((stubOn / 1000 / directMedian) * 100).toFixed(2)}% of a direct call (median ${f3(directMedian)} ms now)`,
      );
    }
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
    for (let i = 0; i < size.loads + 1; i++) {
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
    console.log(`  load, median of ${size.loads} interleaved (after a first round that imports the modules):`);
    console.log(
      `    loadModelFromPath ${median(loadMs).toFixed(1)} ms   pipeline() ${median(pipelineMs).toFixed(1)} ms   ` +
        `difference ${(median(loadMs) - median(pipelineMs)).toFixed(1)} ms (${pct(median(loadMs), median(pipelineMs))})`,
    );
    rmSync(savedDir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  }
  // This machine's cold-code effect: the same span start + end, back to back and right after the thread
  // idled 5 ms (as it does while a pipeline waits on onnxruntime's threads).
  await tracingOn();
  const probe = async (idleMs: number) => {
    const out: number[] = [];
    for (let i = 0; i < 400; i++) {
      if (idleMs) await new Promise((r) => setTimeout(r, idleMs));
      else await null;
      const t0 = performance.now();
      traceStartEnd();
      out.push(performance.now() - t0);
    }
    return median(out.slice(100)) * 1000;
  };
  const busy = await probe(0);
  const idle = await probe(5);
  await flushTraces();
  console.log(
    `\nmodels: one span start + end costs ${busy.toFixed(1)} µs back to back and ${idle.toFixed(1)} µs right after ` +
      `the thread idled 5 ms (${(idle / busy).toFixed(1)}x: code run after an idle period runs that much slower here)`,
  );
  console.log(
    '\nmodels: summary (paired = median over neighbouring call pairs of model / direct - 1; added net of the timing floor)',
  );
  console.log(
    '| model | direct call, median | tracing on: paired wall / CPU | added (% of a call) | tracing off: paired wall / CPU | added (% of a call) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const line of summary) console.log(line);
} finally {
  await resetTracing();
  rmSync(tmp, { recursive: true, force: true });
}
