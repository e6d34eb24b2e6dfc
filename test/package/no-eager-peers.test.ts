import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const dist = join(REPO_ROOT, 'dist');
const guard = join(REPO_ROOT, 'test/fixtures/peer-guard.mjs');

function runNode(code: string): string {
  return execFileSync(process.execPath, ['--import', guard, '--input-type=module', '-e', code], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: '' },
  });
}

describe('the published package', () => {
  it('has been built (npm test builds it first)', () => {
    expect(existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'index.cjs')) && existsSync(join(dist, 'index.d.ts'))).toBe(true);
  });

  it('import "mlflow-genai" (ESM) loads no optional peer dependency', () => {
    const out = runNode(
      "const m = await import('mlflow-genai'); console.log(typeof m.MlflowClient, typeof m.withRun, [...globalThis.__peerGuardSeen].join(','));",
    );
    expect(out.trim()).toBe('function function');
  });

  it('require("mlflow-genai") (CJS) loads no optional peer dependency', () => {
    const out = runNode(
      "import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); const m = require('mlflow-genai'); console.log(typeof m.MlflowClient, [...globalThis.__peerGuardSeen].join(','));",
    );
    expect(out.trim()).toBe('function');
  });

  it('importing has no side effects: no database file is created', () => {
    const out = runNode("import { existsSync } from 'node:fs'; await import('mlflow-genai'); console.log(existsSync('mlflow.db'));");
    expect(out.trim()).toBe('false');
  });
});
