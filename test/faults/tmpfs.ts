import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  dir: string;
  /** Unmounts (lazily, so a straggling process cannot keep it) and removes the mount point. */
  unmount(): void;
}

/**
 * A tmpfs of `size` (mount's syntax: "256k", "64m") on a fresh temp dir; null where mounting is
 * not allowed (not root). Tests run as root here and in CI; the caller says what it does without.
 */
export function mountTmpfs(size: string): Tmpfs | null {
  const dir = mkdtempSync(join(tmpdir(), "tether-tmpfs-"));
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir], { stderr: "pipe" });
  if (mounted.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount() {
      Bun.spawnSync(["umount", "-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
