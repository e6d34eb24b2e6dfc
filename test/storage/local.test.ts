import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isMlflowError,
  LocalArtifactRepository,
  type MlflowError,
  normalizeArtifactPath,
  storageFor,
  TEMP_ARTIFACT_PREFIX,
} from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const tmp = makeTempDir('mlflow-genai-local-');
let n = 0;

/** A fresh artifact root, a source folder and a folder outside both (the escape target). */
function fixture() {
  n += 1;
  const base = join(tmp.dir, `case${n}`);
  const root = join(base, 'root');
  const src = join(base, 'src');
  const outside = join(base, 'outside');
  for (const d of [root, src, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  return { base, root, src, outside, repo: new LocalArtifactRepository(root) };
}

afterAll(() => tmp.cleanup());

describe('normalizeArtifactPath', () => {
  it('turns benign spellings into MLflow POSIX paths', () => {
    expect(normalizeArtifactPath(undefined)).toBe('');
    expect(normalizeArtifactPath('')).toBe('');
    expect(normalizeArtifactPath('.')).toBe('');
    expect(normalizeArtifactPath('a/b/')).toBe('a/b');
    expect(normalizeArtifactPath('./a//b/./c')).toBe('a/b/c');
    expect(normalizeArtifactPath('dir\\file.txt')).toBe('dir/file.txt');
  });

  it.each(['../x', 'a/../../x', 'a/..', '/etc/passwd', '\\etc\\passwd', 'C:\\Windows', 'c:/x', 'a\0b'])(
    'rejects %j with INVALID_PARAMETER_VALUE naming the path',
    (bad) => {
      let err: unknown;
      try {
        normalizeArtifactPath(bad);
      } catch (e) {
        err = e;
      }
      expect(isMlflowError(err)).toBe(true);
      expect((err as MlflowError).errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
      expect((err as MlflowError).message).toContain(`'${bad}'`);
    },
  );
});

describe('LocalArtifactRepository', () => {
  it('round-trips a file, a text artifact and a nested folder byte for byte', async () => {
    const { root, src, base, repo } = fixture();
    const bin = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) % 256));
    writeFileSync(join(src, 'model.bin'), bin);
    mkdirSync(join(src, 'tree/deep/er'), { recursive: true });
    mkdirSync(join(src, 'tree/empty'), { recursive: true });
    writeFileSync(join(src, 'tree/a.txt'), 'a');
    writeFileSync(join(src, 'tree/deep/b.json'), '{"b": 1}');
    writeFileSync(join(src, 'tree/deep/er/c.txt'), 'c');

    await repo.logArtifact(join(src, 'model.bin'));
    await repo.logArtifact(join(src, 'model.bin'), 'models/v1');
    await repo.logArtifacts(join(src, 'tree'), 'tree');
    await repo.logText('héllo\n', 'notes/readme.md');

    expect(readFileSync(join(root, 'model.bin'))).toEqual(bin);
    expect(readFileSync(join(root, 'models/v1/model.bin'))).toEqual(bin);
    expect(readFileSync(join(root, 'notes/readme.md'), 'utf8')).toBe('héllo\n');
    expect(readdirSync(join(root, 'tree/empty'))).toEqual([]);

    const dst = join(base, 'dst');
    mkdirSync(dst);
    expect(await repo.downloadArtifacts('tree', dst)).toBe(join(dst, 'tree'));
    expect(readFileSync(join(dst, 'tree/deep/er/c.txt'), 'utf8')).toBe('c');
    expect(readFileSync(join(dst, 'tree/deep/b.json'), 'utf8')).toBe('{"b": 1}');
    expect(readdirSync(join(dst, 'tree/empty'))).toEqual([]);
    expect(await repo.downloadArtifacts('models/v1/model.bin', dst)).toBe(join(dst, 'models/v1/model.bin'));
    expect(readFileSync(join(dst, 'models/v1/model.bin'))).toEqual(bin);

    const all = join(base, 'all');
    mkdirSync(all);
    expect(await repo.downloadArtifacts(undefined, all)).toBe(all);
    expect(readFileSync(join(all, 'notes/readme.md'), 'utf8')).toBe('héllo\n');
  });

  it('lists direct children sorted by path, with sizes for files and none for folders', async () => {
    const { src, repo } = fixture();
    writeFileSync(join(src, 'b.txt'), 'bbbb');
    writeFileSync(join(src, 'a.txt'), 'a');
    await repo.logArtifact(join(src, 'b.txt'), 'dir');
    await repo.logArtifact(join(src, 'a.txt'), 'dir/sub');
    await repo.logArtifact(join(src, 'a.txt'));
    expect(await repo.listArtifacts()).toEqual([
      { path: 'a.txt', isDir: false, fileSize: 1 },
      { path: 'dir', isDir: true },
    ]);
    expect(await repo.listArtifacts('dir')).toEqual([
      { path: 'dir/b.txt', isDir: false, fileSize: 4 },
      { path: 'dir/sub', isDir: true },
    ]);
    expect(await repo.listArtifacts('dir/sub/')).toEqual([{ path: 'dir/sub/a.txt', isDir: false, fileSize: 1 }]);
    expect(await repo.listArtifacts('a.txt')).toEqual([]);
    expect(await repo.listArtifacts('missing')).toEqual([]);
  });

  it('never lists half-written staging files', async () => {
    const { root, repo } = fixture();
    writeFileSync(join(root, `${TEMP_ARTIFACT_PREFIX}abc`), 'partial');
    writeFileSync(join(root, 'done.txt'), 'x');
    expect((await repo.listArtifacts()).map((f) => f.path)).toEqual(['done.txt']);
  });

  it('returns the artifact itself without a destination, as MLflow does, and RESOURCE_DOES_NOT_EXIST when missing', async () => {
    const { root, src, repo } = fixture();
    writeFileSync(join(src, 'f.txt'), 'f');
    await repo.logArtifact(join(src, 'f.txt'), 'd');
    expect(await repo.downloadArtifacts('d/f.txt')).toBe(join(root, 'd/f.txt'));
    expect((await rejection(repo.downloadArtifacts('nope.txt'))).errorCode).toBe(ErrorCode.RESOURCE_DOES_NOT_EXIST);
    expect((await rejection(repo.downloadArtifacts('d', join(src, 'no-such-dir')))).errorCode).toBe(
      ErrorCode.RESOURCE_DOES_NOT_EXIST,
    );
  });

  it('deletes a file or a folder recursively', async () => {
    const { root, src, repo } = fixture();
    writeFileSync(join(src, 'f.txt'), 'f');
    await repo.logArtifact(join(src, 'f.txt'), 'd/e');
    await repo.logArtifact(join(src, 'f.txt'));
    await repo.deleteArtifacts('f.txt');
    expect((await repo.listArtifacts()).map((f) => f.path)).toEqual(['d']);
    await repo.deleteArtifacts('d');
    expect(readdirSync(root)).toEqual([]);
  });

  it.each(['../x', '/etc/passwd', 'a/../../x'])(
    'rejects the traversal %j on log, list, download and delete',
    async (bad) => {
      const { src, base, repo } = fixture();
      writeFileSync(join(src, 'f.txt'), 'f');
      const dst = join(base, 'dst');
      mkdirSync(dst);
      for (const attempt of [
        () => repo.logArtifact(join(src, 'f.txt'), bad),
        () => repo.logArtifacts(src, bad),
        () => repo.logText('x', bad),
        () => repo.listArtifacts(bad),
        () => repo.downloadArtifacts(bad, dst),
        () => repo.downloadArtifacts(bad),
        () => repo.deleteArtifacts(bad),
      ]) {
        const err = await rejection(attempt());
        expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
        expect(err.message).toContain(bad);
      }
      expect(readdirSync(join(base, 'root'))).toEqual([]);
    },
  );

  it('rejects a symlink that leads out of the artifact root, on log and on download', async () => {
    const { root, src, base, outside, repo } = fixture();
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
    writeFileSync(join(src, 'f.txt'), 'f');
    const dst = join(base, 'dst');
    mkdirSync(dst);

    for (const attempt of [
      () => repo.logArtifact(join(src, 'f.txt'), 'escape'),
      () => repo.logText('overwrite', 'escape/secret.txt'),
      () => repo.logArtifacts(src, 'escape/sub'),
      () => repo.listArtifacts('escape'),
      () => repo.downloadArtifacts('escape/secret.txt', dst),
      () => repo.downloadArtifacts('escape'),
      () => repo.downloadArtifacts('secret-link.txt', dst),
      () => repo.downloadArtifacts('secret-link.txt'),
    ]) {
      const err = await rejection(attempt());
      expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
      expect(err.message).toMatch(/'(escape|secret-link)/);
    }
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readdirSync(dst)).toEqual([]);
  });

  it('refuses to write through a destination folder that is a symlink out of the download target', async () => {
    const { src, base, outside, repo } = fixture();
    writeFileSync(join(src, 'secret.txt'), 'new');
    await repo.logArtifact(join(src, 'secret.txt'), 'd');
    const dst = join(base, 'dst');
    mkdirSync(dst);
    symlinkSync(outside, join(dst, 'd'));
    const err = await rejection(repo.downloadArtifacts('d', dst));
    expect(err.errorCode).toBe(ErrorCode.INVALID_PARAMETER_VALUE);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('is what storageFor gives for plain paths and file:// URIs', async () => {
    const { root, src } = fixture();
    writeFileSync(join(src, 'f.txt'), 'via uri');
    const viaUri = storageFor(pathToFileURL(root).href);
    expect(viaUri).toBeInstanceOf(LocalArtifactRepository);
    await viaUri.logArtifact(join(src, 'f.txt'));
    expect(storageFor(root)).toBeInstanceOf(LocalArtifactRepository);
    expect(await storageFor(root).listArtifacts()).toEqual([{ path: 'f.txt', isDir: false, fileSize: 7 }]);
  });

  it('rejects artifact URIs of schemes it does not know, naming the supported ones', () => {
    let err: unknown;
    try {
      storageFor('gs://bucket/x');
    } catch (e) {
      err = e;
    }
    expect((err as MlflowError).errorCode).toBe(ErrorCode.NOT_IMPLEMENTED);
    expect((err as MlflowError).message).toContain("'s3'");
  });
});
