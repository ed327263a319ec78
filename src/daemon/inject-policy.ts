import { targetPath } from "../actions/target-files.ts";
import { InputError } from "../errors.ts";

/**
 * The largest file a host may inject. A XenStore message holds at most 4096 bytes, so this bounds
 * the other wires (QGA) rather than XenStore.
 */
export const INJECT_MAX_BYTES = 1 << 20;

/** Kernel interfaces, not files: a write there changes the running kernel or a device. */
const PSEUDO = ["/proc", "/sys", "/dev", "/run/udev"];

/**
 * Where a host may put a file: an absolute, normalized path (no `..`, no NUL), not into a pseudo
 * file system. Symlinks cannot lead out of --root (the rooted fs resolves them inside it) and a
 * final symlink is replaced, never written through (apply's atomic rename).
 */
export function checkInjectPath(raw: string, source: string): string {
  if (!raw.startsWith("/")) throw new InputError(source, [{ path: "path", message: `expected an absolute path, got ${JSON.stringify(raw)}` }]);
  const path = targetPath(raw, source, "path");
  const pseudo = PSEUDO.find((p) => path === p || path.startsWith(`${p}/`));
  if (pseudo) throw new InputError(source, [{ path: "path", message: `${path} is under ${pseudo}, a kernel interface, not a file system: refused` }]);
  return path;
}
