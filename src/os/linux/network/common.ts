import { isDefaultRoute, type Interface, type Nameservers, type NetworkConfig, type Route } from "../../../model/network.ts";
import { parseCidr, prefixToNetmask, type Family } from "../../../network/ip.ts";

/** Files by absolute path inside the target system. */
export type Rendered = Record<string, string>;

export interface RenderOptions {
  /** The first line(s) of every file, as comments; say who wrote it. */
  header?: string;
}

export const DEFAULT_HEADER = "Written by tether (agent render-network); changes here are overwritten.";

export function headerOf(options: RenderOptions, comment = "#"): string {
  return `${(options.header ?? DEFAULT_HEADER)
    .split("\n")
    .map((l) => `${comment} ${l}`)
    .join("\n")}\n`;
}

const ORDER: Record<Interface["kind"], number> = { physical: 0, bond: 1, bridge: 2, vlan: 3 };

/** Physical first, then bonds, bridges, VLANs: the order ifupdown must bring them up in. */
export function ordered(config: NetworkConfig): Interface[] {
  return [...config.interfaces].sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.name.localeCompare(b.name));
}

/** The bond or bridge each member belongs to. */
export function mastersOf(config: NetworkConfig): Map<string, Interface> {
  const masters = new Map<string, Interface>();
  for (const iface of config.interfaces) {
    if (iface.kind === "bond" || iface.kind === "bridge") for (const m of iface.members) masters.set(m, iface);
  }
  return masters;
}

export function vlansOn(config: NetworkConfig, name: string): Interface[] {
  return config.interfaces.filter((i) => i.kind === "vlan" && i.link === name).sort((a, b) => a.name.localeCompare(b.name));
}

export const familyOf = (cidrOrIp: string): Family => (cidrOrIp.includes(":") ? 6 : 4);
export const byFamily = (addresses: readonly string[], family: Family) => addresses.filter((a) => familyOf(a) === family);
export const routesOf = (iface: Interface, family: Family) => iface.routes.filter((r) => familyOf(r.to) === family);

export function splitCidr(cidr: string): { address: string; prefix: number; netmask: string } {
  const [address = "", prefix = "0"] = cidr.split("/");
  const p = Number(prefix);
  return { address, prefix: p, netmask: prefixToNetmask(p, familyOf(address)) };
}

export function isDefault(route: Route): boolean {
  return isDefaultRoute(route);
}

/**
 * What a renderer without a machine-wide resolver setting gives an interface: its own servers, or
 * the global ones when it has static addresses and none of its own (DHCP brings its own). This is
 * how cloud-init's netplan renderer places global nameservers.
 */
export function effectiveNameservers(iface: Interface, config: NetworkConfig): Nameservers {
  const own = iface.nameservers;
  if (own.addresses.length || own.search.length) return own;
  if (iface.addresses.length) return config.nameservers;
  return { addresses: [], search: [] };
}

export const hasDns = (ns: Nameservers) => ns.addresses.length > 0 || ns.search.length > 0;

/** A file name part safe for any renderer: interface names may hold dots (eth0.100). */
export const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, "_");

export { parseCidr };
