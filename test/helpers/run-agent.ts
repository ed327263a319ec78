import { resolve } from "node:path";
import { recordAgentOutput } from "./output-log.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const MAIN = resolve(REPO, "src/main.ts");

export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion, capturing its output. */
export async function runArgv(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
  const child = Bun.spawn(argv, {
    cwd: options.cwd ?? REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

/** runArgv, its output also recorded for the secrets scan (output-log.ts). */
async function runRecorded(argv: string[], options: { cwd?: string; env?: Record<string, string> }): Promise<AgentRun> {
  const run = await runArgv(argv, options);
  recordAgentOutput(argv.slice(2), run.stdout, run.stderr);
  return run;
}

/**
 * A command that would probe must be pointed at loopback: no test may reach the real
 * 169.254.169.254. Help and usage errors never get as far as the network.
 */
export function assertStaysLocal(args: readonly string[]): void {
  const help = args.includes("--help") || args.includes("-h");
  const probes = args.includes("probe") || (args.includes("boot") && !args.includes("--seed"));
  if (probes && !help && !args.includes("--metadata-url")) throw new Error(`test would probe the real metadata service: agent ${args.join(" ")} (add --metadata-url)`);
  // A boot that applies must apply to a test tree, never to the machine running the tests.
  const applies = args.includes("boot") && !args.includes("--dry-run") && !help;
  if (applies && !args.includes("--root")) throw new Error(`test would configure this machine: agent ${args.join(" ")} (add --root DIR)`);
  // The daemon applies what the host asks: it too serves a test tree only.
  if (args[0] === "daemon" && !help && !args.includes("--root")) throw new Error(`test would serve this machine's host channel: agent ${args.join(" ")} (add --root DIR)`);
}

/** Runs the agent from source (`bun src/main.ts ARGS`), as `npm run agent -- ARGS` would. */
export function runAgent(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
  assertStaysLocal(args);
  return runRecorded([process.execPath, MAIN, ...args], options);
}
