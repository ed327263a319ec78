import { linuxTargetPath } from "../actions/target-files.ts";
import { InputError } from "../errors.ts";

/**
 * The largest file a host may inject. A XenStore message holds at most 4096 bytes, so this bounds
 * the other wires (QGA) rather than XenStore.
 */
export const INJECT_MAX_BYTES = 1 << 20;

/**
 * Where a host may put a file: an absolute, normalized path (no `..`, no NUL), not into a pseudo
 * file system. Symlinks cannot lead out of --root (the rooted fs resolves them inside it) and a
 * final symlink is replaced, never written through (apply's atomic rename).
 */
export function checkInjectPath(raw: string, source: string): string {
  if (!raw.startsWith("/")) throw new InputError(source, [{ path: "path", message: `expected an absolute path, got ${JSON.stringify(raw)}` }]);
  return linuxTargetPath(raw, source, "path");
}
