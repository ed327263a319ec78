import type { ConsolaInstance } from "consola/core";
import { HostError } from "../errors.ts";
import { LockHeldError } from "../host/lock-held.ts";
import type { Host } from "../host/types.ts";

/**
 * The lock around plan + apply + record, for whatever writes the state records and boot's journal:
 * `agent boot` and the daemon's tether-apply. Inside the root, so that two --root trees never
 * block each other; under /run, so that a reboot forgets it.
 */
export const BOOT_LOCK = "/run/tether/boot.lock";

/**
 * How long a boot waits for another run to finish. systemd starts `agent boot` while someone may be
 * running it by hand: the later one waits and then finds the work done (exit 0), rather than fail
 * a unit whose work was in fact done. Bounded well inside the unit's TimeoutStartSec=10min, so a
 * boot stuck behind a hung run ends with a message that names it, not a systemd kill.
 */
export const BOOT_WAIT_MS = 5 * 60_000;
/** The daemon answers a host that is waiting on the wire: it gives up sooner. */
export const DAEMON_APPLY_WAIT_MS = 60_000;
const POLL_MS = 200;

/** What this process tells another that finds the lock held: what it is, its pid, since when. */
export function holderOf(host: Host, what: string): string {
  return `${what} (pid ${process.pid}, since ${new Date(host.now()).toISOString()})`;
}

export interface BootLockOptions {
  /** This run, for others that find the lock held (holderOf). */
  holder: string;
  /** 0: give up at once. */
  waitMs: number;
  log: ConsolaInstance;
  /** What the operator can do about it, added to the message when giving up. */
  hint?: string;
}

/**
 * Runs `fn` holding the boot lock: waits up to `waitMs` for another holder (saying once whom it
 * waits for), then gives up with a HostError naming the holder. A holder killed with -9 leaves no
 * lock behind (host.lock takes a dead one over).
 */
export async function withBootLock<T>(host: Host, options: BootLockOptions, fn: () => Promise<T>): Promise<T> {
  // Elapsed time from the monotonic clock: a fake host's clock stands still, a real one may jump.
  const started = performance.now();
  let told = false;
  let lock;
  for (;;) {
    try {
      lock = await host.lock(BOOT_LOCK, { holder: options.holder });
      break;
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      const waited = performance.now() - started;
      const who = error.holder ?? "another process (it did not say which)";
      if (waited >= options.waitMs) {
        throw new HostError(`another run holds ${BOOT_LOCK}: ${who}; gave up after ${Math.round(waited / 1000)} s${options.hint ? ` (${options.hint})` : ""}`);
      }
      if (!told) options.log.withTag("boot").warn(`waiting up to ${Math.round(options.waitMs / 1000)} s for ${who} to finish: it holds ${BOOT_LOCK}`);
      told = true;
      await host.sleep(Math.min(POLL_MS, Math.max(1, options.waitMs - waited)));
    }
  }
  if (told) options.log.withTag("boot").info(`${BOOT_LOCK} is free after ${Math.round(performance.now() - started)} ms: going on`);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
