import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliDeps, CliProgressEvent, CliRunE2EOptions, CliServeOptions, CliSummary } from '../../src/cli/index.js';
import { runCli, ttyProgress } from '../../src/cli/index.js';
import type { E2EConfig } from '../../src/config/e2e.js';
import { InvalidParameterError, MlflowError } from '../../src/tracking/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-cli-');
afterAll(() => tmp.cleanup());

/** A stream that keeps what is written. */
function buffer(isTTY = false): { write: (s: string) => boolean; isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  return {
    write: (s: string) => {
      chunks.push(s);
      return true;
    },
    isTTY,
    columns: 100,
    text: () => chunks.join(''),
  };
}

const SUMMARY = {
  ok: true,
  phases: [
    { name: 'prepare', status: 'ok', durationMs: 12 },
    { name: 'model', status: 'ok', durationMs: 1520 },
    { name: 'prompts', status: 'failed', required: false, error: 'registry unavailable\nstack...', durationMs: 300 },
    { name: 'deploy', status: 'skipped', error: 'registration disabled', durationMs: 0 },
  ],
  experimentId: '1',
  runId: 'abc123',
  metrics: { success_rate: 1, 'latency_ms/mean': 12.345678 },
  promptVersions: [
    { name: 'qa', version: 2, source: 'registry', template: `Question: {{question}}\n${'x'.repeat(80)}` },
  ],
  scorers: ['non_empty', 'latency'],
  servingCommand: 'mlflow-genai serve -m models:/m@champion\ncurl http://127.0.0.1:5001/ping',
  modelUri: 'models:/m/1',
  empty: [],
  missing: null,
} satisfies CliSummary & Record<string, unknown>;

interface Harness {
  deps: CliDeps;
  stdout: ReturnType<typeof buffer>;
  stderr: ReturnType<typeof buffer>;
  calls: { config: E2EConfig; options: CliRunE2EOptions }[];
  served: CliServeOptions[];
  closed: number;
}

function harness(
  overrides: Partial<CliDeps> & {
    summary?: CliSummary;
    events?: CliProgressEvent[];
    throws?: unknown;
    tty?: boolean;
  } = {},
): Harness {
  const stdout = buffer();
  const stderr = buffer(overrides.tty ?? false);
  const h: Harness = {
    stdout,
    stderr,
    calls: [],
    served: [],
    closed: 0,
    deps: {
      env: {},
      cwd: tmp.dir,
      stdout,
      stderr,
      runE2E: async (config, options) => {
        h.calls.push({ config, options });
        for (const event of overrides.events ?? []) options.onProgress?.(event);
        if (overrides.throws !== undefined) throw overrides.throws;
        return overrides.summary ?? SUMMARY;
      },
      serve: async (options) => {
        h.served.push(options);
        return {
          url: `http://${options.host}:${options.port === 0 ? 43210 : options.port}`,
          close: () => {
            h.closed++;
          },
        };
      },
      waitForShutdown: async () => {},
      ...overrides,
    },
  };
  return h;
}

async function run(argv: string[], h = harness()): Promise<{ code: number; out: string; err: string; h: Harness }> {
  const code = await runCli(argv, h.deps);
  return { code, out: h.stdout.text(), err: h.stderr.text(), h };
}

