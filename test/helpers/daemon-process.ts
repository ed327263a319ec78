import type { Subprocess } from "bun";
import { recordAgentOutput } from "./output-log.ts";
import { MAIN, REPO } from "./run-agent.ts";

export interface DaemonProcess {
  daemon: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the daemon wrote to stderr so far (its log). */
  stderr(): string;
}

/**
 * `agent daemon ARGS` from source, its stderr collected; resolves once a line contains `ready`, the
 * process exits, or 10 s pass. Every caller passes --root: a test never serves this machine but
 * with an allow-list it chose itself.
 */
export async function startDaemon(args: string[], options: { ready: string; env?: Record<string, string> }): Promise<DaemonProcess> {
  const daemon = Bun.spawn([process.execPath, MAIN, "daemon", ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  let out = "";
  const decoder = new TextDecoder();
  const stdoutDecoder = new TextDecoder();
  const reading = Promise.all([
    (async () => {
      for await (const chunk of daemon.stderr) text += decoder.decode(chunk, { stream: true });
    })(),
    (async () => {
      for await (const chunk of daemon.stdout) out += stdoutDecoder.decode(chunk, { stream: true });
    })(),
  ]);
  // Recorded once both pipes close (the daemon exited), for the secrets scan (output-log.ts).
  void reading.then(() => recordAgentOutput(["daemon", ...args], out, text)).catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (!text.includes(options.ready) && Date.now() < deadline && daemon.exitCode === null) await Bun.sleep(20);
  return { daemon, stderr: () => text };
}
