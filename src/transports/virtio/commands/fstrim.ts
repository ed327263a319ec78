import * as v from "valibot";
import { QgaError, type QgaCommand } from "../qga-types.ts";
import { Int } from "./file.ts";
import { localMounts } from "./mounts.ts";
import { complaint, refuseUnderRoot, runTool } from "./system-tools.ts";

/**
 * guest-fstrim (qga/commands-linux.c): every local file system trimmed, one result per mount point,
 * through util-linux's `fstrim -v [-m MINIMUM] MOUNTPOINT` (the FITRIM ioctl).
 */

const TRIM_TIMEOUT_MS = 10 * 60_000;

/** `fstrim -v`: "/: 1.2 GiB (1288490188 bytes) trimmed", with " on /dev/sda1" in newer util-linux. */
export function trimmedBytes(stdout: string): number | null {
  const m = /\((\d+) bytes\) trimmed/.exec(stdout);
  return m ? Number(m[1]) : null;
}

/** FITRIM's EOPNOTSUPP and ENOTTY (a CD-ROM): qemu-ga says "trim not supported" for both. */
const UNSUPPORTED = /not supported|inappropriate ioctl/i;

const Args = v.strictObject({ minimum: v.optional(Int) });

export interface TrimResult {
  path: string;
  trimmed?: number;
  minimum?: number;
  error?: string;
}

export const guestFstrim: QgaCommand = {
  name: "guest-fstrim",
  kind: "write",
  args: Args,
  async run(ctx, args: v.InferOutput<typeof Args>) {
    refuseUnderRoot(ctx, "guest-fstrim", "discard the free blocks of");
    const minimum = args.minimum ?? 0;
    if (minimum < 0) throw new QgaError("GenericError", `value '${minimum}' is invalid for argument minimum`);
    const paths: TrimResult[] = [];
    for (const mount of await localMounts(ctx.host)) {
      const argv = ["fstrim", "-v", ...(args.minimum !== undefined ? ["-m", String(minimum)] : []), mount.dir];
      const result = await runTool(ctx.host, argv, TRIM_TIMEOUT_MS);
      const trimmed = result.code === 0 ? trimmedBytes(result.stdout) : null;
      if (trimmed !== null) {
        // The kernel may raise the minimum to the device's discard granularity; fstrim does not say so.
        paths.push({ path: mount.dir, minimum, trimmed });
        continue;
      }
      const said = result.code === 0 ? `unexpected output from fstrim: ${JSON.stringify(result.stdout.trim().slice(0, 200))}` : complaint(result, "fstrim");
      paths.push({ path: mount.dir, error: !result.timedOut && UNSUPPORTED.test(said) ? "trim not supported" : `failed to trim: ${said}` });
    }
    ctx.log.info(`guest-fstrim: ${paths.filter((p) => p.error === undefined).length} of ${paths.length} file system(s) trimmed`);
    // qemu-ga prepends each result to its list: the last mount comes first.
    return { paths: paths.reverse() };
  },
};
