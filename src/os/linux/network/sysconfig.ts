import type { Interface, NetworkConfig } from "../../../model/network.ts";
import { kernelBondOptions } from "./bond-options.ts";
import { byFamily, fileSafe, headerOf, isDefault, mastersOf, ordered, routesOf, splitCidr, type RenderOptions, type Rendered } from "./common.ts";

const DIR = "/etc/sysconfig/network-scripts";
export const RESOLV_CONF = "/etc/resolv.conf";

/** Values are shell words: quote anything that is not plainly safe. */
const q = (v: string | number) => (/^[A-Za-z0-9_.:/+-]*$/.test(String(v)) ? String(v) : `"${String(v).replace(/(["\\$`])/g, "\\$1")}"`);

function ifcfg(iface: Interface, master: Interface | undefined): [string, string | number][] {
  const kv: [string, string | number][] = [["DEVICE", iface.name]];
  const type = { physical: "Ethernet", bond: "Bond", bridge: "Bridge", vlan: "Vlan" }[iface.kind];
  if (iface.kind === "physical" && iface.match.mac) kv.push(["HWADDR", iface.match.mac]);
  if (iface.kind !== "physical" && iface.mac) kv.push(["MACADDR", iface.mac]);
  kv.push(["TYPE", type], ["ONBOOT", "yes"], ["USERCTL", "no"]);
  kv.push(["BOOTPROTO", iface.dhcp4 && !master ? "dhcp" : "none"]);
  if (iface.mtu !== undefined) kv.push(["MTU", iface.mtu]);
  if (iface.kind === "bond") kv.push(["BONDING_MASTER", "yes"], ["BONDING_OPTS", kernelBondOptions(iface).map(([k, v]) => `${k}=${v}`).join(" ")]);
  if (iface.kind === "bridge") {
    if (iface.params.stp !== undefined) kv.push(["STP", iface.params.stp === true ? "yes" : "no"]);
    if (iface.params["forward-delay"] !== undefined) kv.push(["DELAY", String(iface.params["forward-delay"])]);
  }
  if (iface.kind === "vlan") kv.push(["VLAN", "yes"], ["PHYSDEV", iface.link], ["VLAN_ID", iface.id]);
  if (master?.kind === "bond") kv.push(["MASTER", master.name], ["SLAVE", "yes"]);
  if (master?.kind === "bridge") kv.push(["BRIDGE", master.name]);
  if (master) return kv;
  if (iface.dhcp4 && iface.dhcpRouteMetric !== undefined) kv.push(["METRIC", iface.dhcpRouteMetric]);
  byFamily(iface.addresses, 4).forEach((cidr, i) => {
    const { address, prefix } = splitCidr(cidr);
    kv.push([i ? `IPADDR${i}` : "IPADDR", address], [i ? `PREFIX${i}` : "PREFIX", prefix]);
  });
  const gw4 = routesOf(iface, 4).find((r) => isDefault(r) && r.via);
  if (gw4?.via) kv.push(["GATEWAY", gw4.via], ["DEFROUTE", "yes"]);
  const v6 = byFamily(iface.addresses, 6);
  if (v6.length || iface.ipv6 !== "none") {
    kv.push(["IPV6INIT", "yes"]);
    kv.push(["IPV6_AUTOCONF", iface.ipv6 === "slaac" || iface.ipv6 === "dhcp6-stateless" ? "yes" : "no"]);
    if (iface.ipv6 === "dhcp6" || iface.ipv6 === "dhcp6-stateless") kv.push(["DHCPV6C", "yes"]);
    if (iface.ipv6 === "dhcp6-stateless") kv.push(["DHCPV6C_OPTIONS", "-S"]);
    if (v6[0]) kv.push(["IPV6ADDR", v6[0]]);
    if (v6.length > 1) kv.push(["IPV6ADDR_SECONDARIES", v6.slice(1).join(" ")]);
    const gw6 = routesOf(iface, 6).find((r) => isDefault(r) && r.via);
    if (gw6?.via) kv.push(["IPV6_DEFAULTGW", gw6.via]);
    if (iface.acceptRa !== undefined) kv.push(["IPV6_FORCE_ACCEPT_RA", iface.acceptRa ? "yes" : "no"]);
  }
  iface.nameservers.addresses.forEach((a, i) => kv.push([`DNS${i + 1}`, a]));
  if (iface.nameservers.search.length) kv.push(["DOMAIN", iface.nameservers.search.join(" ")]);
  return kv;
}

/**
 * Red Hat's initscripts format: ifcfg-NAME, route-NAME (ADDRESSn/NETMASKn/GATEWAYn, read by
 * ifup-routes and NetworkManager's ifcfg-rh plugin alike) and route6-NAME (ip-route lines). A
 * rename is HWADDR beside DEVICE. Machine-wide name servers go to /etc/resolv.conf, as cloud-init
 * does for this renderer.
 */
export function renderSysconfig(config: NetworkConfig, options: RenderOptions = {}): Rendered {
  const out: Rendered = {};
  const masters = mastersOf(config);
  for (const iface of ordered(config)) {
    const name = fileSafe(iface.name);
    const master = masters.get(iface.name);
    out[`${DIR}/ifcfg-${name}`] = headerOf(options) + ifcfg(iface, master).map(([k, v]) => `${k}=${q(v)}`).join("\n") + "\n";
    if (master) continue;
    const v4 = routesOf(iface, 4).filter((r) => !(isDefault(r) && r.via));
    const defaults4 = routesOf(iface, 4).filter((r) => isDefault(r) && r.via);
    if (v4.length || defaults4.length > 1) {
      const lines = [...v4, ...defaults4.slice(1)].flatMap((r, i) => {
        const { address, netmask } = splitCidr(r.to);
        return [`ADDRESS${i}=${address}`, `NETMASK${i}=${netmask}`, ...(r.via ? [`GATEWAY${i}=${r.via}`] : []), ...(r.metric !== undefined ? [`METRIC${i}=${r.metric}`] : [])];
      });
      out[`${DIR}/route-${name}`] = headerOf(options) + lines.join("\n") + "\n";
    }
    const v6 = routesOf(iface, 6).filter((r) => !(isDefault(r) && r.via && r === routesOf(iface, 6).find((x) => isDefault(x) && x.via)));
    if (v6.length) {
      const lines = v6.map((r) => `${isDefault(r) ? "default" : r.to}${r.via ? ` via ${r.via}` : ""}${r.metric !== undefined ? ` metric ${r.metric}` : ""} dev ${iface.name}`);
      out[`${DIR}/route6-${name}`] = headerOf(options) + lines.join("\n") + "\n";
    }
  }
  const ns = config.nameservers;
  if (ns.addresses.length || ns.search.length) {
    out[RESOLV_CONF] = headerOf(options) + [...(ns.search.length ? [`search ${ns.search.join(" ")}`] : []), ...ns.addresses.map((a) => `nameserver ${a}`)].join("\n") + "\n";
  }
  return out;
}
