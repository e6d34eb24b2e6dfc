/**
 * Model code that travels with the model: the wrapper's module and its local imports are bundled with
 * esbuild (an optional peer dependency, loaded on first use) into one ES module inside the model directory;
 * npm packages stay external and are listed in the model's package.json. `mlflow-genai` itself is not
 * bundled: imports of it are served, at load time, by the loading process's own copy of the SDK.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, MlflowError } from '../tracking/errors.js';

type EsbuildModule = typeof import('esbuild');

let esbuildModule: Promise<EsbuildModule> | undefined;

function loadEsbuild(): Promise<EsbuildModule> {
  esbuildModule ??= import('esbuild').catch((err: unknown) => {
    esbuildModule = undefined;
    throw new MlflowError(
      'Bundling model code needs the optional peer dependency esbuild. Install it with `npm install esbuild`.',
      ErrorCode.INVALID_STATE,
      { cause: err },
    );
  });
  return esbuildModule;
}

/** The SDK's own package name: imports of it are provided by the loading process. */
export const SDK_PACKAGE = 'mlflow-genai';
const RUNTIME_KEY = 'mlflow-genai.pyfunc.runtime';
const RUNTIME_NAMESPACE = 'mlflow-genai-runtime';

/** What {@link bundleModelCode} produced. */
export interface BundledCode {
  /** Path of the bundle relative to the model directory, e.g. `code/model.mjs`. */
  entry: string;
  /** npm packages the bundle imports (kept external), by package name. */
  externals: string[];
}

/** The package name of a bare specifier (`@scope/pkg/sub` -> `@scope/pkg`). */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isBare(specifier: string): boolean {
  return (
    !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-z]+:/i.test(specifier) && !isBuiltin(specifier)
  );
}

async function sdkExportNames(): Promise<string[]> {
  const sdk = (await import('../index.js')) as Record<string, unknown>;
  return Object.keys(sdk).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
}

/**
 * Bundles the module at `modulePath` (and every local module it imports) into `<modelDir>/code/model.mjs`.
 * Package imports stay external; imports of `mlflow-genai` resolve at load time to the loader's SDK.
 */
export async function bundleModelCode(modulePath: string, modelDir: string): Promise<BundledCode> {
  const esbuild = await loadEsbuild();
  const names = await sdkExportNames();
  const outRel = 'code/model.mjs';
  const outfile = join(modelDir, outRel);
  await mkdir(dirname(outfile), { recursive: true });
  const externals = new Set<string>();
  const result = await esbuild.build({
    entryPoints: [resolve(modulePath)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    sourcemap: false,
    plugins: [
      {
        name: 'mlflow-genai-model-code',
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point' || !isBare(args.path)) return undefined;
            if (packageName(args.path) === SDK_PACKAGE) return { path: args.path, namespace: RUNTIME_NAMESPACE };
            externals.add(packageName(args.path));
            return { path: args.path, external: true };
          });
          build.onLoad({ filter: /.*/, namespace: RUNTIME_NAMESPACE }, () => ({
            contents:
              `const rt = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})];\n` +
              `if (!rt) throw new Error('This model must be loaded with mlflow-genai (loadModel).');\n` +
              names.map((n) => `export const ${n} = rt.${n};`).join('\n'),
            loader: 'js',
          }));
        },
      },
    ],
  });
  if (result.errors.length > 0) {
    throw new MlflowError(
      `Bundling ${modulePath} failed: ${result.errors.map((e) => e.text).join('; ')}`,
      ErrorCode.INVALID_PARAMETER_VALUE,
    );
  }
  return { entry: outRel, externals: [...externals].sort() };
}

/** Versions of the given packages as installed next to `fromPath` (`*` when not found). */
export async function installedVersions(packages: string[], fromPath: string): Promise<Record<string, string>> {
  const require = createRequire(resolve(fromPath));
  const out: Record<string, string> = {};
  for (const name of packages) {
    try {
      const pkg = JSON.parse(await readFile(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string };
      out[name] = pkg.version ? `^${pkg.version}` : '*';
    } catch {
      out[name] = '*';
    }
  }
  return out;
}

function resolveExternal(specifier: string, bases: string[]): string | undefined {
  for (const base of bases) {
    try {
      return pathToFileURL(createRequire(join(base, 'noop.js')).resolve(specifier)).href;
    } catch {
      // try the next base
    }
  }
  return undefined;
}

/**
 * Imports a bundled model module. `mlflow-genai` imports are served by this process's SDK; other package
 * imports resolve from the model directory first, then from the current working directory.
 */
export async function importModelCode(
  modelDir: string,
  entry: string,
  externals: string[],
): Promise<Record<string, unknown>> {
  const g = globalThis as Record<symbol, unknown>;
  g[Symbol.for(RUNTIME_KEY)] ??= await import('../index.js');
  const file = join(modelDir, entry);
  if (externals.length === 0) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // Rewrite bare imports to absolute URLs so they resolve however the model directory was placed.
  let text = await readFile(file, 'utf8');
  const bases = [modelDir, process.cwd()];
  text = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g, (all, pre, q, spec: string) => {
    if (!isBare(spec) || !externals.includes(packageName(spec))) return all;
    const url = resolveExternal(spec, bases);
    return url ? `${pre}${q}${url}${q}` : all;
  });
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const copy = join(tmpdir(), 'mlflow-genai-model-code', `${hash}.mjs`);
  await mkdir(dirname(copy), { recursive: true });
  await writeFile(copy, text);
  return (await import(pathToFileURL(copy).href)) as Record<string, unknown>;
}