describe('mlflow-genai --help and --version', () => {
  it('--help lists every mode and every flag, and runs nothing', async () => {
    const { code, out, h } = await run(['--help']);
    expect(code).toBe(0);
    expect(h.calls).toHaveLength(0);
    for (const mode of ['all', 'experiment', 'deploy', 'test', 'serve', 'server-config']) {
      expect(out).toMatch(new RegExp(`^  ${mode} `, 'm'));
    }
    const flags = [
      '--mode',
      '--data-dir',
      '--tracking-uri',
      '--registry-uri',
      '--s3-endpoint-url',
      '--experiment',
      '--model',
      '--max-new-tokens',
      '--temperature',
      '--do-sample',
      '--top-k',
      '--top-p',
      '--repetition-penalty',
      '--question',
      '--scorers',
      '--registered-model-name',
      '--alias',
      '--no-prompts',
      '--no-evaluation',
      '--no-registration',
      '--no-tracing',
      '-m, --model-uri',
      '-p, --port',
      '--host',
      '--print',
      '-c, --config',
      '--json',
      '-q, --quiet',
      '-h, --help',
      '--version',
    ];
    for (const flag of flags) expect(out, flag).toContain(`  ${flag} `);
    expect(out.startsWith('mlflow-genai: run a complete GenAI lifecycle and record it in MLflow\n')).toBe(true);
  });

  it('-h, `help` and `serve --help` show help too', async () => {
    expect((await run(['-h'])).out).toContain('Modes (--mode)');
    expect((await run(['help'])).out).toContain('Modes (--mode)');
    const serve = await run(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.out.split('\n')[0]).toBe(
      "mlflow-genai serve: serve a model with MLflow's scoring protocol (/ping, /health, /version, /invocations)",
    );
    expect(serve.out).toContain('  -m, --model-uri <uri>');
  });

  it('--version prints the package version and the MLflow release whose formats it writes', async () => {
    const { code, out } = await run(['--version']);
    expect([code, out]).toEqual([0, 'mlflow-genai 0.1.0 (MLflow 3.18.0 formats)\n']);
  });
});

describe('mlflow-genai pipeline modes', () => {
  it('with no arguments runs mode all on the offline defaults', async () => {
    const { code, h } = await run([]);
    expect(code).toBe(0);
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]!.options.mode).toBe('all');
    expect(h.calls[0]!.config).toMatchObject({ model: 'tiny-gpt2', dataDir: '.', quiet: false, json: false });
  });

  it.each(['all', 'experiment', 'deploy', 'test'])('--mode %s is passed to runE2E', async (mode) => {
    const { h } = await run(['--mode', mode, '--quiet']);
    expect(h.calls[0]!.options.mode).toBe(mode);
  });

  it('flags become configuration fields', async () => {
    const { h } = await run([
      '--data-dir=/tmp/d',
      '--tracking-uri',
      'sqlite:///x.db',
      '--registry-uri',
      'sqlite:///r.db',
      '--model',
      'Xenova/gpt2',
      '--experiment',
      'exp',
      '--registered-model-name',
      'qa',
      '--alias',
      'prod',
      '--s3-endpoint-url',
      'http://localhost:9000',
      '--max-new-tokens',
      '9',
      '--temperature',
      '0.2',
      '--do-sample',
      '--top-k',
      '3',
      '--top-p',
      '0.5',
      '--repetition-penalty',
      '1.3',
      '--question',
      'One?',
      '--question',
      'Two?',
      '--scorers',
      'latency,non_empty',
      '--no-prompts',
      '--no-evaluation',
      '--no-registration',
      '--no-tracing',
      '--port',
      '7000',
      '-q',
    ]);
    const config = h.calls[0]!.config;
    expect(config).toEqual({
      model: 'Xenova/gpt2',
      maxNewTokens: 9,
      temperature: 0.2,
      doSample: true,
      topK: 3,
      topP: 0.5,
      repetitionPenalty: 1.3,
      experimentName: 'exp',
      trackingUri: `sqlite:///x.db`,
      registryUri: 'sqlite:///r.db',
      dataDir: '/tmp/d',
      s3EndpointUrl: 'http://localhost:9000',
      registeredModelName: 'qa',
      alias: 'prod',
      testQuestions: [{ question: 'One?' }, { question: 'Two?' }],
      scorers: ['latency', 'non_empty'],
      prompts: false,
      evaluation: false,
      registration: false,
      tracing: false,
      servePort: 7000,
      quiet: true,
      json: false,
    });
  });

  it('flags beat --config, which beats the environment', async () => {
    const file = join(tmp.dir, 'cli.yaml');
    writeFileSync(file, 'experimentName: from-file\nmaxNewTokens: 7\ntopK: 4\n');
    const h = harness({
      env: { MLFLOW_EXPERIMENT_NAME: 'from-env', MLFLOW_GENAI_TOP_K: '2', MLFLOW_GENAI_TOP_P: '0.4' },
    });
    await run(['--config', 'cli.yaml', '--max-new-tokens', '8', '-q'], h);
    expect(h.calls[0]!.config).toMatchObject({ experimentName: 'from-file', maxNewTokens: 8, topK: 4, topP: 0.4 });
  });

  it('--json prints the whole summary as JSON on stdout, progress still on stderr', async () => {
    const events: CliProgressEvent[] = [{ phase: 'model', step: 'load', status: 'start' }];
    const { code, out, err } = await run(['--json'], harness({ events }));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(SUMMARY);
    expect(err).toBe('[model] load: start\n');
  });

  it('prints a readable summary: outcome, phases, then every other field', async () => {
    const { out } = await run(['--quiet']);
    expect(out).toBe(
      [
        'mlflow-genai (mode all): OK',
        '',
        'Phases',
        '  ok       prepare     12 ms',
        '  ok       model       1.5 s',
        '  failed   prompts    300 ms  (optional)  registry unavailable',
        '  skipped  deploy             registration disabled',
        '',
        'Experiment id    1',
        'Run id           abc123',
        'Metrics',
        '  success_rate     1',
        '  latency_ms/mean  12.3457',
        'Prompt versions',
        `  - name: qa, version: 2, source: registry, template: Question: {{question}} ${'x'.repeat(34)}...`,
        'Scorers          non_empty, latency',
        'Serving command',
        '  mlflow-genai serve -m models:/m@champion',
        '  curl http://127.0.0.1:5001/ping',
        'Model uri        models:/m/1',
        'Empty            (none)',
        '',
      ].join('\n'),
    );
  });
});

