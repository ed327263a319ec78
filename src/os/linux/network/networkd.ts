import type { Bond, Interface, NetworkConfig } from "../../../model/network.ts";
import { optionValue } from "./bond-options.ts";
import { fileSafe, headerOf, isDefault, mastersOf, ordered, vlansOn, type RenderOptions, type Rendered } from "./common.ts";

const DIR = "/etc/systemd/network";
export const RESOLVED_DROPIN = "/etc/systemd/resolved.conf.d/50-tether.conf";

/** netplan bond parameter → systemd.netdev [Bond] key; time values are milliseconds in netplan. */
const BOND_KEYS: Record<string, [string, "ms" | ""]> = {
  "mii-monitor-interval": ["MIIMonitorSec", "ms"],
  "up-delay": ["UpDelaySec", "ms"],
  "down-delay": ["DownDelaySec", "ms"],
  "lacp-rate": ["LACPTransmitRate", ""],
  "transmit-hash-policy": ["TransmitHashPolicy", ""],
  "ad-select": ["AdSelect", ""],
  "fail-over-mac-policy": ["FailOverMACPolicy", ""],
  "arp-interval": ["ARPIntervalSec", "ms"],
  "arp-ip-targets": ["ARPIPTargets", ""],
  "arp-validate": ["ARPValidate", ""],
  "primary-reselect-policy": ["PrimaryReselectPolicy", ""],
  "gratuitous-arp": ["GratuitousARP", ""],
  "min-links": ["MinLinks", ""],
  "packets-per-slave": ["PacketsPerSlave", ""],
  "resend-igmp": ["ResendIGMP", ""],
  "all-slaves-active": ["AllSlavesActive", ""],
  "learn-packet-interval": ["LearnPacketIntervalSec", ""],
};
const BRIDGE_KEYS: Record<string, [string, "s" | ""]> = {
  stp: ["STP", ""],
  "forward-delay": ["ForwardDelaySec", "s"],
  "hello-time": ["HelloTimeSec", "s"],
  "max-age": ["MaxAgeSec", "s"],
  "ageing-time": ["AgeingTimeSec", "s"],
  priority: ["Priority", ""],
};

const ini = (sections: [string, string[]][]) =>
  sections
    .filter(([, lines]) => lines.length)
    .map(([name, lines]) => `[${name}]\n${lines.join("\n")}\n`)
    .join("\n");

const yes = (b: boolean) => (b ? "yes" : "no");
const val = (v: string | number | boolean | string[], unit: string) => (typeof v === "boolean" ? yes(v) : `${optionValue(v, " ")}${unit}`);

function bondSection(bond: Bond): string[] {
  const lines = [`Mode=${bond.mode}`];
  for (const [k, v] of Object.entries(bond.params).sort(([a], [b]) => a.localeCompare(b))) {
    const key = BOND_KEYS[k];
    if (key) lines.push(`${key[0]}=${val(v, key[1])}`);
  }
  return lines;
}

function netdev(iface: Interface, options: RenderOptions): string | undefined {
  if (iface.kind === "physical") return undefined;
  const head = [`Name=${iface.name}`, `Kind=${iface.kind}`, ...(iface.mac ? [`MACAddress=${iface.mac}`] : []), ...(iface.mtu !== undefined ? [`MTUBytes=${iface.mtu}`] : [])];
  const body: [string, string[]][] = [["NetDev", head]];
  if (iface.kind === "bond") body.push(["Bond", bondSection(iface)]);
  if (iface.kind === "bridge") {
    body.push(["Bridge", Object.entries(iface.params).flatMap(([k, v]) => (BRIDGE_KEYS[k] ? [`${BRIDGE_KEYS[k][0]}=${val(v, BRIDGE_KEYS[k][1])}`] : []))]);
  }
  if (iface.kind === "vlan") body.push(["VLAN", [`Id=${iface.id}`]]);
  return headerOf(options) + ini(body);
}

