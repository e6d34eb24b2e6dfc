import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from '../helpers/paths.js';

const dist = join(REPO_ROOT, 'dist');
const guard = join(REPO_ROOT, 'test/fixtures/peer-guard.mjs');

function runNode(code: string, cwd = REPO_ROOT): string {
  return execFileSync(process.execPath, ['--import', guard, '--input-type=module', '-e', code], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: '' },
  });
}

describe('the published package', () => {
  it('has been built (npm test builds it first)', () => {
    expect(
      existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'index.cjs')) && existsSync(join(dist, 'index.d.ts')),
    ).toBe(true);
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

  it('the guard really catches a peer load (so the checks above cannot pass vacuously)', () => {
    const out = runNode(
      "try { await import('@aws-sdk/client-s3'); console.log('loaded'); } catch (e) { console.log(String(e.message).startsWith('PEER_LOADED') ? 'caught' : e.message); }",
    );
    expect(out.trim()).toBe('caught');
  });

  it('importing has no side effects: no database or artifact folder is created', () => {
    const tmp = makeTempDir();
    try {
      const entry = pathToFileURL(join(dist, 'index.js')).href;
      const out = runNode(
        `import { readdirSync } from 'node:fs'; await import(${JSON.stringify(entry)}); console.log(JSON.stringify(readdirSync('.')));`,
        tmp.dir,
      );
      expect(out.trim()).toBe('[]');
    } finally {
      tmp.cleanup();
    }
  });
});
