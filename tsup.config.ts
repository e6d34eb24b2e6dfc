import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  // Optional peers and native modules stay external: they are loaded lazily at run time.
  external: [
    'better-sqlite3',
    '@huggingface/transformers',
    '@langchain/core',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
  ],
  shims: true,
});
