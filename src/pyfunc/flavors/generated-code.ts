/**
 * Flavors save the SDK's own wrappers through `saveModel`, which bundles a module: each flavor writes a
 * tiny entry module importing its wrapper from `mlflow-genai` (served at load time by the loading process's
 * SDK) and, for models-from-code, the user's module. The file is named by the hash of its text, so writing
 * it again is a no-op and concurrent saves do not collide.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The nearest ancestor of `from` (itself included) holding a `node_modules` directory. */
function projectRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const nm = join(dir, 'node_modules');
    if (existsSync(nm) && statSync(nm).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * @internal Writes `source` as an ES module and returns its path. With `near` (the user's module), the
 * file goes to the `node_modules/.cache/mlflow-genai/` of the project holding that module, so the
 * packages it imports resolve, and their installed versions are recorded in the model's package.json;
 * otherwise to the OS temporary directory.
 */
export async function writeEntryModule(source: string, near?: string): Promise<string> {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 24);
  const root = near ? projectRoot(dirname(resolve(near))) : undefined;
  const dir = root
    ? join(root, 'node_modules', '.cache', 'mlflow-genai', 'model-entries')
    : join(tmpdir(), 'mlflow-genai-model-entries');
  const file = join(dir, `${hash}.mjs`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, source);
  await rename(tmp, file);
  return file;
}
