import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

// The built executable, as `npm install` links it (package.json "bin": dist/cli.js); npm test builds it first.
const cli = join(REPO_ROOT, 'dist', 'cli.js');
const tmp = makeTempDir('mlflow-genai-bin-');
afterAll(() => tmp.cleanup());

function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  // Run the file itself, not `node file`: this checks the shebang and the executable bit too.
  const result = spawnSync(cli, args, {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: tmp.dir },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the built mlflow-genai executable', () => {
  it('is built as an executable ESM file with a node shebang', () => {
    expect(existsSync(cli)).toBe(true);
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(() => accessSync(cli, constants.X_OK)).not.toThrow();
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'mlflow-genai': './dist/cli.js' });
    expect(pkg.type).toBe('module');
  });

  it('--help prints the usage and exits 0', () => {
    const { code, stdout, stderr } = runCli(['--help']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout.split('\n')[0]).toBe('mlflow-genai: run a complete GenAI lifecycle and record it in MLflow');
    expect(stdout).toContain('  server-config  print how to run');
  });

  it('--mode server-config prints the mlflow server command for the data directory, creating nothing', () => {
    const { code, stdout } = runCli(['--mode', 'server-config', '--data-dir', 'data']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `  mlflow server --backend-store-uri sqlite:///${join(tmp.dir, 'data', 'mlflow.db')} \\\n`,
    );
    expect(stdout).toContain(`    --artifacts-destination ${join(tmp.dir, 'data', 'mlruns')} \\\n`);
    expect(existsSync(join(tmp.dir, 'data'))).toBe(false);
  });

  it('an invalid value exits 2 with the field, the value and the flag on stderr', () => {
    const { code, stdout, stderr } = runCli(['--max-new-tokens=-3']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      'mlflow-genai: Invalid configuration: maxNewTokens: expected a positive integer, got -3 (from --max-new-tokens)\nRun mlflow-genai --help for usage.\n',
    );
  });
});
