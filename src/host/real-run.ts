import { HostError } from "../errors.ts";
import type { RunOptions, RunResult } from "./types.ts";

/** Refuses argv that could not have come from a careful caller: empty, or with NUL bytes. */
export function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0 || argv[0] === "") throw new HostError("run: empty argv");
  const bad = argv.findIndex((a) => typeof a !== "string" || a.includes("\0"));
  if (bad >= 0) throw new HostError(`run ${argv[0]}: argument ${bad} is not a string without NUL bytes`);
}

/** Runs a program directly (no shell), collecting its output; a timeout kills it. */
export async function runProgram(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  checkArgv(argv);
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn([...argv], {
      cwd: options.cwd,
      env: options.env ?? { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" },
      stdin: options.input === undefined ? "ignore" : new Blob([options.input]),
      stdout: "pipe",
      stderr: "pipe",
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    });
  } catch (error) {
    throw new HostError(`run ${argv[0]}: ${(error as Error).message}`);
  }
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout as ReadableStream).text(),
    new Response(child.stderr as ReadableStream).text(),
    child.exited,
  ]);
  const timedOut = options.timeoutMs !== undefined && child.signalCode === "SIGKILL";
  return { code, stdout, stderr, timedOut };
}
