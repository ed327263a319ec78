/**
 * Path resolution with chroot semantics, shared by the real and the fake file systems.
 *
 * The agent runs as root and, with --root, writes into an image whose symlinks were made by someone
 * else. A link `/etc -> /` inside the image must mean the image's `/`, never the machine's, and `..`
 * must stop at the root. So every component is resolved here, one at a time.
 */

export const MAX_SYMLINKS = 40;

export class PathError extends Error {
  constructor(
    readonly path: string,
    readonly code: "ENOENT" | "ELOOP" | "EINVAL",
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Splits an inside-root path into components, refusing NUL bytes (they truncate paths in syscalls). */
export function components(path: string): string[] {
  if (path.includes("\0")) throw new PathError(JSON.stringify(path), "EINVAL", "path contains a NUL byte");
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/** Joins inside-root components onto a host root. */
export function joinRoot(root: string, parts: readonly string[]): string {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  return parts.length === 0 ? base || "/" : `${base}/${parts.join("/")}`;
}

/**
 * Resolves `path` inside `root`. `readLink(hostPath)` returns the link target when hostPath is a
 * symlink, else null. The final component is followed only when `followLast` is set.
 * Returns the components of the resolved path, inside the root.
 */
export async function resolveInRoot(
  root: string,
  path: string,
  followLast: boolean,
  readLink: (hostPath: string) => Promise<string | null>,
): Promise<string[]> {
  const resolved: string[] = [];
  const pending = components(path);
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const isLast = pending.length === 0;
    if (!isLast || followLast) {
      const target = await readLink(joinRoot(root, [...resolved, part]));
      if (target !== null) {
        if (++links > MAX_SYMLINKS) throw new PathError(path, "ELOOP", "too many levels of symbolic links");
        if (target.startsWith("/")) resolved.length = 0;
        pending.unshift(...components(target));
        continue;
      }
    }
    resolved.push(part);
  }
  return resolved;
}
