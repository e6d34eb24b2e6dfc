// Content types as Python's `mimetypes.guess_type` gives them (its built-in table), which MLflow's S3
// repository stores as ContentType/ContentEncoding and its HTTP repository sends as Content-Type.
// Only the common extensions: unknown ones get no type, as in Python without a system mime.types entry.
const TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.md': 'text/markdown',
  '.xml': 'application/xml',
  '.py': 'text/x-python',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.ico': 'image/vnd.microsoft.icon',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.mp4': 'video/mp4',
};

const ENCODINGS: Readonly<Record<string, string>> = {
  '.gz': 'gzip',
  '.Z': 'compress',
  '.bz2': 'bzip2',
  '.xz': 'xz',
  '.br': 'br',
};

// Python's suffix_map: `.tgz` is `.tar.gz`, and so on.
const SUFFIXES: Readonly<Record<string, string>> = {
  '.svgz': '.svg.gz',
  '.tgz': '.tar.gz',
  '.taz': '.tar.gz',
  '.tz': '.tar.gz',
  '.tbz2': '.tar.bz2',
  '.txz': '.tar.xz',
};

function splitExt(name: string): [string, string] {
  const i = name.lastIndexOf('.');
  // A leading dot is a hidden file, not an extension (os.path.splitext).
  if (i <= 0 || /^\.+$/.test(name.slice(0, i + 1))) return [name, ''];
  return [name.slice(0, i), name.slice(i)];
}

/** `mimetypes.guess_type(fileName)`: the content type and content encoding, when known. */
export function guessType(fileName: string): { type?: string; encoding?: string } {
  let [base, ext] = splitExt(fileName.split('/').pop() ?? fileName);
  while (SUFFIXES[ext]) {
    const [b2, e2] = splitExt(base + SUFFIXES[ext]);
    base = b2;
    ext = e2;
  }
  let encoding: string | undefined;
  if (ENCODINGS[ext]) {
    encoding = ENCODINGS[ext];
    [base, ext] = splitExt(base);
  }
  const type = TYPES[ext] ?? TYPES[ext.toLowerCase()];
  return { ...(type ? { type } : {}), ...(encoding ? { encoding } : {}) };
}

const TEXT_EXTENSIONS = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst ipynb MLmodel MLproject'.split(
    ' ',
  ),
);

/** MLflow's `_guess_mime_type`: text-like files are `text/plain`, unknown ones `application/octet-stream`. */
export function guessMimeType(fileName: string): string {
  const name = fileName.split('/').pop() ?? fileName;
  const [, ext] = splitExt(name);
  const key = ext === '' ? name : ext.slice(1);
  if (TEXT_EXTENSIONS.has(key)) return 'text/plain';
  return guessType(name).type ?? 'application/octet-stream';
}
