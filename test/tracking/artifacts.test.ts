import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activeRun,
  closeAllTrackingStores,
  downloadArtifacts,
  ErrorCode,
  endRun,
  getArtifactUri,
  isMlflowError,
  listArtifacts,
  logArtifact,
  logArtifacts,
  logDict,
  logText,
  MlflowClient,
  type MlflowError,
  resetFluentState,
  setTrackingUri,
  withRun,
} from '../../src/index.js';
import { makeTempDir } from '../helpers/paths.js';
import { runPythonJson } from '../helpers/python.js';

const tmp = makeTempDir('mlflow-genai-artifacts-');
const savedEnv = { ...process.env };
let n = 0;
let uri: string;
let client: MlflowClient;
let root: string;

beforeEach(() => {
  n += 1;
  resetFluentState();
  root = join(tmp.dir, `mlruns${n}`);
  process.env.MLFLOW_DEFAULT_ARTIFACT_ROOT = root;
  uri = `sqlite:///${join(tmp.dir, `a${n}.db`)}`;
  setTrackingUri(uri);
  client = new MlflowClient({ trackingUri: uri, defaultArtifactRoot: root });
});
afterEach(async () => {
  while (activeRun()) await endRun();
  process.env = { ...savedEnv };
});
afterAll(async () => {
  resetFluentState();
  await closeAllTrackingStores();
  tmp.cleanup();
});