describe('mlflow-genai progress', () => {
  const events: CliProgressEvent[] = [
    { phase: 'model', step: 'model', status: 'start' },
    { phase: 'model', step: 'load', status: 'start', detail: 'tiny-gpt2' },
    { phase: 'model', step: 'load', status: 'done', detail: '0.4 s' },
    { phase: 'model', step: 'warm up', status: 'start' },
    // The end of the phase also ends the step left open inside it.
    { phase: 'model', step: 'model', status: 'done', detail: '0.5 s' },
    { phase: 'test', step: 'question', status: 'start', current: 1, total: 2 },
    { phase: 'test', step: 'question', status: 'done', current: 1, total: 2 },
    { phase: 'test', step: 'question', status: 'done', current: 2, total: 2 },
    { phase: 'prompts', step: 'register', status: 'failed', detail: 'registry down' },
    { phase: 'deploy', step: 'register', status: 'skipped' },
  ];

  it('writes one plain line per event when stderr is not a terminal', async () => {
    const { err } = await run([], harness({ events }));
    expect(err).toBe(
      [
        '[model] start',
        '[model] load: start (tiny-gpt2)',
        '[model] load: done (0.4 s)',
        '[model] warm up: start',
        '[model] done (0.5 s)',
        '[test] question 1/2: start',
        '[test] question 1/2: done',
        '[test] question 2/2: done',
        '[prompts] register: failed (registry down)',
        '[deploy] register: skipped',
        '',
      ].join('\n'),
    );
  });

  it('draws a live line with a spinner and a bar on a terminal, and keeps finished steps', async () => {
    const { err } = await run([], harness({ events, tty: true }));
    const lines = err.split('\n');
    // Permanent lines: each begins by clearing the live line.
    expect(lines.slice(0, -1).map((l) => l.slice(l.lastIndexOf('\x1b[2K') + 4))).toEqual([
      '✔ model: load (0.4 s)',
      '✔ model (0.5 s)',
      '✔ test: question 2/2',
      '✖ prompts: register failed (registry down)',
      '- deploy: register skipped',
    ]);
    expect(err).toMatch(/⠋ model: load tiny-gpt2/);
    // After the model line, the finished steps are not drawn again: the next live line is the test's.
    const afterModel = err.slice(err.indexOf('✔ model (0.5 s)'));
    expect(afterModel).not.toContain('warm up');
    expect(err).toContain('⠋ test: question [##########----------] 1/2');
    expect(err.endsWith('\n')).toBe(true);
  });

  it('a terminal that reports no width gets 80 columns, and long lines are cut with an ellipsis', () => {
    const chunks: string[] = [];
    const reporter = ttyProgress({ write: (t: string) => chunks.push(t), isTTY: true, columns: 0 });
    reporter.onProgress({ phase: 'experiment', step: 'experiment', status: 'start', detail: 'x'.repeat(200) });
    reporter.stop();
    const line = chunks[0]!.replace('\r\x1b[2K', '');
    expect(line).toBe(`⠋ experiment ${'x'.repeat(78 - '⠋ experiment '.length)}…`);
  });

  it('--quiet silences progress but not the summary', async () => {
    const { err, out } = await run(['--quiet'], harness({ events }));
    expect(err).toBe('');
    expect(out).toContain('mlflow-genai (mode all): OK');
  });

  it('a progress renderer that throws does not break the run', async () => {
    const stderr = {
      write: () => {
        throw new Error('EPIPE');
      },
    };
    const h = harness({ events });
    h.deps.stderr = stderr;
    expect(await runCli([], h.deps)).toBe(0);
  });
});

