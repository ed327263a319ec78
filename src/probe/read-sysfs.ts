import type { RootedFs } from "../host/types.ts";

/** sysfs and DMI values are short text; anything longer or binary is reported, not trusted. */
const MAX_VALUE = 256;

export type SysValue = { ok: true; value: string } | { ok: false; why: string };

/** Reads a one-line sysfs/procfs value: trimmed, printable ASCII only, bounded. */
export async function readSysValue(fs: RootedFs, path: string, maxBytes = MAX_VALUE): Promise<SysValue | null> {
  let bytes: Uint8Array;
  try {
    if (!(await fs.exists(path))) return null;
    bytes = await fs.readRange(path, 0, maxBytes + 1);
  } catch (error) {
    return { ok: false, why: `unreadable (${(error as Error).message})` };
  }
  if (bytes.length > maxBytes) return { ok: false, why: `longer than ${maxBytes} bytes` };
  const text = new TextDecoder("latin1").decode(bytes).replace(/\n$/, "").trim();
  if (/[^\x20-\x7e]/.test(text)) return { ok: false, why: "not printable text" };
  return { ok: true, value: text };
}

/** Directory entries, or [] when the directory is absent or unreadable. */
export async function listOrEmpty(fs: RootedFs, path: string): Promise<string[]> {
  try {
    return await fs.list(path);
  } catch {
    return [];
  }
}
