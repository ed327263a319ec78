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

/**
 * One shell word, as sh reads an assignment's value: unquoted text ends at the first unquoted
 * blank or ";" and a backslash takes the next character literally; '…' is literal; in "…" a
 * backslash escapes only $ ` " \ (otherwise it stays). Adjacent pieces join ("a"b'c' is abc).
 * Nothing is expanded ($VAR stays as written: os-release(5) forbids expansions).
 */
export function shellWord(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === ";" || c === "\n" || c === "\r") break;
    if (c === "\\") {
      if (i + 1 < text.length) out += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      out += end === -1 ? text.slice(i + 1) : text.slice(i + 1, end);
      i = end === -1 ? text.length : end + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length && '$`"\\'.includes(text[i + 1] as string)) i++;
        out += text[i];
        i++;
      }
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * KEY=value lines, the value read as a shell word; the last assignment of a key wins. As qemu-ga
 * (which reads the file as a GLib key file) blanks and "#" lines are skipped, and blanks around
 * the "=" and before the line are allowed. Unlike qemu-ga, a line that is not KEY=value is skipped
 * rather than discarding the whole file.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t\r\f\v]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trimEnd();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    values.set(key, shellWord(line.slice(eq + 1).replace(/^[ \t\f\v]+/, "")));
  }
  return values;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The first os-release that can be read and is UTF-8 (qemu-ga moves on to the next file otherwise). */
async function readOsRelease(ctx: QgaContext): Promise<Map<string, string> | null> {
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
      const value = release?.get(key);
      if (value !== undefined) info[member] = value;
    }
    return info;
  },
};