function src(name: string, files: Record<string, string>): string {
  const dir = join(tmp.dir, `src${n}`, name);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

/** The local folder of a run's artifacts (the embedded store records absolute paths). */
async function artifactDir(runId: string): Promise<string> {
  return (await client.getRun(runId)).info.artifactUri;
}

describe('MlflowClient artifact helpers (embedded store, local artifacts)', () => {
  it("logs a file, a directory (under its own name) and a folder's contents where MLflow puts them", async () => {
    const run = await client.createRun('0');
    const dir = src('payload', { 'a.txt': 'a', 'sub/b.txt': 'bb' });
    await client.logArtifact(run.info.runId, join(dir, 'a.txt'));
    await client.logArtifact(run.info.runId, join(dir, 'a.txt'), 'x/y');
    await client.logArtifact(run.info.runId, dir, 'as-dir');
    await client.logArtifact(run.info.runId, dir);
    await client.logArtifacts(run.info.runId, dir, 'contents');
    const base = await artifactDir(run.info.runId);
    expect(base).toBe(join(root, '0', run.info.runId, 'artifacts'));
    expect(readFileSync(join(base, 'a.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(base, 'x/y/a.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(base, 'as-dir/payload/sub/b.txt'), 'utf8')).toBe('bb');
    expect(readFileSync(join(base, 'payload/sub/b.txt'), 'utf8')).toBe('bb');
    expect(readFileSync(join(base, 'contents/sub/b.txt'), 'utf8')).toBe('bb');
    expect(await client.listArtifacts(run.info.runId)).toEqual([
      { path: 'a.txt', isDir: false, fileSize: 1 },
      { path: 'as-dir', isDir: true },
      { path: 'contents', isDir: true },
      { path: 'payload', isDir: true },
      { path: 'x', isDir: true },
    ]);
    expect(await client.listArtifacts(run.info.runId, 'contents/sub')).toEqual([
      { path: 'contents/sub/b.txt', isDir: false, fileSize: 2 },
    ]);
  });

  it('downloads into a destination it creates, or returns the local file itself', async () => {
    const run = await client.createRun('0');
    await client.logText(run.info.runId, 'text ✓', 'notes/n.txt');
    const dst = join(tmp.dir, `dl${n}`, 'nested');
    const out = await client.downloadArtifacts(run.info.runId, 'notes', dst);
    expect(out).toBe(join(dst, 'notes'));
    expect(readFileSync(join(out, 'n.txt'), 'utf8')).toBe('text ✓');
    const inPlace = await client.downloadArtifacts(run.info.runId, 'notes/n.txt');
    expect(inPlace).toBe(join(await artifactDir(run.info.runId), 'notes/n.txt'));
  });

  it('refuses traversal in artifact paths with INVALID_PARAMETER_VALUE', async () => {
    const run = await client.createRun('0');
    for (const attempt of [
      () => client.logText(run.info.runId, 'x', '../escape.txt'),
      () => client.logDict(run.info.runId, {}, '/etc/x.json'),
      () => client.listArtifacts(run.info.runId, '../../'),
    ]) {
      const err = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isMlflowError(err)).toBe(true);
      expect((err as MlflowError).errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    }
    expect(existsSync(join(root, '0', 'escape.txt'))).toBe(false);
  });

  it('writes log_dict and log_text files byte-identical to Python MLflow 3.18', async () => {
    const dict = {
      model: { name: 'gpt2', layers: 12, dropout: 0.1, lr: 3e-5, tied: true, head: null },
      prompts: ['Hello, {name}!', 'yes', '123', '', 'multi\nline', 'trailing ', "it's"],
      'z-last': { nested: [[1, 2], [], {}, [{ a: 'b' }]] },
      unicode: 'naïve café ☕ 😀',
      long: 'lorem ipsum dolor sit amet '.repeat(8).trim(),
      'a key: with colon': -42.5,
      big: 1e21,
      small: 1e-7,
    };
    const files = ['params.json', 'config.yaml', 'dir/config.yml', 'no-extension', 'dir/data.txt', '.yaml'];
    const texts: Array<[string, string]> = [
      ['plain text\n', 'notes.txt'],
      ['ünïcödé ✓\r\nwindows line', 'dir/u.md'],
    ];
    const ours = await client.createRun('0');
    for (const f of files) await client.logDict(ours.info.runId, dict, f);
    for (const [t, f] of texts) await client.logText(ours.info.runId, t, f);

    const theirs = await client.createRun('0');
    const { artifact_uri: pyUri } = await runPythonJson<{ artifact_uri: string }>('log_dict.py', {
      tracking_uri: uri,
      run_id: theirs.info.runId,
      items: files.map((artifact_file) => ({ dict, artifact_file })),
      texts,
    });
    expect(pyUri).toBe(await artifactDir(theirs.info.runId));
    const mine = await artifactDir(ours.info.runId);
    for (const f of [...files, ...texts.map(([, name]) => name)]) {
      expect(readFileSync(join(mine, f)).toString('latin1'), f).toBe(readFileSync(join(pyUri, f)).toString('latin1'));
    }
    expect(readFileSync(join(mine, 'config.yaml'), 'utf8')).toContain(
      'unicode: "na\\xEFve caf\\xE9 \\u2615 \\U0001F600"',
    );
  });
});

describe('fluent artifact helpers (mlflow.log_artifact & co. on the active run)', () => {
  it('log and read artifacts of the active run', async () => {
    const dir = src('fluent', { 'f.txt': 'fluent', 'd/g.txt': 'g' });
    await withRun({ runName: 'artifacts' }, async (run) => {
      await logArtifact(join(dir, 'f.txt'));
      await logArtifacts(dir, 'all');
      await logText('t', 'texts/t.txt');
      await logDict({ b: 1, a: [true] }, 'cfg.yaml');
      expect(await getArtifactUri()).toBe(run.info.artifactUri);
      expect(await getArtifactUri('texts/t.txt')).toBe(`${run.info.artifactUri}/texts/t.txt`);
      expect((await listArtifacts()).map((f) => f.path)).toEqual(['all', 'cfg.yaml', 'f.txt', 'texts']);
      expect((await listArtifacts({ artifactPath: 'all/d' })).map((f) => f.path)).toEqual(['all/d/g.txt']);
      const dst = join(tmp.dir, `fluent-dl${n}`);
      const out = await downloadArtifacts({ artifactPath: 'all', dstPath: dst });
      expect(readdirSync(out).sort()).toEqual(['d', 'f.txt']);
      expect(readFileSync(join(dst, 'all/f.txt'), 'utf8')).toBe('fluent');
      expect(await downloadArtifacts({ artifactUri: `runs:/${run.info.runId}/cfg.yaml` })).toBe(
        join(run.info.artifactUri, 'cfg.yaml'),
      );
    });
    const runs = await client.searchRuns({ experimentIds: ['0'] });
    const [run] = runs.items;
    expect(readFileSync(join(run!.info.artifactUri, 'cfg.yaml'), 'utf8')).toBe('a:\n- true\nb: 1\n');
  });

  it('starts a run when logging with none active, as MLflow does', async () => {
    expect(activeRun()).toBeUndefined();
    await logText('auto', 'auto.txt');
    const run = activeRun();
    expect(run).toBeDefined();
    expect(readFileSync(join(run!.info.artifactUri, 'auto.txt'), 'utf8')).toBe('auto');
  });

  it('needs a run or a URI to read from', async () => {
    const err = await listArtifacts().then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as MlflowError).errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
  });
});
