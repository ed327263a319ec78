import * as v from "valibot";
import { QgaError, type QgaCommand } from "../qga-types.ts";
import { Int } from "./file.ts";
import { complaint, refuseUnderRoot, runTool } from "./system-tools.ts";

/**
 * guest-set-time (qga/commands-posix.c). With `time` (ns since the epoch): the system clock is set
 * (qemu-ga calls settimeofday; here `date -u -s @SECONDS.NANOSECONDS`), then the RTC from it
 * (`hwclock -w`). Without: the system clock from the RTC (`hwclock -s`).
 */

const NS = 1_000_000_000n;
/** qemu-ga refuses a time outside the years 1970 to 2069 ("Invalid time"). */
const FIRST = 0n;
const LAST = BigInt(Date.UTC(2070, 0, 1) / 1000) - 1n;
const TOOL_TIMEOUT_MS = 30_000;

/** The `date -s` operand for a time in nanoseconds, or null when it is outside qemu-ga's range. */
export function dateOperand(timeNs: number): string | null {
  if (!Number.isInteger(timeNs) || timeNs < 0) return null;
  // Times in ns are past 2^53: the JSON number is what it is, and BigInt keeps every digit of it.
  const ns = BigInt(timeNs);
  const seconds = ns / NS;
  if (seconds < FIRST || seconds > LAST) return null;
  return `@${seconds}.${(ns % NS).toString().padStart(9, "0")}`;
}

const Args = v.strictObject({ time: v.optional(Int) });

export const guestSetTime: QgaCommand = {
  name: "guest-set-time",
  kind: "write",
  args: Args,
  async run(ctx, args: v.InferOutput<typeof Args>) {
    refuseUnderRoot(ctx, "guest-set-time", "set the clock of");
    if (args.time !== undefined) {
      const operand = dateOperand(args.time);
      if (operand === null) throw new QgaError("GenericError", `Invalid time ${args.time}: expected nanoseconds since 1970-01-01 UTC, before the year 2070`);
      const set = await runTool(ctx.host, ["date", "-u", "-s", operand], TOOL_TIMEOUT_MS);
      if (set.code !== 0) throw new QgaError("GenericError", `Failed to set time to guest: ${complaint(set, "date")}`);
      ctx.log.info(`guest-set-time: system clock set to ${operand}`);
    }
    const hwclock = await runTool(ctx.host, ["hwclock", args.time !== undefined ? "-w" : "-s"], TOOL_TIMEOUT_MS);
    if (hwclock.code !== 0) {
      const what = args.time !== undefined ? "the system clock was set, but setting the hardware clock from it failed" : "setting the system clock from the hardware clock failed";
      throw new QgaError("GenericError", `${what}: ${complaint(hwclock, "hwclock")}`);
    }
    if (args.time === undefined) ctx.log.info("guest-set-time: system clock set from the hardware clock");
    return {};
  },
};
