import type { ChildProcess } from 'node:child_process';

/** Tracks whether a detached child has exited, and stops its whole process group. */
export function processGroup(child: ChildProcess): {
  exited: () => boolean;
  stop: (graceMs?: number) => Promise<void>;
} {
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    exited: () => exited,
    // SIGTERM to the group (servers fork workers), SIGKILL after the grace period.
    stop: async (graceMs = 10_000) => {
      if (exited) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
