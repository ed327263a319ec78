import type { RootedFs } from "../host/types.ts";
import type { InitSystem } from "./plan-install.ts";

/** The target's init system, by the files each one is made of; undefined when none is seen. */
export async function detectInit(fs: RootedFs): Promise<InitSystem | undefined> {
  const has = (path: string) => fs.exists(path).catch(() => false);
  // First: a Windows tree is unmistakable, and none of the Linux checks below means anything there.
  if (await has("/Windows/System32")) return "windows";
  if ((await has("/run/systemd/system")) || (await has("/lib/systemd/systemd")) || (await has("/usr/lib/systemd/systemd"))) return "systemd";
  if ((await has("/sbin/openrc-run")) || (await has("/sbin/openrc"))) return "openrc";
  if (await has("/etc/init.d")) return "sysvinit";
  return undefined;
}
