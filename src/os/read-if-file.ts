import type { Host } from "../host/types.ts";

/** Planners read configuration files, not payloads: a larger file is treated as unreadable. */
const MAX_READ = 1 << 20;

/**
 * A file's content as text, or for a path ending in "/" (a planner asking whether a directory
 * exists) "" when it is a directory; undefined when absent, of another type, or too large.
 */
export async function readIfFile(host: Host, path: string): Promise<string | undefined> {
  const stat = await host.fs.stat(path).catch(() => null);
  if (path.endsWith("/")) return stat?.type === "dir" ? "" : undefined;
  if (stat?.type !== "file" || stat.size > MAX_READ) return undefined;
  // True latin1 (TextDecoder's "latin1" is windows-1252): every byte one character, so a planner
  // that copies text back loses nothing.
  return Buffer.from(await host.fs.readFile(path)).toString("latin1");
}
