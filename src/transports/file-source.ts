import { InputError } from "../errors.ts";
import type { FileTree } from "./file-tree.ts";

/**
 * Fetches one named file of a source, bounded: undefined when absent, an InputError when it is not
 * a regular file or is larger than `maxBytes` (checked before reading, so a huge file costs nothing).
 * `label` names the file in errors, e.g. "/dev/sr0:/openstack/latest/meta_data.json".
 */
export async function getBounded(tree: FileTree, path: string, maxBytes: number, label: string): Promise<Uint8Array | undefined> {
  const stat = await tree.stat(path);
  if (!stat) return undefined;
  if (stat.type !== "file") throw new InputError(label, [{ path: "", message: `expected a regular file, found a ${stat.type}` }]);
  if (stat.size > maxBytes) throw new InputError(label, [{ path: "", message: `${stat.size} bytes is over the limit of ${maxBytes} bytes` }]);
  return tree.readFile(path);
}

/** Bytes as UTF-8 text; invalid UTF-8 is an InputError naming the file. */
export function utf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(source, [{ path: "", message: "not valid UTF-8 text" }]);
  }
}

/** JSON text, with the parser's complaint attached to the file's name (one parser for every source). */
export { parseJson } from "../parse/json.ts";
