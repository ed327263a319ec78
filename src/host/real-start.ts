import { constants } from "node:os";
import { HostError } from "../errors.ts";
import { checkArgv } from "./real-run.ts";
import type { StartedProgram, StartOptions } from "./types.ts";

/** What a started program sees before the caller's entries: a minimal PATH and a UTF-8 locale. */
export const BASE_ENV: Readonly<Record<string, string>> = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };

/** Output kept per stream when the caller names no limit. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * The environment for a started program: BASE_ENV, then the caller's "NAME=value" entries in order
 * (a later entry wins, and may replace PATH or LANG). An entry without "=", with an empty name or
 * with a NUL byte is refused: the kernel would cut it at the NUL, so it could not mean what it says.
 */
export function startEnv(argv0: string, entries: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = { ...BASE_ENV };
  entries.forEach((entry, i) => {
    const eq = typeof entry === "string" ? entry.indexOf("=") : -1;
    if (eq <= 0 || entry.includes("\0")) {
      throw new HostError(`start ${argv0}: environment entry ${i} is not NAME=value without NUL bytes`);
    }
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  });
  return env;
}

/** The per-stream output limit asked for, or the default; refuses anything but a whole number >= 0. */
export function outputLimit(argv0: string, limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new HostError(`start ${argv0}: maxOutputBytes must be a whole number >= 0`);
  return limit;
}

/**
 * Reads a pipe to its end, keeping the first `limit` bytes. The rest is read and dropped, never left
 * in the pipe: a child writing into a full pipe would block for ever.
 */
async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const kept = new Uint8Array(Math.min(limit, 65536));
  let buffer = kept;
  let length = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, limit - length);
      if (take <= 0) continue;
      if (length + take > buffer.length) {
        const grown = new Uint8Array(Math.min(limit, Math.max(buffer.length * 2, length + take)));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(value.subarray(0, take), length);
      length += take;
    }
  } catch {
    // A pipe that fails mid-read ends the capture; the exit status still comes from the kernel.
  } finally {
    reader.releaseLock();
  }
  return buffer.slice(0, length);
}

const empty = Promise.resolve(new Uint8Array(0));

/**
 * Starts a program with an argv array (no shell) and returns at once: QGA's guest-exec.
 *
 * - A program that cannot be started (missing, not executable) makes start() throw a HostError, as
 *   qemu-ga's guest-exec fails with an error rather than inventing an exit status; `done` itself never
 *   rejects.
 * - The working directory is "/", as for a daemonized qemu-ga; stdin is `input` or nothing.
 * - `done` settles once the program has exited and both of its output pipes are closed (so every byte
 *   it wrote is in), as qemu-ga reports `exited` only then. A background child still holding the pipes
 *   keeps `done` pending. `signal` is the number of the signal that ended it (code null then).
 */
export function startProgram(argv: readonly string[], options: StartOptions = {}): StartedProgram {
  checkArgv(argv);
  const argv0 = argv[0] as string;
  const env = startEnv(argv0, options.env);
  const limit = outputLimit(argv0, options.maxOutputBytes);
  const capture = options.captureOutput === true;
  let child: Bun.Subprocess<"ignore" | Blob, "pipe" | "ignore", "pipe" | "ignore">;
  try {
    child = Bun.spawn([...argv], {
      cwd: "/",
      env,
      stdin: options.input === undefined ? "ignore" : new Blob([options.input]),
      stdout: capture ? "pipe" : "ignore",
      stderr: capture ? "pipe" : "ignore",
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new HostError(`start ${argv0}: ${code === "ENOENT" ? "no such program" : ((error as Error).message ?? code)}`);
  }
  const stdout = capture ? collect(child.stdout as ReadableStream<Uint8Array>, limit) : empty;
  const stderr = capture ? collect(child.stderr as ReadableStream<Uint8Array>, limit) : empty;
  const done = Promise.all([child.exited, stdout, stderr]).then(([, out, err]) => {
    const name = child.signalCode;
    const signal = name ? (constants.signals[name as keyof typeof constants.signals] ?? null) : null;
    return { code: signal === null ? child.exitCode : null, signal, stdout: out, stderr: err };
  });
  return { pid: child.pid, done };
}
