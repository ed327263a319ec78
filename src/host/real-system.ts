import { readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import type { NetworkInterfaceInfo, SystemInfo } from "./types.ts";

/** Prefix length from a netmask ("255.255.240.0" → 20, "ffff:ffff::" → 32). */
export function prefixOf(netmask: string): number {
  if (netmask.includes(".")) return netmask.split(".").reduce((n, octet) => n + bitCount(Number(octet) & 0xff), 0);
  const groups = netmask.split("::");
  const words = groups.flatMap((g) => (g === "" ? [] : g.split(":")));
  return words.reduce((n, word) => n + bitCount(Number.parseInt(word, 16) & 0xffff), 0);
}

function bitCount(n: number): number {
  let count = 0;
  for (let v = n; v; v >>>= 1) count += v & 1;
  return count;
}

type OsAddress = { address: string; netmask: string; family: string | number; mac: string; cidr: string | null };

/**
 * Interfaces as node:os sees them (getifaddrs): by name, in the kernel's order, each with its MAC as
 * the kernel gives it (lo's 00:00:00:00:00:00 included, as qemu-ga reports it) and its addresses with
 * their prefix. An IPv6 link-local address loses its "%scope" suffix.
 */
export function groupInterfaces(table: Record<string, readonly OsAddress[] | undefined>): NetworkInterfaceInfo[] {
  return Object.entries(table).map(([name, entries = []]) => {
    const mac = entries.find((e) => e.mac)?.mac;
    const addresses = entries.flatMap((e) => {
      const family = e.family === "IPv4" || e.family === 4 ? "ipv4" : e.family === "IPv6" || e.family === 6 ? "ipv6" : null;
      if (!family) return [];
      const fromCidr = e.cidr ? Number(e.cidr.slice(e.cidr.lastIndexOf("/") + 1)) : Number.NaN;
      const prefix = Number.isInteger(fromCidr) ? fromCidr : prefixOf(e.netmask);
      const at = e.address.indexOf("%");
      return [{ address: at >= 0 ? e.address.slice(0, at) : e.address, family, prefix } as const];
    });
    return mac ? { name, mac, addresses } : { name, addresses };
  });
}

/** Every link the kernel has (the machine's own /sys, not --root's), in ifindex order, with its MAC. */
function kernelLinks(): { name: string; mac?: string }[] {
  let names: string[];
  try {
    names = readdirSync("/sys/class/net");
  } catch {
    return [];
  }
  const read = (name: string, file: string) => {
    try {
      return readFileSync(`/sys/class/net/${name}/${file}`, "utf8").trim();
    } catch {
      return undefined;
    }
  };
  return names
    .map((name) => ({ name, index: Number(read(name, "ifindex") ?? Number.MAX_SAFE_INTEGER), mac: read(name, "address") }))
    .sort((a, b) => a.index - b.index)
    .map(({ name, mac }) => (mac ? { name, mac } : { name }));
}

/**
 * qemu-ga lists what getifaddrs returns, which is every link (its AF_PACKET entry, in ifindex
 * order) even without an address; node:os lists only addresses. The links come from /sys, the
 * addresses from node:os; an interface node:os knows and /sys does not (no sysfs) is kept too.
 */
export function mergeLinks(links: { name: string; mac?: string }[], withAddresses: NetworkInterfaceInfo[]): NetworkInterfaceInfo[] {
  const known = new Map(withAddresses.map((i) => [i.name, i]));
  const merged = links.map((link) => known.get(link.name) ?? { ...link, addresses: [] });
  return [...merged, ...withAddresses.filter((i) => !links.some((l) => l.name === i.name))];
}

/** The running system itself, whatever --root says: the kernel's names and addresses. */
export const realSystem: SystemInfo = {
  hostname: () => os.hostname(),
  uname: () => ({ release: os.release(), version: os.version(), machine: os.machine() }),
  networkInterfaces: () => mergeLinks(kernelLinks(), groupInterfaces(os.networkInterfaces() as Record<string, OsAddress[] | undefined>)),
};
