import { resolve } from "node:path";

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

/**
 * A command that would probe must be pointed at loopback: no test may reach the real
 * 169.254.169.254. Help and usage errors never get as far as the network.
 */
export function assertStaysLocal(args: readonly string[]): void {
  const probes = args.includes("probe") || (args.includes("boot") && !args.includes("--seed"));
  const harmless = args.includes("--help") || args.includes("-h") || args.includes("--metadata-url");
  if (probes && !harmless) throw new Error(`test would probe the real metadata service: agent ${args.join(" ")} (add --metadata-url)`);
}

/** Runs the agent from source (`bun src/main.ts ARGS`), as `npm run agent -- ARGS` would. */
export function runAgent(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
  assertStaysLocal(args);
  return runArgv([process.execPath, MAIN, ...args], options);
}
