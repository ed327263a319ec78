import { InputError, type Problem } from "../../errors.ts";
import { blankInterface, INTERFACE_NAME_RULE, isInterfaceName, type Interface, type Nic, type NetworkConfig, type Route } from "../../model/network.ts";
import { canonicalIp, formatCidr, networkOf, isLinkLocal, netmaskToPrefix, parseCidr, parseIp, parsePrefix, type Family } from "../ip.ts";

/**
 * Converters collect every problem in a source before giving up, so one run names them all; each
 * problem carries the field path in the source's own terms (`networks[1].routes[0].gateway`).
 */
export class Problems {
  readonly list: Problem[] = [];
  constructor(readonly source: string) {}

  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }

  throwIfAny(): void {
    if (this.list.length) throw new InputError(this.source, this.list);
  }

  /** A name the interface can have (renderers write it into files and file names), or a problem. */
  interfaceName(value: unknown, path: string): string | undefined {
    if (isInterfaceName(value)) return value;
    return this.add(path, `expected an interface name (${INTERFACE_NAME_RULE}), got ${JSON.stringify(value ?? null)}`);
  }

  /** A canonical address, or a problem. */
  ip(value: unknown, path: string, family?: Family): string | undefined {
    const ip = typeof value === "string" ? parseIp(value) : undefined;
    if (!ip) return this.add(path, `expected an ${family ? `IPv${family} ` : "IP "}address, got ${JSON.stringify(value ?? null)}`);
    if (family && ip.family !== family) return this.add(path, `expected an IPv${family} address, got ${JSON.stringify(value)}`);
    return canonicalIp(value as string);
  }

  /**
   * ADDRESS[/PREFIX] plus an optional separate netmask (dotted, or a prefix length) into
   * canonical "ADDRESS/PREFIX", keeping the host part (it is an interface's address).
   */
  cidr(address: unknown, mask: unknown, path: string, maskPath: string, defaultPrefix?: number): string | undefined {
    if (typeof address !== "string" || !parseIp(address.split("/")[0] ?? "")) {
      return this.add(path, `expected an IP address (or ADDRESS/PREFIX), got ${JSON.stringify(address ?? null)}`);
    }
    if (address.includes("/")) {
      const cidr = parseCidr(address);
      return cidr ? formatCidr(cidr) : this.add(path, `bad prefix in ${JSON.stringify(address)}`);
    }
    const ip = parseIp(address)!;
    if (mask === undefined || mask === null || mask === "") {
      if (defaultPrefix === undefined) return this.add(maskPath, `missing: ${address} needs a netmask or prefix`);
      return formatCidr({ ...ip, prefix: ip.family === 4 ? defaultPrefix : 128 });
    }
    const prefix = prefixOf(mask, ip.family);
    if (prefix === undefined) return this.add(maskPath, `expected a netmask or prefix length for IPv${ip.family}, got ${JSON.stringify(mask)}`);
    return formatCidr({ ...ip, prefix });
  }

  /** A route's destination as a canonical network (host bits must be zero). */
  network(address: unknown, mask: unknown, path: string, maskPath: string): string | undefined {
    if (address === "default") return "0.0.0.0/0";
    const cidr = this.cidr(address, mask, path, maskPath);
    if (!cidr) return undefined;
    const net = formatCidr(networkOf(parseCidr(cidr)!));
    if (net !== cidr) return this.add(path, `${cidr} has host bits set (the network is ${net})`);
    return cidr;
  }

  mtu(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 68 || n > 65535) return this.add(path, `expected an MTU from 68 to 65535, got ${JSON.stringify(value)}`);
    return n;
  }

  array<T>(value: unknown, path: string): T[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.add(path, `expected a list, got ${JSON.stringify(value)}`) ?? [];
    return value as T[];
  }

  /** Strings, one or several (a space-separated string counts as several, as cloud-init reads it). */
  strings(value: unknown, path: string): string[] {
    if (value === undefined || value === null) return [];
    if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
    if (Array.isArray(value) && value.every((x) => typeof x === "string")) return value as string[];
    return this.add(path, `expected a string or a list of strings, got ${JSON.stringify(value)}`) ?? [];
  }

  nameserverAddresses(value: unknown, path: string): string[] {
    return this.strings(value, path).flatMap((s, i) => this.ip(s, Array.isArray(value) ? `${path}[${i}]` : path) ?? []);
  }
}

/** A number given as one or as text; NaN for anything else (Number() throws on `{toString: 1}`). */
export const numberOf = (value: unknown): number => (typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN);

export function prefixOf(mask: unknown, family: Family): number | undefined {
  if (typeof mask === "number") return parsePrefix(mask, family);
  if (typeof mask !== "string") return undefined;
  if (/^\d{1,3}$/.test(mask)) return parsePrefix(mask, family);
  const ip = parseIp(mask);
  return ip && ip.family === family ? netmaskToPrefix(mask) : undefined;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A MAC in the lower-case colon form; XenStore's 12-digit keys are accepted too. */
export function normalMac(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const s = value.trim().toLowerCase();
  if (MAC.test(s)) return s;
  if (/^[0-9a-f]{12}$/.test(s)) return s.match(/../g)!.join(":");
  return undefined;
}

/** The host's NIC with this MAC, matched case-insensitively. */
export function nicByMac(nics: readonly Nic[], mac: string): Nic | undefined {
  return nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase());
}

