import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves WAL checkpoints off the logging path. SQLite's automatic checkpoint runs inside the
 * committing call and fsyncs the WAL and the database there; on a slow disk that is most of a
 * batch's cost. A worker thread with its own connection instead runs PASSIVE checkpoints (which
 * never block writers or readers) whenever the WAL has grown, so commits stay plain appends.
 * Durability is unchanged: WAL with synchronous=NORMAL either way.
 */
export interface Checkpointer {
  /** Stops the worker; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** Checkpoint when the WAL file exceeds this many bytes (default 4 MiB, ~1000 pages). */
  thresholdBytes?: number;
  /** How often the worker looks at the WAL size, in ms (default 50). */
  intervalMs?: number;
  /** busy_timeout of the worker's connection, in ms. */
  busyTimeoutMs?: number;
}

// The worker is inline CommonJS so it works the same from sources (vitest, tsx) and from the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const walPath = workerData.path + '-wal';
let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  let size = 0;
  try { size = fs.statSync(walPath).size; } catch { return; }
  if (size < workerData.thresholdBytes) return;
  busy = true;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  busy = false;
}, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    clearInterval(timer);
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    db.close();
    parentPort.postMessage('stopped');
  }
});
`;

/**
 * Starts a checkpoint worker for the database at `path`. Returns null when workers are not available;
 * the caller then leaves SQLite's automatic checkpoints on.
 */
export function startCheckpointer(path: string, options: CheckpointerOptions = {}): Checkpointer | null {
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        path,
        thresholdBytes: options.thresholdBytes ?? 4 * 1024 * 1024,
        intervalMs: options.intervalMs ?? 50,
        busyTimeoutMs: options.busyTimeoutMs ?? 30_000,
      },
    });
  } catch {
    return null;
  }
  worker.on('error', () => {
    // The main connection still works; SQLite checkpoints on close. Nothing is lost.
  });
  worker.on('message', (msg: unknown) => {
    if (msg && typeof msg === 'object' && 'error' in msg) {
      console.warn(`[mlflow-genai] background WAL checkpoint failed: ${(msg as { error: string }).error}`);
    }
  });
  // A checkpoint worker must never keep the host process alive. unref() comes after the listeners:
  // adding a 'message' listener re-refs the worker's port.
  worker.unref();
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().then(() => resolve());
        };
        const timer = setTimeout(done, 2000);
        worker.once('message', () => {
          clearTimeout(timer);
          done();
        });
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