describe('mlflow-genai exit codes', () => {
  it('1 when a required phase failed (summary.ok false), with the summary printed', async () => {
    const summary = { ok: false, phases: [{ name: 'model', status: 'failed', error: 'boom', durationMs: 5 }] };
    const { code, out } = await run(['-q'], harness({ summary }));
    expect(code).toBe(1);
    expect(out).toBe('mlflow-genai (mode all): FAILED\n\nPhases\n  failed  model      5 ms  boom\n');
  });

  it('2 for an invalid value, reported before any work with the field, the value and the flag', async () => {
    const { code, err, h } = await run(['--max-new-tokens=-3']);
    expect(code).toBe(2);
    expect(h.calls).toHaveLength(0);
    expect(err).toBe(
      'mlflow-genai: Invalid configuration: maxNewTokens: expected a positive integer, got -3 (from --max-new-tokens)\nRun mlflow-genai --help for usage.\n',
    );
  });

  it('2 for an invalid environment value, naming the variable', async () => {
    const { code, err } = await run([], harness({ env: { MLFLOW_GENAI_TOP_P: '2' } }));
    expect(code).toBe(2);
    expect(err).toContain('topP: expected a number in (0, 1], got 2 (from MLFLOW_GENAI_TOP_P)');
  });

  it('2 for an unknown flag, a bad mode or a stray argument', async () => {
    const unknown = await run(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--frobnicate'");
    const mode = await run(['--mode', 'fast']);
    expect(mode.code).toBe(2);
    expect(mode.err).toContain(
      "--mode: expected one of all, experiment, deploy, test, serve, server-config, got 'fast'",
    );
    const stray = await run(['deploy']);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain("Unexpected argument 'deploy'");
    const missing = await run(['--model']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("Option '--model <value>' argument missing");
  });

  it('the scorer list is loaded only for pipeline modes', async () => {
    let loads = 0;
    const knownScorers = async () => {
      loads++;
      return ['latency'];
    };
    expect((await run(['--mode', 'server-config', '--scorers', 'fluency'], harness({ knownScorers }))).code).toBe(0);
    expect(loads).toBe(0);
    const { code, err } = await run(['--scorers', 'fluency'], harness({ knownScorers }));
    expect([code, loads]).toEqual([2, 1]);
    expect(err).toContain("unknown scorer 'fluency' (built-in scorers: latency)");
  });

  it('2 for an unknown scorer when the built-in scorers are known', async () => {
    const { code, err } = await run(['--scorers', 'fluency'], harness({ knownScorers: ['latency'] }));
    expect(code).toBe(2);
    expect(err).toContain("scorers[0]: unknown scorer 'fluency' (built-in scorers: latency) (from --scorers)");
  });

  it('1 when runE2E throws; 2 when it refuses its input; --json then prints the error as JSON', async () => {
    const crash = await run(['-q'], harness({ throws: new MlflowError('store is gone', 'IO_ERROR') }));
    expect([crash.code, crash.err]).toEqual([1, 'mlflow-genai: store is gone\n']);
    const refused = await run(['-q', '--json'], harness({ throws: new InvalidParameterError('model: not found') }));
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out)).toEqual({
      ok: false,
      error: { errorCode: 'INVALID_PARAMETER_VALUE', message: 'model: not found' },
    });
  });

  it('130 when interrupted; the signal reaches runE2E', async () => {
    const controller = new AbortController();
    const h = harness({
      signal: controller.signal,
      runE2E: async (_config, options) => {
        controller.abort();
        expect(options.signal?.aborted).toBe(true);
        throw new Error('aborted');
      },
    });
    const { code, err } = await run([], h);
    expect(code).toBe(130);
    expect(err).toContain('Interrupted: stopping after the current step');
    expect(err).toContain('mlflow-genai: interrupted: aborted\n');
  });
});

