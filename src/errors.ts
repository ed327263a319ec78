/**
 * Errors that reach the operator. Each carries the exit code the CLI returns, so the meaning of an
 * exit status is decided where the failure is understood, not where it is printed.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class TetherError extends Error {
  readonly exitCode: number = EXIT.failed;
}

/** The command line itself is wrong: unknown flag, missing value, conflicting options. */
export class UsageError extends TetherError {
  override readonly exitCode = EXIT.usage;
}

/** A part of the agent that is planned but not written yet. Never pretends to have worked. */
export class NotBuiltError extends TetherError {
  override readonly exitCode = EXIT.usage;
  constructor(what: string, readonly issue: number) {
    super(`${what} is not built yet (issue #${issue}); nothing was done`);
  }
}

export interface Problem {
  /** Dotted field path inside the source, e.g. `users[0].name`; "" for the whole document. */
  path: string;
  message: string;
}

/** Data from outside (a seed file, a metadata answer, a wire message) is not what it must be. */
export class InputError extends TetherError {
  constructor(
    readonly source: string,
    readonly problems: Problem[],
  ) {
    super(problems.map((p) => `${source}: ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n"));
  }
}

/** Something on the machine failed: a missing file we needed, a program that exited non-zero. */
export class HostError extends TetherError {}
