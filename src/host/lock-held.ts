import { HostError } from "../errors.ts";

/**
 * Another live process holds a lock. `holder` is what that process said about itself when asked
 * ("agent boot, pid 812, since 2026-01-01T00:00:00.000Z"), or null when it said nothing in time.
 */
export class LockHeldError extends HostError {
  constructor(
    readonly path: string,
    readonly holder: string | null,
  ) {
    super(`${path} is held by another running process: ${holder ?? "it did not say which"}`);
  }
}
