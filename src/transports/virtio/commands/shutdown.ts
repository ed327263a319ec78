import * as v from "valibot";
import type { Host } from "../../../host/types.ts";
import { QgaError, type QgaCommand } from "../qga-types.ts";
import { complaint, refuseUnderRoot, runTool } from "./system-tools.ts";

/**
 * guest-shutdown (qga/commands-posix.c): qemu-ga runs /sbin/poweroff, /sbin/halt or /sbin/reboot
 * when that program exists, else `/sbin/shutdown -h -P|-H|-r +0 "hypervisor initiated shutdown"`,
 * waits for it, and sends no reply when it succeeds.
 */

const FLAGS = { powerdown: "-P", halt: "-H", reboot: "-r" } as const;
const COMMANDS = { powerdown: "/sbin/poweroff", halt: "/sbin/halt", reboot: "/sbin/reboot" } as const;
export type ShutdownMode = keyof typeof FLAGS;

const SHUTDOWN_TIMEOUT_MS = 60_000;

async function executable(host: Host, path: string): Promise<boolean> {
  const stat = await host.fs.stat(path).catch(() => null);
  return stat?.type === "file" && (stat.mode & 0o111) !== 0;
}

/** The program qemu-ga would run for `mode` on this machine. */
export async function shutdownArgv(host: Host, mode: ShutdownMode): Promise<string[]> {
  if (await executable(host, COMMANDS[mode])) return [COMMANDS[mode]];
  const shutdown = (await executable(host, "/sbin/shutdown")) ? "/sbin/shutdown" : "shutdown";
  return [shutdown, "-h", FLAGS[mode], "+0", "hypervisor initiated shutdown"];
}

const Args = v.strictObject({ mode: v.optional(v.string()) });

export const guestShutdown: QgaCommand = {
  name: "guest-shutdown",
  kind: "power",
  args: Args,
  successResponse: false,
  async run(ctx, args: v.InferOutput<typeof Args>) {
    const mode = args.mode ?? "powerdown";
    if (!Object.hasOwn(FLAGS, mode)) throw new QgaError("GenericError", "mode is invalid (valid values are: halt|powerdown|reboot)");
    refuseUnderRoot(ctx, "guest-shutdown", mode === "reboot" ? "reboot" : "stop");
    const argv = await shutdownArgv(ctx.host, mode as ShutdownMode);
    ctx.log.info(`guest-shutdown called, mode: ${mode}: ${argv.join(" ")}`);
    const result = await runTool(ctx.host, argv, SHUTDOWN_TIMEOUT_MS);
    if (result.code !== 0) throw new QgaError("GenericError", `failed to shutdown: ${complaint(result, argv[0]?.slice(argv[0].lastIndexOf("/") + 1) ?? "shutdown")}`);
    return {};
  },
};
