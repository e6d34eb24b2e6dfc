// Writes the tiny GPT-2 as a directory transformers.js loads with `local_files_only`-style settings. The files are
// computed in memory first (a few milliseconds), so "already there" is decided by content, never by age.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  buildTinyGpt2Onnx,
  DEFAULT_TINY_GPT2,
  generationConfigJson,
  gpt2ConfigJson,
  type TinyGpt2Config,
} from './gpt2.js';
import { tinyVocabulary, tokenizerConfigJson, tokenizerJson } from './tokenizer.js';

/** Name of the stamp file that records what was generated and the content hash. */
export const TINY_MODEL_STAMP = 'tiny-model.json';

/** Options of {@link writeTinyGpt2Model}; the defaults are the shape the tests rely on. */
export interface TinyGpt2Options {
  /** Overrides of the hyper-parameters and seed (default {@link DEFAULT_TINY_GPT2}). */
  config?: Partial<TinyGpt2Config>;
}

/** What {@link writeTinyGpt2Model} found or wrote. */
export interface TinyGpt2ModelInfo {
  /** The model directory. */
  dir: string;
  /** sha256 of the `sha256sum`-style listing of every model file (stamp excluded). */
  sha256: string;
  /** False when the directory already held exactly this model and nothing was written. */
  written: boolean;
  /** sha256 of each file, by path relative to `dir`, sorted by path. */
  files: Record<string, string>;
  /** Total size of the model files in bytes. */
  totalBytes: number;
  /** The hyper-parameters used. */
  config: TinyGpt2Config;
  /** Vocabulary size (bytes, merges and `<|endoftext|>`). */
  vocabSize: number;
  /** Id of `<|endoftext|>`. */
  endOfTextId: number;
}

interface TinyModelStamp {
  model: string;
  sha256: string;
  config: TinyGpt2Config;
  files: Record<string, string>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The model files in memory, by path relative to the model directory; pure and deterministic. */
export function tinyGpt2Files(options: TinyGpt2Options = {}): {
  files: Map<string, Uint8Array>;
  config: TinyGpt2Config;
  vocabSize: number;
  endOfTextId: number;
} {
  const config: TinyGpt2Config = { ...DEFAULT_TINY_GPT2, ...options.config };
  const vocabulary = tinyVocabulary();
  const onnx = buildTinyGpt2Onnx(config, vocabulary);
  const files = new Map<string, Uint8Array>([
    ['config.json', json(gpt2ConfigJson(config, vocabulary))],
    ['generation_config.json', json(generationConfigJson(vocabulary))],
    ['onnx/model.onnx', onnx.bytes],
    ['tokenizer.json', json(tokenizerJson(vocabulary))],
    ['tokenizer_config.json', json(tokenizerConfigJson(config.nPositions))],
  ]);
  return { files, config, vocabSize: vocabulary.size, endOfTextId: vocabulary.endOfTextId };
}

/**
 * Writes the tiny GPT-2 into `dir` (created if needed) unless the stamp and every file already match, and
 * returns what is there. Safe to call concurrently for the same directory: each file is renamed into place.
 */
export async function writeTinyGpt2Model(dir: string, options: TinyGpt2Options = {}): Promise<TinyGpt2ModelInfo> {
  const { files, config, vocabSize, endOfTextId } = tinyGpt2Files(options);
  const paths = [...files.keys()].sort();
  const hashes: Record<string, string> = {};
  let totalBytes = 0;
  for (const path of paths) {
    const bytes = files.get(path)!;
    hashes[path] = sha256(bytes);
    totalBytes += bytes.length;
  }
  const listing = paths.map((p) => `${hashes[p]}  ${p}\n`).join('');
  const contentHash = sha256(new TextEncoder().encode(listing));
  const info = { dir, sha256: contentHash, files: hashes, totalBytes, config, vocabSize, endOfTextId };

  if (await isUpToDate(dir, contentHash, hashes)) return { ...info, written: false };

  for (const path of paths) await writeAtomically(join(dir, path), files.get(path)!);
  const stamp: TinyModelStamp = { model: 'tiny-gpt2', sha256: contentHash, config, files: hashes };
  // The stamp goes last: a reader that finds it finds the files it describes.
  await writeAtomically(join(dir, TINY_MODEL_STAMP), json(stamp));
  return { ...info, written: true };
}

async function isUpToDate(dir: string, contentHash: string, hashes: Record<string, string>): Promise<boolean> {
  let stamp: Partial<TinyModelStamp>;
  try {
    stamp = JSON.parse(await readFile(join(dir, TINY_MODEL_STAMP), 'utf8')) as Partial<TinyModelStamp>;
  } catch {
    return false;
  }
  if (stamp.sha256 !== contentHash) return false;
  // Re-hash what is on disk too (about 200 KB), so a deleted or edited file is repaired rather than trusted.
  for (const [path, expected] of Object.entries(hashes)) {
    try {
      if (sha256(await readFile(join(dir, path))) !== expected) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
