import { InputError, type Problem } from "../../errors.ts";
import type { Interface, NetworkConfig, Nic, Physical } from "../../model/network.ts";
import { formatCidr, networkOf, parseCidr } from "../../network/ip.ts";

/**
 * The network configuration as Windows takes it: per adapter (found by MAC), per address family,
 * in the terms of the NetTCPIP and DnsClient cmdlets. Pure; scripts/set-network.ts applies it.
 */

export interface AddressSpec {
  ip: string;
  prefixLength: number;
}

export interface RouteSpec {
  /** A network address with its prefix (host bits zero, as New-NetRoute wants): "10.176.0.0/12", "::/0". */
  destination: string;
  /** "0.0.0.0" or "::" for an on-link route, as Windows writes those. */
  nextHop: string;
  /** Always given: New-NetRoute's own default is 256, said here so that a metric dropped from the config converges. */
  metric: number;
}

interface FamilySpec {
  addresses: AddressSpec[];
  routes: RouteSpec[];
  /** This family's DNS servers in order; empty resets the adapter to DHCP's (or none). */
  dns: string[];
  /** NlMtuBytes; null leaves it. */
  mtu: number | null;
  /** The interface metric (automatic metric off); null leaves it. */
  interfaceMetric: number | null;
}

export interface Ipv4Spec extends FamilySpec {
  dhcp: boolean;
}

export interface Ipv6Spec extends FamilySpec {
  /** DHCPv6 on or off; null leaves Windows' setting (which follows the router's M and O flags). */
  dhcp: boolean | null;
  /** Router advertisements (SLAAC, RA routes); null leaves it. */
  routerDiscovery: boolean | null;
}

export interface AdapterSpec {
  /** As Windows writes it (Get-NetAdapter's MacAddress): "FA-16-3E-00-00-01". The script finds the adapter by this. */
  mac: string;
  /** The adapter's name now ("Ethernet 2"), for messages: the agent does not rename adapters. */
  name: string;
  /** The configuration's name for it ("eth1"), for messages. */
  interface: string;
  ipv4: Ipv4Spec;
  ipv6: Ipv6Spec;
  /** Set-DnsClient -ConnectionSpecificSuffix: the interface's first search domain, or "" for none. */
  dnsSuffix: string;
}

export interface WindowsNetworkSpec {
  adapters: AdapterSpec[];
  /** Set-DnsClientGlobalSetting -SuffixSearchList; null leaves the machine's list as it is. */
  suffixSearchList: string[] | null;
  /** What is not configured, and why. Never fatal. */
  notes: string[];
}

export const NETWORK_SOURCE = "network configuration";

/** Windows' NetTCPIP refuses an IPv6 MTU under IPv6's minimum (RFC 8200). */
const IPV6_MIN_MTU = 1280;
const DEFAULT_ROUTE_METRIC = 256;

export const windowsMac = (mac: string) => mac.toUpperCase().replaceAll(":", "-");
const familyOf = (cidrOrIp: string): 4 | 6 => (cidrOrIp.includes(":") ? 6 : 4);

/**
 * Bonds, bridges and VLANs are left out, each with a note: NetLBFO teaming is deprecated (and gone
 * from client editions), Switch Embedded Teaming needs Hyper-V, a bridge is a GUI-only feature, and a
 * VLAN is a property of the adapter's driver whose name and values differ per driver. Their members
 * are left as Windows has them rather than configured bare: the bond's addresses were meant for them.
 */
export function unsupportedInterfaces(config: NetworkConfig): { skipped: Set<string>; notes: string[] } {
  const skipped = new Set<string>();
  const notes: string[] = [];
  for (const iface of config.interfaces) {
    if (iface.kind === "physical") continue;
    skipped.add(iface.name);
    if (iface.kind === "vlan") {
      notes.push(`VLAN ${iface.name} (id ${iface.id} on ${iface.link}) is not configured: on Windows a VLAN is a setting of the adapter's driver, which the agent does not change`);
      continue;
    }
    for (const member of iface.members) skipped.add(member);
    const members = iface.members.length ? iface.members.join(", ") : "no members";
    const why = iface.kind === "bond" ? "Windows has no bonding the agent can set up safely (LBFO teaming is deprecated)" : "Windows has no bridge the agent can set up";
    notes.push(`${iface.kind} ${iface.name} (${members}) is not configured: ${why}; its members are left as Windows has them`);
  }
  return { skipped, notes };
}

