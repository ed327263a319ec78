import type { Subprocess } from "bun";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { recordAgentOutput } from "../helpers/output-log.ts";
import { assertStaysLocal, MAIN, REPO } from "../helpers/run-agent.ts";
import { HOOK } from "./boot-root.ts";

export interface HookedDaemon {
  daemon: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
  /** Every disk change the daemon made so far, "N op path" (kill-hook.ts's log). */
  changes(): string[];
  /** Resolves once the daemon holds at its pause point (TETHER_FAULT_PAUSE_ON), with what it was about to do. */
  paused(ms?: number): Promise<string>;
  /** Lets a paused daemon go on. */
  resume(): void;
}

/**
 * `agent daemon ARGS` from source with kill-hook.ts preloaded: its disk changes logged, and held
 * at the first one whose path holds `pauseOn`. Resolves once a stderr line holds `ready`.
 */
export async function startHookedDaemon(args: string[], options: { ready: string; dir: string; pauseOn?: string; env?: Record<string, string> }): Promise<HookedDaemon> {
  assertStaysLocal(["daemon", ...args]);
  const log = `${options.dir}/changes.log`;
  const pauseFile = `${options.dir}/paused`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", TETHER_FAULT_LOG: log, ...options.env };
  if (options.pauseOn) Object.assign(env, { TETHER_FAULT_PAUSE_ON: options.pauseOn, TETHER_FAULT_PAUSE_FILE: pauseFile });
  const daemon = Bun.spawn([process.execPath, "--preload", HOOK, MAIN, "daemon", ...args], { cwd: REPO, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let text = "";
  let out = "";
  const decoder = new TextDecoder();
  const outDecoder = new TextDecoder();
  void Promise.all([
    (async () => {
      for await (const chunk of daemon.stderr) text += decoder.decode(chunk, { stream: true });
    })(),
    (async () => {
      for await (const chunk of daemon.stdout) out += outDecoder.decode(chunk, { stream: true });
    })(),
  ])
    .then(() => recordAgentOutput(["daemon", ...args], out, text))
    .catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (!text.includes(options.ready) && Date.now() < deadline && daemon.exitCode === null) await Bun.sleep(20);
  if (!text.includes(options.ready)) throw new Error(`the daemon did not get ready: ${text.slice(-800)}`);
  return {
    daemon,
    stderr: () => text,
    changes: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []),
    async paused(ms = 15_000) {
      const until = Date.now() + ms;
      while (!existsSync(pauseFile)) {
        if (Date.now() > until || daemon.exitCode !== null) throw new Error(`the daemon never reached its pause point: ${text.slice(-800)}`);
        await Bun.sleep(10);
      }
      return readFileSync(pauseFile, "utf8").trim();
    },
    resume: () => rmSync(pauseFile, { force: true }),
  };
}
