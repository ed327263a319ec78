import { parseOsRelease } from "../../../parse/os-release.ts";
import type { QgaCommand, QgaContext } from "../qga-types.ts";

/** os-release(5): /etc/os-release, else /usr/lib/os-release (qemu-ga's order too). Read through host.fs: under --root, the target's. */
export const OS_RELEASE_PATHS = ["/etc/os-release", "/usr/lib/os-release"] as const;

/** An os-release file is a few hundred bytes; nothing past this is read. */
const MAX_OS_RELEASE_BYTES = 64 * 1024;

/** qemu-ga's members (qapi-schema.json GuestOSInfo, every one optional) and the os-release keys they come from. */
const FIELDS = [
  ["id", "ID"],
  ["name", "NAME"],
  ["pretty-name", "PRETTY_NAME"],
  ["version", "VERSION"],
  ["version-id", "VERSION_ID"],
  ["variant", "VARIANT"],
  ["variant-id", "VARIANT_ID"],
] as const;

export type GuestOsInfo = Partial<Record<"kernel-release" | "kernel-version" | "machine" | (typeof FIELDS)[number][0], string>>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The first os-release that can be read and is UTF-8 (qemu-ga moves on to the next file otherwise). */
async function readOsRelease(ctx: QgaContext): Promise<Record<string, string> | null> {
  for (const path of OS_RELEASE_PATHS) {
    try {
      return parseOsRelease(utf8.decode(await ctx.host.fs.readRange(path, 0, MAX_OS_RELEASE_BYTES)));
    } catch (error) {
      ctx.log.debug(`guest-get-osinfo: ${path}: ${(error as Error).message}`);
    }
  }
  return null;
}

/**
 * guest-get-osinfo → {kernel-release, kernel-version, machine} from uname(2) of the running
 * kernel, plus id, name, pretty-name, version, version-id, variant, variant-id from os-release:
 * a member is absent when the file lacks its key, and "" when the key is there but empty — as
 * qemu-ga (qga/commands-posix.c, qmp_guest_get_osinfo).
 */
export const guestGetOsinfo: QgaCommand = {
  name: "guest-get-osinfo",
  kind: "read",
  run: async (ctx): Promise<GuestOsInfo> => {
    const uname = ctx.host.system.uname();
    const info: GuestOsInfo = { "kernel-release": uname.release, "kernel-version": uname.version, machine: uname.machine };
    const release = await readOsRelease(ctx);
    for (const [member, key] of FIELDS) {
      const value = release?.[key];
      if (value !== undefined) info[member] = value;
    }
    return info;
  },
};
