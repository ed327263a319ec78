import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * A character device whose read() blocks until the other side writes, as /dev/xen/xenbus does when
 * xenstored never answers: a pty slave, held open by a small python process, reached inside a test
 * root through a bind mount of /dev/pts. `release()` ends the holder and undoes the mount; it must
 * run before the root is removed (rm must never reach /dev/pts).
 */
export interface BlockedDevice {
  /** The device's path inside the root, e.g. /dev/pts/3. */
  path: string;
  release(): void;
}

export async function blockedDevice(root: string): Promise<BlockedDevice> {
  const mountPoint = join(root, "dev/pts");
  mkdirSync(mountPoint, { recursive: true });
  const mount = Bun.spawnSync(["mount", "--bind", "/dev/pts", mountPoint]);
  if (mount.exitCode !== 0) throw new Error(`mount --bind /dev/pts (needs root): ${mount.stderr.toString()}`);
  const holder = Bun.spawn(["python3", "-c", "import os,time\nm,s=os.openpty()\nprint(os.ttyname(s),flush=True)\ntime.sleep(120)"], { stdout: "pipe" });
  const path = new TextDecoder().decode((await holder.stdout.getReader().read()).value).trim();
  return {
    path,
    release() {
      holder.kill();
      Bun.spawnSync(["umount", "-l", mountPoint]);
    },
  };
}
