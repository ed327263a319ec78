/**
 * A synchronous parser stuck in a loop blocks the thread that would notice: this watchdog runs in
 * a worker and, when one case has run for more than twice its bound, prints which case it is and
 * how to reproduce it. bun test's own timeout then fails the test.
 */

export interface Watchdog {
  start(index: number): void;
  stop(): void;
  close(): void;
}

/** [generation, case index, running] shared with the worker. */
const SLOTS = 3;

export function watchdog(target: string, limitMs: number, reproduce: (index: number) => string): Watchdog {
  const shared = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  let worker: Worker | undefined;
  try {
    worker = new Worker(new URL("./watchdog-worker.ts", import.meta.url).href);
    worker.postMessage({ shared, target, limitMs: limitMs * 2, reproduce: reproduce(-1) });
    worker.unref();
  } catch {
    worker = undefined; // No workers here: the bun test timeout still bounds the run.
  }
  return {
    start(index) {
      shared[1] = index;
      Atomics.add(shared, 0, 1);
      shared[2] = 1;
    },
    stop() {
      shared[2] = 0;
    },
    close() {
      worker?.terminate();
    },
  };
}
