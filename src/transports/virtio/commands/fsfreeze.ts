import * as v from "valibot";
import type { Host, RunResult } from "../../../host/types.ts";
import { QgaError, type QgaCommand, type QgaContext } from "../qga-types.ts";

/**
 * guest-fsfreeze-freeze, -freeze-list and -thaw (qga/commands-linux.c, qga/commands-posix.c),
 * through util-linux's `fsfreeze --freeze|--unfreeze MOUNTPOINT` (the FIFREEZE/FITHAW ioctls), and
 * what the commands that act on the running machine share: the mount list and the refusals.
 */

/**
 * Commands that act on the running kernel (power, clock, freeze, trim) refuse a --root daemon: the
 * target is a directory, and the machine they would act on is the one running the agent.
 */
export function refuseUnderRoot(ctx: QgaContext, command: string, effect: string): void {
  if (ctx.host.root !== "/") {
    throw new QgaError("GenericError", `${command} would ${effect} this machine, not the target at ${ctx.host.root} (--root): refused`);
  }
}

export interface Mount {
  device: string;
  dir: string;
  type: string;
  options: string[];
}

/** /proc/self/mounts escapes space, tab, newline and backslash as \040 \011 \012 \134 (getmntent). */
const unescape = (field: string) => field.replace(/\\([0-3][0-7]{2})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const [device, dir, type, options] = line.trim().split(/[ \t]+/);
    if (!device || !dir || !type) continue;
    out.push({ device: unescape(device), dir: unescape(dir), type, options: (options ?? "").split(",") });
  }
  return out;
}

export const MOUNTS = "/proc/self/mounts";

/**
 * The local file systems, in mount order, as qemu-ga lists them from the mount table: a device
 * that is not a path is a pseudo or network file system; smbfs and cifs are network ones whatever
 * their device says; a "device" that is a directory is a bind mount.
 */
export async function localMounts(host: Host): Promise<Mount[]> {
  let text: string;
  try {
    text = await host.fs.readText(MOUNTS);
  } catch (error) {
    throw new QgaError("GenericError", `failed to open mtab file: '${MOUNTS}': ${(error as Error).message}`);
  }
  const out: Mount[] = [];
  for (const mount of parseMounts(text)) {
    if (!mount.device.startsWith("/") || mount.type === "smbfs" || mount.type === "cifs") continue;
    if ((await host.fs.stat(mount.device).catch(() => null))?.type === "dir") continue;
    out.push(mount);
  }
  return out;
}

/** The last line the program printed about its failure, without its own name in front. */
export function complaint(result: RunResult, program: string): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").pop() ?? "";
  const said = text.replace(new RegExp(`^${program}: `), "");
  if (result.timedOut) return `${program} did not finish in time`;
  return said || `${program} exited ${result.code}`;
}

/** FIFREEZE's EOPNOTSUPP (and ENOTTY): this file system cannot freeze; qemu-ga skips it. */
const UNSUPPORTED = /not supported|inappropriate ioctl/i;
/** EBUSY: frozen already, through another mount of the same file system; qemu-ga skips it too. */
const BUSY = /busy/i;

const FREEZE_TIMEOUT_MS = 120_000;

/** A program that could not be run at all is a failed result here, so that what was frozen is thawed. */
export async function runTool(host: Host, argv: string[], timeoutMs: number): Promise<RunResult> {
  try {
    return await host.run(argv, { timeoutMs });
  } catch (error) {
    return { code: -1, stdout: "", stderr: (error as Error)?.message ?? String(error), timedOut: false };
  }
}

const fsfreeze = (host: Host, how: "--freeze" | "--unfreeze", dir: string) => runTool(host, ["fsfreeze", how, dir], FREEZE_TIMEOUT_MS);

/** Thaws what this call froze, last frozen first; returns what could not be thawed. */
async function thawAll(host: Host, frozen: Mount[]): Promise<string[]> {
  const stuck: string[] = [];
  for (const mount of [...frozen].reverse()) {
    const result = await fsfreeze(host, "--unfreeze", mount.dir);
    if (result.code !== 0) stuck.push(`${mount.dir} (${complaint(result, "fsfreeze")})`);
  }
  return stuck;
}

