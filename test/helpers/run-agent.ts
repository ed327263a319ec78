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

/** Runs the agent from source (`bun src/main.ts ARGS`), as `npm run agent -- ARGS` would. */
export function runAgent(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<AgentRun> {
  return runArgv([process.execPath, MAIN, ...args], options);
}