export function describeNics(nics: readonly Nic[]): string {
  return nics.length ? `NICs here: ${nics.map((n) => `${n.name} ${n.mac}`).join(", ")}` : "no NICs known (give -m name,mac or check /sys/class/net)";
}

/** A member or VLAN parent named but not defined: a bare physical device found by its name. */
export function placeholder(name: string): Interface {
  return { ...blankInterface(name), kind: "physical", match: {}, rename: false };
}

/**
 * An interface's subnets (static addresses' networks and on-link routes), by family and prefix
 * length: a gateway is then one lookup per distinct prefix, however many addresses there are.
 * Testing each gateway against each address was quadratic: 5,000 of each took seconds.
 */
export type SubnetIndex = Map<string, Set<bigint>>;

export function subnetIndex(iface: Interface, extraRoutes: readonly Route[] = []): SubnetIndex {
  const index: SubnetIndex = new Map();
  const nets = [...iface.addresses, ...[...iface.routes, ...extraRoutes].filter((r) => r.via === undefined).map((r) => r.to)];
  for (const n of nets) {
    const cidr = parseCidr(n);
    if (!cidr) continue;
    const key = `${cidr.family}/${cidr.prefix}`;
    const set = index.get(key) ?? new Set<bigint>();
    set.add(networkOf(cidr).value);
    index.set(key, set);
  }
  return index;
}

/**
 * A gateway is reachable when it is on one of the interface's subnets: a static address's network,
 * a route without a gateway (an on-link route), or a link-local address. Dynamic addressing of the
 * same family may bring any subnet, so it is given the benefit of the doubt. `index` is the
 * interface's subnetIndex, when the caller asks about many gateways.
 */
export function gatewayOnLink(iface: Interface, gateway: string, extraRoutes: readonly Route[] = [], index?: SubnetIndex): boolean {
  const ip = parseIp(gateway);
  if (!ip) return true; // reported elsewhere
  if (isLinkLocal(ip)) return true;
  if (ip.family === 4 && iface.dhcp4) return true;
  if (ip.family === 6 && (iface.ipv6 !== "none" || iface.acceptRa === true)) return true;
  for (const [key, networks] of index ?? subnetIndex(iface, extraRoutes)) {
    const [family, prefix] = key.split("/").map(Number) as [number, number];
    if (family === ip.family && networks.has(networkOf({ ...ip, prefix }).value)) return true;
  }
  return false;
}

/** Checks every route's gateway of `iface`; `pathOf` names the route's field in the source. */
export function checkGateways(problems: Problems, iface: Interface, pathOf: (route: Route, index: number) => string): void {
  const index = subnetIndex(iface);
  iface.routes.forEach((route, i) => {
    if (route.via !== undefined && !gatewayOnLink(iface, route.via, [], index)) {
      problems.add(pathOf(route, i), `${route.via} is not on any subnet of interface ${iface.name}`);
    }
  });
}

/**
 * Names must be unique, and bond/bridge members and VLAN parents must exist. `where` gives each
 * interface's path in the source for the message.
 */
export function checkReferences(problems: Problems, config: NetworkConfig, where: (iface: Interface) => string): void {
  const seen = new Map<string, Interface>();
  for (const iface of config.interfaces) {
    const first = seen.get(iface.name);
    if (first) problems.add(where(iface), `duplicate interface name ${iface.name} (also ${where(first)})`);
    else seen.set(iface.name, iface);
  }
  const owner = new Map<string, string>();
  // A reference already reported by the converter, in the source's own terms, is not said twice.
  // The paths reported, and every path they are inside: a set, not a scan per interface (which was
  // quadratic), and "links[1]" no longer counts as inside "links[12]".
  const inside = new Set<string>();
  for (const q of problems.list) {
    inside.add(q.path);
    for (let i = 0; i < q.path.length; i++) if (q.path[i] === "." || q.path[i] === "[") inside.add(q.path.slice(0, i));
  }
  const reported = (iface: Interface) => inside.has(where(iface));
  for (const iface of config.interfaces) {
    if (reported(iface)) continue;
    const members = iface.kind === "bond" || iface.kind === "bridge" ? iface.members : [];
    for (const m of members) {
      if (!seen.has(m)) problems.add(where(iface), `member ${m} is not a defined interface`);
      if (m === iface.name) problems.add(where(iface), `${iface.name} cannot be a member of itself`);
      const other = owner.get(m);
      if (other && other !== iface.name) problems.add(where(iface), `${m} is already a member of ${other}`);
      owner.set(m, iface.name);
    }
    if (iface.kind === "vlan" && !seen.has(iface.link)) problems.add(where(iface), `VLAN link ${iface.link} is not a defined interface`);
  }
}

/** Builds a name → path lookup as a converter creates interfaces. */
export function pathBook(): { set(iface: Interface, path: string): void; of(iface: Interface): string } {
  const paths = new WeakMap<Interface, string>();
  return { set: (iface, path) => void paths.set(iface, path), of: (iface) => paths.get(iface) ?? iface.name };
}
