import * as v from "valibot";
import type { Host } from "../../../host/types.ts";
import { QgaError, type QgaCommand, type QgaContext } from "../qga-types.ts";
import { localMounts, type Mount } from "./mounts.ts";
import { complaint, refuseUnderRoot, runTool } from "./system-tools.ts";

/**
 * guest-fsfreeze-freeze, -freeze-list and -thaw (qga/commands-linux.c, qga/commands-posix.c),
 * through util-linux's `fsfreeze --freeze|--unfreeze MOUNTPOINT` (the FIFREEZE/FITHAW ioctls).
 */

/** FIFREEZE's EOPNOTSUPP (and ENOTTY): this file system cannot freeze; qemu-ga skips it. */
const UNSUPPORTED = /not supported|inappropriate ioctl/i;
/** EBUSY: frozen already, through another mount of the same file system; qemu-ga skips it too. */
const BUSY = /busy/i;

const FREEZE_TIMEOUT_MS = 120_000;

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
