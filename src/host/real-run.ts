import { HostError } from "../errors.ts";
import type { RunOptions, RunResult } from "./types.ts";

/** Refuses argv that could not have come from a careful caller: empty, or with NUL bytes. */
export function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0 || argv[0] === "") throw new HostError("run: empty argv");
  const bad = argv.findIndex((a) => typeof a !== "string" || a.includes("\0"));
  if (bad >= 0) throw new HostError(`run ${argv[0]}: argument ${bad} is not a string without NUL bytes`);
}

/**
 * Output kept per stream: its end, where the error is. A user-data script running `yes` for its
 * 30 minutes must not grow the agent's memory with it (unbounded, 3 s of `yes` was 6 GB).
 */
export const RUN_OUTPUT_MAX_BYTES = 4 << 20;

/**
 * How long the output pipes may stay open once the program has exited. Only something it started
 * (a daemon from bootcmd) holds them then; waiting for that would wait for ever.
 */
export const RUN_PIPE_GRACE_MS = 2000;

/** POSIX only: a Windows child stays attached (a detached one would have no console for PowerShell). */
const OWN_GROUP = process.platform !== "win32";

/** Every process of the group: the program and whatever it started, unless that left the group. */
function killGroup(child: Bun.Subprocess): void {
  try {
    if (OWN_GROUP) process.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/**
 * Reads a pipe until its end, or until `stop` settles (the read is then cancelled and `open` set),
 * keeping the last `limit` bytes. No Promise.race per chunk: each would stay attached to `stop`,
 * and keep its chunk alive, until stop settles.
 */
async function tailOf(stream: ReadableStream<Uint8Array>, limit: number, stop: Promise<void>): Promise<{ text: string; open: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let ended = false;
  let open = false;
  void stop.then(() => {
    if (ended) return;
    open = true;
    reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      kept += next.value.length;
      while (chunks.length > 1 && kept - (chunks[0] as Uint8Array).length >= limit) kept -= (chunks.shift() as Uint8Array).length;
    }
  } catch {
    // A pipe that fails mid-read ends the capture; the exit status still comes from the kernel.
  }
  ended = true;
  const all = new Uint8Array(kept);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return { text: new TextDecoder().decode(all.subarray(Math.max(0, kept - limit))), open };
}

/**
 * Runs a program directly (no shell), collecting its output; a timeout kills it.
 *
 * The program leads a process group of its own (a new session; POSIX), so a timeout kills all it
 * started too: killing only `sh` would leave `sleep` holding the pipes, and the run would never end.
 * Once the program has exited, its pipes get RUN_PIPE_GRACE_MS to close; a process still holding
 * them (a daemon it forked) is left running, no longer read, and the result says `outputHeld`.
 */
export async function runProgram(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  checkArgv(argv);
  let child: Bun.Subprocess<"ignore" | Blob, "pipe", "pipe">;
  try {
    child = Bun.spawn([...argv], {
      cwd: options.cwd,
      env: options.env ?? { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" },
      stdin: options.input === undefined ? "ignore" : new Blob([options.input]),
      stdout: "pipe",
      stderr: "pipe",
      detached: OWN_GROUP,
    });
  } catch (error) {
    throw new HostError(`run ${argv[0]}: ${(error as Error).message}`);
  }
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup(child);
        }, options.timeoutMs);
  let grace: ReturnType<typeof setTimeout> | undefined;
  const exited = child.exited.finally(() => clearTimeout(timer));
  const stop = exited.then(() => new Promise<void>((resolve) => (grace = setTimeout(resolve, RUN_PIPE_GRACE_MS).unref())));
  const [stdout, stderr, code] = await Promise.all([
    tailOf(child.stdout, RUN_OUTPUT_MAX_BYTES, stop),
    tailOf(child.stderr, RUN_OUTPUT_MAX_BYTES, stop),
    exited,
  ]);
  clearTimeout(grace);
  const held = stdout.open || stderr.open;
  return { code, stdout: stdout.text, stderr: stderr.text, timedOut, ...(held ? { outputHeld: true } : {}) };
}
