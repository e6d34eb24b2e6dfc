// Generates the tiny offline GPT-2 used by tests and the offline default pipeline (no model hub is reachable).
// Usage: npx tsx scripts/make-tiny-model.ts [outDir]   (default test/fixtures/generated/tiny-gpt2)

import { relative, resolve } from 'node:path';
import { writeTinyGpt2Model } from '../src/internal/tiny-model/index.js';

const started = performance.now();
const outDir = resolve(process.argv[2] ?? 'test/fixtures/generated/tiny-gpt2');
const info = await writeTinyGpt2Model(outDir);
const ms = (performance.now() - started).toFixed(0);
const { nLayer, nHead, nEmbd, nPositions } = info.config;
console.log(
  `${info.written ? 'wrote' : 'up to date:'} ${relative(process.cwd(), outDir) || '.'} ` +
    `(${(info.totalBytes / 1024).toFixed(1)} KiB, ${nLayer} layers, ${nHead} heads, width ${nEmbd}, ` +
    `${nPositions} positions, vocabulary ${info.vocabSize}) sha256 ${info.sha256.slice(0, 12)} in ${ms} ms`,
);
