import type { NetworkInterfaceInfo } from "../../../host/types.ts";
import type { QgaCommand, QgaContext } from "../qga-types.ts";

export interface GuestIpAddress {
  "ip-address": string;
  "ip-address-type": "ipv4" | "ipv6";
  prefix: number;
}

export interface GuestNetworkInterfaceStat {
  "rx-bytes": number;
  "rx-packets": number;
  "rx-errs": number;
  "rx-dropped": number;
  "tx-bytes": number;
  "tx-packets": number;
  "tx-errs": number;
  "tx-dropped": number;
}

export interface GuestNetworkInterface {
  name: string;
  "hardware-address"?: string;
  "ip-addresses"?: GuestIpAddress[];
  statistics?: GuestNetworkInterfaceStat;
}

const SYS_CLASS_NET = "/sys/class/net";

/** An interface name as the kernel allows it (no "/", no "..": it becomes a path below). */
const IFNAME = /^(?!\.\.?$)[^/\s]{1,15}$/;

async function readNumber(ctx: QgaContext, path: string): Promise<number | null> {
  try {
    const text = (await ctx.host.fs.readRange(path, 0, 64)).reduce((s, b) => s + String.fromCharCode(b), "").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

async function readText(ctx: QgaContext, path: string): Promise<string | null> {
  try {
    return new TextDecoder().decode(await ctx.host.fs.readRange(path, 0, 256)).trim();
  } catch {
    return null;
  }
}

/**
 * The counters qemu-ga reads from /proc/net/dev's columns, here from the same kernel numbers in
 * /sys/class/net/<name>/statistics: /proc/net/dev's "drop" is rx_dropped + rx_missed_errors (the
 * kernel's dev_seq_printf_stats), so rx-dropped is that sum too. Null unless all are there.
 */
async function statistics(ctx: QgaContext, name: string): Promise<GuestNetworkInterfaceStat | null> {
  const dir = `${SYS_CLASS_NET}/${name}/statistics`;
  const files = ["rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped"] as const;
  const [values, missed] = await Promise.all([Promise.all(files.map((f) => readNumber(ctx, `${dir}/${f}`))), readNumber(ctx, `${dir}/rx_missed_errors`)]);
  if (values.some((n) => n === null)) return null;
  const [rxBytes, rxPackets, rxErrs, rxDropped, txBytes, txPackets, txErrs, txDropped] = values as number[];
  return {
    "rx-bytes": rxBytes as number,
    "rx-packets": rxPackets as number,
    "rx-errs": rxErrs as number,
    "rx-dropped": (rxDropped as number) + (missed ?? 0),
    "tx-bytes": txBytes as number,
    "tx-packets": txPackets as number,
    "tx-errs": txErrs as number,
    "tx-dropped": txDropped as number,
  };
}

/**
 * A hardware address as qemu-ga prints it: the first 6 bytes SIOCGIFHWADDR gives, lower-case,
 * zero-padded (so an interface with no address, like lo or a tun device, shows 00:00:00:00:00:00
 * and a 20-byte InfiniBand address its first 6 bytes).
 */
export function sixOctets(mac: string): string | null {
  const octets = mac.trim() === "" ? [] : mac.trim().toLowerCase().split(":");
  if (!octets.every((o) => /^[0-9a-f]{1,2}$/.test(o))) return null;
  return Array.from({ length: 6 }, (_, i) => (octets[i] ?? "0").padStart(2, "0")).join(":");
}

/** The interfaces the kernel has: the Host's view, plus any in /sys/class/net it left out (interfaces without an address). */
async function interfaces(ctx: QgaContext): Promise<(NetworkInterfaceInfo & { ifindex: number | null })[]> {
  const listed = ctx.host.system.networkInterfaces();
  let sysfs: string[] = [];
  try {
    sysfs = (await ctx.host.fs.list(SYS_CLASS_NET)).filter((n) => IFNAME.test(n));
  } catch {
    // no /sys/class/net (a --root image, Windows): the Host's list is all there is
  }
  const known = new Set(listed.map((i) => i.name));
  const all: NetworkInterfaceInfo[] = [...listed, ...sysfs.filter((n) => !known.has(n)).sort().map((name) => ({ name, addresses: [] }))];
  const withIndex = await Promise.all(all.map(async (i) => ({ ...i, ifindex: IFNAME.test(i.name) ? await readNumber(ctx, `${SYS_CLASS_NET}/${i.name}/ifindex`) : null })));
  // getifaddrs(3) lists every link in ifindex order (lo first), then the addresses: so qemu-ga's
  // list is in ifindex order, and a name only an address carries (an "eth0:1" label) comes after.
  // A stable sort keeps the Host's order among interfaces whose index is unknown.
  return withIndex.sort((a, b) => (a.ifindex ?? Number.MAX_SAFE_INTEGER) - (b.ifindex ?? Number.MAX_SAFE_INTEGER));
}

/**
 * guest-network-get-interfaces → [{name, hardware-address?, ip-addresses?, statistics?}]
 * (qapi-schema.json GuestNetworkInterface, GuestIpAddress, GuestNetworkInterfaceStat), as qemu-ga
 * on Linux builds it from getifaddrs (qga/commands-posix.c, qmp_guest_network_get_interfaces):
 * - every interface, with or without addresses, up or down, in ifindex order;
 * - hardware-address always (SIOCGIFHWADDR answers for every Linux interface; zeros when it has none);
 * - ip-addresses only when there is at least one: IPv4 ones first, then IPv6 (getifaddrs' order),
 *   without a "%scope" suffix, prefix the netmask's bit count;
 * - statistics only for an interface with an address (qemu-ga reads them after adding one), and
 *   only when every counter can be read.
 * On Windows, hardware-address is left out when the adapter has none (qemu-ga's win32 code).
 */
export const guestNetworkGetInterfaces: QgaCommand = {
  name: "guest-network-get-interfaces",
  kind: "read",
  run: async (ctx): Promise<GuestNetworkInterface[]> => {
    const linux = ctx.host.platform === "linux";
    return Promise.all(
      (await interfaces(ctx)).map(async (i) => {
        const out: GuestNetworkInterface = { name: i.name };
        let mac = i.mac !== undefined ? sixOctets(i.mac) : null;
        if (mac === null && linux && IFNAME.test(i.name)) {
          const sysfsMac = await readText(ctx, `${SYS_CLASS_NET}/${i.name}/address`);
          mac = sysfsMac !== null ? sixOctets(sysfsMac) : null;
        }
        if (mac === null && linux) mac = "00:00:00:00:00:00";
        if (mac !== null) out["hardware-address"] = mac;
        const addresses = [...i.addresses.filter((a) => a.family === "ipv4"), ...i.addresses.filter((a) => a.family === "ipv6")];
        if (addresses.length > 0) {
          out["ip-addresses"] = addresses.map((a) => ({ "ip-address": a.address.replace(/%.*$/, ""), "ip-address-type": a.family, prefix: a.prefix }));
          const stats = IFNAME.test(i.name) ? await statistics(ctx, i.name) : null;
          if (stats) out.statistics = stats;
        }
        return out;
      }),
    );
  },
};
