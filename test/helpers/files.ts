import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Writes `size` deterministic pseudo-random bytes (an AES-128-CTR keystream keyed by `seed`) to `path`,
 * streamed in 1 MiB chunks so a 150 MB file never sits in memory.
 */
export async function writePseudoRandomFile(path: string, size: number, seed = 'mlflow-genai'): Promise<void> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const chunk = Buffer.alloc(1024 * 1024);
  async function* bytes() {
    for (let left = size; left > 0; left -= chunk.length) {
      yield cipher.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
    }
  }
  await pipeline(Readable.from(bytes()), createWriteStream(path));
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** sha256 of every file under `dir`, keyed by POSIX path relative to it (like sha256_tree in the Python scripts). */
export async function sha256Tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await visit(full);
      else out[relative(dir, full).split(sep).join('/')] = await sha256File(full);
    }
  };
  if (statSync(dir).isFile()) return { [dir.split(sep).pop()!]: await sha256File(dir) };
  await visit(dir);
  return out;
}

/** A folder of `count` small files spread over nested sub-folders, with deterministic contents. */
export function writeSmallFileTree(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `group-${i % 10}`, i % 3 === 0 ? 'nested' : '');
    mkdirSync(sub, { recursive: true });
    const ext = ['.txt', '.json', '.bin', '.yaml'][i % 4];
    writeFileSync(join(sub, `file-${String(i).padStart(4, '0')}${ext}`), `file ${i}\n${'x'.repeat(i % 97)}`);
  }
}
