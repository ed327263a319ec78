import type { Host, RunResult } from "../../../host/types.ts";
import { QgaError, type QgaContext } from "../qga-types.ts";

/** What the commands that act on the running machine (power, clock, freeze, trim, exec) share. */

/**
 * Commands that act on the running kernel (power, clock, freeze, trim) refuse a --root daemon: the
 * target is a directory, and the machine they would act on is the one running the agent.
 */
export function refuseUnderRoot(ctx: QgaContext, command: string, effect: string): void {
  if (ctx.host.root !== "/") {
    throw new QgaError("GenericError", `${command} would ${effect} this machine, not the target at ${ctx.host.root} (--root): refused`);
  }
}

/** The last line the program printed about its failure, without its own name in front. */
export function complaint(result: RunResult, program: string): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").pop() ?? "";
  const said = text.replace(new RegExp(`^${program}: `), "");
  if (result.timedOut) return `${program} did not finish in time`;
  return said || `${program} exited ${result.code}`;
}

/** A program that could not be run at all is a failed result here, so that what was frozen is thawed. */
export async function runTool(host: Host, argv: string[], timeoutMs: number): Promise<RunResult> {
  try {
    return await host.run(argv, { timeoutMs });
  } catch (error) {
    return { code: -1, stdout: "", stderr: (error as Error)?.message ?? String(error), timedOut: false };
  }
}