function network(iface: Interface, config: NetworkConfig, master: Interface | undefined, options: RenderOptions): string {
  const match = iface.kind === "physical" && iface.match.name && !iface.rename ? [`Name=${iface.match.name}`] : [`Name=${iface.name}`];
  if (iface.kind === "physical" && iface.match.mac && !iface.rename) match.push(`MACAddress=${iface.match.mac}`);
  const link = iface.mtu !== undefined && iface.kind === "physical" ? [`MTUBytes=${iface.mtu}`] : [];
  const net: string[] = [];
  if (master) {
    net.push(`${master.kind === "bond" ? "Bond" : "Bridge"}=${master.name}`);
  } else {
    const v6dhcp = iface.ipv6 === "dhcp6";
    const dhcp = iface.dhcp4 && v6dhcp ? "yes" : iface.dhcp4 ? "ipv4" : v6dhcp ? "ipv6" : undefined;
    if (dhcp) net.push(`DHCP=${dhcp}`);
    const ra = iface.acceptRa ?? (iface.ipv6 !== "none" ? true : undefined);
    if (ra !== undefined) net.push(`IPv6AcceptRA=${yes(ra)}`);
    // Without a static or dynamic address, networkd would leave a bare device unconfigured but down.
    if (!dhcp && !iface.addresses.length && iface.ipv6 === "none") net.push("LinkLocalAddressing=no");
    for (const a of iface.addresses) net.push(`Address=${a}`);
    for (const a of iface.nameservers.addresses) net.push(`DNS=${a}`);
    if (iface.nameservers.search.length) net.push(`Domains=${iface.nameservers.search.join(" ")}`);
  }
  for (const v of vlansOn(config, iface.name)) net.push(`VLAN=${v.name}`);
  const sections: [string, string[]][] = [["Match", match], ["Link", link], ["Network", net]];
  if (!master) {
    if (iface.dhcp4 && iface.dhcpRouteMetric !== undefined) sections.push(["DHCPv4", [`RouteMetric=${iface.dhcpRouteMetric}`]]);
    if (iface.ipv6 === "dhcp6-stateless") sections.push(["IPv6AcceptRA", ["DHCPv6Client=yes"]]);
    if (iface.ipv6 === "slaac") sections.push(["IPv6AcceptRA", ["DHCPv6Client=no"]]);
    for (const r of iface.routes) {
      // A default route is a gateway alone; networkd infers the family from it.
      const to = isDefault(r) && r.via ? [] : [`Destination=${r.to}`];
      sections.push(["Route", [...to, ...(r.via ? [`Gateway=${r.via}`] : []), ...(r.metric !== undefined ? [`Metric=${r.metric}`] : [])]]);
    }
  }
  return headerOf(options) + ini(sections);
}

/**
 * systemd-networkd: a .network per interface, a .netdev per bond, bridge and VLAN (so they are
 * created), a .link per rename. Machine-wide name servers go to systemd-resolved, which networkd
 * feeds, rather than onto any one link.
 */
export function renderNetworkd(config: NetworkConfig, options: RenderOptions = {}): Rendered {
  const out: Rendered = {};
  const masters = mastersOf(config);
  for (const iface of ordered(config)) {
    const base = `${DIR}/10-tether-${fileSafe(iface.name)}`;
    if (iface.kind === "physical" && iface.rename && iface.match.mac) {
      out[`${base}.link`] = headerOf(options) + ini([["Match", [`MACAddress=${iface.match.mac}`]], ["Link", [`Name=${iface.name}`]]]);
    }
    const dev = netdev(iface, options);
    if (dev) out[`${base}.netdev`] = dev;
    out[`${base}.network`] = network(iface, config, masters.get(iface.name), options);
  }
  const ns = config.nameservers;
  if (ns.addresses.length || ns.search.length) {
    out[RESOLVED_DROPIN] = headerOf(options) + ini([["Resolve", [...(ns.addresses.length ? [`DNS=${ns.addresses.join(" ")}`] : []), ...(ns.search.length ? [`Domains=${ns.search.join(" ")}`] : [])]]]);
  }
  return out;
}
