import type { RootedFs } from "../host/types.ts";
import type { Nic } from "../model/network.ts";
import { normalMac } from "./convert/problems.ts";

const NET = "/sys/class/net";

/**
 * The machine's NICs as /sys/class/net shows them (under --root, the tree's copy). Loopback and
 * devices without a usable MAC (tunnels show 00:00:00:00:00:00 or nothing) are left out: no
 * source can name them by MAC.
 */
export async function readHostNics(fs: RootedFs): Promise<Nic[]> {
  if (!(await fs.exists(NET))) return [];
  const nics: Nic[] = [];
  for (const name of await fs.list(NET)) {
    if (name === "lo") continue;
    let text: string;
    try {
      text = await fs.readText(`${NET}/${name}/address`);
    } catch {
      continue; // a device that vanished between list and read, or one without an address
    }
    const mac = normalMac(text.trim());
    if (mac && mac !== "00:00:00:00:00:00") nics.push({ name, mac });
  }
  return nics;
}

/** `-m name,mac` as net-convert takes it. */
export function parseNicFlag(value: string): Nic | undefined {
  const comma = value.indexOf(",");
  if (comma < 1) return undefined;
  const mac = normalMac(value.slice(comma + 1));
  return mac ? { name: value.slice(0, comma), mac } : undefined;
}
