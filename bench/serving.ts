// Benchmark: the scoring server under load, this SDK's `serve()` against MLflow 3.18's `mlflow models serve`
// (uvicorn, `--env-manager local`), in one run, with the same load generator (autocannon) and the same echo model
// on each side (test/interop/py/serving_echo_model.py and test/serving/fixtures/echo-model.mjs). Each server is
// its own process with one worker and its default settings (access log on, output discarded); both run for the
// whole bench but only one is loaded at a time. Two payloads: `inputs` (a list of strings) and `dataframe_split`
// (a one-row frame, the pandas path). Sides alternate over rounds (each round: 2 s warm-up, then `seconds` of
// load per side and payload) and each side's median round is reported: requests/s and p50/p99 latency, and the
// ratios. Target: >= 5x the throughput at a lower p99.
// Usage: npm run bench -- serving   (or: npx tsx bench/serving.ts [seconds=5] [connections=16] [rounds=3])
//        npx tsx bench/serving.ts --serve <model dir> <port>   (the SDK side's server process)
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { ModelSignature, paramSpec, runScoringServer, saveModel } from '../src/index.js';
import { freePort } from '../test/helpers/mlflow-server.js';
import { makeTempDir } from '../test/helpers/paths.js';
import { processGroup } from '../test/helpers/process.js';
import { runPythonJson } from '../test/helpers/python.js';

const root = resolve(import.meta.dirname, '..');

if (process.argv[2] === '--serve') {
  // The SDK side: a plain scoring server process, as `mlflow-genai serve -m <dir> --port <port>` runs it.
  await runScoringServer({ modelUri: process.argv[3]!, port: Number(process.argv[4]), log: (l) => console.log(l) });
  process.exit(0);
}

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);
const PARAMS = {
  params: [paramSpec('mode', 'string', 'echo'), paramSpec('times', 'long', 1), paramSpec('seconds', 'double', 0)],
};
const PAYLOADS: Record<string, string> = {
  inputs: JSON.stringify({ inputs: ['What is MLflow?', 'How do I track experiments?'] }),
  dataframe_split: JSON.stringify({ dataframe_split: { columns: ['question'], data: [['What is MLflow?']] } }),
};

interface Side {
  name: string;
  start: (port: number) => ChildProcess;
}

async function startServer(side: Side): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = side.start(port);
  const group = processGroup(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (group.exited()) throw new Error(`${side.name} server exited before answering /ping`);
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${side.name} server did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop: () => group.stop(10_000) };
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, body: string, duration: number): Promise<Figures> {
  const result = await autocannon({
    url: `${url}/invocations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const tmp = makeTempDir('bench-serving-');
const pyDir = join(tmp.dir, 'py-echo');
const jsDir = join(tmp.dir, 'js-echo');
try {
  await runPythonJson('serving_echo_model.py', { models: [{ path: pyDir }] });
  await saveModel({
    path: jsDir,
    code: { path: join(root, 'test/serving/fixtures/echo-model.mjs'), exportName: 'EchoModel' },
    signature: new ModelSignature({ params: PARAMS }),
  });
  const sides: Side[] = [
    {
      name: 'mlflow models serve',
      start: (port) =>
        spawn(
          join(root, '.venv/bin/mlflow'),
          ['models', 'serve', '-m', pyDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)],
          {
            env: { ...process.env, PATH: `${join(root, '.venv/bin')}:${process.env.PATH}` },
            stdio: 'ignore',
            detached: true,
          },
        ),
    },
    {
      name: 'mlflow-genai serve',
      start: (port) =>
        spawn(
          process.execPath,
          [
            '--import',
            pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
            join(root, 'bench/serving.ts'),
            '--serve',
            jsDir,
            String(port),
          ],
          { stdio: 'ignore', detached: true },
        ),
    },
  ];
  const servers = await Promise.all(sides.map((side) => startServer(side)));
  const runs: Record<string, Record<string, Figures[]>> = Object.fromEntries(
    sides.map((side) => [side.name, Object.fromEntries(Object.keys(PAYLOADS).map((p) => [p, [] as Figures[]]))]),
  );
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [payload, body] of Object.entries(PAYLOADS)) {
        for (const [i, side] of sides.entries()) {
          const url = servers[i]!.url;
          await load(url, body, 2); // warm-up
          const f = await load(url, body, seconds);
          runs[side.name]![payload]!.push(f);
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  // Each side's median round by throughput (its latencies come with it).
  const figures: Record<string, Record<string, Figures>> = {};
  for (const [name, byPayload] of Object.entries(runs)) {
    figures[name] = {};
    for (const [payload, list] of Object.entries(byPayload)) {
      figures[name]![payload] = [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!;
    }
  }
  console.log(
    `serving: echo model, ${connections} connections, ${seconds} s per side and payload, median of ${rounds} rounds, one worker per server`,
  );
  for (const payload of Object.keys(PAYLOADS)) {
    const theirs = figures['mlflow models serve']![payload]!;
    const ours = figures['mlflow-genai serve']![payload]!;
    const row = (name: string, f: Figures) =>
      `  ${name.padEnd(20)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms` +
      (f.errors || f.non2xx ? `   (errors ${f.errors}, non-2xx ${f.non2xx})` : '');
    console.log(`${payload}:`);
    console.log(row('mlflow models serve', theirs));
    console.log(row('mlflow-genai serve', ours));
    const all = (name: string) => runs[name]![payload]!.map((f) => f.rps.toFixed(0)).join(' ');
    console.log(`  rounds (req/s): python ${all('mlflow models serve')}; ours ${all('mlflow-genai serve')}`);
    console.log(
      `  throughput ratio ${(ours.rps / theirs.rps).toFixed(1)}x (target >= 5x); p99 ${ours.p99} ms vs ${theirs.p99} ms (target: lower)`,
    );
  }
} finally {
  tmp.cleanup();
}