type Found = { adapter: Nic } | { note: string };

/**
 * By MAC, the one stable name a NIC has across Linux and Windows. Without one, by name only when an
 * adapter is called exactly that (case-insensitively, as Windows compares names): the
 * configuration's names are Linux names (eth0), which Windows adapters never have.
 */
function findAdapter(iface: Physical, adapters: readonly Nic[]): Found {
  const mac = iface.match.mac;
  if (mac) {
    const found = adapters.filter((a) => a.mac === mac);
    if (found.length === 1) return { adapter: found[0] as Nic };
    if (!found.length) return { note: `interface ${iface.name} (${mac}) is not configured: no network adapter has MAC ${windowsMac(mac)}` };
    return { note: `interface ${iface.name} (${mac}) is not configured: ${found.length} adapters have MAC ${windowsMac(mac)} (${found.map((a) => JSON.stringify(a.name)).join(", ")})` };
  }
  const name = iface.match.name ?? iface.name;
  const found = adapters.filter((a) => a.name.toLowerCase() === name.toLowerCase());
  if (found.length === 1) return { adapter: found[0] as Nic };
  return { note: `interface ${iface.name} has no MAC address and no network adapter is named ${JSON.stringify(name)}: not configured (Windows adapters are matched by MAC)` };
}

const address = (cidr: string): AddressSpec => {
  const [ip = "", prefix = "0"] = cidr.split("/");
  return { ip, prefixLength: Number(prefix) };
};

function routesOf(iface: Interface, family: 4 | 6): RouteSpec[] {
  return iface.routes
    .filter((r) => familyOf(r.to) === family)
    .map((r) => {
      const to = parseCidr(r.to);
      return { destination: to ? formatCidr(networkOf(to)) : r.to, nextHop: r.via ?? (family === 4 ? "0.0.0.0" : "::"), metric: r.metric ?? DEFAULT_ROUTE_METRIC };
    });
}

function adapterSpec(iface: Physical, adapter: Nic, config: NetworkConfig, notes: string[]): { spec: AdapterSpec; usedGlobalDns: boolean } {
  const label = `interface ${iface.name} (adapter ${JSON.stringify(adapter.name)})`;
  let v4 = iface.addresses.filter((a) => familyOf(a) === 4);
  let v6 = iface.addresses.filter((a) => familyOf(a) === 6);
  // Windows refuses a lasting static address on a family whose DHCP is on ("Inconsistent parameters
  // PolicyStore PersistentStore and Dhcp Enabled"): DHCP, the interface's main configuration, wins.
  if (iface.dhcp4 && v4.length) {
    notes.push(`${label}: static IPv4 ${v4.join(", ")} not set: Windows takes either DHCP or static IPv4 addresses on one adapter, and this one uses DHCP`);
    v4 = [];
  }
  const dhcp6 = iface.ipv6 === "dhcp6" || iface.ipv6 === "dhcp6-stateless" ? true : iface.ipv6 === "slaac" || v6.length ? false : null;
  if (dhcp6 && v6.length) {
    notes.push(`${label}: static IPv6 ${v6.join(", ")} not set: Windows takes either DHCPv6 or static IPv6 addresses on one adapter, and this one uses DHCPv6`);
    v6 = [];
  }
  // Windows has no machine-wide DNS servers: the configuration's global ones go where Linux's
  // netplan renderer puts them, to interfaces with static addresses and no servers of their own
  // (an interface on DHCP keeps its server's).
  const own = iface.nameservers.addresses;
  const useGlobal = !own.length && (v4.length > 0 || v6.length > 0) && config.nameservers.addresses.length > 0;
  const servers = useGlobal ? config.nameservers.addresses : own;
  const auto6 = iface.ipv6 !== "none";
  if (iface.mtu !== undefined && iface.mtu < IPV6_MIN_MTU) notes.push(`${label}: MTU ${iface.mtu} set for IPv4 only: IPv6 needs at least ${IPV6_MIN_MTU}`);
  // Windows orders routes by route metric plus interface metric, and DHCP's and RA's routes carry
  // route metric 0: the interface metric is what orders them between adapters (EC2 numbers its NICs so).
  const metric = iface.dhcpRouteMetric ?? null;
  const spec: AdapterSpec = {
    mac: windowsMac(adapter.mac),
    name: adapter.name,
    interface: iface.name,
    ipv4: {
      dhcp: iface.dhcp4,
      addresses: v4.map(address),
      routes: routesOf(iface, 4),
      dns: servers.filter((s) => familyOf(s) === 4),
      mtu: iface.mtu ?? null,
      interfaceMetric: iface.dhcp4 ? metric : null,
    },
    ipv6: {
      dhcp: dhcp6,
      routerDiscovery: iface.acceptRa ?? (auto6 ? true : null),
      addresses: v6.map(address),
      routes: routesOf(iface, 6),
      dns: servers.filter((s) => familyOf(s) === 6),
      mtu: iface.mtu !== undefined && iface.mtu >= IPV6_MIN_MTU ? iface.mtu : null,
      interfaceMetric: auto6 ? metric : null,
    },
    dnsSuffix: iface.nameservers.search[0] ?? "",
  };
  return { spec, usedGlobalDns: useGlobal };
}