describe('mlflow-genai serve', () => {
  it('serves the registered model by alias on the configured port, until shutdown', async () => {
    const { code, out, err, h } = await run(['--mode', 'serve', '--data-dir', 'data']);
    expect(code).toBe(0);
    expect(h.calls).toHaveLength(0);
    expect(h.served).toEqual([
      {
        modelUri: 'models:/mlflow-genai-e2e-model@champion',
        port: 5001,
        host: '127.0.0.1',
        trackingUri: `sqlite:///${join(tmp.dir, 'data', 'mlflow.db')}`,
        registryUri: `sqlite:///${join(tmp.dir, 'data', 'mlflow.db')}`,
      },
    ]);
    expect(h.closed).toBe(1);
    expect(out).toBe('Serving models:/mlflow-genai-e2e-model@champion at http://127.0.0.1:5001 (Ctrl-C to stop)\n');
    expect(err).toBe(
      'Starting the scoring server for models:/mlflow-genai-e2e-model@champion on http://127.0.0.1:5001 ...\nStopping the scoring server ...\n',
    );
  });

  it('`serve -m <uri> --port N` serves that model; --json reports where', async () => {
    const { code, out, h } = await run(['serve', '-m', 'models:/qa/3', '--port', '0', '--host', '0.0.0.0', '--json']);
    expect(code).toBe(0);
    expect(h.served[0]).toMatchObject({ modelUri: 'models:/qa/3', port: 0, host: '0.0.0.0' });
    expect(JSON.parse(out)).toEqual({ modelUri: 'models:/qa/3', url: 'http://0.0.0.0:43210' });
  });

  it('--print prints the serving command and client examples instead of serving', async () => {
    const { code, out, h } = await run(['serve', '--print', '--alias', 'prod', '--tracking-uri', 'http://mlflow:5000']);
    expect(code).toBe(0);
    expect(h.served).toHaveLength(0);
    expect(out).toBe(
      [
        "# Serve models:/mlflow-genai-e2e-model@prod with MLflow's scoring protocol (/ping, /health, /version, /invocations):",
        'mlflow-genai serve -m models:/mlflow-genai-e2e-model@prod --port 5001 --tracking-uri http://mlflow:5000',
        '',
        '# Then, from another shell:',
        'curl http://127.0.0.1:5001/ping',
        `curl -X POST http://127.0.0.1:5001/invocations -H 'Content-Type: application/json' -d '{"dataframe_records":[{"question":"What is MLflow?"}]}'`,
        '',
      ].join('\n'),
    );
  });

  it('a serve failure exits 1 with the message', async () => {
    const h = harness({
      serve: async () => {
        throw new MlflowError('Registered model alias champion not found.', 'RESOURCE_DOES_NOT_EXIST');
      },
    });
    const { code, err } = await run(['serve', '-q'], h);
    expect([code, err]).toEqual([1, 'mlflow-genai: Registered model alias champion not found.\n']);
  });

  it('the serve subcommand cannot be combined with another --mode', async () => {
    const { code, err } = await run(['serve', '--mode', 'deploy']);
    expect(code).toBe(2);
    expect(err).toContain("--mode deploy cannot be combined with the 'serve' subcommand.");
  });
});
