import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

// esbuild (an optional peer, used only to bundle model code) must not load on `import 'mlflow-genai'`.
const hook = `export async function resolve(s, c, next) { if (s === 'esbuild' || s.startsWith('esbuild/')) throw new Error('ESBUILD_LOADED'); return next(s, c); }`;
const guard = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;

// Runs against the built package, like test/package: `npm test` builds dist/ first, and a missing build
// fails here instead of skipping.
describe('the esbuild optional peer', () => {
  it('is not loaded by import "mlflow-genai" (ESM and CJS)', () => {
    expect(existsSync(join(REPO_ROOT, 'dist/index.js')) && existsSync(join(REPO_ROOT, 'dist/index.cjs'))).toBe(true);
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(guard)}`,
        '--input-type=module',
        '-e',
        "const m = await import('mlflow-genai'); const { createRequire } = await import('node:module'); const c = createRequire(process.cwd() + '/')('mlflow-genai'); console.log(typeof m.saveModel, typeof c.loadModelFromPath);",
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_URI: '' } },
    );
    expect(out.trim()).toBe('function function');
  });
});