/** Two interfaces of the configuration on one adapter contradict each other: refused before any change. */
function checkOnePerAdapter(matched: { iface: Physical; index: number; adapter: Nic }[]): void {
  const problems: Problem[] = [];
  const first = new Map<string, { iface: Physical; index: number }>();
  for (const m of matched) {
    const earlier = first.get(m.adapter.mac);
    if (!earlier) first.set(m.adapter.mac, m);
    else problems.push({ path: `interfaces[${m.index}]`, message: `interface ${m.iface.name} matches adapter ${JSON.stringify(m.adapter.name)} (${windowsMac(m.adapter.mac)}), as interface ${earlier.iface.name} (interfaces[${earlier.index}]) does: one adapter takes one configuration` });
  }
  if (problems.length) throw new InputError(NETWORK_SOURCE, problems);
}

/**
 * The configuration for Windows' adapters. An interface whose adapter is not there is a note, not
 * a failure (a NIC may be detached; the rest still gets configured), and so is an interface without
 * a MAC that no adapter is named after: failing would leave the whole boot undone over a name that
 * only meant something to Linux.
 */
export function windowsNetworkSpec(config: NetworkConfig, adapters: readonly Nic[]): WindowsNetworkSpec {
  const { skipped, notes } = unsupportedInterfaces(config);
  const matched: { iface: Physical; index: number; adapter: Nic }[] = [];
  config.interfaces.forEach((iface, index) => {
    if (iface.kind !== "physical" || skipped.has(iface.name)) return;
    const found = findAdapter(iface, adapters);
    if ("note" in found) notes.push(found.note);
    else matched.push({ iface, index, adapter: found.adapter });
  });
  checkOnePerAdapter(matched);
  let usedGlobalDns = false;
  const specs = matched.map((m) => {
    const made = adapterSpec(m.iface, m.adapter, config, notes);
    usedGlobalDns ||= made.usedGlobalDns;
    return made.spec;
  });
  const global = config.nameservers.addresses;
  if (global.length && !usedGlobalDns) {
    notes.push(`DNS servers ${global.join(", ")} (machine-wide in the configuration) not set: Windows keeps DNS servers per adapter, and no configured adapter has static addresses without servers of its own`);
  }
  // The list is machine-wide, and once set Windows searches only it: every interface's domains go in.
  const search = [...new Set([...config.nameservers.search, ...matched.flatMap((m) => m.iface.nameservers.search)])];
  return { adapters: specs, suffixSearchList: search.length ? search : null, notes };
}
