import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` is the `mlflow-genai` executable (package.json `bin`: dist/cli.js, ESM); its source starts with a
  // shebang, which esbuild keeps and which makes tsup mark the file executable. It shares chunks with `index`.
  entry: { index: 'src/index.ts', cli: 'src/cli/bin.ts' },
  format: ['esm', 'cjs'],
  // Type declarations describe the library only.
  dts: { entry: { index: 'src/index.ts' } },
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