/**
 * Freezes the local read-write file systems (of `only`, when given), in reverse mount order so that
 * a file system is frozen before the one it is mounted on. A file system mounted twice is frozen
 * once. On a failure part-way, what was frozen is thawed again and the error says what happened.
 */
async function freeze(ctx: QgaContext, command: string, only?: readonly string[]): Promise<number> {
  refuseUnderRoot(ctx, command, "freeze the file systems of");
  const mounts = (await localMounts(ctx.host)).filter((m) => !m.options.includes("ro") && (!only || only.includes(m.dir)));
  ctx.log.info(`${command}: freezing ${mounts.length} file system(s)`);
  // Set first, as qemu-ga does: from here on nothing may write to a file system that may be frozen.
  ctx.state.frozen = true;
  const frozen: Mount[] = [];
  const devices = new Set<string>();
  for (const mount of [...mounts].reverse()) {
    if (devices.has(mount.device)) continue;
    const result = await fsfreeze(ctx.host, "--freeze", mount.dir);
    if (result.code === 0) {
      frozen.push(mount);
      devices.add(mount.device);
      continue;
    }
    const said = complaint(result, "fsfreeze");
    if (!result.timedOut && (UNSUPPORTED.test(said) || BUSY.test(said))) continue;
    const stuck = await thawAll(ctx.host, frozen);
    ctx.state.frozen = stuck.length > 0;
    const undone = frozen.length === 0 ? "nothing else was frozen" : stuck.length === 0 ? `the ${frozen.length} file system(s) frozen before it were thawed again` : `thawing failed for ${stuck.join(", ")}, which may still be frozen`;
    throw new QgaError("GenericError", `failed to freeze ${mount.dir}: ${said}; ${undone}`);
  }
  if (frozen.length === 0) ctx.state.frozen = false;
  ctx.log.info(`${command}: ${frozen.length} file system(s) frozen`);
  return frozen.length;
}

export const guestFsfreezeFreeze: QgaCommand = {
  name: "guest-fsfreeze-freeze",
  kind: "power",
  run: (ctx) => freeze(ctx, "guest-fsfreeze-freeze"),
};

const FreezeListArgs = v.strictObject({ mountpoints: v.optional(v.array(v.string())) });

/** Mount points that are not local read-write file systems are ignored, as qemu-ga ignores them. */
export const guestFsfreezeFreezeList: QgaCommand = {
  name: "guest-fsfreeze-freeze-list",
  kind: "power",
  args: FreezeListArgs,
  run: (ctx, args: v.InferOutput<typeof FreezeListArgs>) => freeze(ctx, "guest-fsfreeze-freeze-list", args.mountpoints),
};

/**
 * Thaws every local file system, as qemu-ga does (not only those it froze: a freeze by another tool
 * is undone too), counting those a thaw succeeded on. One thaw per file system: a freeze from user
 * space does not nest.
 */
export const guestFsfreezeThaw: QgaCommand = {
  name: "guest-fsfreeze-thaw",
  kind: "power",
  async run(ctx) {
    refuseUnderRoot(ctx, "guest-fsfreeze-thaw", "thaw the file systems of");
    const devices = new Set<string>();
    let thawed = 0;
    for (const mount of await localMounts(ctx.host)) {
      if (devices.has(mount.device)) continue;
      devices.add(mount.device);
      if ((await fsfreeze(ctx.host, "--unfreeze", mount.dir)).code === 0) thawed++;
    }
    ctx.state.frozen = false;
    ctx.log.info(`guest-fsfreeze-thaw: ${thawed} file system(s) thawed`);
    return thawed;
  },
};

export const FSFREEZE_COMMANDS: readonly QgaCommand[] = [guestFsfreezeFreeze, guestFsfreezeFreezeList, guestFsfreezeThaw];
