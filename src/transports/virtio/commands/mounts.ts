import type { Host } from "../../../host/types.ts";
import { QgaError } from "../qga-types.ts";

/** The mounted file systems that fsfreeze and fstrim act on, as qemu-ga's mtab reader picks them. */
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
